// A private code-server for one test file: its own user-data, extensions and config dirs under
// a temp dir, the IOVA Lens .vsix installed into it, bound to a free loopback port with no
// auth. dispose() kills its whole process group (code-server forks the extension host and
// the language server) and removes the temp dirs.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort } from '../../../src/qemu/endpoint.js';

export const E2E_DIR = join(__dirname, '..');
const ROOT = join(E2E_DIR, '../..');
/** Where the pin lives (package.json + package-lock.json, committed). */
export const CODE_SERVER_SPEC = join(E2E_DIR, 'code-server');
/** Where install-code-server.sh installs it: outside test/, which the test runner, tsc and eslint walk. */
export const CODE_SERVER_DIR = process.env.IOVA_LENS_CODE_SERVER_DIR ?? join(ROOT, 'node_modules/.cache/iova-lens-e2e/code-server');
const INSTALL_HINT = 'run test/e2e/install-code-server.sh (see test/e2e/README.md)';

/** The pinned code-server's entry script; throws (the tests fail, never skip) when it is not installed. */
export function requireCodeServer(): string {
  const pinned = (JSON.parse(readFileSync(join(CODE_SERVER_SPEC, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies['code-server'];
  const pkg = join(CODE_SERVER_DIR, 'node_modules/code-server/package.json');
  if (!existsSync(pkg)) throw new Error(`code-server ${pinned} is not installed in ${CODE_SERVER_DIR}: ${INSTALL_HINT}`);
  const version = (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
  if (version !== pinned) throw new Error(`code-server ${version} is installed in ${CODE_SERVER_DIR} but ${pinned} is pinned: ${INSTALL_HINT}`);
  if (!existsSync(join(CODE_SERVER_DIR, 'node_modules/code-server/lib/vscode/out/server-main.js'))) {
    throw new Error(`code-server ${version} in ${CODE_SERVER_DIR} is incomplete (its bundled VS Code was not installed): ${INSTALL_HINT}`);
  }
  return join(CODE_SERVER_DIR, 'node_modules/code-server/out/node/entry.js');
}

/** User settings that keep the workbench quiet and deterministic for a test. */
export const TEST_SETTINGS: Record<string, unknown> = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.colorTheme': 'Default Dark Modern',
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'editor.hover.delay': 100,
  // below the line there is room for the whole chain (docs/images/hover.png)
  'editor.hover.above': false,
  'editor.minimap.enabled': false,
  // quick open keeps earlier files open in their own tabs
  'workbench.editor.enablePreview': false,
  'editor.codeLens': false,
  'files.autoSave': 'off',
  'window.restoreWindows': 'none',
  'chat.commandCenter.enabled': false,
  'git.enabled': false,
  'debug.openDebug': 'openOnDebugBreak',
};

export interface CodeServer {
  url: string;
  /** The folder the workbench opens (a workspace under the temp dir). */
  workspace: string;
  /** Everything code-server printed, for failure messages. */
  output(): string;
  dispose(): Promise<void>;
}

export interface CodeServerOptions {
  vsix: string;
  /** further .vsix files installed beside IOVA Lens (test-only extensions) */
  extraVsix?: string[];
  workspace: string;
  settings?: Record<string, unknown>;
  /** Leave workspace trust on (the folder opens untrusted, in Restricted Mode); off by default. */
  workspaceTrust?: boolean;
  startTimeoutMs?: number;
}

function runCli(bin: string, args: string[], what: string): void {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`code-server ${what} failed (exit ${r.status ?? r.signal}): ${(r.stderr + r.stdout).trim().slice(-1500)}`);
}

// Every code-server we start and its temp dir, so a crashing test runner leaves neither behind.
const live = new Set<ChildProcess>();
const homes = new Set<string>();
process.once('exit', () => {
  for (const c of live) killGroup(c, 'SIGKILL');
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});

function killGroup(c: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (c.pid) process.kill(-c.pid, signal);
  } catch {
    // already gone
  }
}

export async function startCodeServer(opts: CodeServerOptions): Promise<CodeServer> {
  const bin = requireCodeServer();
  const home = mkdtempSync(join(tmpdir(), 'iova-lens-e2e-cs-'));
  homes.add(home);
  const userData = join(home, 'user-data');
  const extensions = join(home, 'extensions');
  const config = join(home, 'config.yaml');
  mkdirSync(join(userData, 'User'), { recursive: true });
  mkdirSync(extensions, { recursive: true });
  // with trust on, a fresh user-data dir trusts no folder; no startup prompt: it opens restricted
  const trust = opts.workspaceTrust ? { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never' } : {};
  writeFileSync(join(userData, 'User/settings.json'), JSON.stringify({ ...TEST_SETTINGS, ...trust, ...opts.settings }, null, 2));
  writeFileSync(config, 'auth: none\ncert: false\n');
  const common = ['--config', config, '--user-data-dir', userData, '--extensions-dir', extensions];
  for (const vsix of [opts.vsix, ...(opts.extraVsix ?? [])]) runCli(bin, [...common, '--install-extension', vsix], `--install-extension ${vsix}`);

  const port = await freeLoopbackPort();
  const args = [...common, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', ...(opts.workspaceTrust ? [] : ['--disable-workspace-trust']), '--disable-getting-started-override', opts.workspace];
  // detached: its own process group, so dispose() reaches the extension host and the servers too
  const child = spawn(process.execPath, [bin, ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, VSCODE_PROXY_URI: '' } });
  live.add(child);
  let out = '';
  let exited = false;
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (out += s));
  const exitP = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), live.delete(child), resolve())));
  const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(opts.workspace)}`;

  const dispose = async (): Promise<void> => {
    killGroup(child, 'SIGTERM');
    const soft = await Promise.race([exitP.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 3000))]);
    if (!soft) killGroup(child, 'SIGKILL');
    // the group may outlive its leader for a moment; SIGKILL the stragglers
    killGroup(child, 'SIGKILL');
    await Promise.race([exitP, new Promise((r) => setTimeout(r, 2000))]);
    rmSync(home, { recursive: true, force: true });
    homes.delete(home);
  };

  // Ready when its HTTP endpoint answers.
  const deadline = Date.now() + (opts.startTimeoutMs ?? 30_000);
  for (;;) {
    if (exited) {
      await dispose();
      throw new Error(`code-server exited before it listened on 127.0.0.1:${port}: ${out.trim().slice(-1500)}`);
    }
    try {
      const r = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await dispose();
      throw new Error(`code-server did not listen on 127.0.0.1:${port} within ${opts.startTimeoutMs ?? 30_000} ms: ${out.trim().slice(-1500)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, workspace: opts.workspace, output: () => out, dispose };
}
