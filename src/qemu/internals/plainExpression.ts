// What IOVA Lens ever asks a debugger to evaluate in QEMU: type names, field paths and plain
// reads (`&sym`, `sym.a.b`, `sizeof(T)`, casts). Never a call: every thread of QEMU is stopped at
// an arbitrary point, possibly holding the BQL or malloc's lock, or in the middle of a tree update.

/** a C type as IOVA Lens writes them (`AddressSpace`, `struct vhost_dev`, `T *`) */
export const PLAIN_TYPE = /^(?:struct |union |enum )?[A-Za-z_]\w*(?: \*)?$/;
/** a field path (`a.b`, `ranges[0]`) */
export const PLAIN_FIELD = /^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*|\[\d+\])*$/;
/** a global or static */
export const PLAIN_SYMBOL = /^[A-Za-z_]\w*$/;
const PLAIN_EXPR = /^[\w .>()*&[\]+-]+$/;

/** Why `expr` is not a plain read (undefined when it is one). */
export function notPlainRead(expr: string): string | undefined {
  // a name followed by "(" is a call, whatever parenthesised text follows it; casts have none
  const calls = expr.match(/\w+\s*\(/g) ?? [];
  if (!PLAIN_EXPR.test(expr) || calls.some((c) => !/^sizeof\s*\($/.test(c))) return `refusing to evaluate ${expr}: only plain reads, never calls into QEMU`;
  return undefined;
}

/** A debugger's answer to `(unsigned long)(expr)` as a number: decimal or hex, nothing else. */
export function plainNumber(printed: string): bigint | undefined {
  const t = printed.trim();
  return /^(?:0x[0-9a-f]+|\d+)$/i.test(t) ? BigInt(t) : undefined;
}
