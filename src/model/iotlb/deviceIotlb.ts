// The kernel vhost/vDPA IOTLB as the resolver reads it: one device's entries per ASID, looked up
// by IOVA and by HVA. Types only: the rules live in kernelIotlb.ts and the entries live where a
// source keeps them (the trace replay's timeline through vdpaKernelStore.ts; a live source when
// one can read the kernel's table).
import type { KernelEntry } from './kernelIotlb.js';

export interface IotlbEntry extends KernelEntry {
  /** the line that removed it, for entries read as of an earlier line */
  removedLine?: number;
}

/** A live entry translates; an orphan there is named but does not (QEMU no longer knows it). */
export type IotlbTranslation = { ok: true; hva: bigint; entry: IotlbEntry } | { ok: false; reason: string; orphan?: IotlbEntry };

export interface DeviceIotlb {
  /** 'BB:DD.F' or the vDPA device's name ('' when unknown) */
  readonly device: string;
  translate(asid: number, iova: bigint): IotlbTranslation;
  /** live entries of `asid` whose host range holds `hva`, in IOVA order */
  entriesForHva(asid: number, hva: bigint): IotlbEntry[];
}
