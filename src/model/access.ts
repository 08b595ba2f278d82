// IOMMUAccessFlags (QEMU) and vhost access values; the numbers are the same (1 RO, 2 WO, 3 RW).
export type Perm = 0 | 1 | 2 | 3;
export const IOMMU_NONE: Perm = 0;
export const IOMMU_RO: Perm = 1;
export const IOMMU_WO: Perm = 2;
export const IOMMU_RW: Perm = 3;

export const permName = (p: Perm): 'none' | 'ro' | 'wo' | 'rw' => (['none', 'ro', 'wo', 'rw'] as const)[p];
/** QEMU's IOMMU_ACCESS_FLAG(r, w). */
export const accessFlag = (read: boolean, write: boolean): Perm => (((read ? 1 : 0) | (write ? 2 : 0)) as Perm);
export const isPerm = (n: number): n is Perm => n === 0 || n === 1 || n === 2 || n === 3;
