// `cutover verify` against a Kafka sink, on a real broker (scripts/kafka-broker.mjs, prefix kafka-verify,
// 127.0.0.1:33692) with kcat as the independent producer of wrong messages:
//   - every type family (test/fixtures/types.sql) copied as Debezium read events verifies equal: each
//     topic rebuilt per key (the latest message's row image) equals the source rendered by the formats;
//   - a wrong message for one key, a tombstone for another and a message for a key the source does not
//     have, all published with kcat: verify exits 1 naming exactly those keys (different / missing /
//     extra); repair is refused for Kafka with what to do instead;
//   - Canal and Maxwell: a keyed and a keyless table verify equal; a duplicated keyless message and a
//     Maxwell delete published with kcat are found.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { ROOT, describeRun, exec, q, runCliWithTimeout, sourceUrl, tempDir, uniqueName, writeJob, type CliResult } from '../helpers/db.js';
import { kcat, startTestBroker, type KafkaBroker, type KafkaInstance } from '../helpers/kafka.js';
import { runVerify, verifyReport } from '../helpers/verify.js';

let broker: KafkaBroker;
let inst: KafkaInstance;


/** Publishes one message with kcat to a partition (value null: a tombstone). */
function publish(topic: string, partition: number, key: string, value: string | null): void {
  const r = spawnSync('kcat', ['-P', '-b', inst.bootstrap, '-t', topic, '-p', String(partition), '-K', '\t', '-Z'], { input: `${key}\t${value ?? ''}\n`, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, `kcat -P: ${r.stderr}`);
}

/** The partition and value of a key's last message in a topic. */
function lastMessage(topic: string, key: string): { partition: number; value: string } {
  const m = kcat(inst.bootstrap, topic).filter((r) => r.key === key).at(-1);
  assert.ok(m, `no message with key ${key} in ${topic}`);
  return m;
}

/**
 * Waits until the fresh broker creates topics (right after it starts, on a loaded machine, its first
 * CreateTopics can still answer UNKNOWN_TOPIC_OR_PARTITION while it waits for the new partitions' leaders).
 */
async function brokerCreatesTopics(): Promise<void> {
  const admin = new kafkajs.Kafka({ clientId: 'vk-setup', brokers: [inst.bootstrap], logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.createTopics({ topics: [{ topic: `vk-ready-${attempt}`, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
        return;
      } catch (e) {
        if (attempt >= 60) throw e;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  } finally {
    await admin.disconnect();
  }
}

describe('cutover verify: a Kafka sink', { timeout: 400_000 }, () => {
  const types = uniqueName('vk_types');
  const small = uniqueName('vk_small');
  const dir = tempDir('cutover-verify-kafka-');

  before(async () => {
    ({ broker, inst } = await startTestBroker('kafka-verify', 33660));
    await brokerCreatesTopics();
    await exec(sourceUrl(), `CREATE DATABASE ${q(types)}; USE ${q(types)}; ${readFileSync(join(ROOT, 'test/fixtures/types.sql'), 'utf8')}`);
    await exec(
      sourceUrl(),
      `CREATE DATABASE ${q(small)}; USE ${q(small)};
       CREATE TABLE k (a INT NOT NULL, b VARCHAR(10) NOT NULL, amount DECIMAL(65,30) NULL, big BIGINT UNSIGNED NULL, note TEXT NULL, PRIMARY KEY (a, b));
       INSERT INTO k SELECT seq, CONCAT('b', seq % 3), seq / 7, 18446744073709551615 - seq, CONCAT('ü ', seq) FROM seq_1_to_300;
       CREATE TABLE nokey (x INT NULL, y VARCHAR(10) NULL);
       INSERT INTO nokey SELECT seq % 20, 'dup' FROM seq_1_to_100;`,
    );
  }, { timeout: 300_000 });

  after(async () => {
    await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(types)}; DROP DATABASE IF EXISTS ${q(small)}`).catch(() => undefined);
    if (broker && inst) await broker.stopKafka(inst, { wipe: !process.env.CUTOVER_KEEP_SERVICES });
    rmSync(dir, { recursive: true, force: true });
  });

  const kafkaJob = (name: string, db: string, sink: Record<string, unknown>, exclude: string[] = []): string =>
    writeJob(dir, { name, source: { url: sourceUrl() }, sink: { type: 'kafka', brokers: [inst.bootstrap], partitions: 3, ...sink }, tables: { include: [`${db}.*`], exclude }, mode: 'snapshot' }, `${name}.json`);

  it('Debezium, every type family: equal; a wrong message, a tombstone and an unknown key published with kcat are named', async () => {
    const name = uniqueName('vk-dbz');
    const state = join(dir, `${name}.db`);
    // t_binary holds rows of several MB, over the broker's default message limit.
    const job = kafkaJob(name, types, { format: 'debezium', tombstones: true }, [`${types}.t_binary`]);
    const copy = await runCliWithTimeout(['run', job, '--state', state, '--quiet'], 180_000);
    assert.equal(copy.code, 0, describeRun(copy));
    const verify = (...args: string[]): Promise<CliResult> => runVerify(job, state, args);
    const t0 = Date.now();
    const clean = await verify('--json');
    assert.equal(clean.code, 0, describeRun(clean));
    const c = verifyReport(clean);
    assert.equal(c.sinkType, 'kafka');
    assert.ok(c.tables.length >= 40, `${c.tables.length} tables`);
    assert.deepEqual(c.tables.filter((t) => t.state !== 'match').map((t) => `${t.table}: ${t.error ?? JSON.stringify(t.mismatches.slice(0, 2))}`), []);
    assert.equal(c.repair.available, false);
    console.log(`# verify of ${c.tables.length} Kafka topics (${c.summary.rowsSource} rows): ${Date.now() - t0} ms`);

    const decimals = `cutover.${types}.t_decimal`;
    const wrong = lastMessage(decimals, '{"id":3}');
    const changed = wrong.value.replace('"d65":"0.000000000000000000000000000001"', '"d65":"0.000000000000000000000000000002"');
    assert.notEqual(changed, wrong.value);
    publish(decimals, wrong.partition, '{"id":3}', changed);
    const gone = lastMessage(decimals, '{"id":5}');
    publish(decimals, gone.partition, '{"id":5}', null);
    publish(decimals, 0, '{"id":999}', wrong.value.replace('"after":{"id":3,', '"after":{"id":999,'));
    const found = await verify('--table', `${types}.t_decimal`, '--json');
    assert.equal(found.code, 1, describeRun(found));
    const f = verifyReport(found);
    assert.deepEqual(
      f.tables[0]!.mismatches.map((m) => [m.kind, m.key]),
      [
        ['different', { id: '3' }],
        ['missing', { id: '5' }],
        ['extra', { id: '999' }],
      ],
    );
    const human = await verify('--table', `${types}.t_decimal`);
    assert.equal(human.code, 1, describeRun(human));
    assert.match(human.stdout, /different +id="3"/);
    assert.match(human.stdout, /Repair is not available for Kafka sinks/);
    const refused = await verify('--repair-from', String(f.id));
    assert.equal(refused.code, 2, describeRun(refused));
    assert.match(refused.stderr, /Repair is not available for Kafka sinks yet/);
  });

  for (const format of ['canal', 'maxwell'] as const) {
    it(`${format}: a keyed and a keyless table equal; a duplicated keyless message and a deleted key are found`, async () => {
      const name = uniqueName(`vk-${format}`);
      const state = join(dir, `${name}.db`);
      const job = kafkaJob(name, small, { format, topic: `vk.${format}.{db}.{table}` });
      const copy = await runCliWithTimeout(['run', job, '--state', state, '--quiet'], 120_000);
      assert.equal(copy.code, 0, describeRun(copy));
      const verify = (...args: string[]): Promise<CliResult> => runVerify(job, state, args);
      const clean = await verify('--json');
      assert.equal(clean.code, 0, describeRun(clean));
      assert.deepEqual(verifyReport(clean).tables.map((t) => [t.table, t.state, t.rowsSource, t.rowsSink]), [
        [`${small}.k`, 'match', 300, 300],
        [`${small}.nokey`, 'match', 100, 100],
      ]);

      const keyless = kcat(inst.bootstrap, `vk.${format}.${small}.nokey`)[0]!;
      publish(`vk.${format}.${small}.nokey`, keyless.partition, keyless.key, keyless.value);
      const keyedTopic = `vk.${format}.${small}.k`;
      const row = kcat(inst.bootstrap, keyedTopic).find((r) => r.value.includes('"a":"7"') || r.value.includes('"a":7,'))!;
      assert.ok(row, 'the message of a = 7');
      const deleted = format === 'canal' ? row.value.replace('"type":"INSERT"', '"type":"DELETE"') : row.value.replace('"type":"bootstrap-insert"', '"type":"delete"');
      assert.notEqual(deleted, row.value);
      publish(keyedTopic, row.partition, row.key, deleted);
      const found = await verify('--json');
      assert.equal(found.code, 1, describeRun(found));
      const f = verifyReport(found);
      assert.deepEqual(
        f.tables.map((t) => [t.table, t.mismatches.map((m) => [m.kind, m.count ?? null, Object.keys(m.key)])]),
        [
          [`${small}.k`, [['missing', null, ['a', 'b']]]],
          [`${small}.nokey`, [['extra', 1, ['row']]]],
        ],
      );
      assert.deepEqual(f.tables[0]!.mismatches[0]!.key, { a: '7', b: 'b1' });
    });
  }
});
