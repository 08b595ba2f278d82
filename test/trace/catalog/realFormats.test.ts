// The built-in catalog against what real QEMU binaries print: test/fixtures/qemu-formats holds
// every trace-event format compiled into Debian's QEMU 7.2 and 10.0.13 (log backend) for the
// families the catalog covers (extracted by test/lab/extract-formats.sh from the lab's trees).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { builtinEventDefs } from '../../../src/trace/catalog/eventCatalog.js';
import { expandFormatMacros } from '../../../src/trace/format/printfSpec.js';
import { readTraceText } from '../../../src/trace/read/traceReader.js';

// length modifiers differ (PRIx64 is "llx" to us, "lx" in an LP64 binary) but print the same
const shape = (format: string): string => expandFormatMacros(format).replace(/%([-+ #0]*\d*(?:\.\d+)?)(?:hh|h|ll|l|j|z|t|q|L)?([diouxXpscfeEgGaA])/g, '%$1$2');

// families of other directories than hw/virtio, net, hw/i386 (VT-d), hw/vfio and backends
const OUTSIDE = /^virtio_(blk|scsi|snd|serial|console|input|gpu|net)_/;

function realFormats(version: string): Array<{ name: string; format: string }> {
  const text = readFileSync(`test/fixtures/qemu-formats/qemu-${version}.txt`, 'utf8');
  return text
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => ({ name: l.slice(0, l.indexOf(' ')), format: l.slice(l.indexOf(' ') + 1) }))
    .filter((e) => !OUTSIDE.test(e.name));
}

for (const version of ['7.2', '10.0']) {
  test(`every hw/virtio, vhost-vdpa, VT-d, VFIO listener and iommufd format of QEMU ${version} has a definition`, () => {
    const defs = builtinEventDefs();
    const formats = realFormats(version);
    assert.ok(formats.length > 150, `only ${formats.length} formats in the fixture`);
    const missing = formats.filter((e) => !defs.some((d) => d.name === e.name && shape(d.format) === shape(e.format)));
    assert.deepEqual(
      missing.map((e) => `${e.name} "${e.format}"`),
      [],
    );
  });
}

const ev = (line: string) => {
  const r = readTraceText(line, {});
  assert.equal(r.length, 1);
  const rec = r[0];
  assert.ok(rec.kind === 'event', `${line}: ${rec.kind === 'malformed' ? rec.reason : rec.kind}`);
  return rec;
};

test('QEMU 10.0 vhost-vdpa lines read with their 10.0 shapes', () => {
  const base = ev('1@1.000001:vhost_vdpa_get_vring_base dev: 0x55e0 index: 1 num: 0 svq: 1');
  assert.deepEqual({ index: base.fields!.index, num: base.fields!.num, svq: base.fields!.svq }, { index: 1, num: 0, svq: true });
  const set = ev('vhost_vdpa_set_dev_vring_base dev: 0x55e0 index: 0 num: 0 svq: 0');
  assert.equal(set.fields!.svq, false);
  const cfg = ev('vhost_vdpa_dump_config dev: 0x55e0 0x0010: 52 54 00 12  34 56');
  assert.equal(cfg.fields!.offset, 0x10);
  assert.equal(cfg.fields!.line, '52 54 00 12  34 56');
  const skip = ev('vhost_vdpa_skipped_memory_section is_ram=0, is_iommu=0, is_protected=0, is_ram_device=0 iova_min=0x0 iova_last=0xffffffffffffffff page_mask=0xfffff000');
  assert.equal(skip.fields!.last, 0xffffffffffffffffn);
  const en = ev('vhost_vdpa_set_vring_enable_one dev: 0x55e0, idx: 1, enable: 1, r: 0');
  assert.deepEqual([en.fields!.i, en.fields!.enable, en.fields!.r], [1, 1, 0]);
  const begin = ev('vhost_vdpa_listener_begin_batch vdpa_shared:0x55e0 fd: 9 msg_type: 2 type: 5');
  assert.equal(begin.fields!.type, 5);
  const commit = ev('vhost_vdpa_listener_commit vdpa_shared:0x55e0 fd: 9 msg_type: 2 type: 6');
  assert.equal(commit.fields!.type, 6);
});

test('QEMU 7.2 dump_config keeps its one-string shape', () => {
  const cfg = ev('vhost_vdpa_dump_config dev: 0x560080104bc0 0000:  52 54 00 12  34 56');
  assert.equal(cfg.fields!.line, '0000:  52 54 00 12  34 56');
  assert.equal('offset' in cfg.fields!, false);
});

test('VT-d with PASID: the translation names its PASID, the SLPTE line reads', () => {
  const t = ev('278365@1676297375.587513:vtd_dmar_translate pasid 0xffffffff: dev 0b:00.00 iova 0x800000000 -> gpa 0x1f2556000 mask 0xfff');
  assert.deepEqual(
    [t.fields!.pasid, t.fields!.bus, t.fields!.slot, t.fields!.func, t.fields!.iova, t.fields!.gpa, t.fields!.mask],
    [0xffffffff, 0x0b, 0, 0, 0x800000000n, 0x1f2556000n, 0xfffn],
  );
  const plain = ev('vtd_dmar_translate dev 00:02.00 iova 0xffeb8000 -> gpa 0x147a8000 mask 0xfff');
  assert.equal('pasid' in plain.fields!, false);
  const s = ev('278365@1676297375.587477:vtd_dmar_slpte sid 0xb00 slpte 0x1f2556003 addr 0x800000000 write 0');
  assert.deepEqual([s.fields!.sid, s.fields!.slpte, s.fields!.addr, s.fields!.is_write], [0xb00, 0x1f2556003n, 0x800000000n, false]);
});

test('VFIO 10.0 names the IOMMU region; iommufd maps by file in 10.1', () => {
  const r = ev('vfio_listener_region_add_iommu region_add [iommu] /machine/q35/pcie.0/vtd-00.0-dmar 0x0 - 0xffffffffffffffff');
  assert.equal(r.fields!.name, '/machine/q35/pcie.0/vtd-00.0-dmar');
  assert.equal(r.fields!.end, 0xffffffffffffffffn);
  const old = ev('vfio_listener_region_add_iommu region_add [iommu] 0x0 - 0xffffffffffffffff');
  assert.equal(old.fields!.start, 0n);
  const f = ev('iommufd_backend_map_file_dma  iommufd=5 ioas=2 iova=0x100000 size=0x7ff00000 fd=24 start=1048576 readonly=0 (0)');
  assert.deepEqual([f.fields!.iova, f.fields!.size, f.fields!.fd, f.fields!.start, f.fields!.ret], [0x100000n, 0x7ff00000n, 24, 1048576n, 0]);
});
