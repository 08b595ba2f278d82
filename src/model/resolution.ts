// The one answer to "where does this address go": a chain of hops from the queried address, the
// further chains when one address has several images (aliased RAM), and why the chain stops.
// The trace replay (a timeline at line N) and the live VM (QMP + gdbstub) both answer with it; the
// CLI, the debug console, hovers, the translation tree and the memory view only format it.
import type { Perm } from './access.js';
import type { Space } from './space.js';

export interface ResolveHop {
  space: Space;
  addr: bigint;
  /** region / map / RAMBlock that owns this address */
  owner?: string;
  /** the trace line that created the mapping used for this hop (trace sources) */
  createdLine?: number;
  perm?: Perm;
  asid?: number;
  device?: string;
}

export interface ResolveAnswer {
  /** the trace line the answer is as of; absent for a live answer */
  line?: number;
  hops: ResolveHop[];
  alternatives: ResolveHop[][];
  error?: string;
  /** why the chain stops where it does */
  note?: string;
}
