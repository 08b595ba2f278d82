// Splits QMP's byte stream into JSON objects. QEMU may pretty-print across lines, so framing is
// by balanced braces (outside strings), not by newlines; CR/LF between objects is whitespace.
// Linear: each character is looked at once, and a message split over many chunks is kept as a
// list of pieces joined once when it is complete (appending to one string and indexing it makes
// V8 flatten the whole string per chunk: quadratic on a 16 MB reply).

/** `info mtree` of a big guest is a few MB; anything far beyond that is a runaway peer. */
export const MAX_MESSAGE_CHARS = 32 * 1024 * 1024;
/** QEMU's own JSON parser refuses deeper nesting (MAX_NESTING 1024); QMP replies use < 10. */
export const MAX_NESTING = 256;

export class JsonObjectStream {
  private pieces: string[] = [];
  private length = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;

  constructor(private readonly maxChars = MAX_MESSAGE_CHARS, private readonly maxDepth = MAX_NESTING) {}

  /** Feed text; returns the complete top-level objects' source texts, in order. Throws on garbage. */
  push(chunk: string): string[] {
    const out: string[] = [];
    let start = this.depth > 0 ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (this.depth === 0) {
        if (c === 32 || c === 9 || c === 13 || c === 10) continue;
        if (c !== 123 /* { */) throw new JsonFramingError(chunk.slice(i, i + 60), 'expected "{" between messages');
        start = i;
        this.depth = 1;
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 92 /* \ */) this.escaped = true;
        else if (c === 34 /* " */) this.inString = false;
        continue;
      }
      if (c === 34) this.inString = true;
      else if (c === 123 || c === 91 /* [ */) {
        if (++this.depth > this.maxDepth) throw new JsonFramingError(chunk.slice(i, i + 60), `message nested deeper than ${this.maxDepth} levels`);
      } else if (c === 125 /* } */ || c === 93 /* ] */) {
        if (--this.depth === 0) {
          const tail = chunk.slice(start, i + 1);
          out.push(this.pieces.length ? this.pieces.join('') + tail : tail);
          this.pieces = [];
          this.length = 0;
          start = -1;
        }
      }
    }
    if (this.depth > 0 && start >= 0) {
      const rest = chunk.slice(start);
      this.pieces.push(rest);
      this.length += rest.length;
      if (this.length > this.maxChars) throw new JsonFramingError(this.pieces[0].slice(0, 60), `message longer than ${this.maxChars} characters`);
    }
    return out;
  }
}

export class JsonFramingError extends Error {
  constructor(readonly near: string, reason: string) {
    super(`${reason}, got ${JSON.stringify(near)}`);
    this.name = 'JsonFramingError';
  }
}
