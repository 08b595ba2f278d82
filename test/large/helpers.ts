// Shared helpers of the large-trace tests: temporary files, the sample traces, the reference
// split of a text into lines, and a worker started from the TypeScript sources.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { LargeTraceWorker } from '../../src/large/workerClient.js';

export const samplePath = (name: string): string => join(process.cwd(), 'samples', name);
export const sampleText = (name: string): string => readFileSync(samplePath(name), 'utf8');

export interface TempDir {
  dir: string;
  file(name: string, content: string | Buffer): string;
  remove(): void;
}

export function tempDir(): TempDir {
  const dir = mkdtempSync(join(tmpdir(), 'iova-lens-large-'));
  return {
    dir,
    file(name, content) {
      const p = join(dir, name);
      writeFileSync(p, content);
      return p;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** What a user sees as the file's lines: LF or CRLF ends a line, a final newline starts none. */
export function referenceLines(text: string): string[] {
  if (text === '') return [];
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const lines = body.split('\n');
  if (text.endsWith('\n')) lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

/** The worker from src/large/worker.ts, compiled on the fly by tsx (no build needed). */
export function startSourceWorker(): LargeTraceWorker {
  const entry = join(process.cwd(), 'src', 'large', 'worker.ts');
  return LargeTraceWorker.attach(new Worker(`require('tsx/cjs'); require(${JSON.stringify(entry)});`, { eval: true }));
}
