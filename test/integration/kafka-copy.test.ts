// Copying tables into Kafka ("sink": {"type": "kafka"}, "mode": "snapshot") with the real CLI, a real
// broker (scripts/kafka-broker.mjs, prefix kafka-copy, the lane's port base + 32) and the MariaDB test source, read
// back by an independent consumer (kcat):
//   - every type family of test/fixtures/types.sql and a 50,000-row table, in Debezium, Canal and Maxwell
//     form: one message per source row, each equal (byte for byte, but for the production time stamps) to
//     the source row read back with the copy's raw-bytes session and rendered by the formats; the big
//     table's id and name also compared with MariaDB's own text of them;
//   - partitions: key "pk" spreads a table over all 6 partitions, each key in exactly one, the one the Java
//     client's murmur2 gives (checked with kafkajs's independent implementation); key "table" keeps a
//     table in one partition (a fixed topic name shared by every table);
//   - a row over the broker's 1 MB limit pauses the job with an error naming the table and the key;
//   - an unreachable broker fails with the brokers named; an existing topic with messages is refused
//     ("onExisting": "fail") or emptied ("truncate");
//   - SIGKILL mid-copy and a second run: every key present, at most one chunk published twice.
// A broker that cannot start fails the tests (nothing is skipped).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { ROOT, describeRun, exec, query, q, runCliWithTimeout, sourceUrl, startCli, tempDir, uniqueName, writeJob } from '../helpers/db.js';
import { renderKey, renderMessages, type ChangeEventInput, type KafkaFormat, type SourceInfo } from '../../engine/sink/kafka/formats/index.js';
import { copySourceInfo } from '../../engine/sink/kafka/kafka-sink.js';
import { legalTopicName } from '../../engine/sink/kafka/partition.js';
import { StateStore } from '../../engine/state/store.js';
import { kcat as readTopic, startTestBroker, readSourceTable, type KafkaBroker, type KafkaInstance, type KcatRecord } from '../helpers/kafka.js';
import type { RawRow } from '../../engine/core/rows.js';
import type { BinlogStatus } from '../../engine/core/changes.js';
import type { CopyTable } from '../../engine/core/tables.js';

const FORMATS: KafkaFormat[] = ['debezium', 'canal', 'maxwell'];
const BIG_ROWS = 50_000;
const PARTITIONS = 6;

let broker: KafkaBroker;
let inst: KafkaInstance;
let work: string;
const typesDb = uniqueName('kc_types');
const bigDb = uniqueName('kc_big');
const hugeDb = uniqueName('kc_huge');
/** kafkajs's own murmur2 (a second, independent implementation of the Java client's hash). */
const kafkajsMurmur2 = createRequire(import.meta.url)('kafkajs/src/producer/partitioners/default/murmur2') as (key: Buffer) => number;
const throughput: string[] = [];

type Record_ = KcatRecord;
const kcat = (topic: string): KcatRecord[] => readTopic(inst.bootstrap, topic);

function topicsOf(): string[] {
  const r = spawnSync('kcat', ['-L', '-b', inst.bootstrap, '-J'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout) as { topics: { topic: string }[] }).topics.map((t) => t.topic);
}

const readSource = readSourceTable;

/** The production time stamps (the only fields that differ between two renderings of one row). */
function normalize(format: KafkaFormat, value: string): string {
  if (format === 'debezium') return value.replace(/"ts_ms":\d+/g, '"ts_ms":0');
  if (format === 'canal') return value.replace(/"es":\d+/, '"es":0').replace(/,"ts":\d+,"type":/, ',"ts":0,"type":');
  return value.replace(/"ts":\d+/, '"ts":0'); // Maxwell: the first "ts" is the top-level one (before "data")
}

/** The copy's source block: the job's name and the binlog position its copy started from. */
function copySource(statePath: string, job: string): Omit<SourceInfo, 'tsMs'> {
  const store = new StateStore(statePath);
  try {
    const p = store.job(job)?.copy_start_position;
    const start = p ? (JSON.parse(p) as BinlogStatus) : null;
    return copySourceInfo(job, start);
  } finally {
    store.close();
  }
}

interface Expected {
  key: string;
  value: string;
  partition: number;
}

/** What the copy must have published for one source table: one record per row, with its partition. */
function expectedRecords(format: KafkaFormat, t: CopyTable, rows: RawRow[], source: Omit<SourceInfo, 'tsMs'>, keyMode: 'pk' | 'table' = 'pk'): Expected[] {
  const table = { db: t.source.db, table: t.source.table, columns: t.columns, keyColumns: t.keyColumns.map((c) => c.name) };
  return rows.map((after) => {
    const e: ChangeEventInput = { op: 'r', table, before: null, after, source: { ...source, tsMs: 0 }, tsMs: 0 };
    const [m, ...more] = renderMessages(format, e, { keyMode });
    assert.equal(more.length, 0);
    const key = format === 'canal' ? renderKey(keyMode, e, 'debezium') : m!.key;
    return { key: key ?? '', value: normalize(format, m!.value!), partition: (kafkajsMurmur2(Buffer.from(m!.partitionKey, 'utf8')) & 0x7fffffff) % PARTITIONS };
  });
}

/** Source and topic hold the same records (as multisets of key and value), each in its expected partition. */
function compareTopic(format: KafkaFormat, label: string, expected: Expected[], got: Record_[]): string | null {
  if (got.length !== expected.length) return `${label}: ${got.length} messages for ${expected.length} source rows`;
  const want = new Map<string, number[]>();
  for (const e of expected) {
    const k = `${e.key}\t${e.value}`;
    want.set(k, [...(want.get(k) ?? []), e.partition]);
  }
  for (const g of got) {
    const k = `${g.key}\t${normalize(format, g.value)}`;
    const parts = want.get(k);
    if (!parts?.length) {
      const sameKey = expected.find((e) => e.key === g.key);
      return `${label}: message not among the source rows:\n  got      ${k.slice(0, 600)}\n  expected ${sameKey ? `${sameKey.key}\t${sameKey.value}`.slice(0, 600) : '(no row with this key)'}`;
    }
    const i = parts.indexOf(g.partition);
    if (i < 0) return `${label}: key ${g.key} is on partition ${g.partition}, murmur2 says ${parts.join('/')}`;
    parts.splice(i, 1);
  }
  return null;
}

function job(name: string, sink: Record<string, unknown>, include: string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, source: { url: sourceUrl() }, sink: { type: 'kafka', brokers: [inst.bootstrap], ...sink }, tables: { include }, mode: 'snapshot', ...extra };
}

async function run(jobFile: string, state: string, extra: string[] = []): Promise<{ code: number | null; stderr: string; text: string }> {
  const r = await runCliWithTimeout(['run', jobFile, '--state', state, ...extra], 10 * 60_000);
  return { code: r.code, stderr: r.stderr, text: describeRun(r) };
}

function jobRow(state: string, name: string): { state: string; error: string | null } {
  const store = new StateStore(state);
  try {
    const j = store.job(name)!;
    return { state: j.state, error: j.error };
  } finally {
    store.close();
  }
}

/** The big table's copy rate from the state file (the table's own start and finish). */
function tableRate(state: string, name: string): number {
  const store = new StateStore(state);
  try {
    const j = store.job(name)!;
    const t = store.tables(j.id).find((r) => r.src_table === 'big')!;
    return t.rows_copied / (((t.finished_at ?? 0) - (t.started_at ?? 0)) / 1000);
  } finally {
    store.close();
  }
}

before(async () => {
  ({ broker, inst } = await startTestBroker('kafka-copy', 33460));
  work = tempDir('cutover-kafka-copy-');
  // t_binary holds rows of 1 MiB and 5 MiB (in JSON up to ~12 MiB): their topics are created beforehand
  // with a larger max.message.bytes (an existing empty topic is used as if Cutover had created it, and its
  // own limit is honoured); so is the shared topic of the "key": "table" test.
  const admin = new kafkajs.Kafka({ clientId: 'kc-setup', brokers: [inst.bootstrap], logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const big = [{ name: 'max.message.bytes', value: String(64 * 1024 * 1024) }];
    await admin.createTopics({
      waitForLeaders: true,
      topics: [...FORMATS.map((f) => `kc.${f}.${typesDb}.t_binary`), 'kc.bytable'].map((topic) => ({ topic, numPartitions: PARTITIONS, replicationFactor: 1, configEntries: big })),
    });
  } finally {
    await admin.disconnect();
  }

  await exec(sourceUrl(), `CREATE DATABASE ${q(typesDb)}; USE ${q(typesDb)}; ${readFileSync(join(ROOT, 'test/fixtures/types.sql'), 'utf8')}`);
  await exec(
    sourceUrl(),
    `CREATE DATABASE ${q(bigDb)}; USE ${q(bigDb)};
     CREATE TABLE big (
       id INT UNSIGNED NOT NULL PRIMARY KEY, name VARCHAR(40) CHARACTER SET utf8mb4 NOT NULL, amount DECIMAL(12,2) NULL,
       created DATETIME(6) NULL, flags SET('a','b','c') NULL, note TEXT NULL, payload VARBINARY(64) NULL
     ) ENGINE = InnoDB;
     INSERT INTO big SELECT seq, CONCAT('名前-', seq, IF(seq % 7 = 0, ' ünïcødé', '')), IF(seq % 11 = 0, NULL, seq * 1.25 - 5000),
       '2024-01-01 00:00:00' + INTERVAL seq SECOND + INTERVAL (seq % 1000) MICROSECOND, ELT(seq % 4 + 1, '', 'a', 'a,c', 'b,c'),
       REPEAT('x', seq % 200), UNHEX(SHA2(seq, 256))
     FROM seq_1_to_${BIG_ROWS};
     ANALYZE TABLE big;
     CREATE DATABASE ${q(hugeDb)}; USE ${q(hugeDb)};
     CREATE TABLE blobs (id INT NOT NULL PRIMARY KEY, data LONGBLOB NULL);
     INSERT INTO blobs VALUES (1, 'small'), (2, REPEAT(UNHEX('00FF7A'), 400000)), (3, 'small too');`,
  );
});

after(async () => {
  await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(typesDb)}; DROP DATABASE IF EXISTS ${q(bigDb)}; DROP DATABASE IF EXISTS ${q(hugeDb)}`).catch(() => undefined);
  if (broker && inst) await broker.stopKafka(inst, { wipe: !process.env.CUTOVER_KEEP_SERVICES });
  if (throughput.length) console.log(`# copy throughput into Kafka (${BIG_ROWS.toLocaleString('en-US')} rows):\n${throughput.map((l) => `#   ${l}`).join('\n')}`);
});

for (const format of FORMATS) {
  test(`${format}: every type and a 50,000-row table arrive exactly, one message per row, keys on their murmur2 partitions`, async () => {
    const name = `kc-${format}`;
    const state = join(work, `${format}.db`);
    const topic = `kc.${format}.{db}.{table}`;
    const file = writeJob(work, job(name, { topic, format, partitions: PARTITIONS }, [`${typesDb}.*`, `${bigDb}.big`]), `${format}.json`);
    const t0 = Date.now();
    const r = await run(file, state);
    const wall = (Date.now() - t0) / 1000;
    assert.equal(r.code, 0, r.text);
    assert.equal(jobRow(state, name).state, 'done');
    const rate = tableRate(state, name);
    throughput.push(`${format}: ${Math.round(rate).toLocaleString('en-US')} rows/s (the big table's copy; whole run incl. ${r.stderr.match(/done: (\d+) table/)?.[1]} tables and startup: ${wall.toFixed(1)} s)`);

    const source = copySource(state, name);
    const refs = (await query<{ t: string }>(sourceUrl(), 'SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = ?', [typesDb, 'BASE TABLE'])).map((x) => ({ db: typesDb, table: String(x.t) }));
    refs.push({ db: bigDb, table: 'big' });
    const existing = new Set(topicsOf());
    const failures: string[] = [];
    for (const ref of refs) {
      const topicName = legalTopicName(`kc.${format}.${ref.db}.${ref.table}`);
      if (!existing.has(topicName)) {
        failures.push(`${ref.table}: no topic ${topicName}`);
        continue;
      }
      const { t, rows } = await readSource(ref.db, ref.table);
      const got = kcat(topicName);
      const expected = expectedRecords(format, t, rows, source);
      const diff = compareTopic(format, ref.table, expected, got);
      if (diff) failures.push(diff);
      // Every key in exactly one partition. (Debezium's documented mapping of invalid dates — month or day
      // 0 — to the epoch makes two rows of t_pk_datetime6 share the message key {"at":0}; their partitions
      // come from the source bytes and may differ. Such keys are only counted.)
      if (t.keyColumns.length) {
        const perKey = new Map<string, number>();
        for (const e of expected) perKey.set(e.key, (perKey.get(e.key) ?? 0) + 1);
        const shared = [...perKey].filter(([, n]) => n > 1).map(([k]) => k);
        if (shared.length) console.log(`# ${format} ${ref.table}: ${shared.length} message key(s) shared by several source rows: ${shared.slice(0, 3).join(' ')}`);
        const parts = new Map<string, Set<number>>();
        for (const g of got) parts.set(g.key, (parts.get(g.key) ?? new Set()).add(g.partition));
        assert.equal(parts.size, perKey.size, `${ref.table}: distinct keys`);
        for (const [k, p] of parts) if (p.size !== 1 && !shared.includes(k)) failures.push(`${ref.table}: key ${k} on partitions ${[...p].join(',')}`);
      }
      if (ref.table === 'big') {
        assert.equal(got.length, BIG_ROWS);
        assert.equal(new Set(got.map((g) => g.partition)).size, PARTITIONS, 'the big table uses all 6 partitions');
        // Independently of the formats: id and name against MariaDB's own text of them.
        const src = new Map((await query<{ id: string; name: string }>(sourceUrl(), `SELECT CAST(id AS CHAR) AS id, name FROM ${q(bigDb)}.big`)).map((x) => [String(x.id), String(x.name)]));
        let checked = 0;
        for (const g of got) {
          const v = JSON.parse(g.value) as Record<string, unknown>;
          const data = (format === 'debezium' ? v.after : format === 'canal' ? (v.data as unknown[])[0] : v.data) as { id: number | string; name: string };
          assert.equal(src.get(String(data.id)), data.name, `big id ${data.id}: name`);
          assert.equal(JSON.parse(g.key)[format === 'maxwell' ? 'pk.id' : 'id'], Number(data.id), `big id ${data.id}: key`);
          checked++;
        }
        assert.equal(checked, src.size);
      }
    }
    assert.equal(failures.length, 0, `${failures.length} of ${refs.length} tables differ:\n${failures.join('\n')}`);
  });
}

test('"key": "table" with one fixed topic: every table in one partition, the tables spread over several', async () => {
  const name = 'kc-bytable';
  const state = join(work, 'bytable.db');
  const file = writeJob(work, job(name, { topic: 'kc.bytable', format: 'maxwell', key: 'table', partitions: PARTITIONS }, [`${typesDb}.*`, `${bigDb}.big`]), 'bytable.json');
  const r = await run(file, state);
  assert.equal(r.code, 0, r.text);
  const got = kcat('kc.bytable');
  const store = new StateStore(state);
  const copied = store.tables(store.job(name)!.id).reduce((n, t) => n + t.rows_copied, 0);
  store.close();
  assert.equal(got.length, copied, 'one message per copied row');
  const parts = new Map<string, Set<number>>();
  for (const g of got) {
    const v = JSON.parse(g.value) as { database: string; table: string };
    const k = `${v.database}.${v.table}`;
    parts.set(k, (parts.get(k) ?? new Set()).add(g.partition));
  }
  assert.ok(parts.size > 30, `${parts.size} tables in the topic`);
  for (const [t, p] of parts) {
    assert.equal(p.size, 1, `${t} is on partitions ${[...p].join(',')}`);
    assert.equal([...p][0], (kafkajsMurmur2(Buffer.from(t, 'utf8')) & 0x7fffffff) % PARTITIONS, `${t}: murmur2 partition of "db.table"`);
  }
  assert.ok(new Set([...parts.values()].map((p) => [...p][0])).size > 1, 'all tables on one partition');
});

test('a row larger than the broker accepts pauses the job, naming the table and the key; nothing is skipped', async () => {
  const name = 'kc-huge';
  const state = join(work, 'huge.db');
  const file = writeJob(work, job(name, { topic: 'kc.huge.{table}' }, [`${hugeDb}.*`]), 'huge.json');
  const r = await run(file, state);
  assert.notEqual(r.code, 0, r.text);
  console.log(`# oversized row:\n${r.stderr.split('\n').filter((l) => /ERROR|Fix:|preflight: Message/.test(l)).map((l) => `#   ${l}`).join('\n')}`);
  assert.match(r.stderr, /preflight: Message size limit: .*blobs/, 'the preflight warned about the table');
  assert.match(r.stderr, new RegExp(`A row of ${hugeDb}\\.blobs \\(id="2"\\) is too large for Kafka`), r.text);
  assert.match(r.stderr, /max\.message\.bytes/);
  const j = jobRow(state, name);
  assert.equal(j.state, 'paused');
  assert.match(j.error ?? '', /id="2"/);
  // Run again: still paused at the same row (the chunk was not marked done).
  const again = await run(file, state);
  assert.notEqual(again.code, 0);
  assert.equal(jobRow(state, name).state, 'paused');
  const store = new StateStore(state);
  const t = store.tables(store.job(name)!.id)[0]!;
  store.close();
  assert.equal(t.chunks_done, 0, 'the chunk with the oversized row is not marked done');
});

test('an unreachable broker: preflight and the sink name the brokers', async () => {
  const file = writeJob(work, { ...job('kc-down', {}, [`${bigDb}.big`]), sink: { type: 'kafka', brokers: ['127.0.0.1:1', '127.0.0.1:2'] } }, 'down.json');
  const state = join(work, 'down.db');
  const pre = await run(file, state);
  assert.notEqual(pre.code, 0);
  assert.match(pre.stderr, /Kafka brokers: Connecting to the Kafka brokers failed: no broker of 127\.0\.0\.1:1, 127\.0\.0\.1:2 answered/, pre.text);
  const skip = await run(file, state, ['--skip-preflight']);
  assert.notEqual(skip.code, 0);
  assert.match(skip.stderr, /Connecting to the Kafka brokers failed: no broker of 127\.0\.0\.1:1, 127\.0\.0\.1:2 answered/, skip.text);
  assert.equal(jobRow(state, 'kc-down').state, 'failed');
  console.log(`# unreachable broker (--skip-preflight):\n${skip.stderr.split('\n').filter((l) => /ERROR|Fix:/.test(l)).map((l) => `#   ${l}`).join('\n')}`);
});

test('an existing topic with messages: "fail" refuses it, "truncate" empties it first', async () => {
  const target = `kc.debezium.${typesDb}.t_int`;
  const before = kcat(target).length;
  assert.ok(before > 0);
  const failFile = writeJob(work, job('kc-exists', { topic: 'kc.debezium.{db}.{table}' }, [`${typesDb}.t_int`]), 'exists.json');
  const r = await run(failFile, join(work, 'exists.db'));
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, new RegExp(`The topic "${target.replace(/\./g, '\\.')}" for ${typesDb}\\.t_int already exists and has ${before} message\\(s\\)`), r.text);
  const trFile = writeJob(work, job('kc-truncate', { topic: 'kc.debezium.{db}.{table}' }, [`${typesDb}.t_int`], { snapshot: { onExisting: 'truncate' } }), 'truncate.json');
  const t = await run(trFile, join(work, 'truncate.db'));
  assert.equal(t.code, 0, t.text);
  assert.match(t.stderr, /deleted the \d+ existing message\(s\)/);
  assert.equal(kcat(target).length, before, 'only the new copy is readable');
});

test('SIGKILL mid-copy, then run again: every key present, at most one chunk published twice', async () => {
  const name = 'kc-crash';
  const state = join(work, 'crash.db');
  const chunkRows = 5000;
  const file = writeJob(
    work,
    job(name, { topic: 'kc.crash.{db}.{table}' }, [`${bigDb}.big`], { snapshot: { parallelism: 1, chunkRows, throttle: { maxRowsPerSecond: 10_000 } } }),
    'crash.json',
  );
  const { child, done } = startCli(['run', file, '--state', state]);
  let copied = 0;
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    try {
      const store = new StateStore(state);
      const j = store.job(name);
      copied = j ? store.tables(j.id).reduce((n, t) => n + t.rows_copied, 0) : 0;
      store.close();
    } catch {
      /* not created yet */
    }
    if (copied >= 15_000) break;
  }
  // A random point within the next chunk (10,000 rows/s: a chunk of 5,000 rows takes about 0.5 s).
  await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 700)));
  child.kill('SIGKILL');
  const killed = await done;
  assert.equal(killed.signal, 'SIGKILL', describeRun(killed));
  assert.ok(copied >= 15_000 && copied < BIG_ROWS, `killed after ${copied} rows`);
  const midway = kcat(`kc.crash.${bigDb}.big`).length;
  const r = await run(file, state);
  assert.equal(r.code, 0, r.text);
  const got = kcat(`kc.crash.${bigDb}.big`);
  console.log(`# crash: killed with ${copied} rows marked copied and ${midway} messages in the topic; after the second run ${got.length} messages (${got.length - BIG_ROWS} published twice)`);
  assert.ok(got.length >= BIG_ROWS && got.length <= BIG_ROWS + chunkRows, `${got.length} messages for ${BIG_ROWS} rows`);
  // Per key, the last message equals the source row.
  const { t, rows } = await readSource(bigDb, 'big');
  const expected = new Map(expectedRecords('debezium', t, rows, copySource(state, name)).map((e) => [e.key, e]));
  const last = new Map<string, Record_>();
  for (const g of got) last.set(g.key, g);
  assert.equal(last.size, BIG_ROWS, 'every key present');
  for (const [k, g] of last) {
    const e = expected.get(k);
    assert.ok(e, `unexpected key ${k}`);
    assert.equal(normalize('debezium', g.value), e.value, `key ${k}`);
    assert.equal(g.partition, e.partition, `key ${k}: partition`);
  }
});

test('the broker restarts mid-copy: writes are retried until it is back, and every row arrives', async () => {
  const name = 'kc-restart';
  const state = join(work, 'restart.db');
  const file = writeJob(
    work,
    job(name, { topic: 'kc.restart.{db}.{table}' }, [`${bigDb}.big`], { snapshot: { parallelism: 2, chunkRows: 2000, throttle: { maxRowsPerSecond: 4000 } } }),
    'restart.json',
  );
  const { child, done } = startCli(['run', file, '--state', state]);
  const timer = setTimeout(() => child.kill('SIGKILL'), 5 * 60_000);
  try {
    // Mid-copy, not during the preflight (which refuses unreachable brokers): once the copy has begun.
    await new Promise<void>((resolve) => {
      let seen = '';
      const onData = (d: Buffer): void => {
        seen += d.toString();
        if (/copying \d+ table/.test(seen)) {
          child.stderr!.off('data', onData);
          resolve();
        }
      };
      child.stderr!.on('data', onData);
      child.once('close', () => resolve());
    });
    await new Promise((r) => setTimeout(r, 2000));
    await broker.stopKafka(inst);
    await new Promise((r) => setTimeout(r, 2000));
    await broker.startKafka(inst);
    const r = await done;
    assert.equal(r.code, 0, describeRun(r));
    assert.match(r.stderr, new RegExp(`Kafka brokers ${inst.bootstrap.replace(/\./g, '\\.')} unavailable .*retrying for up to 120 s`), 'the outage was seen');
    assert.match(r.stderr, /Kafka brokers reachable again/);
  } finally {
    clearTimeout(timer);
  }
  const got = kcat(`kc.restart.${bigDb}.big`);
  assert.equal(new Set(got.map((g) => g.key)).size, BIG_ROWS, 'every key present');
  assert.ok(got.length <= BIG_ROWS + 2 * 2000, `${got.length} messages: at most the chunks in flight published twice`);
});
