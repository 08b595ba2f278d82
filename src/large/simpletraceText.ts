// The Trace Viewer shows text; a binary simpletrace file is shown through its text form: each
// record printed the way QEMU's log backend would have printed it ("TID@SEC.USEC:name args"),
// one line per record, so line N of the view is record N of the file. The text goes to a
// private temp file, written in bounded chunks (never the whole trace in memory), removed when
// the viewer closes. A truncated file is an error that says where it stops.
import { open, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { detectTraceFormat, readTraceFile } from '../trace/read/traceReader.js';
import type { EventCatalog } from '../trace/catalog/eventCatalog.js';
import type { TraceRecord } from '../trace/types.js';

const FLUSH_BYTES = 4 << 20;

export async function isSimpletraceFile(path: string): Promise<boolean> {
  const fh = await open(path, 'r').catch(() => undefined);
  if (!fh) return false;
  try {
    const head = Buffer.alloc(64);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    return detectTraceFormat(head.subarray(0, bytesRead)) === 'simpletrace';
  } finally {
    await fh.close();
  }
}

function recordLine(r: TraceRecord): string | undefined {
  if (r.kind === 'event') return `${r.prefix?.text ?? ''}${r.name}${r.body ? ` ${r.body}` : ''}`;
  if (r.kind === 'malformed') return `${r.prefix?.text ?? ''}${r.name} ${r.body}`;
  if (r.kind === 'text') return r.text;
  return undefined;
}

export interface SimpletraceText {
  /** the text file the viewer indexes */
  path: string;
  remove(): Promise<void>;
}

/** Writes the text form of simpletrace file `path`; the caller removes it. */
export async function simpletraceToText(path: string, catalog: EventCatalog, signal?: AbortSignal, onProgress?: (read: number, total: number) => void): Promise<SimpletraceText> {
  const dir = await mkdtemp(join(tmpdir(), 'iova-lens-simpletrace-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  const text = join(dir, `${basename(path)}.log`);
  const out = await open(text, 'w', 0o600);
  let records = 0;
  try {
    let pending: string[] = [];
    let bytes = 0;
    for await (const r of readTraceFile(path, { catalog, signal, ...(onProgress ? { onProgress } : {}) })) {
      const line = recordLine(r);
      if (line === undefined) continue;
      records++;
      pending.push(line);
      bytes += line.length + 1;
      if (bytes >= FLUSH_BYTES) {
        await out.write(pending.join('\n') + '\n');
        pending = [];
        bytes = 0;
      }
    }
    if (pending.length) await out.write(pending.join('\n') + '\n');
  } catch (e) {
    await out.close();
    await remove();
    throw new Error(`${path} (simpletrace): ${(e as Error).message} after ${records} complete record(s)`);
  }
  await out.close();
  return { path: text, remove };
}
