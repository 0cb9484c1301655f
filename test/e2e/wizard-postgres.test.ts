// MySQL → PostgreSQL built in the app, in Debian's Chromium against `cutover ui`, real MariaDB and the
// test PostgreSQL cluster: a PostgreSQL connection saved from the wizard's Sink step (its Test first
// fails on a wrong password and names the leg, then passes), the Mapping step's type preview with real
// sample rows (a zero date marked as a value the copy would stop on), the policy "null" chosen and a
// column's type overridden, the job file on Review, and the started job finishing with the rows in
// PostgreSQL as the preview said. Screenshots: test-artifacts/e2e/wizard-pg-*.png.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { axeViolations, launchChromium, openPage, shot } from '../helpers/browser.js';
import { exec, q, sourceUrl, tempDir, uniqueName } from '../helpers/db.js';
import { createPgDatabase, postgresUrl, type PgTestDatabase } from '../helpers/postgres.js';
import { startUi, type RunningUi } from '../helpers/ui.js';

const DB = uniqueName('e2epg');

function server(url: string): { host: string; port: string; user: string; password: string } {
  const u = new URL(url);
  return { host: u.hostname, port: u.port, user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
}

describe('a MySQL → PostgreSQL migration built in the wizard, in Chromium', () => {
  let ui: RunningUi;
  let browser: Browser;
  let page: Page;
  let pg: PgTestDatabase;
  let job = '';
  const dir = tempDir('cutover-e2e-wizard-pg-');
  const consoleErrors: string[] = [];

  before(async () => {
    await exec(
      sourceUrl(),
      `CREATE DATABASE ${q(DB)} CHARACTER SET utf8mb4; USE ${q(DB)};
       SET SESSION sql_mode = '';
       CREATE TABLE people (id BIGINT UNSIGNED PRIMARY KEY, name VARCHAR(40) NOT NULL, born DATE NULL, score DECIMAL(6,2), note TEXT);
       INSERT INTO people VALUES (1, 'Zoë', '1990-04-01', 12.50, 'ok'), (2, 'Ünal', '0000-00-00', -3.25, NULL), (18446744073709551615, 'max', '2000-02-29', 0, 'big key');`,
    );
    pg = await createPgDatabase('e2epg');
    ui = await startUi(join(dir, 'state.db'));
    browser = await launchChromium();
    page = await openPage(browser, consoleErrors, { colorScheme: 'light' });
  });

  after(async () => {
    await browser?.close();
    if (job) await ui?.call('stop', job).catch(() => undefined);
    await ui?.stop();
    await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(DB)}`).catch(() => undefined);
    await pg?.drop();
  });

  const next = (): Promise<void> => page.getByTestId('wizard-next').click();
  const onStep = (id: string): Promise<void> => page.getByTestId(`wizard-step-${id}`).and(page.locator('[data-state="current"]')).waitFor({ timeout: 30_000 });

  it('saves a PostgreSQL connection, previews the type mapping with sample rows, and runs the job to its end', async () => {
    await page.goto(ui.loginUrl);
    await page.getByTestId('btn-new-migration-empty').click();
    await onStep('source');

    const src = server(sourceUrl());
    await page.getByTestId('source-new-connection').click();
    let form = page.getByTestId('profile-form');
    await form.getByTestId('field-name').fill('src');
    await form.getByTestId('field-host').fill(src.host);
    await form.getByTestId('field-port').fill(src.port);
    await form.getByTestId('field-user').fill(src.user);
    await form.getByTestId('field-password').fill(src.password);
    await form.getByTestId('profile-save').click();
    await form.waitFor({ state: 'detached', timeout: 10_000 });
    // Next once the picker holds the saved connection (its option listed and chosen).
    await page.waitForFunction(() => (document.querySelector('[data-testid="source-picker"] select') as HTMLSelectElement | null)?.value === 'src', undefined, { timeout: 30_000 });
    await next();

    await onStep('preflight');
    await page.getByTestId('preflight-report').waitFor({ timeout: 60_000 });
    await next();

    await onStep('tables');
    await page.getByTestId(`db-check-${DB}`).click();
    await next();

    // The sink: a PostgreSQL connection, its Test naming the failing leg before it passes.
    await onStep('sink');
    const pgServer = server(postgresUrl());
    await page.getByTestId('sink-new-connection').click();
    form = page.getByTestId('profile-form');
    await form.getByTestId('field-kind-postgres').click();
    assert.equal(await form.getByTestId('field-port').inputValue(), '5432', 'the PostgreSQL default port');
    await form.getByTestId('field-name').fill('warehouse');
    await form.getByTestId('field-host').fill(pgServer.host);
    await form.getByTestId('field-port').fill(pgServer.port);
    await form.getByTestId('field-user').fill(pgServer.user);
    await form.getByTestId('field-database').fill(pg.name);
    await form.getByTestId('field-password').fill('wrong-password');
    await form.getByTestId('profile-test').click();
    const result = form.getByTestId('profile-test-result');
    await result.waitFor({ timeout: 30_000 });
    assert.equal(await result.getAttribute('data-ok'), 'false');
    assert.match((await result.textContent()) ?? '', /Authentication[\s\S]*Password authentication failed/);
    await shot(page, 'wizard-pg-01-test-wrong-password');
    await form.getByTestId('field-password').fill(pgServer.password);
    await form.getByTestId('profile-test').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="profile-test-result"]')?.getAttribute('data-ok') === 'true', undefined, { timeout: 30_000 });
    assert.match((await result.textContent()) ?? '', /PostgreSQL \d+/);
    await shot(page, 'wizard-pg-02-test-passed');
    await form.getByTestId('profile-save').click();
    await form.waitFor({ state: 'detached', timeout: 10_000 });
    assert.match((await page.getByTestId('sink-kind').textContent()) ?? '', /PostgreSQL sink/);
    await next();

    // Mapping: the preview of real rows; a zero date stops the copy under the default policy.
    await onStep('mapping');
    await page.getByTestId('field-pg-preview-table').selectOption(`${DB}.people`);
    await page.getByTestId('btn-mapping-preview').click();
    const preview = page.getByTestId('mapping-preview');
    await preview.waitFor({ timeout: 30_000 });
    assert.match((await preview.textContent()) ?? '', /3 row\(s\) read from the source/);
    assert.equal(await page.getByTestId('pg-column-id').getByTestId('pg-sink-type').textContent(), 'numeric(20)');
    assert.match((await page.getByTestId('pg-column-id').textContent()) ?? '', /18446744073709551615/);
    assert.match((await page.getByTestId('pg-column-name').textContent()) ?? '', /Zoë → Zoë/);
    const born = page.getByTestId('pg-column-born');
    assert.equal(await born.getAttribute('data-unholdable'), 'true');
    assert.match((await born.textContent()) ?? '', /stop the copy[\s\S]*0000-00-00[\s\S]*a zero date/);
    await shot(page, 'wizard-pg-03-mapping-preview-stop');

    // The policy "null" and a type override; shown again, the zero date lands as NULL.
    await page.getByTestId('field-mapping.postgres.unholdable').selectOption('null');
    await page.getByTestId(`field-mapping.postgres.types.${DB}.people.note`).fill('varchar(100)');
    await page.getByTestId('btn-mapping-preview').click();
    await page.waitForFunction(() => !document.querySelector('[data-testid="pg-column-born"]')?.textContent?.includes('stop the copy'), undefined, { timeout: 30_000 });
    assert.match((await born.textContent()) ?? '', /cannot be held[\s\S]*0000-00-00 → NULL/);
    assert.equal(await page.getByTestId('pg-column-note').getByTestId('pg-sink-type').textContent(), 'varchar(100)');
    assert.deepEqual(await axeViolations(page), [], 'mapping preview');
    await page.getByTestId('mapping-preview').scrollIntoViewIfNeeded();
    await shot(page, 'wizard-pg-04-mapping-preview');
    await next();

    await onStep('options');
    await page.getByTestId('field-options.name').fill(`${DB}-pg`);
    await page.getByTestId('field-options.mode-snapshot').check();
    await next();

    await onStep('review');
    const jobJson = JSON.parse((await page.getByTestId('export-json').textContent()) ?? '{}') as { sink: unknown };
    assert.deepEqual(jobJson.sink, { type: 'postgres', profile: 'warehouse', unholdable: 'null', types: { [`${DB}.people.note`]: 'varchar(100)' } });
    await shot(page, 'wizard-pg-05-review');

    await page.getByTestId('btn-start-migration').click();
    job = `${DB}-pg`;
    await page.waitForURL(/#\/jobs\//, { timeout: 30_000 });
    await page.getByTestId('job-phase').filter({ hasText: /^done$/ }).waitFor({ timeout: 120_000 });
    await shot(page, 'wizard-pg-06-job-done');

    const rows = await pg.rows(`SELECT id::text, name, coalesce(born::text, 'NULL'), score::text FROM "${DB}".people p ORDER BY p.id`);
    assert.deepEqual(rows, [
      ['1', 'Zoë', '1990-04-01', '12.50'],
      ['2', 'Ünal', 'NULL', '-3.25'],
      ['18446744073709551615', 'max', '2000-02-29', '0.00'],
    ]);
    const noteType = await pg.value(`SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = '"${DB}".people'::regclass AND attname = 'note'`);
    assert.equal(noteType, 'character varying(100)', 'the override is the created type');
    assert.deepEqual(consoleErrors.filter((e) => !/Failed to load resource/.test(e)), []);
  });
});
