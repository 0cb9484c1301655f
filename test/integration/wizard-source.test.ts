// What the wizard reads from a real source: the catalog (row estimates, sizes, keys, columns, warnings),
// the time estimate from a timed read of the copy's first chunk, and a Kafka sample message rendered
// from a real row by the publishing code.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { estimateCopy, SINK_CREATE_MS_PER_TABLE } from '../../engine/wizard/estimate.js';
import { loadSource } from '../../engine/source/registry.js';
import type { SourceSession } from '../../engine/source/driver.js';
import { sampleMessage } from '../../engine/wizard/sample-message.js';
import { emptyDraft } from '../../shared/wizard.js';
import { exec, query, sourceUrl, uniqueName } from '../helpers/db.js';

const DB = uniqueName('wiz');

/** A session on the test source; `data`: read like the copy's. */
async function openSession(data = false): Promise<SourceSession> {
  const driver = await loadSource({ source: {} });
  return driver.openSession(driver.address(sourceUrl()), { data });
}

describe('the wizard reads the source', () => {
  let conn: SourceSession;
  before(async () => {
    await exec(
      sourceUrl(),
      `CREATE DATABASE ${DB}; USE ${DB};
       CREATE TABLE orders (id BIGINT UNSIGNED PRIMARY KEY, customer VARCHAR(40), total DECIMAL(65,30), created DATETIME(6), note VARCHAR(200), total2 DECIMAL(65,30) AS (total / 2) VIRTUAL);
       INSERT INTO orders (id, customer, total, created, note) SELECT seq, CONCAT('customer ', seq % 100), seq / 3, '2026-01-01 00:00:00.000001' + INTERVAL seq SECOND, REPEAT('n', 100) FROM seq_1_to_30000;
       CREATE TABLE audit (at DATETIME, what VARCHAR(100));
       INSERT INTO audit VALUES ('2026-01-01 00:00:00', 'one'), ('2026-01-02 00:00:00', 'two');
       CREATE TABLE legacy (code CHAR(3) NOT NULL, UNIQUE KEY (code)) ENGINE=MyISAM;
       CREATE TABLE child (id INT PRIMARY KEY, order_id BIGINT UNSIGNED, FOREIGN KEY (order_id) REFERENCES orders (id));
       CREATE TRIGGER audit_bi BEFORE INSERT ON audit FOR EACH ROW SET NEW.what = UPPER(NEW.what);
       ANALYZE TABLE orders, audit;
       CREATE DATABASE IF NOT EXISTS _cutover;
       CREATE TABLE IF NOT EXISTS _cutover.${DB}_probe (id INT PRIMARY KEY);
       CREATE DATABASE ${DB}_many; USE ${DB}_many;
       ${Array.from({ length: 120 }, (_, i) => `CREATE TABLE t${i} (id INT PRIMARY KEY, v VARCHAR(20), KEY (v));`).join('\n')}`,
    );
    conn = await openSession();
  });
  after(async () => {
    await conn?.close();
    await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${DB}; DROP DATABASE IF EXISTS ${DB}_many; DROP TABLE IF EXISTS _cutover.${DB}_probe`);
  });

  it('lists every table with its estimate, size, key, columns and warnings', async () => {
    const all = await conn.catalog();
    const mine = all.filter((t) => t.db === DB);
    assert.deepEqual(mine.map((t) => t.table), ['audit', 'child', 'legacy', 'orders']);
    const byName = new Map(mine.map((t) => [t.table, t]));
    const orders = byName.get('orders')!;
    assert.deepEqual(orders.keyColumns, ['id']);
    assert.ok(orders.estimatedRows > 20_000 && orders.estimatedRows < 40_000, `estimate ${orders.estimatedRows}`);
    assert.ok(orders.dataBytes > 1_000_000);
    assert.deepEqual(orders.columns.map((c) => c.name), ['id', 'customer', 'total', 'created', 'note', 'total2']);
    assert.equal(orders.columns.find((c) => c.name === 'total2')!.generated, true);
    assert.equal(orders.columns.find((c) => c.name === 'id')!.type, 'bigint(20) unsigned');
    assert.match(orders.warnings.join('\n'), /generated columns/);
    assert.deepEqual(byName.get('audit')!.keyColumns, []);
    assert.match(byName.get('audit')!.warnings.join('\n'), /No primary or unique NOT NULL key/);
    assert.match(byName.get('audit')!.warnings.join('\n'), /Has triggers/);
    assert.deepEqual(byName.get('legacy')!.keyColumns, ['code'], 'a NOT NULL unique key is a key');
    assert.match(byName.get('legacy')!.warnings.join('\n'), /MyISAM engine/);
    assert.match(byName.get('child')!.warnings.join('\n'), /foreign keys/);
    assert.ok(!all.some((t) => ['mysql', 'sys', 'information_schema', 'performance_schema'].includes(t.db)), 'no system schema');
    assert.ok(!all.some((t) => t.db === '_cutover'), "Cutover's own _cutover database is never offered (nor selected by \"Select all\")");
  });

  it('counts creating the schema in the estimate: 120 empty tables are not "under a second" of nothing', async () => {
    const tables = (await conn.catalog()).filter((t) => t.db === `${DB}_many`);
    assert.equal(tables.length, 120);
    const data = await openSession(true);
    try {
      const e = await estimateCopy(data, { tables, excludeColumns: {}, where: {}, parallelism: 4, maxRowsPerSecond: 0 });
      assert.equal(e.schema.tables, 120);
      assert.ok(e.schema.seconds >= Math.floor((120 * SINK_CREATE_MS_PER_TABLE) / 100) / 10, `at least the sink's CREATE TABLE of each: ${e.schema.seconds}`);
      assert.equal(e.seconds, e.schema.seconds, 'empty tables: the schema is the whole estimate');
      assert.match(e.basis, /Reading and creating the schema of 120 tables comes first, one table after another/);
      const withRows = (await conn.catalog()).filter((t) => t.db === DB || t.db === `${DB}_many`);
      const full = await estimateCopy(data, { tables: withRows, excludeColumns: {}, where: {}, parallelism: 4, maxRowsPerSecond: 0 });
      assert.equal(full.schema.tables, 124);
      assert.ok(full.seconds! >= full.schema.seconds, 'the copy comes on top of the schema');
    } finally {
      data.destroy!();
    }
  });

  it('estimates the copy from a timed read of its first chunk, and says how', async () => {
    const tables = (await conn.catalog()).filter((t) => t.db === DB);
    const data = await openSession(true);
    try {
      const e = await estimateCopy(data, { tables, excludeColumns: {}, where: {}, parallelism: 2, maxRowsPerSecond: 0 });
      assert.equal(e.sample?.table, `${DB}.orders`, 'the largest table is timed');
      assert.equal(e.sample?.rows, 20_000, "the copy's first chunk");
      assert.ok(e.sample!.bytes > 20_000 * 100);
      assert.ok(e.rowsPerSecond > 0 && e.seconds !== null && e.seconds >= 0);
      assert.match(e.basis, /took .* s, .* rows\/s for one reader; .* 2 workers/);
      const capped = await estimateCopy(data, { tables, excludeColumns: {}, where: {}, parallelism: 2, maxRowsPerSecond: 100 });
      assert.equal(capped.rowsPerSecond, 100);
      assert.ok(capped.seconds! >= Math.floor(capped.rows / 100), 'the throttle bounds the estimate');
      assert.match(capped.basis, /capped at 100 rows\/s/);
    } finally {
      data.destroy!();
    }
  });

  it('renders a sample Kafka message from a real row with the mapping', async () => {
    const data = await openSession(true);
    try {
      const d = emptyDraft();
      d.options.name = 'wizard-sample';
      d.tables.selected = [`${DB}.orders`];
      d.mapping.rename = { [DB]: 'shop_v2' };
      d.mapping.excludeColumns = { [`${DB}.orders`]: ['note'] };
      d.mapping.where = { [`${DB}.orders`]: 'id > 41' };
      d.mapping.kafka = { ...d.mapping.kafka, topic: 'cdc.{db}.{table}', partitions: 4 };
      const m = await sampleMessage(data, d, `${DB}.orders`, 'kafka');
      assert.equal(m.topic, 'cdc.shop_v2.orders');
      assert.match(m.key ?? '', /^{"id":\d+}$/, 'keyed by its primary key');
      const id = Number(JSON.parse(m.key!).id);
      assert.ok(id > 41, 'a row matching the filter');
      assert.ok(m.partition >= 0 && m.partition < 4);
      const value = JSON.parse(m.value) as { op: string; after: Record<string, unknown> };
      assert.equal(value.op, 'r');
      const [src] = await query<{ t: string }>(sourceUrl(), `SELECT CAST(total AS CHAR) AS t FROM ${DB}.orders WHERE id = ?`, [id]);
      assert.equal(value.after.total, src!.t, 'DECIMAL exact, as a string');
      assert.equal(value.after.note, undefined, 'an excluded column is not sent');
      d.mapping.kafka.format = 'maxwell';
      const mw = JSON.parse((await sampleMessage(data, d, `${DB}.orders`, 'kafka')).value) as { type: string; data: Record<string, unknown> };
      assert.equal(mw.type, 'bootstrap-insert');
      assert.match(String(mw.data.customer), /^customer \d+$/);
    } finally {
      data.destroy!();
    }
  });
});
