// QEMU's /proc/PID/maps as the lab saved it after each device start: tells which host memory is
// private (vhost-vdpa in VA mode skips it for a VDUSE device) and which is shared.

export interface Vma {
  start: bigint;
  /** exclusive */
  end: bigint;
  shared: boolean;
  text: string;
}

export function parseMaps(text: string): Vma[] {
  const out: Vma[] = [];
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) [r-][w-][x-]([ps])/.exec(line);
    if (m) out.push({ start: BigInt('0x' + m[1]), end: BigInt('0x' + m[2]), shared: m[3] === 's', text: line.trim() });
  }
  return out;
}

/** The private VMA holding all of [hva, hva+size), when one does, in any of the snapshots. */
export function privateVma(snapshots: readonly Vma[][], hva: bigint, size: bigint): Vma | undefined {
  for (const vmas of snapshots) {
    const v = vmas.find((x) => x.start <= hva && hva + size <= x.end);
    if (v && !v.shared) return v;
  }
  return undefined;
}
