// resolve(space, addr, sources): the one resolver. Each source (a trace timeline at line N, a
// live snapshot, both) only says where one hop goes next in the tables it holds; the chain walk,
// the choice of the main chain among aliases, the error of an address that goes nowhere and the
// notes on why a chain stops are decided here, once, for every surface.
import type { ResolveAnswer, ResolveHop, ResolveQuery } from './resolution.js';
import { spaceTitle, type Space } from './space.js';
import { hex, isU64 } from './u64.js';

/** Implemented by the trace replay (a timeline at a line) and by the live snapshot. */
export interface ResolveSource {
  /** the queried address as this source knows it (its owner, permission); the hop itself if nothing */
  describe?(hop: ResolveHop, q: ResolveQuery): ResolveHop;
  /** where the chain's last hop goes next; several hops are several images (aliases) */
  next(chain: readonly ResolveHop[], q: ResolveQuery): ResolveHop[];
  /** why the queried address goes nowhere in this source: the answer's error */
  nowhere(hop: ResolveHop, q: ResolveQuery): string;
  /** a note on the chosen chain: why it stops where it does, or what to beware of */
  note?(answer: ResolveAnswer, q: ResolveQuery): string | undefined;
  /** set by a timeline source: the line its tables are taken at */
  readonly line?: number;
}

/** A timeline at line N, a live snapshot, or both; the live one answers first and wins a space it answers. */
export interface ResolveSources {
  timeline?: ResolveSource;
  live?: ResolveSource;
}

interface Chain {
  hops: ResolveHop[];
  error?: string;
}

const listOf = (s: ResolveSources): ResolveSource[] => [s.live, s.timeline].filter((x): x is ResolveSource => x !== undefined);

export function resolve(space: Space, addr: bigint, sources: ResolveSources, q: ResolveQuery = {}): ResolveAnswer {
  const list = listOf(sources);
  const line = sources.timeline?.line;
  const at = line === undefined ? {} : { line };
  if (typeof addr !== 'bigint' || !isU64(addr)) return { ...at, hops: [], alternatives: [], error: `${String(addr)} is not a 64-bit address` };
  let first: ResolveHop = { space, addr };
  for (const s of list) if (s.describe) first = s.describe(first, q);
  if (list.length === 0) return { ...at, hops: [first], alternatives: [], error: `${hex(addr)} cannot be resolved: no trace and no live VM to resolve it in` };

  const chains = expand([first], list, q);
  const ok = chains.filter((c) => c.error === undefined);
  // the longest chain is the main one; ties keep the order the sources gave
  const [main, ...rest] = (ok.length ? ok : chains).sort((a, b) => b.hops.length - a.hops.length);
  const answer: ResolveAnswer = { ...at, hops: main!.hops, alternatives: rest.filter((c) => c.error === undefined).map((c) => c.hops) };
  if (main!.error !== undefined) answer.error = main!.error;
  const notes = list.map((s) => s.note?.(answer, q)).filter((n): n is string => n !== undefined);
  if (notes.length) answer.note = notes.join('; ');
  return answer;
}

/** Expand a chain until no source continues it; several continuations become several chains. */
function expand(hops: ResolveHop[], list: ResolveSource[], q: ResolveQuery): Chain[] {
  const next: ResolveHop[] = [];
  for (const s of list) {
    // the live VM is the present: where it takes this hop into a space, a trace's older tables
    // for that space are not asked (they fill only what the VM cannot show, such as device IOVAs)
    const answered = new Set(next.map((h) => h.space));
    for (const h of s.next(hops, q))
      // a chain visits each space once; one source's repeated hop is given once
      if (!answered.has(h.space) && !hops.some((x) => x.space === h.space) && !next.some((x) => x.space === h.space && x.addr === h.addr)) next.push(h);
  }
  if (next.length === 0) {
    if (hops.length === 1) return [{ hops, error: list.map((s) => s.nowhere(hops[0]!, q)).join('; ') }];
    return [{ hops }];
  }
  return next.flatMap((h) => expand([...hops, h], list, q));
}

/**
 * The first of `spaces` where `addr` resolves (goes somewhere); `resolved` false and the first
 * space's answer when it resolves in none. What users mean by an address given without a space.
 */
export function resolveFirst(spaces: readonly Space[], addr: bigint, sources: ResolveSources, q: ResolveQuery = {}): { answer: ResolveAnswer; resolved: boolean } {
  let first: ResolveAnswer | undefined;
  for (const s of spaces) {
    const a = resolve(s, addr, sources, q);
    if (a.error === undefined && a.hops.length > 1) return { answer: a, resolved: true };
    first ??= a;
  }
  const answer = first!;
  // several spaces tried: the error says so
  if (spaces.length > 1) answer.error = `${hex(addr)} resolves in none of ${spaces.map((s) => spaceTitle[s]).join(', ')}: ${answer.error ?? ''}`;
  return { answer, resolved: false };
}
