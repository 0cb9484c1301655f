// The wizard's former dead ends in Debian's Chromium, at 1280×800 and 1920×1080, against `cutover ui` and
// real MariaDB: a source with the binlog off (a MariaDB of its own without --log-bin) goes on as a
// copy-only job from the Preflight step; a sink that is the source opens Mapping, which asks for new
// names; a URL pasted into Host fills the fields; a job is removed from its view after a confirmation
// that offers to clean the sink's checkpoint row. Screenshots: test-artifacts/e2e/dead-ends-*.png.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { emptyDraft, type WizardDraft } from '../../shared/wizard.js';
import { axeViolations, launchChromium, shot } from '../helpers/browser.js';
import { startBinlogOffServer, type BinlogOffServer } from '../helpers/binlog-off-server.js';
import { exec, q, sinkUrl, sourceUrl, tempDir, uniqueName } from '../helpers/db.js';
import { startUi, type RunningUi } from '../helpers/ui.js';


const DB = uniqueName('deadend');
const VIEWPORTS = [
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
] as const;

function server(url: string) {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port), user: decodeURIComponent(u.username), tls: { mode: 'disabled' as const } };
}
const password = (url: string): string => decodeURIComponent(new URL(url).password);

describe("the wizard's dead ends, in Chromium", { timeout: 10 * 60_000 }, () => {
  let legacy: BinlogOffServer | undefined;
  let ui: RunningUi;
  let browser: Browser;

  before(async () => {
    legacy = await startBinlogOffServer('e2e-nobinlog', 50, 8);
    const url = legacy.url;
    await exec(url, `CREATE DATABASE IF NOT EXISTS legacy; CREATE TABLE IF NOT EXISTS legacy.t (id INT PRIMARY KEY)`);
    await exec(sourceUrl(), `CREATE DATABASE ${q(DB)}; CREATE TABLE ${q(DB)}.items (id INT PRIMARY KEY); CREATE TABLE ${q(DB)}.notes (id INT PRIMARY KEY)`);
    ui = await startUi(join(tempDir('cutover-e2e-dead-ends-'), 'state.db'));
    await ui.call('saveProfile', { profile: { kind: 'mysql', name: 'legacy', ...server(url) }, secrets: { password: password(url) } });
    await ui.call('saveProfile', { profile: { kind: 'mysql', name: 'shop', ...server(sourceUrl()) }, secrets: { password: password(sourceUrl()) } });
    await ui.call('saveProfile', { profile: { kind: 'mysql', name: 'target', ...server(sinkUrl()) }, secrets: { password: password(sinkUrl()) } });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await ui?.stop();
    await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(DB)}`).catch(() => undefined);
    await legacy?.stop();
  });

  for (const vp of VIEWPORTS) {
    const tag = `${vp.width}x${vp.height}`;
    const open = async (hash: string): Promise<Page> => {
      const page = await (await browser.newContext({ viewport: vp, colorScheme: 'light' })).newPage();
      await page.goto(ui.loginUrl);
      await page.evaluate((h) => (window.location.hash = h), hash);
      return page;
    };
    const draft = async (f: (d: WizardDraft) => void): Promise<void> => {
      const d = emptyDraft();
      f(d);
      await ui.call('saveDraft', d);
    };

    it(`${tag}: a source with the binlog off continues as a copy-only job from the Preflight step`, async () => {
      await draft((d) => {
        d.source.profile = 'legacy';
        d.step = 'preflight';
      });
      const page = await open('#/new');
      await page.getByTestId('preflight-copy-only').waitFor({ timeout: 60_000 });
      assert.equal(await page.getByTestId('preflight-item-source.binlog.log_bin').getAttribute('data-status'), 'fail');
      await shot(page, `dead-ends-${tag}-1-binlog-off`);
      assert.deepEqual(await axeViolations(page), []);
      await page.getByTestId('btn-continue-copy-only').click();
      await page.locator('[data-testid="preflight-report"][data-ok="true"]').waitFor({ timeout: 60_000 });
      assert.equal(await page.getByTestId('preflight-item-source.binlog.log_bin').getAttribute('data-status'), 'warn');
      await page.getByTestId('wizard-next').click();
      await page.getByTestId('wizard-panel-tables').waitFor();
      await page.getByTestId('catalog-row-legacy.t').waitFor({ timeout: 30_000 });
      await shot(page, `dead-ends-${tag}-2-copy-only-tables`);
      await page.context().close();
    });

    it(`${tag}: a sink that is the source opens Mapping, which asks for new names`, async () => {
      await draft((d) => {
        d.source.profile = 'shop';
        d.preflight = { report: { ok: true, source: { url: '' }, items: [] }, ranAt: Date.now(), forProfile: 'shop', streaming: true };
        d.tables.selected = [`${DB}.items`, `${DB}.notes`];
        d.sink.profile = 'shop';
        d.step = 'sink';
      });
      const page = await open('#/new');
      await page.getByTestId('sink-is-source').waitFor({ timeout: 30_000 });
      await page.getByTestId('wizard-next').click();
      await page.getByTestId('wizard-panel-mapping').waitFor({ timeout: 30_000 });
      await page.getByTestId('wizard-next').click();
      const summary = page.getByTestId('wizard-errors');
      await summary.waitFor();
      assert.match((await summary.textContent()) ?? '', /The sink is the source itself, so 2 tables of .* would be copied onto themselves/);
      await shot(page, `dead-ends-${tag}-3-sink-is-source`);
      await page.getByTestId(`field-mapping.rename.${DB}`).fill(`${DB}_copy`);
      await page.getByTestId('wizard-next').click();
      await page.getByTestId('wizard-panel-options').waitFor();
      await page.context().close();
    });

    it(`${tag}: a URL pasted into Host fills the connection's fields`, async () => {
      const page = await open('#/connections');
      await page.getByTestId('btn-new-profile').click();
      await page.getByTestId('field-name').fill('pasted');
      await page.getByTestId('field-host').fill('mysql://app:secret@db.example.com:3307?ssl-mode=REQUIRED');
      await page.getByTestId('profile-save').click();
      assert.match((await page.getByTestId('field-error-host').textContent()) ?? '', /This is a connection URL, not a host name/);
      await shot(page, `dead-ends-${tag}-4-url-in-host`);
      await page.getByTestId('btn-fill-from-url').click();
      assert.deepEqual(
        await Promise.all(['host', 'port', 'user'].map((f) => page.getByTestId(`field-${f}`).inputValue())),
        ['db.example.com', '3307', 'app'],
      );
      await shot(page, `dead-ends-${tag}-5-url-filled`);
      await page.context().close();
    });

    it(`${tag}: a job is removed from its view after a confirmation that offers to clean the sink`, async () => {
      const name = `${DB}-${vp.width}`;
      const file = { name, source: { profile: 'shop' }, sink: { type: 'mysql', profile: 'target' }, tables: { include: [`${DB}.*`] }, mode: 'snapshot' };
      await ui.call('openJob', { text: JSON.stringify(file), fileName: 'job.json' });
      const page = await open(`#/jobs/${encodeURIComponent(name)}`);
      await page.getByTestId('btn-remove-job').click();
      await page.getByTestId('remove-clean-sink').waitFor({ timeout: 30_000 });
      await shot(page, `dead-ends-${tag}-6-remove-job`);
      assert.deepEqual(await axeViolations(page), []);
      await page.getByTestId('confirm-ok').click();
      await page.waitForFunction(() => window.location.hash === '#/');
      assert.ok(!(await ui.call('listJobs')).some((j) => j.name === name));
      await page.context().close();
    });
  }
});
