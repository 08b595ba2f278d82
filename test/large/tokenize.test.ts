// The viewer's highlighter against the TextMate grammar's own output: the grammar snapshots
// (every column of real trace lines) and the grammar assertion files of test/grammar.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tokenizeLine, isAddressToken } from '../../webview/traceViewer/tokenize.js';

/** The scope tokenizeLine gives each column ('' for plain text). */
function scopesByColumn(line: string): string[] {
  const out = Array<string>(line.length).fill('');
  let last = 0;
  for (const t of tokenizeLine(line)) {
    assert.ok(t.start >= last && t.end > t.start && t.end <= line.length, `token ${JSON.stringify(t)} out of order in: ${line}`);
    for (let c = t.start; c < t.end; c++) out[c] = t.scope;
    last = t.end;
  }
  return out;
}

test('grammar snapshots: every column of every line has the scope the grammar gives it', () => {
  const dir = join('test', 'grammar', 'snap');
  let lines = 0;
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.snap'))) {
    let source = '';
    let want: string[] = [];
    const flush = () => {
      if (!source) return;
      assert.deepEqual(scopesByColumn(source), want, `${f}: ${source}`);
      lines++;
    };
    for (const row of readFileSync(join(dir, f), 'utf8').split('\n')) {
      if (row.startsWith('>')) {
        flush();
        source = row.slice(1);
        want = Array<string>(source.length).fill('');
      } else if (row.startsWith('#')) {
        const m = /^#( *)(\^+) source\.qemu-trace(?: (.*))?$/.exec(row);
        assert.ok(m, `unreadable snapshot row in ${f}: ${row}`);
        const scopes = (m[3] ?? '').trim().split(/\s+/).filter(Boolean);
        for (let c = m[1].length; c < m[1].length + m[2].length; c++) want[c] = scopes.at(-1) ?? '';
      }
    }
    flush();
  }
  assert.ok(lines >= 20, `only ${lines} snapshot lines`);
});

test('grammar assertion files: each asserted range has the asserted scope', () => {
  const dir = join('test', 'grammar');
  let checks = 0;
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.test.qtrace'))) {
    let source = '';
    for (const row of readFileSync(join(dir, f), 'utf8').split('\n').slice(1)) {
      if (!row.startsWith('#')) {
        source = row;
        continue;
      }
      const got = scopesByColumn(source);
      const arrow = /^# (<-+) (\S+)/.exec(row);
      const caret = /^#( *)(\^+) (\S+)/.exec(row);
      const [from, len, scope] = arrow ? [0, arrow[1].length - 1, arrow[2]] : caret ? [caret[1].length + 1, caret[2].length, caret[3]] : [0, 0, ''];
      assert.ok(scope, `unreadable assertion in ${f}: ${row}`);
      for (let c = from; c < from + len; c++) assert.equal(got[c], scope, `${f} column ${c} of: ${source}`);
      checks++;
    }
  }
  assert.ok(checks >= 15, `only ${checks} assertions`);
});

test('addresses and pointers are the hoverable tokens; decimals and names are not', () => {
  const line = 'vhost_vdpa_dma_map vdpa_shared:0x55d2c1a4e2b0 fd: 16 msg_type: 2 asid: 0 iova: 0x1000 size: 0x80000000 uaddr: 0x7f7903e00000 perm: 0x3 type: 2';
  const addrs = tokenizeLine(line).filter(isAddressToken).map((t) => line.slice(t.start, t.end));
  assert.deepEqual(addrs, ['0x55d2c1a4e2b0', '0x1000', '0x80000000', '0x7f7903e00000', '0x3']);
  assert.deepEqual(tokenizeLine('qemu-system-x86_64: vhost_set_vring_call failed: <script>alert(1)</script>').map((t) => t.kind), ['error']);
  assert.deepEqual(tokenizeLine('just some console output'), []);
});

test('each address space has its own scope and viewer colour: GPA, HVA, IOVA, guest IOVA', () => {
  const kindAt = (line: string, text: string): string => tokenizeLine(line).find((t) => t.start === line.indexOf(text))!.kind;
  const map = 'vhost_vdpa_dma_map vdpa_shared:0x55d2c1a4e2b0 fd: 16 msg_type: 2 asid: 0 iova: 0x1000 size: 0x80000000 uaddr: 0x7f7903e00000 perm: 0x3 type: 2';
  const region = 'vhost_vdpa_listener_region_add vdpa: 0x55d2c1a4e2b0 iova 0xfeda0000 llend 0xfedc0000 vaddr: 0x7f7903ea0000 read-only: 0';
  const vtd = 'vtd_dmar_translate dev 00:02.00 iova 0xffffd000 -> gpa 0x14782000 mask 0xfff';
  const kinds = { iova: kindAt(map, '0x1000'), hva: kindAt(map, '0x7f7903e00000'), gpa: kindAt(region, '0xfeda0000'), giova: kindAt(vtd, '0xffffd000') };
  assert.deepEqual(kinds, { iova: 'addr-iova', hva: 'addr-hva', gpa: 'addr-gpa', giova: 'addr-giova' });
  // a region's iova is a GPA, like the gpa QEMU prints for a VT-d translation
  assert.equal(kindAt(vtd, '0x14782000'), 'addr-gpa');
  assert.equal(kindAt(region, '0x7f7903ea0000'), 'addr-hva');
  const css = readFileSync(join('src', 'extension', 'largeTrace', 'viewerHtml.ts'), 'utf8');
  const colour = (kind: string): string => new RegExp(`\\.t-${kind} \\{ color: (#[0-9a-f]{6}); \\}`).exec(css)?.[1] ?? '';
  const colours = ['addr-gpa', 'addr-hva', 'addr-iova', 'addr-giova'].map(colour);
  assert.ok(colours.every(Boolean), `a space without a colour: ${colours}`);
  assert.equal(new Set(colours).size, 4, `spaces share a colour: ${colours}`);
});
