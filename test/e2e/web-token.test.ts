// The web-mode token never reaches another local server. Browsers do not scope cookies by port: a
// cookie that 127.0.0.1:A sets is sent to 127.0.0.1:B as well (the control below shows it). So the
// dashboard lives on a per-launch `<random>.localhost` name and its cookie is host-only for that name.
// In Chromium: log in, then visit servers on 127.0.0.1, localhost and another *.localhost name at other
// ports, which record every Cookie header they receive; the token is in none of them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { freePort, tempDir } from '../helpers/db.js';
import { startUi, type RunningUi } from '../helpers/ui.js';

interface Seen {
  host: string;
  path: string;
  cookie: string;
}

/** A local HTTP server that records the Host and Cookie of every request; `/set` sets a cookie of its own. */
async function recorder(port: number, seen: Seen[]): Promise<Server[]> {
  const handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): void => {
    seen.push({ host: req.headers.host ?? '', path: req.url ?? '', cookie: req.headers.cookie ?? '' });
    const headers: Record<string, string> = { 'Content-Type': 'text/plain' };
    if (req.url === '/set') headers['Set-Cookie'] = 'control=from-another-port; Path=/';
    res.writeHead(200, headers).end('recorded');
  };
  const servers: Server[] = [];
  for (const address of ['127.0.0.1', '::1']) {
    const s = createServer(handler);
    const ok = await new Promise<boolean>((resolve) => {
      s.once('error', () => resolve(false));
      s.listen(port, address, () => resolve(true));
    });
    if (ok) servers.push(s);
    else if (address === '127.0.0.1') throw new Error(`cannot listen on 127.0.0.1:${port}`);
  }
  return servers;
}

describe('web-mode token in Chromium', () => {
  let ui: RunningUi;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const servers: Server[] = [];
  const seen: Seen[] = [];
  let other: number;
  let control: number;

  before(async () => {
    ui = await startUi(join(tempDir(), 'state.db'));
    other = await freePort();
    control = await freePort();
    servers.push(...(await recorder(other, seen)), ...(await recorder(control, seen)));
    browser = await launchChromium();
    context = await browser.newContext();
    page = await context.newPage();
  });

  after(async () => {
    await browser?.close();
    for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
    await ui?.stop();
  });

  it('control: a cookie set by 127.0.0.1 at one port reaches 127.0.0.1 at every other port', async () => {
    await page.goto(`http://127.0.0.1:${control}/set`);
    await page.goto(`http://127.0.0.1:${other}/control-probe`);
    const probe = seen.find((s) => s.path === '/control-probe');
    assert.ok(probe, 'the second server was reached');
    assert.match(probe.cookie, /control=from-another-port/, 'a cookie on 127.0.0.1 is not scoped by port: a token cookie there would leak');
    await context.clearCookies();
  });

  it('logs in on a per-launch *.localhost name, and the cookie never reaches another local server', async () => {
    const login = new URL(ui.loginUrl);
    assert.match(login.hostname, /^[a-z0-9]{20}\.localhost$/, `the login host ${login.hostname}`);
    assert.notEqual(login.hostname, '127.0.0.1');
    assert.notEqual(login.hostname, 'localhost');

    await page.goto(ui.loginUrl);
    await page.getByTestId('btn-open-job').first().waitFor({ timeout: 30_000 });
    assert.equal(new URL(page.url()).hostname, login.hostname, 'the dashboard runs on its own name');
    assert.doesNotMatch(page.url(), /token=/, 'the token leaves the address bar');
    const cookies = await context.cookies();
    const tokenCookie = cookies.find((c) => c.value === ui.token);
    assert.ok(tokenCookie, `the login set the token cookie: ${JSON.stringify(cookies.map((c) => c.domain))}`);
    assert.equal(tokenCookie.domain, login.hostname, 'host-only for the dashboard name');
    assert.equal(tokenCookie.httpOnly, true);
    assert.equal(tokenCookie.sameSite, 'Strict');

    const targets = [
      `http://127.0.0.1:${other}/after-login`,
      `http://localhost:${other}/after-login`,
      `http://127.0.0.1:${ui.port}/`,
      `http://localhost:${ui.port}/`,
      `http://another.localhost:${other}/after-login`,
    ];
    for (const target of targets) await page.goto(target);
    const after = seen.filter((s) => s.path === '/after-login');
    assert.equal(after.length, 3, `each other server was reached: ${JSON.stringify(after)}`);
    for (const s of seen) assert.ok(!s.cookie.includes(ui.token), `the token reached ${s.host}${s.path}`);
    // The dashboard's own port, addressed as 127.0.0.1 or localhost, gets no cookie either: it refuses the page.
    const direct = await page.goto(`http://127.0.0.1:${ui.port}/`);
    assert.equal(direct?.status(), 401);
  });

  it('a login URL on 127.0.0.1 forwards to the dashboard name and sets no cookie for 127.0.0.1', async () => {
    await context.clearCookies();
    await page.goto(`http://127.0.0.1:${ui.port}/?token=${ui.token}`);
    await page.getByTestId('btn-open-job').first().waitFor({ timeout: 30_000 });
    assert.match(new URL(page.url()).hostname, /\.localhost$/);
    const cookies = await context.cookies();
    assert.deepEqual(cookies.filter((c) => c.domain === '127.0.0.1' || c.domain === 'localhost'), []);
    await page.goto(`http://127.0.0.1:${other}/after-forward`);
    const probe = seen.find((s) => s.path === '/after-forward');
    assert.ok(probe && !probe.cookie.includes(ui.token), JSON.stringify(probe));
  });

  it('scripts still call the API on 127.0.0.1 with the token as a Bearer header, and a copied cookie there is refused', async () => {
    assert.deepEqual(await ui.call('listJobs'), []);
    const res = await fetch(`${ui.url}api/call/listJobs`, { method: 'POST', body: '{"args":[]}', headers: { Cookie: `cutover_token=${ui.token}` } });
    assert.equal(res.status, 401);
  });
});
