// The throwaway Kafka broker of scripts/kafka-broker.mjs, on its own prefix and ports (kafka-test,
// the lane's base + 32, controller + 33; 33392/33393 alone): it starts (formatting its KRaft storage), takes a 6-partition
// topic created with kafkajs, keeps per-key order for an idempotent producer (read back with kcat),
// hides an aborted transaction from read_committed readers, rejects a message over 1 MB with
// MESSAGE_TOO_LARGE, and keeps its data across a stop and a start. A broker that cannot start fails
// the tests (nothing is skipped).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
// kafkajs is installed with `npm install --no-save kafkajs@2.2.4` until the Kafka sink adds it to
// package.json: its types are optional here so the build does not depend on it, and it is loaded at
// run time (a missing kafkajs fails the tests).
// @ts-ignore
import type * as KafkaJS from 'kafkajs';
import { waitFor } from '../helpers/stream-cli.js';
import { lanePortBase } from '../helpers/db.js';
import { kcat as readTopic, loadBroker, type KafkaBroker, type KafkaInstance } from '../helpers/kafka.js';

const TOPIC = 'orders';
const TXN_TOPIC = 'txn';
const KEYS = 12;
const PER_KEY = 50;

let broker: KafkaBroker;
let inst: KafkaInstance;
let kafkajs: typeof KafkaJS;
/** kafkajs warnings and errors (its console logging is replaced by this). */
const clientLog: string[] = [];

function kafka(clientId: string, extra: Record<string, unknown> = {}): KafkaJS.Kafka {
  return new kafkajs.Kafka({
    clientId,
    brokers: [inst.bootstrap],
    logLevel: kafkajs.logLevel.WARN,
    logCreator: () => (e: { namespace: string; level: number; log: { message: string } & Record<string, unknown> }) => {
      clientLog.push(`${clientId} ${e.namespace} ${e.level === kafkajs.logLevel.ERROR ? 'ERROR' : 'WARN'}: ${e.log.message}${e.log.error ? ` (${String(e.log.error)})` : ''}`);
    },
    ...extra,
  });
}

/** kcat's consumer: every message of the topic, as [partition, key, value]. */
function kcat(topic: string, isolation: 'read_committed' | 'read_uncommitted' = 'read_committed'): Array<[number, string, string]> {
  return readTopic(inst.bootstrap, topic, isolation).map((r) => [r.partition, r.key, r.value]);
}

/** Asserts the `orders` messages: every key's values 0..PER_KEY-1 in order, each key on one partition. */
function checkOrders(rows: Array<[number, string, string]>): void {
  assert.equal(rows.length, KEYS * PER_KEY, 'message count');
  const byKey = new Map<string, { partitions: Set<number>; values: number[] }>();
  for (const [p, k, v] of rows) {
    const e = byKey.get(k) ?? { partitions: new Set<number>(), values: [] };
    e.partitions.add(p);
    e.values.push(Number(v.split(':')[1]));
    byKey.set(k, e);
  }
  assert.equal(byKey.size, KEYS);
  const used = new Set<number>();
  for (const [k, e] of byKey) {
    assert.equal(e.partitions.size, 1, `key ${k} is on partitions ${[...e.partitions].join(',')}`);
    used.add([...e.partitions][0]!);
    assert.deepEqual(e.values, Array.from({ length: PER_KEY }, (_, i) => i), `key ${k} out of order`);
  }
  assert.ok(used.size > 1, 'all keys on one partition: the keys are not spread');
}

before(async () => {
  for (const tool of ['kcat', 'java', 'mvn']) {
    const r = spawnSync('sh', ['-c', `command -v ${tool}`]);
    if (r.status !== 0) throw new Error(`${tool} not found: sudo apt-get install -y kcat default-jdk-headless maven`);
  }
  broker = await loadBroker();
  const spec = 'kafkajs';
  try {
    const m = (await import(spec)) as { default?: typeof KafkaJS } & typeof KafkaJS;
    kafkajs = m.default ?? m;
  } catch {
    throw new Error('kafkajs is not installed: npm install --no-save kafkajs@2.2.4');
  }
  // The Java-compatible partitioner is chosen explicitly below; the warning about the default changing
  // in kafkajs 2 would otherwise go to the console.
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  // The lane's broker ports (base + 32), as every Kafka file (startTestBroker); 33392 when run alone.
  const base = lanePortBase(33360);
  inst = broker.kafkaInstance('kafka-test', base);
  await broker.fetchKafkaJars();
  const t0 = Date.now();
  const r = await broker.startKafka(inst, { fresh: true });
  assert.equal(r.already, false);
  assert.equal(r.bootstrap, `127.0.0.1:${base + 32}`);
  console.log(`# kafka broker started (fresh, formatted) in ${Date.now() - t0} ms`);
});

after(async () => {
  if (!broker || !inst) return;
  await broker.stopKafka(inst, { wipe: !process.env.CUTOVER_KEEP_SERVICES });
  if (clientLog.length) console.log(`# kafkajs warnings/errors:\n${clientLog.map((l) => `#   ${l}`).join('\n')}`);
});

test('a running broker is reused, and reports its state', async () => {
  const r = await broker.startKafka(inst);
  assert.equal(r.already, true);
  const s = await broker.kafkaStatus(inst);
  assert.equal(s.running, true);
  assert.equal(s.ready, true);
  assert.equal(s.formatted, true);
});

test('topics are not created automatically; kafkajs creates one with 6 partitions', async () => {
  const admin = kafka('kt-admin').admin();
  await admin.connect();
  try {
    assert.equal(await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 6, replicationFactor: 1 }, { topic: TXN_TOPIC, numPartitions: 3, replicationFactor: 1 }] }), true);
    // A busy single-node KRaft broker may answer a metadata request before it has applied the new topics
    // (UNKNOWN_TOPIC_OR_PARTITION, which kafkajs's waitForLeaders does not retry): ask until every partition has a leader.
    const leaders = async (topic: string, n: number): Promise<boolean> => {
      const meta = await admin.fetchTopicMetadata({ topics: [topic] }).catch(() => null);
      const parts = meta?.topics[0]?.partitions ?? [];
      return parts.length === n && parts.every((p) => p.leader >= 0);
    };
    await waitFor('the new topics to have their partitions and leaders', 30_000, async () => (await leaders(TOPIC, 6)) && (await leaders(TXN_TOPIC, 3)), undefined, 200);
    const meta = await admin.fetchTopicMetadata({ topics: [TOPIC] });
    assert.equal(meta.topics[0]?.partitions.length, 6);
    // A produce to a missing topic does not create it (auto.create.topics.enable=false).
    const p = kafka('kt-auto', { retry: { retries: 1, initialRetryTime: 100 } }).producer({ allowAutoTopicCreation: true });
    await p.connect();
    await assert.rejects(p.send({ topic: 'no_such_topic', messages: [{ value: 'x' }] }));
    await p.disconnect();
    assert.ok(!(await admin.listTopics()).includes('no_such_topic'));
  } finally {
    await admin.disconnect();
  }
});

test('an idempotent producer (acks -1) keeps per-key order; kcat reads it back', async () => {
  const p = kafka('kt-idem').producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: kafkajs.Partitioners.DefaultPartitioner,
  });
  await p.connect();
  try {
    // Several batches, each with interleaved keys; sends are awaited one after another (kafkajs's
    // idempotent producer assigns sequence numbers per send, and concurrent sends can reorder them).
    for (let i = 0; i < PER_KEY; i += 10) {
      const messages = [];
      for (let j = i; j < i + 10; j++) for (let k = 0; k < KEYS; k++) messages.push({ key: `k${k}`, value: `k${k}:${j}` });
      const res = await p.send({ topic: TOPIC, acks: -1, messages });
      assert.ok(res.every((r) => r.errorCode === 0));
    }
  } finally {
    await p.disconnect();
  }
  checkOrders(kcat(TOPIC));
});

test('a transactional producer: the committed transaction is visible to read_committed, the aborted one is not', async () => {
  const p = kafka('kt-txn').producer({
    transactionalId: 'cutover-kafka-test-txn',
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: kafkajs.Partitioners.DefaultPartitioner,
  });
  await p.connect();
  try {
    const t1 = await p.transaction();
    await t1.send({ topic: TXN_TOPIC, acks: -1, messages: [0, 1, 2, 3, 4].map((i) => ({ key: `c${i % 3}`, value: `committed:${i}` })) });
    await t1.commit();
    const t2 = await p.transaction();
    await t2.send({ topic: TXN_TOPIC, acks: -1, messages: [0, 1, 2].map((i) => ({ key: `a${i}`, value: `aborted:${i}` })) });
    await t2.abort();
  } finally {
    await p.disconnect();
  }
  // (The markers reach the partitions just after the commit returns: wait until the reader gets past them.)
  const committed = await waitFor('the committed transaction to be readable', 15_000, () => {
    const v = kcat(TXN_TOPIC, 'read_committed').map(([, , x]) => x).sort();
    return v.length >= 5 ? v : null;
  }, undefined, 250);
  assert.deepEqual(committed, ['committed:0', 'committed:1', 'committed:2', 'committed:3', 'committed:4']);
  // The aborted messages are in the log: a read_uncommitted reader sees them, so the check above means something.
  const all = kcat(TXN_TOPIC, 'read_uncommitted').map(([, , v]) => v);
  assert.equal(all.filter((v) => v.startsWith('aborted:')).length, 3);
});

test('a message over 1 MB is refused by the broker with MESSAGE_TOO_LARGE; the producer stays usable', async () => {
  const p = kafka('kt-big').producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
  await p.connect();
  try {
    const value = Buffer.alloc(1_100_000, 'x');
    let err: unknown = null;
    try {
      await p.send({ topic: TOPIC, acks: -1, messages: [{ key: 'big', value }] });
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof Error, 'the oversized message was accepted');
    const e = err as Error & { type?: string; code?: number; retriable?: boolean; cause?: unknown };
    const cause = e.cause as (Error & { type?: string; code?: number; retriable?: boolean }) | undefined;
    console.log(
      `# oversized message error: ${JSON.stringify({
        ctor: e.constructor.name,
        name: e.name,
        type: e.type,
        code: e.code,
        retriable: e.retriable,
        message: e.message,
        cause: cause ? { ctor: cause.constructor.name, name: cause.name, type: cause.type, code: cause.code, message: cause.message } : undefined,
      })}`,
    );
    assert.ok(err instanceof kafkajs.KafkaJSProtocolError, `${e.name}: ${e.message}`);
    assert.equal(e.type, 'MESSAGE_TOO_LARGE');
    assert.equal(e.code, 10);
    assert.equal(e.retriable, false);
    // The same producer can go on with messages that fit.
    await p.send({ topic: TXN_TOPIC, acks: -1, messages: [{ key: 'after-big', value: 'fits' }] });
  } finally {
    await p.disconnect();
  }
});

test('stopped, the broker refuses clients; started again, it has the same data', async () => {
  let t0 = Date.now();
  const stopped = await broker.stopKafka(inst);
  console.log(`# kafka broker stopped in ${Date.now() - t0} ms (killed: ${stopped.killed})`);
  assert.deepEqual(stopped, { wasRunning: true, killed: false });
  const s = await broker.kafkaStatus(inst);
  assert.equal(s.running, false);
  assert.equal(s.formatted, true);

  const admin = kafka('kt-down', { connectionTimeout: 1000, retry: { retries: 0 } }).admin();
  let err: unknown = null;
  try {
    await admin.connect();
    await admin.listTopics();
  } catch (e) {
    err = e;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  assert.ok(err instanceof Error, 'a client connected to the stopped broker');
  console.log(`# client against the stopped broker: ${err.constructor.name}: ${err.message}`);

  t0 = Date.now();
  const r = await broker.startKafka(inst);
  console.log(`# kafka broker restarted (same data) in ${Date.now() - t0} ms`);
  assert.equal(r.already, false);
  checkOrders(kcat(TOPIC));
  const committed = kcat(TXN_TOPIC, 'read_committed').map(([, , v]) => v).sort();
  assert.deepEqual(committed, ['committed:0', 'committed:1', 'committed:2', 'committed:3', 'committed:4', 'fits']);

  // The restarted broker takes new transactions from the same transactional id.
  const p = kafka('kt-txn2').producer({ transactionalId: 'cutover-kafka-test-txn', idempotent: true, maxInFlightRequests: 1, createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
  await p.connect();
  try {
    const t = await p.transaction();
    await t.send({ topic: TXN_TOPIC, messages: [{ key: 'c0', value: 'after-restart' }] });
    await t.commit();
  } finally {
    await p.disconnect();
  }
  // A commit returns once the coordinator has decided; the markers reach the partitions just after, so a
  // read_committed reader may need a moment to see the messages.
  await waitFor('the committed transaction to be readable', 15_000, () => kcat(TXN_TOPIC).some(([, , v]) => v === 'after-restart'), undefined, 250);
});
