// The attach and launch arguments of the `iova-lens` debug type, declared once. The JSON schema
// that package.json contributes is generated from the tables below, and the tables are typed
// against the interfaces so that adding a field to one without the other does not compile.
// test/debug/args.test.ts fails when package.json no longer matches what this file generates.

import { DEFAULT_TIMEOUT_MS } from '../qemu/timeouts.js';
import { QEMU_LAYOUTS, type QemuLayout } from '../model/qemuLayout.js';

export const DEBUG_TYPE = 'iova-lens';
/** Faster refreshes would keep QMP busy with snapshots (a 7.2 snapshot takes tens of ms). */
export const MIN_REFRESH_MS = 500;

export interface AttachArgs {
  /** QMP endpoint as given to QEMU's -qmp: `unix:PATH` or `tcp:HOST:PORT`. */
  qmp: string;
  /** gdbstub endpoint `HOST:PORT` (or `tcp:HOST:PORT`); without it guest memory cannot be read. */
  gdb?: string;
  /** QEMU trace log whose IOTLB / IOVA-tree state is shown next to the live view. */
  trace?: string;
  /** trace-events files that define the trace's event formats. */
  traceEvents?: string[];
  /** VhostIOVATree layout of the attached trace's QEMU (SVQ allocator prediction); auto by default. */
  qemuLayout?: QemuLayout;
  /** Allow writeMemory requests (off by default: a wrong write corrupts the guest). */
  allowMemoryWrite?: boolean;
  /** While the VM runs, refresh the translation view every this many ms (0: off; at least 500). */
  refreshIntervalMs?: number;
  /** How long to wait for QMP or the gdbstub before reporting it dead (ms, default 2000). */
  timeoutMs?: number;
  /** Read QEMU's own state from this process at every stop ("QEMU internals" scope). */
  qemuPid?: number;
  /** Show the "QEMU internals" scope; without qemuPid, QEMU's PID is found from the QMP socket. */
  qemuInternals?: boolean;
}

export interface LaunchArgs {
  /** QEMU executable. */
  qemu: string;
  /** QEMU's arguments, one element each; QMP and gdbstub options are appended. */
  args: string[];
  cwd?: string;
  env?: Record<string, string>;
  trace?: string;
  traceEvents?: string[];
  qemuLayout?: QemuLayout;
  allowMemoryWrite?: boolean;
  refreshIntervalMs?: number;
  timeoutMs?: number;
  /** Start QEMU under IOVA Lens's headless gdb and show the "QEMU internals" scope. */
  qemuInternals?: boolean;
}

type PropSchema =
  | { type: 'string'; description: string; default?: string; pattern?: string; enum?: readonly string[] }
  | { type: 'boolean'; description: string; default?: boolean }
  | { type: 'number'; description: string; default?: number; minimum?: number }
  | { type: 'array'; description: string; items: { type: 'string' }; default?: string[] }
  | { type: 'object'; description: string; additionalProperties: { type: 'string' }; default?: Record<string, string> };

// Which schema a TypeScript field type must have: the mapped tables below fail to compile when
// a field's schema does not match its type.
type SchemaOf<T> = T extends string
  ? Extract<PropSchema, { type: 'string' }>
  : T extends boolean
    ? Extract<PropSchema, { type: 'boolean' }>
    : T extends number
      ? Extract<PropSchema, { type: 'number' }>
      : T extends string[]
        ? Extract<PropSchema, { type: 'array' }>
        : T extends Record<string, string>
          ? Extract<PropSchema, { type: 'object' }>
          : never;

type Table<T> = { [K in keyof T]-?: SchemaOf<NonNullable<T[K]>> };
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];
// Both directions: every required field is listed and nothing optional is.
type SameKeys<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

const common = {
  trace: { type: 'string', description: 'QEMU trace log (simple or log backend text) to attach: its IOTLB and IOVA-tree state appear as variables.' },
  traceEvents: { type: 'array', items: { type: 'string' }, description: 'trace-events files describing the events of the trace.' },
  qemuLayout: {
    type: 'string',
    enum: QEMU_LAYOUTS,
    default: 'auto',
    description: 'VhostIOVATree layout of the QEMU that wrote the attached trace: legacy (7.0-9.2), current (10.0+) or auto (decide from the trace). Same values as the iovaLens.qemuLayout setting and --qemu-layout.',
  },
  allowMemoryWrite: { type: 'boolean', default: false, description: 'Allow writing guest memory from the memory view. Off by default.' },
  refreshIntervalMs: {
    type: 'number',
    default: 0,
    minimum: 0,
    description: `While the VM runs, refresh the translation view from QMP every this many milliseconds (0: off; otherwise at least ${MIN_REFRESH_MS}). Guest memory is not read while running.`,
  },
  timeoutMs: {
    type: 'number',
    default: DEFAULT_TIMEOUT_MS,
    minimum: 1,
    description: `How long to wait for an answer from QMP or the gdbstub before reporting the peer dead, in milliseconds (default ${DEFAULT_TIMEOUT_MS}).`,
  },
} as const satisfies Partial<Table<AttachArgs>>;

export const ATTACH_ATTRIBUTES: Table<AttachArgs> = {
  qmp: { type: 'string', description: 'QMP socket of the running QEMU: unix:PATH or tcp:HOST:PORT (as given to -qmp).', pattern: '^(unix:.+|tcp:.+:\\d+)$' },
  gdb: { type: 'string', description: 'gdbstub of the running QEMU: HOST:PORT or tcp:HOST:PORT (as given to -gdb). Needed to read guest memory and registers.' },
  ...common,
  qemuPid: {
    type: 'number',
    minimum: 1,
    description: 'Process id of the QEMU to read its own state from (RAM blocks, FlatViews, vhost IOVA trees, VT-d IOTLB) at every stop, through a headless gdb: the "QEMU internals" scope. Needs a QEMU with debug information and permission to ptrace it.',
  },
  qemuInternals: {
    type: 'boolean',
    default: false,
    description: 'Show the "QEMU internals" scope; without qemuPid the process is the one holding the QMP socket.',
  },
};
export const ATTACH_REQUIRED = ['qmp'] as const;

export const LAUNCH_ATTRIBUTES: Table<LaunchArgs> = {
  qemu: { type: 'string', description: 'QEMU executable to start, e.g. qemu-system-x86_64.' },
  args: { type: 'array', items: { type: 'string' }, description: 'QEMU arguments, one per element (no shell). QMP and gdbstub options on private endpoints are appended.' },
  cwd: { type: 'string', description: 'Working directory of QEMU.' },
  env: { type: 'object', additionalProperties: { type: 'string' }, description: 'Extra environment variables for QEMU.' },
  ...common,
  qemuInternals: {
    type: 'boolean',
    default: false,
    description: 'Start QEMU under a headless gdb run by IOVA Lens (so it may always be read, whatever kernel.yama.ptrace_scope says) and show the "QEMU internals" scope at every stop. Needs gdb and a QEMU with debug information.',
  },
};
export const LAUNCH_REQUIRED = ['qemu', 'args'] as const;

// Compile-time checks that the required lists above say what the interfaces say.
const attachRequiredOk: SameKeys<RequiredKeys<AttachArgs>, (typeof ATTACH_REQUIRED)[number]> = true;
const launchRequiredOk: SameKeys<RequiredKeys<LaunchArgs>, (typeof LAUNCH_REQUIRED)[number]> = true;
void attachRequiredOk;
void launchRequiredOk;

const ATTACH_EXAMPLE = { type: DEBUG_TYPE, request: 'attach', name: 'Attach to QEMU', qmp: 'unix:${workspaceFolder}/qmp.sock', gdb: '127.0.0.1:1234' };
const LAUNCH_EXAMPLE = {
  type: DEBUG_TYPE,
  request: 'launch',
  name: 'Launch QEMU',
  qemu: 'qemu-system-x86_64',
  args: ['-machine', 'q35,kernel-irqchip=split', '-device', 'intel-iommu,intremap=on,device-iotlb=on', '-m', '1G', '-nographic'],
};

/** The `contributes.debuggers` entry of package.json, as generated from the tables above. */
export function debuggerContribution(): Record<string, unknown>[] {
  return [
    {
      type: DEBUG_TYPE,
      label: 'IOVA Lens (QEMU)',
      configurationAttributes: {
        attach: { required: [...ATTACH_REQUIRED], properties: ATTACH_ATTRIBUTES },
        launch: { required: [...LAUNCH_REQUIRED], properties: LAUNCH_ATTRIBUTES },
      },
      initialConfigurations: [ATTACH_EXAMPLE],
      configurationSnippets: [
        { label: 'IOVA Lens: Attach to QEMU', description: 'Attach to a running QEMU through its QMP socket and gdbstub.', body: ATTACH_EXAMPLE },
        { label: 'IOVA Lens: Launch QEMU', description: 'Start QEMU with private QMP and gdbstub endpoints.', body: LAUNCH_EXAMPLE },
      ],
    },
  ];
}

export const DEBUG_ACTIVATION_EVENT = `onDebugResolve:${DEBUG_TYPE}`;

export class DebugArgsError extends Error {
  constructor(request: string, field: string, reason: string) {
    super(`${request} configuration: "${field}" ${reason}`);
    this.name = 'DebugArgsError';
  }
}

/** Check a configuration at run time against the same tables (VS Code only warns about schema errors). */
export function checkArgs(request: 'attach', raw: unknown): AttachArgs;
export function checkArgs(request: 'launch', raw: unknown): LaunchArgs;
export function checkArgs(request: 'attach' | 'launch', raw: unknown): AttachArgs | LaunchArgs {
  const table: Record<string, PropSchema> = request === 'attach' ? ATTACH_ATTRIBUTES : LAUNCH_ATTRIBUTES;
  const required: readonly string[] = request === 'attach' ? ATTACH_REQUIRED : LAUNCH_REQUIRED;
  if (typeof raw !== 'object' || raw === null) throw new DebugArgsError(request, '(arguments)', 'must be an object');
  const obj = raw as Record<string, unknown>;
  for (const k of required) if (obj[k] === undefined) throw new DebugArgsError(request, k, 'is required');
  for (const [k, schema] of Object.entries(table)) {
    const v = obj[k];
    if (v === undefined) continue;
    const bad = typeMismatch(schema, v);
    if (bad) throw new DebugArgsError(request, k, bad);
  }
  const pid = obj.qemuPid;
  if (typeof pid === 'number' && !Number.isSafeInteger(pid)) throw new DebugArgsError(request, 'qemuPid', `must be a process id (a whole number), got ${pid}`);
  // JSON schema cannot say "0 or at least 500"; the check here does.
  const every = obj.refreshIntervalMs;
  if (typeof every === 'number' && every !== 0 && every < MIN_REFRESH_MS) {
    throw new DebugArgsError(request, 'refreshIntervalMs', `must be 0 (off) or at least ${MIN_REFRESH_MS} ms, got ${every}`);
  }
  return obj as unknown as AttachArgs | LaunchArgs;
}

function typeMismatch(schema: PropSchema, v: unknown): string | undefined {
  switch (schema.type) {
    case 'string':
      if (typeof v !== 'string') return `must be a string, got ${JSON.stringify(v)}`;
      if (schema.pattern && !new RegExp(schema.pattern).test(v)) return `${JSON.stringify(v)} does not match ${schema.pattern}`;
      if (schema.enum && !schema.enum.includes(v)) return `must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}, got ${JSON.stringify(v)}`;
      return undefined;
    case 'boolean':
      return typeof v === 'boolean' ? undefined : `must be true or false, got ${JSON.stringify(v)}`;
    case 'number':
      if (typeof v !== 'number' || !Number.isFinite(v)) return `must be a number, got ${JSON.stringify(v)}`;
      if (schema.minimum !== undefined && v < schema.minimum) return `must be at least ${schema.minimum}, got ${v}`;
      return undefined;
    case 'array':
      return Array.isArray(v) && v.every((x) => typeof x === 'string') ? undefined : 'must be an array of strings';
    case 'object':
      return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string')
        ? undefined
        : 'must be an object of string values';
  }
}
