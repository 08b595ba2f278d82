// The cores the lab took of its debug-built QEMUs (test/lab/guest/core-snap.sh) and what the trace
// says at each: the line the replay is cut at (the last one stamped before QEMU stopped) and the
// events that happened while it was stopped, which would make the moment ambiguous.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TraceLine } from './groundTruth.js';

export interface CoreRecord {
  name: string;
  /** the compressed core in the scenario folder */
  file: string;
  /** wall-clock µs before gdb attached / after it detached */
  stopUs: bigint;
  resumeUs: bigint;
  status: string;
}

export function parseCores(text: string): CoreRecord[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [name, file, stop, resume, , , status] = l.trim().split(/\s+/);
      if (!name || !file || !/^\d+$/.test(stop ?? '') || !/^\d+$/.test(resume ?? '') || !status) throw new Error(`cores.txt: cannot read "${l}"`);
      return { name, file, stopUs: BigInt(stop!), resumeUs: BigInt(resume!), status };
    });
}

/** Events that change a VhostIOVATree or what the replay knows of it. */
const TREE_EVENT = /^vhost_vdpa_(?:dma_map|dma_unmap|dma_batch|listener_region_(?:add|del)|listener_begin_batch|listener_commit|dev_start|reset_device|set_vring_addr|get_iova_range)|^vhost_iova|^vhost_svq_(?:start|stop)/;

export interface CoreMoment {
  /** the last trace line stamped before QEMU was being stopped */
  before: number;
  /**
   * where the core may sit in the trace: `before`, then each tree event stamped while gdb was
   * stopping QEMU (between STOP_US and RESUME_US QEMU may still have run for a moment)
   */
  cuts: number[];
  /** those tree events */
  during: TraceLine[];
}

export function momentOf(core: CoreRecord, lines: readonly TraceLine[]): CoreMoment {
  const earlier = lines.filter((l) => l.timeUs < core.stopUs);
  const before = earlier.length ? earlier[earlier.length - 1]!.line : 0;
  const during = lines.filter((l) => l.timeUs >= core.stopUs && l.timeUs <= core.resumeUs && TREE_EVENT.test(l.name));
  return { before, cuts: [before, ...during.map((l) => l.line)], during };
}

/** The first `line` lines of a trace, as the file stood then. */
export function traceUpTo(text: string, line: number): string {
  let at = 0;
  for (let n = 0; n < line; n++) {
    const nl = text.indexOf('\n', at);
    if (nl < 0) return text;
    at = nl + 1;
  }
  return text.slice(0, at);
}

/** Decompress a core (zstd) into a temporary folder; the caller removes it. */
export function unpackCore(zst: string): string {
  if (!existsSync(zst)) throw new Error(`no core ${zst}`);
  const out = join(mkdtempSync(join(tmpdir(), 'iova-lens-core-')), 'core');
  const r = spawnSync('zstd', ['-q', '-d', '-o', out, zst], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`zstd -d ${zst}: ${r.error?.message ?? r.stderr.trim()} (Debian: apt-get install zstd)`);
  return out;
}
