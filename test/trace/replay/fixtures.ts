// Shared helpers for the replay tests: where the trace fixtures live, and a compact view of the
// diagnostics (code, severity, line) that the assertions compare against the fixture README.
// Paths are relative to the repository root, where the test runner is started.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { analyzeTraceFile, type AnalyzeOptions } from '../../../src/trace/analyze.js';
import type { Diagnostic } from '../../../src/trace/replay/diagnostics.js';
import type { TraceEngine } from '../../../src/trace/replay/engine.js';

export const fixture = (name: string): string => resolve('test/fixtures/traces', name);
export const sample = (name: string): string => resolve('samples', name);

/** The text of line `n` (1-based) of a file. */
export function lineOf(path: string, n: number): string {
  return readFileSync(path, 'utf8').split('\n')[n - 1];
}

export async function analyze(path: string, opts: AnalyzeOptions = {}): Promise<TraceEngine> {
  return (await analyzeTraceFile(path, opts)).engine;
}

/** "code severity line" for each diagnostic, in the engine's order (by line, errors first). */
export const brief = (diags: Diagnostic[]): string[] => diags.map((d) => `${d.code} ${d.severity} ${d.line}`);

/** Diagnostics a user would act on (info is context, not a problem). */
export const problems = (diags: Diagnostic[]): Diagnostic[] => diags.filter((d) => d.severity !== 'info');

export function only(diags: Diagnostic[], code: Diagnostic['code']): Diagnostic {
  const hits = diags.filter((d) => d.code === code);
  if (hits.length !== 1) throw new Error(`expected exactly one ${code}, got ${hits.length}: ${brief(diags).join('; ')}`);
  return hits[0];
}

export const relatedLines = (d: Diagnostic): number[] => d.related.map((r) => r.line);
