// Read a trace file and replay it: the one pipeline the CLI, the language server and the
// benchmarks share. Streams the file in chunks; memory is the model plus the records kept.
import { EventCatalog, loadTraceEvents } from './catalog/eventCatalog.js';
import { readTrace, TraceDecoder } from './read/traceReader.js';
import { SimpletraceError } from './read/simpletrace.js';
import { TraceEngine } from './replay/engine.js';
import { handledEvents } from './replay/handlers.js';
import type { ReplayOptions } from './replay/context.js';
import type { TraceRecord } from './types.js';
import type { ByteEvent } from './read/byteEvents.js';
import { QemuLogMerger, type QemuLog } from './qemuLog.js';

export interface AnalyzeOptions extends Partial<ReplayOptions> {
  /** user trace-events files, in the order given */
  traceEvents?: string[];
  /** called now and then with bytes read so far and the file size */
  onProgress?: (bytes: number, total: number) => void;
  /** every record, after the engine has seen it */
  onRecord?: (rec: TraceRecord) => void;
  signal?: AbortSignal;
  /** QEMU's stderr / libvirt log, merged into the replay by time (see qemuLog.ts) */
  qemuLogData?: QemuLog;
}

export interface Analysis {
  engine: TraceEngine;
  bytes: number;
  /** problems found in user trace-events files (file:line: message) */
  definitionProblems: string[];
  /** the trace itself broke off (a corrupt or truncated simpletrace file): what and where */
  readError?: string;
  format: string;
}

export async function catalogFor(traceEvents: string[] = []): Promise<{ catalog: EventCatalog; problems: string[] }> {
  if (traceEvents.length === 0) return { catalog: EventCatalog.builtin(), problems: [] };
  const loaded = await loadTraceEvents(traceEvents);
  return { catalog: loaded.catalog, problems: loaded.problems.map((p) => `${p.source}: ${p.message}`) };
}

export async function analyzeTraceFile(path: string, opts: AnalyzeOptions = {}): Promise<Analysis> {
  const { catalog, problems } = await catalogFor(opts.traceEvents);
  const engine = new TraceEngine({ ...opts, ...(opts.qemuLogData ? { qemuLog: true } : {}) });
  const merger = opts.qemuLogData ? new QemuLogMerger(opts.qemuLogData, engine) : undefined;
  const onRecord = opts.onRecord;
  let result;
  try {
    result = await readTrace(
      path,
      (rec) => {
        merger?.beforeRecord(rec);
        engine.push(rec);
        if (onRecord) onRecord(rec);
      },
      {
        catalog,
        signal: opts.signal,
        onProgress: opts.onProgress,
        lazyFields: true,
        eagerFields: handledEvents,
        // records are built only for the lines the byte reader leaves, unless someone wants them all
        ...(onRecord || merger ? {} : { onMatchedEvent: (line: number, ev: ByteEvent) => engine.pushMatched(line, ev.name, ev.fields) }),
      },
    );
  } catch (e) {
    // a corrupt simpletrace file: keep what was read before the fault, say where it broke
    if (!(e instanceof SimpletraceError)) throw e;
    merger?.finish();
    engine.finish();
    return { engine, bytes: e.offset, definitionProblems: problems, readError: e.message, format: 'simpletrace' };
  }
  merger?.finish();
  engine.finish();
  return { engine, bytes: result.bytes, definitionProblems: problems, format: result.format };
}

/** Replay a trace held in memory (tests, editor buffers). */
export function analyzeTraceText(text: string, catalog: EventCatalog = EventCatalog.builtin(), opts: Partial<ReplayOptions> & { qemuLogData?: QemuLog } = {}): TraceEngine {
  const { qemuLogData, ...replay } = opts;
  const engine = new TraceEngine({ ...replay, ...(qemuLogData ? { qemuLog: true } : {}) });
  const merger = qemuLogData ? new QemuLogMerger(qemuLogData, engine) : undefined;
  const decoder = new TraceDecoder(
    (rec) => {
      merger?.beforeRecord(rec);
      engine.push(rec);
    },
    {
      catalog,
      lazyFields: true,
      eagerFields: handledEvents,
      ...(merger ? {} : { onMatchedEvent: (line: number, ev: ByteEvent) => engine.pushMatched(line, ev.name, ev.fields) }),
    },
  );
  decoder.push(Buffer.from(text, 'utf8'));
  decoder.end();
  merger?.finish();
  engine.finish();
  return engine;
}
