// The one answer to "where does this address go": a chain of hops from the queried address, the
// further chains when one address has several images (aliased RAM), and why the chain stops.
// `resolve` (resolve.ts) builds it from a timeline at line N, a live snapshot, or both; the CLI,
// the debug console, hovers, the translation tree and the memory view only format it.
import type { Perm } from './access.js';
import type { Space } from './space.js';

export interface ResolveHop {
  space: Space;
  addr: bigint;
  /**
   * What holds this address: for the queried hop, the object that maps it (a region, a vIOMMU
   * page); for later hops, the mapping that led here (map, section, RAMBlock, IOTLB entry).
   */
  owner?: string;
  /** the trace line that created the mapping used for this hop (trace sources) */
  createdLine?: number;
  perm?: Perm;
  asid?: number;
  device?: string;
  /** what else is true of this hop: the alias windows a GPA is reached through, the other GPAs an HVA shows at */
  note?: string;
}

export interface ResolveAnswer {
  /** the trace line the answer is as of; absent for a live answer */
  line?: number;
  /** the main chain, from the queried address on; only the queried hop when it goes nowhere */
  hops: ResolveHop[];
  alternatives: ResolveHop[][];
  /** why the queried address goes nowhere (the chain could not start) */
  error?: string;
  /** why the chain stops where it does, or what to beware of on it */
  note?: string;
}

/** What narrows a resolve: the vhost/vDPA address space and the PCI device ('BB:DD.F'). */
export interface ResolveQuery {
  asid?: number;
  device?: string;
}
