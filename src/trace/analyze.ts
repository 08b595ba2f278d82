// Read a trace file and replay it: the one pipeline the CLI, the language server and the
// benchmarks share. Streams the file in chunks; memory is the model plus the records kept.
import { open } from 'node:fs/promises';
import { EventCatalog, loadTraceEvents } from './catalog/eventCatalog.js';
import { createLineClassifier } from './read/logLine.js';
import { LineSplitter } from './read/lineSource.js';
import { TraceEngine } from './replay/engine.js';
import type { ReplayOptions } from './replay/context.js';
import type { TraceRecord } from './types.js';

export interface AnalyzeOptions extends Partial<ReplayOptions> {
  /** user trace-events files, in the order given */
  traceEvents?: string[];
  /** called now and then with bytes read so far and the file size */
  onProgress?: (bytes: number, total: number) => void;
  /** every record, after the engine has seen it */
  onRecord?: (rec: TraceRecord) => void;
  signal?: AbortSignal;
}

export interface Analysis {
  engine: TraceEngine;
  bytes: number;
  /** problems found in user trace-events files (file:line: message) */
  definitionProblems: string[];
}

const CHUNK = 1 << 20;

export async function catalogFor(traceEvents: string[] = []): Promise<{ catalog: EventCatalog; problems: string[] }> {
  if (traceEvents.length === 0) return { catalog: EventCatalog.builtin(), problems: [] };
  const loaded = await loadTraceEvents(traceEvents);
  return { catalog: loaded.catalog, problems: loaded.problems.map((p) => `${p.source}: ${p.message}`) };
}

export async function analyzeTraceFile(path: string, opts: AnalyzeOptions = {}): Promise<Analysis> {
  const { catalog, problems } = await catalogFor(opts.traceEvents);
  const engine = new TraceEngine(opts);
  const classify = createLineClassifier(catalog);
  const onRecord = opts.onRecord;
  const splitter = new LineSplitter((text, lineNo, offset) => {
    const rec = classify(text, lineNo, offset);
    engine.push(rec);
    if (onRecord) onRecord(rec);
  });
  const fh = await open(path, 'r');
  let bytes = 0;
  try {
    const { size } = await fh.stat();
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      opts.signal?.throwIfAborted();
      const { bytesRead } = await fh.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) break;
      bytes += bytesRead;
      splitter.push(buf.subarray(0, bytesRead));
      opts.onProgress?.(bytes, size);
    }
    splitter.end();
  } finally {
    await fh.close();
  }
  engine.finish();
  return { engine, bytes, definitionProblems: problems };
}

/** Replay a trace held in memory (tests, editor buffers). */
export function analyzeTraceText(text: string, catalog: EventCatalog = EventCatalog.builtin(), opts: Partial<ReplayOptions> = {}): TraceEngine {
  const engine = new TraceEngine(opts);
  const classify = createLineClassifier(catalog);
  const splitter = new LineSplitter((t, n, o) => engine.push(classify(t, n, o)));
  splitter.push(Buffer.from(text, 'utf8'));
  splitter.end();
  engine.finish();
  return engine;
}
