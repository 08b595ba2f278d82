// Where an event's format comes from, said for a reader: IOVA Lens's built-in catalog for a
// range of QEMU versions, or the user's trace-events file and line (a link to it).
import { pathToFileURL } from 'node:url';
import { mdText } from './markdownText.js';

function versions(range: string): string {
  if (range === 'all') return 'every QEMU version it covers';
  if (range.startsWith('-')) return `QEMU up to ${range.slice(1)}`;
  if (range.endsWith('+')) return `QEMU ${range.slice(0, -1)} and later`;
  const [a, b] = range.split('-');
  return b ? `QEMU ${a} to ${b}` : `QEMU ${a}`;
}

/** Markdown for EventDef.source ("builtin:qemu-9.0+:vhost-vdpa:12" or "/path/trace-events:42"). */
export function eventSourceMarkdown(source: string): string {
  const builtin = /^builtin:qemu-(.+?):([a-z0-9-]+)(?::\d+)?$/.exec(source);
  if (builtin) return `the built-in catalog of ${mdText(builtin[2])} events for ${mdText(versions(builtin[1]))}`;
  const file = /^(.*?):(\d+)$/.exec(source);
  if (file && file[1].startsWith('/')) {
    const url = `${pathToFileURL(file[1]).href}#L${file[2]}`;
    return `your trace-events file [${mdText(file[1])}, line ${file[2]}](${url})`;
  }
  return mdText(source);
}
