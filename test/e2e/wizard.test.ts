// A new user's whole migration in Debian's Chromium, against `cutover ui` and real MariaDB, without a
// terminal: from an empty profile list, the wizard (new source and sink connections tested and saved,
// preflight, tables, a page reload that keeps the draft, mapping with a database rename, options,
// review with the estimate and the job file) to a running snapshot+stream job; Verify (pass), a row
// changed on the sink found and named, Repair, Verify (pass); the cutover assistant from lag to the
// exported Markdown and HTML report, read-only undone at the end. Screenshots of every step go to
// test-artifacts/e2e/wizard-*.png, the exported reports beside them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { ARTIFACTS, axeViolations, launchChromium, openPage, shot } from '../helpers/browser.js';
import { exec, q, query, ROOT, sinkUrl, sourceUrl, tempDir, uniqueName } from '../helpers/db.js';
import { waitUntil } from '../helpers/stream-cli.js';
import { startUi, type RunningUi } from '../helpers/ui.js';

const DB = uniqueName('e2ewiz');
const SINK_DB = `${DB}_new`;

function server(url: string): { host: string; port: string; user: string; password: string } {
  const u = new URL(url);
  return { host: u.hostname, port: u.port, user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
}

describe('the migration wizard, verification and cutover in Chromium', () => {
  let ui: RunningUi;
  let browser: Browser;
  let page: Page;
  let job = '';
  const dir = tempDir('cutover-e2e-wizard-');
  const consoleErrors: string[] = [];

  before(async () => {
    const sql = readFileSync(join(ROOT, 'test/fixtures/sample-shop.sql'), 'utf8');
    await exec(sourceUrl(), `CREATE DATABASE ${q(DB)} CHARACTER SET utf8mb4; USE ${q(DB)};\n${sql}`);
    ui = await startUi(join(dir, 'state.db'));
    browser = await launchChromium();
    page = await openPage(browser, consoleErrors, { colorScheme: 'light', acceptDownloads: true });
  });

  after(async () => {
    await exec(sourceUrl(), 'SET GLOBAL read_only = OFF').catch(() => undefined);
    await browser?.close();
    if (job) await ui?.call('stop', job).catch(() => undefined);
    await ui?.stop();
    await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(DB)}`).catch(() => undefined);
    await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${q(SINK_DB)}`).catch(() => undefined);
  });

  const next = (): Promise<void> => page.getByTestId('wizard-next').click();
  const onStep = (id: string): Promise<void> => page.getByTestId(`wizard-step-${id}`).and(page.locator('[data-state="current"]')).waitFor({ timeout: 30_000 });

  /** Creates a connection from the step's inline form: fill, Test (must pass), Save. */
  async function newConnection(role: 'source' | 'sink', name: string, url: string): Promise<void> {
    const s = server(url);
    await page.getByTestId(`${role}-new-connection`).click();
    const form = page.getByTestId('profile-form');
    await form.getByTestId('field-name').fill(name);
    await form.getByTestId('field-host').fill(s.host);
    await form.getByTestId('field-port').fill(s.port);
    await form.getByTestId('field-user').fill(s.user);
    await form.getByTestId('field-password').fill(s.password);
    await form.getByTestId('profile-test').click();
    const result = form.getByTestId('profile-test-result');
    await result.waitFor({ timeout: 30_000 });
    assert.equal(await result.getAttribute('data-ok'), 'true', (await result.textContent()) ?? '');
    await shot(page, `wizard-${role === 'source' ? '01' : '05'}-${role}-connection-tested`);
    await form.getByTestId('profile-save').click();
    await form.waitFor({ state: 'detached', timeout: 10_000 });
  }

  it('takes a new user from an empty profile list to a running snapshot+stream job', async () => {
    await page.goto(ui.loginUrl);
    await page.getByTestId('btn-new-migration-empty').click();
    await onStep('source');

    // Next without a source: the step says what is missing, beside the field.
    await next();
    await page.getByTestId('wizard-errors').waitFor();
    await newConnection('source', 'shop-source', sourceUrl());
    await next();

    await onStep('preflight');
    const report = page.getByTestId('preflight-report');
    await report.waitFor({ timeout: 60_000 });
    assert.equal(await report.getAttribute('data-ok'), 'true', (await report.textContent()) ?? '');
    await shot(page, 'wizard-02-preflight');
    await next();

    await onStep('tables');
    await page.getByTestId(`db-check-${DB}`).click();
    assert.match((await page.getByTestId('tables-summary').textContent()) ?? '', /^10 of [\d,]+ tables selected/);
    await shot(page, 'wizard-03-tables');

    // The draft lives in the engine: a reload (or an app restart) comes back to the same step and selection.
    await page.waitForFunction(() => document.querySelector('[data-testid="draft-status"]')?.getAttribute('data-state') === 'saved', undefined, { timeout: 10_000 });
    await page.reload();
    await onStep('tables');
    assert.match((await page.getByTestId('tables-summary').textContent()) ?? '', /^10 of [\d,]+ tables selected/, 'the selection survives a reload');
    await shot(page, 'wizard-04-tables-after-reload');
    await next();

    await onStep('sink');
    await newConnection('sink', 'shop-sink', sinkUrl());
    await next();

    await onStep('mapping');
    await page.getByTestId(`field-mapping.rename.${DB}`).fill(SINK_DB);
    await shot(page, 'wizard-06-mapping');
    await next();

    await onStep('options');
    const name = page.getByTestId('field-options.name');
    assert.ok((await name.inputValue()).length > 0, 'the job has a default name');
    await name.fill(`${DB}-move`);
    await page.getByTestId('field-options.parallelism').fill('2');
    assert.equal(await page.getByTestId('field-options.mode-snapshot+stream').isChecked(), true);
    await shot(page, 'wizard-07-options');
    await next();

    await onStep('review');
    await page.getByTestId('estimate-result').waitFor({ timeout: 60_000 });
    assert.match((await page.getByTestId('estimate-basis').textContent()) ?? '', /rows\/s for one reader/);
    const jobJson = JSON.parse((await page.getByTestId('export-json').textContent()) ?? '{}') as { source: unknown; sink: unknown; rename: Record<string, string> };
    assert.deepEqual(jobJson.source, { profile: 'shop-source' });
    assert.deepEqual(jobJson.sink, { type: 'mysql', profile: 'shop-sink' });
    assert.deepEqual(jobJson.rename, { [DB]: SINK_DB });
    assert.deepEqual(await axeViolations(page), [], 'wizard review');
    await shot(page, 'wizard-08-review');

    await page.getByTestId('btn-start-migration').click();
    job = `${DB}-move`;
    await page.waitForURL(/#\/jobs\//, { timeout: 30_000 });
    await page.getByTestId('job-phase').filter({ hasText: /stream/i }).first().waitFor({ timeout: 120_000 });
    await shot(page, 'wizard-09-job-streaming');
    const copied = await query<{ n: number }>(sinkUrl(), `SELECT COUNT(*) AS n FROM ${q(SINK_DB)}.payment`);
    const source = await query<{ n: number }>(sourceUrl(), `SELECT COUNT(*) AS n FROM ${q(DB)}.payment`);
    assert.equal(Number(copied[0]!.n), Number(source[0]!.n));
  });

  const verifyState = (): Locator => page.getByTestId('verify-state');
  /** Clicks Verify, waits for that run (a new id in the state file) to end, and for the panel to show it. */
  async function verifyUntil(state: 'pass' | 'fail'): Promise<void> {
    const before = (await ui.call('verification', job))?.id ?? 0;
    await page.getByTestId('btn-verify').click();
    await waitUntil('the verification ends', async () => {
      const v = await ui.call('verification', job);
      return v && v.id > before && v.state !== 'running';
    }, { ms: 120_000 });
    await page.waitForFunction((want) => document.querySelector('[data-testid="verify-state"]')?.getAttribute('data-state') === want, state, { timeout: 30_000 });
  }

  it('verifies, names a row changed on the sink, repairs it, and verifies again', async () => {
    await verifyUntil('pass');
    await page.getByTestId('verify-panel').scrollIntoViewIfNeeded();
    await shot(page, 'wizard-10-verify-pass');

    await exec(sinkUrl(), `UPDATE ${q(SINK_DB)}.customer SET email = 'changed@example.com' WHERE customer_id = 42`);
    await verifyUntil('fail');
    const keys = page.getByTestId('verify-mismatch-key');
    assert.equal(await keys.count(), 1);
    assert.equal(await keys.first().getAttribute('data-kind'), 'different');
    assert.match((await keys.first().textContent()) ?? '', /customer_id\D+42\b/);
    assert.match((await page.getByTestId(`verify-table-${DB}.customer`).getAttribute('data-state')) ?? '', /mismatch/);
    await page.getByTestId('verify-panel').scrollIntoViewIfNeeded();
    await shot(page, 'wizard-11-verify-mismatch');

    await page.getByTestId('btn-repair').click();
    await page.getByTestId('confirm-ok').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="verify-state"]')?.getAttribute('data-state') === 'pass', undefined, { timeout: 120_000 });
    const [row] = await query<{ email: string }>(sinkUrl(), `SELECT email FROM ${q(SINK_DB)}.customer WHERE customer_id = 42`);
    const [want] = await query<{ email: string }>(sourceUrl(), `SELECT email FROM ${q(DB)}.customer WHERE customer_id = 42`);
    assert.equal(row!.email, want!.email, 'the row is as on the source again');
    await verifyUntil('pass');
    assert.equal(await verifyState().getAttribute('data-state'), 'pass');
    await page.getByTestId('verify-panel').scrollIntoViewIfNeeded();
    await shot(page, 'wizard-12-repaired');
  });

  it('walks the cutover assistant to its report and exports it', async () => {
    await page.getByTestId('btn-cutover').click();
    await page.getByTestId('cutover-view').waitFor();
    const stepState = (id: string): Promise<string | null> => page.getByTestId(`cutover-step-${id}`).getAttribute('data-state');
    const runStep = async (id: string, confirm = false): Promise<void> => {
      await page.getByTestId(`cutover-run-${id}`).click();
      if (confirm) await page.getByTestId('confirm-ok').click();
      await page
        .waitForFunction((s) => ['done', 'failed'].includes(document.querySelector(`[data-testid="cutover-step-${s}"]`)?.getAttribute('data-state') ?? ''), id, { timeout: 120_000 })
        .catch(async (e: unknown) => {
          await shot(page, `wizard-failed-at-${id}`);
          throw e;
        });
      assert.equal(await stepState(id), 'done', (await page.getByTestId(`cutover-step-${id}`).textContent()) ?? '');
    };
    await page.getByTestId('cutover-lag-threshold').fill('30');
    await runStep('lag');
    // The way back has its own test (cutover-reverse): this walk switches without one, the operator's choice.
    await page.getByTestId('cutover-skip-reverse-check').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="cutover-step-reverse-check"]')?.getAttribute('data-state') === 'skipped', undefined, { timeout: 30_000 });
    await runStep('read-only', true);
    assert.equal(Number((await query<{ v: number }>(sourceUrl(), 'SELECT @@GLOBAL.read_only AS v'))[0]!.v), 1, 'the source is read-only');
    await shot(page, 'wizard-13-cutover-read-only');
    await runStep('fence');
    await runStep('verify');
    await runStep('deferred');
    assert.match((await page.getByTestId('cutover-deferred').textContent()) ?? '', /customer_create_date/);
    assert.equal((await query(sinkUrl(), 'SELECT 1 FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?', [SINK_DB])).length, 2, 'both triggers are on the sink');

    for (const [btn, ext] of [['btn-export-md', 'md'], ['btn-export-html', 'html']] as const) {
      const download = page.waitForEvent('download');
      await page.getByTestId(btn).click();
      const file = await download;
      assert.match(file.suggestedFilename(), new RegExp(`^cutover-report-.*\\.${ext}$`));
      const path = join(ARTIFACTS, `wizard-report.${ext}`);
      await file.saveAs(path);
      const text = readFileSync(path, 'utf8');
      assert.match(text, new RegExp(job.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      const s = server(sourceUrl());
      assert.ok(!text.includes(`${s.user}:${s.password}@`) && !/password/i.test(text), 'no password in the report');
    }
    await page.getByTestId('cutover-complete').waitFor({ timeout: 10_000 });
    assert.deepEqual(await axeViolations(page), [], 'cutover assistant');
    await shot(page, 'wizard-14-cutover-complete');

    await page.getByTestId('cutover-undo-read-only').click();
    await page.getByTestId('confirm-ok').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="cutover-step-read-only"]')?.getAttribute('data-state') === 'undone', undefined, { timeout: 30_000 });
    assert.equal(Number((await query<{ v: number }>(sourceUrl(), 'SELECT @@GLOBAL.read_only AS v'))[0]!.v), 0, 'undo made the source writable');
    await shot(page, 'wizard-15-read-only-undone');
    assert.deepEqual(consoleErrors.filter((e) => /Content Security Policy|Uncaught|TypeError/.test(e)), []);
  });
});
