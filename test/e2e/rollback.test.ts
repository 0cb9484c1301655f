// The way back in Debian's Chromium, against `cutover ui` and real MariaDB: a job is switched with a way
// back (through the API, as test/integration/cutover-reverse.test.ts does; the sink server logs full row
// metadata for the reverse job), then the dashboard shows the pair — the switched job linking its reverse
// job, the reverse job under it in the jobs list with the rollback's readiness — and the rollback is run
// through its page, each step confirmed where it changes a server, to its report: the old server then
// equals the new one and takes writes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { CutoverState } from '../../shared/api.js';
import { axeViolations, launchChromium, openPage, shot } from '../helpers/browser.js';
import { exec, jobSpec, q, query, sinkUrl, sourceUrl, tempDir, uniqueName, writeJob } from '../helpers/db.js';
import { assertSinkEqualsSource, dropStreamTest } from '../helpers/stream.js';
import { waitUntil } from '../helpers/stream-cli.js';
import { startUi, type RunningUi } from '../helpers/ui.js';

const DB = uniqueName('e2eback');
const NEW_DB = `${DB}_new`;
const JOB = `${DB}-job`;
const REVERSE = `${JOB}-reverse`;
const TABLES = ['orders', 'notes'];

describe('the rollback in Chromium', () => {
  let ui: RunningUi;
  let browser: Browser;
  let page: Page;
  const dir = tempDir('cutover-e2e-rollback-');
  const consoleErrors: string[] = [];
  let metadata = 'NO_LOG';

  before(async () => {
    await exec(
      sourceUrl(),
      `CREATE DATABASE ${q(DB)}; USE ${q(DB)};
       CREATE TABLE orders (id INT AUTO_INCREMENT PRIMARY KEY, amount DECIMAL(10,2) NOT NULL);
       CREATE TABLE notes (body VARCHAR(40) NOT NULL, n INT NOT NULL);
       INSERT INTO orders (amount) VALUES (1.25), (2.50), (3.75);
       INSERT INTO notes VALUES ('a', 1), ('b', 2);`,
    );
    metadata = String((await query<{ v: string }>(sinkUrl(), 'SELECT @@GLOBAL.binlog_row_metadata AS v'))[0]!.v);
    await exec(sinkUrl(), 'SET GLOBAL binlog_row_metadata = FULL');
    const path = writeJob(dir, jobSpec(JOB, DB, { rename: { [DB]: NEW_DB }, snapshot: { chunkRows: 100, parallelism: 1 }, stream: { batch: { maxDelayMs: 100 } } }));
    ui = await startUi(join(dir, 'state.db'));
    await ui.call('openJob', { text: readFileSync(path, 'utf8'), fileName: 'job.json' });
    browser = await launchChromium();
    page = await openPage(browser, consoleErrors, { colorScheme: 'light', acceptDownloads: true });
  });

  after(async () => {
    await browser?.close();
    await exec(sourceUrl(), 'SET GLOBAL read_only = OFF').catch(() => undefined);
    await exec(sinkUrl(), 'SET GLOBAL read_only = OFF').catch(() => undefined);
    await exec(sinkUrl(), `SET GLOBAL binlog_row_metadata = ${metadata}`).catch(() => undefined);
    await ui?.stop();
    await query(sourceUrl(), 'DELETE FROM _cutover.cutover_checkpoint WHERE job = ?', [REVERSE]).catch(() => undefined);
    await dropStreamTest(JOB, DB, NEW_DB, true);
  });

  it('a switched job: the pair and the rollback’s readiness on the dashboard', async () => {
    await ui.call('start', JOB);
    await waitUntil('the job streams', async () => (await ui.call('jobStatus', JOB)).stream?.lagSeconds != null, { ms: 120_000 });
    for (const [step, options] of [['lag', { lagThresholdSeconds: 30 }], ['reverse-check', {}], ['read-only', { confirm: true }], ['fence', {}], ['verify', {}], ['deferred', {}], ['reverse', {}]] as const) await run(step, options);
    await waitUntil('the reverse job streams', async () => (await ui.call('jobStatus', REVERSE)).phase === 'streaming', { ms: 120_000 });
    // The application writes to the new server now.
    await exec(sinkUrl(), `USE ${q(NEW_DB)}; INSERT INTO orders (amount) VALUES (10.00), (11.00); UPDATE orders SET amount = amount + 1 WHERE id = 1; DELETE FROM orders WHERE id = 2; INSERT INTO notes VALUES ('c', 3); DELETE FROM notes WHERE body = 'a';`);

    await page.goto(ui.loginUrl);
    await page.goto(`${ui.pageUrl}#/jobs/${encodeURIComponent(JOB)}`);
    const pair = page.getByTestId('job-pair');
    await pair.waitFor({ timeout: 30_000 });
    assert.match((await pair.textContent()) ?? '', /Switched\./);
    assert.equal(await pair.getByTestId('pair-link').getAttribute('href'), `#/jobs/${encodeURIComponent(REVERSE)}`);
    assert.match((await page.getByTestId('job-state').first().textContent()) ?? '', /switched/i);
    // The reverse job sits right under the switched job in the jobs list, with the readiness.
    const names = await page.locator('[data-testid="job-list"] a.job-item').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')));
    assert.equal(names.indexOf(`job-item-${REVERSE}`), names.indexOf(`job-item-${JOB}`) + 1, names.join(', '));
    await page.waitForFunction(() => document.querySelector('[data-testid="job-pair"] [data-testid="rollback-readiness"]')?.getAttribute('data-readiness') === 'ready', undefined, { timeout: 120_000 });
    assert.equal(await page.getByTestId(`job-readiness-${REVERSE}`).getAttribute('data-readiness'), 'ready');
    assert.deepEqual(await axeViolations(page), [], 'switched job with its pair');
    await shot(page, 'rollback-01-pair');

    // The reverse job's dashboard links back and to the same rollback.
    await page.getByTestId(`job-item-${REVERSE}`).click();
    await page.getByTestId('job-pair').filter({ hasText: /The way back of/ }).waitFor({ timeout: 30_000 });
    assert.equal(await page.getByTestId('btn-rollback').getAttribute('href'), `#/jobs/${encodeURIComponent(JOB)}/rollback`);
  });

  it('runs the rollback through its page to the report; the old server then equals the new one', async () => {
    await page.getByTestId('btn-rollback').click();
    await page.getByTestId('rollback-view').waitFor({ timeout: 30_000 });
    assert.equal(await page.getByTestId('rollback-writable').getAttribute('data-takes-writes'), 'new');
    await page.getByTestId('rollback-readiness').waitFor({ timeout: 30_000 });
    assert.deepEqual(await axeViolations(page), [], 'rollback page');
    await shot(page, 'rollback-02-page');

    await page.getByTestId('rollback-run-freeze').click();
    const dialog = page.getByRole('dialog');
    assert.match((await dialog.textContent()) ?? '', /Make the new server .* read-only\?/);
    await page.getByTestId('confirm-ok').click();
    await stepDone('freeze');
    assert.equal(await page.getByTestId('rollback-writable').getAttribute('data-takes-writes'), 'neither');
    for (const step of ['fence', 'verify', 'triggers']) {
      await page.getByTestId(`rollback-run-${step}`).click();
      await stepDone(step);
    }
    await page.getByTestId('rollback-run-writable').click();
    assert.match((await page.getByRole('dialog').textContent()) ?? '', /Let the old server .* take writes again\?/);
    await page.getByTestId('confirm-ok').click();
    await stepDone('writable');
    await page.getByTestId('rollback-run-report').click();
    await stepDone('report');
    await page.getByTestId('rollback-complete').waitFor({ timeout: 30_000 });
    assert.equal(await page.getByTestId('rollback-writable').getAttribute('data-takes-writes'), 'old');
    await page.getByTestId('btn-preview-report').click();
    const preview = (await page.getByTestId('cutover-report-preview').textContent()) ?? '';
    assert.match(preview, new RegExp(`# Rollback of ${JOB}`));
    assert.match(preview, /Rolled back:/);
    assert.match((await page.getByTestId(`job-readiness-${REVERSE}`).textContent()) ?? '', /stopped/);
    await shot(page, 'rollback-03-report');
    assert.deepEqual(await axeViolations(page), [], 'rollback report');

    await assertSinkEqualsSource(DB, NEW_DB, TABLES, 'after the rollback');
    const [ro] = await query<{ v: number }>(sourceUrl(), 'SELECT @@GLOBAL.read_only AS v');
    assert.equal(Number(ro!.v), 0, 'the old server takes writes');
    assert.deepEqual(consoleErrors, []);
  });

  async function stepDone(step: string): Promise<void> {
    await page.waitForFunction((id) => ['done', 'failed'].includes(document.querySelector(`[data-testid="rollback-step-${id}"]`)?.getAttribute('data-state') ?? ''), step, { timeout: 240_000 });
    const card = page.getByTestId(`rollback-step-${step}`);
    assert.equal(await card.getAttribute('data-state'), 'done', `${step}: ${await card.textContent()}`);
  }

  async function run(id: string, options: Record<string, unknown>): Promise<void> {
    await ui.call('cutoverRun', JOB, id as never, options);
    const s = await waitUntil(`cutover step ${id} ends`, async () => {
      const st: CutoverState = await ui.call('cutoverState', JOB);
      return st.steps.find((x) => x.id === id)?.state === 'running' ? null : st;
    }, { ms: 180_000 });
    const st = s.steps.find((x) => x.id === id)!;
    assert.equal(st.state, 'done', `${id}: ${st.detail} ${st.fix ?? ''}`);
  }
});
