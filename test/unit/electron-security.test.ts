// The desktop shell's security rules (electron/security.ts): CSP, navigation, IPC senders, requests,
// permissions and message validation. Electron itself cannot run here; these are the decisions main.ts
// wires to Electron's hooks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  API_METHODS,
  RENDERER_CSP,
  isAllowedRequest,
  isApiMethod,
  isExternalUrl,
  isFileInside,
  isPermissionAllowed,
  isRendererUrl,
  isTrustedSender,
  navigationDecision,
  validateCall,
  validateWatch,
  windowOpenDecision,
  withCsp,
} from '../../electron/security.js';
import { IPC } from '../../shared/api.js';

const rendererDir = '/opt/Cutover/resources/app.asar/dist/renderer';
const rendererIndex = join(rendererDir, 'index.html');
const rendererUrl = pathToFileURL(rendererIndex).href;
const cs = { caseInsensitive: false };

function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above the test');
    dir = up;
  }
  return dir;
}

test('the CSP allows only the app itself: no remote code, no inline script, no plugins, no framing', () => {
  const directives = new Map(
    RENDERER_CSP.split(';').map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name!, values] as const;
    }),
  );
  assert.deepEqual(directives.get('default-src'), ["'self'"]);
  assert.deepEqual(directives.get('script-src'), ["'self'"]);
  assert.deepEqual(directives.get('connect-src'), ["'self'"]);
  assert.deepEqual(directives.get('img-src'), ["'self'", 'data:', 'blob:']);
  assert.deepEqual(directives.get('object-src'), ["'none'"]);
  assert.deepEqual(directives.get('base-uri'), ["'none'"]);
  assert.deepEqual(directives.get('frame-ancestors'), ["'none'"]);
  assert.ok(!RENDERER_CSP.includes('unsafe-eval'));
  assert.ok(!/script-src[^;]*unsafe-inline/.test(RENDERER_CSP));
  assert.ok(!/\bhttps?:/.test(RENDERER_CSP), 'no remote origin is allowed');
});

test('the CSP header replaces any the response had, whatever its letter case', () => {
  const h = withCsp({ 'content-security-policy': ['default-src *'], 'Content-Type': 'text/html' });
  assert.deepEqual(h['Content-Security-Policy'], [RENDERER_CSP]);
  assert.equal(h['content-security-policy'], undefined);
  assert.deepEqual(h['Content-Type'], ['text/html']);
  assert.deepEqual(withCsp(undefined), { 'Content-Security-Policy': [RENDERER_CSP] });
});

test("the renderer's page has no inline script, style or handler the CSP would block", () => {
  const html = readFileSync(join(projectRoot(), 'renderer', 'index.html'), 'utf8');
  for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    assert.match(m[1]!, /\bsrc=/, 'every <script> has a src');
    assert.equal(m[2]!.trim(), '', 'no inline script body');
  }
  assert.ok(!/<style\b/i.test(html), 'no inline <style>');
  assert.ok(!/\son[a-z]+\s*=/i.test(html), 'no inline event handler attributes');
  assert.ok(!/(src|href)=["']?(https?:)?\/\//i.test(html), 'nothing loaded from the network');
});

test('navigation: our page (any hash or query) stays, http(s) opens outside, everything else is refused', () => {
  assert.equal(navigationDecision(rendererUrl, rendererUrl, cs), 'allow');
  assert.equal(navigationDecision(rendererUrl + '#/jobs/shop', rendererUrl, cs), 'allow');
  assert.equal(navigationDecision(rendererUrl + '?x=1', rendererUrl, cs), 'allow');
  assert.equal(navigationDecision('https://mariadb.com/kb/en/binlog/', rendererUrl, cs), 'external');
  assert.equal(navigationDecision('http://example.com/', rendererUrl, cs), 'external');
  assert.equal(navigationDecision(pathToFileURL('/etc/passwd').href, rendererUrl, cs), 'deny');
  assert.equal(navigationDecision(pathToFileURL(join(rendererDir, 'other.html')).href, rendererUrl, cs), 'deny');
  assert.equal(navigationDecision(pathToFileURL(join(rendererDir, '..', 'renderer', 'index.html')).href, rendererUrl, cs), 'allow');
  assert.equal(navigationDecision('javascript:alert(1)', rendererUrl, cs), 'deny');
  assert.equal(navigationDecision('data:text/html,<script>1</script>', rendererUrl, cs), 'deny');
  assert.equal(navigationDecision('file://evil-host/share/index.html', rendererUrl, cs), 'deny');
  assert.equal(navigationDecision('not a url', rendererUrl, cs), 'deny');
});

test('new windows never open in the app; only plain http(s) links go to the OS browser', () => {
  assert.equal(windowOpenDecision('https://github.com/'), 'external');
  assert.equal(windowOpenDecision('https://user:secret@example.com/'), 'deny');
  assert.equal(windowOpenDecision('file:///etc/passwd'), 'deny');
  assert.equal(windowOpenDecision('mailto:someone@example.com'), 'deny');
  assert.equal(windowOpenDecision('smb://server/share'), 'deny');
  assert.equal(windowOpenDecision('about:blank'), 'deny');
  assert.ok(isExternalUrl('http://localhost:8080/x'));
  assert.ok(!isExternalUrl('https://'));
  assert.ok(!isExternalUrl('ftp://example.com/'));
});

test('file URLs: percent-encoding is normalised, .. cannot leave the folder, case only where the OS ignores it', () => {
  const spaced = '/Users/a b/Cutover.app/dist/renderer';
  const url = pathToFileURL(join(spaced, 'index.html')).href;
  assert.ok(url.includes('a%20b'));
  assert.ok(isRendererUrl(url, url, cs));
  assert.ok(isRendererUrl('file:///Users/a%20b/Cutover.app/dist/renderer/index.html#/x', url, cs));
  assert.ok(!isRendererUrl(url.toUpperCase(), url, cs));
  assert.ok(isRendererUrl(url.replace('Cutover.app', 'cutover.APP'), url, { caseInsensitive: true }));
  assert.ok(isFileInside(pathToFileURL(join(rendererDir, 'assets', 'index.js')).href, rendererDir, cs));
  assert.ok(!isFileInside('file://' + rendererDir + '/../../package.json', rendererDir, cs));
  assert.ok(!isFileInside('file://' + rendererDir + '/%2e%2e/secret', rendererDir, cs));
  assert.ok(!isFileInside(pathToFileURL(rendererDir + '-evil/x.js').href, rendererDir, cs));
  assert.ok(!isFileInside(pathToFileURL(rendererDir).href, rendererDir, cs));
  assert.ok(!isRendererUrl(null, rendererUrl, cs));
  assert.ok(!isRendererUrl('', rendererUrl, cs));
});

test('requests: the renderer folder and inline data only; no other file, no network', () => {
  assert.ok(isAllowedRequest(pathToFileURL(join(rendererDir, 'assets', 'index-abc.js')).href, rendererDir, cs));
  assert.ok(isAllowedRequest('data:image/png;base64,AAAA', rendererDir, cs));
  assert.ok(isAllowedRequest('devtools://devtools/bundled/devtools_app.html', rendererDir, cs));
  assert.ok(!isAllowedRequest('file:///home/me/.ssh/id_ed25519', rendererDir, cs));
  assert.ok(!isAllowedRequest(pathToFileURL(join(rendererDir, '..', 'electron', 'main.js')).href, rendererDir, cs));
  assert.ok(!isAllowedRequest('https://cdn.example.com/x.js', rendererDir, cs));
  assert.ok(!isAllowedRequest('ws://127.0.0.1:9229/', rendererDir, cs));
});

test('permissions: only sanitized clipboard writes, and only for our page', () => {
  assert.ok(isPermissionAllowed('clipboard-sanitized-write', rendererUrl, rendererUrl, cs));
  assert.ok(!isPermissionAllowed('clipboard-sanitized-write', 'https://example.com/', rendererUrl, cs));
  assert.ok(!isPermissionAllowed('clipboard-sanitized-write', undefined, rendererUrl, cs));
  for (const p of ['clipboard-read', 'notifications', 'media', 'geolocation', 'openExternal', 'fullscreen', 'hid', 'usb', 'serial', 'fileSystem', 'unknown']) {
    assert.ok(!isPermissionAllowed(p, rendererUrl, rendererUrl, cs), p);
  }
});

test('IPC senders: the main frame of our own window showing our page, nothing else', () => {
  const trusted = { rendererUrl, webContentsIds: new Set([7]) };
  assert.ok(isTrustedSender({ frameUrl: rendererUrl + '#/jobs', isMainFrame: true, webContentsId: 7 }, trusted, cs));
  assert.ok(!isTrustedSender({ frameUrl: rendererUrl, isMainFrame: false, webContentsId: 7 }, trusted, cs), 'an iframe');
  assert.ok(!isTrustedSender({ frameUrl: rendererUrl, isMainFrame: true, webContentsId: 8 }, trusted, cs), 'another window');
  assert.ok(!isTrustedSender({ frameUrl: 'https://example.com/', isMainFrame: true, webContentsId: 7 }, trusted, cs), 'a foreign page');
  assert.ok(!isTrustedSender({ frameUrl: null, isMainFrame: true, webContentsId: 7 }, trusted, cs), 'a frame that is gone');
  assert.ok(!isTrustedSender({ frameUrl: rendererUrl, isMainFrame: true, webContentsId: 7 }, { rendererUrl, webContentsIds: [] }, cs));
});

test('calls: only the methods of the API, with a list of arguments', () => {
  assert.equal(new Set(API_METHODS).size, API_METHODS.length);
  for (const m of API_METHODS) assert.ok(isApiMethod(m));
  for (const m of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'shutdown', 'connect', '', 'INFO']) {
    assert.ok(!isApiMethod(m), m);
    const v = validateCall(m, []);
    assert.ok(!v.ok && v.error.code === 'UNKNOWN_METHOD', m);
  }
  assert.ok(!isApiMethod(42));
  assert.deepEqual(validateCall('jobStatus', ['shop']), { ok: true, method: 'jobStatus', args: ['shop'] });
  assert.deepEqual(validateCall('info', undefined), { ok: true, method: 'info', args: [] });
  const bad = validateCall('jobStatus', 'shop');
  assert.ok(!bad.ok && bad.error.code === 'BAD_ARGUMENTS');
  assert.ok(!validateCall('logs', new Array(100).fill(null)).ok);
});

test('watch messages: a list of job names, deduplicated, bounded', () => {
  assert.deepEqual(validateWatch([]), []);
  assert.deepEqual(validateWatch(['a', 'b', 'a']), ['a', 'b']);
  assert.equal(validateWatch('a'), null);
  assert.equal(validateWatch([1]), null);
  assert.equal(validateWatch(['']), null);
  assert.equal(validateWatch(['x'.repeat(10_000)]), null);
  assert.equal(validateWatch(Array.from({ length: 1000 }, (_, i) => `j${i}`)), null);
});

test("the preload's copies of the channel and method names match shared/api.ts", () => {
  const src = readFileSync(join(projectRoot(), 'electron', 'preload.cts'), 'utf8');
  for (const [key, channel] of Object.entries(IPC)) assert.ok(src.includes(`${key}: '${channel}'`), `channel ${key}`);
  const list = /const METHODS = \[([\s\S]*?)\] as const/.exec(src)?.[1] ?? '';
  const methods = [...list.matchAll(/'([A-Za-z]+)'/g)].map((m) => m[1]);
  assert.deepEqual(methods, [...API_METHODS]);
});
