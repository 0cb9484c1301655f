// Bad messages for a Kafka-source job, with the real CLI, a real broker (scripts/kafka-broker.mjs) and the
// MariaDB sink test server (PostgreSQL in the second test). The topics hold schemaless Debezium inserts of
// a KEYLESS sink table (id, p, v), written by the test's own producer (test/helpers/kafka-ev-topic.ts): a
// message applied twice would show as a duplicate row, one lost as a missing id.
//   - one that is not JSON, one naming a column the sink lacks and one the sink refuses (a value too long
//     for its column) pause their three partitions; the fourth partition keeps applying (new messages
//     produced while the others are paused arrive); `cutover status` names each paused message; a run with
//     three --skip-message ends exact: every other message once, the three absent, the skips recorded in
//     the sink (who, when), the three in the dead-letter topic with cutover.topic / partition / offset /
//     error headers; a --skip-message of a good message is refused.
//   - the same into PostgreSQL: the pauses recorded in "_cutover", a live skip-message resumes one without a
//     restart, --skip-message the others.
// The broker restart, the rebalance storm and topics created while running: kafka-source-resilience.test.ts;
// sink tables from the messages and tables spread over partitions: kafka-source-tables.test.ts.
// A broker that cannot start fails the tests (nothing is skipped).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describeRun, exec, q, query, runCliWithTimeout, sinkUrl, uniqueName, writeJob } from '../helpers/db.js';
import { killLive, startLive, stopWithSigterm, waitUntil, statusJson, type LiveCli } from '../helpers/stream-cli.js';
import { createPgDatabase } from '../helpers/postgres.js';
import { kafkaSuite } from '../helpers/kafka-suite.js';
import { evTopics, type BadMessages } from '../helpers/kafka-ev-topic.js';

const suite = kafkaSuite('kafka-bad');
const { SRC, kafka, createTopic, insert, produceWithBad, waitPaused, sinkTable, job, sinkIds, diff } = evTopics(suite);

describe('Kafka source: bad messages', { timeout: 20 * 60_000 }, () => {
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
    const state = join(suite.work, 'bad.sqlite');
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
      const dl = spawnSync('kcat', ['-C', '-b', suite.inst.bootstrap, '-t', dlq, '-e', '-q', '-o', 'beginning', '-J'], { encoding: 'utf8', timeout: 60_000 });
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
    const state = join(suite.work, 'pg-bad.sqlite');
    const file = writeJob(
      suite.work,
      { name, source: { type: 'kafka', brokers: [suite.inst.bootstrap], topics: [topic], format: 'debezium', group: name, start: 'earliest', deadLetter: { topic: dlq } }, sink: { type: 'postgres', url: pg.url }, tables: { include: [`${SRC}.*`] }, rename: { [SRC]: 'shop' }, mode: 'stream' },
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
      const dl = spawnSync('kcat', ['-C', '-b', suite.inst.bootstrap, '-t', dlq, '-e', '-q', '-o', 'beginning', '-f', '%k\n'], { encoding: 'utf8', timeout: 60_000 });
      assert.deepEqual(dl.stdout.split('\n').filter(Boolean).sort(), ['k103', 'k2', 'k204'], dl.stderr);
      await stopWithSigterm(second);
      console.log(`kafka-bad-messages: PostgreSQL: 3 partitions paused at their bad messages, one skipped live (same process), two with --skip-message; ${want.size} messages once each, the three in ${dlq}`);
    } finally {
      await killLive(live);
      await killLive(second);
      await pg.drop();
    }
  });
});
