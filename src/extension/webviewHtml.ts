// The HTML shell of the translation tree webview: a CSP that allows only our nonce'd script
// and style sheet (`default-src 'none'`), and an empty #app the script fills. Nothing from a
// trace is ever put into this string; the arguments are URIs and a nonce we made.
import { randomBytes } from 'node:crypto';

export interface TreeHtmlOptions {
  /** webview.cspSource: the origin the webview serves extension resources from */
  cspSource: string;
  nonce: string;
  /** webview URIs of dist/webview/tree.js and dist/webview/tree.css */
  scriptUri: string;
  styleUri: string;
}

/** 128 random bits, base64: a fresh one for every page load. */
export function makeNonce(): string {
  return randomBytes(16).toString('base64url');
}

const attr = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function treeHtml(o: TreeHtmlOptions): string {
  if (!/^[A-Za-z0-9+/=_-]{16,}$/.test(o.nonce)) throw new Error(`treeHtml: nonce "${o.nonce}" is not a base64 token of at least 16 characters`);
  const csp = webviewCsp(o.cspSource, o.nonce, { scriptsFromSource: false, dataImages: true });
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>IOVA Lens: translation tree</title>
<link rel="stylesheet" href="${attr(o.styleUri)}" nonce="${attr(o.nonce)}">
</head>
<body>
<main id="app" aria-label="IOVA Lens translation tree"></main>
<script nonce="${attr(o.nonce)}" src="${attr(o.scriptUri)}"></script>
</body>
</html>
`;
}

/**
 * The policy of every IOVA Lens webview: nothing but the nonce'd script and style (and, when asked,
 * scripts and images from the extension's own webview origin).
 */
export function webviewCsp(cspSource: string, nonce: string, o: { scriptsFromSource: boolean; dataImages: boolean }): string {
  if (!isSourceList(cspSource)) throw new Error(`cspSource "${cspSource}" cannot go into a Content-Security-Policy`);
  const scripts = o.scriptsFromSource ? `${cspSource} 'nonce-${nonce}'` : `'nonce-${nonce}'`;
  return [`default-src 'none'`, `script-src ${scripts}`, `style-src ${cspSource} 'nonce-${nonce}'`, `img-src ${cspSource}${o.dataImages ? ' data:' : ''}`].join('; ') + ';';
}

/**
 * webview.cspSource is a list of sources: one origin in desktop VS Code, "'self' https://*.…" in
 * browser-hosted ones (code-server). Only 'self' and host/scheme sources pass: no keyword that
 * would loosen the policy, no bare "*", no directive separator.
 */
export function isSourceList(text: string): boolean {
  const parts = text.trim().split(/ +/);
  return parts.length > 0 && parts.every((p) => p === "'self'" || /^[a-z][a-z0-9+.-]*:(\/\/[^\s;'",*]*(\*\.[^\s;'",*]+)?[^\s;'",*]*)?$/i.test(p) || /^(\*\.)?[a-z0-9.-]+(:\d+)?$/i.test(p));
}
