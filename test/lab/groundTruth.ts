// What really happened to the device, from the lab's own records rather than the product's
// replay: which unmaps removed another section's map. An unmap of a region_del is wrong when an
// IOTLB entry the device really lost to it (present in the device's view before, gone after)
// was mapped for a different guest-physical section than the one being deleted. Which section
// an entry was mapped for: the dma_map whose IOVA range holds it and whose uaddr gives its HVA,
// and the listener region_add that map served (QEMU's listener maps right after region_add).
import type { DeviceUpdate } from './deviceLog.js';
import { microseconds } from './deviceLog.js';

export interface TraceLine {
  line: number;
  timeUs: bigint;
  name: string;
  text: string;
}

const PREFIX = /^\d+@(\d+\.\d+):([a-z0-9_]+) ?(.*)$/;

/** Every event line of a log-backend trace with its time (lines without a prefix are skipped). */
export function traceLines(text: string): TraceLine[] {
  const out: TraceLine[] = [];
  text.split('\n').forEach((l, i) => {
    const m = PREFIX.exec(l);
    if (m) out.push({ line: i + 1, timeUs: microseconds(m[1]), name: m[2], text: m[3] });
  });
  return out;
}

const num = (text: string, key: string): bigint | undefined => {
  const m = new RegExp(`${key}:? (0x[0-9a-f]+|\\d+)`).exec(text);
  return m ? BigInt(m[1]) : undefined;
};

interface Section {
  gpa: bigint;
  /** exclusive, as the listener prints it */
  llend: bigint;
  line: number;
}

interface MapLine {
  line: number;
  iova: bigint;
  size: bigint;
  uaddr: bigint;
  section?: Section;
}

export interface WrongUnmap {
  line: number;
  /** the section being deleted */
  section: Section;
  /** the map (and its section) whose device entries this unmap removed */
  removedMapLine: number;
  removedSection?: Section;
}

/** The device's view just before `timeUs` (the last update that came earlier). */
export function deviceBefore(updates: readonly DeviceUpdate[], timeUs: bigint): DeviceUpdate | undefined {
  let found: DeviceUpdate | undefined;
  for (const u of updates) if (u.timeUs < timeUs) found = u;
  return found;
}

function deviceAfter(updates: readonly DeviceUpdate[], timeUs: bigint): DeviceUpdate | undefined {
  return updates.find((u) => u.timeUs > timeUs);
}

export function wrongUnmaps(lines: readonly TraceLine[], updates: readonly DeviceUpdate[]): WrongUnmap[] {
  const maps: MapLine[] = [];
  let lastAdd: Section | undefined;
  let lastDel: Section | undefined;
  const consumed = new Set<string>();
  const out: WrongUnmap[] = [];
  let batchStart = 0n;
  for (const l of lines) {
    if (l.name === 'vhost_vdpa_listener_region_add') {
      lastAdd = { gpa: num(l.text, 'iova')!, llend: num(l.text, 'llend')!, line: l.line };
      lastDel = undefined;
    } else if (l.name === 'vhost_vdpa_listener_region_del') {
      lastDel = { gpa: num(l.text, 'iova')!, llend: num(l.text, 'llend')!, line: l.line };
      lastAdd = undefined;
    } else if (l.name === 'vhost_vdpa_listener_begin_batch') {
      batchStart = l.timeUs;
      consumed.clear();
    } else if (l.name === 'vhost_vdpa_dev_start' || l.name === 'vhost_vdpa_listener_commit') {
      lastAdd = lastDel = undefined;
      batchStart = 0n;
    } else if (l.name === 'vhost_vdpa_dma_map') {
      maps.push({ line: l.line, iova: num(l.text, 'iova')!, size: num(l.text, 'size')!, uaddr: num(l.text, 'uaddr')!, section: lastAdd });
      lastAdd = undefined;
    } else if (l.name === 'vhost_vdpa_dma_unmap' && lastDel) {
      const section = lastDel;
      lastDel = undefined;
      const iova = num(l.text, 'iova')!;
      const last = iova + num(l.text, 'size')! - 1n;
      // the device sees a batch at its end: compare the view before the batch with the one after
      const before = deviceBefore(updates, batchStart || l.timeUs);
      const after = deviceAfter(updates, l.timeUs);
      if (!before) continue;
      for (const e of before.entries) {
        const key = `${e.iova}`;
        if (e.last < iova || e.iova > last || consumed.has(key)) continue;
        const gone = !after?.entries.some((a) => a.iova === e.iova && a.last === e.last && a.hva === e.hva);
        if (!gone) continue;
        consumed.add(key);
        const creator = [...maps].reverse().find((m) => m.line < l.line && m.iova <= e.iova && e.iova < m.iova + m.size && (e.hva === undefined || m.uaddr + (e.iova - m.iova) === e.hva));
        if (!creator) continue;
        const s = creator.section;
        // sections are told apart by their start: region_del prints an inclusive end since
        // QEMU 8.0, region_add an exclusive one
        if (!s || s.gpa !== section.gpa) {
          out.push({ line: l.line, section, removedMapLine: creator.line, removedSection: s });
          break;
        }
      }
    }
  }
  return out;
}
