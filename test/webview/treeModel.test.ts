// The parts of the webview that are plain functions: which rows show (expansion, filter),
// the keyboard's moves, and where strip pieces go on a full 64-bit space.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SpaceStrip, ViewNode } from '../../src/shared/translationView.js';
import { ancestorsOf, parseFilter, visibleRows, MAX_CHILDREN } from '../../webview/tree/treeModel.js';
import { keyAction } from '../../webview/tree/treeKeys.js';
import { layoutStrip, log2Weight, MIN_SEGMENT_UNITS, STRIP_UNITS } from '../../webview/tree/stripLayout.js';
import { restoreState } from '../../webview/tree/state.js';

const leaf = (id: string, label: string, start?: string, last?: string): ViewNode => ({ id, label, ...(start ? { space: 'iova' as const, start, last } : {}) });
const tree: ViewNode[] = [
  { id: 'mem', label: 'Guest memory', children: [{ id: 'dev', label: '0x55d2', children: [leaf('a', 'GPA [0x0, 0x7fffffff]', '0x0', '0x7fffffff'), leaf('b', 'GPA [0xfeda0000, 0xfedbffff]', '0xfeda0000', '0xfedbffff')] }] },
  { id: 'iova', label: 'IOVA trees', children: [leaf('c', 'IOVA [0x1000, 0x80000fff]', '0x1000', '0x80000fff')] },
];
const ids = (rows: { node: ViewNode }[]): string[] => rows.map((r) => r.node.id);

test('rows: only expanded nodes show their children, with aria levels and positions', () => {
  const rows = visibleRows(tree, new Set(['mem']));
  assert.deepEqual(ids(rows), ['mem', 'dev', 'iova']);
  assert.deepEqual(rows.map((r) => [r.level, r.posInSet, r.setSize, r.expanded]), [[1, 1, 2, true], [2, 1, 1, false], [1, 2, 2, false]]);
  assert.equal(rows[1].parentId, 'mem');
});

test('filter: non-matching nodes hide, ancestors of matches open by themselves, addresses match ranges', () => {
  assert.deepEqual(ids(visibleRows(tree, new Set(), parseFilter('FEDA'))), ['mem', 'dev', 'b']);
  // 0x7fff0000 lies in GPA [0, 0x7fffffff] and IOVA [0x1000, 0x80000fff]
  assert.deepEqual(ids(visibleRows(tree, new Set(), parseFilter('0x7fff0000'))), ['mem', 'dev', 'a', 'iova', 'c']);
  assert.deepEqual(ids(visibleRows(tree, new Set(), parseFilter('nothing like it'))), []);
  assert.equal(parseFilter('   '), undefined);
  // a matching parent keeps its children reachable (closed until opened)
  assert.deepEqual(ids(visibleRows(tree, new Set(['iova']), parseFilter('IOVA trees'))), ['iova', 'c']);
});

test('rows: a huge table is capped with a row that says how many are left out', () => {
  const big: ViewNode[] = [{ id: 't', label: 't', children: Array.from({ length: MAX_CHILDREN + 5 }, (_, i) => leaf(`m${i}`, `m${i}`)) }];
  const rows = visibleRows(big, new Set(['t']));
  assert.equal(rows.length, 1 + MAX_CHILDREN + 1);
  assert.equal(rows[rows.length - 1].more, 5);
});

test('keyboard: arrows move, open and close; Left goes to the parent; Enter activates', () => {
  let open = new Set<string>();
  let rows = visibleRows(tree, open);
  assert.deepEqual(keyAction('ArrowDown', rows, 0), { kind: 'focus', index: 1 });
  assert.equal(keyAction('ArrowDown', rows, 1), undefined);
  assert.deepEqual(keyAction('ArrowRight', rows, 0), { kind: 'toggle', index: 0, open: true });
  open = new Set(['mem']);
  rows = visibleRows(tree, open);
  assert.deepEqual(keyAction('ArrowRight', rows, 0), { kind: 'focus', index: 1 });
  assert.deepEqual(keyAction('ArrowLeft', rows, 1), { kind: 'focus', index: 0 });
  assert.deepEqual(keyAction('ArrowLeft', rows, 0), { kind: 'toggle', index: 0, open: false });
  assert.deepEqual(keyAction('End', rows, 0), { kind: 'focus', index: rows.length - 1 });
  assert.deepEqual(keyAction('Enter', rows, 1), { kind: 'activate', index: 1 });
  assert.equal(keyAction('m', rows, 1), undefined, 'no memory reference, no memory view');
});

test('ancestors: what to open to bring nodes on screen', () => {
  assert.deepEqual([...ancestorsOf(tree, new Set(['b', 'c']))].sort(), ['dev', 'iova', 'mem']);
});

const full: SpaceStrip = {
  id: 's',
  title: 'whole 64-bit IOVA space',
  space: 'iova',
  start: '0x0',
  last: '0xffffffffffffffff',
  segments: [
    { start: '0xffffffffffff0000', last: '0xffffffffffffffff', label: 'top', nodeId: 'top' },
    { start: '0x0', last: '0x7fffffffffffffff', label: 'low half', nodeId: 'low' },
  ],
};

test('strip, linear: a 64-bit space in bigint proportions; tiny mappings widened, holes between', () => {
  const p = layoutStrip(full, 'linear');
  assert.deepEqual(p.map((x) => [x.kind, x.start, x.last]), [
    ['segment', 0n, 0x7fffffffffffffffn],
    ['hole', 0x8000000000000000n, 0xfffffffffffeffffn],
    ['segment', 0xffffffffffff0000n, 0xffffffffffffffffn],
  ]);
  assert.equal(p[0].x, 0);
  assert.equal(p[0].width, STRIP_UNITS / 2);
  assert.equal(p[1].x, STRIP_UNITS / 2);
  // 64 KiB of 16 EiB is far below a pixel: drawn at the minimum, kept inside the strip
  assert.equal(p[2].width, MIN_SEGMENT_UNITS);
  assert.equal(p[2].x, STRIP_UNITS - MIN_SEGMENT_UNITS);
});

test('strip, log: pieces side by side, widths by log2 of their sizes, filling the strip', () => {
  const p = layoutStrip(full, 'log');
  const weights = [log2Weight(1n << 63n), log2Weight((1n << 63n) - 0x10000n), log2Weight(0x10000n)];
  assert.deepEqual(weights, [64, 63, 17]);
  const total = weights.reduce((a, b) => a + b);
  p.forEach((x, i) => assert.ok(Math.abs(x.width - (weights[i] * STRIP_UNITS) / total) < 1e-9));
  assert.ok(Math.abs(p[2].x + p[2].width - STRIP_UNITS) < 1e-9);
  // an empty strip is one hole
  const empty = layoutStrip({ ...full, segments: [] }, 'log');
  assert.deepEqual(empty.map((x) => [x.kind, x.x, x.width]), [['hole', 0, STRIP_UNITS]]);
});

test('saved state from an older or corrupted page is read defensively', () => {
  const s = restoreState({ expanded: ['a', 3, 'b'], filter: 42, resolve: { addr: '0x10', space: 'ram', device: 'd' }, scrollTop: -5, scale: 'log', focusId: 'a' });
  assert.deepEqual(s, { expanded: ['a', 'b'], filter: '', resolve: { addr: '0x10', space: '', device: 'd' }, scrollTop: 0, scale: 'log', focusId: 'a' });
  assert.equal(restoreState(undefined).filter, '');
});
