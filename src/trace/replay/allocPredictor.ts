// What QEMU's VhostIOVATree would have answered, per layout, fed with the same listener and
// SVQ operations the trace shows. Used to predict SVQ IOVAs and region_del unmaps.
import type { VhostIovaDump } from '../../model/vhostIovaTree.js';

export type Layout = 'legacy' | 'current';

export interface AllocPredictor {
  readonly layout: Layout;
  /** false once the trace contradicted this layout */
  consistent: boolean;
  /** listener region_add in SVQ mode: the IOVA QEMU allocates (undefined: allocation fails) */
  allocGuest(gpa: bigint, hva: bigint, len: bigint, readonly: boolean): bigint | undefined;
  /** SVQ vring / CVQ buffer map (host-only memory) */
  allocHostOnly(hva: bigint, len: bigint, deviceReadOnly: boolean): bigint | undefined;
  /** listener region_del in SVQ mode: the IOVA QEMU unmaps (start of the node it finds), removing it */
  regionDel(gpa: bigint, hva: bigint | undefined, len: bigint): bigint | undefined;
  /** the kernel refused the map of this section: QEMU drops the node it had allocated */
  mapRefused(gpa: bigint, hva: bigint, len: bigint): void;
  /** a host-only unmap at a traced IOVA: drop what QEMU's tree holds there */
  hostOnlyUnmap(iova: bigint, len: bigint): void;
  /** QEMU's tree after the trace used an IOVA it did not predict: make it hold what QEMU holds */
  forceGuest(iova: bigint, gpa: bigint, hva: bigint, len: bigint, readonly: boolean): void;
  /** every node of the tree as it stands now */
  dump(): VhostIovaDump;
}
