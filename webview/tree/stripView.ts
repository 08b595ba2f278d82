// The to-scale picture of each address space: mapped ranges as rects, holes as hatched paths,
// drawn as inline SVG built node by node. The scale in use is written under the strips.
import type { SpaceStrip } from '../../src/shared/translationView.js';
import { sizeText } from '../../src/shared/viewFromTrace.js';
import { hex } from '../../src/model/u64.js';
import { clear, el, svgEl } from './dom.js';
import type { StripScale } from './state.js';
import { layoutStrip, MIN_SEGMENT_UNITS, STRIP_UNITS } from './stripLayout.js';

const HEIGHT = 24;

export const SCALE_LEGEND: Record<StripScale, string> = {
  linear: 'Linear scale: widths are proportional to size over the whole strip; a mapping too small to see is drawn 3 pixels wide so it stays visible (zoom in for its true width).',
  log: 'Log scale: mappings and holes sit side by side, each as wide as log2 of its size (not to scale; sizes in the tooltips).',
};

/** the narrowest a mapping is drawn on screen, whatever the zoom: a 4 KiB page in 4 GiB stays visible */
const MIN_SEGMENT_PX = 3;

/** `zoom`: the strips are that many times as wide as the view (scrolled sideways). */
export function renderStrips(container: HTMLElement, strips: SpaceStrip[], scale: StripScale, chain: ReadonlyMap<string, number[]>, pick: (nodeId: string) => void, zoom = 1): void {
  clear(container);
  const px = Math.max(1, container.clientWidth) * zoom;
  const minUnits = Math.max(MIN_SEGMENT_UNITS / zoom, (MIN_SEGMENT_PX * STRIP_UNITS) / px);
  strips.forEach((strip, i) => container.appendChild(stripFigure(strip, i, scale, chain, pick, minUnits, zoom)));
}

function stripFigure(strip: SpaceStrip, index: number, scale: StripScale, chain: ReadonlyMap<string, number[]>, pick: (nodeId: string) => void, minUnits: number, zoom: number): HTMLElement {
  const pieces = layoutStrip(strip, scale, minUnits);
  const holes = pieces.filter((p) => p.kind === 'hole').length;
  const hatch = `hole-hatch-${index}`;
  const svg = svgEl('svg', {
    className: 'strip',
    attrs: { viewBox: `0 0 ${STRIP_UNITS} ${HEIGHT}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': `${strip.title}: ${strip.segments.length} mapped ranges, ${holes} holes`, 'data-strip-id': strip.id },
  });
  const pattern = svgEl('pattern', { attrs: { id: hatch, width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' } }, svgEl('line', { className: 'hatch-line', attrs: { x1: 0, y1: 0, x2: 0, y2: 6 } }));
  svg.appendChild(svgEl('defs', {}, pattern));
  // holes underneath, then mappings widest first: a page widened to stay visible is drawn over
  // its wide neighbour and can still be pointed at
  const order = [...pieces].sort((a, b) => (a.kind === b.kind ? b.width - a.width : a.kind === 'hole' ? -1 : 1));
  for (const p of order) {
    const size = sizeText(p.last - p.start + 1n);
    if (p.kind === 'hole') {
      const path = svgEl('path', { className: 'hole', attrs: { d: `M${p.x} 0h${p.width}v${HEIGHT}h${-p.width}z`, fill: `url(#${hatch})` } });
      path.appendChild(svgEl('title', { text: `hole [${hex(p.start)}, ${hex(p.last)}] · ${size} unmapped` }));
      svg.appendChild(path);
      continue;
    }
    const rect = svgEl('rect', {
      className: chain.has(p.nodeId ?? '') ? 'seg on-chain' : 'seg',
      attrs: { x: p.x, y: 2, width: p.width, height: HEIGHT - 4, 'data-node-id': p.nodeId },
    });
    rect.appendChild(svgEl('title', { text: `${p.label ?? ''} · ${size}` }));
    if (p.nodeId !== undefined) {
      const id = p.nodeId;
      rect.addEventListener('click', () => pick(id));
    }
    svg.appendChild(rect);
  }
  svg.style.width = `${zoom * 100}%`;
  const axis = el('div', { className: 'strip-axis', attrs: { 'aria-hidden': 'true' } }, el('span', { text: strip.start }), el('span', { text: strip.last }));
  axis.style.width = `${zoom * 100}%`;
  return el('figure', { className: 'strip-figure' }, el('figcaption', { text: strip.title }), el('div', { className: 'strip-zoom' }, svg, axis));
}
