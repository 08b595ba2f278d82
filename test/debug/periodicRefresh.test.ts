// The refresh loop: ticks keep coming while started, a slow tick is never overlapped by the next
// one, and nothing runs after stop(). The clock is node:test's mock timers, so the counts are
// exact whatever the machine's load.
import { test, mock, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { PeriodicRefresh } from '../../src/debug/periodicRefresh.js';

beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
afterEach(() => mock.timers.reset());

/** Lets the promise callbacks a timer started run to the end (setImmediate is not mocked). */
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Moves the clock `ms` forward, then lets what it started finish. */
async function advance(ms: number): Promise<void> {
  mock.timers.tick(ms);
  await settle();
}

/** Ticks that each wait until the test ends them, counting how many ran at once. */
function heldTicks() {
  const seen = { ticks: 0, inFlight: 0, maxInFlight: 0 };
  const pending: ((fail: boolean) => void)[] = [];
  const tick = (): Promise<void> => {
    seen.ticks++;
    seen.maxInFlight = Math.max(seen.maxInFlight, ++seen.inFlight);
    return new Promise<void>((resolve, reject) => {
      pending.push((fail) => {
        seen.inFlight--;
        if (fail) reject(new Error('QMP hiccup'));
        else resolve();
      });
    });
  };
  /** Ends the oldest tick still running. */
  const finish = async (fail = false): Promise<void> => {
    const end = pending.shift();
    assert.ok(end, 'no tick is running');
    end(fail);
    await settle();
  };
  return { seen, tick, finish };
}

test('ticks repeat once per period while started, and stop after stop()', async () => {
  let ticks = 0;
  const r = new PeriodicRefresh(10, async () => {
    ticks++;
  });
  r.start();
  r.start(); // a second start is the same loop, not a second one
  await advance(9);
  assert.equal(ticks, 0, 'the first tick comes one period after start()');
  for (let i = 1; i <= 5; i++) {
    await advance(i === 1 ? 1 : 10);
    assert.equal(ticks, i, `after ${i} periods`);
  }
  r.stop();
  await advance(1000);
  assert.equal(ticks, 5, 'no tick after stop()');
});

test('a slow tick is never overlapped, and a failing tick does not end the loop', async () => {
  const { seen, tick, finish } = heldTicks();
  const r = new PeriodicRefresh(5, tick);
  r.start();
  await advance(5);
  assert.equal(seen.ticks, 1);
  // the tick takes long: many periods pass, no second tick starts beside it
  await advance(500);
  assert.deepEqual([seen.ticks, seen.maxInFlight], [1, 1]);
  // it fails: the loop goes on one period later
  await finish(true);
  await advance(5);
  assert.equal(seen.ticks, 2);
  await finish();
  await advance(5);
  assert.deepEqual([seen.ticks, seen.maxInFlight], [3, 1]);
  r.stop();
});

test('stop() during a tick and start() again: one loop continues once the tick ends', async () => {
  const { seen, tick, finish } = heldTicks();
  const r = new PeriodicRefresh(5, tick);
  r.start();
  await advance(5);
  r.stop();
  r.start();
  await advance(100);
  assert.equal(seen.ticks, 1, 'start() while a tick runs starts no second loop');
  await finish();
  await advance(5);
  assert.deepEqual([seen.ticks, seen.maxInFlight], [2, 1]);
  await finish();
  await advance(5);
  assert.deepEqual([seen.ticks, seen.maxInFlight], [3, 1]);
  r.stop();
  await finish();
  await advance(100);
  assert.equal(seen.ticks, 3, 'no tick after stop()');
});
