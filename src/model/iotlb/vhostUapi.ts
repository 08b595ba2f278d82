// Numbers from the Linux vhost uAPI (include/uapi/linux/vhost_types.h) that the IOTLB model
// speaks in. They are interface facts; see qemu-semantics §5.1.

export const VHOST_IOTLB_MISS = 1;
export const VHOST_IOTLB_UPDATE = 2;
export const VHOST_IOTLB_INVALIDATE = 3;
export const VHOST_IOTLB_ACCESS_FAIL = 4;
export const VHOST_IOTLB_BATCH_BEGIN = 5;
export const VHOST_IOTLB_BATCH_END = 6;

export type IotlbMsgType = 1 | 2 | 3 | 4 | 5 | 6;

export const iotlbMsgName = (t: number): string =>
  ({ 1: 'MISS', 2: 'UPDATE', 3: 'INVALIDATE', 4: 'ACCESS_FAIL', 5: 'BATCH_BEGIN', 6: 'BATCH_END' })[t] ?? `type ${t}`;

/** Backend feature BIT NUMBERS (the mask is 1n << bit). */
export const VHOST_BACKEND_F_IOTLB_MSG_V2 = 0x1n;
export const VHOST_BACKEND_F_IOTLB_BATCH = 0x2n;
export const VHOST_BACKEND_F_IOTLB_ASID = 0x3n;
export const VHOST_BACKEND_F_SUSPEND = 0x4n;
export const VHOST_BACKEND_F_IOTLB_PERSIST = 0x8n;

export const hasBackendFeature = (features: bigint, bit: bigint): boolean => ((features >> bit) & 1n) === 1n;

/** Kernel errno values the IOTLB handlers return (negated in the kernel). */
export const ERRNO = { EFAULT: 14, EEXIST: 17, EINVAL: 22 } as const;
export type ErrnoName = keyof typeof ERRNO;

export const VHOST_PAGE_SIZE = 0x1000n;

/** One row of the vhost memory table (struct vhost_memory_region). */
export interface VhostMemoryRegion {
  guestPhysAddr: bigint;
  /** a length */
  memorySize: bigint;
  userspaceAddr: bigint;
}
