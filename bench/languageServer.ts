// The language server on big documents (npm run bench -- lsp): the built server process driven
// over stdio like an editor would. For generated realistic mixes of 20 MB and 50 MB and for 500k
// dma_map/dma_unmap pairs: didOpen, time to the "indexed" notification and to diagnostics, the
// longest the server loop left a trivial request waiting meanwhile, the heap it keeps per line
// after a GC (with and without the document text it must keep), its peak RSS, and hover p50/p99
// at random address fields. Goals are printed next to the figures; nothing fails on them.
// A document over the server's message limit (the 500k pairs, 141 MB) is refused unread: for it,
// the time to its one diagnostic and the server's peak RSS against a plain vscode-jsonrpc reader.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { prng } from '../src/shared/prng.js';
import { generatePairsTrace, generateRealisticTrace } from './genMixTrace.js';
import type { GeneratedTrace } from './genTrace.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../src/server/messageFramer.js';

interface Mem {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  peakRss: number;
  /** the longest event-loop block since the previous report */
  loopMaxMs: number;
}

export interface LspFigures {
  lines: number;
  indexMs: number;
  diagnosticsMs: number;
  diagnostics: number;
  progressReports: number;
  maxStallMs: number;
  /** the server's longest event-loop block from didOpen to its diagnostics (its own measure) */
  serverLoopMaxMs: number;
  retainedPerLine: number;
  indexPerLine: number;
  peakRssMB: number;
  hoverP50: number;
  hoverP99: number;
  hovers: number;
  /** the outline and code lenses the editor asks for on open: time of both, outline entries */
  outlineMs: number;
  outlineEntries: number;
  /** the diagnostic of a document refused for its size (expectRefusal) */
  refusal?: string;
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
};

/** Positions of address fields on random lines (a value after "iova"/"addr"), deterministic. */
function hoverPositions(lines: string[], n: number, seed: number): { line: number; character: number }[] {
  const rand = prng(seed);
  const out: { line: number; character: number }[] = [];
  for (let tries = 0; out.length < n && tries < n * 50; tries++) {
    const l = Math.floor(rand() * lines.length);
    const m = /(?:iova:? |addr )(0x[0-9a-f]+)/.exec(lines[l]);
    if (m) out.push({ line: l, character: m.index + m[0].length - m[1].length + 2 });
  }
  return out;
}

export interface MeasureOptions {
  /** hovers at random address fields after indexing (0: none) */
  hovers?: number;
  /** extra node flags for the server process (e.g. --cpu-prof while looking into a figure) */
  nodeArgs?: string[];
  /** the script to run instead of the built server (the transport floor) */
  script?: string;
  /** the document is over the server's limit: wait for its one diagnostic, not for an index */
  expectRefusal?: boolean;
}

export async function measureLanguageServer(file: string, opts: MeasureOptions = {}): Promise<LspFigures> {
  const hovers = opts.hovers ?? 300;
  const text = readFileSync(file, 'utf8');
  const uri = pathToFileURL(file).href;
  const hook = join(process.cwd(), 'bench', 'lspMemoryHook.mjs');
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--expose-gc', '--import', hook, opts.script ?? join(process.cwd(), 'dist', 'server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const memWaiters: ((m: Mem) => void)[] = [];
  let errText = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    errText += chunk;
    let nl: number;
    while ((nl = errText.indexOf('\n')) >= 0) {
      const line = errText.slice(0, nl);
      errText = errText.slice(nl + 1);
      if (line.startsWith('lsmem ')) memWaiters.shift()?.(JSON.parse(line.slice(6)) as Mem);
      else if (line.trim()) process.stderr.write(`  [server] ${line}\n`);
    }
  });
  const memory = (): Promise<Mem> =>
    new Promise((r) => {
      memWaiters.push(r);
      child.kill('SIGUSR2');
    });
  const conn = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  let progressReports = 0;
  conn.onRequest('window/workDoneProgress/create', () => null);
  conn.onNotification('$/progress', () => progressReports++);
  conn.onNotification('window/logMessage', () => undefined);
  const indexed = new Promise<{ lines: number; millis: number }>((r) => conn.onNotification('iovaLens/indexed', (p: { uri: string; lines: number; millis: number }) => p.uri === uri && r(p)));
  const diagnosed = new Promise<{ diagnostics: { message?: string }[] }>((r) => conn.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: { message?: string }[] }) => p.uri === uri && r(p)));
  conn.listen();
  try {
    await conn.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: { window: { workDoneProgress: true } } });
    await conn.sendNotification('initialized', {});
    const before = await memory();
    const t0 = performance.now();
    await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'qemu-trace', version: 1, text } });
    // a request the server answers at once (no handler: "method not found") shows how long its loop was busy
    let done = false;
    let maxStallMs = 0;
    const pinger = (async () => {
      while (!done) {
        const s = performance.now();
        await conn.sendRequest('iovaLens/benchPing').catch(() => undefined);
        maxStallMs = Math.max(maxStallMs, performance.now() - s);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    if (opts.expectRefusal) return await refusal(conn, uri, t0, diagnosed, memory, () => ((done = true), pinger), () => maxStallMs);
    const ix = await indexed;
    const indexMs = performance.now() - t0;
    const d = await diagnosed;
    const diagnosticsMs = performance.now() - t0;
    done = true;
    await pinger;
    const indexedMem = await memory();
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    const times: number[] = [];
    for (const position of hovers > 0 ? hoverPositions(lines, hovers, 7) : []) {
      const s = performance.now();
      const h = await conn.sendRequest<{ contents: { value: string } } | null>('textDocument/hover', { textDocument: { uri }, position });
      times.push(performance.now() - s);
      if (!h) throw new Error(`no hover at line ${position.line + 1} column ${position.character}: ${lines[position.line]}`);
    }
    let outlineMs = NaN;
    let outlineEntries = 0;
    if (hovers > 0) {
      const s = performance.now();
      const symbols = await conn.sendRequest<{ children?: unknown[] }[]>('textDocument/documentSymbol', { textDocument: { uri } });
      await conn.sendRequest('textDocument/codeLens', { textDocument: { uri } });
      outlineMs = performance.now() - s;
      outlineEntries = symbols.reduce((n, x) => n + 1 + (x.children?.length ?? 0), 0);
    }
    const after = await memory();
    const retained = after.heapUsed + after.external - (before.heapUsed + before.external);
    return {
      lines: ix.lines,
      indexMs,
      diagnosticsMs,
      diagnostics: d.diagnostics.length,
      progressReports,
      maxStallMs,
      serverLoopMaxMs: indexedMem.loopMaxMs,
      retainedPerLine: retained / ix.lines,
      indexPerLine: (retained - text.length) / ix.lines,
      peakRssMB: after.peakRss / 2 ** 20,
      hoverP50: times.length ? quantile(times, 0.5) : NaN,
      hoverP99: times.length ? quantile(times, 0.99) : NaN,
      hovers: times.length,
      outlineMs,
      outlineEntries,
    };
  } finally {
    await conn.sendRequest('shutdown').catch(() => undefined);
    await conn.sendNotification('exit').catch(() => undefined);
    // the server exits on "exit" (writing a --cpu-prof profile first); one that does not is killed
    if (child.exitCode === null) {
      const exited = once(child, 'exit');
      const timer = setTimeout(() => child.kill(), 10000);
      await exited;
      clearTimeout(timer);
    }
    conn.dispose();
  }
}

/** The figures of a refused document: its diagnostic, how long it took, the peak RSS; a hover must answer nothing. */
async function refusal(
  conn: ReturnType<typeof createMessageConnection>,
  uri: string,
  t0: number,
  diagnosed: Promise<{ diagnostics: { message?: string }[] }>,
  memory: () => Promise<Mem>,
  stopPinger: () => Promise<void>,
  stall: () => number,
): Promise<LspFigures> {
  const d = await diagnosed;
  const diagnosticsMs = performance.now() - t0;
  await stopPinger();
  const h = await conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 70 } });
  if (h !== null) throw new Error('a document refused for its size answered a hover');
  const m = await memory();
  return {
    lines: NaN, indexMs: NaN, diagnosticsMs, diagnostics: d.diagnostics.length, progressReports: 0, maxStallMs: stall(), serverLoopMaxMs: m.loopMaxMs,
    retainedPerLine: NaN, indexPerLine: NaN, peakRssMB: m.peakRss / 2 ** 20, hoverP50: NaN, hoverP99: NaN, hovers: 0, outlineMs: NaN, outlineEntries: 0, refusal: d.diagnostics[0]?.message,
  };
}

function reportRefused(name: string, gen: GeneratedTrace, f: LspFigures, floor: LspFigures): void {
  console.log(
    `  ${name.padEnd(22)} ${(gen.bytes / 1e6).toFixed(1).padStart(6)} MB: refused unread (over the server's message limit) with ${f.diagnostics} diagnostic at ${f.diagnosticsMs.toFixed(0)} ms ` +
      `(goal <= 5000; a request waited <= ${f.maxStallMs.toFixed(0)} ms); peak RSS ${f.peakRssMB.toFixed(0)} MB (goal <= 300; vscode-jsonrpc's own reader receiving it whole peaks at ${floor.peakRssMB.toFixed(0)} MB); hover answers nothing\n` +
      `  ${''.padEnd(22)} the diagnostic: ${f.refusal ?? '(none)'}`,
  );
}

function report(name: string, gen: GeneratedTrace, f: LspFigures, floor: LspFigures): void {
  console.log(
    `  ${name.padEnd(22)} ${String(f.lines).padStart(8)} lines ${(gen.bytes / 1e6).toFixed(1).padStart(6)} MB: ` +
      `indexed in ${f.indexMs.toFixed(0)} ms (${f.progressReports} progress notifications; server loop blocked <= ${f.serverLoopMaxMs.toFixed(0)} ms ` +
      `(receiving the document alone: ${floor.serverLoopMaxMs.toFixed(0)} ms), a request waited <= ${f.maxStallMs.toFixed(0)} ms), ${f.diagnostics} diagnostics at ${f.diagnosticsMs.toFixed(0)} ms\n` +
      `  ${''.padEnd(22)} kept ${f.retainedPerLine.toFixed(0)} B/line, ${f.indexPerLine.toFixed(0)} B/line beside the text (line index + replay history; goal <= 100); ` +
      `peak RSS ${f.peakRssMB.toFixed(0)} MB (goal <= 300; receiving the document alone peaks at ${floor.peakRssMB.toFixed(0)} MB); ` +
      `hover p50 ${f.hoverP50.toFixed(1)} ms, p99 ${f.hoverP99.toFixed(1)} ms over ${f.hovers} (goal p99 <= 50); ` +
      `outline (${f.outlineEntries} entries) and code lenses in ${f.outlineMs.toFixed(0)} ms`,
  );
}

export async function runLanguageServerBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'iova-lens-bench-'));
  const floorScript = join(process.cwd(), 'bench', 'lspTransportFloor.mjs');
  const run = async (name: string, gen: GeneratedTrace): Promise<void> => {
    const floor = await measureLanguageServer(gen.path, { hovers: 0, script: floorScript });
    if (gen.bytes > DEFAULT_MAX_MESSAGE_BYTES) reportRefused(name, gen, await measureLanguageServer(gen.path, { hovers: 0, expectRefusal: true }), floor);
    else report(name, gen, await measureLanguageServer(gen.path), floor);
  };
  try {
    console.log('language server over stdio (didOpen of the whole document, then 300 hovers at random address fields, the outline and the code lenses):');
    const file = join(dir, 'trace.log');
    // the realistic mix prints ~88 bytes a line
    for (const mb of [20, 50]) await run(`realistic ${mb} MB`, generateRealisticTrace(file, Math.round((mb * 1e6) / 88), 45 + mb));
    await run('500k map/unmap pairs', generatePairsTrace(file, 500_000, 44));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
