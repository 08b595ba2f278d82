// Entry of the translation tree webview: builds the page, keeps the state, and speaks the
// protocol of src/shared/webviewProtocol.ts with the extension (ready first, then whatever
// the user asks). A malformed message or a rendering bug shows an error line, never a blank view.
import './tree.css';
import type { TranslationView, ViewNode, ViewResolution } from '../../src/shared/translationView.js';
import { parseToWebview, type ToWebview } from '../../src/shared/protocol/webview.js';
import { parseAddressQuery } from '../../src/shared/addressQuery.js';
import { byId, clear, el } from './dom.js';
import { ResolveBox } from './resolveBox.js';
import { Scrubber } from './scrubber.js';
import { restoreState, type StripScale, type TreeState } from './state.js';
import { renderStrips, SCALE_LEGEND } from './stripView.js';
import { ancestorsOf, parseFilter, visibleRows } from './treeModel.js';
import { TreeView } from './treeView.js';
import { connectHost } from './vscodeApi.js';

const host = connectHost();
const state: TreeState = restoreState(host.getState());
let view: TranslationView | undefined;
let resolution: ViewResolution | undefined;
/** node id → indexes of the hops it holds (in the first chain that names it) */
let chain = new Map<string, number[]>();
let restoredScroll = false;
/** nodes new since the previous line of the same trace, for the scrubber's change marks */
let added = new Set<string>();
/** the mappings (nodes with a range) of the last trace view: id → label, and where it was */
let lastRanges: { uri: string; line: number; nodes: Map<string, string> } | undefined;
/** node ids seen in earlier views: new sections and tables open once, a user's collapse stays */
const seen = new Set<string>();
let zoom = 1;

const save = (): void => host.setState(state);

// ---- page ----
const title = el('h1', { className: 'title', text: 'Translation tree' });
const status = el('span', { className: 'status', attrs: { role: 'status' } });
const refresh = el('button', { text: 'Refresh', attrs: { type: 'button', title: 'Ask the extension for the view again' } });
const errorLine = el('p', { className: 'error-line', attrs: { role: 'alert', hidden: true } });
const scrubber = new Scrubber((line) => host.post({ type: 'goToLine', line }));
const resolveBox = new ResolveBox({
  ask: (query) => host.post({ type: 'resolve', query }),
  showNode: (id) => showNode(id),
  changed: (r) => {
    state.resolve = r;
    save();
  },
  stale: () => clearHighlights(),
});
const filterInput = el('input', { attrs: { id: 'filter', type: 'search', placeholder: 'label, owner, line or 0x address', spellcheck: 'false', autocomplete: 'off' } });
const filterCount = el('span', { className: 'filter-count', attrs: { 'aria-live': 'polite' } });
const expandAll = el('button', { className: 'secondary', text: 'Expand all', attrs: { type: 'button', title: 'Open every node (the longest tables stay capped)' } });
const collapseAll = el('button', { className: 'secondary', text: 'Collapse all', attrs: { type: 'button', title: 'Close every node but the sections' } });
const changes = el('p', { className: 'changes', attrs: { 'aria-live': 'polite', hidden: true } });
const zoomSelect = el('select', { attrs: { id: 'strip-zoom' } }, ...[1, 4, 16, 64].map((z) => el('option', { text: `${z}×`, attrs: { value: String(z) } })));
const placeholder = el('p', { className: 'placeholder', attrs: { hidden: true } });
const treeList = el('ul', { className: 'tree', attrs: { id: 'tree', 'aria-label': 'Translation tree' } });
const treeScroll = el('div', { className: 'tree-scroll' }, treeList);
const scaleSelect = el('select', { attrs: { id: 'strip-scale' } }, el('option', { text: 'linear', attrs: { value: 'linear' } }), el('option', { text: 'log', attrs: { value: 'log' } }));
const scaleLegend = el('p', { className: 'legend' });
const strips = el('div', { className: 'strips' });
const stripSection = el('section', { className: 'strip-section', attrs: { 'aria-labelledby': 'strips-title' } }, el('h2', { text: 'Address spaces', attrs: { id: 'strips-title' } }), el('div', { className: 'strip-controls' }, el('label', { text: 'Scale', attrs: { for: 'strip-scale' } }), scaleSelect, el('label', { text: 'Zoom', attrs: { for: 'strip-zoom' } }), zoomSelect), scaleLegend, strips);
const notes = el('ul', { className: 'notes' });

const tree = new TreeView(treeList, {
  toggle: (id, open) => {
    const set = new Set(state.expanded);
    if (open) set.add(id);
    else set.delete(id);
    state.expanded = [...set];
    save();
    renderTree(id);
  },
  activate: (node) => activate(node),
  openMemory: (node) => {
    if (node.memoryRef !== undefined) host.post({ type: 'openMemory', memoryRef: node.memoryRef });
  },
  focusMoved: (id) => {
    if (state.focusId !== id) {
      state.focusId = id;
      save();
    }
  },
});

const app = byId('app');
app.append(
  el('header', { className: 'bar' }, title, status, refresh),
  errorLine,
  scrubber.root,
  resolveBox.root,
  el('div', { className: 'filter-bar', attrs: { role: 'search' } }, el('label', { text: 'Filter', attrs: { for: 'filter' } }), filterInput, filterCount, el('span', { className: 'tree-actions' }, expandAll, collapseAll)),
  changes,
  placeholder,
  treeScroll,
  stripSection,
  notes,
);

// ---- behaviour ----
function activate(node: ViewNode): void {
  if (node.createdLine !== undefined) host.post({ type: 'revealLine', line: node.createdLine });
  else if (node.memoryRef !== undefined) host.post({ type: 'openMemory', memoryRef: node.memoryRef });
}

function renderTree(focusId = tree.focusedId ?? state.focusId): void {
  if (!view) return;
  const filter = parseFilter(state.filter);
  const rows = visibleRows(view.sections, new Set(state.expanded), filter);
  tree.render(rows, focusId, chain, added);
  filterCount.textContent = filter ? `${rows.filter((r) => r.more === undefined).length} shown` : '';
}

function renderStripsNow(): void {
  scaleLegend.textContent = SCALE_LEGEND[state.scale];
  if (!view || view.strips.length === 0) {
    stripSection.hidden = true;
    return;
  }
  stripSection.hidden = false;
  renderStrips(strips, view.strips, state.scale, chain, (id) => showNode(id), zoom);
}

function showNode(id: string): void {
  if (!view) return;
  const open = new Set(state.expanded);
  for (const a of ancestorsOf(view.sections, new Set([id]))) open.add(a);
  state.expanded = [...open];
  save();
  renderTree(id);
  tree.focusRow(id);
}

/** Sections and their tables open the first time they show: the mappings are on screen at once. */
function openNewSections(v: TranslationView): void {
  const open = new Set(state.expanded);
  let changed = false;
  for (const section of v.sections) {
    for (const n of [section, ...(section.children ?? [])]) {
      if (seen.has(n.id)) continue;
      seen.add(n.id);
      if (n.children?.length && !open.has(n.id)) {
        open.add(n.id);
        changed = true;
      }
    }
  }
  if (changed) {
    state.expanded = [...open];
    save();
  }
}

function rangesOf(v: TranslationView): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (nodes: ViewNode[]): void => {
    for (const n of nodes) {
      if (n.start !== undefined && n.last !== undefined) out.set(n.id, `${n.label}${n.detail ? ` ${n.detail}` : ''}`);
      if (n.children) visit(n.children);
    }
  };
  visit(v.sections);
  return out;
}

/** While scrubbing one trace: which mappings came and went since the line shown before. */
function noteChanges(v: TranslationView): void {
  const src = v.source;
  if (src.kind !== 'trace') {
    added = new Set();
    lastRanges = undefined;
    changes.hidden = true;
    return;
  }
  const now = rangesOf(v);
  const before = lastRanges;
  lastRanges = { uri: src.uri, line: src.line, nodes: now };
  if (!before || before.uri !== src.uri || before.line === src.line) {
    if (!before || before.uri !== src.uri) {
      added = new Set();
      changes.hidden = true;
    }
    return;
  }
  added = new Set([...now.keys()].filter((id) => !before.nodes.has(id)));
  const removed = [...before.nodes].filter(([id]) => !now.has(id)).map(([, label]) => label);
  clear(changes);
  changes.hidden = false;
  if (added.size === 0 && removed.length === 0) {
    changes.textContent = `No mapping changed since line ${before.line}.`;
    return;
  }
  changes.appendChild(document.createTextNode(`Since line ${before.line}: ${added.size} added (marked new)${removed.length ? `, ${removed.length} removed: ` : ''}`));
  if (removed.length) changes.appendChild(el('span', { className: 'removed', text: removed.slice(0, 5).join('; ') + (removed.length > 5 ? `; and ${removed.length - 5} more` : '') }));
}

function titleOf(v: TranslationView): string {
  const s = v.source;
  if (s.kind === 'trace') return `${decodeURIComponent(s.uri.slice(s.uri.lastIndexOf('/') + 1))} at line ${s.line} of ${s.lines}`;
  return `${s.name}${s.stoppedAt ? ` — stopped at ${s.stoppedAt}` : ''}`;
}

function showView(v: TranslationView | undefined, reason: string | undefined): void {
  view = v;
  scrubber.update(v?.source);
  clear(notes);
  if (!v) {
    title.textContent = 'Translation tree';
    placeholder.hidden = false;
    placeholder.textContent = reason ?? 'Nothing to show: open a QEMU trace or start an IOVA Lens debug session.';
    treeScroll.hidden = true;
    stripSection.hidden = true;
    return;
  }
  title.textContent = titleOf(v);
  noteChanges(v);
  openNewSections(v);
  placeholder.hidden = true;
  treeScroll.hidden = false;
  for (const n of v.notes) notes.appendChild(el('li', { text: n }));
  renderTree();
  renderStripsNow();
  if (!restoredScroll) {
    restoredScroll = true;
    treeScroll.scrollTop = state.scrollTop;
  }
  // the chain may differ at the new line or stop: ask again for what the box shows
  if (resolution) {
    const q = resolveBox.query();
    if (q) host.post({ type: 'resolve', query: q });
  }
}

function clearHighlights(): void {
  resolution = undefined;
  if (chain.size === 0) return;
  chain = new Map();
  renderTree();
  renderStripsNow();
}

function showResolution(r: ViewResolution): void {
  // Resolve Address… asks from outside the page: the box shows what was asked
  const asked = parseAddressQuery(r.query);
  if (!('error' in asked)) {
    const now = resolveBox.query();
    // (the answer's query text may leave out what the box already says, e.g. its space)
    if (!now || BigInt(now.addr) !== BigInt(asked.addr)) resolveBox.fill(asked);
  }
  resolution = r;
  chain = new Map();
  r.chains.forEach((c, ci) =>
    c.forEach((h, i) => {
      if (h.nodeId === undefined) return;
      const have = chain.get(h.nodeId);
      if (!have) chain.set(h.nodeId, [i]);
      else if (ci === 0 && !have.includes(i)) have.push(i);
    }),
  );
  resolveBox.show(r);
  // the chain's nodes are never hidden: not by a filter, not in a collapsed parent
  if (chain.size > 0 && state.filter.trim() !== '') {
    state.filter = '';
    filterInput.value = '';
  }
  if (view && chain.size > 0) {
    const open = new Set(state.expanded);
    for (const a of ancestorsOf(view.sections, new Set(chain.keys()))) open.add(a);
    state.expanded = [...open];
    save();
  }
  renderTree();
  renderStripsNow();
  const first = r.chains[0]?.find((h) => h.nodeId !== undefined)?.nodeId;
  if (first) treeList.querySelector(`[data-id="${CSS.escape(first)}"]`)?.scrollIntoView({ block: 'nearest' });
}

function showError(text: string | undefined): void {
  errorLine.hidden = text === undefined;
  errorLine.textContent = text ?? '';
}

function handle(msg: ToWebview): void {
  switch (msg.type) {
    case 'view':
      showError(undefined);
      showView(msg.view, msg.reason);
      break;
    case 'resolution':
      showResolution(msg.resolution);
      break;
    case 'busy':
      status.textContent = msg.busy ? (msg.message ?? 'working…') : '';
      app.setAttribute('aria-busy', String(msg.busy));
      break;
    case 'error':
      showError(msg.message);
      break;
  }
}

window.addEventListener('message', (e: MessageEvent) => {
  const parsed = parseToWebview(e.data);
  if (!parsed.ok) {
    showError(`Ignored a message from the extension: ${parsed.error}`);
    return;
  }
  try {
    handle(parsed.msg);
  } catch (err) {
    showError(`Could not show the ${parsed.msg.type}: ${(err as Error).message}`);
  }
});

let filterTimer: ReturnType<typeof setTimeout> | undefined;
filterInput.addEventListener('input', () => {
  state.filter = filterInput.value;
  save();
  if (filterTimer !== undefined) clearTimeout(filterTimer);
  filterTimer = setTimeout(() => renderTree(), 60);
});
scaleSelect.addEventListener('change', () => {
  state.scale = scaleSelect.value as StripScale;
  save();
  renderStripsNow();
});
let scrollTimer: ReturnType<typeof setTimeout> | undefined;
treeScroll.addEventListener('scroll', () => {
  if (scrollTimer !== undefined) clearTimeout(scrollTimer);
  scrollTimer = setTimeout(() => {
    state.scrollTop = treeScroll.scrollTop;
    save();
  }, 150);
});
refresh.addEventListener('click', () => host.post({ type: 'refresh' }));
expandAll.addEventListener('click', () => {
  if (!view) return;
  const ids: string[] = [];
  const visit = (nodes: ViewNode[]): void => {
    for (const n of nodes) {
      if (!n.children?.length) continue;
      ids.push(n.id);
      visit(n.children);
    }
  };
  visit(view.sections);
  state.expanded = ids.slice(0, 10000);
  save();
  renderTree();
});
collapseAll.addEventListener('click', () => {
  state.expanded = view ? view.sections.map((n) => n.id) : [];
  save();
  renderTree();
});
zoomSelect.addEventListener('change', () => {
  zoom = Number(zoomSelect.value) || 1;
  renderStripsNow();
});

filterInput.value = state.filter;
scaleSelect.value = state.scale;
resolveBox.restore(state.resolve);
placeholder.hidden = false;
placeholder.textContent = 'Waiting for the extension…';
treeScroll.hidden = true;
stripSection.hidden = true;
host.post({ type: 'ready' });
