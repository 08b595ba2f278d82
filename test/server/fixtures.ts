// Shared helpers of the language-service tests: sample files and position lookup by text.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildTraceIndex, type TraceIndex } from '../../src/server/traceIndex.js';

export const samplePath = (name: string): string => join(process.cwd(), 'samples', name);
export const sampleText = (name: string): string => readFileSync(samplePath(name), 'utf8');

export function sampleIndex(name: string): TraceIndex {
  return buildTraceIndex('file://' + samplePath(name), sampleText(name));
}

/** 0-based position of the first character of `needle` on 1-based trace line `line`. */
export function at(index: TraceIndex, line: number, needle: string): { line: number; character: number } {
  const text = linesOf(index)[line - 1];
  const c = text.indexOf(needle);
  if (c < 0) throw new Error(`"${needle}" not on line ${line}: ${text}`);
  return { line: line - 1, character: c };
}

/** 1-based line of the first line starting with / containing `needle`. */
export function lineOf(index: TraceIndex, needle: string): number {
  const i = linesOf(index).findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`no line contains "${needle}"`);
  return i + 1;
}

/** Hover markdown as a reader sees it: backslash escapes (server/markdownText.ts) removed. */
export const readable = (md: string): string => md.replace(/\\([!-/:-@[-`{-~])/g, '$1');

/** Every line of an index as a string (the index keeps none: a copy, for small test documents). */
export function linesOf(index: TraceIndex): string[] {
  return Array.from({ length: index.lineCount }, (_, l) => index.lineText(l) ?? '');
}
