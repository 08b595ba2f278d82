// Text from a trace (region and owner names, QEMU's strings, messages that quote them) put into
// hover markdown: every ASCII punctuation character is backslash-escaped (CommonMark renders
// it as itself), so a trace cannot place an image, a link, an autolink or HTML in a hover.

const PUNCTUATION = /[!-/:-@[-`{-~]/g;

/** `s` as literal markdown text, on one line. */
export function mdText(s: string): string {
  return s.replace(PUNCTUATION, (c) => `\\${c}`).replace(/\s*[\r\n]+\s*/g, ' ');
}

/** `s` as an inline code span (a fence longer than any run of backticks inside). */
export function mdCode(s: string): string {
  const flat = s.replace(/\s*[\r\n]+\s*/g, ' ');
  const runs = flat.match(/`+/g) ?? [];
  const fence = '`'.repeat(Math.max(0, ...runs.map((r) => r.length)) + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}
