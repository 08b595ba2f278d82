// package.json's debugger contribution must be exactly what src/debug/args.ts generates: a field
// added to the argument types without regenerating the contribution (or the reverse) fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { QEMU_LAYOUTS } from '../../src/model/qemuLayout.js';
import { ATTACH_ATTRIBUTES, LAUNCH_ATTRIBUTES, DEBUG_ACTIVATION_EVENT, DEBUG_TYPE, checkArgs, debuggerContribution } from '../../src/debug/args.js';

const pkg = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as {
  contributes: { debuggers?: unknown[] };
  activationEvents: string[];
};

test('package.json contributes.debuggers equals the contribution generated from the argument types', () => {
  // JSON round trip: package.json cannot hold undefined or class instances, the generator must not either.
  assert.deepEqual(pkg.contributes.debuggers, JSON.parse(JSON.stringify(debuggerContribution())));
});

test('the debug type is activated on resolve, and the language activation is kept', () => {
  assert.ok(pkg.activationEvents.includes(DEBUG_ACTIVATION_EVENT));
  assert.ok(pkg.activationEvents.includes('onLanguage:qemu-trace'));
  assert.ok(!pkg.activationEvents.includes('*'));
});

test('snippets and initial configurations pass the run-time check of their own request', () => {
  const [d] = debuggerContribution() as { type: string; initialConfigurations: Record<string, unknown>[]; configurationSnippets: { body: Record<string, unknown> }[] }[];
  assert.equal(d.type, DEBUG_TYPE);
  for (const cfg of [...d.initialConfigurations, ...d.configurationSnippets.map((s) => s.body)]) {
    const req = cfg.request as 'attach' | 'launch';
    assert.doesNotThrow(() => checkArgs(req as 'attach', cfg), `${String(cfg.name)} is a valid ${req}`);
    for (const k of Object.keys(cfg)) {
      if (['type', 'request', 'name'].includes(k)) continue;
      const table: object = req === 'attach' ? ATTACH_ATTRIBUTES : LAUNCH_ATTRIBUTES;
      assert.ok(k in table, `${k} of the ${req} example is a declared attribute`);
    }
  }
});

test('checkArgs names the field and the problem', () => {
  assert.throws(() => checkArgs('attach', {}), /attach configuration: "qmp" is required/);
  assert.throws(() => checkArgs('attach', { qmp: 'qmp.sock' }), /"qmp" "qmp.sock" does not match/);
  assert.throws(() => checkArgs('launch', { qemu: 'qemu-system-x86_64', args: '-m 1G' }), /"args" must be an array of strings/);
  assert.throws(() => checkArgs('launch', { qemu: 'q', args: [], env: { A: 1 } }), /"env" must be an object of string values/);
  assert.deepEqual(checkArgs('attach', { qmp: 'tcp:localhost:4444', gdb: 'localhost:1234' }), { qmp: 'tcp:localhost:4444', gdb: 'localhost:1234' });
});

test('refreshIntervalMs: 0 turns the refresh off, below 500 ms is refused, and the schema says so', () => {
  assert.equal(checkArgs('attach', { qmp: 'unix:/q', refreshIntervalMs: 0 }).refreshIntervalMs, 0);
  assert.equal(checkArgs('launch', { qemu: 'q', args: [], refreshIntervalMs: 500 }).refreshIntervalMs, 500);
  assert.throws(() => checkArgs('attach', { qmp: 'unix:/q', refreshIntervalMs: 100 }), /attach configuration: "refreshIntervalMs" must be 0 \(off\) or at least 500 ms, got 100/);
  assert.throws(() => checkArgs('attach', { qmp: 'unix:/q', refreshIntervalMs: -1 }), /"refreshIntervalMs" must be at least 0, got -1/);
  assert.throws(() => checkArgs('attach', { qmp: 'unix:/q', refreshIntervalMs: '1000' }), /"refreshIntervalMs" must be a number, got "1000"/);
  assert.deepEqual(ATTACH_ATTRIBUTES.refreshIntervalMs.default, 0);
  assert.equal(LAUNCH_ATTRIBUTES.refreshIntervalMs.type, 'number');
});

test('qemuLayout: the setting, the CLI and the debug configuration share one vocabulary', () => {
  const setting = (pkg as unknown as { contributes: { configuration: { properties: Record<string, { enum: string[]; default: string }> } } }).contributes.configuration.properties['iovaLens.qemuLayout']!;
  assert.deepEqual([...setting.enum].sort(), [...QEMU_LAYOUTS].sort(), 'every setting value is a layout');
  assert.equal(setting.default, 'auto');
  // what the configuration provider copies from the setting must pass the attach check
  for (const v of setting.enum) {
    assert.equal(checkArgs('attach', { qmp: 'unix:/tmp/q.sock', qemuLayout: v }).qemuLayout, v);
    assert.equal(checkArgs('launch', { qemu: 'qemu-system-x86_64', args: [], qemuLayout: v }).qemuLayout, v);
  }
  assert.throws(() => checkArgs('attach', { qmp: 'unix:/tmp/q.sock', qemuLayout: '7.2' }), /"qemuLayout" must be one of "auto", "legacy", "current", got "7\.2"/);
});

test('qemuPid: a whole positive number, attach only; qemuInternals a boolean on both', () => {
  assert.equal(checkArgs('attach', { qmp: 'unix:/q', qemuPid: 4242 }).qemuPid, 4242);
  assert.throws(() => checkArgs('attach', { qmp: 'unix:/q', qemuPid: 12.5 }), /attach configuration: "qemuPid" must be a process id \(a whole number\), got 12\.5/);
  assert.throws(() => checkArgs('attach', { qmp: 'unix:/q', qemuPid: 0 }), /"qemuPid" must be at least 1, got 0/);
  assert.throws(() => checkArgs('attach', { qmp: 'unix:/q', qemuPid: '4242' }), /"qemuPid" must be a number, got "4242"/);
  assert.equal(checkArgs('launch', { qemu: 'q', args: [], qemuInternals: true }).qemuInternals, true);
  assert.throws(() => checkArgs('attach', { qmp: 'unix:/q', qemuInternals: 'yes' }), /"qemuInternals" must be true or false/);
  assert.ok(!('qemuPid' in LAUNCH_ATTRIBUTES), 'launch starts QEMU itself: no PID to give');
});
