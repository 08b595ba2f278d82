// `info mtree` (tree view): address spaces and the memory-region sections aliases point at.
// Addresses in an address-space section are absolute; inside a `memory-region:` section they are
// as QEMU printed them (relative to that region's own base).
import { QemuParseError } from '../errors.js';
import { matchHead, regionKind, stripSuffixes, type MtreeType, type MtreeKind } from './mtreeLine.js';

export interface MtreeAlias {
  /** The region the alias points into. */
  target: string;
  /** Offset into the target that `start` maps to. */
  offset: bigint;
  /** Inclusive last offset into the target. */
  targetLast: bigint;
}

export interface MtreeNode {
  start: bigint;
  /** Inclusive. */
  last: bigint;
  priority: number;
  type: MtreeType;
  kind: MtreeKind;
  name: string;
  disabled: boolean;
  alias: MtreeAlias | undefined;
  owner: string | undefined;
  children: MtreeNode[];
  /** 1-based line in the answer, for error messages further up. */
  line: number;
}

export interface MtreeSection {
  kind: 'address-space' | 'memory-region';
  /** Several address spaces can share one root: all their names, in QEMU's order. */
  names: string[];
  roots: MtreeNode[];
}

const AS_HDR = /^address-space: (.*)$/;
const MR_HDR = /^memory-region: (.*)$/;
const ALIAS = /^alias (?<name>.+?) @(?<target>.+) (?<toff>[0-9a-f]{16})-(?<tend>[0-9a-f]{16})$/;

export function parseMtreeTree(text: string): MtreeSection[] {
  const sections: MtreeSection[] = [];
  let cur: MtreeSection | undefined;
  let stack: MtreeNode[] = [];
  let lastWasHeader = false;
  text.split(/\r?\n/).forEach((line, i) => {
    const lineNo = i + 1;
    if (line.trim() === '') {
      cur = undefined;
      lastWasHeader = false;
      return;
    }
    const as = AS_HDR.exec(line);
    const mr = MR_HDR.exec(line);
    if (as || mr) {
      const kind = as ? 'address-space' : 'memory-region';
      const name = (as ?? mr)![1];
      if (cur && lastWasHeader && cur.kind === kind) cur.names.push(name);
      else {
        cur = { kind, names: [name], roots: [] };
        sections.push(cur);
      }
      stack = [];
      lastWasHeader = true;
      return;
    }
    lastWasHeader = false;
    if (!cur) throw new QemuParseError('info mtree', lineNo, line, 'region line outside an "address-space:" or "memory-region:" section');
    const head = matchHead(line);
    if (!head || head.indent % 2 !== 0) throw new QemuParseError('info mtree', lineNo, line, 'not a region line "START-END (prio P, TYPE): NAME"');
    const level = head.indent / 2; // the root sits at level 1
    const sfx = stripSuffixes(head.rest);
    const am = ALIAS.exec(sfx.text);
    const name = am?.groups ? am.groups.name : sfx.text;
    const node: MtreeNode = {
      start: head.start,
      last: head.last,
      priority: head.priority,
      type: head.type,
      kind: regionKind(head.type, name),
      name,
      disabled: sfx.disabled,
      alias: am?.groups
        ? { target: am.groups.target, offset: BigInt('0x' + am.groups.toff), targetLast: BigInt('0x' + am.groups.tend) }
        : undefined,
      owner: sfx.owner,
      children: [],
      line: lineNo,
    };
    if (level > stack.length + 1) throw new QemuParseError('info mtree', lineNo, line, `indentation jumps to level ${level} under level ${stack.length}`);
    stack.length = level - 1;
    if (level === 1) cur.roots.push(node);
    else stack[level - 2].children.push(node);
    stack.push(node);
  });
  return sections;
}

/** The section for an address space (first match; device names can repeat). */
export const addressSpaceSection = (sections: MtreeSection[], asName: string): MtreeSection | undefined =>
  sections.find((s) => s.kind === 'address-space' && s.names.includes(asName));

/** The `memory-region:` section QEMU printed for an alias target. */
export const memoryRegionSection = (sections: MtreeSection[], name: string): MtreeSection | undefined =>
  sections.find((s) => s.kind === 'memory-region' && s.names.includes(name));
