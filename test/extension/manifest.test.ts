// The first hour as the manifest shapes it: walkthrough steps that render (no literal backticks,
// code blocks narrow enough for the walkthrough's media pane), steps completed by what the user
// did, the samples packaged and openable, settings with explicit defaults.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const steps: { id: string; description: string; completionEvents?: string[]; media: { markdown: string } }[] = pkg.contributes.walkthroughs[0].steps;

test('walkthrough step descriptions use only what the walkthrough renders: links and bold, no backticks', () => {
  for (const s of steps) assert.doesNotMatch(s.description, /`/, s.id);
});

test('walkthrough media code blocks fit the media pane (no line over 52 characters)', () => {
  for (const s of steps) {
    const md = readFileSync(join(ROOT, s.media.markdown), 'utf8');
    let inCode = false;
    for (const line of md.split('\n')) {
      if (line.startsWith('```')) inCode = !inCode;
      else if (inCode) assert.ok(line.length <= 52, `${s.media.markdown}: "${line}" is ${line.length} characters`);
    }
    assert.equal(inCode, false, `${s.media.markdown}: unclosed code block`);
  }
});

test('every walkthrough step completes on a real event, none on a click of its own link', () => {
  const commands = new Set<string>(pkg.contributes.commands.map((c: { command: string }) => c.command));
  for (const s of steps) {
    assert.ok(s.completionEvents?.length, `${s.id} has no completionEvents (it would tick on a click)`);
    for (const e of s.completionEvents!) {
      assert.doesNotMatch(e, /^onCommand:|^onLink:/, `${s.id} completes on ${e}`);
      assert.match(e, /^onContext:iovaLens\.walkthrough\.|^onView:/, `${s.id}: ${e}`);
    }
    for (const m of s.description.matchAll(/\(command:([^)]+)\)/g)) {
      if (m[1]!.startsWith('iovaLens.')) assert.ok(commands.has(m[1]!), `${s.id} links to an unknown command ${m[1]}`);
    }
  }
  // the context keys the steps wait for are the ones the extension sets
  const src = readFileSync(join(ROOT, 'src/extension/walkthrough.ts'), 'utf8');
  for (const s of steps) for (const e of s.completionEvents!) if (e.startsWith('onContext:')) assert.ok(src.includes(`'${e.slice('onContext:'.length)}'`), e);
});

test('the samples the walkthrough opens ship in the .vsix', () => {
  const ignore = readFileSync(join(ROOT, '.vscodeignore'), 'utf8').split('\n');
  const src = readFileSync(join(ROOT, 'src/extension/walkthrough.ts'), 'utf8');
  const paths = [...src.matchAll(/path: '([^']+)'/g)].map((m) => m[1]!);
  assert.ok(paths.length >= 3);
  for (const p of paths) {
    assert.ok(existsSync(join(ROOT, 'samples', p)), p);
    const included = ignore.some((l) => l.startsWith('!') && new RegExp(`^${l.slice(1).replace(/\./g, '\\.').replace(/\*/g, '[^/]*')}$`).test(`samples/${p}`));
    assert.ok(included, `samples/${p} is not in .vscodeignore's include list`);
  }
});

test('settings: an explicit default for the layout; traceEvents editable in the User tab', () => {
  const props = pkg.contributes.configuration.properties;
  const layout = props['iovaLens.qemuLayout'];
  assert.ok(layout.enum.includes(layout.default) && layout.default !== '', 'the layout default is blank');
  // machine scopes hide a setting from the User tab of a remote window (code-server)
  assert.ok(!['machine', 'machine-overridable', 'application'].includes(props['iovaLens.traceEvents'].scope ?? 'window'));
});

test('content detection can run before any trace is open: the extension activates for Log and Plain Text files', () => {
  assert.ok(pkg.activationEvents.includes('onLanguage:log'));
  assert.ok(pkg.activationEvents.includes('onLanguage:plaintext'));
});
