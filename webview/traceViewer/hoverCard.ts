// The hover tooltip: the language server's markdown (bold, code, lists, "line N" references)
// turned into DOM nodes. Every piece of text goes in through textContent: a trace that prints
// "<script>" shows it, it never runs it. A backslash-escaped character (server/markdownText.ts)
// is that character.

const INLINE = /\\([!-/:-@[-`{-~])|\*\*((?:\\\*|[^*])+)\*\*|`([^`]+)`|\[([^\]]+)\]\([^)]*\)|\b(line (\d+))\b/g;

function inline(parent: HTMLElement, text: string, onLine: (line: number) => void): void {
  let italic = false;
  if (text.length > 1 && text.startsWith('_') && text.endsWith('_')) {
    italic = true;
    text = text.slice(1, -1);
  }
  const into = italic ? parent.appendChild(document.createElement('em')) : parent;
  let p = 0;
  for (const m of text.matchAll(INLINE)) {
    if (m.index > p) into.appendChild(document.createTextNode(text.slice(p, m.index)));
    if (m[1] !== undefined) into.appendChild(document.createTextNode(m[1]));
    else if (m[2] !== undefined) {
      const b = document.createElement('strong');
      inline(b, m[2], onLine);
      into.appendChild(b);
    } else if (m[3] !== undefined) {
      const c = document.createElement('code');
      c.textContent = m[3];
      into.appendChild(c);
    } else {
      // a markdown link or a bare "line N": both lead to a trace line
      const label = m[4] ?? m[5];
      const n = Number(/line (\d+)/.exec(label)?.[1] ?? NaN);
      if (Number.isInteger(n)) {
        const a = document.createElement('a');
        a.textContent = label;
        a.tabIndex = 0;
        a.dataset.line = String(n);
        a.addEventListener('click', (e) => {
          e.preventDefault();
          onLine(n);
        });
        a.addEventListener('keydown', (e) => {
          if (e.key === 'Enter') onLine(n);
        });
        into.appendChild(a);
      } else into.appendChild(document.createTextNode(label));
    }
    p = m.index + m[0].length;
  }
  if (p < text.length) into.appendChild(document.createTextNode(text.slice(p)));
}

/** Fill `box` with the rendered markdown. */
export function renderMarkdown(box: HTMLElement, markdown: string, onLine: (line: number) => void): void {
  box.replaceChildren();
  let list: HTMLElement | undefined;
  let code: HTMLElement | undefined;
  for (const raw of markdown.split('\n')) {
    if (code) {
      if (raw.startsWith('```')) code = undefined;
      else code.textContent += (code.textContent ? '\n' : '') + raw;
      continue;
    }
    if (raw.startsWith('```')) {
      const pre = box.appendChild(document.createElement('pre'));
      code = pre.appendChild(document.createElement('code'));
      list = undefined;
      continue;
    }
    const ordered = /^\d+\. /.exec(raw);
    const bullet = raw.startsWith('- ');
    if (ordered || bullet) {
      const tag = ordered ? 'OL' : 'UL';
      if (!list || list.tagName !== tag) list = box.appendChild(document.createElement(tag.toLowerCase()));
      const li = list.appendChild(document.createElement('li'));
      inline(li, raw.slice(ordered ? ordered[0].length : 2), onLine);
      continue;
    }
    list = undefined;
    if (raw.trim() === '') continue;
    inline(box.appendChild(document.createElement('p')), raw, onLine);
  }
}
