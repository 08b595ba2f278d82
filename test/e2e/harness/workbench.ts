// Driving the VS Code workbench in a browser the way a user does: keyboard shortcuts, the
// command palette, quick open, mouse hovers; reading what is on screen (DOM text, computed
// colours, the status bar). Every wait is on a visible condition with a timeout; screenshots go
// to test-artifacts/e2e/ for each step and each failure.
import { chromium, type Browser, type Frame, type FrameLocator, type Locator, type Page } from 'playwright-core';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** How long one UI condition may take before the step fails with the condition's name. */
export const UI_WAIT_MS = 20_000;

export class Workbench {
  private shotNo = 0;

  private constructor(
    readonly browser: Browser,
    readonly page: Page,
    readonly artifacts: string,
    private readonly ownsBrowser: boolean,
  ) {}

  /** Opens the workbench at `url` in a new page of `shared`, or of a Chromium of its own. */
  static async open(url: string, artifacts: string, shared?: Browser): Promise<Workbench> {
    mkdirSync(artifacts, { recursive: true });
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install the Debian package chromium (scripts/install-system-deps.sh)`);
    const browser = shared ?? (await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS }));
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    try {
      await page.goto(url);
      await page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: 60_000 });
      // the workbench takes keyboard input once the explorer shows the folder
      await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60_000 });
      return new Workbench(browser, page, artifacts, shared === undefined);
    } catch (e) {
      await (shared ? page.close() : browser.close());
      throw e;
    }
  }

  async close(): Promise<void> {
    await (this.ownsBrowser ? this.browser.close() : this.page.close());
  }

  /** A numbered full-window screenshot in the artifacts dir; returns its path. */
  async shot(name: string): Promise<string> {
    const path = join(this.artifacts, `${String(++this.shotNo).padStart(2, '0')}-${name}.png`);
    await this.page.screenshot({ path });
    return path;
  }

  /** Runs a step; on failure leaves a screenshot named after it and rethrows. */
  async step<T>(name: string, f: () => Promise<T>): Promise<T> {
    try {
      const r = await f();
      await this.shot(name);
      return r;
    } catch (e) {
      await this.shot(`${name}-FAILED`).catch(() => undefined);
      await this.recover().catch(() => undefined);
      throw e;
    }
  }

  /** After a failed step: close dialogs, quick inputs and hovers so the next step starts clean. */
  async recover(): Promise<void> {
    const dialog = this.page.locator('.monaco-dialog-box');
    if (await dialog.isVisible()) await dialog.locator('.monaco-button', { hasText: /^(OK|Cancel|Close)$/ }).first().click({ timeout: 2000 });
    for (let i = 0; i < 2; i++) await this.page.keyboard.press('Escape');
  }

  private quickInput(): Locator {
    return this.page.locator('.quick-input-widget');
  }

  /** Opens the quick input with `key` and types `text` into it; retries until it opens. */
  private async quickType(key: string, text: string): Promise<void> {
    const input = this.quickInput().locator('input.input');
    const deadline = Date.now() + UI_WAIT_MS;
    for (;;) {
      await this.page.keyboard.press(key);
      try {
        await input.waitFor({ state: 'visible', timeout: 2000 });
        break;
      } catch (e) {
        if (Date.now() > deadline) throw new Error(`the quick input did not open with ${key}: ${(e as Error).message}`);
      }
    }
    await input.fill(text);
  }

  /**
   * Command palette: F1, the command's title, a click on the row that shows it. `pick` is the
   * row to choose when the command asks with a quick pick of its own.
   */
  async command(title: string, pick?: string): Promise<void> {
    await this.startCommand(title);
    if (pick !== undefined) await this.pick(pick);
    await this.quickInput().waitFor({ state: 'hidden', timeout: UI_WAIT_MS });
  }

  /** Runs a command from the palette and leaves whatever it asks (an input box, a quick pick) open. */
  async startCommand(title: string): Promise<void> {
    // a command shows once its extension has registered it and its precondition holds: reopen
    // the palette until it does
    const row = this.quickRow(title);
    await waitUntil(async () => {
      await this.quickType('F1', `>${title}`);
      try {
        await row.waitFor({ timeout: 3000 });
        return true;
      } catch {
        await this.page.keyboard.press('Escape');
        return false;
      }
    }, `the command palette never offered "${title}"`);
    await row.click();
  }

  /** Answers the input box titled `title` a command opened with `text` (Enter). */
  async answerInput(title: string, text: string): Promise<void> {
    await this.quickInput().locator('.quick-input-title', { hasText: title }).waitFor({ timeout: UI_WAIT_MS });
    await this.quickInput().locator('input.input').fill(text);
    await this.page.keyboard.press('Enter');
  }

  /** Chooses the quick pick row labelled `label`. */
  async pick(label: string): Promise<void> {
    const next = this.quickRow(label);
    await next.waitFor({ timeout: UI_WAIT_MS });
    await next.click();
  }

  /** The labels of the open quick pick's rows once its title matches `title`. */
  async quickPickLabels(title: RegExp): Promise<string[]> {
    await this.quickInput().locator('.quick-input-title', { hasText: title }).waitFor({ timeout: UI_WAIT_MS });
    return this.quickInput().locator('.monaco-list-row .label-name').allInnerTexts();
  }

  /** The quick input row whose label is exactly `label`. */
  quickRow(label: string): Locator {
    return this.quickInput().locator('.monaco-list-row').filter({ has: this.page.getByText(label, { exact: true }) }).first();
  }

  /** Quick open (Ctrl+P) of a workspace file; waits until its editor tab is active. */
  async openFile(name: string): Promise<void> {
    await this.quickType('Control+P', name);
    const row = this.quickInput().locator('.monaco-list-row', { hasText: name }).first();
    await row.waitFor({ timeout: UI_WAIT_MS });
    await this.page.keyboard.press('Enter');
    await this.page.locator('.tab.active', { hasText: name }).waitFor({ timeout: UI_WAIT_MS });
    await this.activeEditor().locator('.view-lines .view-line').first().waitFor({ timeout: UI_WAIT_MS });
  }

  activeEditor(): Locator {
    return this.page.locator('.editor-group-container.active .monaco-editor').first();
  }

  /** The rendered line of the active editor whose text contains `text` (must be on screen). */
  editorLine(text: string): Locator {
    return this.activeEditor().locator('.view-lines .view-line', { hasText: text });
  }

  /** Ctrl+G to a 1-based line and column of the active editor. */
  async goToLine(line: number, column = 1): Promise<void> {
    await this.quickType('Control+G', `:${line}:${column}`);
    await this.page.keyboard.press('Enter');
    await this.quickInput().waitFor({ state: 'hidden', timeout: UI_WAIT_MS });
    await this.waitForCursorLine(line);
  }

  /** The cursor's line as the status bar shows it ("Ln 17, Col 3"). */
  async cursorLine(): Promise<number | undefined> {
    const item = this.page.locator('.statusbar-item', { hasText: /^Ln \d+, Col \d+/ }).first();
    const text = (await item.textContent({ timeout: UI_WAIT_MS })) ?? '';
    const m = /Ln (\d+), Col \d+/.exec(text);
    return m ? Number(m[1]) : undefined;
  }

  async waitForCursorLine(line: number): Promise<void> {
    await this.page
      .locator('.statusbar-item', { hasText: new RegExp(`^Ln ${line}, Col \\d+`) })
      .first()
      .waitFor({ timeout: UI_WAIT_MS })
      .catch(async () => {
        throw new Error(`the status bar does not show line ${line} (it shows line ${await this.cursorLine()})`);
      });
  }

  /** The computed CSS colour of an element. */
  async color(loc: Locator): Promise<string> {
    return loc.evaluate((e) => getComputedStyle(e).color);
  }

  /** The translation tree's page: VS Code hosts a webview in an iframe holding another one. */
  treeView(): FrameLocator {
    return this.page.frameLocator('iframe.webview.ready').last().frameLocator('iframe#active-frame');
  }

  /**
   * The innermost webview frame whose page has `selector` (the trace viewer and the translation
   * tree are both webviews: tell them apart by their content).
   */
  async webviewFrame(selector: string, what: string): Promise<Frame> {
    let found: Frame | undefined;
    await waitUntil(async () => {
      for (const f of this.page.frames()) {
        if (f !== this.page.mainFrame() && (await f.locator(selector).count().catch(() => 0)) > 0) found = f;
      }
      return found !== undefined;
    }, `no webview showed ${what}`);
    return found!;
  }

  /** The text of output channel `name` (Output: Show Output Channels…), as the Output view shows it. */
  async outputChannelText(name: string): Promise<string> {
    await this.command('Output: Show Output Channels...', name);
    const lines = this.page.locator('.part.panel .monaco-editor .view-lines');
    await lines.first().waitFor({ timeout: UI_WAIT_MS });
    return (await lines.first().innerText()).replace(/\u00a0/g, ' ');
  }

  /** Types `expression` into the Debug Console and returns the text of the answer matching `answer`. */
  async evaluateInConsole(expression: string, answer: RegExp): Promise<string> {
    await this.command('Debug Console: Focus on Debug Console View');
    const input = this.page.locator('.repl-input-wrapper .monaco-editor');
    await input.click();
    await this.page.keyboard.type(expression);
    await this.page.keyboard.press('Enter');
    const row = this.page.locator('.repl .monaco-list-row', { hasText: answer }).first();
    await this.expectVisible(row, `the Debug Console's answer to "${expression}"`);
    return (await row.innerText()).replace(/\u00a0/g, ' ');
  }

  /** Clicks into the text of the editor tab `name` so keyboard commands go to it. */
  async focusEditor(name: string): Promise<void> {
    await this.page.locator('.tab', { hasText: name }).first().click();
    // away from the tab, or its tooltip covers the first lines of the text
    await this.page.mouse.move(0, 500);
    const editor = this.page.locator('.editor-group-container', { has: this.page.locator('.tab.active', { hasText: name }) }).locator('.monaco-editor .view-lines');
    await editor.first().click({ position: { x: 5, y: 5 } });
  }

  /**
   * Hovers `token` until `card` (a hover widget) shows, then returns its text on one line. Each try
   * leaves the token first: a hover that came too early (the language server still reading the
   * file) is never asked again while the mouse stays put.
   */
  async hoverUntil(token: Locator, card: Locator, what: string): Promise<string> {
    await waitUntil(async () => {
      await this.page.keyboard.press('Escape');
      await this.page.mouse.move(0, 500);
      await token.hover();
      return card.waitFor({ timeout: 3000 }).then(() => true, () => false);
    }, what);
    return (await card.innerText()).replace(/\s+/g, ' ');
  }

  /** The row of the Run and Debug Variables view whose text (name, then value) matches. */
  async variable(text: RegExp): Promise<Locator> {
    const row = this.page.locator('.debug-variables .monaco-list-row', { hasText: text }).first();
    await row.waitFor({ timeout: UI_WAIT_MS });
    return row;
  }

  /** Expands (or collapses) a tree row; the views re-render while the debuggee answers, so retry the click. */
  async expand(row: Locator, open = true): Promise<void> {
    const want = String(open);
    await waitUntil(async () => {
      if ((await row.getAttribute('aria-expanded', { timeout: 2000 })) === want) return true;
      await row.click({ timeout: 2000 }).catch(() => undefined);
      return (await row.getAttribute('aria-expanded', { timeout: 2000 })) === want;
    }, `the row never ${open ? 'expanded' : 'collapsed'}`);
  }

  /** The notifications shown so far (error messages the extension showed), from the notification center. */
  async notifications(): Promise<string[]> {
    const rows = this.page.locator('.notifications-center .notification-list-item');
    if (!(await rows.first().isVisible())) await this.command('Notifications: Show Notifications').catch(() => undefined);
    await rows.first().waitFor({ timeout: 2000 }).catch(() => undefined);
    return (await rows.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
  }

  /** Waits for `loc`; a timeout names `what` and any notification on screen, usually the reason. */
  async expectVisible(loc: Locator, what: string): Promise<void> {
    try {
      await loc.waitFor({ timeout: UI_WAIT_MS });
    } catch {
      const notes = await this.notifications();
      throw new Error(`${what} did not show within ${UI_WAIT_MS} ms${notes.length ? `; notifications: ${notes.join(' | ')}` : ''}`);
    }
  }

  /** Scrolls a scrollable widget with the mouse wheel until `target` sits near its top. */
  async scrollWithin(widget: Locator, target: Locator): Promise<void> {
    const box = await widget.boundingBox();
    if (!box) throw new Error('the widget to scroll is not on screen');
    await this.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await waitUntil(async () => {
      const t = await target.boundingBox();
      if (t && t.y <= box.y + 40) return true;
      await this.page.mouse.wheel(0, 40);
      return false;
    }, 'the widget never scrolled to the target', 5000);
  }

  /** The smallest page region holding every given element (for a docs image). */
  async unionClip(locs: Locator[]): Promise<{ x: number; y: number; width: number; height: number }> {
    const boxes = (await Promise.all(locs.map((l) => l.boundingBox()))).filter((b): b is NonNullable<typeof b> => b !== null);
    if (boxes.length === 0) throw new Error('nothing on screen to clip');
    const x = Math.min(...boxes.map((b) => b.x));
    const y = Math.min(...boxes.map((b) => b.y));
    return { x, y, width: Math.max(...boxes.map((b) => b.x + b.width)) - x, height: Math.max(...boxes.map((b) => b.y + b.height)) - y };
  }

  /** Saves a screenshot of an element or a page region to `dest` too (the docs images). */
  async shotTo(dest: string, clip?: Locator | { x: number; y: number; width: number; height: number }): Promise<void> {
    const path = join(this.artifacts, `clip-${String(++this.shotNo).padStart(2, '0')}.png`);
    if (clip === undefined) await this.page.screenshot({ path });
    else if ('screenshot' in clip) await clip.screenshot({ path });
    else await this.page.screenshot({ path, clip });
    mkdirSync(dirname(dest), { recursive: true });
    copyFileSync(path, dest);
  }
}

/** Polls `cond` until it holds; fails with `what` after `ms`. */
export async function waitUntil(cond: () => Promise<boolean>, what: string, ms = UI_WAIT_MS): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    let last: unknown;
    try {
      if (await cond()) return;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`${what} (waited ${ms} ms)${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}
