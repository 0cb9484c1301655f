// A source transaction larger than the stream's memory, published into Kafka in pieces: one UPDATE of
// every row of a 300,000-row table in one transaction, streamed by `cutover run` ("mode": "stream" from the
// position before it) with its V8 heap capped (NODE_OPTIONS=--max-old-space-size), into a real broker
// (test/helpers/kafka.ts, this suite's port base), with kcat as the independent consumer: the run ends and
// the topic holds exactly one message per row change, every key once. (The exactly-once abort of an open
// transaction in pieces is covered by test/unit/kafka-pieces.test.ts.)
// A broker that cannot start fails the tests (nothing is skipped).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describeRun, exec, q, runCliWithTimeout, sourceUrl, tempDir, uniqueName, writeJob } from '../helpers/db.js';
import { startTestBroker, type KafkaBroker, type KafkaInstance } from '../helpers/kafka.js';
import { sourcePosition } from '../helpers/stream.js';
import type { SourcePosition } from '../../engine/core/position.js';

const ROWS = 300_000;
const HEAP_MB = 96;
const CAPPED = { NODE_OPTIONS: `--max-old-space-size=${HEAP_MB}` };

let broker: KafkaBroker;
let inst: KafkaInstance;
let work: string;
const db = uniqueName('kbigtxn');
let start: SourcePosition;

/** Per message of the topic its key, as kcat reads it. */
function keys(topic: string, isolation: 'read_committed' | 'read_uncommitted'): string[] {
  const r = spawnSync('kcat', ['-C', '-b', inst.bootstrap, '-t', topic, '-e', '-q', '-o', 'beginning', '-X', `isolation.level=${isolation}`, '-X', 'fetch.wait.max.ms=5', '-f', '%k\n'], {
    encoding: 'utf8',
    timeout: 180_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  assert.equal(r.status, 0, `kcat: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean);
}

function assertEachKeyOnce(got: string[], what: string): void {
  assert.equal(got.length, ROWS, `${what}: ${got.length} messages, expected one per row change (${ROWS})`);
  assert.equal(new Set(got).size, ROWS, `${what}: some key twice`);
}

function job(name: string, exactlyOnce: boolean): string {
  return writeJob(
    work,
    {
      name,
      source: { url: sourceUrl() },
      sink: { type: 'kafka', brokers: [inst.bootstrap], topic: `${name}.{db}.{table}`, format: 'debezium', partitions: 4, exactlyOnce },
      tables: { include: [`${db}.*`] },
      mode: 'stream',
      stream: { start: { file: start.file, pos: start.pos } },
    },
    `${name}.json`,
  );
}

before(async () => {
  ({ broker, inst } = await startTestBroker('kafka-bigtxn', 33960));
  work = tempDir('cutover-kafka-bigtxn-');
  await exec(
    sourceUrl(),
    `CREATE DATABASE ${q(db)}; USE ${q(db)};
     CREATE TABLE t (id INT NOT NULL PRIMARY KEY, k INT NOT NULL, c CHAR(60) NOT NULL);
     INSERT INTO t SELECT seq, seq * 7 % 1000, REPEAT(LPAD(seq, 10, '0'), 6) FROM seq_1_to_${ROWS};`,
  );
  start = await sourcePosition();
  await exec(sourceUrl(), `USE ${q(db)}; START TRANSACTION; UPDATE t SET k = k + 1, c = REPEAT(LPAD(id * 3, 10, '1'), 6); COMMIT;`);
});

after(async () => {
  await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(db)}`).catch(() => undefined);
  if (broker && inst) await broker.stopKafka(inst, { wipe: !process.env.CUTOVER_KEEP_SERVICES });
  if (work) rmSync(work, { recursive: true, force: true });
});

describe(`one source transaction of ${ROWS.toLocaleString('en-US')} row changes published into Kafka under a ${HEAP_MB} MB heap`, { timeout: 900_000 }, () => {
  it('at-least-once: the run ends and every change is on the topic once', async () => {
    const name = uniqueName('kbig_alo');
    const r = await runCliWithTimeout(['run', job(name, false), '--state', join(work, `${name}.db`), '--exit-when-caught-up', '--quiet'], 300_000, CAPPED);
    assert.equal(r.code, 0, `the stream under a ${HEAP_MB} MB heap failed:\n${describeRun(r)}`);
    assertEachKeyOnce(keys(`${name}.${db}.t`, 'read_committed'), 'the topic');
  });
});
