// The QMP commands IOVA Lens uses, typed. Text answers (HMP) are parsed here so callers get data,
// and HMP failures that QMP reports as success become HmpError.
import { hex } from '../../model/u64.js';
import type { JsonValue } from './losslessJson.js';
import type { QmpClient, QmpVersion } from './qmpClient.js';
import { QmpShapeError, Shape } from '../parse/jsonShape.js';
import { checkHmpText, parseGpa2Hva, parseXpBytes, type Gpa2Hva } from '../parse/hmpAnswers.js';
import { parseMtreeFlat, type FlatView } from '../parse/mtreeFlat.js';
import { parseMtreeTree, type MtreeSection } from '../parse/mtreeTree.js';
import { parseRamBlocks, type RamBlock } from '../parse/ramblock.js';
import { parsePciDevices, type PciDevice } from '../parse/pci.js';
import {
  parseVirtioList,
  parseVirtioStatus,
  parseVirtQueueElement,
  parseVirtQueueStatus,
  parseVirtVhostQueueStatus,
  type VirtioDeviceRef,
  type VirtioStatus,
  type VirtQueueElement,
  type VirtQueueStatus,
  type VirtVhostQueueStatus,
} from '../parse/virtio.js';

export interface RunState {
  running: boolean;
  /** QEMU RunState: running, paused, debug, prelaunch, shutdown… */
  status: string;
}

export interface QomProperty {
  name: string;
  type: string;
  description: string | undefined;
}

// xp prints 8 bytes a line; keep one answer a reasonable size.
const XP_MAX = 4096;

export class QemuMonitor {
  constructor(readonly qmp: QmpClient) {}

  async queryVersion(): Promise<QmpVersion> {
    const s = Shape.of('query-version', await this.qmp.execute('query-version'));
    const q = s.sub('qemu');
    return { major: q.int('major'), minor: q.int('minor'), micro: q.int('micro'), package: s.str('package') };
  }

  async queryStatus(): Promise<RunState> {
    const s = Shape.of('query-status', await this.qmp.execute('query-status'));
    return { running: s.bool('running'), status: s.str('status') };
  }

  async stop(): Promise<void> {
    await this.qmp.execute('stop');
  }

  async cont(): Promise<void> {
    await this.qmp.execute('cont');
  }

  async queryPci(): Promise<PciDevice[]> {
    return parsePciDevices(await this.qmp.execute('query-pci'));
  }

  qomGet(path: string, property: string): Promise<JsonValue> {
    return this.qmp.execute('qom-get', { path, property });
  }

  async qomList(path: string): Promise<QomProperty[]> {
    const v = await this.qmp.execute('qom-list', { path });
    if (!Array.isArray(v)) throw new Error(`qom-list ${path}: answer is not a list`);
    return v.map((x, i) => {
      const s = Shape.of(`qom-list ${path} [${i}]`, x);
      return { name: s.str('name'), type: s.str('type'), description: s.optStr('description') };
    });
  }

  async virtioDevices(): Promise<VirtioDeviceRef[]> {
    return parseVirtioList(await this.qmp.execute('x-query-virtio'));
  }

  async virtioStatus(path: string): Promise<VirtioStatus> {
    return parseVirtioStatus(await this.qmp.execute('x-query-virtio-status', { path }));
  }

  async virtQueueStatus(path: string, queue: number): Promise<VirtQueueStatus> {
    return parseVirtQueueStatus(await this.qmp.execute('x-query-virtio-queue-status', { path, queue }));
  }

  /** The element at `index` of the avail ring, or at its head when index is omitted. */
  async virtQueueElement(path: string, queue: number, index?: number): Promise<VirtQueueElement> {
    const args: Record<string, unknown> = { path, queue };
    if (index !== undefined) args.index = index;
    return parseVirtQueueElement(await this.qmp.execute('x-query-virtio-queue-element', args));
  }

  /** Rejects (QmpCommandError "vhost device has not started yet") for devices without vhost. */
  async virtVhostQueueStatus(path: string, queue: number): Promise<VirtVhostQueueStatus> {
    return parseVirtVhostQueueStatus(await this.qmp.execute('x-query-virtio-vhost-queue-status', { path, queue }));
  }

  /** HMP passthrough; line ends normalised to \n; known HMP error texts become HmpError. */
  async hmp(commandLine: string, cpuIndex?: number): Promise<string> {
    const args: Record<string, unknown> = { 'command-line': commandLine };
    if (cpuIndex !== undefined) args['cpu-index'] = cpuIndex;
    const v = await this.qmp.execute('human-monitor-command', args);
    if (typeof v !== 'string') throw new QmpShapeError(`human-monitor-command "${commandLine}"`, 'return', 'a string', v);
    const text = v.replace(/\r\n/g, '\n');
    checkHmpText(commandLine, text);
    return text;
  }

  async mtreeFlat(): Promise<FlatView[]> {
    return parseMtreeFlat(await this.hmp('info mtree -f'));
  }

  async mtree(): Promise<MtreeSection[]> {
    return parseMtreeTree(await this.hmp('info mtree'));
  }

  async ramBlocks(): Promise<RamBlock[]> {
    return parseRamBlocks(await this.hmp('info ramblock'));
  }

  /** Host virtual address of a guest-physical address (system address space, not a device view). */
  async gpa2hva(gpa: bigint): Promise<Gpa2Hva> {
    const cmd = `gpa2hva ${hex(gpa)}`;
    return parseGpa2Hva(await this.hmp(cmd));
  }

  /**
   * Read guest-physical memory through HMP `xp` (system address space; MMIO is dispatched like a
   * CPU read). An unassigned address fails with "Cannot access memory" (HmpError).
   */
  async xp(gpa: bigint, len: number): Promise<Uint8Array> {
    if (!Number.isInteger(len) || len < 1 || len > XP_MAX) throw new RangeError(`xp: length ${len} outside 1..${XP_MAX}`);
    const cmd = `xp /${len}xb ${hex(gpa)}`;
    return parseXpBytes(cmd, await this.hmp(cmd), gpa, len);
  }
}
