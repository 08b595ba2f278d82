// Keyboard of the tree, as the WAI-ARIA tree pattern has it: arrows move and open/close,
// Home/End jump, Enter activates. A pure function of the rows so it is tested without a page.
import type { Row } from './treeModel.js';

export type KeyAction =
  | { kind: 'focus'; index: number }
  | { kind: 'toggle'; index: number; open: boolean }
  | { kind: 'activate'; index: number }
  | { kind: 'memory'; index: number };

export function keyAction(key: string, rows: readonly Row[], index: number): KeyAction | undefined {
  const row = rows[index];
  if (!row) return rows.length > 0 ? { kind: 'focus', index: 0 } : undefined;
  switch (key) {
    case 'ArrowDown':
      return index + 1 < rows.length ? { kind: 'focus', index: index + 1 } : undefined;
    case 'ArrowUp':
      return index > 0 ? { kind: 'focus', index: index - 1 } : undefined;
    case 'Home':
      return { kind: 'focus', index: 0 };
    case 'End':
      return { kind: 'focus', index: rows.length - 1 };
    case 'ArrowRight':
      if (row.expandable && !row.expanded) return { kind: 'toggle', index, open: true };
      if (row.expanded && rows[index + 1]?.parentId === row.node.id) return { kind: 'focus', index: index + 1 };
      return undefined;
    case 'ArrowLeft': {
      if (row.expanded) return { kind: 'toggle', index, open: false };
      const parent = row.parentId === undefined ? -1 : rows.findIndex((r) => r.node.id === row.parentId);
      return parent >= 0 ? { kind: 'focus', index: parent } : undefined;
    }
    case 'Enter':
      return { kind: 'activate', index };
    case ' ':
      return row.expandable ? { kind: 'toggle', index, open: !row.expanded } : undefined;
    case 'm':
      return row.node.memoryRef !== undefined ? { kind: 'memory', index } : undefined;
    default:
      return undefined;
  }
}
