// The webview shell: the CSP is exactly what the panel promises, and nonces are fresh.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeNonce, treeHtml } from '../../src/extension/webviewHtml.js';

const opts = { cspSource: 'https://file+.vscode-resource.vscode-cdn.net', nonce: 'abcdefghijklmnop0123==', scriptUri: 'https://x/dist/webview/tree.js', styleUri: 'https://x/dist/webview/tree.css' };

test('CSP: nothing by default, our nonce for script and style, images from the webview only', () => {
  const html = treeHtml(opts);
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1];
  assert.equal(csp, `default-src 'none'; script-src 'nonce-abcdefghijklmnop0123=='; style-src ${opts.cspSource} 'nonce-abcdefghijklmnop0123=='; img-src ${opts.cspSource} data:;`);
  assert.match(html, /<script nonce="abcdefghijklmnop0123==" src="https:\/\/x\/dist\/webview\/tree\.js"><\/script>/);
  assert.match(html, /<link rel="stylesheet" href="https:\/\/x\/dist\/webview\/tree\.css" nonce="abcdefghijklmnop0123==">/);
  // one script, no inline code
  assert.equal(html.match(/<script/g)?.length, 1);
});

test('nonces: 128 random bits each time; bad inputs refused', () => {
  const a = makeNonce();
  const b = makeNonce();
  assert.notEqual(a, b);
  assert.equal(Buffer.from(a, 'base64').length, 16);
  assert.throws(() => treeHtml({ ...opts, nonce: "x' 'unsafe-inline" }), /nonce .* is not a base64 token/);
  assert.throws(() => treeHtml({ ...opts, cspSource: "* 'unsafe-eval'" }), /cannot go into a Content-Security-Policy/);
  assert.match(treeHtml({ ...opts, scriptUri: 'https://x/a"b.js' }), /src="https:\/\/x\/a&quot;b\.js"/);
});

test('a browser-hosted VS Code\'s source list (code-server) is accepted; loosening keywords are not', () => {
  const html = treeHtml({ ...opts, cspSource: "'self' https://*.vscode-cdn.net" });
  assert.match(html, /style-src 'self' https:\/\/\*\.vscode-cdn\.net 'nonce-/);
  for (const bad of ['*', "'self' 'unsafe-inline'", 'https://a; script-src *', 'https://a"', "'self'\nscript-src *", '']) {
    assert.throws(() => treeHtml({ ...opts, cspSource: bad }), /cannot go into a Content-Security-Policy/, bad);
  }
});
