// Highlighting for the trace viewer: the rules of syntaxes/qemu-trace.tmLanguage.json (the same
// scopes, the same precedence: at each position the leftmost match wins, ties go to the rule
// listed first), applied to one line at a time so any line of a huge file is coloured alone.

export interface Token {
  /** 0-based, end exclusive (UTF-16 offsets, as the hover columns) */
  start: number;
  end: number;
  /** the TextMate scope the grammar gives this text */
  scope: string;
  /** short class for styling: event, event-vtd, key, hex, pointer, number, … */
  kind: string;
}

const S = '.qemu-trace';
const ERROR_LINE = /^(?:qemu-system-[\w-]+|qemu-[\w-]+|qemu): .*$/;
const FTRACE = /^\s*(\S+)-(\d+)\s+\[(\d+)\]\s+(?:\S+\s+)?(\d+\.\d+):\s+(?:print:\s+)?(tracing_mark_write:)\s?/d;
const PREFIX = /^(?:(\d+)(@)(\d+\.\d+)(:)|(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d))(?: \((\d+)\))? )?(?=[a-z][a-z0-9]*_[a-z0-9_]+(?: |$))/d;
const EVENT =
  /^(?:(vhost_vdpa_[a-z0-9_]+)|(vhost_user_[a-z0-9_]+)|(vhost_[a-z0-9_]+)|(vtd_[a-z0-9_]+)|(virtio_iommu_[a-z0-9_]+)|(vfio_[a-z0-9_]+)|(virtio_[a-z0-9_]+|virtqueue_[a-z0-9_]+)|(memory_region_[a-z0-9_]+)|([a-z][a-z0-9]*_[a-z0-9_]+))\b/d;
const EVENT_SCOPES = [
  'entity.name.function.event.vhost-vdpa',
  'entity.name.function.event.vhost-user',
  'entity.name.function.event.vhost',
  'entity.name.function.event.vtd',
  'entity.name.function.event.virtio-iommu',
  'entity.name.function.event.vfio',
  'support.function.event.virtio',
  'support.function.event.memory',
  'support.function.event.other',
];
const PREFIX_SCOPES = ['constant.numeric.pid', 'punctuation.separator.prefix', 'constant.numeric.timestamp', 'punctuation.separator.prefix', 'constant.numeric.timestamp.iso', 'constant.numeric.pid'];
const FTRACE_SCOPES = ['entity.name.tag.task', 'constant.numeric.pid', 'constant.numeric.cpu', 'constant.numeric.timestamp', 'comment.other.ftrace'];

interface BodyRule {
  re: RegExp;
  /** scope of the whole match, or of each capture group */
  scope?: string;
  captures?: string[];
}
const KV = ['variable.other.key', 'punctuation.separator.key-value'];
/** an address after one of these keys, in the scope of its space (the grammar's #addresses) */
const keyed = (keys: string, scope: string): BodyRule => ({ re: new RegExp(`\\b(${keys})(?:(:|=)| )\\s*(0x[0-9a-fA-F]+)\\b`, 'dg'), captures: [...KV, scope] });
const GPA = 'constant.numeric.hex.address.gpa';
const HVA = 'variable.other.constant.address.hva';
const IOVA = 'entity.name.type.address.iova';
const GIOVA = 'keyword.control.address.giova';
const ADDRESSES: BodyRule[] = [keyed('gpa|guest_phys_addr|phys_start', GPA), keyed('uaddr|vaddr|host|userspace_addr|hva', HVA), keyed('iova', IOVA), keyed('virt_start|virt_end', GIOVA)];
/** listener region events: iova/llend are GPAs (#region-addresses) */
const REGION_EVENT = /^(?:vhost_vdpa_listener_region_(?:add|del)|vfio_listener_region_[a-z0-9_]+)$/;
const REGION: BodyRule[] = [keyed('iova|llend|iova_start|iova_end|start|end', GPA)];
/** vIOMMU events: iova/addr are guest IOVAs (#viommu-addresses) */
const VIOMMU_EVENT = /^(?:vtd_[a-z0-9_]+|virtio_iommu_[a-z0-9_]+)$/;
const VIOMMU: BodyRule[] = [keyed('iova|addr|virt_start|virt_end', GIOVA)];
const BODY: BodyRule[] = [
  { re: /\b(read-only|readonly|started|write|is_write|vrings|enabled|changed)(:|=| )\s*([01])\b/dg, captures: [...KV, 'constant.language.boolean'] },
  { re: /(iommu enabled)(=)([01])/dg, captures: [...KV, 'constant.language.boolean'] },
  { re: /\b([a-zA-Z_][\w-]*)(:|=)(?=\s*\S)/dg, captures: KV },
  { re: /\(nil\)/dg, scope: 'constant.language.null' },
  { re: /\b[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-9a-fA-F]{1,2}\b/dg, scope: 'constant.other.pci-address' },
  { re: /\b0x(?:7f|55|56)[0-9a-f]{10}\b/dg, scope: 'constant.numeric.hex.pointer' },
  { re: /\b0x[0-9a-fA-F]+\b/dg, scope: 'constant.numeric.hex.address' },
  { re: /(?<![\w.])-?\d+(?![\w.])/dg, scope: 'constant.numeric.decimal' },
  { re: /->/dg, scope: 'keyword.operator.translation' },
  { re: /'[^']*'/dg, scope: 'string.quoted.single' },
];

/** The styling class of a scope (without the ".qemu-trace" suffix). */
export function kindOf(scope: string): string {
  if (scope.startsWith('invalid')) return 'error';
  if (scope.includes('.event.vtd') || scope.includes('.event.virtio-iommu') || scope.includes('.event.vfio')) return scope.includes('virtio-iommu') ? 'event-viommu' : 'event-vtd';
  if (scope.startsWith('support.function.event.virtio')) return 'event-virtio';
  if (scope.includes('.event.')) return 'event';
  if (scope.includes('pid') || scope.includes('timestamp') || scope.includes('cpu') || scope.startsWith('punctuation.separator.prefix') || scope.startsWith('comment') || scope.startsWith('entity.name.tag')) return 'prefix';
  if (scope.includes('.address.')) return `addr-${scope.split('.address.')[1]!.split('.')[0]}`;
  if (scope.startsWith('variable.other.key') || scope.startsWith('punctuation.separator.key-value')) return 'key';
  if (scope.startsWith('constant.language.boolean')) return 'bool';
  if (scope.startsWith('constant.language.null')) return 'number';
  if (scope.startsWith('constant.other.pci')) return 'pci';
  if (scope.startsWith('constant.numeric.hex.pointer')) return 'pointer';
  if (scope.startsWith('constant.numeric.hex')) return 'hex';
  if (scope.startsWith('constant.numeric')) return 'number';
  if (scope.startsWith('string')) return 'string';
  return 'op';
}

function push(out: Token[], start: number, end: number, scope: string): void {
  if (end > start) out.push({ start, end, scope: scope + S, kind: kindOf(scope) });
}

function groups(out: Token[], m: RegExpExecArray, scopes: readonly (string | undefined)[], base: number): void {
  scopes.forEach((scope, i) => {
    const r = m.indices?.[i + 1];
    if (r && scope) push(out, base + r[0], base + r[1], scope);
  });
}

const REGION_BODY = [...REGION, ...ADDRESSES, ...BODY];
const VIOMMU_BODY = [...VIOMMU, ...ADDRESSES, ...BODY];
const EVENT_BODY = [...ADDRESSES, ...BODY];

/** Body rules from `from` to the end of the line. */
function body(line: string, from: number, out: Token[], rules: readonly BodyRule[]): void {
  let p = from;
  while (p < line.length) {
    let best: { m: RegExpExecArray; rule: BodyRule } | undefined;
    for (const rule of rules) {
      rule.re.lastIndex = p;
      const m = rule.re.exec(line);
      if (m && (!best || m.index < best.m.index)) best = { m, rule };
    }
    if (!best) return;
    const { m, rule } = best;
    if (rule.scope) push(out, m.index, m.index + m[0].length, rule.scope);
    else groups(out, m, rule.captures ?? [], 0);
    p = m[0].length > 0 ? m.index + m[0].length : m.index + 1;
  }
}

/** An event name at `from` and its body. */
function event(line: string, from: number, out: Token[]): void {
  const m = EVENT.exec(line.slice(from));
  if (!m) return;
  groups(out, m, EVENT_SCOPES, from);
  const name = m[0];
  body(line, from + m[0].length, out, REGION_EVENT.test(name) ? REGION_BODY : VIOMMU_EVENT.test(name) ? VIOMMU_BODY : EVENT_BODY);
}

/** Tokens of one line, in order, not overlapping; text between tokens is plain. */
export function tokenizeLine(line: string): Token[] {
  const out: Token[] = [];
  if (ERROR_LINE.test(line)) {
    push(out, 0, line.length, 'invalid.illegal.error');
    return out;
  }
  const f = FTRACE.exec(line);
  if (f) {
    groups(out, f, FTRACE_SCOPES, 0);
    event(line, f[0].length, out);
    return out;
  }
  const p = PREFIX.exec(line);
  if (p) {
    groups(out, p, PREFIX_SCOPES, 0);
    event(line, p[0].length, out);
  }
  return out;
}

/** Tokens a user can hover or follow: the addresses and pointers. */
export const isAddressToken = (t: Token): boolean => t.kind === 'hex' || t.kind === 'pointer' || t.kind.startsWith('addr-');
