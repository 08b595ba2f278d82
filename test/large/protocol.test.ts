// Incoming messages are checked before use: a bad one is answered with an error naming the
// field (and its request id when it has one); the viewer may not open files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseViewerMessage, parseWorkerRequest, parseWorkerResponse, type WorkerResponse } from '../../src/shared/protocol/largeTrace.js';
import { TraceService } from '../../src/large/service.js';
import { samplePath } from './helpers.js';

test('requests with wrong fields are refused with the field and what was sent', () => {
  const cases: [unknown, RegExp][] = [
    [null, /: request: expected an object, got null$/],
    [[1], /request: expected an object, got \[1\]/],
    [{ type: 'lines', from: 1, count: 1 }, /: lines message\.id: expected an integer ≥ 0, got nothing$/],
    [{ type: 'lines', id: 1, from: 0, count: 1 }, /: lines message\.from: expected an integer ≥ 1, got 0$/],
    [{ type: 'lines', id: 1, from: '1', count: 1 }, /from: expected an integer ≥ 1, got "1"/],
    [{ type: 'lines', id: 1, from: 1, count: 100000 }, /lines message\.count: 100000 is over the limit of 5000 lines per request/],
    [{ type: 'linesAt', id: 1, lines: [1, 2.5] }, /linesAt message\.lines\[1\]: expected an integer ≥ 1, got 2\.5/],
    [{ type: 'hover', id: 1, line: 3 }, /: hover message\.column: expected an integer ≥ 0, got nothing$/],
    [{ type: 'filter', id: 1, criteria: 'vtd_' }, /: filter message\.criteria: expected an object, got "vtd_"$/],
    [{ type: 'filter', id: 1, criteria: { famly: 'vtd_' } }, /filter message\.criteria: unknown criterion "famly" \(known: space, start, last, family, device, asid\)/],
    [{ type: 'filter', id: 1, criteria: { asid: '0' } }, /filter message\.criteria\.asid: expected an integer in 0\.\.4294967295, got "0"/],
    [{ type: 'open', id: 1 }, /: open message\.path: expected a string, got nothing$/],
    [{ type: 'open', id: 1, path: '/x', traceEvents: 'a' }, /open message\.traceEvents: expected an array, got "a"/],
    [{ type: 'rm -rf', id: 1 }, /: request\.type: unknown request type "rm -rf"$/],
  ];
  for (const [msg, re] of cases) assert.throws(() => parseWorkerRequest(msg), re, JSON.stringify(msg));
  assert.deepEqual(parseWorkerRequest({ type: 'hover', id: 4, line: 2, column: 0 }), { type: 'hover', id: 4, line: 2, column: 0 });
});

test('the viewer may send its requests and "ready", never open/close/stats', () => {
  assert.deepEqual(parseViewerMessage({ type: 'ready' }), { type: 'ready' });
  assert.equal(parseViewerMessage({ type: 'filter', id: 2, criteria: { family: 'vtd_' } }).type, 'filter');
  for (const type of ['open', 'close', 'stats']) assert.throws(() => parseViewerMessage({ type, id: 1, path: '/etc/passwd' }), new RegExp(`may not send "${type}"`));
});

test('the viewer reports its cursor line; a line that is not a positive integer is refused', () => {
  assert.deepEqual(parseViewerMessage({ type: 'cursor', line: 17 }), { type: 'cursor', line: 17 });
  for (const line of [0, -1, 1.5, '3', undefined]) assert.throws(() => parseViewerMessage({ type: 'cursor', line }), /: cursor message\.line: expected an integer ≥ 1, got /);
});

test('worker answers are checked for a known type and an id', () => {
  assert.throws(() => parseWorkerResponse({ type: 'lines' }), /: lines response\.id: expected an integer ≥ 0, got nothing$/);
  assert.throws(() => parseWorkerResponse({ type: 'surprise', id: 1 }), /: worker response\.type: unknown worker response type "surprise"$/);
  assert.throws(() => parseWorkerResponse({ type: 'error', id: 1 }), /: error response\.message: expected a string, got nothing$/);
});

test('the service answers a bad message with an error carrying its id, and keeps serving', async () => {
  const out: WorkerResponse[] = [];
  const next = () => new Promise<WorkerResponse>((resolve) => {
    const t = setInterval(() => {
      const m = out.shift();
      if (m && m.type !== 'progress') {
        clearInterval(t);
        resolve(m);
      }
    }, 1);
  });
  const s = new TraceService((m) => out.push(m));
  s.handle({ type: 'hover', id: 7, line: 'x', column: 0 });
  assert.deepEqual(await next(), { type: 'error', id: 7, message: 'hover message.line: expected an integer ≥ 1, got "x"' });
  s.handle('garbage');
  assert.deepEqual(await next(), { type: 'error', id: -1, message: 'request: expected an object, got "garbage"' });
  s.handle({ type: 'open', id: 8, path: samplePath('aliased-unmap-svq-legacy.log') });
  assert.equal((await next()).type, 'opened');
  s.handle({ type: 'hover', id: 9, line: 99, column: 0 });
  assert.match(JSON.stringify(await next()), /"id":9,"message":"line 99 is outside/);
  s.handle({ type: 'close', id: 10 });
  assert.deepEqual(await next(), { type: 'done', id: 10 });
});
