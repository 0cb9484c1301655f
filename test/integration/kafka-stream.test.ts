// Copy and stream into Kafka ("mode": "snapshot+stream", Debezium format) with the real CLI, a real broker
// (scripts/kafka-broker.mjs, prefix kafka-stream, the lane's port base + 32), the MariaDB test source under a
// continuous write load (test/helpers/source-writer.ts: key changes, delete + re-insert, unique swaps,
// multi-table transactions, a table without a key), and kcat as the independent consumer:
//   - at-least-once and exactlyOnce: SIGKILL at random moments, during the copy and then at least 10
//     times while streaming; after a final catch-up, kcat (read_committed) rebuilds every table from its
//     topic, per key (deletes remove the key) and, for the keyless table, as a multiset of rows: each
//     equals the source table. Per key, messages come in binlog order (source file/pos never goes back)
//     except, at-least-once, where a crash replays a batch; exactlyOnce: no change twice, no read event
//     twice, and the order holds strictly;
//   - the broker stopped while streaming (until the job has seen it and retried for 8 s): the job waits and
//     retries, then catches up, nothing lost;
//   - DDL while streaming: the statement on the schema-change topic, later rows with the new column;
//     tombstones after deletes when asked.
// A broker that cannot start fails the tests (nothing is skipped).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { comparePositions, type SourcePosition } from '../../engine/core/position.js';
import { StateStore } from '../../engine/state/store.js';
import { describeRun, exec, q, runCliWithTimeout, sourceUrl, tempDir, uniqueName, writeJob, type CliResult } from '../helpers/db.js';
import { expectedDebezium, kcat, startTestBroker, rebuildDebezium, type KafkaBroker, type KafkaInstance, type KcatRecord } from '../helpers/kafka.js';
import { createSourceSchema, tablesOf, type SchemaSizes } from '../helpers/source-schema.js';
import { SourceWriter, prng, testSeed } from '../helpers/source-writer.js';
import { fmt, peekJob, sleep, sourcePosition, type JobPeek } from '../helpers/stream.js';
import { assertStillRunning, killAims, killCounts, killLive, killLoop, startLive, startSeededWriter, stopWithSigterm, waitUntil } from '../helpers/stream-cli.js';
import { RecordSender, type OutRecord } from '../../engine/sink/kafka/record-sender.js';
import type { Logger } from '../../engine/core/logger.js';
import { AckLoss } from '../helpers/kafka-ack-loss.js';

const SIZES: SchemaSizes = { uk: 6_000, comp: 6_000, nokey: 2_000, types: 3_000, log: 3_000 };
const TABLES = tablesOf(SIZES);
const COPY_KILLS = 2;
const STREAM_KILLS = 10;

let broker: KafkaBroker;
let inst: KafkaInstance;
let work: string;

before(async () => {
  ({ broker, inst } = await startTestBroker('kafka-stream', 33560));
  work = tempDir('cutover-kafka-stream-');
});

after(async () => {
  if (broker && inst) await broker.stopKafka(inst, { wipe: !process.env.CUTOVER_KEEP_SERVICES });
  if (work) rmSync(work, { recursive: true, force: true });
});

function kafkaJob(name: string, db: string, sink: Record<string, unknown>, snapshot: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    source: { url: sourceUrl() },
    sink: { type: 'kafka', brokers: [inst.bootstrap], topic: `${name}.{db}.{table}`, format: 'debezium', partitions: 4, ...sink },
    tables: { include: [`${db}.*`] },
    mode: 'snapshot+stream',
    snapshot: { parallelism: 2, chunkRows: 500, ...snapshot },
  };
}

/** The position the job has durably published up to: the group offset metadata (exactlyOnce) or the state file. */
async function publishedPosition(stateFile: string, job: string, exactlyOnce: boolean): Promise<SourcePosition | null> {
  if (exactlyOnce) {
    const admin = new kafkajs.Kafka({ brokers: [inst.bootstrap], clientId: 'kafka-stream-test', logLevel: kafkajs.logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const o = await admin.fetchOffsets({ groupId: `cutover-${job}`, topics: [`cutover.${job}.schema-changes`] });
      const meta = o[0]?.partitions[0]?.metadata;
      if (!meta) return null;
      const m = JSON.parse(meta) as { file: string; pos: number };
      return { kind: 'mysql-binlog', file: m.file, pos: m.pos };
    } finally {
      await admin.disconnect();
    }
  }
  const store = new StateStore(stateFile);
  try {
    const cp = store.job(job)?.sink_checkpoint;
    return cp ? { kind: 'mysql-binlog', ...(JSON.parse(cp) as { file: string; pos: number }) } : null;
  } finally {
    store.close();
  }
}

/** Runs `--exit-when-caught-up` until the published position is the source's final one. */
async function catchUp(args: string[], stateFile: string, job: string, exactlyOnce: boolean): Promise<SourcePosition> {
  const final = await sourcePosition();
  for (let n = 0; n < 3; n++) {
    const r = await runCliWithTimeout([...args, '--exit-when-caught-up'], 180_000);
    assert.equal(r.code, 0, describeRun(r));
    const p = await publishedPosition(stateFile, job, exactlyOnce);
    if (p && comparePositions(p, final) >= 0) return final;
  }
  assert.fail(`the job did not catch up with ${fmt(final)}: published ${fmt(await publishedPosition(stateFile, job, exactlyOnce))}`);
}

interface OrderReport {
  keys: number;
  backwards: number;
  duplicateChanges: number;
  duplicateReads: number;
}

/** Per key: does the source position ever go back, and is any change (or read event) there twice? */
function orderOf(positions: Map<string, { file: string; pos: number; op: string; row: number }[]>): OrderReport {
  const r: OrderReport = { keys: positions.size, backwards: 0, duplicateChanges: 0, duplicateReads: 0 };
  for (const list of positions.values()) {
    const seen = new Set<string>();
    for (let i = 0; i < list.length; i++) {
      const m = list[i]!;
      if (i > 0 && comparePositions({ kind: 'mysql-binlog', file: m.file, pos: m.pos }, { kind: 'mysql-binlog', file: list[i - 1]!.file, pos: list[i - 1]!.pos }) < 0) r.backwards++;
      const id = `${m.op}@${m.file}:${m.pos}#${m.row}`;
      if (seen.has(id)) {
        if (m.op === 'r') r.duplicateReads++;
        else r.duplicateChanges++;
      }
      seen.add(id);
    }
  }
  return r;
}

/** Every table rebuilt from its topic by kcat equals the source table; returns the order report over all keyed tables. */
async function assertTopicsEqualSource(job: string, db: string, exactKeyless = true): Promise<{ order: OrderReport; messages: number; keylessNote: string | null }> {
  let keylessNote: string | null = null;
  const total: OrderReport = { keys: 0, backwards: 0, duplicateChanges: 0, duplicateReads: 0 };
  let messages = 0;
  for (const table of TABLES) {
    const records: KcatRecord[] = kcat(inst.bootstrap, `${job}.${db}.${table}`);
    const got = rebuildDebezium(records, !exactKeyless);
    const want = await expectedDebezium(db, table, job);
    messages += got.messages;
    if (want.byKey.size === 0 && want.keyless.length) {
      if (!exactKeyless) {
        // At-least-once: a batch replayed after a crash repeats inserts and deletes of rows that have no
        // key, which no consumer can tell apart (with exactlyOnce the same table must match exactly).
        keylessNote = `${table}: ${got.keyless.length} rows rebuilt for ${want.keyless.length} in the source, ${got.strayDeletes} replayed deletes of rows already gone`;
        continue;
      }
      assert.equal(got.keyless.length, want.keyless.length, `${table}: rows`);
      assert.deepEqual(got.keyless, want.keyless, `${table}: the keyless rows`);
      continue;
    }
    assert.equal(got.byKey.size, want.byKey.size, `${table}: keys in the topic vs rows in the source`);
    for (const [k, v] of want.byKey) assert.equal(got.byKey.get(k), v, `${table}: key ${k}; its messages (op@file:pos): ${(got.positions.get(k) ?? []).map((m) => `${m.op}@${m.file}:${m.pos}`).join(' ')}`);
    const o = orderOf(got.positions);
    total.keys += o.keys;
    total.backwards += o.backwards;
    total.duplicateChanges += o.duplicateChanges;
    total.duplicateReads += o.duplicateReads;
  }
  return { order: total, messages, keylessNote };
}

for (const exactlyOnce of [false, true]) {
  const label = exactlyOnce ? 'exactlyOnce (transactions)' : 'at-least-once';
  describe(`copy + stream into Kafka, ${label}, killed at random moments under writes`, { timeout: 480_000 }, () => {
    const job = uniqueName(exactlyOnce ? 'ks-eo' : 'ks-alo');
    const db = `${job}_src`.replace(/-/g, '_');
    const dir = tempDir('cutover-kafka-kill-');
    before(() => createSourceSchema(db, SIZES));
    after(async () => {
      await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(db)}`).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    });

    it(`SIGKILL ${COPY_KILLS} times during the copy and ${STREAM_KILLS} while streaming: kcat rebuilds every table equal to the source`, async (t) => {
      const stateFile = join(dir, 'state.db');
      const file = writeJob(dir, kafkaJob(job, db, { exactlyOnce }, { throttle: { maxRowsPerSecond: 2_500 } }));
      const args = ['run', file, '--state', stateFile];
      const { writer, rnd } = await startSeededWriter(t, db, SIZES, 0x4b61);
      try {
        const kills = await killLoop({
          args,
          stateFile,
          aims: killAims(COPY_KILLS, STREAM_KILLS),
          delayMs: () => 300 + rnd() * 2_500,
          writer,
          copyReady: (p) => p.phase === 'copying' || p.copyEnd !== null,
        });
        const stats = await writer.stop();
        const final = await catchUp(args, stateFile, job, exactlyOnce);
        const { order, messages, keylessNote } = await assertTopicsEqualSource(job, db, exactlyOnce);
        if (keylessNote) t.diagnostic(keylessNote);
        const { copy: copyKills, stream: streamKills } = killCounts(kills);
        t.diagnostic(`${kills.length} kills: ${copyKills} during the copy, ${streamKills} while streaming; writer: ${stats.transactions} transactions, ${stats.rowChanges} row changes; final ${fmt(final)}`);
        t.diagnostic(`${messages} messages; ${order.keys} keys: ${order.backwards} steps back in source position, ${order.duplicateChanges} changes and ${order.duplicateReads} read events seen twice`);
        assert.ok(streamKills >= STREAM_KILLS, `only ${streamKills} kills landed while streaming`);
        assert.ok(copyKills >= 1, `no kill landed during the copy`);
        if (exactlyOnce) {
          assert.equal(order.duplicateChanges, 0, 'exactlyOnce: no change published twice');
          assert.equal(order.duplicateReads, 0, 'exactlyOnce: no copied row published twice');
          assert.equal(order.backwards, 0, 'exactlyOnce: every key in binlog order');
        }
      } finally {
        await writer.stop().catch(() => undefined);
      }
    });
  });
}

describe('streaming into Kafka while the broker is down', { timeout: 300_000 }, () => {
  const job = uniqueName('ks-outage');
  const db = `${job}_src`.replace(/-/g, '_');
  const dir = tempDir('cutover-kafka-outage-');
  const sizes: SchemaSizes = { uk: 2_000, comp: 2_000, nokey: 500, types: 1_000, log: 1_000 };
  before(() => createSourceSchema(db, sizes));
  after(async () => {
    await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(db)}`).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('the job waits and retries, then catches up: nothing is lost', async () => {
    const stateFile = join(dir, 'state.db');
    const file = writeJob(dir, kafkaJob(job, db, {}));
    const writer = new SourceWriter(db, sizes, testSeed(), 5);
    await writer.start();
    const live = startLive(['run', file, '--state', stateFile]);
    try {
      await waitUntil('streaming', () => peekJob(stateFile)?.phase === 'streaming', { ms: 90_000, live });
      await sleep(1000);
      await broker.stopKafka(inst);
      // Down until the job has seen the outage and retried for a while (its backoff doubles from 0.5 s to
      // 5 s: 8 s more are four more failed attempts), rather than a fixed 30 s.
      const outage = new RegExp(`Kafka brokers ${inst.bootstrap.replace(/\./g, '\\.')} unavailable`);
      await waitUntil('the job to see the outage', () => outage.test(live.out()), { ms: 90_000, live });
      await sleep(8000);
      await assertStillRunning(live, 'the job gave up while the broker was down');
      await broker.startKafka(inst);
      await sleep(3000);
      await writer.stop();
      const final = await sourcePosition();
      await waitUntil(`the job to publish up to ${fmt(final)}`, async () => {
        const p = await publishedPosition(stateFile, job, false);
        return p !== null && comparePositions(p, final) >= 0;
      }, { ms: 120_000, live });
      const r = await stopWithSigterm(live);
      assert.match(r.stderr, new RegExp(`Kafka brokers ${inst.bootstrap.replace(/\./g, '\\.')} unavailable .*retrying for up to 120 s`), 'the outage was seen');
      assert.match(r.stderr, /Kafka brokers reachable again/);
    } finally {
      await writer.stop().catch(() => undefined);
      await killLive(live);
    }
    const tables = tablesOf(sizes);
    for (const table of tables) {
      const got = rebuildDebezium(kcat(inst.bootstrap, `${job}.${db}.${table}`));
      const want = await expectedDebezium(db, table, job);
      if (want.byKey.size === 0) assert.deepEqual(got.keyless, want.keyless, `${table}: the keyless rows`);
      else {
        assert.equal(got.byKey.size, want.byKey.size, `${table}: keys`);
        for (const [k, v] of want.byKey) assert.equal(got.byKey.get(k), v, `${table}: key ${k}; its messages (op@file:pos): ${(got.positions.get(k) ?? []).map((m) => `${m.op}@${m.file}:${m.pos}`).join(' ')}`);
      }
    }
  });
});

describe('an acknowledgement lost in a broker outage (at-least-once)', { timeout: 120_000 }, () => {
  it('the batch is sent again by the same producer, and the broker keeps it once', async () => {
    const topic = uniqueName('ks-ackloss');
    const admin = new kafkajs.Kafka({ brokers: [inst.bootstrap], clientId: 'kafka-stream-test', logLevel: kafkajs.logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
    const faults = new AckLoss();
    const warnings: string[] = [];
    const note = (): void => undefined;
    // The outage ends once the sender has given up on the lost batch and says it waits for the brokers.
    const log: Logger = { log: note, debug: note, info: note, error: note, warn: (m) => (warnings.push(m), faults.release()) };
    const sender = new RecordSender({ brokers: [inst.bootstrap], clientId: 'ack-loss-test', log, socketFactory: faults.factory, retryForMs: 60_000 });
    const records = (tag: string): OutRecord[] =>
      [1, 2, 3].map((i) => ({ topic: { name: topic, maxMessageBytes: 1_000_000 }, key: null, value: `${tag}${i}`, partition: 0, size: 64, origin: () => `${tag}${i}` }));
    try {
      await sender.send(records('a'));
      faults.arm();
      await sender.send(records('b'));
    } finally {
      await sender.close();
    }
    assert.equal(faults.lost, 1, 'the acknowledgement of the second batch was lost');
    assert.ok(faults.refused > 0 && warnings.length > 0, 'the sender retried through the outage');
    const values = kcat(inst.bootstrap, topic).map((r) => r.value);
    assert.deepEqual(values, ['a1', 'a2', 'a3', 'b1', 'b2', 'b3'], 'each record once, in order');
  });
});

describe('DDL and tombstones while streaming into Kafka', { timeout: 120_000 }, () => {
  const job = uniqueName('ks-ddl');
  const db = `${job}_src`.replace(/-/g, '_');
  const dir = tempDir('cutover-kafka-ddl-');
  after(async () => {
    await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(db)}`).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes the statement to the schema-change topic, then rows with the new column; a delete is followed by a tombstone', async () => {
    await exec(sourceUrl(), `CREATE DATABASE ${q(db)}; CREATE TABLE ${q(db)}.t (id INT PRIMARY KEY, v VARCHAR(10)); INSERT INTO ${q(db)}.t VALUES (1, 'a'), (2, 'b')`);
    const stateFile = join(dir, 'state.db');
    const file = writeJob(dir, kafkaJob(job, db, { tombstones: true }));
    const live = startLive(['run', file, '--state', stateFile]);
    try {
      await waitUntil('streaming', () => peekJob(stateFile)?.phase === 'streaming', { ms: 60_000, live });
      await exec(sourceUrl(), `ALTER TABLE ${q(db)}.t ADD COLUMN w INT NOT NULL DEFAULT 7; INSERT INTO ${q(db)}.t VALUES (3, 'c', 9); DELETE FROM ${q(db)}.t WHERE id = 1`);
      const final = await sourcePosition();
      await waitUntil('the changes published', async () => {
        const p = await publishedPosition(stateFile, job, false);
        return p !== null && comparePositions(p, final) >= 0;
      }, { ms: 60_000, live });
      await stopWithSigterm(live);
    } finally {
      await killLive(live);
    }
    const ddl = kcat(inst.bootstrap, `cutover.${job}.schema-changes`);
    assert.equal(ddl.length, 1, JSON.stringify(ddl));
    const change = JSON.parse(ddl[0]!.value) as { ddl?: string; databaseName?: string };
    assert.match(change.ddl ?? '', /ADD COLUMN w INT NOT NULL DEFAULT 7/);
    assert.equal(change.databaseName, db);
    const rows = kcat(inst.bootstrap, `${job}.${db}.t`);
    const ops = rows.map((r) => (r.value === '' ? `tombstone ${r.key}` : `${(JSON.parse(r.value) as { op: string }).op} ${r.key}`));
    assert.deepEqual(ops.filter((o) => o.startsWith('r')).sort(), ['r {"id":1}', 'r {"id":2}']);
    // (keys 1 and 3 are on different partitions: only each key's own order is defined)
    assert.deepEqual(ops.filter((o) => !o.startsWith('r') && o.endsWith('{"id":1}')), ['d {"id":1}', 'tombstone {"id":1}']);
    assert.deepEqual(ops.filter((o) => !o.startsWith('r') && !o.endsWith('{"id":1}')), ['c {"id":3}']);
    const inserted = JSON.parse(rows.find((r) => r.key === '{"id":3}')!.value) as { after: Record<string, unknown> };
    assert.deepEqual(inserted.after, { id: 3, v: 'c', w: 9 });
  });
});

describe('a row too large for the broker while streaming into Kafka', { timeout: 120_000 }, () => {
  const job = uniqueName('ks-big');
  const db = `${job}_src`.replace(/-/g, '_');
  const dir = tempDir('cutover-kafka-big-');
  after(async () => {
    await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(db)}`).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('pauses the job with an error naming the table and the key', async () => {
    await exec(sourceUrl(), `CREATE DATABASE ${q(db)}; CREATE TABLE ${q(db)}.b (id INT PRIMARY KEY, body LONGBLOB); INSERT INTO ${q(db)}.b VALUES (1, 'small')`);
    const stateFile = join(dir, 'state.db');
    const file = writeJob(dir, kafkaJob(job, db, {}));
    const live = startLive(['run', file, '--state', stateFile]);
    let r: CliResult;
    try {
      await waitUntil('streaming', () => peekJob(stateFile)?.phase === 'streaming', { ms: 60_000, live });
      // 2 MiB of random bytes: over the broker's 1 MiB message.max.bytes in any JSON form.
      await exec(sourceUrl(), `INSERT INTO ${q(db)}.b VALUES (42, RANDOM_BYTES(1024) ), (43, 'after')`);
      await exec(sourceUrl(), `UPDATE ${q(db)}.b SET body = REPEAT(RANDOM_BYTES(1024), 2048) WHERE id = 42; UPDATE ${q(db)}.b SET body = 'later' WHERE id = 1`);
      r = await live.done;
    } finally {
      await killLive(live);
    }
    assert.notEqual(r.code, 0, describeRun(r));
    assert.match(r.stderr, new RegExp(`A row of ${db}\\.b \\(id="42"\\) is too large for Kafka`), describeRun(r));
    assert.match(r.stderr, /max\.message\.bytes/);
    assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
    const p = peekJob(stateFile)!;
    assert.equal(p.state, 'paused');
    assert.match(p.error ?? '', /id="42"/);
  });
});
