// State shared by the event handlers during one replay.
import { DiagnosticSink } from './diagnostics.js';
import { Timeline } from './timeline.js';
import type { VdpaDevice } from './vdpaDevice.js';
import type { ViommuState } from './vtdState.js';

import type { QemuLayout } from '../../model/qemuLayout.js';

export type { QemuLayout } from '../../model/qemuLayout.js';

export interface ReplayOptions {
  /** which VhostIOVATree layout QEMU used (SVQ allocator prediction); auto decides from the trace */
  layout: QemuLayout;
  /** the vDPA backend acked VHOST_BACKEND_F_IOTLB_PERSIST: mappings survive a device reset */
  iotlbPersist: boolean;
  hostPageSize: bigint;
}

export const defaultReplayOptions: ReplayOptions = { layout: 'auto', iotlbPersist: false, hostPageSize: 0x1000n };

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
  /** 1-based line of the event being replayed */
  line = 0;
  constructor(readonly options: ReplayOptions) {}
}
