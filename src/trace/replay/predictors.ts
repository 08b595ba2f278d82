// AllocPredictor on top of the model's VhostIovaTree and the listener's SVQ steps
// (src/model/vdpaListener.ts), one per layout QEMU may have used.
import { VhostIovaTree, type VhostIovaDump, type VhostIovaLayout } from '../../model/vhostIovaTree.js';
import type { DMAMap } from '../../model/dmaMap.js';
import { IOVA_OK } from '../../model/dmaMap.js';
import { IOMMU_RO, IOMMU_RW } from '../../model/access.js';
import { svqAllocSection, svqRemoveSection } from '../../model/vdpaListener.js';
import { U64_MAX } from '../../model/u64.js';
import type { AllocPredictor } from './allocPredictor.js';
import type { ReplayOptions } from './context.js';

class TreePredictor implements AllocPredictor {
  consistent = true;
  private readonly tree: VhostIovaTree;

  constructor(readonly layout: VhostIovaLayout, first: bigint, last: bigint, page: bigint) {
    this.tree = new VhostIovaTree(first, last, { layout, hostPageSize: page });
  }

  allocGuest(gpa: bigint, hva: bigint, len: bigint, readonly: boolean): bigint | undefined {
    const node = svqAllocSection(this.tree, gpa, hva, len, readonly);
    return typeof node === 'number' ? undefined : node.iova;
  }

  allocHostOnly(hva: bigint, len: bigint, deviceReadOnly: boolean): bigint | undefined {
    const map: DMAMap = { iova: 0n, translatedAddr: 0n, size: len - 1n, perm: deviceReadOnly ? IOMMU_RO : IOMMU_RW };
    return this.tree.mapAlloc(map, hva) === IOVA_OK ? map.iova : undefined;
  }

  regionDel(gpa: bigint, hva: bigint | undefined, len: bigint): bigint | undefined {
    // a legacy tree finds guest memory by HVA: without the section's HVA QEMU's lookup cannot be replayed
    if (this.layout === 'legacy' && hva === undefined) return undefined;
    return svqRemoveSection(this.tree, gpa, hva ?? 0n, len)?.iova;
  }

  mapRefused(gpa: bigint, hva: bigint, len: bigint): void {
    // QEMU's fail path of region_add: ≤ 9.2 finds the node again by HVA, 10.0 by GPA
    if (this.layout === 'legacy') {
      const node = this.tree.findIova({ translatedAddr: hva, size: len - 1n });
      if (node) this.tree.remove(node);
      return;
    }
    const node = this.tree.findGpa({ translatedAddr: gpa, size: len - 1n });
    if (node) this.tree.removeGpa(node);
  }

  hostOnlyUnmap(iova: bigint, len: bigint): void {
    this.tree.remove({ iova, size: len - 1n });
  }

  forceGuest(): void {
    // The tree no longer holds what QEMU holds; its later answers would be noise.
    this.consistent = false;
  }

  dump(): VhostIovaDump {
    return this.tree.dump();
  }
}

export function makePredictors(opts: ReplayOptions, range?: { first: bigint; last: bigint }): AllocPredictor[] {
  const first = range?.first ?? 0n;
  const last = range?.last ?? U64_MAX;
  const layouts: VhostIovaLayout[] = opts.layout === 'auto' ? ['current', 'legacy'] : [opts.layout];
  return layouts.map((l) => new TreePredictor(l, first, last, opts.hostPageSize));
}
