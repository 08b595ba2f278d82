// VFIO type1 replay: the listener's RAM maps and the vIOMMU's MAP/UNMAP notifications go through
// the kernel's rules (src/model/viommu/vfioType1.ts). An overlapping map is refused (EEXIST) and
// is not live afterwards; an unmap that cuts a mapping is refused (EINVAL).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeTraceText } from '../../../src/trace/analyze.js';
import { brief } from './fixtures.js';

const run = (lines: string[]) => analyzeTraceText(lines.join('\n')).diagnostics();

test('a vIOMMU MAP overlapping a live VFIO mapping is refused (EEXIST), and the refused map is not live', () => {
  const diags = run([
    'vfio_iommu_map_notify iommu MAP @ 0xffeb8000 - 0xffeb8fff',
    'vfio_iommu_map_notify iommu MAP @ 0xffeb8000 - 0xffeb9fff',
    // the refused map covered 0xffeb9000: if it were live this one would collide too
    'vfio_iommu_map_notify iommu MAP @ 0xffeb9000 - 0xffeb9fff',
    'vfio_iommu_map_notify iommu UNMAP @ 0xffeb8000 - 0xffeb9fff',
    'vfio_iommu_map_notify iommu MAP @ 0xffeb8000 - 0xffeb9fff',
  ]);
  assert.deepEqual(brief(diags), ['map-overlap error 2']);
  assert.match(diags[0]!.message, /VFIO_IOMMU_MAP_DMA of IOVA \[0xffeb8000, 0xffeb9fff\] .* overlaps the live VFIO mapping \[0xffeb8000, 0xffeb8fff\] \(mapped at line 1\).*EEXIST.*not live/);
  assert.deepEqual(diags[0]!.related.map((r) => r.line), [1]);
});

test('a RAM section map over a live one is refused; deleting the section unmaps it; an unmap cutting a mapping is refused', () => {
  const diags = run([
    'vfio_listener_region_add_ram region_add [ram] 0x0 - 0x9ffff [0x7f5a40000000]',
    'vfio_listener_region_add_ram region_add [ram] 0x80000 - 0xbffff [0x7f5a40080000]',
    'vfio_listener_region_del region_del 0x0 - 0x4ffff',
    'vfio_listener_region_del region_del 0x0 - 0x9ffff',
    'vfio_listener_region_add_ram region_add [ram] 0x80000 - 0xbffff [0x7f5a40080000]',
  ]);
  assert.deepEqual(brief(diags), ['map-overlap error 2', 'partial-unmap error 3']);
  assert.match(diags[1]!.message, /would cut the live VFIO mapping \[0x0, 0x9ffff\] \(mapped at line 1\) in two.*EINVAL/);
});

test('a clean VFIO sequence (map, notify, unmap in QEMU order) gives nothing', () => {
  assert.deepEqual(run([
    'vfio_listener_region_add_ram region_add [ram] 0x0 - 0x9ffff [0x7f5a40000000]',
    'vfio_listener_region_add_ram region_add [ram] 0x100000 - 0x7fffffff [0x7f5a40100000]',
    'vfio_listener_region_del region_del 0x0 - 0x9ffff',
    'vfio_listener_region_add_ram region_add [ram] 0x0 - 0x9ffff [0x7f5a40000000]',
  ]), []);
});
