// keyless-progress.test.ts on the Kafka sink's copy path ("mode": "snapshot+stream": each chunk is read in
// its own consistent snapshot and published alongside the stream at its binlog position). A table without
// a key is one chunk, published whole; its rows must count as each batch of it is read, so the
// dashboard's rows copied, copy rate and ETA move while it is copied (a throttled copy of 20,000 rows of
// 1.5 KB, about twenty of the sink's 2 MiB batches, watched through `cutover status --json`). A run killed
// in the middle of it reads the table again from its start: the finished copy counts every row exactly
// once, and the topic holds every row once. Real broker (scripts/kafka-broker.mjs, prefix kafka-keyless)
// and kcat as the consumer.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { JobStatus } from '../../shared/job-status.js';
import { describeRun, exec, runCli, sourceUrl, startCli, tempDir, uniqueName, writeJob } from '../helpers/db.js';
import { expectedDebezium, kcat, rebuildDebezium, startTestBroker, type KafkaBroker, type KafkaInstance } from '../helpers/kafka.js';
import { waitFor } from '../helpers/stream-cli.js';

const db = uniqueName('keyless_kafka');
const ROWS = 20_000;

let broker: KafkaBroker;
let inst: KafkaInstance;

before(async () => {
  ({ broker, inst } = await startTestBroker('kafka-keyless', 33760));
  await exec(sourceUrl(), `CREATE DATABASE ${db}; USE ${db}; CREATE TABLE events (kind VARCHAR(20), n INT, note VARCHAR(1600));
    INSERT INTO events SELECT CONCAT('k', seq % 7), seq, REPEAT('x', 1500) FROM seq_1_to_${ROWS}; ANALYZE TABLE events;`);
});

after(async () => {
  await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${db}`);
  if (broker && inst) await broker.stopKafka(inst, { wipe: !process.env.CUTOVER_KEEP_SERVICES });
});

test('Kafka: a keyless table counts its rows per batch while it is copied, and exactly once after a run killed midway', { timeout: 5 * 60_000 }, async () => {
  const dir = tempDir();
  const state = join(dir, 'state.db');
  const name = uniqueName('keyless_kafka');
  const topic = `${name}.${db}.events`;
  const job = writeJob(dir, {
    name,
    source: { url: sourceUrl() },
    sink: { type: 'kafka', brokers: [inst.bootstrap], topic: `${name}.{db}.{table}`, format: 'debezium', partitions: 2 },
    tables: { include: [`${db}.*`] },
    mode: 'snapshot+stream',
    snapshot: { parallelism: 1, throttle: { maxRowsPerSecond: 1000 } },
    stream: { batch: { maxDelayMs: 100 } },
  });
  const status = async (): Promise<JobStatus | null> => {
    const r = await runCli(['status', '--job', name, '--state', state, '--json']);
    if (r.code !== 0) return null;
    return (JSON.parse(r.stdout) as { jobs: JobStatus[] }).jobs[0] ?? null;
  };
  const midway = async (): Promise<{ s: JobStatus; t: JobStatus['tables'][number] }> =>
    waitFor(
      'the keyless table to show rows copied and a copy rate before its copy ends',
      90_000,
      async () => {
        const s = await status();
        const t = s?.tables.find((x) => x.source === `${db}.events`);
        // The job's rate is sampled every second, and a batch is counted about once a second here: wait
        // for a moment when both rates show it.
        return t && t.state === 'copying' && t.rowsCopied > 0 && t.rowsCopied < ROWS && t.rowsPerSecond > 0 && s!.rowsPerSecond > 0 ? { s: s!, t } : null;
      },
      undefined,
      200,
    );

  // First run: watched midway, then killed while the table's one chunk is still being read.
  const first = startCli(['run', job, '--state', state, '--exit-when-caught-up', '--quiet']);
  let m: Awaited<ReturnType<typeof midway>>;
  try {
    m = await midway();
  } finally {
    first.child.kill('SIGKILL'); // also when the wait failed: a run left behind would keep the test file alive
  }
  if (m.t.estimatedRows > m.t.rowsCopied) assert.notEqual(m.t.etaSeconds, null, `the table's ETA while rows remain: ${JSON.stringify(m.t)}`);
  if (m.s.estimatedRows > m.s.rowsCopied) assert.notEqual(m.s.etaSeconds, null, `the job's ETA while rows remain: ${JSON.stringify(m.s)}`);
  assert.equal(m.t.chunksDone, 0, 'the one chunk is still being copied');
  await first.done;

  // Second run: the table is read again from its start, and counted again from zero.
  const done = await runCli(['run', job, '--state', state, '--exit-when-caught-up', '--quiet']);
  assert.equal(done.code, 0, describeRun(done));
  const end = (await status())!;
  const t = end.tables.find((x) => x.source === `${db}.events`)!;
  assert.equal(t.state, 'done');
  assert.equal(t.rowsCopied, ROWS, 'every row counted once');
  assert.equal(end.rowsCopied, ROWS);
  assert.equal(t.chunksDone, 1);

  const records = kcat(inst.bootstrap, topic);
  assert.equal(records.length, ROWS, 'the chunk was published once: the killed run published nothing of it');
  assert.deepEqual(rebuildDebezium(records).keyless, (await expectedDebezium(db, 'events', name)).keyless);
});
