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

/** A line's event name: QEMU's log backend prints `pid@secs.usecs:` before it, or nothing. */
export function eventOf(line: string): string | undefined {
  return /^(?:\d+@\d+\.\d+:)?([a-z0-9_]+) /.exec(line)?.[1];
}

/** 1-based numbers of the lines that print event `name`. */
export function linesOfEvent(lines: string[], name: string): number[] {
  return lines.flatMap((l, i) => (eventOf(l) === name ? [i + 1] : []));
}

/**
 * The listener batches of a vhost-vdpa trace as the text shows them: each begin_batch up to its
 * commit, with the dma_map / dma_unmap lines in between.
 */
export function listenerBatches(lines: string[]): { line: number; maps: number; unmaps: number }[] {
  const out: { line: number; maps: number; unmaps: number }[] = [];
  let open: { line: number; maps: number; unmaps: number } | undefined;
  lines.forEach((l, i) => {
    const e = eventOf(l);
    if (e === 'vhost_vdpa_listener_begin_batch') out.push((open = { line: i + 1, maps: 0, unmaps: 0 }));
    else if (e === 'vhost_vdpa_listener_commit') open = undefined;
    else if (open && e === 'vhost_vdpa_dma_map') open.maps++;
    else if (open && e === 'vhost_vdpa_dma_unmap') open.unmaps++;
  });
  return out;
}

/** QEMU's HMP `gpa2hva` answer: "Host virtual address for 0x1000 (pc.ram) is 0x7f…". */
export function gpa2hvaAnswer(text: string): { region: string; hva: bigint } {
  const m = /Host virtual address for 0x[0-9a-f]+ \((.+)\) is (0x[0-9a-f]+)/.exec(text);
  if (!m) throw new Error(`unexpected gpa2hva answer: ${text.trim()}`);
  return { region: m[1]!, hva: BigInt(m[2]!) };
}

/**
 * The first vtd_dmar_translate of a VT-d trace: its 1-based line, the IOVA as printed and the
 * address it reaches — QEMU prints the page's GPA, the address keeps its offset in the page.
 */
export function firstTranslation(lines: string[]): { line: number; iova: string; gpa: bigint } {
  const at = lines.findIndex((l) => eventOf(l) === 'vtd_dmar_translate');
  const m = /iova (0x[0-9a-f]+) -> gpa (0x[0-9a-f]+) mask (0x[0-9a-f]+)/.exec(lines[at] ?? '');
  if (!m) throw new Error('the VT-d fixture has no vtd_dmar_translate line');
  return { line: at + 1, iova: m[1]!, gpa: BigInt(m[2]!) + (BigInt(m[1]!) & BigInt(m[3]!)) };
}
