// How many lines a trace document has, as a user counts them (the tree's "line N of M").

/** The parts of a TextDocument this needs (a test passes a plain object). */
export interface LineCounted {
  readonly lineCount: number;
  lineAt(line: number): { readonly text: string };
}

/**
 * VS Code counts the empty "line" after a final newline (an 18-line file ending in a newline has
 * lineCount 19); no trace record is ever on it, so it is not counted.
 */
export function traceLines(doc: LineCounted): number {
  const n = doc.lineCount;
  return n > 1 && doc.lineAt(n - 1).text === '' ? n - 1 : n;
}
