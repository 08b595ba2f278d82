// What the screen must show, worked out from the inputs themselves (the fixture's printed fields,
// QEMU's own trace of the guest) rather than by the code under test.

/** The IOVA range of a vhost_vdpa_dma_map line: `size:` is a length, so last = iova + size - 1. */
export function mapOnLine(line: string): { iova: bigint; last: bigint } | undefined {
  const m = /vhost_vdpa_dma_map .* iova: (0x[0-9a-f]+) size: (0x[0-9a-f]+) /.exec(line);
  if (!m) return undefined;
  const iova = BigInt(m[1]!);
  return { iova, last: iova + BigInt(m[2]!) - 1n };
}

/**
 * QEMU's own translation of `iova` for PCI device `pci` ("00:03.0"), from the last
 * vtd_dmar_translate line of its trace covering that page (its dev field prints the function
 * with two digits: "00:03.00").
 */
export function qemuRingGpa(trace: string, pci: string, iova: bigint): bigint | undefined {
  let gpa: bigint | undefined;
  for (const m of trace.matchAll(/^vtd_dmar_translate dev (\S+) iova 0x([0-9a-f]+) -> gpa 0x([0-9a-f]+) mask 0x([0-9a-f]+)$/gm)) {
    const mask = BigInt('0x' + m[4]);
    if (m[1] !== `${pci}0` || (BigInt('0x' + m[2]) & ~mask) !== (iova & ~mask)) continue;
    gpa = (BigInt('0x' + m[3]) & ~mask) | (iova & mask);
  }
  return gpa;
}
