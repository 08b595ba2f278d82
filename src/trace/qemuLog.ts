// QEMU's own output (error_report on stderr, or the libvirt domain log) as a second input next
// to a `-D` trace: with `-msg timestamp=on` each line starts with a UTC wall-clock time
// ("2026-12-06T02:33:41.123456Z qemu-system-x86_64: … failed to write, fd=10, errno=14 …"), and
// the log trace backend prefixes events with "pid@sec.usec:" from the same clock
// (gettimeofday), so the two merge by time: a "failed to write" lands right after the map it
// refused. Lines without a timestamp cannot be placed; they are counted and said so once.
import { stat } from 'node:fs/promises';
import { readRegularTextFile } from './read/inputFile.js';
import { basename, dirname, join } from 'node:path';
import type { TraceRecord } from './types.js';
import type { TraceEngine } from './replay/engine.js';

export interface QemuLogLine {
  /** 1-based line in the log file */
  line: number;
  text: string;
  /** microseconds since the epoch, when the line has a -msg timestamp=on time */
  timeUs?: bigint;
}

export interface QemuLog {
  file: string;
  lines: QemuLogLine[];
}

/** QEMU's real_time_iso8601(): "YYYY-MM-DDTHH:MM:SS.ffffffZ" (UTC). */
const ISO = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z\s/;
/** the log backend's "pid@sec.usec:" prefix */
const TRACE_TIME = /^\s*\d+@(\d+)\.(\d{1,9}):/;
/** a log over this size is refused rather than read into memory (QEMU's stderr is small) */
export const MAX_QEMU_LOG_BYTES = 64 * 1024 * 1024;

function fractionUs(frac: string | undefined): bigint {
  return BigInt(((frac ?? '') + '000000').slice(0, 6));
}

export function parseQemuLog(text: string, file: string): QemuLog {
  const lines: QemuLogLine[] = [];
  const raw = text.split(/\r?\n/);
  raw.forEach((t, i) => {
    if (t.trim() === '') return;
    const m = ISO.exec(t);
    const ms = m ? Date.parse(`${m[1]}Z`) : NaN;
    lines.push(Number.isFinite(ms) ? { line: i + 1, text: t, timeUs: BigInt(ms) * 1000n + fractionUs(m![2]) } : { line: i + 1, text: t });
  });
  return { file, lines };
}

export async function readQemuLog(path: string): Promise<QemuLog> {
  // a regular file only (/dev/zero never ends, a FIFO blocks), and not over the size limit
  return parseQemuLog(await readRegularTextFile(path, MAX_QEMU_LOG_BYTES), path);
}

/** The time of a trace record from its "pid@sec.usec:" prefix, in microseconds. */
export function traceRecordTimeUs(rec: TraceRecord): bigint | undefined {
  if (rec.kind === 'blank') return undefined;
  const m = rec.prefix ? TRACE_TIME.exec(rec.prefix.text) : null;
  return m ? BigInt(m[1]) * 1000000n + fractionUs(m[2]) : undefined;
}

/**
 * Feeds the log's timed lines to the engine between the trace records: before each record, every
 * line strictly older than it (QEMU traces a message before it writes it, so an error of the
 * same microsecond belongs after the event). Call `finish` before engine.finish().
 */
export class QemuLogMerger {
  private next = 0;
  private readonly timed: QemuLogLine[];
  private readonly untimed: QemuLogLine[];
  private sawTraceTime = false;
  private readonly name: string;

  constructor(private readonly log: QemuLog, private readonly engine: TraceEngine) {
    this.timed = log.lines.filter((l) => l.timeUs !== undefined);
    this.untimed = log.lines.filter((l) => l.timeUs === undefined);
    this.name = basename(log.file);
  }

  beforeRecord(rec: TraceRecord): void {
    const t = traceRecordTimeUs(rec);
    if (t === undefined) return;
    this.sawTraceTime = true;
    while (this.next < this.timed.length && this.timed[this.next].timeUs! < t) this.push(this.timed[this.next++]);
  }

  finish(): void {
    if (this.sawTraceTime) while (this.next < this.timed.length) this.push(this.timed[this.next++]);
    const unplaced = this.sawTraceTime ? this.untimed : this.log.lines;
    if (unplaced.length === 0) return;
    const first = unplaced[0];
    const why = this.sawTraceTime
      ? `have no -msg timestamp=on time (start QEMU with -msg timestamp=on)`
      : `cannot be merged: the trace lines carry no "pid@sec.usec:" time prefix (the log trace backend prints one unless QEMU ran with -msg timestamp=off… or the prefix was stripped)`;
    this.engine.note({
      code: 'qemu-log',
      severity: 'info',
      line: 1,
      message: `${unplaced.length} line(s) of the QEMU log ${this.name} ${why}, so they cannot be placed in this trace and were not used; e.g. ${this.name}:${first.line}: ${first.text.slice(0, 160)}`,
    });
  }

  private push(l: QemuLogLine): void {
    const text = l.text.replace(ISO, '');
    this.engine.pushQemuLog(text, `${this.name}:${l.line}`);
  }
}

/**
 * The QEMU log picked up next to a trace when none is configured: `<trace file>.qemu.log`, else
 * `qemu-stderr.log` in the same folder (the name the vDPA lab and many scripts use).
 */
export async function siblingQemuLog(tracePath: string): Promise<string | undefined> {
  for (const p of [`${tracePath}.qemu.log`, join(dirname(tracePath), 'qemu-stderr.log')]) {
    try {
      if ((await stat(p)).isFile()) return p;
    } catch {
      // not there: try the next name
    }
  }
  return undefined;
}
