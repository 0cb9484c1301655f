// A Kafka-source job under trouble that is not the messages' fault, with the real CLI, a real broker
// (scripts/kafka-broker.mjs) and the MariaDB sink test server, on the "ev" topics of
// test/helpers/kafka-ev-topic.ts (schemaless Debezium inserts of a KEYLESS table: a message applied twice
// shows as a duplicate row, one lost as a missing id):
//   - broker restart: the broker is stopped and started while a consumer runs under a writer producing into
//     the topic; the sink ends equal to the topic (every message once).
//   - rebalance storm: consumer processes of one group SIGKILLed and started every few seconds for about a
//     minute under the writer; the sink ends equal to the topic. Kills and rebalances are printed.
//   - a topic matching the job's /pattern/ created while it runs is picked up; both topics end exact.
// A broker that cannot start fails the tests (nothing is skipped).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describeRun, exec, q, query, sinkUrl, uniqueName, writeJob } from '../helpers/db.js';
import { killLive, startLive, stopWithSigterm, waitUntil, type LiveCli } from '../helpers/stream-cli.js';
import { kafkaSuite } from '../helpers/kafka-suite.js';
import { evTopics } from '../helpers/kafka-ev-topic.js';

const suite = kafkaSuite('kafka-resilience');
const { SRC, kafka, createTopic, insert, sinkTable, job, sinkIds, topicIds, diff, startWriter } = evTopics(suite);

describe('Kafka source: a broker restart, a rebalance storm, topics created while running', { timeout: 20 * 60_000 }, () => {
  it('a broker restart mid-consume under a writer ends exact', async () => {
    const topic = uniqueName('kb_restart').replace(/_/g, '.');
    const sinkDb = uniqueName('kb_sink2');
    const name = uniqueName('kb_rs');
    await createTopic(topic, 4);
    await sinkTable(sinkDb);
    const writer = startWriter(topic, 4);
    const live = startLive(['run', job(name, topic, sinkDb), '--state', join(suite.work, 'restart.sqlite')]);
    let stopped = false;
    try {
      await waitUntil('rows flowing', async () => (await sinkIds(sinkDb)).size > 200, { live, ms: 180_000 });
      const atStop = (await sinkIds(sinkDb)).size;
      await suite.broker.stopKafka(suite.inst);
      stopped = true;
      await new Promise((r) => setTimeout(r, 5000));
      await suite.broker.startKafka(suite.inst);
      stopped = false;
      await waitUntil('rows flowing after the restart', async () => (await sinkIds(sinkDb)).size > atStop + 200, { live, ms: 240_000 });
      const w = await writer.stop();
      const want = topicIds(topic);
      for (const id of w.acked) assert.ok(want.has(id), `acknowledged id ${id} is in the topic`);
      await waitUntil('the sink equals the topic', async () => diff(want, await sinkIds(sinkDb)).length === 0, { live, ms: 240_000, detail: async () => diff(want, await sinkIds(sinkDb)).slice(0, 20).join('\n') });
      await stopWithSigterm(live);
      console.log(`kafka-source-resilience: broker restart: ${want.size} messages (${w.acked.size} acknowledged, ${w.failures} sends failed while the broker was away), ${atStop} applied at the stop; sink equals the topic, each once`);
    } finally {
      if (stopped) await suite.broker.startKafka(suite.inst).catch(() => undefined);
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
    const state = join(suite.work, 'storm.sqlite');
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
      console.log(`kafka-source-resilience: rebalance storm: ${kills} SIGKILLs, ${lives.length} processes started, ${joins} completed group joins (assignments) across them, ${atEnd - atStart} messages applied during the storm minute, ${want.size} in all; sink equals the topic, each once`);
      assert.ok(kills >= 10, `kills: ${kills}`);
    } finally {
      await writer.stop().catch(() => undefined);
      for (const l of lives) await killLive(l);
      await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${q(sinkDb)}`);
    }
  });

  it('a topic matching the /pattern/ created while the job runs is picked up, and both end exact', async () => {
    const prefix = uniqueName('kb_new').replace(/_/g, '.');
    await createTopic(`${prefix}.a`, 1);
    const producer = kafka().producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const sinkDb = uniqueName('kb_new');
    await sinkTable(sinkDb);
    const name = uniqueName('kb_new');
    const file = writeJob(
      suite.work,
      { name, source: { type: 'kafka', brokers: [suite.inst.bootstrap], topics: [`/${prefix.replace(/\./g, '\\.')}\\..*/`], topicRefreshMs: 1000, format: 'debezium', group: name, start: 'earliest' }, sink: { type: 'mysql', url: sinkUrl() }, tables: { include: [`${SRC}.*`] }, rename: { [SRC]: sinkDb }, mode: 'stream' },
      `${name}.json`,
    );
    const live = startLive(['run', file, '--state', join(suite.work, 'new-topics.sqlite')]);
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
