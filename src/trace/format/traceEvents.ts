// Parser for QEMU's trace-events files:
//   # file.c                                  (a comment; groups the following events)
//   [disable] name(type a, type b) "fmt %"PRIx64" more"
// The format is a run of C string literals and inttypes macros, pasted together here as the
// preprocessor would. Bad lines are collected with path:line and parsing goes on.
import type { EventArg, EventDef } from '../types.js';
import { compileEvent, EventDefError } from './compile.js';
import { macroConversion } from './printfSpec.js';

export interface TraceEventsProblem {
  /** "path:line" */
  source: string;
  message: string;
}

export interface TraceEventsFile {
  defs: EventDef[];
  problems: TraceEventsProblem[];
}

// 'vcpu' and the tcg ones were dropped from QEMU over time but still appear in old files.
const PROPERTIES = new Set(['disable', 'vcpu', 'tcg', 'tcg-trans', 'tcg-exec']);
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

class LineError extends Error {}

/** A trace-events file larger than this is not one (QEMU's biggest is ~100 KB). */
export const MAX_TRACE_EVENTS_BYTES = 16 << 20;
/** Definitions read from user files in all (QEMU defines ~6000 events). */
export const MAX_DEFINITIONS = 20_000;
/** A definition line longer than this is refused (QEMU's longest is ~300 characters). */
const MAX_LINE = 8192;

const isIdentChar = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;

function parseArgs(text: string): EventArg[] {
  const t = text.trim();
  if (t === 'void' || t === '') return [];
  return t.split(',').map((raw) => {
    // "TYPE NAME" or "TYPE *NAME": the name is the identifier at the end, read backwards
    const piece = raw.trim();
    let i = piece.length;
    while (i > 0 && isIdentChar(piece.charCodeAt(i - 1))) i--;
    const name = piece.slice(i);
    const before = piece.charCodeAt(i - 1);
    const typeText = piece.slice(0, i).trim();
    if (!IDENT.test(name) || i === 0 || !(before === 42 /* * */ || before === 32 || before === 9) || typeText === '') {
      throw new LineError(`argument ${JSON.stringify(piece)} needs a type and a name`);
    }
    const type = typeText.replace(/\s+/g, ' ').replace(/ ?\*/g, ' *').replace(/\* \*/g, '**');
    return { type, name };
  });
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', '"': '"', '\\': '\\', "'": "'", r: '\r' };

/** Paste `"a" MACRO "b"` into one printf format. */
function parseFormat(text: string): string {
  let out = '';
  let i = 0;
  let sawString = false;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t') {
      i++;
    } else if (c === '"') {
      sawString = true;
      i++;
      for (;;) {
        if (i >= text.length) throw new LineError('unterminated string in format');
        const d = text[i];
        if (d === '"') break;
        if (d === '\\') {
          const e = ESCAPES[text[i + 1]];
          if (e === undefined) throw new LineError(`unsupported escape \\${text[i + 1] ?? ''} in format`);
          out += e;
          i += 2;
        } else {
          out += d;
          i++;
        }
      }
      i++;
    } else {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
      if (!m) throw new LineError(`unexpected ${JSON.stringify(c)} in format`);
      const conv = macroConversion(m[0]);
      if (conv === undefined) throw new LineError(`unknown macro ${m[0]} in format`);
      out += conv;
      i += m[0].length;
    }
  }
  if (!sawString) throw new LineError('missing format string');
  return out;
}

function parseDefinition(line: string, source: string): EventDef {
  const open = line.indexOf('(');
  if (open < 0) throw new LineError("expected 'name(args) \"format\"'");
  const head = line.slice(0, open).trim().split(/\s+/);
  const name = head.pop() ?? '';
  if (!IDENT.test(name)) throw new LineError(`bad event name ${JSON.stringify(name)}`);
  for (const p of head) if (!PROPERTIES.has(p)) throw new LineError(`unknown property ${JSON.stringify(p)}`);
  const close = line.indexOf(')', open);
  if (close < 0) throw new LineError("missing ')' after the arguments");
  const args = parseArgs(line.slice(open + 1, close));
  const seen = new Set<string>();
  for (const a of args) {
    if (seen.has(a.name)) throw new LineError(`argument ${a.name} appears twice`);
    seen.add(a.name);
  }
  const format = parseFormat(line.slice(close + 1));
  return { name, args, format, source };
}

/**
 * Parse trace-events text. `path` names the file in sources ("path:line"). Every definition is
 * also compiled, so a format that disagrees with its arguments is reported here, not per line.
 */
export function parseTraceEvents(text: string, path: string, maxDefs = MAX_DEFINITIONS): TraceEventsFile {
  const defs: EventDef[] = [];
  const problems: TraceEventsProblem[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const source = `${path}:${i + 1}`;
    if (lines[i].length > MAX_LINE) {
      problems.push({ source, message: `line of ${lines[i].length} characters, over the ${MAX_LINE}-character limit for a definition` });
      continue;
    }
    const line = lines[i].replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#')) continue;
    if (defs.length >= maxDefs) {
      problems.push({ source, message: `more than ${MAX_DEFINITIONS} definitions in all; this one and the rest of the file are ignored` });
      break;
    }
    try {
      const def = parseDefinition(line, source);
      compileEvent(def);
      defs.push(def);
    } catch (e) {
      if (e instanceof LineError) problems.push({ source, message: e.message });
      else if (e instanceof EventDefError) problems.push({ source, message: e.message.slice(source.length + 2) });
      else throw e;
    }
  }
  return { defs, problems };
}
