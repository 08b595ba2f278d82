// The trace engine: records in, model state per line and diagnostics out. Plain TypeScript,
// fed record by record (streaming), so the CLI, the language server and tests share it.
import type { FieldValue, TraceRecord } from '../types.js';
import { ReplayContext, defaultReplayOptions, type ReplayOptions } from './context.js';
import { handlers, type EventHandler } from './handlers.js';
import { EventFieldError } from './fields.js';
import type { Diagnostic } from './diagnostics.js';
import { TraceResolver, type ResolveOptions, type ResolveResult } from './resolveAt.js';
import type { ResolveSource } from '../../model/resolve.js';
import type { Space } from './spaces.js';
import type { MapRecord, TableInfo } from './timeline.js';
import { reportLeaks } from './leaks.js';
import { implausible, plausibleEvent } from './impossibleValues.js';
import { checkQemuError } from './qemuErrors.js';
import { settlePendingMap } from './vdpaMapOutcome.js';
import { kernelIotlbAt, type KernelIotlbAsidView } from './kernelIotlbView.js';
import type { Layout } from './allocPredictor.js';
import type { VhostIovaDump } from '../../model/vhostIovaTree.js';

export interface TraceSummary {
  lines: number;
  events: number;
  unknownEvents: number;
  malformed: number;
  byEvent: Map<string, number>;
  /** vDPA devices (their pointers) and the ASIDs each used */
  vdpaDevices: { key: string; asids: number[]; svq?: boolean }[];
  viommuDevices: string[];
  liveAtEnd: number;
}

export interface TableState {
  table: TableInfo;
  mappings: MapRecord[];
}

export class TraceEngine {
  private readonly ctx: ReplayContext;
  private readonly resolver: TraceResolver;
  private lines = 0;
  private events = 0;
  private unknown = 0;
  private malformed = 0;
  private readonly byEvent = new Map<string, number>();
  private finished = false;

  /** `handlerTable` is the product's; tests pass their own to reach the internal-error path. */
  constructor(
    options: Partial<ReplayOptions> = {},
    private readonly handlerTable: Readonly<Record<string, EventHandler>> = handlers,
  ) {
    this.ctx = new ReplayContext({ ...defaultReplayOptions, ...options });
    this.resolver = new TraceResolver(this.ctx.timeline);
  }

  push(rec: TraceRecord): void {
    const ctx = this.ctx;
    ctx.line = rec.line;
    if (rec.line > this.lines) this.lines = rec.line;
    switch (rec.kind) {
      case 'blank':
        return;
      case 'text':
        checkQemuError(ctx, rec.text);
        return;
      case 'malformed':
        settlePendingMap(ctx, false);
        this.events++;
        this.malformed++;
        this.count(rec.name);
        if (!ctx.diags.countIfFull('parse-error')) ctx.diags.add({ code: 'parse-error', severity: 'warning', line: rec.line, column: rec.column, message: `${rec.name}: ${rec.reason} (column ${rec.column})` });
        return;
      case 'event':
        // no error line came between the last map and this event: the kernel accepted it
        settlePendingMap(ctx, false);
        this.events++;
        this.count(rec.name);
        // only events the model uses have their fields built (the reader may build them lazily)
        if (!rec.def) {
          this.unknown++;
          return;
        }
        if (this.handlerTable[rec.name] && rec.fields && plausibleEvent(this.ctx, rec, rec.fields)) this.apply(rec.name, rec.fields, rec.line);
    }
  }

  /**
   * A known event the byte reader matched (no record built): the same effect as push() of its
   * record. False, with nothing done, when the record is needed after all (a handled event
   * without fields, or with a value QEMU cannot print, reported at its column): push it instead.
   */
  pushMatched(line: number, name: string, fields: Record<string, FieldValue> | undefined): boolean {
    const handled = this.handlerTable[name] !== undefined;
    if (handled && (fields === undefined || implausible(name, fields))) return false;
    const ctx = this.ctx;
    ctx.line = line;
    if (line > this.lines) this.lines = line;
    settlePendingMap(ctx, false);
    this.events++;
    this.count(name);
    if (handled) this.apply(name, fields!, line);
    return true;
  }

  /**
   * A line of QEMU's own output (stderr / libvirt log) placed after the trace line pushed last:
   * a "failed to write" here settles the map just replayed. `where` names it ("FILE:LINE").
   */
  pushQemuLog(text: string, where: string): void {
    checkQemuError(this.ctx, text, where);
  }

  /** A diagnostic about the input as a whole (e.g. QEMU log lines that cannot be placed). */
  note(d: Parameters<ReplayContext['diags']['add']>[0]): void {
    this.ctx.diags.add(d);
  }

  private apply(name: string, fields: NonNullable<Extract<TraceRecord, { kind: 'event' }>['fields']>, line: number): void {
    const h = this.handlerTable[name];
    if (!h) return;
    try {
      h(this.ctx, name, fields);
    } catch (e) {
      if (e instanceof EventFieldError) {
        this.ctx.diags.add({ code: 'parse-error', severity: 'warning', line, message: e.message });
        return;
      }
      // Not the trace's fault: a bug of IOVA Lens. Say so, with what to report; the replay goes on
      // with the next line (the model state may miss this event's effect).
      const why = e instanceof Error ? e.message : String(e);
      this.ctx.diags.add({
        code: 'internal-error',
        severity: 'error',
        line,
        message: `internal error in IOVA Lens while replaying ${name} at line ${line}: ${why}. This is a bug of IOVA Lens, not of the trace: the state after this line may miss the event's effect (please report it with this line)`,
      });
    }
  }

  private count(name: string): void {
    this.byEvent.set(name, (this.byEvent.get(name) ?? 0) + 1);
  }

  /** End of trace: report what is still wrong (mappings leaked by deleted sections). */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    settlePendingMap(this.ctx, false);
    reportLeaks(this.ctx);
  }

  diagnostics(): Diagnostic[] {
    return this.ctx.diags.sorted();
  }

  /** The diagnostics on one line (indexed once, not re-sorted per call: hover and definition ask per request). */
  diagnosticsAt(line: number): readonly Diagnostic[] {
    return this.ctx.diags.at(line);
  }

  summary(): TraceSummary {
    const tl = this.ctx.timeline;
    return {
      lines: this.lines,
      events: this.events,
      unknownEvents: this.unknown,
      malformed: this.malformed,
      byEvent: this.byEvent,
      vdpaDevices: [...this.ctx.vdpa.values()].map((d) => ({ key: d.key, asids: d.iotlbTables().map((t) => t.asid ?? 0), svq: d.svq })),
      viommuDevices: this.ctx.viommu?.devices() ?? [],
      liveAtEnd: tl.tables.filter((t) => t.kind === 'iotlb' || t.kind === 'viommu' || t.kind === 'virtio-iommu').reduce((n, t) => n + tl.allLive(t.id).length, 0),
    };
  }

  /** Every table with its mappings as they stood after line `line` was applied. */
  stateAt(line: number): TableState[] {
    const tl = this.ctx.timeline;
    return tl.tables.map((table) => ({ table, mappings: tl.liveAt(table.id, line) }));
  }

  /**
   * The model's kernel vhost-vdpa IOTLB per device and ASID after line `line`: IOVA range → HVA,
   * perm, live or orphaned (possibly still mapped). Call after the replay finished.
   */
  kernelIotlbAt(line: number): KernelIotlbAsidView[] {
    return kernelIotlbAt(this.ctx.timeline, line);
  }

  /**
   * The model's VhostIOVATree of every vhost-vdpa device with shadow virtqueues, one per layout
   * the replay ran (`consistent`: the trace never contradicted it), as it stands after the lines
   * pushed so far: replay a trace cut at a line to see QEMU's tree at that line.
   */
  svqIovaTrees(): { device: string; layout: Layout; consistent: boolean; tree: VhostIovaDump }[] {
    return [...this.ctx.vdpa.values()].filter((d) => d.svq === true).flatMap((d) => d.predictors.map((p) => ({ device: d.key, layout: p.layout, consistent: p.consistent, tree: p.dump() })));
  }

  resolve(space: Space, addr: bigint, line: number, opts: ResolveOptions = {}): ResolveResult {
    return this.resolver.resolve(space, addr, line, opts);
  }

  /** The tables after line `line` as a source of the model's resolver (src/model/resolve.ts). */
  resolveSource(line: number): ResolveSource & { line: number } {
    return this.resolver.at(line);
  }

  /** The mapping record with this id (creation / removal lines, owner). */
  record(id: number): MapRecord | undefined {
    return this.ctx.timeline.records[id];
  }

  get timeline() {
    return this.ctx.timeline;
  }
}
