// A document over the language server's size limit: the one diagnostic that says so and what to
// do instead. The server keeps no text for it; every feature answers nothing until a change
// brings it under the limit.
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import { fileURLToPath } from 'node:url';

const mib = (bytes: number): string => {
  const m = bytes / 2 ** 20;
  return `${m >= 100 ? m.toFixed(0) : m.toFixed(1).replace(/\.0$/, '')} MiB`;
};

/** The path a user would type for the document (its URI when it is not a file). */
function shownPath(uri: string): string {
  try {
    return fileURLToPath(uri);
  } catch {
    return uri;
  }
}

/** `bytes`: the size the server saw, the message that carried the text (JSON escapes add a little). */
export function tooLargeMessage(uri: string, bytes: number, limit: number): string {
  const path = shownPath(uri);
  const quoted = /^[\w./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
  return (
    `This trace is about ${mib(bytes)}, over the IOVA Lens language server's ${mib(limit)} limit, so it is not analysed here: ` +
    `open it with "IOVA Lens: Open in Trace Viewer (large files)" or run \`iova-lens check ${quoted}\` ` +
    `(or raise the limit with the server's initializationOptions.maxDocumentMB).`
  );
}

export function tooLargeDiagnostic(uri: string, bytes: number, limit: number): Diagnostic {
  return {
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    severity: DiagnosticSeverity.Warning,
    code: 'document-too-large',
    source: 'iova-lens',
    message: tooLargeMessage(uri, bytes, limit),
  };
}
