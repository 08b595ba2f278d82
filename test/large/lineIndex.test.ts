// Reading lines back from the sparse index: the same lines as splitting the whole file, for
// every stride, line ending and odd shape a trace file can have.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, utimesSync, writeFileSync } from 'node:fs';
import { LargeTrace } from '../../src/large/largeTrace.js';
import { referenceLines, tempDir } from './helpers.js';

const ev = (i: number) => `4242@1700000000.${String(100000 + i).padStart(6, '0')}:vtd_dmar_translate dev 00:02.00 iova 0x${(0xffff0000 - i * 0x1000).toString(16)} -> gpa 0x${(0x14000000 + i * 0x1000).toString(16)} mask 0xfff`;

const shapes: Record<string, string> = {
  'LF with final newline': Array.from({ length: 1000 }, (_, i) => ev(i)).join('\n') + '\n',
  'CRLF': Array.from({ length: 300 }, (_, i) => ev(i)).join('\r\n') + '\r\n',
  'last line without newline': Array.from({ length: 257 }, (_, i) => ev(i)).join('\n'),
  'blank lines and text between events': ['', ev(1), '', '', 'qemu-system-x86_64: vhost VQ 0 ring restore failed: -1', ev(2), '\r', ''].join('\n'),
  'UTF-8 BOM and non-ASCII text': '\uFEFF' + ev(0) + '\nnote: café ünïcödé 📦 line\n' + ev(1) + '\n',
  'single newline': '\n',
  'empty file': '',
};

for (const [name, text] of Object.entries(shapes)) {
  for (const stride of [1, 3, 128]) {
    test(`${name}, stride ${stride}: every line, any block, any order, as split from the whole file`, async () => {
      const tmp = tempDir();
      try {
        const path = tmp.file('t.log', text);
        const want = referenceLines(text);
        const t = await LargeTrace.open(path, { stride, chunkBytes: 4096 });
        try {
          assert.equal(t.lineCount, want.length);
          if (want.length === 0) {
            assert.deepEqual(await t.lines(1, 0), []);
            await assert.rejects(t.lines(1, 1), /line 1 is outside .* \(lines 1\.\.0\)/);
            return;
          }
          const all = await t.lines(1, want.length);
          assert.deepEqual(all.map((l) => l.text), want);
          assert.deepEqual(all.map((l) => l.line), want.map((_, i) => i + 1));
          // blocks that start and end anywhere, and past the end (clamped)
          for (const [from, count] of [[1, 1], [want.length, 5], [Math.ceil(want.length / 2), 7], [2, stride + 1]] as const) {
            if (from < 1 || from > want.length) continue;
            const got = await t.lines(from, count);
            assert.deepEqual(got.map((l) => l.text), want.slice(from - 1, from - 1 + count), `lines(${from}, ${count})`);
          }
          const picks = [want.length, 1, Math.ceil(want.length / 3), want.length, 2].filter((l) => l <= want.length);
          assert.deepEqual((await t.linesAt(picks)).map((l) => [l.line, l.text]), picks.map((l) => [l, want[l - 1]]));
        } finally {
          await t.close();
        }
      } finally {
        tmp.remove();
      }
    });
  }
}

test('an over-long line is shown cut with its length; the lines around it are intact', async () => {
  const tmp = tempDir();
  try {
    const long = 'x'.repeat(200_000) + 'é';
    const text = `${ev(1)}\n${long}\r\n${ev(2)}\n`;
    const path = tmp.file('long.log', text);
    const t = await LargeTrace.open(path, { stride: 2, chunkBytes: 65536 });
    try {
      const [a, b, c] = await t.lines(1, 3, 1000);
      assert.equal(a.text, ev(1));
      assert.equal(b.text, 'x'.repeat(1000));
      assert.equal(b.cut, Buffer.byteLength(long), 'cut is the full byte length without CRLF');
      assert.equal(c.text, ev(2));
      assert.equal(c.cut, undefined);
      // asked for whole, the long line comes back whole
      assert.equal((await t.lines(2, 1, 1 << 20))[0].text, long);
      assert.match((await t.hover(3, ev(2).indexOf('iova 0x') + 5))?.markdown ?? '', /guest IOVA/);
    } finally {
      await t.close();
    }
  } finally {
    tmp.remove();
  }
});

test('a line over the reader limit (1 MiB): no hover or definition on it, the others still work', async () => {
  const tmp = tempDir();
  try {
    const huge = 'vtd_dmar_translate dev 00:02.00 iova 0x1000 -> gpa 0x2000 mask 0xfff ' + 'y'.repeat(1_500_000);
    const path = tmp.file('huge.log', `${ev(1)}\n${huge}\n${ev(2)}\n`);
    const t = await LargeTrace.open(path);
    try {
      assert.equal(await t.hover(2, 40), null);
      assert.deepEqual(await t.definition(2, 40), []);
      assert.equal((await t.lines(2, 1))[0].cut, huge.length);
      assert.ok(t.diagnostics(2, 2).some((d) => d.code === 'parse-error' && /over the 1048576-byte limit/.test(d.message)));
      assert.notEqual(await t.hover(3, ev(2).indexOf('iova 0x') + 5), null);
    } finally {
      await t.close();
    }
  } finally {
    tmp.remove();
  }
});

test('a file that changes after indexing: reads fail with an error that says so, never stale lines', async () => {
  const tmp = tempDir();
  try {
    const text = Array.from({ length: 50 }, (_, i) => ev(i)).join('\n') + '\n';
    const path = tmp.file('grow.log', text);
    const t = await LargeTrace.open(path);
    try {
      assert.equal((await t.lines(50, 1))[0].text, ev(49));
      appendFileSync(path, ev(50) + '\n');
      await assert.rejects(t.lines(1, 10), (e: Error) => e.name === 'LargeTraceError' && /grow\.log changed on disk since it was indexed \(its size went from \d+ to \d+ bytes\); reopen it/.test(e.message));
      await assert.rejects(t.hover(1, 60), /changed on disk/);
      await assert.rejects(t.filter({ family: 'vtd_' }), /changed on disk/);
      // rewritten with the same size: the modification time gives it away
      writeFileSync(path, text.replace('vtd_dmar_translate', 'vtd_dmar_translatE'));
      utimesSync(path, new Date(), new Date(Date.now() + 5000));
      await assert.rejects(t.linesAt([3]), /changed on disk/);
    } finally {
      await t.close();
    }
  } finally {
    tmp.remove();
  }
});

test('bad requests name the line and the file', async () => {
  const tmp = tempDir();
  try {
    const path = tmp.file('small.log', ev(1) + '\n' + ev(2) + '\n');
    const t = await LargeTrace.open(path);
    try {
      await assert.rejects(t.lines(3, 1), /line 3 is outside .*small\.log \(lines 1\.\.2\)/);
      await assert.rejects(t.lines(0, 1), /line 0 is outside/);
      await assert.rejects(t.lines(1.5, 1), /must be integers/);
      await assert.rejects(t.hover(1, -1), /column -1 on line 1/);
      assert.throws(() => t.stateAt(9), /line 9 is outside/);
    } finally {
      await t.close();
    }
    await assert.rejects(LargeTrace.open(tmp.dir + '/missing.log'), /cannot open trace .*missing\.log: no such file/);
    await assert.rejects(LargeTrace.open(tmp.dir), /is not a regular file|EISDIR/);
  } finally {
    tmp.remove();
  }
});
