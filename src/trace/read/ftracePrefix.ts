// The prefix ftrace puts before a trace_marker write, read by hand in time linear in the line:
//   <comm>-<tid> [(<tgid>)] [<cpu>] [<flags>] <sec>.<usec>: [print: ]tracing_mark_write: <event…>
// <comm> may hold spaces and dashes ("CPU 0/KVM-4250"), so the first "[cpu]" that has
// "-tid" (and an optional "(tgid)") right before it ends the comm. A regular expression for this
// (lazy comm, optional groups) backtracks quadratically on long runs of spaces.

export interface FtracePrefix {
  comm: string;
  pid: number;
  cpu: number;
  time: number;
  /** where the event name starts (after "tracing_mark_write: " and one optional space) */
  end: number;
}

const MARK = 'tracing_mark_write';
const isWs = (c: number): boolean => c === 32 || c === 9 || c === 11 || c === 12 || c === 13;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;

export function parseFtracePrefix(line: string): FtracePrefix | undefined {
  const lastMark = line.lastIndexOf(MARK);
  if (lastMark < 0) return undefined;
  let start = 0;
  while (start < line.length && isWs(line.charCodeAt(start))) start++;
  for (let b = line.indexOf('[', start); b >= 0 && b < lastMark; b = line.indexOf('[', b + 1)) {
    const head = beforeCpu(line, start, b);
    if (head === undefined) continue;
    const tail = afterCpu(line, b);
    if (tail === undefined) continue;
    return { comm: line.slice(start, head.dash).trim(), pid: head.pid, cpu: tail.cpu, time: tail.time, end: tail.end };
  }
  return undefined;
}

/** "comm-TID  [(TGID)  ]" ending right before the "[" at b, read backwards. */
function beforeCpu(s: string, start: number, b: number): { dash: number; pid: number } | undefined {
  let j = b - 1;
  if (j < start || !isWs(s.charCodeAt(j))) return undefined;
  while (j >= start && isWs(s.charCodeAt(j))) j--;
  if (j >= start && s.charCodeAt(j) === 41 /* ) */) {
    let k = j - 1;
    const digitsEnd = k;
    while (k >= start && (isDigit(s.charCodeAt(k)) || s.charCodeAt(k) === 45)) k--;
    if (k === digitsEnd) return undefined;
    while (k >= start && isWs(s.charCodeAt(k))) k--;
    if (k < start || s.charCodeAt(k) !== 40 /* ( */) return undefined;
    j = k - 1;
    if (j < start || !isWs(s.charCodeAt(j))) return undefined;
    while (j >= start && isWs(s.charCodeAt(j))) j--;
  }
  const pidEnd = j + 1;
  while (j >= start && isDigit(s.charCodeAt(j))) j--;
  if (j + 1 === pidEnd || j <= start || s.charCodeAt(j) !== 45 /* - */) return undefined;
  return { dash: j, pid: Number(s.slice(j + 1, pidEnd)) };
}

/** "[CPU] [FLAGS ]SEC.USEC: [print: ]tracing_mark_write: " from the "[" at b. */
function afterCpu(s: string, b: number): { cpu: number; time: number; end: number } | undefined {
  let p = b + 1;
  const cpuStart = p;
  while (isDigit(s.charCodeAt(p))) p++;
  if (p === cpuStart || s.charCodeAt(p) !== 93 /* ] */) return undefined;
  const cpu = Number(s.slice(cpuStart, p));
  p++;
  const q = skipWs(s, p);
  if (q === p) return undefined;
  // with a flags column first, then without
  let tokEnd = q;
  while (tokEnd < s.length && !isWs(s.charCodeAt(tokEnd))) tokEnd++;
  const afterFlags = skipWs(s, tokEnd);
  const stamp = (afterFlags > tokEnd ? timestamp(s, afterFlags) : undefined) ?? timestamp(s, q);
  if (stamp === undefined) return undefined;
  return { cpu, time: stamp.time, end: stamp.end };
}

function skipWs(s: string, p: number): number {
  while (p < s.length && isWs(s.charCodeAt(p))) p++;
  return p;
}

/** "SEC.USEC:" + spaces + optional "print:" + spaces + the marker; its end after one optional space. */
function timestamp(s: string, p: number): { time: number; end: number } | undefined {
  const t0 = p;
  while (isDigit(s.charCodeAt(p))) p++;
  if (p === t0 || s.charCodeAt(p) !== 46 /* . */) return undefined;
  const f0 = ++p;
  while (isDigit(s.charCodeAt(p))) p++;
  if (p === f0 || s.charCodeAt(p) !== 58 /* : */) return undefined;
  const time = Number(s.slice(t0, p));
  let q = skipWs(s, p + 1);
  if (q === p + 1) return undefined;
  if (s.startsWith('print:', q)) {
    const r = skipWs(s, q + 6);
    if (r === q + 6) return undefined;
    q = r;
  }
  if (s.startsWith(MARK + ':', q)) q += MARK.length + 1;
  else if (s.startsWith('(' + MARK + ')', q)) q += MARK.length + 2;
  else return undefined;
  if (q < s.length && isWs(s.charCodeAt(q))) q++;
  return { time, end: q };
}
