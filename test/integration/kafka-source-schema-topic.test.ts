// The schema-change topic of a Kafka-source job ("source.schemaTopic"): a Cutover MySQL → Kafka producer
// (Debezium, sink.schemaTopic, one partition per table) with CREATE TABLE and ALTER TABLE ADD COLUMN between
// rows, consumed into MySQL (one and two processes of one group) and PostgreSQL; the sink ends equal to
// the source, each statement applied once, in order with the rows by source position. Real CLI, a real
// broker (scripts/kafka-broker.mjs), the MariaDB test servers, a PostgreSQL database.
// A broker that cannot start fails the tests (nothing is skipped).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { checksum, describeRun, exec, q, query, runCliWithTimeout, sinkUrl, sourceUrl, uniqueName, writeJob } from '../helpers/db.js';
import { killLive, startLive, stopWithSigterm, waitUntil } from '../helpers/stream-cli.js';
import { createPgDatabase } from '../helpers/postgres.js';
import { compareTable } from '../helpers/pg-compare.js';
import { kafkaSuite } from '../helpers/kafka-suite.js';

const suite = kafkaSuite('kafka-schema-topic');

describe('Kafka source: the schema-change topic ("source.schemaTopic"), ordered with the rows by source position', { timeout: 10 * 60_000 }, () => {
  // A Cutover producer (Debezium, sink.schemaTopic, one partition per table) with CREATE TABLE / ALTER TABLE
  // ADD COLUMN and rows before and after each, consumed with source.schemaTopic: the sink ends equal to the source.
  const T0 = 'CREATE TABLE t0 (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL) ENGINE=InnoDB';
  let db: string;
  let prod: string;
  let schemaTopic: string;

  before(async () => {
    db = uniqueName('kst_src');
    prod = uniqueName('kstprod');
    schemaTopic = `${prod}.schema-changes`;
    await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(db)}; CREATE DATABASE ${q(db)}; USE ${q(db)}; ${T0}; INSERT INTO t0 VALUES (1, 'copied')`);
    const pjob = writeJob(
      suite.work,
      { name: prod, source: { url: sourceUrl() }, sink: { type: 'kafka', brokers: [suite.inst.bootstrap], topic: `${prod}.{db}.{table}`, format: 'debezium', partitions: 1, schemaTopic }, tables: { include: [`${db}.*`] }, mode: 'snapshot+stream' },
      `${prod}.json`,
    );
    const pstate = join(suite.work, `${prod}.sqlite`);
    const first = await runCliWithTimeout(['run', pjob, '--state', pstate, '--exit-when-caught-up']);
    assert.equal(first.code, 0, describeRun(first));
    // In the stream: a table created, rows, a column added to it and to t0, rows after (old and new shape).
    // The producer catches up after each step: it reads a changed table's definition from the source then.
    const steps = [
      ["INSERT INTO t0 VALUES (2, 'before')", 'CREATE TABLE t1 (id INT NOT NULL, v VARCHAR(20) NOT NULL, PRIMARY KEY (id)) ENGINE=InnoDB', "INSERT INTO t1 VALUES (1, 'a'), (2, 'b')"],
      ['ALTER TABLE t1 ADD COLUMN n INT NULL', "INSERT INTO t1 VALUES (3, 'c', 30)", 'UPDATE t1 SET n = 10 WHERE id = 1', 'ALTER TABLE t0 ADD COLUMN note VARCHAR(30) NULL', "INSERT INTO t0 VALUES (3, 'after', 'noted')", "UPDATE t0 SET note = 'set' WHERE id = 1"],
    ];
    for (const step of steps) {
      await exec(sourceUrl(), [`USE ${q(db)}`, ...step].join(';\n'));
      const ran = await runCliWithTimeout(['run', pjob, '--state', pstate, '--exit-when-caught-up']);
      assert.equal(ran.code, 0, describeRun(ran));
    }
  });

  after(async () => {
    if (db) await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(db)}`);
  });

  const consumer = (name: string, sink: object, to: string): string =>
    writeJob(
      suite.work,
      { name, source: { type: 'kafka', brokers: [suite.inst.bootstrap], topics: [`/${prod}\\.${db}\\..*/`], format: 'debezium', group: name, start: 'earliest', schemaTopic }, sink, tables: { include: [`${db}.*`] }, rename: { [db]: to }, mode: 'stream' },
      `${name}.json`,
    );

  // Into MySQL by one process, and by two processes of one group (each statement applied by one process only:
  // whichever holds the rows that need it).
  for (const processes of [1, 2]) {
    const title =
      processes === 1
        ? 'into MySQL: t1 created from the CREATE TABLE, both ALTERs applied between the rows before and after; equal to the source'
        : 'two processes of one group: each statement applied by one process only (whichever holds the rows that need it), equal to the source';
    it(title, async () => {
      const name = uniqueName(`kst_p${processes}`);
      const sinkDb = uniqueName(`kst_sink${processes}`);
      await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${q(sinkDb)}; CREATE DATABASE ${q(sinkDb)}; USE ${q(sinkDb)}; ${T0}`);
      const file = consumer(name, { type: 'mysql', url: sinkUrl() }, sinkDb);
      const state = join(suite.work, `${name}.sqlite`);
      const lives = Array.from({ length: processes }, () => startLive(['run', file, '--state', state]));
      const diff = async (): Promise<string[]> => {
        const out: string[] = [];
        for (const t of ['t0', 't1']) {
          const [a, b] = [await checksum(sourceUrl(), db, t), await checksum(sinkUrl(), sinkDb, t).catch((e: Error) => e.message)];
          if (a !== b) out.push(`${t}: source ${a}, sink ${b}`);
        }
        return out;
      };
      try {
        await waitUntil('the sink tables equal the source (CREATE and ALTERs applied in order with the rows)', async () => (await diff()).length === 0, { live: lives[0]!, ms: 180_000, detail: async () => (await diff()).join('\n') });
        const cols = await query<{ c: string }>(sinkUrl(), 'SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION', [sinkDb, 't1']);
        assert.deepEqual(cols.map((r) => r.c), ['id', 'v', 'n']);
        const [off] = await query<{ next_offset: string }>(sinkUrl(), 'SELECT next_offset FROM _cutover.cutover_offsets WHERE job = ? AND topic = ?', [name, schemaTopic]);
        assert.equal(String(off?.next_offset), '3', "the schema topic's offset is stored in the sink, past its 3 statements");
        const outs = await Promise.all(lives.map((l) => stopWithSigterm(l)));
        const applied = outs.map((r) => (r.stderr + r.stdout).match(/applied schema change at /g)?.length ?? 0);
        assert.equal(applied.reduce((x, y) => x + y, 0), 3, `each of the 3 statements applied by one process only (${applied.join(' + ')})`);
        assert.match(outs.map((r) => r.stderr + r.stdout).join('\n'), /applied schema change at .*schema-changes:0:\d+: ALTER TABLE/);
        for (const r of outs) assert.doesNotMatch(r.stderr, /^\s+at /m);
        console.log(`kafka-source schemaTopic: ${processes} process(es) of one group; the 3 statements from ${schemaTopic} applied ${applied.join(' + ')} in order with the rows into MySQL; t0 and t1 equal the source (CHECKSUM TABLE)`);
      } finally {
        for (const l of lives) await killLive(l);
        await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${q(sinkDb)}`);
      }
    });
  }

  it('into PostgreSQL: the same statements translated, every value equal to the source', async () => {
    const name = uniqueName('kst_pg');
    const pg = await createPgDatabase('kstpg');
    await pg.rows('CREATE SCHEMA shop; CREATE TABLE shop.t0 (id integer PRIMARY KEY, v varchar(20) NOT NULL)');
    const live = startLive(['run', consumer(name, { type: 'postgres', url: pg.url }, 'shop'), '--state', join(suite.work, `${name}.sqlite`)]);
    const diff = async (): Promise<string[]> => {
      const out: string[] = [];
      for (const t of ['t0', 't1']) {
        const d = await compareTable(sourceUrl(), db, t, pg.url, 'shop', 'stop').catch((e: Error) => e.message);
        if (d) out.push(`${t}: ${d}`);
      }
      return out;
    };
    try {
      await waitUntil('the PostgreSQL tables equal the source', async () => (await diff()).length === 0, { live, ms: 180_000, detail: async () => (await diff()).join('\n') });
      const off = await pg.rows(`SELECT next_offset FROM "_cutover"."cutover_offsets" WHERE job = '${name}' AND topic = '${schemaTopic}'`);
      assert.equal(String(off[0]?.[0]), '3', "the schema topic's offset is stored with the statements");
      await stopWithSigterm(live);
      console.log(`kafka-source schemaTopic: the same 3 statements applied into PostgreSQL; t0 and t1 equal the source (every value)`);
    } finally {
      await killLive(live);
    }
  });
});
