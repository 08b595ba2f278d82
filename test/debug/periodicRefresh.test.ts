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

test('a slow tick is never overlapped, and a failing tick does not end the loop', async () => {
  let inFlight = 0;
  let maxInFlight = 0;
  let ticks = 0;
  const r = new PeriodicRefresh(5, async () => {
    ticks++;
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await sleep(30);
    inFlight--;
    if (ticks === 1) throw new Error('QMP hiccup');
  });
  r.start();
  await sleep(200);
  r.stop();
  assert.equal(maxInFlight, 1);
  assert.ok(ticks >= 3, `${ticks} ticks`);
});

test('stop() during a tick and start() again: one loop continues', async () => {
  let inFlight = 0;
  let maxInFlight = 0;
  let ticks = 0;
  const r = new PeriodicRefresh(5, async () => {
    ticks++;
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await sleep(20);
    inFlight--;
  });
  r.start();
  await sleep(12);
  r.stop();
  r.start();
  await sleep(150);
  r.stop();
  assert.equal(maxInFlight, 1);
  assert.ok(ticks >= 3, `${ticks} ticks`);
});
