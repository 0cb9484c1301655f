// The dashboard end to end: Debian's Chromium, driven by playwright-core, against `cutover ui` and the
// real MariaDB servers. A 200,000-row table is copied while the test watches the per-table progress
// advance and the rows/s chart receive points, pauses, resumes and stops the job, checks that a
// browser without the token is refused, scans every view with axe-core (no serious violations, both
// themes) and saves a screenshot of each view in test-artifacts/e2e/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { axeViolations, launchChromium, openPage, shot } from '../helpers/browser.js';
import { exec, jobSpec, sinkUrl, sourceUrl, tempDir, uniqueName, writeJob } from '../helpers/db.js';
import { startUi, type RunningUi } from '../helpers/ui.js';

const DB = uniqueName('e2e');
const ROWS = 200_000;

/** An attribute's number, or the first number of an element's text ("12,345 / ~200,000 · 6%" → 12345). */
async function number(page: Page, selector: string, attr?: string): Promise<number> {
  const el = page.locator(selector).first();
  const text = attr ? await el.getAttribute(attr) : await el.textContent();
  return Number((text ?? '').split('/')[0]!.replace(/[^\d]/g, '')) || 0;
}

describe('dashboard in Chromium', () => {
  let ui: RunningUi;
  let browser: Browser;
  let page: Page;
  const dir = tempDir();
  const job = `${DB}-job`;
  const consoleErrors: string[] = [];

  before(async () => {
    await exec(
      sourceUrl(),
      `CREATE DATABASE ${DB}; USE ${DB}; CREATE TABLE ${DB}.orders (id BIGINT UNSIGNED PRIMARY KEY, customer VARCHAR(100), total DECIMAL(12,2), note VARCHAR(300), created DATETIME(6));
       INSERT INTO ${DB}.orders SELECT seq, CONCAT('customer ', seq % 5000), seq / 7, REPEAT('n', 200), '2026-01-01 00:00:00.000001' + INTERVAL seq SECOND FROM seq_1_to_${ROWS};
       CREATE TABLE ${DB}.customers (id INT PRIMARY KEY, name VARCHAR(100)); INSERT INTO ${DB}.customers SELECT seq, CONCAT('name ', seq) FROM seq_1_to_5000;`,
    );
    ui = await startUi(join(dir, 'state.db'));
    browser = await launchChromium();
    page = await openPage(browser, consoleErrors, { colorScheme: 'dark' });
  });

  after(async () => {
    await browser?.close();
    await ui?.stop();
    await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${DB}`);
    await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${DB}`);
  });

  it('refuses a browser without the token', async () => {
    const ctx = await browser.newContext();
    const p = await ctx.newPage();
    const res = await p.goto(ui.pageUrl);
    assert.equal(res?.status(), 401);
    assert.match(await p.textContent('body') ?? '', /token/);
    await ctx.close();
  });

  it('shows the empty state, opens a job file, and runs it with live progress and charts', async () => {
    await page.goto(ui.loginUrl);
    await page.getByTestId('btn-open-job').first().waitFor();
    assert.deepEqual(await axeViolations(page), [], 'empty state');
    await shot(page, '01-empty-state');

    const spec = jobSpec(job, DB, { snapshot: { chunkRows: 5000, parallelism: 1, throttle: { maxRowsPerSecond: 20000 } } });
    const file = writeJob(dir, spec, 'orders-job.json');
    await page.getByTestId('open-job-input').setInputFiles(file);
    await page.getByTestId(`job-item-${job}`).click();
    await page.getByTestId('btn-start').click();

    const row = page.getByTestId(`table-row-${DB}.orders`);
    await row.waitFor({ timeout: 30_000 });
    const progress = row.getByTestId('table-progress');
    await page.waitForFunction(
      (sel) => {
        const t = document.querySelector(sel)?.textContent ?? '';
        const n = Number(t.split('/')[0]!.replace(/[^\d]/g, ''));
        return n > 0 && n < 200000;
      },
      `[data-testid="table-row-${DB}.orders"] [data-testid="table-progress"]`,
      { timeout: 30_000 },
    );
    const first = await number(page, `[data-testid="table-row-${DB}.orders"] [data-testid="table-progress"]`);
    const firstPoints = await number(page, '[data-testid="chart-rows"]', 'data-points');
    await page.waitForFunction(
      ([sel, before]) => Number((document.querySelector(sel as string)?.textContent ?? '').split('/')[0]!.replace(/[^\d]/g, '')) > (before as number),
      [`[data-testid="table-row-${DB}.orders"] [data-testid="table-progress"]`, first] as const,
      { timeout: 30_000 },
    );
    await page.waitForFunction(
      (before) => Number(document.querySelector('[data-testid="chart-rows"]')?.getAttribute('data-points') ?? 0) > before,
      firstPoints,
      { timeout: 30_000 },
    );
    assert.match((await page.getByTestId('job-state').first().textContent()) ?? '', /running/i);
    assert.match((await progress.textContent()) ?? '', /\d/);
    await shot(page, '02-job-copying');
    assert.deepEqual(await axeViolations(page), [], 'job view while copying');
  });

  it('pauses, resumes and stops the job', async () => {
    await page.getByTestId('btn-pause').click();
    await page.getByTestId('job-state').filter({ hasText: /paused/i }).first().waitFor({ timeout: 60_000 });
    const atPause = await number(page, `[data-testid="table-row-${DB}.orders"] [data-testid="table-progress"]`);
    await shot(page, '03-job-paused');
    await page.waitForTimeout(1500);
    assert.equal(await number(page, `[data-testid="table-row-${DB}.orders"] [data-testid="table-progress"]`), atPause, 'no progress while paused');

    await page.getByTestId('btn-resume').click();
    await page.getByTestId('job-state').filter({ hasText: /running/i }).first().waitFor({ timeout: 30_000 });
    await page.getByTestId('job-phase').filter({ hasText: /stream/i }).first().waitFor({ timeout: 90_000 });
    // The stream's own samples: the lag chart draws values and the position panel shows the applied position.
    await page.waitForFunction(() => document.querySelector('[data-testid="chart-lag"]')?.getAttribute('data-has-values') === 'true', undefined, { timeout: 30_000 });
    await page.waitForFunction(() => document.querySelector('[data-testid="chart-events"]')?.getAttribute('data-has-values') === 'true', undefined, { timeout: 30_000 });
    await page.waitForFunction(() => /Applied \(sink\)[^—]\S*\.\d{6}:\d+/.test(document.querySelector('[data-testid="position-panel"]')?.textContent ?? ''), undefined, { timeout: 30_000 });
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot(page, '04-job-streaming');

    await page.getByTestId('btn-stop').click();
    await page.getByTestId('job-state').filter({ hasText: /stopped/i }).first().waitFor({ timeout: 60_000 });
    await shot(page, '05-job-stopped');
  });

  it('shows the log and the position panel, in both themes, without accessibility or CSP errors', async () => {
    await page.getByTestId('log-viewer').scrollIntoViewIfNeeded();
    assert.ok((await page.getByTestId('log-line').count()) > 0, 'log lines are shown');
    assert.match((await page.getByTestId('position-panel').textContent()) ?? '', /\.\d{6}/, 'a binlog file name');
    await shot(page, '06-logs-and-positions');
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.getByTestId('theme-toggle').click();
    await page.waitForTimeout(300);
    await page.evaluate(() => window.scrollTo(0, 0));
    assert.deepEqual(await axeViolations(page), [], 'light theme');
    await shot(page, '07-light-theme');
    assert.deepEqual(consoleErrors.filter((e) => /Content Security Policy|Uncaught|TypeError/.test(e)), []);
  });
});
