// The refresh loop: ticks keep coming while started, a slow tick is never overlapped by the next
// one, and nothing runs after stop().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { PeriodicRefresh } from '../../src/debug/periodicRefresh.js';

test('ticks repeat while started and stop after stop()', async () => {
  let ticks = 0;
  const r = new PeriodicRefresh(10, async () => {
    ticks++;
  });
  r.start();
  r.start(); // a second start is the same loop, not a second one
  await sleep(120);
  r.stop();
  const atStop = ticks;
  assert.ok(atStop >= 3 && atStop <= 12, `${atStop} ticks in 120 ms at 10 ms`);
  await sleep(60);
  assert.equal(ticks, atStop, 'no tick after stop()');
});

/** A tick that takes `ms`, counting ticks and how many ran at once; `fail(n)` makes tick n throw. */
function slowTicks(ms: number, fail: (n: number) => boolean = () => false) {
  const seen = { ticks: 0, inFlight: 0, maxInFlight: 0 };
  const tick = async (): Promise<void> => {
    const n = ++seen.ticks;
    seen.maxInFlight = Math.max(seen.maxInFlight, ++seen.inFlight);
    await sleep(ms);
    seen.inFlight--;
    if (fail(n)) throw new Error('QMP hiccup');
  };
  return { seen, tick };
}

test('a slow tick is never overlapped, and a failing tick does not end the loop', async () => {
  const { seen, tick } = slowTicks(30, (n) => n === 1);
  const r = new PeriodicRefresh(5, tick);
  r.start();
  await sleep(200);
  r.stop();
  assert.equal(seen.maxInFlight, 1);
  assert.ok(seen.ticks >= 3, `${seen.ticks} ticks`);
});

test('stop() during a tick and start() again: one loop continues', async () => {
  const { seen, tick } = slowTicks(20);
  const r = new PeriodicRefresh(5, tick);
  r.start();
  await sleep(12);
  r.stop();
  r.start();
  await sleep(150);
  r.stop();
  assert.equal(seen.maxInFlight, 1);
  assert.ok(seen.ticks >= 3, `${seen.ticks} ticks`);
});
