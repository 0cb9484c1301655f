// Production is not harmed: a busy source (Threads_running above the limit) pauses the copy until it calms down.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { admin, checksum, exec, runCli, sinkUrl, sourceUrl, tempDir, uniqueName, writeJob } from '../helpers/db.js';

const db = uniqueName('throttle');

before(async () => {
  await exec(sourceUrl(), `CREATE DATABASE ${db}; USE ${db}; CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(40));
    INSERT INTO t SELECT seq, CONCAT('row ', seq) FROM seq_1_to_20000;`);
});

after(async () => {
  await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${db}`);
  await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${db}`);
});

test('the copy waits while the source is busy, says so, then finishes exactly', async () => {
  // Four sessions each running an 8-second query keep Threads_running above the limit of 3 (long enough
  // to outlast the CLI's start and preflight on a loaded machine).
  const busy = await Promise.all([1, 2, 3, 4].map(() => admin(sourceUrl())));
  const sleepers = busy.map((c) => c.query('SELECT SLEEP(8)'));
  const dir = tempDir();
  const state = join(dir, 'state.db');
  const job = writeJob(dir, {
    name: 'throttle',
    source: { url: sourceUrl() },
    sink: { type: 'mysql', url: sinkUrl() },
    tables: { include: [`${db}.*`] },
    mode: 'snapshot',
    snapshot: { chunkRows: 1000, parallelism: 2, throttle: { maxThreadsRunning: 3 } },
  });
  try {
    const r = await runCli(['run', job, '--state', state]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /source is busy \(Threads_running = \d+ > 3\): copy paused/);
    assert.match(r.stderr, /source load back to normal: copy resumed/);
  } finally {
    await Promise.allSettled(sleepers);
    await Promise.all(busy.map((c) => c.end()));
  }
  assert.equal(await checksum(sinkUrl(), db, 't'), await checksum(sourceUrl(), db, 't'));
  const logs = await runCli(['logs', '--state', state, '--level', 'warn']);
  assert.match(logs.stdout, /source is busy/);
});
