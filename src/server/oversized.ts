// What the language server learns from the two ends of a message too big to read: its method,
// its id (a request), and for a document sync the URI and version. The ends are raw JSON text;
// a key with quotes around it can only be a real key there (inside a JSON string every quote is
// escaped), so a document that contains `"uri":"…"` cannot pose as another document.
import type { OversizedBody } from './messageFramer.js';

export interface OversizedInfo {
  bytes: number;
  method?: string;
  /** a request's id, as JSON-RPC allows (number or string) */
  id?: number | string;
  uri?: string;
  version?: number;
}

const STRING = String.raw`"((?:[^"\\\n]|\\.){0,8192})"`;
const METHOD = new RegExp(String.raw`"method"\s*:\s*${STRING}`);
const URI = new RegExp(String.raw`"uri"\s*:\s*${STRING}`);
const VERSION = /"version"\s*:\s*(-?\d{1,15})\b/;
const ID = new RegExp(String.raw`"id"\s*:\s*(?:(\d{1,15})\b|${STRING})`);

const unquote = (s: string): string | undefined => {
  try {
    return JSON.parse(`"${s}"`) as string;
  } catch {
    return undefined;
  }
};

function find(texts: string[], re: RegExp): RegExpExecArray | undefined {
  for (const t of texts) {
    const m = re.exec(t);
    if (m) return m;
  }
  return undefined;
}

export function oversizedInfo(body: OversizedBody): OversizedInfo {
  const texts = [body.head.toString('utf8'), body.tail.toString('utf8')];
  const info: OversizedInfo = { bytes: body.bytes };
  const method = find(texts, METHOD);
  if (method) info.method = unquote(method[1]);
  const id = find(texts, ID);
  if (id) info.id = id[1] !== undefined ? Number(id[1]) : unquote(id[2]);
  // the URI and the version sit together in params.textDocument: take both from the same end
  for (const t of texts) {
    const uri = URI.exec(t);
    if (!uri) continue;
    info.uri = unquote(uri[1]);
    const v = VERSION.exec(t);
    if (v) info.version = Number(v[1]);
    break;
  }
  return info;
}
