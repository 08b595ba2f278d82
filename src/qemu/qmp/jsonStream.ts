// Splits QMP's byte stream into JSON objects. QEMU may pretty-print across lines, so framing is
// by balanced braces (outside strings), not by newlines; CR/LF between objects is whitespace.

export class JsonObjectStream {
  private buf = '';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private start = -1;
  private scanned = 0;

  /** Feed text; returns the complete top-level objects' source texts, in order. Throws on garbage. */
  push(chunk: string): string[] {
    this.buf += chunk;
    const out: string[] = [];
    let i = this.scanned;
    for (; i < this.buf.length; i++) {
      const c = this.buf[i];
      if (this.depth === 0) {
        if (c === ' ' || c === '\t' || c === '\r' || c === '\n') continue;
        if (c !== '{') throw new JsonFramingError(this.buf.slice(i, i + 60), 'expected "{" between messages');
        this.start = i;
        this.depth = 1;
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === '\\') this.escaped = true;
        else if (c === '"') this.inString = false;
        continue;
      }
      if (c === '"') this.inString = true;
      else if (c === '{' || c === '[') this.depth++;
      else if (c === '}' || c === ']') {
        this.depth--;
        if (this.depth === 0) {
          out.push(this.buf.slice(this.start, i + 1));
          this.start = -1;
        }
      }
    }
    // Drop consumed text so a long session does not grow the buffer.
    const keepFrom = this.depth > 0 ? this.start : this.buf.length;
    this.buf = this.buf.slice(keepFrom);
    this.start = this.depth > 0 ? 0 : -1;
    this.scanned = this.buf.length;
    if (this.buf.length > MAX_MESSAGE) throw new JsonFramingError(this.buf.slice(0, 60), `message longer than ${MAX_MESSAGE} characters`);
    return out;
  }
}

// `info mtree` of a big guest is a few MB; anything far beyond that is a runaway peer.
const MAX_MESSAGE = 64 * 1024 * 1024;

export class JsonFramingError extends Error {
  constructor(readonly near: string, reason: string) {
    super(`${reason}, got ${JSON.stringify(near)}`);
    this.name = 'JsonFramingError';
  }
}
