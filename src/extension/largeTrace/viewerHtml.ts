// The trace viewer's page. No VS Code import here, so a browser test can load exactly this page.
// Nothing from the trace is ever part of this HTML: lines arrive later as messages and are put
// into the DOM as text. The CSP allows only our script (by nonce and origin) and our styles.
import { webviewCsp } from '../webviewHtml.js';

export { makeNonce } from '../webviewHtml.js';

export interface ViewerHtmlOptions {
  /** webview.cspSource (the origin webview resources are served from) */
  cspSource: string;
  /** URI of dist/webview/traceViewer.js as the webview sees it */
  scriptUri: string;
  nonce: string;
  /** shown until the index is ready */
  title: string;
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);


const STYLE = `
:root { color-scheme: light dark; }
body { margin: 0; padding: 0; height: 100vh; display: flex; flex-direction: column; overflow: hidden;
  background: var(--vscode-editor-background, #1e1e1e); color: var(--vscode-editor-foreground, #d4d4d4);
  font-family: var(--vscode-font-family, sans-serif); font-size: var(--vscode-font-size, 13px); }
#toolbar { display: flex; flex-wrap: wrap; gap: 6px 12px; align-items: center; padding: 4px 8px;
  border-bottom: 1px solid var(--vscode-panel-border, #444); }
#toolbar form { display: flex; gap: 4px; align-items: center; margin: 0; }
#toolbar input, #toolbar select { background: var(--vscode-input-background, #3c3c3c); color: var(--vscode-input-foreground, #ccc);
  border: 1px solid var(--vscode-input-border, transparent); padding: 1px 4px; font: inherit; }
#toolbar input { width: 9em; }
#toolbar input.short { width: 4.5em; }
#toolbar button { background: var(--vscode-button-background, #0e639c); color: var(--vscode-button-foreground, #fff);
  border: none; padding: 2px 8px; font: inherit; cursor: pointer; }
#toolbar button.secondary { background: var(--vscode-button-secondaryBackground, #3a3d41); color: var(--vscode-button-secondaryForeground, #fff); }
:focus-visible { outline: 1px solid var(--vscode-focusBorder, #007fd4); outline-offset: -1px; }
#status { opacity: 0.85; }
#status.error { color: var(--vscode-errorForeground, #f48771); }
#viewport { flex: 1; overflow: auto; position: relative; outline: none;
  font-family: var(--vscode-editor-font-family, monospace); font-size: var(--vscode-editor-font-size, 13px); }
#viewport:focus-visible { outline: 1px solid var(--vscode-focusBorder, #007fd4); }
#rows { position: sticky; top: 0; height: 0; overflow: visible; }
.row { display: flex; white-space: pre; height: var(--row-height, 19px); line-height: var(--row-height, 19px); width: max-content; min-width: 100%; }
.row[hidden] { display: none; }
.row.cursor { background: var(--vscode-editor-lineHighlightBackground, rgba(255,255,255,0.06)); }
.gutter { flex: none; display: flex; justify-content: flex-end; gap: 4px; padding-right: 8px; min-width: 7ch;
  color: var(--vscode-editorLineNumber-foreground, #858585); user-select: none;
  position: sticky; left: 0; z-index: 1; background: var(--vscode-editor-background, #1e1e1e); }
.row.cursor .gutter { background: var(--vscode-editor-lineHighlightBackground, #2a2d2e); }
#diag-panel { max-height: 30vh; overflow: auto; border-bottom: 1px solid var(--vscode-panel-border, #444); }
#diag-list { list-style: none; margin: 0; padding: 2px 0; }
#diag-list li { padding: 1px 8px; cursor: pointer; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
#diag-list li:hover, #diag-list li:focus { background: var(--vscode-list-hoverBackground, #2a2d2e); outline: none; }
#diag-list li.current { background: var(--vscode-list-inactiveSelectionBackground, #37373d); }
#diag-list .sev-error { color: var(--vscode-editorError-foreground, #f14c4c); }
#diag-list .sev-warning { color: var(--vscode-editorWarning-foreground, #cca700); }
#diag-list .sev-info { color: var(--vscode-editorInfo-foreground, #3794ff); }
.marker { width: 1ch; text-align: center; }
.marker.sev-error { color: var(--vscode-editorError-foreground, #f14c4c); }
.marker.sev-warning { color: var(--vscode-editorWarning-foreground, #cca700); }
.marker.sev-info { color: var(--vscode-editorInfo-foreground, #3794ff); }
.code { flex: 1; }
.cut { opacity: 0.6; font-style: italic; }
/* the editor's colours for the same TextMate scopes: webviews cannot read the theme's token
   colours, so these are the Default Dark+/Light+ ones for the theme's kind */
.t-event, .t-event-vtd, .t-event-viommu, .t-event-virtio { color: #dcdcaa; }
.t-key { color: #9cdcfe; }
.t-hex, .t-pointer, .t-number, .t-addr-gpa { color: #b5cea8; }
.t-bool { color: #569cd6; }
.t-string { color: #ce9178; }
.t-addr-hva { color: #4fc1ff; }
.t-addr-iova { color: #4ec9b0; }
.t-addr-giova { color: #c586c0; }
.t-prefix { color: var(--vscode-editorLineNumber-foreground, #858585); }
.t-error { color: #f44747; }
body.vscode-light .t-event, body.vscode-light .t-event-vtd, body.vscode-light .t-event-viommu, body.vscode-light .t-event-virtio,
body.vscode-high-contrast-light .t-event, body.vscode-high-contrast-light .t-event-vtd, body.vscode-high-contrast-light .t-event-viommu, body.vscode-high-contrast-light .t-event-virtio { color: #795e26; }
body.vscode-light .t-key, body.vscode-high-contrast-light .t-key { color: #001080; }
body.vscode-light :is(.t-hex, .t-pointer, .t-number, .t-addr-gpa), body.vscode-high-contrast-light :is(.t-hex, .t-pointer, .t-number, .t-addr-gpa) { color: #098658; }
body.vscode-light .t-bool, body.vscode-high-contrast-light .t-bool { color: #0000ff; }
body.vscode-light .t-string, body.vscode-high-contrast-light .t-string { color: #a31515; }
body.vscode-light .t-addr-hva, body.vscode-high-contrast-light .t-addr-hva { color: #0070c1; }
body.vscode-light .t-addr-iova, body.vscode-high-contrast-light .t-addr-iova { color: #267f99; }
body.vscode-light .t-addr-giova, body.vscode-high-contrast-light .t-addr-giova { color: #af00db; }
body.vscode-light .t-error, body.vscode-high-contrast-light .t-error { color: #cd3131; }
.addr { cursor: help; }
.addr.selected { outline: 1px solid var(--vscode-focusBorder, #007fd4); }
.link-mode .addr { text-decoration: underline; cursor: pointer; }
#hover { position: fixed; z-index: 10; max-width: min(80ch, 90vw); max-height: 50vh; overflow: auto; padding: 6px 10px;
  background: var(--vscode-editorHoverWidget-background, #252526); color: var(--vscode-editorHoverWidget-foreground, #ccc);
  border: 1px solid var(--vscode-editorHoverWidget-border, #454545); white-space: normal; }
#hover p { margin: 0.3em 0; }
#hover ol, #hover ul { margin: 0.2em 0; padding-left: 2em; }
#hover code { font-family: var(--vscode-editor-font-family, monospace); }
#hover a { color: var(--vscode-textLink-foreground, #3794ff); cursor: pointer; }
`;

export function viewerHtml(o: ViewerHtmlOptions): string {
  const csp = webviewCsp(o.cspSource, o.nonce, { scriptsFromSource: true, dataImages: false });
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(o.title)}</title>
<style nonce="${o.nonce}">${STYLE}</style>
</head>
<body>
<div id="toolbar" role="toolbar" aria-label="Trace viewer">
  <form id="goto" aria-label="Go to line">
    <label for="goto-line">Line</label><input id="goto-line" class="short" inputmode="numeric" autocomplete="off" placeholder="1">
    <button type="submit">Go</button>
  </form>
  <form id="filter" role="search" aria-label="Filter to matching lines">
    <label for="f-space">Space</label>
    <select id="f-space"><option value="">any</option><option value="iova">IOVA</option><option value="giova">guest IOVA</option><option value="gpa">GPA</option><option value="hva">HVA</option></select>
    <label for="f-range">Range</label><input id="f-range" autocomplete="off" placeholder="0x1000-0x1fff" title="An address or an inclusive range start-last, in the chosen space">
    <label for="f-family">Event</label><input id="f-family" autocomplete="off" placeholder="vtd_" title="An event name or its prefix (a family)">
    <label for="f-device">Device</label><input id="f-device" autocomplete="off" placeholder="00:02.0" title="A PCI BDF or a device pointer">
    <label for="f-asid">ASID</label><input id="f-asid" class="short" inputmode="numeric" autocomplete="off" placeholder="0">
    <button type="submit">Filter</button>
    <button type="button" id="f-clear" class="secondary" title="Every line again; the filter fields are emptied">Clear</button>
  </form>
  <span id="diag-nav" hidden>
    <button type="button" id="diag-prev" class="secondary" title="Previous diagnostic (Shift+F8)" aria-label="Previous diagnostic">↑</button>
    <button type="button" id="diag-toggle" class="secondary" aria-expanded="false" aria-controls="diag-list"></button>
    <button type="button" id="diag-next" class="secondary" title="Next diagnostic (F8)" aria-label="Next diagnostic">↓</button>
  </span>
  <span id="status" role="status" aria-live="polite">Indexing ${escapeHtml(o.title)}…</span>
</div>
<div id="diag-panel" hidden>
  <ul id="diag-list" aria-label="Diagnostics of this trace"></ul>
</div>
<div id="viewport" tabindex="0" aria-label="Trace lines. Arrows move, Left/Right pick an address, Space shows its chain, Enter goes to its definition.">
  <div id="rows"></div>
  <div id="spacer"></div>
</div>
<div id="hover" role="tooltip" hidden></div>
<script nonce="${o.nonce}" src="${escapeHtml(o.scriptUri)}"></script>
</body>
</html>`;
}
