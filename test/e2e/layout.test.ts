// The dashboard, the verification and the cutover assistant at 1280×800 and 1920×1080 in Chromium, with
// screenshots in test-artifacts/e2e/layout-<width>-*.png, and the layout facts a narrow laptop needs:
//   - the table grid's Actions column is in view without scrolling sideways (it stays at the right edge),
//     table names in natural order (t1, t2, … t10);
//   - the phase timeline and the wizard's steps stay on one row, each label on one line;
//   - hovering a chart shows the time and the value under the cursor; the lag card shows the number the
//     lag chart ends with;
//   - a verification that found differences shows the differing columns side by side, a keyless table's
//     rows with their values, opens the rows past the first ten, and says before any confirmation that a
//     keyless table cannot be repaired while the job runs;
//   - a copy-only job shows no stream cards or charts and no binlog positions.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ARTIFACTS, launchChromium, shot } from '../helpers/browser.js';
import { exec, jobSpec, q, sinkUrl, sourceUrl, tempDir, uniqueName, writeJob } from '../helpers/db.js';
import { waitUntil } from '../helpers/stream-cli.js';
import { startUi, type RunningUi } from '../helpers/ui.js';

const DB = uniqueName('e2e_layout');
const COPY_DB = uniqueName('e2e_copyonly');
const SIZES = [
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
] as const;

describe('layout at 1280×800 and 1920×1080 in Chromium', { timeout: 600_000 }, () => {
  let ui: RunningUi;
  let browser: Browser;
  const dir = tempDir();
  const job = `${DB}-stream`;
  const copyJob = `${COPY_DB}-copy`;

  before(async () => {
    const numbered = Array.from({ length: 12 }, (_, i) => `CREATE TABLE t${i + 1} (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO t${i + 1} SELECT seq, CONCAT('v', seq) FROM seq_1_to_50;`).join('\n');
    await exec(
      sourceUrl(),
      `CREATE DATABASE ${DB}; USE ${DB};
       CREATE TABLE orders (id BIGINT UNSIGNED PRIMARY KEY, customer VARCHAR(100), total DECIMAL(12,2), created DATETIME(6));
       INSERT INTO orders SELECT seq, CONCAT('customer ', seq % 50), seq / 7, '2026-01-01 00:00:00.000001' + INTERVAL seq SECOND FROM seq_1_to_3000;
       CREATE TABLE events_nokey (kind VARCHAR(20), n INT, note VARCHAR(40));
       INSERT INTO events_nokey SELECT CONCAT('kind ', seq % 3), seq, 'original' FROM seq_1_to_60;
       CREATE TABLE customer_loyalty_program_enrollment_history (id INT PRIMARY KEY, tier VARCHAR(10));
       INSERT INTO customer_loyalty_program_enrollment_history SELECT seq, 'gold' FROM seq_1_to_20;
       ${numbered}
       CREATE DATABASE ${COPY_DB}; CREATE TABLE ${COPY_DB}.items (id INT PRIMARY KEY, name VARCHAR(40)); INSERT INTO ${COPY_DB}.items SELECT seq, CONCAT('item ', seq) FROM seq_1_to_500;`,
    );
    ui = await startUi(join(dir, 'state.db'));
    browser = await launchChromium();
    const text = (spec: Record<string, unknown>, file: string) => readFileSync(writeJob(dir, spec, file), 'utf8');
    await ui.call('openJob', { text: text(jobSpec(job, DB), 'stream.json'), fileName: 'stream.json' });
    await ui.call('openJob', { text: text(jobSpec(copyJob, COPY_DB, { mode: 'snapshot' }), 'copy.json'), fileName: 'copy.json' });
    await ui.call('start', job);
    await ui.call('start', copyJob);
    await waitUntil('the streaming job to stream and the copy-only job to finish', async () => {
      const [s, c] = await Promise.all([ui.call('jobStatus', job), ui.call('jobStatus', copyJob)]);
      return s.phase === 'streaming' && s.stream?.caughtUp && c.state === 'done';
    }, { ms: 180_000 });

    // Differences on the sink: a changed value, a deleted row, and 15 rows of the keyless table changed
    // (15 missing + 15 extra: more than the ten listed at first).
    await exec(
      sinkUrl(),
      `UPDATE ${DB}.orders SET total = total + 1 WHERE id = 7; DELETE FROM ${DB}.orders WHERE id = 8;
       UPDATE ${DB}.events_nokey SET note = 'changed' WHERE n <= 15;`,
    );
    const { id } = await ui.call('verify', job);
    await waitUntil('the verification to end', async () => {
      const v = await ui.call('verification', job);
      return v && v.id >= id && v.state !== 'running' ? v : null;
    }, { ms: 180_000 });
  });

  after(async () => {
    await browser?.close();
    await ui?.stop();
    for (const url of [sourceUrl(), sinkUrl()]) await exec(url, `DROP DATABASE IF EXISTS ${q(DB)}; DROP DATABASE IF EXISTS ${q(COPY_DB)}`);
  });

  async function open(size: (typeof SIZES)[number]): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: size, colorScheme: 'dark' });
    const page = await context.newPage();
    await page.goto(ui.loginUrl);
    return { context, page };
  }

  for (const size of SIZES) {
    const tag = `layout-${size.width}`;

    it(`${size.width}×${size.height}: dashboard — the grid's Actions in view, natural order, one-row timeline, values on hover, cards = charts`, async () => {
      const { context, page } = await open(size);
      try {
        await page.getByTestId(`job-item-${job}`).click();
        await page.getByTestId(`table-row-${DB}.orders`).waitFor({ timeout: 30_000 });
        await page.waitForFunction(() => document.querySelector('[data-testid="chart-lag"]')?.getAttribute('data-has-values') === 'true', undefined, { timeout: 30_000 });
        await page.evaluate(() => window.scrollTo(0, 0));
        await shot(page, `${tag}-dashboard`);

        // The Actions column of every shown row lies inside the grid's visible area, with no sideways scroll.
        const grid = await page.evaluate(() => {
          const scroll = document.querySelector('.tg-scroll') as HTMLElement;
          const box = scroll.getBoundingClientRect();
          const cells = [...document.querySelectorAll('td.tg-actions-cell')].map((c) => c.getBoundingClientRect());
          const names = [...document.querySelectorAll('td.tg-name')].map((c) => (c.textContent ?? '').trim());
          return { scrollLeft: scroll.scrollLeft, left: box.left, right: box.right, cells: cells.map((c) => [c.left, c.right] as [number, number]), names, pageOverflow: document.documentElement.scrollWidth - window.innerWidth };
        });
        assert.equal(grid.scrollLeft, 0);
        assert.ok(grid.cells.length > 0, 'rows with actions');
        for (const [l, r] of grid.cells) assert.ok(l >= grid.left - 1 && r <= grid.right + 1, `Actions cell ${l}–${r} inside the grid ${grid.left}–${grid.right}`);
        assert.ok(grid.pageOverflow <= 0, `the page does not scroll sideways (${grid.pageOverflow} px too wide)`);
        const cut = await page.evaluate(() => [...document.querySelectorAll('.tg-name-text')].filter((e) => e.scrollHeight > e.clientHeight + 1 || e.scrollWidth > e.clientWidth + 1).map((e) => e.textContent));
        assert.deepEqual(cut, [], 'no table name is cut');
        const numbered = grid.names.filter((n) => /\.t\d+$/.test(n)).map((n) => n.slice(DB.length + 1));
        assert.deepEqual(numbered, Array.from({ length: 12 }, (_, i) => `t${i + 1}`));
        await page.locator('.tg-scroll').screenshot({ path: join(ARTIFACTS, `${tag}-grid.png`) });

        // The phase timeline is one row of steps, each label on one line.
        const steps = await page.evaluate(() =>
          [...document.querySelectorAll('[data-testid="phase-timeline"] > li')].map((li) => ({ top: li.getBoundingClientRect().top, lines: (li.querySelector('.step-label') as HTMLElement).getClientRects().length })),
        );
        assert.equal(steps.length, 6);
        assert.ok(steps.every((s) => Math.abs(s.top - steps[0]!.top) < 1 && s.lines === 1), JSON.stringify(steps));

        // Hovering the lag chart shows a time and a value in its legend.
        await page.getByTestId('chart-lag').scrollIntoViewIfNeeded();
        const over = page.locator('[data-testid="chart-lag"] .u-over');
        const box = (await over.boundingBox())!;
        await page.mouse.move(box.x + box.width * 0.97, box.y + box.height / 2);
        await page.waitForFunction(() => /\d{2}:\d{2}:\d{2}/.test(document.querySelector('[data-testid="chart-lag"] .u-legend')?.textContent ?? ''), undefined, { timeout: 10_000 });
        const legend = (await page.locator('[data-testid="chart-lag"] .u-legend').textContent()) ?? '';
        assert.match(legend, /Time\s*\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/);
        assert.match(legend, /Lag\s*(\d[\d.,]* s|—)/);
        await page.locator('[data-testid="chart-lag"]').screenshot({ path: join(ARTIFACTS, `${tag}-chart-hover.png`) });

        // The lag card and the lag chart show the same number (read in one go). A sample that lands between
        // the chart's two renders leaves its head at "—" for one frame: read again until they agree, for up
        // to 5 s; a real difference stays and fails.
        const readLag = (): Promise<{ card: string; chart: string }> =>
          page.evaluate(() => ({
            card: (document.querySelector('[data-testid="tile-lag"] .tile-value')?.textContent ?? '').replace(/ · caught up$/, ''),
            chart: document.querySelector('[data-testid="chart-lag"] .mc-value')?.textContent ?? '',
          }));
        let same = await readLag();
        for (let i = 0; i < 25 && same.card !== same.chart; i++) {
          await new Promise((r) => setTimeout(r, 200));
          same = await readLag();
        }
        assert.equal(same.card, same.chart);
      } finally {
        await context.close();
      }
    });

    it(`${size.width}×${size.height}: verification — differing columns side by side, keyless rows with values, all rows open, repair refused up front`, async () => {
      const { context, page } = await open(size);
      try {
        await page.getByTestId(`job-item-${job}`).click();
        const orders = page.getByTestId(`verify-table-${DB}.orders`);
        await orders.waitFor({ timeout: 30_000 });
        const cols = orders.getByTestId('verify-mismatch-columns');
        assert.match((await cols.textContent()) ?? '', /total\s*1\.00\s*2\.00/);
        assert.match((await orders.getByTestId('verify-mismatch-values').textContent()) ?? '', /id\s*8.*customer\s*customer 8/);
        const keyless = page.getByTestId(`verify-table-${DB}.events_nokey`);
        assert.equal(await keyless.getByTestId('verify-mismatch').count(), 10);
        assert.match((await keyless.getByTestId('verify-mismatch-values').first().textContent()) ?? '', /kind\s*kind \d.*note\s*(original|changed)/);
        await keyless.getByTestId('verify-show-all').click();
        assert.equal(await keyless.getByTestId('verify-mismatch').count(), 30);
        const repair = page.getByTestId('btn-repair');
        assert.equal(await repair.isDisabled(), true);
        assert.match((await page.getByTestId('repair-disabled-reason').textContent()) ?? '', /events_nokey has no primary or unique key.*Pause the job, then repair/);
        await page.getByTestId('verify-panel').screenshot({ path: join(ARTIFACTS, `${tag}-verification.png`) });
      } finally {
        await context.close();
      }
    });

    it(`${size.width}×${size.height}: the cutover assistant and the wizard's steps on one row`, async () => {
      const { context, page } = await open(size);
      try {
        await ui.call('cutoverRun', job, 'lag');
        await page.goto(`${ui.pageUrl}#/jobs/${encodeURIComponent(job)}/cutover`);
        await page.getByTestId('cutover-step-lag').waitFor({ timeout: 30_000 });
        // The step's recorded facts in words with units, not field names.
        const lag = (await page.getByTestId('cutover-step-lag').textContent()) ?? '';
        assert.match(lag, /Lag threshold\s*5 s/);
        assert.doesNotMatch(lag, /thresholdSeconds|lagSeconds/);
        await shot(page, `${tag}-cutover`);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `the cutover view does not scroll sideways (${overflow} px)`);

        await page.goto(`${ui.pageUrl}#/new`);
        await page.getByTestId('wizard-step-source').waitFor({ timeout: 30_000 });
        const tabs = await page.evaluate(() =>
          [...document.querySelectorAll('[data-testid^="wizard-step-"]')].map((li) => ({ top: li.getBoundingClientRect().top, lines: (li.querySelector('.stepper-label') as HTMLElement).getClientRects().length, height: (li.querySelector('.stepper-label') as HTMLElement).getBoundingClientRect().height })),
        );
        assert.equal(tabs.length, 7);
        assert.ok(tabs.every((t) => Math.abs(t.top - tabs[0]!.top) < 1), `one row: ${JSON.stringify(tabs)}`);
        assert.ok(tabs.every((t) => t.lines === 1 && t.height < 24), `labels on one line: ${JSON.stringify(tabs)}`);
        await shot(page, `${tag}-wizard-steps`);
      } finally {
        await context.close();
      }
    });

    it(`${size.width}×${size.height}: a copy-only job shows only what applies to it`, async () => {
      const { context, page } = await open(size);
      try {
        await page.getByTestId(`job-item-${copyJob}`).click();
        await page.getByTestId(`table-row-${COPY_DB}.items`).waitFor({ timeout: 30_000 });
        for (const id of ['tile-events', 'tile-lag', 'tile-behind', 'chart-events', 'chart-lag']) assert.equal(await page.getByTestId(id).count(), 0, `${id} is not shown`);
        const positions = (await page.getByTestId('position-panel').textContent()) ?? '';
        assert.match(positions, /Copy finished/);
        assert.doesNotMatch(positions, /Copy ended at|Catch-up target|Applied \(sink\)/);
        assert.doesNotMatch((await page.getByTestId('step-cutover').textContent()) ?? '', /in progress/);
        await shot(page, `${tag}-copy-only`);
      } finally {
        await context.close();
      }
    });
  }
});
