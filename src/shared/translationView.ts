// The translation tree as the webview shows it, whatever produced it: a trace at a line (the
// language server's state) or a live debug session (the adapter's snapshot). Plain JSON types
// only — they cross the extension ↔ webview and adapter ↔ extension boundaries — so addresses
// are hex strings ("0x1000"); ranges are inclusive like QEMU's DMAMap.
import type { Space } from '../trace/replay/spaces.js';

export type { Space };

/** Where a view came from; the webview titles itself with it. */
export type ViewSource =
  | { kind: 'trace'; uri: string; line: number; lines: number }
  | { kind: 'debug'; sessionId: string; name: string; stoppedAt?: string };

/** A node of the tree: a section, a table, a mapping, a region, a queue, a descriptor… */
export interface ViewNode {
  /** stable across refreshes of the same source (so expansion state survives) */
  id: string;
  label: string;
  /** short text after the label (kind, size, target…) */
  detail?: string;
  /** the whole story when the detail is a summary (e.g. the walk error behind "not mapped yet") */
  tooltip?: string;
  /** the range this node covers, in `space`; inclusive */
  space?: Space;
  start?: string;
  last?: string;
  /** where the range maps to, when it is a mapping */
  target?: { space: Space; start: string };
  owner?: string;
  /** 0 none, 1 read (device reads), 2 write, 3 read-write — model/access.ts Perm */
  perm?: number;
  /** 1-based trace line that created it (trace sources) */
  createdLine?: number;
  /** a space-named memory reference for VS Code's memory view (debug sources): "gpa:0x…" */
  memoryRef?: string;
  children?: ViewNode[];
}

/** One to-scale strip per address space: the mapped ranges and, implicitly, the holes. */
export interface SpaceStrip {
  id: string;
  title: string;
  space: Space;
  /** the range the strip spans (inclusive) */
  start: string;
  last: string;
  segments: { start: string; last: string; label: string; nodeId: string }[];
}

export interface TranslationView {
  source: ViewSource;
  /** top-level sections: Guest memory, IOVA trees (per ASID), vIOMMU, Device IOTLB, Virtqueues */
  sections: ViewNode[];
  strips: SpaceStrip[];
  /** why some section is empty or missing (no gdbstub, no trace events of that kind…) */
  notes: string[];
}

/** One hop of a resolved chain, in the order the translation goes. */
export interface ViewHop {
  space: Space;
  addr: string;
  owner?: string;
  perm?: number;
  createdLine?: number;
  asid?: number;
  device?: string;
  /** the tree node that holds this hop, to highlight */
  nodeId?: string;
}

export interface ViewResolution {
  query: string;
  chains: ViewHop[][];
  error?: string;
  note?: string;
}
