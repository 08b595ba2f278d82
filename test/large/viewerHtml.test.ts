// The viewer page: a CSP that allows nothing but our nonce'd script and style from the webview
// origin, and no way for a file name to become markup.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeNonce, viewerHtml } from '../../src/extension/largeTrace/viewerHtml.js';

test('CSP default-src none, script and style only by nonce and webview origin; the title is escaped', () => {
  const nonce = makeNonce();
  assert.match(nonce, /^[A-Za-z0-9_-]{22}$/);
  const html = viewerHtml({ cspSource: 'https://webview.example', scriptUri: 'https://webview.example/dist/webview/traceViewer.js', nonce, title: '<img src=x onerror=alert(1)>.log' });
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? '';
  assert.match(csp, /^default-src 'none'; /);
  assert.match(csp, new RegExp(`script-src https://webview\\.example 'nonce-${nonce}'`));
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
  const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]);
  assert.deepEqual(scripts, [` nonce="${nonce}" src="https://webview.example/dist/webview/traceViewer.js"`]);
  assert.match(html, new RegExp(`<style nonce="${nonce}">`));
  assert.doesNotMatch(html, /<img/);
  assert.match(html, /&#60;img src=x onerror=alert\(1\)&#62;\.log/);
});
