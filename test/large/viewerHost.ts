// What the extension does for the trace viewer, without VS Code: serve the page and its script
// from one origin, and answer the webview's messages from a real index of a file (the worker's
// own request handling, in process). Used by the browser test.
import { build } from 'esbuild';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { TraceService } from '../../src/large/service.js';
import { parseViewerMessage, type HostMessage, type LargeTraceSummary, type WorkerResponse } from '../../src/shared/protocol/largeTrace.js';
import { makeNonce, viewerHtml } from '../../src/extension/largeTrace/viewerHtml.js';

export const ORIGIN = 'https://viewer.test';

/** The webview bundle exactly as scripts/build.mjs makes it (browser, IIFE, ES2022). */
export async function bundleViewer(): Promise<string> {
  const r = await build({
    entryPoints: [join(process.cwd(), 'webview', 'traceViewer', 'main.ts')],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return r.outputFiles[0].text;
}

export class FakeExtension {
  private readonly service: TraceService;
  private readonly waiting = new Map<number, { replies: HostMessage[]; done: (r: HostMessage[]) => void }>();
  summary: LargeTraceSummary | undefined;
  /** every message the page sent, in order */
  readonly received: unknown[] = [];

  constructor(private readonly name: string) {
    this.service = new TraceService((m) => this.deliver(m));
  }

  private deliver(m: WorkerResponse): void {
    const w = this.waiting.get(m.id);
    if (!w) return;
    w.replies.push(m);
    if (m.type !== 'progress') {
      this.waiting.delete(m.id);
      w.done(w.replies);
    }
  }

  private ask(msg: { id: number }): Promise<HostMessage[]> {
    return new Promise((done) => {
      this.waiting.set(msg.id, { replies: [], done });
      this.service.handle(msg);
    });
  }

  async open(path: string): Promise<LargeTraceSummary> {
    const r = (await this.ask({ type: 'open', id: 1_000_000_000, path } as { id: number })).at(-1)!;
    if (r.type !== 'opened') throw new Error(`open failed: ${JSON.stringify(r)}`);
    // the page gets the summary of the finished replay, so hovers answer in full from the start
    const done = (await this.ask({ type: 'replay', id: 1_000_000_001 } as { id: number })).at(-1)!;
    if (done.type !== 'replayed') throw new Error(`replay failed: ${JSON.stringify(done)}`);
    this.summary = done.summary;
    return done.summary;
  }

  /** One message from the page → the messages the extension would post back. */
  async answer(msg: unknown): Promise<HostMessage[]> {
    this.received.push(msg);
    const m = parseViewerMessage(msg);
    if (m.type === 'ready') return [{ type: 'init', name: this.name, summary: this.summary! }];
    if (m.type === 'cursor') return [];
    return this.ask(m);
  }

  /** Serve the viewer at ORIGIN in `page` and connect it to this host. */
  async attach(page: Page, script: string): Promise<void> {
    const nonce = makeNonce();
    const html = viewerHtml({ cspSource: ORIGIN, scriptUri: `${ORIGIN}/traceViewer.js`, nonce, title: this.name });
    await page.route(`${ORIGIN}/**`, (route) => {
      const url = route.request().url();
      if (url === `${ORIGIN}/` || url === `${ORIGIN}/index.html`) return route.fulfill({ contentType: 'text/html', body: html });
      if (url === `${ORIGIN}/traceViewer.js`) return route.fulfill({ contentType: 'text/javascript', body: script });
      return route.fulfill({ status: 404, body: '' });
    });
    await page.exposeFunction('__viewerHost', (msg: unknown) => this.answer(msg));
    // VS Code's webview API as the page sees it: postMessage out, 'message' events in. A string,
    // not a function: the test runner's transform would leave helper calls in its source.
    await page.addInitScript({
      content: `window.acquireVsCodeApi = () => ({
        postMessage: (m) => {
          window.__viewerHost(m).then((replies) => {
            for (const data of replies) window.dispatchEvent(new MessageEvent('message', { data }));
          });
        },
      });`,
    });
    await page.goto(`${ORIGIN}/`);
  }
}
