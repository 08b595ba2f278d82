// Address spaces, as users name them (qemu-semantics §0.1), defined once for every layer:
// - `giova`: guest IOVA, programmed by the guest when a vIOMMU is active (per device);
// - `gpa`:   guest physical address;
// - `hva`:   QEMU process virtual address backing guest RAM (a.k.a. uaddr, vaddr);
// - `iova`:  key of the vhost/vDPA device IOTLB (per ASID).
export type Space = 'giova' | 'gpa' | 'hva' | 'iova';
export const SPACES: readonly Space[] = ['gpa', 'hva', 'iova', 'giova'];
export const isSpace = (s: string): s is Space => (SPACES as readonly string[]).includes(s);
export const spaceTitle: Record<Space, string> = { gpa: 'GPA', hva: 'HVA', iova: 'IOVA', giova: 'guest IOVA' };
