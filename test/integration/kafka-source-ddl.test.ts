// Schema changes for a Kafka-source job in the data topics themselves, as Canal (flatMessage isDdl) and
// Maxwell (ddl messages) put them there, with the real CLI, a real broker (scripts/kafka-broker.mjs), the
// MariaDB sink test server and a PostgreSQL database. The statements and rows are written by the test.
// A broker that cannot start fails the tests (nothing is skipped).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describeRun, exec, q, query, runCliWithTimeout, sinkUrl, uniqueName, writeJob } from '../helpers/db.js';
import { killLive, startLive, stopWithSigterm, waitUntil } from '../helpers/stream-cli.js';
import { createPgDatabase } from '../helpers/postgres.js';
import { kafkaSuite } from '../helpers/kafka-suite.js';
import { assertOffsetsAtEnds, mysqlSinkOffsets } from '../helpers/kafka-offsets.js';

const suite = kafkaSuite('kafka-source-ddl');

// Schema changes in the data topics, as Canal (flatMessage isDdl) and Maxwell (ddl messages) put them there,
// in a one-partition topic with the rows: CREATE TABLE, rows, ALTER TABLE ADD COLUMN, rows with the new
// column, a second CREATE, RENAME TABLE (MySQL sink), rows of the renamed table. Consumed into MySQL (with
// a SIGKILL between the first statement and its offset: CUTOVER_CRASH_AT=consume-ddl:applied, then the
// same job again) and into PostgreSQL; the sink tables end as the statements and rows say.
describe('Kafka source: schema changes in the data topics', { timeout: 10 * 60_000 }, () => {
  const SRC = 'kddl_src';
  type Step = { ddl: string; table?: string } | { table: string; type: 'insert' | 'update'; row: Record<string, string | number | null>; old?: Record<string, string | number | null>; types: Record<string, string> };
  const T1 = { id: 'int', v: 'varchar(20)' };
  const T1N = { ...T1, n: 'int' };
  const T2 = { id: 'int', w: 'varchar(10)' };
  const steps = (rename: boolean): Step[] => [
    { ddl: 'CREATE TABLE t1 (id INT NOT NULL, v VARCHAR(20) NOT NULL, PRIMARY KEY (id))', table: 't1' },
    { table: 't1', type: 'insert', row: { id: 1, v: 'a' }, types: T1 },
    { table: 't1', type: 'insert', row: { id: 2, v: 'b' }, types: T1 },
    { ddl: 'ALTER TABLE t1 ADD COLUMN n INT NULL', table: 't1' },
    { table: 't1', type: 'insert', row: { id: 3, v: 'c', n: 30 }, types: T1N },
    { table: 't1', type: 'update', row: { id: 1, v: 'a', n: 10 }, old: { n: null }, types: T1N },
    { ddl: 'CREATE TABLE t2 (id INT PRIMARY KEY, w VARCHAR(10) NULL)', table: 't2' },
    { table: 't2', type: 'insert', row: { id: 1, w: 'x' }, types: T2 },
    ...(rename ? [{ ddl: 'RENAME TABLE t2 TO t3', table: 't2' }, { table: 't3', type: 'insert' as const, row: { id: 2, w: 'y' }, types: T2 }] : [{ table: 't2', type: 'insert' as const, row: { id: 2, w: 'y' }, types: T2 }]),
  ];
  const str = (r: Record<string, string | number | null>): Record<string, string | null> => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null ? null : String(v)]));
  function render(format: 'canal' | 'maxwell', s: Step, i: number): string {
    if ('ddl' in s) {
      if (format === 'canal') return JSON.stringify({ data: null, database: SRC, es: 1765000000000 + i, id: i, isDdl: true, mysqlType: null, old: null, pkNames: null, sql: s.ddl, sqlType: null, table: s.table, ts: 1765000000000 + i, type: s.ddl.split(' ')[0] });
      return JSON.stringify({ type: s.ddl.startsWith('CREATE') ? 'table-create' : 'table-alter', database: SRC, table: s.table, ts: 1765000000 + i, sql: s.ddl, position: `bin.000001:${1000 + i}` });
    }
    if (format === 'canal') return JSON.stringify({ data: [str(s.row)], database: SRC, es: 1765000000000 + i, id: i, isDdl: false, mysqlType: s.types, old: s.old ? [str(s.old)] : null, pkNames: ['id'], sql: '', table: s.table, ts: 1765000000000 + i, type: s.type.toUpperCase() });
    return JSON.stringify({ database: SRC, table: s.table, type: s.type, ts: 1765000000 + i, xid: i, commit: true, data: s.row, ...(s.old ? { old: s.old } : {}) });
  }
  async function topicOf(format: 'canal' | 'maxwell', rename: boolean, partitions = 1): Promise<string> {
    const topic = uniqueName(`kddl.${format}`);
    const k = new (await import('kafkajs')).default.Kafka({ brokers: [suite.inst.bootstrap], clientId: 'kafka-ddl-test', logLevel: 0 });
    const admin = k.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
    await admin.disconnect();
    const p = k.producer();
    await p.connect();
    await p.send({ topic, acks: -1, messages: steps(rename).map((s, i) => ({ key: null, value: render(format, s, i), partition: 0 })) });
    await p.disconnect();
    return topic;
  }
  const job = (name: string, topic: string, format: string, sink: object, to: string): string =>
    writeJob(suite.work, { name, source: { type: 'kafka', brokers: [suite.inst.bootstrap], topics: [topic], format, group: name, start: 'earliest' }, sink, tables: { include: [`${SRC}.*`] }, rename: { [SRC]: to }, mode: 'stream' }, `${name}.json`);

  for (const format of ['canal', 'maxwell'] as const) {
    it(`${format}: CREATE / ALTER ADD COLUMN / CREATE / RENAME applied in order into MySQL, exact after a SIGKILL between a statement and its offset`, async () => {
      const topic = await topicOf(format, true);
      const name = uniqueName(`kddl_${format}`);
      const sinkDb = uniqueName('kddl_sink');
      await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${q(sinkDb)}; CREATE DATABASE ${q(sinkDb)}`);
      const file = job(name, topic, format, { type: 'mysql', url: sinkUrl() }, sinkDb);
      const state = join(suite.work, `${name}.sqlite`);
      try {
        const crashed = await runCliWithTimeout(['run', file, '--state', state], 120_000, { CUTOVER_CRASH_AT: 'consume-ddl:applied' });
        assert.equal(crashed.signal ?? null, 'SIGKILL', describeRun(crashed));
        assert.match(crashed.stderr, /CUTOVER_CRASH_AT=consume-ddl:applied/);
        const journal = await query<{ n: number }>(sinkUrl(), 'SELECT COUNT(*) AS n FROM _cutover.cutover_offset_ddl WHERE job = ?', [name]);
        assert.equal(Number(journal[0]!.n), 1, 'the statement was journaled before it ran, and the offset not moved');
        const live = startLive(['run', file, '--state', state]);
        try {
          const want = '1:a:10|2:b:null|3:c:30 / 1:x|2:y';
          const now = async (): Promise<string> => {
            const t1 = await query<{ id: number; v: string; n: number | null }>(sinkUrl(), `SELECT id, v, n FROM ${q(sinkDb)}.t1 ORDER BY id`).catch(() => []);
            const t3 = await query<{ id: number; w: string }>(sinkUrl(), `SELECT id, w FROM ${q(sinkDb)}.t3 ORDER BY id`).catch(() => []);
            return `${t1.map((r) => `${r.id}:${r.v}:${r.n}`).join('|')} / ${t3.map((r) => `${r.id}:${r.w}`).join('|')}`;
          };
          await waitUntil('the sink tables as the statements and rows say', async () => (await now()) === want, { live, ms: 120_000, detail: now });
          await assertOffsetsAtEnds(suite.inst.bootstrap, [topic], await mysqlSinkOffsets(name));
          const t2 = await query(sinkUrl(), 'SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [sinkDb, 't2']);
          assert.equal(t2.length, 0, 't2 was renamed to t3');
          const r = await stopWithSigterm(live);
          assert.match(r.stderr + r.stdout, /schema change already on the sink at .*CREATE TABLE/, 'the replayed statement was recognised from the journal');
        } finally {
          await killLive(live);
        }
      } finally {
        await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${q(sinkDb)}`);
      }
    });
  }

  it('a statement in a topic of two partitions pauses its partition at it (order not provable), with the fix; nothing applied', async () => {
    const topic = await topicOf('maxwell', false, 2);
    const name = uniqueName('kddl_two');
    const sinkDb = uniqueName('kddl_two');
    await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${q(sinkDb)}; CREATE DATABASE ${q(sinkDb)}`);
    const live = startLive(['run', job(name, topic, 'maxwell', { type: 'mysql', url: sinkUrl() }, sinkDb), '--state', join(suite.work, `${name}.sqlite`)]);
    try {
      const paused = await waitUntil('the partition paused at the statement', async () => (await query<{ message_offset: string; reason: string }>(sinkUrl(), 'SELECT message_offset, reason FROM _cutover.cutover_bad_messages WHERE job = ?', [name]))[0], { live, ms: 90_000 });
      assert.equal(String(paused.message_offset), '0');
      assert.match(paused.reason, /2 partitions/);
      const tables = await query(sinkUrl(), 'SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [sinkDb]);
      assert.equal(tables.length, 0, 'the CREATE TABLE was not applied');
      const r = await stopWithSigterm(live);
      assert.match(r.stderr + r.stdout, /--skip-message .*:0:0/);
    } finally {
      await killLive(live);
      await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${q(sinkDb)}`);
    }
  });

  it('canal: CREATE / ALTER ADD COLUMN / CREATE applied in order into PostgreSQL, tables created from the statements', async () => {
    const topic = await topicOf('canal', false);
    const name = uniqueName('kddl_pg');
    const pg = await createPgDatabase('kddlpg');
    const live = startLive(['run', job(name, topic, 'canal', { type: 'postgres', url: pg.url }, 'shop'), '--state', join(suite.work, `${name}.sqlite`)]);
    try {
      const now = async (): Promise<string> => {
        const t1 = await pg.rows('SELECT id, v, n FROM shop.t1 ORDER BY id').catch(() => []);
        const t2 = await pg.rows('SELECT id, w FROM shop.t2 ORDER BY id').catch(() => []);
        return `${t1.map((r) => r.join(':')).join('|')} / ${t2.map((r) => r.join(':')).join('|')}`;
      };
      await waitUntil('the PostgreSQL tables as the statements and rows say', async () => (await now()) === '1:a:10|2:b:|3:c:30 / 1:x|2:y', { live, ms: 120_000, detail: now });
      const types = await pg.rows("SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'shop' AND table_name = 't1' ORDER BY ordinal_position");
      assert.deepEqual(types.map((r) => r.join(' ')), ['id integer', 'v character varying', 'n integer']);
      await stopWithSigterm(live);
    } finally {
      await killLive(live);
    }
  });
});
