// vtd_dmar_slpte (hw/i386/trace-events): the second-level leaf QEMU found for a DMA translation,
// traced just before its vtd_dmar_translate. Its R/W bits are the permission of that translation.
// Kept apart so the catalog's VT-d section can absorb it without a conflict.
import type { CatalogGroup } from './group.js';

export const vtdSlpteGroups: CatalogGroup[] = [
  {
    family: 'vtd',
    qemu: '7.0+',
    text: String.raw`
vtd_dmar_slpte(uint16_t sid, uint64_t slpte, uint64_t addr, bool is_write) "sid 0x%"PRIx16" slpte 0x%"PRIx64" addr 0x%"PRIx64" write %d"
`,
  },
];
