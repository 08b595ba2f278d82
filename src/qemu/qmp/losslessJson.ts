// JSON.parse turns QEMU's u64 numbers (ring addresses, feature bitmaps, garbage descriptor
// addresses like 12055409292258155293) into doubles and silently loses the low bits. This
// parser keeps every integer exact: safe integers stay `number`, larger ones become `bigint`.

export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | { [key: string]: JsonValue };

export class JsonSyntaxError extends Error {
  constructor(readonly offset: number, reason: string, text: string) {
    super(`invalid JSON at offset ${offset}: ${reason} near ${JSON.stringify(text.slice(Math.max(0, offset - 20), offset + 20))}`);
    this.name = 'JsonSyntaxError';
  }
}

export function parseJsonLossless(text: string): JsonValue {
  let i = 0;
  const fail = (reason: string): never => {
    throw new JsonSyntaxError(i, reason, text);
  };
  const ws = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const value = (): JsonValue => {
    ws();
    const c = text[i];
    if (c === '{') return object();
    if (c === '[') return array();
    if (c === '"') return string();
    if (c === '-' || (c >= '0' && c <= '9')) return number();
    if (text.startsWith('true', i)) return (i += 4), true;
    if (text.startsWith('false', i)) return (i += 5), false;
    if (text.startsWith('null', i)) return (i += 4), null;
    return fail(c === undefined ? 'unexpected end' : `unexpected character ${JSON.stringify(c)}`);
  };
  const object = (): JsonValue => {
    const out: { [key: string]: JsonValue } = {};
    i++;
    ws();
    if (text[i] === '}') return i++, out;
    for (;;) {
      ws();
      if (text[i] !== '"') fail('expected a member name');
      const key = string();
      ws();
      if (text[i] !== ':') fail('expected ":"');
      i++;
      out[key] = value();
      ws();
      if (text[i] === ',') { i++; continue; }
      if (text[i] === '}') return i++, out;
      fail('expected "," or "}"');
    }
  };
  const array = (): JsonValue => {
    const out: JsonValue[] = [];
    i++;
    ws();
    if (text[i] === ']') return i++, out;
    for (;;) {
      out.push(value());
      ws();
      if (text[i] === ',') { i++; continue; }
      if (text[i] === ']') return i++, out;
      fail('expected "," or "]"');
    }
  };
  const string = (): string => {
    // Find the closing quote, then let JSON.parse do escapes (it is exact for strings).
    const begin = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) fail('unterminated string');
    i++;
    try {
      return JSON.parse(text.slice(begin, i)) as string;
    } catch {
      return fail('bad string escape');
    }
  };
  const number = (): number | bigint => {
    const m = /^-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) return fail('bad number');
    i += m[0].length;
    if (m[1] === undefined && m[2] === undefined) {
      const n = Number(m[0]);
      return Number.isSafeInteger(n) ? n : BigInt(m[0]);
    }
    return Number(m[0]);
  };
  const v = value();
  ws();
  if (i !== text.length) fail('trailing characters');
  return v;
}

/** JSON.stringify that writes bigint as a plain JSON integer (QEMU reads u64 arguments that way). */
export function stringifyJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `\u0000big${x.toString()}\u0000` : x)).replace(
    /"\\u0000big(-?\d+)\\u0000"/g,
    '$1',
  );
}
