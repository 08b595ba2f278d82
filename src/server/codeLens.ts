// One code lens per outline entry (a listener batch, a device start or reset, a status change…),
// not one per line: "Translation tree after this batch" on a batch opens the state at its
// commit; elsewhere "Translation tree at line N" opens the state after that line. A trace
// without outline entries (a bare VT-d capture) gets one lens on its first event.
import { SymbolKind, type CodeLens, type DocumentSymbol } from 'vscode-languageserver';
import { STATE_AT_COMMAND } from './protocol.js';
import { lineRange } from './diagnostics.js';
import { documentSymbols } from './symbols.js';
import type { TraceIndex } from './traceIndex.js';

export function codeLenses(index: TraceIndex, symbols: DocumentSymbol[] = documentSymbols(index)): CodeLens[] {
  const out: CodeLens[] = [];
  const lens = (line0: number, title: string, stateLine: number): void => {
    out.push({ range: lineRange(index, line0 + 1), command: { title, command: STATE_AT_COMMAND, arguments: [index.uri, stateLine] } });
  };
  for (const s of symbols) {
    // the entry that says where a long outline stops is no place in the trace's story
    if (s.kind === SymbolKind.Null) continue;
    const start = s.range.start.line;
    const end = s.range.end.line;
    if (end > start) lens(start, `$(type-hierarchy) Translation tree after this batch (line ${end + 1})`, end + 1);
    else lens(start, `$(type-hierarchy) Translation tree at line ${start + 1}`, start + 1);
  }
  if (out.length === 0) {
    let first = 0;
    while (first < index.lineCount && index.kindAt(first) !== 'event') first++;
    if (first < index.lineCount) lens(first, '$(type-hierarchy) Open the translation tree here (it follows the cursor)', first + 1);
  }
  return out;
}
