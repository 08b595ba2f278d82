// State shared by the event handlers during one replay.
import { DiagnosticSink } from './diagnostics.js';
import { Timeline } from './timeline.js';
import type { VdpaDevice, PendingAdd } from './vdpaDevice.js';
import type { RefusalCause, UpdateMsgFull, UpdateVerdict } from '../../model/iotlb/kernelIotlb.js';
import type { RecEntry } from './vdpaKernelStore.js';
import type { OwnerLabel } from './mapRecord.js';
import type { ViommuState } from './vtdState.js';

import type { QemuLayout } from '../../model/qemuLayout.js';

export type { QemuLayout } from '../../model/qemuLayout.js';

export interface ReplayOptions {
  /** which VhostIOVATree layout QEMU used (SVQ allocator prediction); auto decides from the trace */
  layout: QemuLayout;
  /** the vDPA backend acked VHOST_BACKEND_F_IOTLB_PERSIST: mappings survive a device reset */
  iotlbPersist: boolean;
  hostPageSize: bigint;
  /**
   * QEMU's error output is part of the input (interleaved in the trace or merged with
   * --qemu-log): a map with no "failed to write" after it was accepted by the kernel
   */
  qemuLog: boolean;
}

export const defaultReplayOptions: ReplayOptions = { layout: 'auto', iotlbPersist: false, hostPageSize: 0x1000n, qemuLog: false };

/** A dma_map the kernel may still refuse: settled by QEMU's error line or the next event. */
export interface PendingMap {
  dev: VdpaDevice;
  msg: UpdateMsgFull;
  verdict: UpdateVerdict<RecEntry>;
  /** the listener section it answers (SVQ rollback needs it) */
  section?: PendingAdd;
  /** how the timeline names it once accepted */
  owner?: OwnerLabel;
  source?: number;
}

/** A QEMU error line is matched against the map that came just before it (map-failed). */
export interface RecentMap {
  line: number;
  device: string;
  asid: number;
  iova: bigint;
  len: bigint;
  /** live mapping it collided with (kernel EEXIST), if any */
  collidedWith?: { line: number; start: bigint; last: bigint; owner?: string };
  outOfRange?: string;
  /** the model's reason when it knows the kernel refuses this map */
  refused?: RefusalCause<RecEntry>;
  /** the map still waiting for its outcome */
  pending?: PendingMap;
  /** an unmap whose INVALIDATE the kernel refuses (no such ASID) */
  unmapRefused?: RefusalCause<RecEntry>;
}

export interface VringAddr {
  line: number;
  device: string;
  index: number;
  desc: bigint;
  avail: bigint;
  used: bigint;
}

export class ReplayContext {
  readonly timeline = new Timeline();
  readonly diags = new DiagnosticSink();
  readonly vdpa = new Map<string, VdpaDevice>();
  /** vhost_vdpa_init: per-device pointer -> shared (common) pointer */
  readonly vdpaAlias = new Map<string, string>();
  /** vhost-vdpa fd -> device key (the fd owns the kernel IOTLB) */
  readonly vdpaByFd = new Map<number, string>();
  /** iova ranges announced before the device was seen, by device pointer */
  readonly pendingIovaRange = new Map<string, { first: bigint; last: bigint; line: number }>();
  readonly vrings: VringAddr[] = [];
  viommu?: ViommuState;
  recentMap?: RecentMap;
  pendingMap?: PendingMap;
  /** a QEMU error line was seen in the input: its error output is there */
  errorStreamSeen = false;
  /** 1-based line of the event being replayed */
  line = 0;
  constructor(readonly options: ReplayOptions) {}
}
