// Go to definition: from a line that removes mappings to the lines that created them (unmap →
// its map, region_del → its region_add); from a fault to the line that removed the faulting
// address; from any address to the line that created the mapping it goes through.
import type { Location, Position } from 'vscode-languageserver';
import { lineRange } from './diagnostics.js';
import { definitionLines } from './definitionLines.js';
import type { TraceIndex } from './traceIndex.js';

export function definition(index: TraceIndex, pos: Position): Location[] {
  return definitionLines(index, pos.line, pos.character).map((l) => ({ uri: index.uri, range: lineRange(index, l) }));
}
