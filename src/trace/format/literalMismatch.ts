// A format's literal text did not match the line: where, and (written on demand) why. A line
// tried against several formats reports only the closest failure, so the other reasons are
// never put into words.
/** A literal that did not match; a malformed line tried against several formats reads one reason. */
export class LiteralMismatch {
  readonly ok = false;
  constructor(
    readonly index: number,
    private readonly text: string,
    private readonly at: number,
    private readonly expected: string,
  ) {}
  get reason(): string {
    const found = this.at < this.text.length ? JSON.stringify(this.text.slice(this.at, this.at + 12)) : 'end of line';
    return `expected ${JSON.stringify(this.expected)}, found ${found}`;
  }
}
