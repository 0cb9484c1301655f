// Bad messages, a broker restart and a rebalance storm for a Kafka-source job, with the real CLI, a real
// broker (scripts/kafka-broker.mjs) and the MariaDB sink test server. The topics hold schemaless Debezium
// inserts of a KEYLESS sink table (id, p, v), written by the test's own producer: a message applied twice
// would show as a duplicate row, one lost as a missing id.
//   - bad messages: one that is not JSON, one naming a column the sink lacks and one the sink refuses
//     (a value too long for its column) pause their three partitions; the fourth partition keeps
//     applying (new messages produced while the others are paused arrive); `cutover status` names each
//     paused message; a run with three --skip-message ends exact: every other message once, the three
//     absent, the skips recorded in the sink (who, when), the three in the dead-letter topic with
//     cutover.topic / partition / offset / error headers; a --skip-message of a good message is refused.
//   - broker restart: the broker is stopped and started while a consumer runs under a writer producing into
//     the topic; the sink ends equal to the topic (every message once).
//   - rebalance storm: consumer processes of one group SIGKILLed and started every few seconds for about a
//     minute under the writer; the sink ends equal to the topic. Kills and rebalances are printed.
// A broker that cannot start fails the tests (nothing is skipped).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describeRun, exec, q, query, runCliWithTimeout, sinkUrl, tempDir, uniqueName, writeJob } from '../helpers/db.js';
import { startTestBroker, type KafkaBroker, type KafkaInstance } from '../helpers/kafka.js';
import { killLive, startLive, stopWithSigterm, waitUntil, statusJson, type LiveCli } from '../helpers/stream-cli.js';
import kafkajs, { type Kafka, type Producer } from 'kafkajs';
import { createPgDatabase } from '../helpers/postgres.js';

let broker: KafkaBroker;
let inst: KafkaInstance;
let work: string;
const SRC = uniqueName('kb_src');

before(async () => {
  ({ broker, inst } = await startTestBroker('kafka-bad', 33600));
  work = tempDir('cutover-kafka-bad-');
});

after(async () => {
  if (broker && inst) await broker.stopKafka(inst, { wipe: !process.env.CUTOVER_KEEP_SERVICES });
  if (work) rmSync(work, { recursive: true, force: true });
});

const kafka = (): Kafka => new kafkajs.Kafka({ brokers: [inst.bootstrap], clientId: 'kafka-bad-test', logLevel: kafkajs.logLevel.NOTHING, retry: { retries: 12, initialRetryTime: 300, maxRetryTime: 5000 } });

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

/** Each partition's bad message: its offset, its value, the id its key names (`k<id>`). */
type BadMessages = Record<number, { offset: number; value: string; id: number }>;

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
    work,
    {
      name,
      source: { type: 'kafka', brokers: [inst.bootstrap], topics: [topic], format: 'debezium', group: name, start: 'earliest', ...(deadLetter ? { deadLetter: { topic: deadLetter } } : {}) },
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
  const r = spawnSync('kcat', ['-C', '-b', inst.bootstrap, '-t', topic, '-e', '-q', '-o', 'beginning', '-X', 'fetch.wait.max.ms=5', '-f', '%s\n'], { encoding: 'utf8', timeout: 120_000, maxBuffer: 256 << 20 });
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

describe('Kafka source: bad messages, broker restart, rebalance storm', { timeout: 20 * 60_000 }, () => {
  it('bad messages pause only their partitions; --skip-message ends exact, the skipped ones in the dead-letter topic', async () => {
    const topic = uniqueName('kb_bad').replace(/_/g, '.');
    const dlq = `${topic}.dlq`;
    const sinkDb = uniqueName('kb_sink1');
    const name = uniqueName('kb_bad');
    await createTopic(topic, 4);
    await sinkTable(sinkDb);
    // Partition 0: offset 5 is not JSON; 1: offset 7 names a column the sink lacks; 2: offset 9 is too long for v; 3: all good.
    const bad: BadMessages = {
      0: { offset: 5, value: 'this is {not json', id: 5 },
      1: { offset: 7, value: insert(107, 1, 'v107', { zz: 1 }), id: 107 },
      2: { offset: 9, value: insert(209, 2, 'x'.repeat(40)), id: 209 },
    };
    const producer = kafka().producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const expected = await produceWithBad(producer, topic, 4, 20, bad);
    const state = join(work, 'bad.sqlite');
    const file = job(name, topic, sinkDb, dlq);
    const live = startLive(['run', file, '--state', state]);
    let second: LiveCli | null = null;
    try {
      await waitPaused(state, 3, live, 180_000);
      const partRows = async (p: number): Promise<number> => Number((await query<{ n: number }>(sinkUrl(), `SELECT COUNT(*) AS n FROM ${q(sinkDb)}.ev WHERE p = ?`, [p]))[0]?.n);
      await waitUntil('partition 3 applied', async () => (await partRows(3)) === 20, { live, ms: 120_000 });
      assert.deepEqual([await partRows(0), await partRows(1), await partRows(2)], [5, 7, 9], 'each paused partition applied up to its bad message, nothing after it');
      // The others are not blocked: new messages into partition 3 arrive while 0-2 are paused.
      await producer.send({ topic, acks: -1, messages: Array.from({ length: 10 }, (_, i) => ({ key: `n${i}`, value: insert(1000 + i, 3), partition: 3 })) });
      for (let i = 0; i < 10; i++) expected.add(1000 + i);
      await waitUntil('the new messages of partition 3 applied while the others are paused', async () => (await partRows(3)) === 30, { live, ms: 120_000 });
      assert.deepEqual([await partRows(0), await partRows(1), await partRows(2)], [5, 7, 9]);
      const status = await runCliWithTimeout(['status', '--state', state]);
      for (const [p, b] of Object.entries(bad)) assert.match(status.stdout, new RegExp(`PAUSED at ${topic.replace(/\./g, '\\.')}:${p}:${b.offset} \\(key k${b.id}\\)`), describeRun(status));
      assert.match(status.stdout, /not JSON/);
      assert.match(status.stdout, /column zz that table .* lacks/);
      assert.match(status.stdout, /Data too long|too long/i);
      assert.match(status.stdout, /this is \{not json/, 'the raw message is shown');
      assert.match(status.stdout, /--skip-message /);
      await stopWithSigterm(live);

      // A message that did not pause anything is refused, nothing recorded.
      const typo = await runCliWithTimeout(['run', file, '--state', state, '--skip-message', `${topic}:3:2`]);
      assert.notEqual(typo.code, 0, describeRun(typo));
      assert.match(typo.stderr, /--skip-message refused: .*already behind the partition/, describeRun(typo));

      second = startLive(['run', file, '--state', state, ...Object.entries(bad).flatMap(([p, b]) => ['--skip-message', `${topic}:${p}:${b.offset}`])]);
      await waitUntil('every good message applied', async () => diff(new Map([...expected].map((id) => [id, 1])), await sinkIds(sinkDb)).length === 0, {
        live: second,
        ms: 180_000,
        detail: async () => diff(new Map([...expected].map((id) => [id, 1])), await sinkIds(sinkDb)).join('\n'),
      });
      const ids = await sinkIds(sinkDb);
      for (const b of Object.values(bad)) assert.equal(ids.has(b.id), false, `the skipped id ${b.id} is absent`);
      assert.equal([...ids.values()].every((n) => n === 1), true, 'every message applied once');
      const offsets = await query<{ part: number; next_offset: string }>(sinkUrl(), 'SELECT part, next_offset FROM _cutover.cutover_offsets WHERE job = ? ORDER BY part', [name]);
      assert.deepEqual(offsets.map((o) => [Number(o.part), String(o.next_offset)]), [[0, '20'], [1, '20'], [2, '20'], [3, '30']]);
      const rec = await query<{ part: number; message_offset: string; skip_requested_by: string | null; skipped_by: string | null; skipped_at: string | null; dead_letter_topic: string | null; reason: string }>(
        sinkUrl(),
        'SELECT part, message_offset, skip_requested_by, skipped_by, skipped_at, dead_letter_topic, reason FROM _cutover.cutover_bad_messages WHERE job = ? ORDER BY part',
        [name],
      );
      assert.deepEqual(rec.map((r) => [Number(r.part), String(r.message_offset)]), [[0, '5'], [1, '7'], [2, '9']]);
      for (const r of rec) {
        assert.match(String(r.skip_requested_by), /@.* pid \d+/, 'who asked');
        assert.ok(r.skipped_at && r.skipped_by, 'when and by whom it was skipped');
        assert.equal(r.dead_letter_topic, dlq);
      }
      const st = await statusJson(state);
      assert.equal(st.pausedMessages, undefined, 'no partition paused any more');
      // The dead-letter topic: the three messages, unchanged, with where they came from and why.
      const dl = spawnSync('kcat', ['-C', '-b', inst.bootstrap, '-t', dlq, '-e', '-q', '-o', 'beginning', '-J'], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(dl.status, 0, dl.stderr);
      const records = dl.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { key: string; payload: string; headers?: string[] });
      assert.equal(records.length, 3, dl.stdout);
      for (const [p, b] of Object.entries(bad)) {
        const r = records.find((x) => x.key === `k${b.id}`);
        assert.ok(r, `k${b.id} in the dead-letter topic:\n${dl.stdout}`);
        assert.equal(r.payload, b.value, 'the value unchanged');
        const h = new Map<string, string>();
        for (let i = 0; i + 1 < (r.headers ?? []).length; i += 2) h.set(r.headers![i]!, r.headers![i + 1]!);
        assert.equal(h.get('cutover.topic'), topic);
        assert.equal(h.get('cutover.partition'), p);
        assert.equal(h.get('cutover.offset'), String(b.offset));
        assert.match(h.get('cutover.error') ?? '', p === '0' ? /not JSON/ : p === '1' ? /column zz/ : /Data too long/);
      }
      await stopWithSigterm(second);
    } finally {
      await producer.disconnect().catch(() => undefined);
      await killLive(live);
      await killLive(second);
      await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${q(sinkDb)}`);
    }
  });

  it('PostgreSQL sink: bad messages pause their partitions, recorded in "_cutover"; a live skip-message resumes one without a restart, --skip-message the others', async () => {
    const topic = uniqueName('kb_pgbad').replace(/_/g, '.');
    const dlq = `${topic}.dlq`;
    const name = uniqueName('kb_pgbad');
    await createTopic(topic, 3);
    const pg = await createPgDatabase('kbpgbad');
    await pg.rows('CREATE SCHEMA shop; CREATE TABLE shop.ev (id integer NOT NULL, p integer NOT NULL, v varchar(20) NOT NULL)');
    // Partition 0: offset 2 is not JSON; 1: offset 3 names a column the sink lacks; 2: offset 4 is too long for v (PostgreSQL refuses it).
    const bad: BadMessages = {
      0: { offset: 2, value: 'not {json at all', id: 2 },
      1: { offset: 3, value: insert(103, 1, 'v103', { zz: 1 }), id: 103 },
      2: { offset: 4, value: insert(204, 2, 'y'.repeat(30)), id: 204 },
    };
    const producer = kafka().producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const expected = await produceWithBad(producer, topic, 3, 6, bad);
    await producer.disconnect();
    const state = join(work, 'pg-bad.sqlite');
    const file = writeJob(
      work,
      { name, source: { type: 'kafka', brokers: [inst.bootstrap], topics: [topic], format: 'debezium', group: name, start: 'earliest', deadLetter: { topic: dlq } }, sink: { type: 'postgres', url: pg.url }, tables: { include: [`${SRC}.*`] }, rename: { [SRC]: 'shop' }, mode: 'stream' },
      `${name}.json`,
    );
    const pgIds = async (): Promise<Map<number, number>> => new Map((await pg.rows('SELECT id, count(*) FROM shop.ev GROUP BY id')).map((r) => [Number(r[0]), Number(r[1])]));
    const perPartition = async (): Promise<number[]> => {
      const rows = await pg.rows('SELECT p, count(*) FROM shop.ev GROUP BY p');
      return [0, 1, 2].map((p) => Number(rows.find((r) => r[0] === String(p))?.[1] ?? 0));
    };
    const live = startLive(['run', file, '--state', state]);
    let second: LiveCli | null = null;
    try {
      await waitPaused(state, 3, live, 120_000);
      assert.deepEqual(await perPartition(), [2, 3, 4], 'each partition applied up to its bad message, nothing after it');
      const recorded = await pg.rows(`SELECT part, message_offset, reason FROM "_cutover".cutover_bad_messages WHERE job = '${name}' ORDER BY part`);
      assert.deepEqual(recorded.map((r) => [r[0], r[1]]), [['0', '2'], ['1', '3'], ['2', '4']]);
      assert.match(String(recorded[0]![2]), /not JSON/);
      assert.match(String(recorded[1]![2]), /column zz/);
      assert.match(String(recorded[2]![2]), /PostgreSQL sink refused .*too long/);
      const status = await runCliWithTimeout(['status', '--state', state]);
      assert.match(status.stdout, new RegExp(`cutover skip-message ${topic.replace(/\./g, '\\.')}:2:4 --job`), describeRun(status));

      // A live skip: the running process resumes partition 2 past its message, without a restart.
      const wrong = await runCliWithTimeout(['skip-message', `${topic}:2:1`, '--job', name, '--state', state]);
      assert.notEqual(wrong.code, 0, describeRun(wrong));
      assert.match(wrong.stderr, /is not a message job .* is paused at/, describeRun(wrong));
      const asked = await runCliWithTimeout(['skip-message', `${topic}:2:4`, '--job', name, '--state', state]);
      assert.equal(asked.code, 0, describeRun(asked));
      assert.match(asked.stdout, /the running job passes the message over/);
      await waitUntil('partition 2 goes on past the skipped message', async () => (await perPartition())[2] === 5, { live, ms: 60_000 });
      assert.equal(live.exited(), false, 'the same process went on');
      await waitPaused(state, 2, live, 30_000);
      assert.deepEqual((await perPartition()).slice(0, 2), [2, 3]);
      await stopWithSigterm(live);

      second = startLive(['run', file, '--state', state, '--skip-message', `${topic}:0:2`, '--skip-message', `${topic}:1:3`]);
      const want = new Map([...expected].map((id) => [id, 1]));
      await waitUntil('every good message applied once', async () => diff(want, await pgIds()).length === 0, { live: second, ms: 120_000, detail: async () => diff(want, await pgIds()).join('\n') });
      const offsets = await pg.rows(`SELECT part, next_offset FROM "_cutover".cutover_offsets WHERE job = '${name}' ORDER BY part`);
      assert.deepEqual(offsets, [['0', '6'], ['1', '6'], ['2', '6']]);
      const skips = await pg.rows(`SELECT part, skip_requested_by, skipped_by, skipped_at IS NOT NULL, dead_letter_topic FROM "_cutover".cutover_bad_messages WHERE job = '${name}' ORDER BY part`);
      assert.equal(skips.length, 3);
      for (const r of skips) {
        assert.match(String(r[1]), /@.* pid \d+/, 'who asked');
        assert.ok(r[2] && r[3] === 't', 'who skipped it, when');
        assert.equal(r[4], dlq);
      }
      const dl = spawnSync('kcat', ['-C', '-b', inst.bootstrap, '-t', dlq, '-e', '-q', '-o', 'beginning', '-f', '%k\n'], { encoding: 'utf8', timeout: 60_000 });
      assert.deepEqual(dl.stdout.split('\n').filter(Boolean).sort(), ['k103', 'k2', 'k204'], dl.stderr);
      await stopWithSigterm(second);
      console.log(`kafka-bad-messages: PostgreSQL: 3 partitions paused at their bad messages, one skipped live (same process), two with --skip-message; ${want.size} messages once each, the three in ${dlq}`);
    } finally {
      await killLive(live);
      await killLive(second);
      await pg.drop();
    }
  });

  it('a broker restart mid-consume under a writer ends exact', async () => {
    const topic = uniqueName('kb_restart').replace(/_/g, '.');
    const sinkDb = uniqueName('kb_sink2');
    const name = uniqueName('kb_rs');
    await createTopic(topic, 4);
    await sinkTable(sinkDb);
    const writer = startWriter(topic, 4);
    const live = startLive(['run', job(name, topic, sinkDb), '--state', join(work, 'restart.sqlite')]);
    let stopped = false;
    try {
      await waitUntil('rows flowing', async () => (await sinkIds(sinkDb)).size > 200, { live, ms: 180_000 });
      const atStop = (await sinkIds(sinkDb)).size;
      await broker.stopKafka(inst);
      stopped = true;
      await new Promise((r) => setTimeout(r, 5000));
      await broker.startKafka(inst);
      stopped = false;
      await waitUntil('rows flowing after the restart', async () => (await sinkIds(sinkDb)).size > atStop + 200, { live, ms: 240_000 });
      const w = await writer.stop();
      const want = topicIds(topic);
      for (const id of w.acked) assert.ok(want.has(id), `acknowledged id ${id} is in the topic`);
      await waitUntil('the sink equals the topic', async () => diff(want, await sinkIds(sinkDb)).length === 0, { live, ms: 240_000, detail: async () => diff(want, await sinkIds(sinkDb)).slice(0, 20).join('\n') });
      await stopWithSigterm(live);
      console.log(`kafka-bad-messages: broker restart: ${want.size} messages (${w.acked.size} acknowledged, ${w.failures} sends failed while the broker was away), ${atStop} applied at the stop; sink equals the topic, each once`);
    } finally {
      if (stopped) await broker.startKafka(inst).catch(() => undefined);
      await writer.stop().catch(() => undefined);
      await killLive(live);
      await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${q(sinkDb)}`);
    }
  });

  it('a rebalance storm (consumers SIGKILLed and started every few seconds for a minute) under a writer ends exact', async () => {
    const topic = uniqueName('kb_storm').replace(/_/g, '.');
    const sinkDb = uniqueName('kb_sink3');
    const name = uniqueName('kb_st');
    await createTopic(topic, 6);
    await sinkTable(sinkDb);
    const file = job(name, topic, sinkDb);
    const state = join(work, 'storm.sqlite');
    const lives: LiveCli[] = [];
    const start = (): LiveCli => {
      const l = startLive(['run', file, '--state', state]);
      lives.push(l);
      return l;
    };
    const writer = startWriter(topic, 6);
    let kills = 0;
    try {
      let members = [start(), start(), start()];
      await waitUntil('rows flowing', async () => (await sinkIds(sinkDb)).size > 100, { ms: 180_000 });
      const atStart = (await sinkIds(sinkDb)).size;
      const until = Date.now() + 60_000;
      let turn = 0;
      while (Date.now() < until) {
        const victim = members[turn++ % members.length]!;
        if (victim.exited()) assert.fail(`a consumer exited on its own:\n${describeRun(await victim.done)}`);
        victim.child.kill('SIGKILL');
        await victim.done;
        kills++;
        members = members.filter((m) => m !== victim);
        members.push(start());
        await new Promise((r) => setTimeout(r, 3000 + Math.floor(Math.random() * 2000)));
      }
      const atEnd = (await sinkIds(sinkDb)).size;
      const w = await writer.stop();
      const want = topicIds(topic);
      for (const id of w.acked) assert.ok(want.has(id), `acknowledged id ${id} is in the topic`);
      await waitUntil('the sink equals the topic after the storm', async () => diff(want, await sinkIds(sinkDb)).length === 0, {
        ms: 300_000,
        guard: async () => {
          for (const m of members) if (m.exited()) assert.fail(`a consumer exited:\n${describeRun(await m.done)}`);
        },
        detail: async () => diff(want, await sinkIds(sinkDb)).slice(0, 20).join('\n'),
      });
      // Each process logs one "assigned …" line per group generation it joined: the rebalances it took part in.
      const joins = lives.reduce((n, l) => n + (l.out().match(/assigned /g)?.length ?? 0), 0);
      for (const m of members) await stopWithSigterm(m);
      console.log(`kafka-bad-messages: rebalance storm: ${kills} SIGKILLs, ${lives.length} processes started, ${joins} completed group joins (assignments) across them, ${atEnd - atStart} messages applied during the storm minute, ${want.size} in all; sink equals the topic, each once`);
      assert.ok(kills >= 10, `kills: ${kills}`);
    } finally {
      await writer.stop().catch(() => undefined);
      for (const l of lives) await killLive(l);
      await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${q(sinkDb)}`);
    }
  });
});

// Sink tables from the messages, and tables spread over partitions (issue 14 points 4 and 3). Debezium
// messages with the JsonConverter schema envelope, written by the test: "made" (key id; DECIMAL(12,3) as
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
    const live = startLive(['run', job(name, topic, sinkDb), '--state', join(work, 'env.sqlite')]);
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
        work,
        { name: `${name}_pg`, source: { type: 'kafka', brokers: [inst.bootstrap], topics: [topic], format: 'debezium', group: `${name}_pg`, start: 'earliest' }, sink: { type: 'postgres', url: pg.url }, tables: { include: [`${SRC}.*`] }, rename: { [SRC]: 'shop' }, mode: 'stream' },
        `${name}_pg.json`,
      );
      const pgLive = startLive(['run', pgJob, '--state', join(work, 'env-pg.sqlite')]);
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
      const stopped = await runCliWithTimeout(['run', job(`${name}_bare`, bare, bareDb), '--state', join(work, 'bare.sqlite')]);
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
    const state = join(work, 'spread.sqlite');
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

describe('Kafka source: topics created while running', { timeout: 5 * 60_000 }, () => {
  it('a topic matching the /pattern/ created while the job runs is picked up, and both end exact', async () => {
    const prefix = uniqueName('kb_new').replace(/_/g, '.');
    await createTopic(`${prefix}.a`, 1);
    const producer = kafka().producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const sinkDb = uniqueName('kb_new');
    await sinkTable(sinkDb);
    const name = uniqueName('kb_new');
    const file = writeJob(
      work,
      { name, source: { type: 'kafka', brokers: [inst.bootstrap], topics: [`/${prefix.replace(/\./g, '\\.')}\\..*/`], topicRefreshMs: 1000, format: 'debezium', group: name, start: 'earliest' }, sink: { type: 'mysql', url: sinkUrl() }, tables: { include: [`${SRC}.*`] }, rename: { [SRC]: sinkDb }, mode: 'stream' },
      `${name}.json`,
    );
    const live = startLive(['run', file, '--state', join(work, 'new-topics.sqlite')]);
    try {
      await producer.send({ topic: `${prefix}.a`, acks: -1, messages: [1, 2, 3].map((id) => ({ key: null, value: insert(id, 0) })) });
      await waitUntil('the first topic applied', async () => (await sinkIds(sinkDb)).size === 3, { live, ms: 120_000 });
      await createTopic(`${prefix}.b`, 2);
      await producer.send({ topic: `${prefix}.b`, acks: -1, messages: [11, 12, 13, 14].map((id) => ({ key: null, value: insert(id, id % 2), partition: id % 2 })) });
      await producer.send({ topic: `${prefix}.a`, acks: -1, messages: [4].map((id) => ({ key: null, value: insert(id, 0) })) });
      const want = new Map([1, 2, 3, 4, 11, 12, 13, 14].map((id) => [id, 1]));
      await waitUntil('the new topic applied, the first one too, each message once', async () => diff(want, await sinkIds(sinkDb)).length === 0, { live, ms: 120_000, detail: async () => diff(want, await sinkIds(sinkDb)).join('\n') });
      const r = await stopWithSigterm(live);
      assert.match(r.stderr + r.stdout, new RegExp(`new topic\\(s\\) matching .*: ${prefix.replace(/\./g, '\\.')}\\.b; rejoining the group`));
      const offsets = await query<{ topic: string; next_offset: string }>(sinkUrl(), 'SELECT topic, part, next_offset FROM _cutover.cutover_offsets WHERE job = ? ORDER BY topic, part', [name]);
      assert.deepEqual(offsets.map((o) => `${o.topic}:${o.next_offset}`), [`${prefix}.a:4`, `${prefix}.b:2`, `${prefix}.b:2`]);
    } finally {
      await producer.disconnect().catch(() => undefined);
      await killLive(live);
      await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${q(sinkDb)}`);
    }
  });
});
