// Which events change the model, and how. Everything else is counted and kept for the editor.
import type { ReplayContext } from './context.js';
import type { Fields } from './fields.js';
import { onRegionAdd, onRegionDel } from './vdpaListener.js';
import { onDmaMap, onDmaUnmap } from './vdpaDma.js';
import { onVdpaInit, onIovaRange, onBatchBegin, onBatchCommit, onResetDevice, onAddStatus, onDevStart, onSetVringAddr } from './vdpaControl.js';
import { onDmarTranslate, onIotlbPage, onInvPages, onInvDomain, onInvGlobal, onSwitchAddressSpace, onPageWalkOne, onDmarFault, onDmarSlpte } from './vtdEvents.js';
import { onVirtioIommuMap, onVirtioIommuUnmap, onVirtioIommuAttach, onVirtioIommuFault } from './virtioIommuEvents.js';
import { onVfioRegionAddRam, onVfioRegionDel, onVfioIommuMapNotify } from './vfioEvents.js';
import { settlePendingMap } from './vdpaMapOutcome.js';
import { onVhostSection, onVhostUserMemTable, onVhostIotlbMiss } from './vhostEvents.js';

export type EventHandler = (ctx: ReplayContext, event: string, fields: Fields) => void;

const table: Record<string, EventHandler> = {
  vhost_vdpa_init: onVdpaInit,
  vhost_vdpa_get_iova_range: onIovaRange,
  vhost_vdpa_listener_region_add: onRegionAdd,
  vhost_vdpa_listener_region_del: onRegionDel,
  vhost_vdpa_listener_begin_batch: onBatchBegin,
  vhost_vdpa_listener_commit: onBatchCommit,
  vhost_vdpa_dma_map: onDmaMap,
  vhost_vdpa_dma_unmap: onDmaUnmap,
  vhost_vdpa_reset_device: onResetDevice,
  vhost_vdpa_add_status: onAddStatus,
  vhost_vdpa_dev_start: onDevStart,
  vhost_vdpa_set_vring_addr: onSetVringAddr,
  vtd_dmar_translate: onDmarTranslate,
  vtd_iotlb_page_update: onIotlbPage,
  vtd_iotlb_page_hit: onIotlbPage,
  vtd_inv_desc_iotlb_pages: onInvPages,
  vtd_inv_desc_iotlb_domain: onInvDomain,
  vtd_inv_desc_iotlb_global: (ctx) => onInvGlobal(ctx),
  vtd_switch_address_space: onSwitchAddressSpace,
  vtd_page_walk_one: onPageWalkOne,
  vtd_dmar_fault: onDmarFault,
  vtd_dmar_slpte: onDmarSlpte,
  virtio_iommu_map: onVirtioIommuMap,
  virtio_iommu_unmap: onVirtioIommuUnmap,
  virtio_iommu_attach: onVirtioIommuAttach,
  virtio_iommu_report_fault: onVirtioIommuFault,
  vhost_region_add_section: onVhostSection,
  vhost_user_set_mem_table_withfd: onVhostUserMemTable,
  vhost_iotlb_miss: onVhostIotlbMiss,
  vfio_listener_region_add_ram: onVfioRegionAddRam,
  vfio_listener_region_del: onVfioRegionDel,
  vfio_iommu_map_notify: onVfioIommuMapNotify,
};

/**
 * Every handler first settles the dma_map still waiting for its outcome: an event came and no
 * QEMU error line before it, so the kernel accepted that map.
 */
export const handlers: Record<string, EventHandler> = Object.fromEntries(
  Object.entries(table).map(([name, h]): [string, EventHandler] => [
    name,
    (ctx, event, fields) => {
      settlePendingMap(ctx, false);
      h(ctx, event, fields);
    },
  ]),
);

/** Events the replay reads the fields of: a reader may parse them at once instead of lazily. */
export const handledEvents: ReadonlySet<string> = new Set(Object.keys(table));
