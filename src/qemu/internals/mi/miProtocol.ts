// gdb/MI (mi3) as IOVA Lens speaks it: the one declaration of its records and values, and the
// parser of one output line. Grammar (gdb manual, "GDB/MI Output Syntax"):
//   result-record  = [token] "^" class ("," result)*          class: done running connected error exit
//   async-record   = [token] ("*" | "+" | "=") class ("," result)*
//   stream-record  = ("~" | "@" | "&") c-string
//   prompt         = "(gdb)"
//   result = variable "=" value;  value = c-string | "{" results "}" | "[" (values | results) "]"

export type MiValue = string | MiTuple | MiValue[];
export interface MiTuple {
  [name: string]: MiValue;
}

export type MiResultClass = 'done' | 'running' | 'connected' | 'error' | 'exit';

export type MiRecord =
  | { kind: 'result'; token: number | undefined; cls: MiResultClass; results: MiTuple }
  | { kind: 'async'; token: number | undefined; type: 'exec' | 'status' | 'notify'; cls: string; results: MiTuple }
  | { kind: 'stream'; type: 'console' | 'target' | 'log'; text: string }
  | { kind: 'prompt' };

/** A line gdb printed that is not MI (bad option, a crash message…); kept for error reports. */
export class MiSyntaxError extends Error {
  constructor(readonly line: string, detail: string) {
    super(`gdb/MI: ${detail} in ${JSON.stringify(line.length > 200 ? line.slice(0, 200) + '…' : line)}`);
    this.name = 'MiSyntaxError';
  }
}

const RESULT_CLASSES: ReadonlySet<string> = new Set(['done', 'running', 'connected', 'error', 'exit']);
const ASYNC_TYPES = { '*': 'exec', '+': 'status', '=': 'notify' } as const;
const STREAM_TYPES = { '~': 'console', '@': 'target', '&': 'log' } as const;
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', a: '\x07', b: '\b', f: '\f', v: '\v', e: '\x1b' };

class Cursor {
  pos = 0;
  constructor(readonly line: string) {}
  fail(what: string): never {
    throw new MiSyntaxError(this.line, `${what} at column ${this.pos + 1}`);
  }
  peek(): string {
    return this.line[this.pos] ?? '';
  }
  expect(ch: string): void {
    if (this.line[this.pos] !== ch) this.fail(`expected '${ch}'`);
    this.pos++;
  }
}

function cString(c: Cursor): string {
  c.expect('"');
  let out = '';
  for (;;) {
    const ch = c.line[c.pos++];
    if (ch === undefined) c.fail('unterminated string');
    if (ch === '"') return out;
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const e = c.line[c.pos++] ?? '';
    if (/[0-7]/.test(e)) {
      // octal escape: gdb prints non-ASCII bytes as \NNN
      let digits = e;
      while (digits.length < 3 && /[0-7]/.test(c.peek())) digits += c.line[c.pos++];
      out += String.fromCharCode(parseInt(digits, 8));
    } else if (e in ESCAPES) out += ESCAPES[e];
    else c.fail(`bad escape '\\${e}'`);
  }
}

function name(c: Cursor): string {
  const m = /^[A-Za-z_][\w-]*/.exec(c.line.slice(c.pos));
  if (!m) c.fail('expected a name');
  c.pos += m[0].length;
  return m[0];
}

function value(c: Cursor): MiValue {
  const ch = c.peek();
  if (ch === '"') return cString(c);
  if (ch === '{') {
    c.pos++;
    const t = results(c, '}');
    c.expect('}');
    return t;
  }
  if (ch === '[') {
    c.pos++;
    const list: MiValue[] = [];
    if (c.peek() === ']') {
      c.pos++;
      return list;
    }
    for (;;) {
      // a list holds values or name=value results (gdb's "frame={…},frame={…}")
      if (c.peek() === '"' || c.peek() === '{' || c.peek() === '[') list.push(value(c));
      else {
        const n = name(c);
        c.expect('=');
        list.push({ [n]: value(c) });
      }
      if (c.peek() === ',') c.pos++;
      else break;
    }
    c.expect(']');
    return list;
  }
  return c.fail('expected a value');
}

function results(c: Cursor, end: string): MiTuple {
  const t: MiTuple = {};
  while (c.pos < c.line.length && c.peek() !== end) {
    const n = name(c);
    c.expect('=');
    t[n] = value(c);
    if (c.peek() === ',') c.pos++;
    else break;
  }
  return t;
}

/** Parse one line of gdb's MI output (without its line terminator). */
export function parseMiLine(line: string): MiRecord {
  if (line === '(gdb)' || line === '(gdb) ') return { kind: 'prompt' };
  const c: Cursor = new Cursor(line);
  const first = line[0] ?? '';
  if (first in STREAM_TYPES) {
    c.pos = 1;
    const text = cString(c);
    return { kind: 'stream', type: STREAM_TYPES[first as keyof typeof STREAM_TYPES], text };
  }
  const tok = /^\d+/.exec(line);
  c.pos = tok ? tok[0].length : 0;
  const token = tok ? Number(tok[0]) : undefined;
  const sigil = c.peek();
  c.pos++;
  if (sigil !== '^' && !(sigil in ASYNC_TYPES)) c.fail('not an MI record');
  const cls = /^[a-z-]+/.exec(line.slice(c.pos))?.[0];
  if (!cls) c.fail('expected a record class');
  c.pos += cls.length;
  let res: MiTuple = {};
  if (c.peek() === ',') {
    c.pos++;
    res = results(c, '');
  }
  if (c.pos !== line.length) c.fail('trailing text');
  if (sigil === '^') {
    if (!RESULT_CLASSES.has(cls)) c.fail(`unknown result class '${cls}'`);
    return { kind: 'result', token, cls: cls as MiResultClass, results: res };
  }
  return { kind: 'async', token, type: ASYNC_TYPES[sigil as keyof typeof ASYNC_TYPES], cls, results: res };
}

/** Quote a string as an MI command argument (c-string rules). */
export function miQuote(s: string): string {
  return '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') + '"';
}

/** A field of a result that must be a string; throws MiSyntaxError otherwise. */
export function miString(t: MiTuple, field: string, context: string): string {
  const v = t[field];
  if (typeof v !== 'string') throw new MiSyntaxError(context, `no string field '${field}'`);
  return v;
}
