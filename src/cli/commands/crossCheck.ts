// `snapshot --qemu-pid PID --qmp … [--trace FILE]`: QEMU's own state cross-checked against QMP's
// memory map (always, when both are given) and against the trace's replay at its last line
// (--trace). The rules are the model's (src/model/internalsCrossCheck.ts); this file gathers
// the inputs and prints the findings. Any finding makes the command exit 1.
import { crossCheckIovaTrees, crossCheckMemoryMap, type CrossCheckFinding } from '../../model/internalsCrossCheck.js';
import type { QemuInternals } from '../../model/qemuInternals.js';
import { qmpMemoryMapOf } from '../../qemu/internals/index.js';
import type { QemuMonitor } from '../../qemu/qmp/qemuMonitor.js';
import type { Analysis } from '../../trace/analyze.js';
import { tablesOfStates, traceVdpaDevices } from '../../shared/traceVdpaDevices.js';
import { basename } from 'node:path';

export interface CrossCheckReport {
  findings: CrossCheckFinding[];
  /** what was compared with what */
  checked: string[];
}

/** `trace`: the file and its replay, read once by the caller (an unreadable trace is its exit 2). */
export async function crossCheck(internals: QemuInternals, mon: QemuMonitor, trace: { path: string; analysis: Analysis } | undefined): Promise<CrossCheckReport> {
  const findings: CrossCheckFinding[] = [];
  const checked: string[] = [];
  findings.push(...crossCheckMemoryMap(internals, qmpMemoryMapOf(await mon.ramBlocks(), await mon.mtreeFlat())));
  checked.push(`RAM blocks and address spaces against QMP's info ramblock and info mtree -f`);
  if (trace !== undefined) {
    const { path: tracePath, analysis } = trace;
    const line = analysis.engine.summary().lines;
    const fileName = basename(tracePath);
    findings.push(...crossCheckIovaTrees(internals.vhost, traceVdpaDevices(tablesOfStates(analysis.engine.stateAt(line))), { fileName, line }));
    checked.push(`vhost IOVA trees against ${fileName} at its last line (${line})${analysis.readError ? ` (the trace is damaged: ${analysis.readError})` : ''}`);
  }
  return { findings, checked };
}

export const crossCheckJson = (r: CrossCheckReport): Record<string, unknown> => ({ checked: r.checked, findings: r.findings });

export function crossCheckText(r: CrossCheckReport): string {
  const out = ['', `cross-checks (${r.checked.join('; ')}):`];
  if (r.findings.length === 0) out.push('  no difference');
  for (const f of r.findings) {
    out.push(`  ${f.severity}: ${f.message} [${f.code}]`);
    for (const d of f.detail) out.push(`    ${d}`);
  }
  return out.join('\n') + '\n';
}
