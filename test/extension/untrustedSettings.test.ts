// Untrusted workspaces (issue 15): a workspace's own settings must not make the extension read a
// file or reach an endpoint the user did not choose. Every iovaLens.* setting is either listed
// in capabilities.untrustedWorkspaces.restrictedConfigurations (VS Code then takes it from the
// user's settings only) or reviewed here as harmless; a new setting fails this test until it is
// classified.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const pkg = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8'));
const settings: Record<string, { type: string; description?: string; markdownDescription?: string; enum?: string[] }> = Object.assign(
  {},
  ...[pkg.contributes.configuration].flat().map((c: { properties: object }) => c.properties),
);
const trust = pkg.capabilities.untrustedWorkspaces as { supported: boolean | 'limited'; restrictedConfigurations?: string[]; description?: string };

/** Settings a workspace may set: none names a file, a path, a socket or a host. */
const HARMLESS: Record<string, string> = {
  'iovaLens.qemuLayout': 'one of a fixed enum',
  'iovaLens.refreshIntervalMs': 'a number of milliseconds',
  'iovaLens.inlayHints.enabled': 'a boolean',
};

test('every setting is restricted in untrusted workspaces or reviewed as harmless', () => {
  assert.equal(trust.supported, 'limited');
  const restricted = new Set(trust.restrictedConfigurations ?? []);
  for (const key of Object.keys(settings)) {
    assert.ok(restricted.has(key) !== (key in HARMLESS), `${key}: restricted and harmless at once, or neither`);
  }
  for (const key of restricted) assert.ok(key in settings, `restrictedConfigurations names ${key}, which is not a setting`);
  for (const key of Object.keys(HARMLESS)) assert.ok(key in settings, `${key} is reviewed but no longer a setting`);
});

test('settings that name files or endpoints are restricted, and the manifest says so', () => {
  const restricted = new Set(trust.restrictedConfigurations ?? []);
  for (const [key, s] of Object.entries(settings)) {
    const text = `${s.description ?? ''} ${s.markdownDescription ?? ''}`;
    const namesSomething = s.type === 'string' && !s.enum ? /file|path|log|socket|endpoint|host|port/i.test(text) : s.type === 'array';
    if (namesSomething) assert.ok(restricted.has(key), `${key} names a file or an endpoint but is not in restrictedConfigurations`);
  }
  for (const key of restricted) assert.ok(trust.description?.includes(key), `the untrusted-workspace description mentions ${key}`);
});
