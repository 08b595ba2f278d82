// Run in its own process by memoryBound.test.ts (node --expose-gc --import tsx …): replays a
// generated trace shaped like a long VT-d + vhost-vdpa run (one guest page translated, then
// invalidated, per DMA burst; a vDPA section mapped and later unmapped every 16 bursts) and
// prints how much memory the engine keeps per mapping record, measured after a forced GC as the
// growth between a short and a long replay (the fixed costs — code, catalog — cancel out).
import { TraceDecoder } from '../../../src/trace/read/traceReader.js';
import { TraceEngine } from '../../../src/trace/replay/engine.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('memoryProbe needs node --expose-gc');

const VDPA = '0x55d2c1a4e2b0';
const hx = (n: number | bigint): string => n.toString(16);

/** Lines of DMA bursts from..to (exclusive): the guest's page, its translation, its invalidation. */
function* bursts(from: number, to: number): Generator<string> {
  for (let c = from; c < to; c++) {
    const page = 0xffff0000 - (c % 0x800) * 0x1000;
    const gpa = 0x14000000 + ((c * 7919) % 0x40000) * 0x1000;
    yield `vtd_iotlb_page_update IOTLB page update sid 0x10 iova 0x${hx(page)} slpte 0x${hx(gpa | 3)} domain 0x4`;
    yield `vtd_dmar_translate dev 00:02.00 iova 0x${hx(page)} -> gpa 0x${hx(gpa)} mask 0xfff`;
    yield `vtd_inv_desc_iotlb_pages iotlb invalidate domain 0x4 addr 0x${hx(page)} mask 0x0`;
    if (c % 16 === 0) {
      // a section and its map, gone again at once (the model stays small, the history grows)
      const s = BigInt(c) * 0x1000n;
      const gpaS = 0x200000000n + s;
      const hva = 0x7f7983e00000n + s;
      yield `vhost_vdpa_listener_region_add vdpa: ${VDPA} iova 0x${hx(gpaS)} llend 0x${hx(gpaS + 0x1000n)} vaddr: 0x${hx(hva)} read-only: 0`;
      yield `vhost_vdpa_dma_map vdpa_shared:${VDPA} fd: 16 msg_type: 2 asid: 0 iova: 0x${hx(gpaS)} size: 0x1000 uaddr: 0x${hx(hva)} perm: 0x3 type: 2`;
      yield `vhost_vdpa_listener_region_del vdpa: ${VDPA} iova 0x${hx(gpaS)} llend 0x${hx(gpaS + 0xfffn)}`;
      yield `vhost_vdpa_dma_unmap vdpa_shared:${VDPA} fd: 16 msg_type: 2 asid: 0 iova: 0x${hx(gpaS)} size: 0x1000 type: 3`;
    }
  }
}

function feed(decoder: TraceDecoder, lines: Iterable<string>): void {
  let batch: string[] = [];
  for (const l of lines) {
    batch.push(l);
    if (batch.length === 4096) {
      decoder.push(Buffer.from(batch.join('\n') + '\n'));
      batch = [];
    }
  }
  if (batch.length) decoder.push(Buffer.from(batch.join('\n') + '\n'));
}

/** What the process holds: the JS heap plus typed-array backing stores (they live outside it). */
function retained(): number {
  gc!();
  gc!();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const [short, long] = process.argv.slice(2).map(Number);
if (!(short > 0 && long > short)) throw new Error('usage: memoryProbe.ts SHORT LONG (burst counts, SHORT < LONG)');
const engine = new TraceEngine();
const decoder = new TraceDecoder((r) => engine.push(r), { lazyFields: true });
feed(decoder, [
  'vtd_switch_address_space Device 00:02.0 switching address space (iommu enabled=1)',
  `vhost_vdpa_init dev: 0x55d2c1c0a650, common dev: ${VDPA} vdpa: 0x7f6a968d7190`,
]);
feed(decoder, bursts(0, short));
const recordsShort = engine.timeline.records.length;
const bytesShort = retained();
feed(decoder, bursts(short, long));
decoder.end();
engine.finish();
const bytesLong = retained();
const tl = engine.timeline;
const records = tl.records.length;
// read something of every kind back, so the measurement cannot have dropped what answers need
const firstPage = tl.records.find((r) => tl.tables[r.table].kind === 'viommu');
process.stdout.write(
  JSON.stringify({
    records,
    recordsShort,
    bytesPerRecord: (bytesLong - bytesShort) / (records - recordsShort),
    firstPage: firstPage && { start: hx(firstPage.start), target: hx(firstPage.target), removedLine: firstPage.removedLine, removedBy: firstPage.removedBy },
    liveAtEnd: engine.summary().liveAtEnd,
    diagnostics: engine.diagnostics().length,
  }) + '\n',
);
