// The translation view and a resolution as they arrive over a JSON boundary (the adapter's
// iovaLens/view event, the extension's messages to the tree webview), checked once for both with
// the kit: addresses are 64-bit hex strings, ranges inclusive and in order, nesting bounded.
import { arr, fail, hexAddr, int, obj, oneOf, optHexAddr, optInt, optStr, space, str } from './check.js';
import type { SpaceStrip, TranslationView, ViewHop, ViewNode, ViewResolution, ViewSource } from '../translationView.js';

/** Views are a few levels deep; a deeper one is refused before its error paths grow huge. */
export const MAX_VIEW_DEPTH = 32;
const TEXT = 4096;

function checkSource(v: unknown, path: string): ViewSource {
  const s = obj(v, path);
  const kind = oneOf(s.kind, `${path}.kind`, ['trace', 'debug']);
  if (kind === 'trace') {
    str(s.uri, `${path}.uri`);
    int(s.line, `${path}.line`, 0);
    int(s.lines, `${path}.lines`, 0);
  } else {
    str(s.sessionId, `${path}.sessionId`, TEXT);
    str(s.name, `${path}.name`, TEXT);
    optStr(s.stoppedAt, `${path}.stoppedAt`, TEXT);
  }
  return s as unknown as ViewSource;
}

// Depth-first with an explicit stack: a hostile body cannot overflow the call stack.
function checkNodes(v: unknown, path: string): ViewNode[] {
  const todo: { v: unknown; path: string; depth: number }[] = [{ v, path, depth: 1 }];
  for (let item = todo.pop(); item; item = todo.pop()) {
    const { depth } = item;
    if (depth > MAX_VIEW_DEPTH) fail(`${item.path.slice(0, 80)}…`, `nodes nested deeper than ${MAX_VIEW_DEPTH} levels`);
    arr(item.v, item.path).forEach((raw, i) => {
      const p = `${item.path}[${i}]`;
      const n = obj(raw, p);
      str(n.id, `${p}.id`);
      str(n.label, `${p}.label`, TEXT);
      for (const k of ['detail', 'tooltip', 'owner', 'memoryRef'] as const) optStr(n[k], `${p}.${k}`);
      if (n.space !== undefined) space(n.space, `${p}.space`);
      const start = optHexAddr(n.start, `${p}.start`);
      const last = optHexAddr(n.last, `${p}.last`);
      if ((start === undefined) !== (last === undefined) || (start !== undefined && n.space === undefined)) {
        fail(p, `expected space, start and last together, got ${JSON.stringify({ space: n.space, start, last })}`);
      }
      if (start !== undefined && last !== undefined && BigInt(last) < BigInt(start)) fail(p, `range [${start}, ${last}] ends before it starts`);
      if (n.target !== undefined) {
        const t = obj(n.target, `${p}.target`);
        space(t.space, `${p}.target.space`);
        hexAddr(t.start, `${p}.target.start`);
      }
      optInt(n.perm, `${p}.perm`, 0, 3);
      optInt(n.createdLine, `${p}.createdLine`, 1);
      if (n.children !== undefined) todo.push({ v: n.children, path: `${p}.children`, depth: depth + 1 });
    });
  }
  return v as ViewNode[];
}

function checkStrips(v: unknown, path: string): SpaceStrip[] {
  arr(v, path).forEach((raw, i) => {
    const p = `${path}[${i}]`;
    const s = obj(raw, p);
    str(s.id, `${p}.id`);
    str(s.title, `${p}.title`, TEXT);
    space(s.space, `${p}.space`);
    const start = BigInt(hexAddr(s.start, `${p}.start`));
    const last = BigInt(hexAddr(s.last, `${p}.last`));
    if (last < start) fail(p, `strip ends (${String(s.last)}) before it starts (${String(s.start)})`);
    arr(s.segments, `${p}.segments`).forEach((seg, j) => {
      const q = `${p}.segments[${j}]`;
      const g = obj(seg, q);
      const a = BigInt(hexAddr(g.start, `${q}.start`));
      const b = BigInt(hexAddr(g.last, `${q}.last`));
      if (b < a || a < start || b > last) fail(q, `segment [${String(g.start)}, ${String(g.last)}] is not inside the strip [${String(s.start)}, ${String(s.last)}]`);
      str(g.label, `${q}.label`, TEXT);
      str(g.nodeId, `${q}.nodeId`);
    });
  });
  return v as SpaceStrip[];
}

export function checkView(v: unknown, path: string): TranslationView {
  const o = obj(v, path);
  checkSource(o.source, `${path}.source`);
  checkNodes(o.sections, `${path}.sections`);
  checkStrips(o.strips, `${path}.strips`);
  arr(o.notes, `${path}.notes`).forEach((n, i) => str(n, `${path}.notes[${i}]`, TEXT));
  return o as unknown as TranslationView;
}

function checkHop(v: unknown, path: string): ViewHop {
  const o = obj(v, path);
  space(o.space, `${path}.space`);
  hexAddr(o.addr, `${path}.addr`);
  optStr(o.owner, `${path}.owner`, TEXT);
  optInt(o.perm, `${path}.perm`, 0, 3);
  optInt(o.createdLine, `${path}.createdLine`, 1);
  optInt(o.asid, `${path}.asid`, 0);
  optStr(o.device, `${path}.device`, 64);
  optStr(o.nodeId, `${path}.nodeId`);
  return o as unknown as ViewHop;
}

export function checkResolution(v: unknown, path: string): ViewResolution {
  const o = obj(v, path);
  str(o.query, `${path}.query`, TEXT);
  arr(o.chains, `${path}.chains`, 256).forEach((c, i) => arr(c, `${path}.chains[${i}]`, 64).forEach((h, j) => checkHop(h, `${path}.chains[${i}][${j}]`)));
  optStr(o.error, `${path}.error`);
  optStr(o.note, `${path}.note`);
  return o as unknown as ViewResolution;
}
