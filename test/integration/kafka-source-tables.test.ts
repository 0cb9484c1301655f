// A Kafka-source job's sink tables: created from the Debezium schema envelope when the sink lacks them
// (MySQL and PostgreSQL; without the envelope the job stops naming the ways), and a keyless table whose
// changes are spread over partitions refused once an update or delete comes (issue 14 points 4 and 3).
// Real CLI, a real broker (scripts/kafka-broker.mjs), the MariaDB sink test server and a PostgreSQL
// database; the messages are written by the test (test/helpers/kafka-ev-topic.ts for the schemaless ones).
// A broker that cannot start fails the tests (nothing is skipped).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describeRun, exec, q, query, runCliWithTimeout, sinkUrl, uniqueName, writeJob } from '../helpers/db.js';
import { killLive, startLive, stopWithSigterm, waitUntil } from '../helpers/stream-cli.js';
import { createPgDatabase } from '../helpers/postgres.js';
import { kafkaSuite } from '../helpers/kafka-suite.js';
import { evTopics } from '../helpers/kafka-ev-topic.js';

const suite = kafkaSuite('kafka-tables');
const { SRC, kafka, createTopic, insert, sinkTable, job, sinkIds } = evTopics(suite);

// Debezium messages with the JsonConverter schema envelope, written by the test: "made" (key id; DECIMAL(12,3) as
// precise bytes, a MicroTimestamp, a string, bytes) and "plain" (no key).
const MADE_FIELDS = [
  { field: 'id', type: 'int32', optional: false },
  { field: 'amount', type: 'bytes', optional: true, name: 'org.apache.kafka.connect.data.Decimal', parameters: { scale: '3', 'connect.decimal.precision': '12' } },
  { field: 'at', type: 'int64', optional: true, name: 'io.debezium.time.MicroTimestamp' },
  { field: 'note', type: 'string', optional: true },
  { field: 'raw', type: 'bytes', optional: true },
];
const PLAIN_FIELDS = [
  { field: 'n', type: 'int32', optional: false },
  { field: 's', type: 'string', optional: true },
];

/** A Debezium change event in the schema envelope (op c/u/d), with its key in the envelope too (null: keyless). */
function enveloped(table: string, fields: object[], op: 'c' | 'u' | 'd', before: object | null, after: object | null, key: Record<string, unknown> | null): { key: string | null; value: string } {
  const row = { type: 'struct', optional: true, fields };
  const schema = { type: 'struct', name: `x.${table}.Envelope`, fields: [{ ...row, field: 'before' }, { ...row, field: 'after' }, { type: 'struct', field: 'source', fields: [] }, { type: 'string', field: 'op' }, { type: 'int64', optional: true, field: 'ts_ms' }] };
  const value = JSON.stringify({ schema, payload: { before, after, source: { db: SRC, table }, op, ts_ms: Date.now() } });
  const keyText = key ? JSON.stringify({ schema: { type: 'struct', fields: Object.keys(key).map((f) => ({ field: f, type: 'int32', optional: false })) }, payload: key }) : null;
  return { key: keyText, value };
}

/** DECIMAL(p,3) as Debezium's precise bytes: the unscaled value, big-endian two's complement, base64. */
function decimalBytes(text: string): string {
  let v = BigInt(text.replace('.', ''));
  const bytes: number[] = [];
  do {
    bytes.unshift(Number(v & 0xffn));
    v >>= 8n;
  } while (v !== 0n && v !== -1n);
  if (text.startsWith('-') ? (bytes[0]! & 0x80) === 0 : (bytes[0]! & 0x80) !== 0) bytes.unshift(text.startsWith('-') ? 0xff : 0);
  return Buffer.from(bytes).toString('base64');
}

const made = (id: number, amount: string | null, at: string | null, note: string | null, raw: string | null): Record<string, unknown> => ({
  id,
  amount: amount === null ? null : decimalBytes(amount),
  at: at === null ? null : Date.parse(at + 'Z') * 1000 + Number(at.slice(-3)),
  note,
  raw: raw === null ? null : Buffer.from(raw, 'hex').toString('base64'),
});

describe('Kafka source: sink tables from the messages, tables spread over partitions', { timeout: 10 * 60_000 }, () => {
  it('tables the sink lacks are created from the Debezium schema envelope (MySQL and PostgreSQL); without it the job stops naming the ways', async () => {
    const topic = uniqueName('kb_env').replace(/_/g, '.');
    await createTopic(topic, 1);
    const rows = [
      made(1, '1234.567', '2026-01-02 03:04:05.123456', 'één ü€', '00ff10'),
      made(2, '-0.001', null, null, null),
      made(3, '9999999.999', '1999-12-31 23:59:59.000001', 'three', ''),
    ];
    const producer = kafka().producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      const m = [
        ...rows.map((r) => enveloped('made', MADE_FIELDS, 'c', null, r, { id: r['id'] })),
        enveloped('made', MADE_FIELDS, 'u', rows[1]!, { ...rows[1]!, note: 'updated' }, { id: 2 }),
        enveloped('made', MADE_FIELDS, 'd', rows[2]!, null, { id: 3 }),
        enveloped('plain', PLAIN_FIELDS, 'c', null, { n: 7, s: 'a' }, null),
        enveloped('plain', PLAIN_FIELDS, 'c', null, { n: 7, s: 'a' }, null),
        enveloped('plain', PLAIN_FIELDS, 'd', { n: 7, s: 'a' }, null, null),
      ];
      await producer.send({ topic, acks: -1, messages: m.map((x) => ({ key: x.key, value: x.value, partition: 0 })) });
    } finally {
      await producer.disconnect();
    }
    // MySQL: the sink database is empty.
    const sinkDb = uniqueName('kb_env');
    await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${q(sinkDb)}`);
    const name = uniqueName('kb_env');
    const live = startLive(['run', job(name, topic, sinkDb), '--state', join(suite.work, 'env.sqlite')]);
    const pg = await createPgDatabase('kbenv');
    try {
      const madeRows = async (): Promise<string> => JSON.stringify(await query(sinkUrl(), `SELECT id, amount, CAST(at AS CHAR) AS at, note, HEX(raw) AS raw FROM ${q(sinkDb)}.made ORDER BY id`).catch(() => null));
      const want = JSON.stringify([
        { id: 1, amount: '1234.567', at: '2026-01-02 03:04:05.123456', note: 'één ü€', raw: '00FF10' },
        { id: 2, amount: '-0.001', at: null, note: 'updated', raw: null },
      ]);
      await waitUntil('the created tables hold the messages', async () => (await madeRows()) === want && Number((await query<{ n: number }>(sinkUrl(), `SELECT COUNT(*) AS n FROM ${q(sinkDb)}.plain`).catch(() => [{ n: -1 }]))[0]?.n) === 1, { live, ms: 120_000, detail: madeRows });
      const cols = await query<{ c: string }>(sinkUrl(), `SELECT CONCAT(TABLE_NAME, '.', COLUMN_NAME, ' ', COLUMN_TYPE, ' ', IS_NULLABLE, ' ', COLUMN_KEY) AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION`, [sinkDb]);
      assert.deepEqual(cols.map((r) => r.c), ['made.id int(11) NO PRI', 'made.amount decimal(12,3) YES ', 'made.at datetime(6) YES ', 'made.note longtext YES ', 'made.raw longblob YES ', 'plain.n int(11) NO ', 'plain.s longtext YES ']);
      const r = await stopWithSigterm(live);
      assert.match(r.stderr + r.stdout, /created the sink table .*made.* from the schema in the messages/);

      // PostgreSQL: the same topic, the types by the sink's rules.
      const pgJob = writeJob(
        suite.work,
        { name: `${name}_pg`, source: { type: 'kafka', brokers: [suite.inst.bootstrap], topics: [topic], format: 'debezium', group: `${name}_pg`, start: 'earliest' }, sink: { type: 'postgres', url: pg.url }, tables: { include: [`${SRC}.*`] }, rename: { [SRC]: 'shop' }, mode: 'stream' },
        `${name}_pg.json`,
      );
      const pgLive = startLive(['run', pgJob, '--state', join(suite.work, 'env-pg.sqlite')]);
      const pgRows = async (): Promise<string> => JSON.stringify(await pg.rows(`SELECT id, amount::text, at::text, note, encode(raw, 'hex') FROM shop.made ORDER BY id`).catch(() => null));
      const pgWant = JSON.stringify([
        ['1', '1234.567', '2026-01-02 03:04:05.123456', 'één ü€', '00ff10'],
        ['2', '-0.001', null, 'updated', null],
      ]);
      try {
        await waitUntil('the PostgreSQL tables hold the messages', async () => (await pgRows()) === pgWant && Number(await pg.value('SELECT count(*) FROM shop.plain').catch(() => -1)) === 1, { live: pgLive, ms: 120_000, detail: pgRows });
        const types = await pg.rows(`SELECT table_name || '.' || column_name || ' ' || format_type(atttypid, atttypmod) FROM information_schema.columns c JOIN pg_attribute a ON a.attrelid = ('shop.' || c.table_name)::regclass AND a.attname = c.column_name WHERE table_schema = 'shop' ORDER BY table_name, ordinal_position`);
        assert.deepEqual(types.map((t) => t[0]), ['made.id integer', 'made.amount numeric(12,3)', 'made.at timestamp(6) without time zone', 'made.note text', 'made.raw bytea', 'plain.n integer', 'plain.s text']);
        await stopWithSigterm(pgLive);
      } finally {
        await killLive(pgLive);
      }

      // Without the envelope (schemaless Debezium), a table the sink lacks stops the job, naming it and the three ways.
      const bare = `${topic}.bare`;
      await createTopic(bare, 1);
      const p2 = kafka().producer({ idempotent: true, maxInFlightRequests: 1 });
      await p2.connect();
      await p2.send({ topic: bare, acks: -1, messages: [{ key: null, value: insert(1, 0) }] });
      await p2.disconnect();
      const bareDb = uniqueName('kb_bare');
      await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${q(bareDb)}; CREATE DATABASE ${q(bareDb)}`);
      const stopped = await runCliWithTimeout(['run', job(`${name}_bare`, bare, bareDb), '--state', join(suite.work, 'bare.sqlite')]);
      assert.notEqual(stopped.code, 0, describeRun(stopped));
      assert.match(stopped.stderr, new RegExp(`The sink has no table ${bareDb}\\.ev for the messages of ${SRC}\\.ev`), describeRun(stopped));
      assert.match(stopped.stderr, /create it on the sink .*schema envelope .*schema-change topic/s, describeRun(stopped));
      assert.doesNotMatch(stopped.stderr, /^\s+at /m);
      await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${q(bareDb)}`);
    } finally {
      await killLive(live);
      await pg.drop();
      await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${q(sinkDb)}`);
    }
  });

  it('a keyless table spread over partitions is refused once an update or delete comes, also when its first partition was applied by an earlier run (recorded in the sink), with the fix', async () => {
    const topic = uniqueName('kb_spread').replace(/_/g, '.');
    await createTopic(topic, 2);
    const producer = kafka().producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const update = JSON.stringify({ before: { id: 2, p: 1, v: 'v2' }, after: { id: 2, p: 1, v: 'changed' }, source: { db: SRC, table: 'ev' }, op: 'u', ts_ms: Date.now() });
    await producer.send({ topic, acks: -1, messages: [{ key: null, value: insert(1, 0), partition: 0 }, { key: null, value: insert(2, 1), partition: 1 }] });
    const sinkDb = uniqueName('kb_spread');
    await sinkTable(sinkDb);
    const name = uniqueName('kb_spread');
    const file = job(name, topic, sinkDb);
    const state = join(suite.work, 'spread.sqlite');
    // The first run applies the two inserts (inserts alone are applied in any order) and stops.
    const first = startLive(['run', file, '--state', state]);
    try {
      await waitUntil('both inserts applied', async () => (await sinkIds(sinkDb)).size === 2, { live: first, ms: 120_000 });
      await stopWithSigterm(first);
      const recorded = await query<{ part: number }>(sinkUrl(), "SELECT part FROM _cutover.cutover_table_partitions WHERE job = ? AND part >= 0 ORDER BY part", [name]);
      assert.deepEqual(recorded.map((r) => Number(r.part)), [0, 1], 'the sink records the partitions that carried the keyless table');
      // The next run reads only the update (partition 1, from the sink's offset): the sink's record holds partition 0.
      await producer.send({ topic, acks: -1, messages: [{ key: null, value: update, partition: 1 }] });
      const r = await runCliWithTimeout(['run', file, '--state', state]);
      assert.notEqual(r.code, 0, describeRun(r));
      assert.match(r.stderr, new RegExp(`${SRC}\\.ev has no key, and its changes are spread over partitions \\(${topic.replace(/\./g, '\\.')} partition 0, then ${topic.replace(/\./g, '\\.')} partition 1 at offset 1`), describeRun(r));
      assert.match(r.stderr, /canal\.mq\.partitionHash=db\.table/, describeRun(r));
      assert.doesNotMatch(r.stderr, /^\s+at /m);
      assert.deepEqual([...(await sinkIds(sinkDb)).keys()].sort(), [1, 2], 'nothing of the refused batch applied');
      const v = await query<{ v: string }>(sinkUrl(), `SELECT v FROM ${q(sinkDb)}.ev WHERE id = 2`);
      assert.equal(v[0]?.v, 'v2');
    } finally {
      await producer.disconnect().catch(() => undefined);
      await killLive(first);
      await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${q(sinkDb)}`);
    }
  });
});

