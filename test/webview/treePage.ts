// A real browser page running the tree webview as VS Code would: the HTML of treeHtml (with
// its CSP) served over http with the built dist/webview/tree.js and tree.css, and a fake
// acquireVsCodeApi that records what the page posts and keeps its state.
import { createServer, type Server } from 'node:http';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { treeHtml } from '../../src/extension/webviewHtml.js';

export const CHROMIUM = '/usr/bin/chromium';
const DIST = join(process.cwd(), 'dist', 'webview');
export const NONCE = 'dGVzdC1ub25jZS0xMjM0NTY=';

/** The bundle must be built from the current sources: rebuild when any source is newer. */
export function ensureBundle(): void {
  const newest = (dir: string): number => Math.max(...readdirSync(dir).map((f) => statSync(join(dir, f)).mtimeMs));
  const built = join(DIST, 'tree.js');
  const sources = Math.max(newest('webview/tree'), newest('src/shared'));
  if (existsSync(built) && existsSync(join(DIST, 'tree.css')) && statSync(built).mtimeMs >= sources) return;
  const r = spawnSync(process.execPath, ['scripts/build.mjs'], { encoding: 'utf8' });
  if (r.status !== 0 || !existsSync(built)) throw new Error(`node scripts/build.mjs failed (${r.status}): ${r.stderr}`);
}

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: the webview browser test needs Chromium (apt-get install chromium)`);
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
}

export interface TreeServer {
  origin: string;
  close(): Promise<void>;
}

export async function serveTree(): Promise<TreeServer> {
  let origin = '';
  const server: Server = createServer((req, res) => {
    const files: Record<string, [string, () => string | Buffer]> = {
      '/index.html': ['text/html', () => treeHtml({ cspSource: origin, nonce: NONCE, scriptUri: `${origin}/tree.js`, styleUri: `${origin}/tree.css` })],
      '/tree.js': ['text/javascript', () => readFileSync(join(DIST, 'tree.js'))],
      '/tree.css': ['text/css', () => readFileSync(join(DIST, 'tree.css'))],
    };
    const f = files[req.url ?? ''];
    if (!f) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': f[0] }).end(f[1]());
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, close: () => new Promise((ok) => server.close(() => ok())) };
}

const FAKE_VSCODE_API = `
window.__posted = [];
window.__state = __SEED__;
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) { window.__csp.push(e.violatedDirective + ' ' + e.blockedURI); });
window.acquireVsCodeApi = function () {
  return {
    postMessage: function (m) { window.__posted.push(JSON.parse(JSON.stringify(m))); },
    getState: function () { return window.__state; },
    setState: function (s) { window.__state = JSON.parse(JSON.stringify(s)); },
  };
};`;

/** Open the webview page with a saved state (what vscode.getState returns), as after a reload. */
export async function openTree(browser: Browser, origin: string, savedState?: unknown): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  // a script string, not a function: tsx's name helpers would not exist inside the page
  await page.addInitScript({ content: FAKE_VSCODE_API.replace('__SEED__', JSON.stringify(savedState ?? null)) });
  await page.goto(`${origin}/index.html`);
  return page;
}

export const posted = (page: Page): Promise<Record<string, unknown>[]> => page.evaluate(() => (window as unknown as { __posted: Record<string, unknown>[] }).__posted);
export const savedState = (page: Page): Promise<unknown> => page.evaluate(() => (window as unknown as { __state: unknown }).__state);
export const cspViolations = (page: Page): Promise<string[]> => page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);

/** What the extension would post: through window.postMessage, as VS Code delivers it. */
export async function send(page: Page, msg: unknown): Promise<void> {
  await page.evaluate((m) => window.postMessage(m, '*'), msg);
}

/** Ids of the treeitems on screen, in order. */
export const rowIds = (page: Page): Promise<string[]> => page.$$eval('[role="treeitem"]', (els) => els.map((e) => (e as HTMLElement).dataset.id ?? ''));
export const focusedId = (page: Page): Promise<string | undefined> => page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.id);
