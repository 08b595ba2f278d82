// Which nodes of the view are on screen: expansion, the filter, and the cap on very long
// tables. Pure functions of the view, so node tests cover them without a browser.
import type { ViewNode } from '../../src/shared/translationView.js';

/** a device IOTLB can hold many thousands of pages; beyond this the user filters */
export const MAX_CHILDREN = 2000;

export interface Row {
  node: ViewNode;
  /** 1-based, as aria-level */
  level: number;
  parentId?: string;
  expandable: boolean;
  expanded: boolean;
  posInSet: number;
  setSize: number;
  /** the row stands for children left out by MAX_CHILDREN */
  more?: number;
}

export interface FilterQuery {
  text: string;
  /** set when the filter is an address: nodes whose range holds it match too */
  addr?: bigint;
}

export function parseFilter(raw: string): FilterQuery | undefined {
  const text = raw.trim().toLowerCase();
  if (text === '') return undefined;
  const q: FilterQuery = { text };
  if (/^0x[0-9a-f]{1,16}$/.test(text)) q.addr = BigInt(text);
  return q;
}

export function nodeMatches(n: ViewNode, q: FilterQuery): boolean {
  for (const s of [n.label, n.detail, n.owner, n.createdLine !== undefined ? `line ${n.createdLine}` : undefined])
    if (s !== undefined && s.toLowerCase().includes(q.text)) return true;
  if (q.addr !== undefined && n.start !== undefined && n.last !== undefined) return BigInt(n.start) <= q.addr && q.addr <= BigInt(n.last);
  return false;
}

/** The rows on screen, in order; with a filter, ancestors of matches open by themselves. */
export function visibleRows(sections: ViewNode[], expanded: ReadonlySet<string>, filter?: FilterQuery): Row[] {
  const keep = new Map<ViewNode, boolean>();
  const kept = (n: ViewNode): boolean => {
    let k = keep.get(n);
    if (k === undefined) {
      // children first: every node's answer is needed for the rows anyway
      const below = (n.children ?? []).map(kept).some(Boolean);
      k = filter === undefined || nodeMatches(n, filter) || below;
      keep.set(n, k);
    }
    return k;
  };
  const rows: Row[] = [];
  const add = (list: ViewNode[], level: number, parentId: string | undefined, all: boolean): void => {
    const shown = all ? list : list.filter(kept);
    const capped = shown.slice(0, MAX_CHILDREN);
    capped.forEach((n, i) => {
      const kids = n.children ?? [];
      const selfMatch = filter !== undefined && nodeMatches(n, filter);
      const forced = filter !== undefined && !selfMatch && kids.some(kept);
      const open = kids.length > 0 && (forced || expanded.has(n.id));
      rows.push({ node: n, level, ...(parentId !== undefined ? { parentId } : {}), expandable: kids.length > 0, expanded: open, posInSet: i + 1, setSize: capped.length });
      if (open) add(kids, level + 1, n.id, all || filter === undefined || selfMatch);
    });
    if (shown.length > capped.length) {
      const more = shown.length - capped.length;
      rows.push({ node: { id: `${parentId ?? ''}/…more`, label: `… ${more} more not shown: filter to narrow` }, level, ...(parentId !== undefined ? { parentId } : {}), expandable: false, expanded: false, posInSet: capped.length + 1, setSize: capped.length + 1, more });
    }
  };
  add(sections, 1, undefined, filter === undefined);
  return rows;
}

/** Ids of every ancestor of the given nodes: what to open so they are on screen. */
export function ancestorsOf(sections: ViewNode[], ids: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  const walk = (n: ViewNode, path: string[]): void => {
    if (ids.has(n.id)) path.forEach((p) => out.add(p));
    for (const c of n.children ?? []) walk(c, [...path, n.id]);
  };
  sections.forEach((s) => walk(s, []));
  return out;
}
