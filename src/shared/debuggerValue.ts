// Reading an address out of what a debugger printed for an expression: gdb, lldb and the C/C++
// adapters decorate values ("(void *) 0x7f…", "0x1000 <sym>", "4096", "{...}").
const HEX = /\b0[xX]([0-9a-fA-F]{1,16})\b/;
const DEC = /^\s*(?:\([^)]*\)\s*)?(\d{1,20})(?:[uUlL]*)\s*$/;

/** The address as hex ("0x1000"), or undefined when the value is not a single 64-bit number. */
export function addressFromDebuggerValue(value: string): string | undefined {
  const h = HEX.exec(value);
  if (h) return `0x${BigInt(`0x${h[1]}`).toString(16)}`;
  const d = DEC.exec(value);
  if (d) {
    const n = BigInt(d[1]!);
    if (n < 1n << 64n) return `0x${n.toString(16)}`;
  }
  return undefined;
}

/** A C/C++ hex literal under the cursor, without its integer suffix, as hex ("0x1000"). */
export function hexLiteralValue(text: string): string | undefined {
  const m = /^0[xX]([0-9a-fA-F]{1,16})[uUlL]*$/.exec(text);
  return m ? `0x${BigInt(`0x${m[1]}`).toString(16)}` : undefined;
}
