// The trace viewer webview: a read-only view of a trace of any size. Lines, hovers, definitions,
// diagnostics and filters come from the extension (which asks the trace worker); this side only
// draws what is on screen and turns keys and clicks into requests.
import type { FilterCriteria, HostMessage } from '../../src/shared/protocol/largeTrace.js';
import { DiagnosticsList } from './diagnosticsList.js';
import { renderMarkdown } from './hoverCard.js';
import { LineView } from './lineView.js';
import { Rpc, type HostApi } from './rpc.js';

declare function acquireVsCodeApi(): HostApi;

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`trace viewer page lacks #${id}`);
  return el as T;
};

const vscode = acquireVsCodeApi();
const rpc = new Rpc(vscode);
const viewport = $('viewport');
const status = $('status');
const hoverBox = $('hover');

function say(text: string, error = false): void {
  status.textContent = text;
  status.classList.toggle('error', error);
}

const failed = (e: unknown): void => {
  if ((e as { cancelled?: boolean }).cancelled) return;
  say((e as Error).message ?? String(e), true);
};

const view = new LineView(viewport, $('rows'), $('spacer'), {
  lines: (from, count) => rpc.request({ type: 'lines', from, count }).done.then((r) => r.lines),
  linesAt: (lines) => rpc.request({ type: 'linesAt', lines }).done.then((r) => r.lines),
  diagnostics: (from, to) => rpc.request({ type: 'diagnostics', from, to }).done.then((r) => r.items),
  onError: failed,
  onCursor: (line) => vscode.postMessage({ type: 'cursor', line }),
});

let summaryText = '';
let totalLines = 0;
/** the status shows indexing progress: the summary may replace it (a message it may not) */
let showingProgress = true;

/**
 * The status line's summary: lines, and the diagnostics once the background replay is done (its
 * progress until then). The status is replaced only while it shows the summary, not a message.
 */
function showSummary(name: string, lines: number, diagnostics: number | undefined, fraction = 0): void {
  const showing = showingProgress || status.textContent === summaryText || summaryText === '';
  const head = `${name}: ${lines.toLocaleString('en')} lines`;
  summaryText = diagnostics !== undefined ? `${head}, ${diagnostics} diagnostics` : `${head}, replaying ${Math.floor(fraction * 100)}% (hovers and the tree answer for the lines replayed so far)`;
  if (showing) say(summaryText);
  showingProgress = false;
}

function listDiagnostics(lines: number, count: number): void {
  if (count > 0) rpc.request({ type: 'diagnostics', from: 1, to: lines }).done.then((r) => diagList.set(r.items), failed);
}

/** Show every line again (a filter would hide `line`) and put the cursor on it. */
function revealInAll(line: number): void {
  if (view.filtered && view.lineOfRow(view.rowOfLine(line)) !== line) view.setMatches(undefined, line);
  view.goToLine(line);
}

const diagList = new DiagnosticsList($('diag-nav'), $<HTMLButtonElement>('diag-toggle'), $('diag-panel'), $('diag-list'), (d) => {
  revealInAll(d.line);
  say(`${diagList.position()}: line ${d.line}, ${d.severity} ${d.code}: ${d.message}`);
  viewport.focus();
});
$('diag-next').addEventListener('click', () => diagList.step(1, view.cursorLine));
$('diag-prev').addEventListener('click', () => diagList.step(-1, view.cursorLine));
window.addEventListener('keydown', (e) => {
  if (e.key !== 'F8') return;
  e.preventDefault();
  if (!diagList.step(e.shiftKey ? -1 : 1, view.cursorLine)) say('No diagnostics in this trace');
});
let hoverTimer = 0;
let hoverSeq = 0;

function hideHover(): void {
  clearTimeout(hoverTimer);
  hoverSeq++;
  hoverBox.hidden = true;
}

/** Where a token is: its line (from its row) and its column. */
function positionOf(el: HTMLElement): { line: number; column: number } | undefined {
  const row = el.closest<HTMLElement>('.row');
  if (!row?.dataset.line || el.dataset.col === undefined) return undefined;
  return { line: Number(row.dataset.line), column: Number(el.dataset.col) };
}

async function showHover(el: HTMLElement): Promise<void> {
  const pos = positionOf(el);
  if (!pos) return;
  const seq = ++hoverSeq;
  const r = await rpc.request({ type: 'hover', line: pos.line, column: pos.column }).done;
  if (seq !== hoverSeq) return;
  if (!r.hover) {
    hoverBox.hidden = true;
    return;
  }
  renderMarkdown(hoverBox, r.hover.markdown, (line) => {
    hideHover();
    view.goToLine(line);
    viewport.focus();
  });
  const box = el.getBoundingClientRect();
  hoverBox.hidden = false;
  const below = box.bottom + 4;
  const h = hoverBox.getBoundingClientRect().height;
  hoverBox.style.left = `${Math.max(0, Math.min(box.left, window.innerWidth - hoverBox.offsetWidth - 4))}px`;
  hoverBox.style.top = `${below + h > window.innerHeight && box.top - h - 4 > 0 ? box.top - h - 4 : below}px`;
}

async function goToDefinition(el: HTMLElement): Promise<void> {
  const pos = positionOf(el);
  if (!pos) return;
  const r = await rpc.request({ type: 'definition', line: pos.line, column: pos.column }).done;
  if (r.lines.length === 0) {
    say(`No definition for line ${pos.line}, column ${pos.column + 1}`);
    return;
  }
  hideHover();
  const [target, ...rest] = r.lines;
  // a filter that hides the target would make the jump land elsewhere: show every line
  revealInAll(target);
  say(`Definition: line ${target}${rest.length ? ` (also ${rest.map((l) => `line ${l}`).join(', ')})` : ''}`);
}

// hover with the mouse: addresses only, after a short rest
viewport.addEventListener('mouseover', (e) => {
  const t = (e.target as HTMLElement).closest<HTMLElement>('.addr');
  if (!t) return;
  clearTimeout(hoverTimer);
  hoverTimer = window.setTimeout(() => void showHover(t).catch(failed), 250);
});
viewport.addEventListener('mouseout', (e) => {
  if ((e.target as HTMLElement).closest('.addr')) clearTimeout(hoverTimer);
});
viewport.addEventListener('mousedown', (e) => {
  if (!hoverBox.contains(e.target as Node)) hideHover();
});
viewport.addEventListener('click', (e) => {
  const t = e.target as HTMLElement;
  const row = t.closest<HTMLElement>('.row');
  if (row?.dataset.row) view.setCursor(Number(row.dataset.row));
  if ((e.ctrlKey || e.metaKey) && t.dataset.col !== undefined) void goToDefinition(t).catch(failed);
});
// a match of a filter, double-clicked: the same line among every line (the filter is kept in its fields)
viewport.addEventListener('dblclick', (e) => {
  const row = (e.target as HTMLElement).closest<HTMLElement>('.row');
  if (!view.filtered || !row?.dataset.line) return;
  const line = Number(row.dataset.line);
  if (filterRequest !== undefined) rpc.cancel(filterRequest);
  filterRequest = undefined;
  view.setMatches(undefined, line);
  view.goToLine(line);
  say(`Line ${line} among every line of ${summaryText} — Filter shows the matches again`);
  viewport.focus();
});
const linkMode = (on: boolean) => viewport.classList.toggle('link-mode', on);
window.addEventListener('keydown', (e) => linkMode(e.ctrlKey || e.metaKey));
window.addEventListener('keyup', (e) => linkMode(e.ctrlKey || e.metaKey));
viewport.addEventListener('scroll', () => hideHover());

viewport.addEventListener('keydown', (e) => {
  const moves: Record<string, Parameters<LineView['moveCursor']>[0]> = { ArrowDown: 1, ArrowUp: -1, PageDown: 'page-down', PageUp: 'page-up', Home: 'home', End: 'end' };
  const move = moves[e.key];
  if (move !== undefined && (typeof move === 'number' || e.key.startsWith('Page') || e.ctrlKey)) {
    hideHover();
    view.moveCursor(move);
  } else if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
    hideHover();
    const a = view.selectAddress(e.key === 'ArrowRight' ? 1 : -1);
    if (!a) say(`No address on line ${view.cursorLine}`);
  } else if (e.key === ' ' || e.key === 'i') {
    const a = view.selectedAddress();
    if (a) void showHover(a).catch(failed);
  } else if (e.key === 'Enter' || e.key === 'F12') {
    const a = view.selectedAddress();
    if (a) void goToDefinition(a).catch(failed);
  } else if (e.key === 'Escape') hideHover();
  else if (e.key === 'g' && e.ctrlKey) $('goto-line').focus();
  else return;
  e.preventDefault();
});

$('goto').addEventListener('submit', (e) => {
  e.preventDefault();
  const input = $<HTMLInputElement>('goto-line');
  const n = Number(input.value.trim());
  if (!Number.isInteger(n) || n < 1) {
    say(`"${input.value}" is not a line number`, true);
    return;
  }
  view.goToLine(n);
  viewport.focus();
});

let filterRequest: number | undefined;

/** The filter form as criteria; throws with what is wrong. */
function criteria(): FilterCriteria {
  const c: FilterCriteria = {};
  const space = $<HTMLSelectElement>('f-space').value;
  const range = $<HTMLInputElement>('f-range').value.trim();
  if (range) {
    if (!space) throw new Error('choose the address space of the range (IOVA, guest IOVA, GPA, HVA)');
    const [start, last] = range.split(/\s*(?:-|\.\.|,)\s*/);
    c.space = space as FilterCriteria['space'];
    c.start = start;
    if (last) c.last = last;
  }
  const family = $<HTMLInputElement>('f-family').value.trim();
  if (family) c.family = family;
  const device = $<HTMLInputElement>('f-device').value.trim();
  if (device) c.device = device;
  const asid = $<HTMLInputElement>('f-asid').value.trim();
  if (asid) {
    if (!/^\d+$/.test(asid)) throw new Error(`ASID "${asid}" is not a number`);
    c.asid = Number(asid);
  }
  return c;
}

$('filter').addEventListener('submit', (e) => {
  e.preventDefault();
  let c: FilterCriteria;
  try {
    c = criteria();
  } catch (err) {
    say((err as Error).message, true);
    return;
  }
  if (Object.keys(c).length === 0) {
    clearFilter();
    return;
  }
  if (filterRequest !== undefined) rpc.cancel(filterRequest);
  const keep = view.cursorLine;
  const req = rpc.request({ type: 'filter', criteria: c }, (f) => say(`Filtering… ${Math.round(f * 100)}%`));
  filterRequest = req.id;
  say('Filtering…');
  req.done.then((r) => {
    if (filterRequest !== req.id) return;
    filterRequest = undefined;
    view.setMatches(r.result.lines, keep);
    say(`${r.result.lines.length}${r.result.truncated ? '+ (first ones shown)' : ''} matching lines of ${summaryText} — Clear returns to every line`);
  }, failed);
});

function clearFilter(): void {
  if (filterRequest !== undefined) rpc.cancel(filterRequest);
  filterRequest = undefined;
  const line = view.cursorLine;
  if (view.filtered) view.setMatches(undefined, line);
  // the selected line stays selected and on screen
  view.goToLine(line);
  for (const id of ['f-range', 'f-family', 'f-device', 'f-asid']) $<HTMLInputElement>(id).value = '';
  $<HTMLSelectElement>('f-space').value = '';
  say(summaryText);
}
$('f-clear').addEventListener('click', () => {
  clearFilter();
  viewport.focus();
});

window.addEventListener('message', (e: MessageEvent<HostMessage>) => {
  const m = e.data;
  if (typeof m !== 'object' || m === null || typeof m.type !== 'string') return;
  if (rpc.receive(m)) return;
  switch (m.type) {
    case 'indexing':
      // a late progress message (the view came up after the index, or after the replay's end)
      // must not hide the summary
      if (totalLines === 0 && summaryText === '') {
        say(`Indexing ${m.name}… ${Math.round(m.fraction * 100)}%`);
        showingProgress = true;
      }
      break;
    case 'init': {
      const s = m.summary;
      totalLines = s.lines;
      view.setLineCount(s.lines);
      viewport.focus();
      showSummary(m.name, s.lines, s.replayed ? s.diagnostics : undefined);
      if (s.replayed) listDiagnostics(s.lines, s.diagnostics);
      break;
    }
    case 'replaying':
      if (totalLines > 0) showSummary(m.name, totalLines, undefined, m.fraction);
      break;
    case 'replayFinished':
      showSummary(m.name, m.summary.lines, m.summary.diagnostics);
      listDiagnostics(m.summary.lines, m.summary.diagnostics);
      break;
    case 'failed':
      say(m.message, true);
      break;
    case 'reveal':
      revealInAll(m.line);
      break;
  }
});

vscode.postMessage({ type: 'ready' });
