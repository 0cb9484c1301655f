// Kafka topics as a source, end to end with the real CLI, a real broker (scripts/kafka-broker.mjs) and the
// MariaDB test servers: a Cutover MySQL → Kafka job (Debezium format, 4 partitions) fills the topics with
// the copy and then inserts, updates and deletes of a keyed and a keyless table; Cutover consumer jobs
// ("source": {"type": "kafka"}) apply them to the sink database:
//   - one consumer process: the sink tables equal the source (CHECKSUM TABLE), the sink's stored offsets
//     equal the partitions' ends;
//   - two processes of one job (one group, one state file) share the partitions; one is SIGKILLed midway
//     and started again: the tables equal the source again, nothing applied twice (the keyless table's
//     checksum counts every row), and both members were recorded in the state file.
//   - the schema-change topic ("source.schemaTopic"): a Cutover producer with sink.schemaTopic, CREATE TABLE
//     and ALTER TABLE ADD COLUMN between rows, consumed into MySQL (one and two processes) and PostgreSQL.
// A broker that cannot start fails the tests (nothing is skipped).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { checksum, describeRun, exec, q, query, runCliWithTimeout, sinkUrl, sourceUrl, tempDir, uniqueName, writeJob } from '../helpers/db.js';
import { startTestBroker, type KafkaBroker, type KafkaInstance } from '../helpers/kafka.js';
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

let broker: KafkaBroker;
let inst: KafkaInstance;
let work: string;
let srcDb: string;
let producer: string;

before(async () => {
  ({ broker, inst } = await startTestBroker('kafka-source', 33600));
  work = tempDir('cutover-kafka-source-');
  srcDb = uniqueName('ks_src');
  producer = uniqueName('ksprod');
  await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(srcDb)}; CREATE DATABASE ${q(srcDb)}`);
  for (const t of TABLES) await exec(sourceUrl(), `USE ${q(srcDb)}; ${DDL[t]}`);
  const values = Array.from({ length: 1500 }, (_, i) => `(${i + 1}, 'row ${i + 1} ü€', ${i % 7 === 0 ? 'NULL' : `${i}.125`}, '2026-01-0${(i % 9) + 1} 10:11:12.${String(i).padStart(6, '0')}')`);
  await exec(sourceUrl(), `INSERT INTO ${q(srcDb)}.keyed VALUES ${values.join(',')}`);
  await exec(sourceUrl(), `INSERT INTO ${q(srcDb)}.nokey VALUES ${Array.from({ length: 300 }, (_, i) => `(${i % 50}, ${i % 11 === 0 ? 'NULL' : `'b${i % 30}'`})`).join(',')}`);
  // The producer: copy, then the stream of the changes below, into 4 partitions per table.
  const job = writeJob(
    work,
    {
      name: producer,
      source: { url: sourceUrl() },
      sink: { type: 'kafka', brokers: [inst.bootstrap], topic: `${producer}.{db}.{table}`, format: 'debezium', partitions: 4 },
      tables: { include: [`${srcDb}.*`] },
      mode: 'snapshot+stream',
    },
    'producer.json',
  );
  const state = join(work, 'producer.sqlite');
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
  if (broker && inst) await broker.stopKafka(inst, { wipe: !process.env.CUTOVER_KEEP_SERVICES });
  if (work) rmSync(work, { recursive: true, force: true });
  if (srcDb) await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(srcDb)}`);
});

/** A sink database with the source's tables, empty; the consumer job that fills it from the topics. */
async function consumerJob(name: string, sinkDb: string): Promise<string> {
  await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${q(sinkDb)}; CREATE DATABASE ${q(sinkDb)}`);
  for (const t of TABLES) await exec(sinkUrl(), `USE ${q(sinkDb)}; ${DDL[t]}`);
  return writeJob(
    work,
    {
      name,
      source: { type: 'kafka', brokers: [inst.bootstrap], topics: [`/${producer}\\.${srcDb}\\..*/`], format: 'debezium', group: name, start: 'earliest' },
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
    work,
    {
      name,
      source: { type: 'kafka', brokers: [inst.bootstrap], topics: [`/${producer}\\.${srcDb}\\..*/`], format: 'debezium', group: name, start: 'earliest' },
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

/** The PostgreSQL sink's stored next offsets against the partitions' ends. */
async function pgOffsetsAtEnd(pg: PgTestDatabase, job: string): Promise<void> {
  const rows = await pg.rows(`SELECT topic, part, next_offset FROM "_cutover"."cutover_offsets" WHERE job = '${job}' ORDER BY topic, part`);
  assert.ok(rows.length >= 2, `offset rows for the job: ${JSON.stringify(rows)}`);
  await assertAtEnds(rows.map(([topic, part, next]) => ({ topic: String(topic), part: Number(part), next_offset: String(next) })));
}

async function assertAtEnds(rows: { topic: string; part: number; next_offset: string }[]): Promise<void> {
  const kafkajs = (await import('kafkajs')).default;
  const admin = new kafkajs.Kafka({ brokers: [inst.bootstrap], clientId: 'kafka-source-test', logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    for (const t of TABLES) {
      const topic = `${producer}.${srcDb}.${t}`;
      for (const p of await admin.fetchTopicOffsets(topic)) {
        if (p.high === '0') continue;
        const r = rows.find((x) => x.topic === topic && Number(x.part) === p.partition);
        assert.equal(String(r?.next_offset), p.high, `${topic}/${p.partition}: the sink's offset is the partition's end`);
      }
    }
  } finally {
    await admin.disconnect();
  }
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

/** The sink's stored next offsets of the job's partitions, against the topics' ends. */
async function offsetsAtEnd(job: string): Promise<void> {
  const rows = await query<{ topic: string; part: number; next_offset: string }>(sinkUrl(), 'SELECT topic, part, next_offset FROM _cutover.cutover_offsets WHERE job = ? ORDER BY topic, part', [job]);
  assert.ok(rows.length >= 2, `offset rows for the job: ${JSON.stringify(rows)}`);
  await assertAtEnds(rows);
}

describe('Kafka topics as a source', { timeout: 15 * 60_000 }, () => {
  it('one consumer applies the Debezium topics exactly: the sink tables equal the source', async () => {
    const name = uniqueName('ks_one');
    const sinkDb = uniqueName('ks_sink1');
    const job = await consumerJob(name, sinkDb);
    const live = startLive(['run', job, '--state', join(work, 'one.sqlite')]);
    try {
      await waitUntil('the sink tables equal the source', async () => (await differences(sinkDb)).length === 0, { live, ms: 180_000, detail: async () => (await differences(sinkDb)).join('\n') });
      await offsetsAtEnd(name);
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
    const state = join(work, 'two.sqlite');
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
      await offsetsAtEnd(name);
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
    const live = startLive(['run', job, '--state', join(work, 'pg-one.sqlite')]);
    try {
      await waitUntil('the PostgreSQL tables equal the source', async () => (await pgDifferences(pg)).length === 0, { live, ms: 180_000, detail: async () => (await pgDifferences(pg)).join('\n') });
      await pgOffsetsAtEnd(pg, name);
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
    const state = join(work, 'pg-two.sqlite');
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
      await pgOffsetsAtEnd(pg, name);
      await stopWithSigterm(a2);
      await stopWithSigterm(b);
      console.log(`kafka-source → PostgreSQL: 2 processes of one group, 1 SIGKILL (${atKill} keyed rows in at the kill), 1 rebalance on restart; both tables equal value by value (psql)`);
    } finally {
      for (const l of lives) await killLive(l);
      await pg.drop();
    }
  });
});

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
    const k = new (await import('kafkajs')).default.Kafka({ brokers: [inst.bootstrap], clientId: 'kafka-ddl-test', logLevel: 0 });
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
    writeJob(work, { name, source: { type: 'kafka', brokers: [inst.bootstrap], topics: [topic], format, group: name, start: 'earliest' }, sink, tables: { include: [`${SRC}.*`] }, rename: { [SRC]: to }, mode: 'stream' }, `${name}.json`);

  for (const format of ['canal', 'maxwell'] as const) {
    it(`${format}: CREATE / ALTER ADD COLUMN / CREATE / RENAME applied in order into MySQL, exact after a SIGKILL between a statement and its offset`, async () => {
      const topic = await topicOf(format, true);
      const name = uniqueName(`kddl_${format}`);
      const sinkDb = uniqueName('kddl_sink');
      await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${q(sinkDb)}; CREATE DATABASE ${q(sinkDb)}`);
      const file = job(name, topic, format, { type: 'mysql', url: sinkUrl() }, sinkDb);
      const state = join(work, `${name}.sqlite`);
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
          const [off] = await query<{ next_offset: string }>(sinkUrl(), 'SELECT next_offset FROM _cutover.cutover_offsets WHERE job = ?', [name]);
          assert.equal(String(off!.next_offset), String(steps(true).length), "the sink's offset is the partition's end");
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
    const live = startLive(['run', job(name, topic, 'maxwell', { type: 'mysql', url: sinkUrl() }, sinkDb), '--state', join(work, `${name}.sqlite`)]);
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
    const live = startLive(['run', job(name, topic, 'canal', { type: 'postgres', url: pg.url }, 'shop'), '--state', join(work, `${name}.sqlite`)]);
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
      work,
      { name: prod, source: { url: sourceUrl() }, sink: { type: 'kafka', brokers: [inst.bootstrap], topic: `${prod}.{db}.{table}`, format: 'debezium', partitions: 1, schemaTopic }, tables: { include: [`${db}.*`] }, mode: 'snapshot+stream' },
      `${prod}.json`,
    );
    const pstate = join(work, `${prod}.sqlite`);
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
      work,
      { name, source: { type: 'kafka', brokers: [inst.bootstrap], topics: [`/${prod}\\.${db}\\..*/`], format: 'debezium', group: name, start: 'earliest', schemaTopic }, sink, tables: { include: [`${db}.*`] }, rename: { [db]: to }, mode: 'stream' },
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
      const state = join(work, `${name}.sqlite`);
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
    const live = startLive(['run', consumer(name, { type: 'postgres', url: pg.url }, 'shop'), '--state', join(work, `${name}.sqlite`)]);
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
