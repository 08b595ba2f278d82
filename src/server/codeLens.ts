// "State here" above every line that maps or unmaps: opens the state view at that line.
import type { CodeLens } from 'vscode-languageserver';
import { STATE_AT_COMMAND } from './protocol.js';
import { lineRange } from './diagnostics.js';
import type { TraceIndex } from './traceIndex.js';

const MAP_LIKE = /(?:dma_map|dma_unmap|_map|_unmap|region_add|region_del|iotlb_pages|iotlb_domain|iotlb_global|page_walk_one|reset_device)$/;

export function codeLenses(index: TraceIndex): CodeLens[] {
  const out: CodeLens[] = [];
  for (let l = 0; l < index.lineCount; l++) {
    const rec = index.records[l];
    if (rec?.kind !== 'event') continue;
    const line = l + 1;
    if (!MAP_LIKE.test(rec.name) && !index.createdAt.has(line) && !index.removedAt.has(line)) continue;
    const range = lineRange(index, line);
    out.push({ range, command: { title: 'state here', command: STATE_AT_COMMAND, arguments: [index.uri, line] } });
  }
  return out;
}
