// DOM construction for the tree webview. Everything the trace or the extension supplies goes in
// through textContent or attributes, never through HTML parsing: a region named
// "<img onerror=…>" stays a name.
const SVG_NS = 'http://www.w3.org/2000/svg';

export interface ElOptions {
  className?: string;
  text?: string;
  attrs?: Record<string, string | number | boolean | undefined>;
}

function apply(e: Element, o: ElOptions): void {
  if (o.className) e.setAttribute('class', o.className);
  if (o.text !== undefined) e.textContent = o.text;
  for (const [k, v] of Object.entries(o.attrs ?? {})) if (v !== undefined && v !== false) e.setAttribute(k, v === true ? '' : String(v));
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, o: ElOptions = {}, ...children: (Node | undefined)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  apply(e, o);
  for (const c of children) if (c) e.appendChild(c);
  return e;
}

export function svgEl<K extends keyof SVGElementTagNameMap>(tag: K, o: ElOptions = {}, ...children: (Node | undefined)[]): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG_NS, tag);
  apply(e, o);
  for (const c of children) if (c) e.appendChild(c);
  return e;
}

export function clear(e: Element): void {
  while (e.firstChild) e.removeChild(e.firstChild);
}

export function byId<T extends HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`the page has no element #${id}`);
  return e as T;
}
