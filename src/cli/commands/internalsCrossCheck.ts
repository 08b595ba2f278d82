// snapshot --qemu-pid/--qemu-core … --trace FILE: QEMU's own vhost-vdpa IOVA tree against the
// model's, replayed from the trace up to its last line (a live `-D` log, or the trace that goes
// with a core). Differences are findings (exit 1), not errors.
import type { QemuInternals } from '../../model/qemuInternals.js';
import { crossCheckIovaTrees, dumpAsInternal, type IovaCrossCheck, type ModelIovaTree } from '../../model/vhostIovaCheck.js';
import { analyzeTraceFile, type Analysis } from '../../trace/analyze.js';
import type { CliIO } from '../io.js';
import { termSafe } from '../termText.js';

export interface TraceCrossCheck {
  trace: string;
  /** the replay's last line */
  line: number;
  result: IovaCrossCheck;
  /** the replay, so other checks of the same trace do not read it again */
  analysis: Analysis;
}

/** The cross-check, or exit code 2 after saying why the trace could not be read. */
export async function crossCheckWithTrace(file: string, internals: QemuInternals, io: CliIO): Promise<TraceCrossCheck | number> {
  let analysis: Analysis;
  try {
    analysis = await analyzeTraceFile(file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    io.stderr.write(`iova-lens snapshot: cannot read the trace ${termSafe(file)}: ${termSafe(err.name === 'InputFileError' ? err.message : (err.code ?? err.message))}\n`);
    return 2;
  }
  const { engine } = analysis;
  const byDevice = new Map<string, ModelIovaTree[]>();
  for (const t of engine.svqIovaTrees()) {
    const list = byDevice.get(t.device) ?? [];
    list.push({ layout: t.layout, consistent: t.consistent, tree: dumpAsInternal(t.tree) });
    byDevice.set(t.device, list);
  }
  const result = crossCheckIovaTrees(
    internals.vhost.filter((v) => v.backend === 'vdpa').map((v) => v.iovaTree),
    [...byDevice.values()],
  );
  return { trace: file, line: engine.summary().lines, result, analysis };
}

export function crossCheckJson(c: TraceCrossCheck): Record<string, unknown> {
  return { trace: c.trace, line: c.line, ...c.result };
}

export function crossCheckText(c: TraceCrossCheck): string {
  const head = `cross-check with ${c.trace} (replayed to line ${c.line}): `;
  const r = c.result;
  if (r.status === 'not-compared') return `${head}not compared: ${r.reason}\n`;
  if (r.status === 'equal') return `${head}QEMU's vhost-vdpa IOVA tree (${r.layout}) equals the model's, node for node\n`;
  return `${head}QEMU's vhost-vdpa IOVA tree (${r.layout}) differs from the model's in ${r.differences.length} place(s):\n${r.differences.map((d) => `  ${d}\n`).join('')}`;
}
