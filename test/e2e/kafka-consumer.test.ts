// The Kafka source built in the app, in Debian's Chromium against `cutover ui`, a real broker
// (scripts/kafka-broker.mjs) and the MariaDB test servers. A Cutover MySQL → Kafka copy fills a topic
// (Debezium format, 3 partitions); in the app a Kafka connection is saved in the connections view, its
// topics are listed, a message of the topic shown with its detected format; the consumer wizard takes the
// topic (its format detected), a sink connection and a name, shows the job file and runs it; the job's
// dashboard shows each partition's offset, end and lag, reaching zero with every row in the sink.
// Screenshots: test-artifacts/e2e/kafka-consumer-*.png.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { axeViolations, launchChromium, openPage, shot } from '../helpers/browser.js';
import { describeRun, exec, q, query, runCliWithTimeout, sinkUrl, sourceUrl, tempDir, uniqueName, writeJob } from '../helpers/db.js';
import { startTestBroker, type KafkaBroker, type KafkaInstance } from '../helpers/kafka.js';
import { startUi, type RunningUi } from '../helpers/ui.js';

const DB = uniqueName('e2ekafka');
const TOPIC = `${DB}.items`;
const ROWS = 30;
const TABLE = 'CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL, price DECIMAL(10,2) NULL) ENGINE=InnoDB';

function server(url: string): { host: string; port: string; user: string; password: string } {
  const u = new URL(url);
  return { host: u.hostname, port: u.port, user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
}

describe('a Kafka consumer job built in the app, in Chromium', () => {
  let broker: KafkaBroker;
  let inst: KafkaInstance;
  let ui: RunningUi;
  let browser: Browser;
  let page: Page;
  const job = `${DB}-consumer`;
  const dir = tempDir('cutover-e2e-kafka-');
  const consoleErrors: string[] = [];

  before(async () => {
    ({ broker, inst } = await startTestBroker('e2e-kafka', 33700));
    await exec(sourceUrl(), `CREATE DATABASE ${q(DB)}; USE ${q(DB)}; ${TABLE}; INSERT INTO items VALUES ${Array.from({ length: ROWS }, (_, i) => `(${i + 1}, 'item ${i + 1} ü', ${i % 5 === 0 ? 'NULL' : `${i}.25`})`).join(',')}`);
    await exec(sinkUrl(), `CREATE DATABASE ${q(DB)}; USE ${q(DB)}; ${TABLE}`);
    const producer = writeJob(
      dir,
      { name: `${DB}-producer`, source: { url: sourceUrl() }, sink: { type: 'kafka', brokers: [inst.bootstrap], topic: '{db}.{table}', format: 'debezium', partitions: 3 }, tables: { include: [`${DB}.*`] }, mode: 'snapshot' },
      'producer.json',
    );
    const r = await runCliWithTimeout(['run', producer, '--state', join(dir, 'producer.db')], 120_000);
    assert.equal(r.code, 0, describeRun(r));
    ui = await startUi(join(dir, 'state.db'));
    browser = await launchChromium();
    page = await openPage(browser, consoleErrors, { colorScheme: 'light' });
  });

  after(async () => {
    await browser?.close();
    await ui?.call('stop', job).catch(() => undefined);
    await ui?.stop();
    if (broker && inst) await broker.stopKafka(inst, { wipe: !process.env.CUTOVER_KEEP_SERVICES });
    await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(DB)}`).catch(() => undefined);
    await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${q(DB)}`).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the topics, shows a message with its format, and runs the consumer job to zero lag per partition', async () => {
    await page.goto(ui.loginUrl);
    await page.getByTestId('nav-connections').click();

    // The Kafka cluster, saved in the connections view.
    await page.getByTestId('btn-new-profile').click();
    let form = page.getByTestId('profile-form');
    await form.getByTestId('field-kind-kafka').click();
    await form.getByTestId('field-name').fill('cluster');
    await form.getByTestId('field-brokers').fill(inst.bootstrap);
    await form.getByTestId('profile-save').click();
    await form.waitFor({ state: 'detached', timeout: 10_000 });

    // The sink server, saved there too.
    const sink = server(sinkUrl());
    await page.getByTestId('btn-new-profile').click();
    form = page.getByTestId('profile-form');
    await form.getByTestId('field-name').fill('target');
    await form.getByTestId('field-host').fill(sink.host);
    await form.getByTestId('field-port').fill(sink.port);
    await form.getByTestId('field-user').fill(sink.user);
    await form.getByTestId('field-password').fill(sink.password);
    await form.getByTestId('profile-save').click();
    await form.waitFor({ state: 'detached', timeout: 10_000 });

    // Its topics, read from the cluster: the copy's topic with 3 partitions and every row as a message.
    await page.getByTestId('profile-topics-cluster').click();
    const row = page.getByTestId(`topic-row-${TOPIC}`);
    await row.waitFor({ timeout: 30_000 });
    assert.match((await row.textContent()) ?? '', new RegExp(`${TOPIC.replace(/\./g, '\\.')}\\s*3\\s*${ROWS}`));
    await page.getByTestId(`topic-sample-${TOPIC}`).click();
    const sample = page.getByTestId('topic-sample');
    await sample.waitFor({ timeout: 30_000 });
    assert.equal(await sample.getAttribute('data-format'), 'debezium');
    assert.match((await page.getByTestId('sample-format').textContent()) ?? '', /Debezium, with(out)? the (JSON )?schema envelope/);
    assert.equal(await page.getByTestId('sample-table').textContent(), `${DB}.items`);
    assert.match((await page.getByTestId('sample-value').textContent()) ?? '', /"after": \{/);
    assert.deepEqual(await axeViolations(page), [], 'topics and a message in the connections view');
    await shot(page, 'kafka-consumer-01-topics');

    // The consumer wizard, from the cluster's topics.
    await page.getByTestId('btn-consume').click();
    await page.getByTestId('consume-view').waitFor();
    // The connection named in the link is chosen once the saved connections are listed (the select shows no value before).
    await page.waitForFunction(() => (document.querySelector('[data-testid="field-source"]') as HTMLSelectElement | null)?.value === 'cluster', undefined, { timeout: 10_000 });
    await page.getByTestId(`topic-check-${TOPIC}`).check();
    await page.getByTestId(`topic-sample-${TOPIC}`).click();
    await page.getByTestId('consume-detected').waitFor({ timeout: 30_000 });
    assert.equal(await page.getByTestId('field-format-debezium').isChecked(), true, 'the detected format is chosen');
    await page.getByTestId('field-sink').selectOption('target');
    await page.getByTestId('field-include').fill(`${DB}.*`);
    await page.getByTestId('field-name').fill(job);
    const file = JSON.parse((await page.getByTestId('consume-json').textContent()) ?? '{}') as Record<string, unknown>;
    assert.deepEqual(file, {
      name: job,
      source: { type: 'kafka', profile: 'cluster', topics: [TOPIC], format: 'debezium', group: `cutover-${job}`, start: 'earliest' },
      sink: { type: 'mysql', profile: 'target' },
      tables: { include: [`${DB}.*`] },
      mode: 'stream',
    });
    assert.deepEqual(await axeViolations(page), [], 'consumer wizard');
    await shot(page, 'kafka-consumer-02-wizard');
    await page.getByTestId('btn-start-consumer').click();

    // The dashboard: three partitions, each caught up to its end, and every row in the sink.
    await page.getByTestId('consumer-panel').waitFor({ timeout: 60_000 });
    await page.waitForFunction(
      () => {
        const rows = [...document.querySelectorAll('[data-testid="partition-table"] tbody tr')];
        return rows.length === 3 && rows.every((r) => r.querySelector('[data-testid="partition-lag"]')?.textContent === '0' && r.querySelector('[data-testid="partition-end"]')?.textContent !== '—');
      },
      undefined,
      { timeout: 90_000 },
    );
    let ends = 0;
    for (const p of [0, 1, 2]) {
      const r = page.getByTestId(`partition-${TOPIC}-${p}`);
      const offset = Number(await r.getByTestId('partition-offset').textContent());
      const end = Number(await r.getByTestId('partition-end').textContent());
      assert.equal(offset, end, `partition ${p}: applied up to its end`);
      ends += end;
    }
    assert.equal(ends, ROWS, 'the partitions hold every row once');
    const counted = await query<{ n: number }>(sinkUrl(), `SELECT COUNT(*) AS n FROM ${q(DB)}.items`);
    assert.equal(Number(counted[0]?.n), ROWS);
    await page.getByTestId('lag-chart').waitFor({ timeout: 30_000 });
    assert.deepEqual(await axeViolations(page), [], 'consumer job dashboard');
    await shot(page, 'kafka-consumer-03-dashboard');
    assert.deepEqual(consoleErrors, []);
  });
});
