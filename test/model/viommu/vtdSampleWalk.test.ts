// The walker against a real capture: QEMU 7.2 guest memory read through the gdbstub, and QEMU's
// own answers (vtd-walk.json `translations`, trace.log `vtd_dmar_translate` lines).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GuestPageMap } from '../../../src/model/viommu/guestPages.js';
import { defaultVtdConfig } from '../../../src/model/viommu/vtdFormat.js';
import { parseBdf } from '../../../src/model/pciAddress.js';
import { walkVtd, walkVtdSync } from '../../../src/model/viommu/vtdWalker.js';

// tests run from the repository root (scripts/run-tests.mjs)
const dir = join(process.cwd(), 'samples', 'qemu-7.2-vtd-net');
interface Sample {
  rtaddr: string;
  translations: { pci: string; queue: number; field: string; iova: string; gpa: string; how: string }[];
  pages: Record<string, string>;
}
const sample = JSON.parse(readFileSync(join(dir, 'vtd-walk.json'), 'utf8')) as Sample;
const pages = GuestPageMap.fromHexPages(sample.pages, 'vtd-walk.json');
// The capture was made with device-iotlb=on and the default aw-bits=39.
const config = defaultVtdConfig({ dtSupported: true });
const rtaddr = BigInt(sample.rtaddr);

test('every vring address of vtd-walk.json walks to the GPA, domain, level and perm QEMU recorded', () => {
  assert.equal(sample.translations.length, 9);
  for (const t of sample.translations) {
    const r = walkVtdSync({ rtaddr, device: parseBdf(t.pci), iova: BigInt(t.iova), config }, pages.read);
    const where = `${t.pci} q${t.queue} ${t.field} ${t.iova}`;
    assert.ok(r.ok, `${where}: ${r.ok ? '' : r.reason}`);
    const how = /^domain (\d+) level (\d+) perm (\w+)$/.exec(t.how);
    assert.ok(how, `unexpected how field ${t.how}`);
    assert.equal(r.gpa, BigInt(t.gpa), where);
    assert.equal(r.domainId, Number(how[1]), where);
    assert.equal(r.level, Number(how[2]), where);
    assert.equal(['none', 'ro', 'wo', 'rw'][r.perm], how[3], where);
    // root, context, then one PTE per level of a 3-level (aw-bits 39) table
    assert.deepEqual(r.steps.map((s) => s.what), ['root', 'context', 'pte', 'pte', 'pte']);
    assert.deepEqual(r.steps.slice(2).map((s) => s.level), [3, 2, 1]);
  }
});

test('vring IOVAs agree with QEMU own vtd_dmar_translate lines of trace.log', () => {
  const re = /^vtd_dmar_translate dev ([0-9a-f]{2}):([0-9a-f]{2})\.([0-9a-f]{2}) iova (0x[0-9a-f]+) -> gpa (0x[0-9a-f]+) mask (0x[0-9a-f]+)$/;
  const lines = readFileSync(join(dir, 'trace.log'), 'utf8').split('\n');
  const vringPages = new Set(sample.translations.map((t) => BigInt(t.iova) & ~0xfffn));
  let checked = 0;
  const seenPages = new Set<bigint>();
  for (const line of lines) {
    const m = re.exec(line);
    if (!m) continue;
    const iova = BigInt(m[4]!);
    if (!vringPages.has(iova)) continue;
    const device = { bus: parseInt(m[1]!, 16), slot: parseInt(m[2]!, 16), fn: parseInt(m[3]!, 16) };
    const r = walkVtdSync({ rtaddr, device, iova, config }, pages.read);
    assert.ok(r.ok, line);
    // QEMU prints the page-aligned translation and its addr_mask
    assert.equal(r.gpa & ~r.addrMask, BigInt(m[5]!), line);
    assert.equal(r.addrMask, BigInt(m[6]!), line);
    seenPages.add(iova);
    checked++;
  }
  assert.equal(seenPages.size, vringPages.size, 'every vring page appears in the trace');
  assert.ok(checked > 500, `checked ${checked} trace lines`);
});

test('the async walker (gdbstub-style reader) gives the same answer with one read per table page', async () => {
  let reads = 0;
  const asyncReader = async (gpa: bigint, len: number): Promise<Uint8Array> => {
    reads++;
    assert.equal(len, 4096, 'reads whole table pages');
    assert.equal(gpa & 0xfffn, 0n, 'reads are page aligned');
    await Promise.resolve();
    return pages.read(gpa, len);
  };
  const t = sample.translations[2]!;
  const r = await walkVtd({ rtaddr, device: parseBdf(t.pci), iova: BigInt(t.iova), config, access: 'write' }, asyncReader);
  assert.ok(r.ok);
  assert.equal(r.gpa, BigInt(t.gpa));
  assert.equal(reads, 5, 'root table, context table, three page-table pages');
});

test('a device without a context entry and an IOVA with no PTE fault with QEMU reasons', () => {
  const noCtx = walkVtdSync({ rtaddr, device: parseBdf('00:03.0'), iova: 0x1000n, config }, pages.read);
  assert.equal(noCtx.ok, false);
  assert.ok(!noCtx.ok);
  assert.equal(noCtx.faultReason, 2);
  assert.match(noCtx.reason, /context entry for 00:03\.0 not present/);
  // IOVA 0xffeb8040 faulted with reason 6 (read) in trace.log; its level-1 PTE is empty
  const hole = walkVtdSync({ rtaddr, device: parseBdf('00:02.0'), iova: 0xffeb8040n, config }, pages.read);
  assert.ok(!hole.ok);
  assert.equal(hole.faultReason, 6);
  assert.match(hole.reason, /PTE at level 1 for IOVA 0xffeb8040 of 00:02\.0 not present/);
  const missing = walkVtdSync({ rtaddr, device: parseBdf('00:02.0'), iova: 0x1000n, config }, pages.read);
  assert.ok(!missing.ok);
  assert.equal(missing.kind, 'not-present');
});
