// The "ev" topics of the Kafka-source robustness tests: schemaless Debezium inserts of (id, p, v) into the
// KEYLESS table SRC.ev, written by the test's own producer, consumed into a MySQL sink table of the same
// shape. A message applied twice shows as a duplicate row, one lost as a missing id. Helpers to create the
// topics, produce (with bad messages, or a writer running until stopped), make the job, and compare the
// sink's ids with the topic's (kcat).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import kafkajs, { type Kafka, type Producer } from 'kafkajs';
import { exec, q, query, sinkUrl, uniqueName, writeJob } from './db.js';
import { statusJson, waitUntil, type LiveCli } from './stream-cli.js';
import type { KafkaSuite } from './kafka-suite.js';

/** Each partition's bad message: its offset, its value, the id its key names (`k<id>`). */
export type BadMessages = Record<number, { offset: number; value: string; id: number }>;

/** The helpers over a file's broker and work folder; SRC is the source database the messages name. */
export function evTopics(suite: KafkaSuite, SRC = uniqueName('kb_src')) {
  const kafka = (): Kafka => new kafkajs.Kafka({ brokers: [suite.inst.bootstrap], clientId: 'kafka-bad-test', logLevel: kafkajs.logLevel.NOTHING, retry: { retries: 12, initialRetryTime: 300, maxRetryTime: 5000 } });

  async function createTopic(topic: string, partitions: number): Promise<void> {
    const admin = kafka().admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: false });
      await waitUntil(`leaders of ${topic}`, async () => {
        const md = await admin.fetchTopicMetadata({ topics: [topic] }).catch(() => null);
        return md?.topics[0]?.partitions.length === partitions && md.topics[0].partitions.every((p) => p.leader >= 0);
      }, { ms: 60_000 });
    } finally {
      await admin.disconnect();
    }
  }

  /** A schemaless Debezium insert of (id, p, v) into SRC.ev. */
  const insert = (id: number, p: number, v = `v${id}`, extra: Record<string, unknown> = {}): string =>
    JSON.stringify({ before: null, after: { id, p, v, ...extra }, source: { db: SRC, table: 'ev' }, op: 'c', ts_ms: Date.now() });


  /** `count` messages into each of `partitions` partitions (id p * 100 + offset, key k<id>), a partition's bad message at its offset; returns the good ids. */
  async function produceWithBad(producer: Producer, topic: string, partitions: number, count: number, bad: BadMessages): Promise<Set<number>> {
    const good = new Set<number>();
    for (let p = 0; p < partitions; p++)
      await producer.send({
        topic,
        acks: -1,
        messages: Array.from({ length: count }, (_, o) => {
          const id = p * 100 + o;
          if (bad[p]?.offset === o) return { key: `k${id}`, value: bad[p]!.value, partition: p };
          good.add(id);
          return { key: `k${id}`, value: insert(id, p), partition: p };
        }),
      });
    return good;
  }

  /** Waits until the job's status names `n` paused messages (each paused partition's). */
  async function waitPaused(state: string, n: number, live: LiveCli, ms: number): Promise<void> {
    await waitUntil(`${n} partition(s) paused`, async () => (await statusJson(state).catch(() => null))?.pausedMessages?.length === n, { live, ms });
  }

  async function sinkTable(db: string): Promise<void> {
    await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${q(db)}; CREATE DATABASE ${q(db)}; CREATE TABLE ${q(db)}.ev (id INT NOT NULL, p INT NOT NULL, v VARCHAR(20) NOT NULL) ENGINE=InnoDB`);
  }

  function job(name: string, topic: string, sinkDb: string, deadLetter?: string): string {
    return writeJob(
      suite.work,
      {
        name,
        source: { type: 'kafka', brokers: [suite.inst.bootstrap], topics: [topic], format: 'debezium', group: name, start: 'earliest', ...(deadLetter ? { deadLetter: { topic: deadLetter } } : {}) },
        sink: { type: 'mysql', url: sinkUrl() },
        tables: { include: [`${SRC}.*`] },
        rename: { [SRC]: sinkDb },
        mode: 'stream',
      },
      `${name}.json`,
    );
  }

  /** The sink's ids, each with how many rows hold it. */
  async function sinkIds(db: string): Promise<Map<number, number>> {
    const rows = await query<{ id: number; n: number }>(sinkUrl(), `SELECT id, COUNT(*) AS n FROM ${q(db)}.ev GROUP BY id`);
    return new Map(rows.map((r) => [Number(r.id), Number(r.n)]));
  }

  /** Every id in the topic (kcat, read_committed), each with how many messages carry it. */
  function topicIds(topic: string): Map<number, number> {
    const r = spawnSync('kcat', ['-C', '-b', suite.inst.bootstrap, '-t', topic, '-e', '-q', '-o', 'beginning', '-X', 'fetch.wait.max.ms=5', '-f', '%s\n'], { encoding: 'utf8', timeout: 120_000, maxBuffer: 256 << 20 });
    assert.equal(r.status, 0, `kcat: ${r.stderr}`);
    const out = new Map<number, number>();
    for (const line of r.stdout.split('\n').filter(Boolean)) {
      const id = Number((JSON.parse(line) as { after: { id: number } }).after.id);
      out.set(id, (out.get(id) ?? 0) + 1);
    }
    return out;
  }

  function diff(want: Map<number, number>, have: Map<number, number>): string[] {
    const out: string[] = [];
    for (const [id, n] of want) if (have.get(id) !== n) out.push(`id ${id}: ${n} in the topic, ${have.get(id) ?? 0} in the sink`);
    for (const [id, n] of have) if (!want.has(id)) out.push(`id ${id}: not in the topic, ${n} in the sink`);
    return out;
  }

  /** A writer producing (id, p) inserts into every partition of a topic until stopped; an id is counted once the broker acknowledged it. */
  function startWriter(topic: string, partitions: number): { stop: () => Promise<{ acked: Set<number>; failures: number }> } {
    const producer = kafka().producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 30, initialRetryTime: 200, maxRetryTime: 3000 } });
    const acked = new Set<number>();
    let failures = 0;
    let running = true;
    const loop = (async () => {
      await producer.connect();
      let id = 1;
      while (running) {
        const batch = Array.from({ length: 8 }, (_, i) => id + i);
        try {
          await producer.send({ topic, acks: -1, messages: batch.map((n) => ({ key: String(n), value: insert(n, n % partitions), partition: n % partitions })) });
          for (const n of batch) acked.add(n);
          id += batch.length;
        } catch {
          // Not acknowledged (the broker is away): the next batch takes new ids; whatever of this one landed is in the topic, which the sink is compared with.
          failures++;
          id += batch.length;
          await new Promise((r) => setTimeout(r, 500));
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    return {
      stop: async () => {
        running = false;
        await loop;
        await producer.disconnect().catch(() => undefined);
        return { acked, failures };
      },
    };
  }

  return { SRC, kafka, createTopic, insert, produceWithBad, waitPaused, sinkTable, job, sinkIds, topicIds, diff, startWriter };
}
