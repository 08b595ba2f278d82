// What the webview keeps across reloads (vscode.setState): what the user opened, typed and
// scrolled to. Read back defensively: the stored value may come from an older version.
import { isSpace, type Space } from '../../src/model/space.js';

export type StripScale = 'linear' | 'log';

export interface TreeState {
  expanded: string[];
  filter: string;
  resolve: { addr: string; space: Space | ''; device: string };
  scrollTop: number;
  focusId?: string;
  scale: StripScale;
}

export const emptyState = (): TreeState => ({ expanded: ['memory', 'iova', 'viommu', 'device-iotlb', 'virtqueues'], filter: '', resolve: { addr: '', space: '', device: '' }, scrollTop: 0, scale: 'linear' });

const text = (v: unknown, max = 256): string | undefined => (typeof v === 'string' && v.length <= max ? v : undefined);

export function restoreState(raw: unknown): TreeState {
  const s = emptyState();
  if (typeof raw !== 'object' || raw === null) return s;
  const o = raw as Record<string, unknown>;
  if (Array.isArray(o.expanded)) s.expanded = o.expanded.filter((x): x is string => typeof x === 'string').slice(0, 10000);
  s.filter = text(o.filter) ?? '';
  if (typeof o.resolve === 'object' && o.resolve !== null) {
    const r = o.resolve as Record<string, unknown>;
    s.resolve.addr = text(r.addr, 64) ?? '';
    const sp = text(r.space, 16) ?? '';
    s.resolve.space = isSpace(sp) ? sp : '';
    s.resolve.device = text(r.device, 64) ?? '';
  }
  if (typeof o.scrollTop === 'number' && Number.isFinite(o.scrollTop) && o.scrollTop >= 0) s.scrollTop = o.scrollTop;
  const f = text(o.focusId, 4096);
  if (f !== undefined) s.focusId = f;
  if (o.scale === 'log' || o.scale === 'linear') s.scale = o.scale;
  return s;
}
