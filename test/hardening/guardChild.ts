// Child of processGuard.test.ts: an IOVA Lens debug session in this process, as inline in the
// extension host, then an exception thrown from a timer callback and a promise rejected with no
// handler. Prints every DAP message the session sends, one JSON per line; once both faults are
// reported it sends initialize and exits 0 on the answer: reaching that exit is what the test checks.
import { PassThrough } from 'node:stream';
import { IovaLensSession } from '../../src/debug/session.js';

const toAdapter = new PassThrough();
const fromAdapter = new PassThrough();
const session = new IovaLensSession();
session.start(toAdapter, fromAdapter);

let buf = Buffer.alloc(0);
let reports = 0;
fromAdapter.on('data', (d: Buffer) => {
  buf = Buffer.concat([buf, d]);
  for (;;) {
    const head = buf.indexOf('\r\n\r\n');
    if (head < 0) return;
    const len = Number(/Content-Length: (\d+)/.exec(buf.subarray(0, head).toString())?.[1]);
    if (buf.length < head + 4 + len) return;
    const text = buf.subarray(head + 4, head + 4 + len).toString();
    buf = buf.subarray(head + 4 + len);
    process.stdout.write(text + '\n');
    const m = JSON.parse(text) as { event?: string; command?: string };
    // both faults reported: the session must still answer; its answer ends the run
    if (m.event === 'output' && ++reports === 2) send('initialize', { adapterID: 'iova-lens', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    if (m.command === 'initialize') process.exit(0);
  }
});

let seq = 1;
const send = (command: string, args: object): void => {
  const body = JSON.stringify({ seq: seq++, type: 'request', command, arguments: args });
  toAdapter.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
};

setTimeout(() => {
  throw new Error('escaped from a timer callback');
}, 0);
void Promise.reject(new Error('rejected with nobody listening'));
