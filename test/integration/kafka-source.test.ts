// Kafka topics as a source, end to end with the real CLI, a real broker (scripts/kafka-broker.mjs) and the
// MariaDB test servers: a Cutover MySQL → Kafka job (Debezium format, 4 partitions) fills the topics with
// the copy and then inserts, updates and deletes of a keyed and a keyless table; Cutover consumer jobs
// ("source": {"type": "kafka"}) apply them to the sink database:
//   - one consumer process: the sink tables equal the source (CHECKSUM TABLE), the sink's stored offsets
//     equal the partitions' ends;
//   - two processes of one job (one group, one state file) share the partitions; one is SIGKILLed midway
//     and started again: the tables equal the source again, nothing applied twice (the keyless table's
//     checksum counts every row), and both members were recorded in the state file.
//   - the same into PostgreSQL (one process; two, one SIGKILLed and restarted): every value equal.
// Schema changes in the data topics (Canal, Maxwell): kafka-source-ddl.test.ts; the schema-change topic
// ("source.schemaTopic"): kafka-source-schema-topic.test.ts.
// A broker that cannot start fails the tests (nothing is skipped).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { checksum, describeRun, exec, q, query, runCliWithTimeout, sinkUrl, sourceUrl, uniqueName, writeJob } from '../helpers/db.js';
import { kafkaSuite } from '../helpers/kafka-suite.js';
import { assertOffsetsAtEnds, mysqlSinkOffsets, pgSinkOffsets, type StoredOffset } from '../helpers/kafka-offsets.js';
import { killLive, startLive, stopWithSigterm, waitUntil, type LiveCli } from '../helpers/stream-cli.js';
import { StateStore } from '../../engine/state/store.js';
import { ConsumerStore } from '../../engine/state/consumer-store.js';
import { alive } from '../../engine/core/process-alive.js';
import { createPgDatabase, type PgTestDatabase } from '../helpers/postgres.js';
import { compareTable } from '../helpers/pg-compare.js';

const TABLES = ['keyed', 'nokey'];
const DDL: Record<string, string> = {
  keyed: 'CREATE TABLE keyed (id INT PRIMARY KEY, v VARCHAR(60) NOT NULL, n DECIMAL(12,3) NULL, t DATETIME(6) NULL) ENGINE=InnoDB',
  nokey: 'CREATE TABLE nokey (a INT NOT NULL, b VARCHAR(40) NULL) ENGINE=InnoDB',
};

const suite = kafkaSuite('kafka-source');
let srcDb: string;
let producer: string;

before(async () => {
  await suite.ready();
  srcDb = uniqueName('ks_src');
  producer = uniqueName('ksprod');
  await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(srcDb)}; CREATE DATABASE ${q(srcDb)}`);
  for (const t of TABLES) await exec(sourceUrl(), `USE ${q(srcDb)}; ${DDL[t]}`);
  const values = Array.from({ length: 1500 }, (_, i) => `(${i + 1}, 'row ${i + 1} ü€', ${i % 7 === 0 ? 'NULL' : `${i}.125`}, '2026-01-0${(i % 9) + 1} 10:11:12.${String(i).padStart(6, '0')}')`);
  await exec(sourceUrl(), `INSERT INTO ${q(srcDb)}.keyed VALUES ${values.join(',')}`);
  await exec(sourceUrl(), `INSERT INTO ${q(srcDb)}.nokey VALUES ${Array.from({ length: 300 }, (_, i) => `(${i % 50}, ${i % 11 === 0 ? 'NULL' : `'b${i % 30}'`})`).join(',')}`);
  // The producer: copy, then the stream of the changes below, into 4 partitions per table.
  const job = writeJob(
    suite.work,
    {
      name: producer,
      source: { url: sourceUrl() },
      sink: { type: 'kafka', brokers: [suite.inst.bootstrap], topic: `${producer}.{db}.{table}`, format: 'debezium', partitions: 4 },
      tables: { include: [`${srcDb}.*`] },
      mode: 'snapshot+stream',
    },
    'producer.json',
  );
  const state = join(suite.work, 'producer.sqlite');
  const first = await runCliWithTimeout(['run', job, '--state', state, '--exit-when-caught-up']);
  assert.equal(first.code, 0, describeRun(first));
  await exec(
    sourceUrl(),
    [
      `UPDATE ${q(srcDb)}.keyed SET v = CONCAT(v, ' upd'), n = n + 1 WHERE id % 3 = 0`,
      `DELETE FROM ${q(srcDb)}.keyed WHERE id % 10 = 1`,
      `INSERT INTO ${q(srcDb)}.keyed VALUES (5001, 'new', 1.5, NULL), (5002, 'new2', NULL, '2026-12-06 00:00:00.000001')`,
      `UPDATE ${q(srcDb)}.keyed SET id = id + 10000 WHERE id BETWEEN 100 AND 110`,
      `UPDATE ${q(srcDb)}.nokey SET b = 'changed' WHERE a = 7`,
      `DELETE FROM ${q(srcDb)}.nokey WHERE a = 9 LIMIT 3`,
      `INSERT INTO ${q(srcDb)}.nokey VALUES (7, 'b1'), (7, 'b1'), (99, NULL)`,
    ].join(';\n'),
  );
  const second = await runCliWithTimeout(['run', job, '--state', state, '--exit-when-caught-up']);
  assert.equal(second.code, 0, describeRun(second));
});

after(async () => {
  if (srcDb) await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(srcDb)}`);
});

/** A sink database with the source's tables, empty; the consumer job that fills it from the topics. */
async function consumerJob(name: string, sinkDb: string): Promise<string> {
  await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${q(sinkDb)}; CREATE DATABASE ${q(sinkDb)}`);
  for (const t of TABLES) await exec(sinkUrl(), `USE ${q(sinkDb)}; ${DDL[t]}`);
  return writeJob(
    suite.work,
    {
      name,
      source: { type: 'kafka', brokers: [suite.inst.bootstrap], topics: [`/${producer}\\.${srcDb}\\..*/`], format: 'debezium', group: name, start: 'earliest' },
      sink: { type: 'mysql', url: sinkUrl() },
      tables: { include: [`${srcDb}.*`] },
      rename: { [srcDb]: sinkDb },
      mode: 'stream',
    },
    `${name}.json`,
  );
}

/** The same tables on PostgreSQL, with the types the sink maps the source's to (README: type rules). */
const PG_DDL: Record<string, string> = {
  keyed: 'CREATE TABLE keyed (id integer PRIMARY KEY, v varchar(60) NOT NULL, n numeric(12,3) NULL, t timestamp(6) NULL)',
  nokey: 'CREATE TABLE nokey (a integer NOT NULL, b varchar(40) NULL)',
};

/** A PostgreSQL database with the source's tables in schema "shop", empty; the consumer job that fills it. */
async function pgConsumerJob(name: string): Promise<{ job: string; pg: PgTestDatabase }> {
  const pg = await createPgDatabase('kspg');
  await pg.rows(`CREATE SCHEMA shop; SET search_path = shop; ${Object.values(PG_DDL).join('; ')}`);
  const job = writeJob(
    suite.work,
    {
      name,
      source: { type: 'kafka', brokers: [suite.inst.bootstrap], topics: [`/${producer}\\.${srcDb}\\..*/`], format: 'debezium', group: name, start: 'earliest' },
      sink: { type: 'postgres', url: pg.url },
      tables: { include: [`${srcDb}.*`] },
      rename: { [srcDb]: 'shop' },
      mode: 'stream',
    },
    `${name}.json`,
  );
  return { job, pg };
}

async function pgDifferences(pg: PgTestDatabase): Promise<string[]> {
  const out: string[] = [];
  for (const t of TABLES) {
    const d = await compareTable(sourceUrl(), srcDb, t, pg.url, 'shop', 'stop');
    if (d) out.push(`${t}: ${d}`);
  }
  return out;
}

/** The sink's stored next offsets of the job's partitions (at least one per table) equal the topics' ends. */
async function offsetsAtEnd(stored: StoredOffset[]): Promise<void> {
  assert.ok(stored.length >= 2, `offset rows for the job: ${JSON.stringify(stored)}`);
  await assertOffsetsAtEnds(suite.inst.bootstrap, TABLES.map((t) => `${producer}.${srcDb}.${t}`), stored);
}

/** The processes the state file records as members of the job's group. */
function memberPids(state: string, job: string): number[] {
  const store = new StateStore(state);
  try {
    const row = store.job(job);
    return row ? ConsumerStore.read(store, row.id, alive).map((m) => m.pid) : [];
  } finally {
    store.close();
  }
}

async function differences(sinkDb: string): Promise<string[]> {
  const out: string[] = [];
  for (const t of TABLES) {
    const [a, b] = [await checksum(sourceUrl(), srcDb, t), await checksum(sinkUrl(), sinkDb, t)];
    if (a !== b) out.push(`${t}: source ${a}, sink ${b}`);
  }
  return out;
}

describe('Kafka topics as a source', { timeout: 15 * 60_000 }, () => {
  it('one consumer applies the Debezium topics exactly: the sink tables equal the source', async () => {
    const name = uniqueName('ks_one');
    const sinkDb = uniqueName('ks_sink1');
    const job = await consumerJob(name, sinkDb);
    const live = startLive(['run', job, '--state', join(suite.work, 'one.sqlite')]);
    try {
      await waitUntil('the sink tables equal the source', async () => (await differences(sinkDb)).length === 0, { live, ms: 180_000, detail: async () => (await differences(sinkDb)).join('\n') });
      await offsetsAtEnd(await mysqlSinkOffsets(name));
      const r = await stopWithSigterm(live);
      assert.doesNotMatch(r.stderr, /^\s+at /m);
    } finally {
      await killLive(live);
      await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${q(sinkDb)}`);
    }
  });

  it('two processes of one group share the partitions; one SIGKILLed and restarted: equal again, nothing twice', async () => {
    const name = uniqueName('ks_two');
    const sinkDb = uniqueName('ks_sink2');
    const job = await consumerJob(name, sinkDb);
    const state = join(suite.work, 'two.sqlite');
    const lives: LiveCli[] = [];
    const start = (): LiveCli => {
      const l = startLive(['run', job, '--state', state]);
      lives.push(l);
      return l;
    };
    try {
      const a = start();
      const b = start();
      // Midway: some rows are in, not all.
      await waitUntil('the first rows applied', async () => Number((await query<{ n: number }>(sinkUrl(), `SELECT COUNT(*) AS n FROM ${q(sinkDb)}.keyed`))[0]?.n) > 0, { live: b, ms: 180_000, everyMs: 20 });
      a.child.kill('SIGKILL');
      await a.done;
      const atKill = Number((await query<{ n: number }>(sinkUrl(), `SELECT COUNT(*) AS n FROM ${q(sinkDb)}.keyed`))[0]?.n);
      const a2 = start();
      // The restarted process joins the group (a rebalance) and records its assignment beside the other's.
      await waitUntil('both processes recorded as members in the shared state file', () => memberPids(state, name).length === 2 && memberPids(state, name).includes(a2.child.pid!), { live: a2, ms: 180_000 });
      await waitUntil('the sink tables equal the source after the kill', async () => (await differences(sinkDb)).length === 0, { live: a2, ms: 240_000, detail: async () => (await differences(sinkDb)).join('\n') });
      await offsetsAtEnd(await mysqlSinkOffsets(name));
      const status = await runCliWithTimeout(['status', '--state', state]);
      assert.match(status.stdout, /consumer process \d+ .*partition\(s\)/, describeRun(status));
      assert.match(status.stdout, /\[\d+\]: offset \d+, end \d+, lag \d+ message\(s\)/, describeRun(status));
      await stopWithSigterm(a2);
      await stopWithSigterm(b);
      assert.deepEqual(memberPids(state, name), [], 'a stopped process removes its member row');
      console.log(`kafka-source: 2 processes of one group, 1 SIGKILL (${atKill} keyed rows in at the kill), 1 rebalance on restart; both tables equal (CHECKSUM TABLE)`);
    } finally {
      for (const l of lives) await killLive(l);
      await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${q(sinkDb)}`);
    }
  });
});

describe('Kafka topics as a source, into PostgreSQL', { timeout: 15 * 60_000 }, () => {
  it('one consumer applies the Debezium topics to PostgreSQL exactly: every value equals the source', async () => {
    const name = uniqueName('kspg_one');
    const { job, pg } = await pgConsumerJob(name);
    const live = startLive(['run', job, '--state', join(suite.work, 'pg-one.sqlite')]);
    try {
      await waitUntil('the PostgreSQL tables equal the source', async () => (await pgDifferences(pg)).length === 0, { live, ms: 180_000, detail: async () => (await pgDifferences(pg)).join('\n') });
      await offsetsAtEnd(await pgSinkOffsets(pg, name));
      const r = await stopWithSigterm(live);
      assert.doesNotMatch(r.stderr, /^\s+at /m);
    } finally {
      await killLive(live);
      await pg.drop();
    }
  });

  it('two processes into PostgreSQL, one SIGKILLed and restarted: equal again, nothing twice', async () => {
    const name = uniqueName('kspg_two');
    const { job, pg } = await pgConsumerJob(name);
    const state = join(suite.work, 'pg-two.sqlite');
    const lives: LiveCli[] = [];
    const start = (): LiveCli => {
      const l = startLive(['run', job, '--state', state]);
      lives.push(l);
      return l;
    };
    try {
      const a = start();
      const b = start();
      await waitUntil('the first rows applied', async () => Number(await pg.value('SELECT count(*) FROM shop.keyed')) > 0, { live: b, ms: 180_000, everyMs: 20 });
      a.child.kill('SIGKILL');
      await a.done;
      const atKill = Number(await pg.value('SELECT count(*) FROM shop.keyed'));
      const a2 = start();
      await waitUntil('both processes recorded as members in the shared state file', () => memberPids(state, name).length === 2 && memberPids(state, name).includes(a2.child.pid!), { live: a2, ms: 180_000 });
      await waitUntil('the PostgreSQL tables equal the source after the kill', async () => (await pgDifferences(pg)).length === 0, { live: a2, ms: 240_000, detail: async () => (await pgDifferences(pg)).join('\n') });
      await offsetsAtEnd(await pgSinkOffsets(pg, name));
      await stopWithSigterm(a2);
      await stopWithSigterm(b);
      console.log(`kafka-source → PostgreSQL: 2 processes of one group, 1 SIGKILL (${atKill} keyed rows in at the kill), 1 rebalance on restart; both tables equal value by value (psql)`);
    } finally {
      for (const l of lives) await killLive(l);
      await pg.drop();
    }
  });
});
