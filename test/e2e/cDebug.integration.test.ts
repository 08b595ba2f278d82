// Hover while debugging QEMU's own C code, in a real VS Code (code-server), with no IOVA Lens
// session and QMP unreachable: a real C debug adapter (Eclipse CDT's cdt-gdb-adapter, registered by
// a test-only extension as debug type `gdb`) attaches real gdb to a QEMU 7.2 built with debug
// information; a function breakpoint in address_space_read_full stops QEMU when HMP `xp` reads a
// guest-physical address; VS Code opens QEMU's physmem.c at the stop (Debian's patched source,
// scripts/fetch-qemu-source.sh, mapped with gdb's substitute-path). Hovering `addr` there must give
// that GPA's chain read from QEMU's memory through the C session — the HVA QEMU's own gpa2hva gave
// before the stop. Screenshots in test-artifacts/e2e/c-debug/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openSession, type E2eSession } from './harness/session.js';
import type { Locator } from 'playwright-core';
import { UI_WAIT_MS, Workbench, waitUntil } from './harness/workbench.js';
import { gpa2hvaAnswer } from './harness/expected.js';
import { CDT_DEBUG_TYPE, packageCdtExtension } from './harness/cdtExtension.js';
import { startGuest, type Guest } from '../harness/guest.js';
import { debugQemu } from '../harness/debugQemu.js';
import { QmpClient } from '../../src/qemu/qmp/qmpClient.js';
import { TimeoutError } from '../../src/qemu/errors.js';

const ROOT = join(__dirname, '../..');
const ARTIFACTS = join(ROOT, 'test-artifacts/e2e/c-debug');
const STEP = { timeout: 180_000 };
const SESSION_NAME = 'QEMU 7.2 (gdb)';
const GPA = 0x123450n;
const GPA_HEX = `0x${GPA.toString(16)}`;

let session: E2eSession;
let wb: Workbench;
let guest: Guest;
let qmp: QmpClient;
let qemu: string;

function substitutePath(): [string, string] {
  const r = spawnSync('bash', [join(ROOT, 'scripts/fetch-qemu-source.sh'), '--print-substitute', '7.2'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr.trim() || 'QEMU 7.2 source is not fetched: run bash scripts/fetch-qemu-source.sh 7.2');
  const [from, to] = r.stdout.trim().split(' ');
  return [from!, to!];
}

before(async () => {
  rmSync(ARTIFACTS, { recursive: true, force: true });
  qemu = debugQemu('7.2');
  const [from, to] = substitutePath();
  guest = await startGuest({ qemu });
  qmp = await QmpClient.connect(`unix:${guest.qmpPath}`);
  session = await openSession({
    name: 'c-debug',
    artifacts: ARTIFACTS,
    extensions: (scratch) => [packageCdtExtension(scratch)],
    prepare: (workspace) => {
      mkdirSync(join(workspace, '.vscode'), { recursive: true });
      const config = {
        type: CDT_DEBUG_TYPE,
        request: 'attach',
        name: SESSION_NAME,
        processId: String(guest.pid),
        program: qemu,
        gdb: 'gdb',
        gdbArguments: ['-nx', '-iex', 'set auto-load python-scripts off'],
        initCommands: [`set substitute-path ${from} ${to}`],
      };
      writeFileSync(join(workspace, '.vscode/launch.json'), JSON.stringify({ version: '0.2.0', configurations: [config] }, null, 2));
    },
  });
  wb = session.wb;
});

after(async () => {
  qmp?.close();
  await session?.dispose();
  await guest?.dispose();
});

/**
 * Hovers the word `word` of an editor line until `card` shows. The C grammar leaves plain
 * identifiers in one token with their neighbours (`fv, addr, attrs`), so the word's own box is
 * measured in the page, not taken from a span.
 */
async function hoverWordUntil(line: Locator, word: string, card: Locator, what: string): Promise<string> {
  await waitUntil(async () => {
    await wb.page.keyboard.press('Escape');
    await wb.page.mouse.move(0, 500);
    const at = await line.evaluate((el, w) => {
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const m = new RegExp(`\\b${w}\\b`).exec(n.textContent ?? '');
        if (!m) continue;
        const r = document.createRange();
        r.setStart(n, m.index);
        r.setEnd(n, m.index + w.length);
        const b = r.getBoundingClientRect();
        return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
      }
      return null;
    }, word);
    if (!at) return false;
    await wb.page.mouse.move(at.x, at.y);
    return card.waitFor({ timeout: 3000 }).then(() => true, () => false);
  }, what);
  return (await card.innerText()).replace(/\s+/g, ' ');
}

test('stopped in QEMU\'s address_space_read_full by a C debugger, QMP unreachable: hovering `addr` in physmem.c gives the GPA\'s chain from QEMU\'s memory', STEP, async () => {
  // what QEMU itself says backs the GPA, asked while it still answers
  const hmp = async (line: string): Promise<string> => String(await qmp.execute('human-monitor-command', { 'command-line': line }));
  const backing = gpa2hvaAnswer(await hmp(`gpa2hva ${GPA_HEX}`));
  // the VM paused: guest DMA does not hit the breakpoint, only the monitor's xp below does
  await qmp.execute('stop');

  await wb.step('breakpoint', async () => {
    // the Breakpoints view's own "Add Function Breakpoint" button (its title bar shows it on hover)
    await wb.command('View: Show Run and Debug');
    const view = wb.page.locator('.pane', { has: wb.page.locator('.pane-header', { hasText: /^Breakpoints/i }) }).first();
    await view.locator('.pane-header').hover();
    await view.locator('.pane-header .action-label[aria-label="Add Function Breakpoint"]').click({ timeout: UI_WAIT_MS });
    const input = view.locator('input').first();
    await input.waitFor({ timeout: UI_WAIT_MS });
    await wb.page.keyboard.type('address_space_read_full');
    await wb.page.keyboard.press('Enter');
    await wb.expectVisible(wb.page.locator('.debug-breakpoints .monaco-list-row', { hasText: 'address_space_read_full' }), 'the function breakpoint in the Breakpoints view');
  });

  let xp: Promise<unknown> | undefined;
  await wb.step('attach-and-stop', async () => {
    await wb.command('Debug: Select and Start Debugging', SESSION_NAME);
    const toolbar = wb.page.locator('.debug-toolbar');
    // attached: gdb let QEMU run again (the toolbar offers Pause)
    await toolbar.locator('.codicon-debug-pause').waitFor({ timeout: 60_000 });
    // the monitor reads the GPA through address_space_read_full: QEMU stops in the C debugger
    xp = qmp.execute('human-monitor-command', { 'command-line': `xp /1xb ${GPA_HEX}` }, { timeoutMs: 600_000 });
    xp.catch(() => undefined);
    await toolbar.locator('.codicon-debug-continue').waitFor({ timeout: 60_000 });
    await wb.expectVisible(wb.page.locator('.debug-call-stack .monaco-list-row', { hasText: 'address_space_read_full' }).first(), 'address_space_read_full in the Call Stack');
    // VS Code opened QEMU's source at the stop
    await wb.page.locator('.tab.active', { hasText: 'physmem.c' }).waitFor({ timeout: UI_WAIT_MS });
  });

  await wb.step('qmp-unreachable', async () => {
    await assert.rejects(qmp.execute('query-status', undefined, { timeoutMs: 3000 }), TimeoutError, 'QMP answered while QEMU is stopped in gdb');
  });

  await wb.step('hover-addr', async () => {
    // line `result = flatview_read(fv, addr, attrs, buf, len);` of address_space_read_full
    const line = wb.editorLine('result = flatview_read(fv, addr, attrs, buf, len);').first();
    await line.waitFor({ timeout: UI_WAIT_MS });
    const hover = wb.page.locator('.monaco-hover:not(.hidden)', { hasText: 'IOVA Lens' });
    const text = await hoverWordUntil(line, 'addr', hover, 'no IOVA Lens hover over addr in physmem.c');
    assert.match(text, new RegExp(`IOVA Lens — addr = ${GPA_HEX}, read from QEMU's memory through ${SESSION_NAME.replace(/[().]/g, '\\$&')}`));
    // the chain: the GPA in pc.ram, then the HVA QEMU's own gpa2hva gave
    assert.match(text, new RegExp(`GPA ${GPA_HEX} — ${backing.region}.*HVA 0x${backing.hva.toString(16)} — RAMBlock '${backing.region}' \\+${GPA_HEX}`));
  });
  await wb.page.keyboard.press('Escape');

  await wb.step('continue-detach', async () => {
    const toolbar = wb.page.locator('.debug-toolbar');
    await toolbar.locator('.codicon-debug-continue').click();
    await xp;
    assert.equal(((await qmp.execute('query-status')) as { status: string }).status, 'paused', 'QMP answers again once QEMU runs');
    await wb.command('Debug: Disconnect');
    await toolbar.waitFor({ state: 'hidden', timeout: UI_WAIT_MS });
    await qmp.execute('cont');
    await waitUntil(async () => ((await qmp.execute('query-status')) as { status: string }).status === 'running', 'the guest does not run after the C debugger detached');
  });
});
