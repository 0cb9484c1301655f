// A sink transaction that fails the same way on every attempt (here: a lock the test holds on the job's
// checkpoint row, with a 1 s lock wait timeout on the sink): each retry counts up ("attempt 1, 2, 3") and
// waits longer, instead of starting again at attempt 1 every time the binlog reader reopens; once the lock
// is released the stream goes on and the sink ends equal to the source.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { admin, exec, q, query, sinkUrl, sourceUrl, writeJob } from '../helpers/db.js';
import { TempDirs, assertSinkEqualsSource, dropStreamTest, newStreamCase, quickJob } from '../helpers/stream.js';
import { killLive, startStreaming, stopWithSigterm, waitCaughtUp, waitUntil, type LiveCli } from '../helpers/stream-cli.js';

describe('a sink transaction that keeps failing', () => {
  const dirs = new TempDirs('cutover-retry-');
  after(() => dirs.removeAll());

  it('the attempt count rises and the wait grows; released, the stream goes on and ends exact', { timeout: 5 * 60_000 }, async () => {
    const { db, job, dir, state } = newStreamCase(dirs, 'retry-count');
    const d = q(db);
    const jobPath = writeJob(dir, quickJob(job, db));
    const [t] = await query<{ v: number | string }>(sinkUrl(), 'SELECT @@GLOBAL.innodb_lock_wait_timeout AS v');
    const lockWait = Number(t!.v);
    let live: LiveCli | null = null;
    const holder = await admin(sinkUrl());
    let holding = false;
    try {
      await exec(sourceUrl(), `CREATE DATABASE ${d}; USE ${d}; CREATE TABLE ${d}.t (id INT PRIMARY KEY, v VARCHAR(40)) ENGINE=InnoDB; INSERT INTO ${d}.t SELECT seq, CONCAT('v', seq) FROM seq_1_to_100;`);
      // Before the stream opens its sink connection: a connection takes the global timeout when it opens,
      // so one opened earlier would wait the server's default (50 s) on its first attempt.
      await exec(sinkUrl(), 'SET GLOBAL innodb_lock_wait_timeout = 1');
      live = await startStreaming(jobPath, state);
      const l = live;
      await waitCaughtUp(job, { live: l });

      await holder.query('BEGIN');
      await holder.query('SELECT * FROM _cutover.cutover_checkpoint WHERE job = ? FOR UPDATE', [job]);
      holding = true;
      await exec(sourceUrl(), `UPDATE ${d}.t SET v = 'locked out' WHERE id <= 10; INSERT INTO ${d}.t VALUES (500, 'new');`);
      await waitUntil('a third attempt', () => /reconnecting in 4 s \(attempt 3\)/.test(l.out()), { live: l, ms: 120_000 });
      const attempts = [...l.out().matchAll(/reconnecting in (\d+) s \(attempt (\d+)\)/g)].map((m) => `${m[1]}s#${m[2]}`);
      assert.deepEqual(attempts.slice(0, 3), ['1s#1', '2s#2', '4s#3'], `the attempts count up and the wait doubles:\n${l.out().slice(-4000)}`);

      await holder.query('ROLLBACK');
      holding = false;
      await exec(sinkUrl(), `SET GLOBAL innodb_lock_wait_timeout = ${lockWait}`);
      await waitCaughtUp(job, { live: l, ms: 120_000 });
      await assertSinkEqualsSource(db, db, ['t'], 'after the lock was released');
      await stopWithSigterm(l);
    } finally {
      if (holding) await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end().catch(() => undefined);
      await exec(sinkUrl(), `SET GLOBAL innodb_lock_wait_timeout = ${lockWait}`).catch(() => undefined);
      await killLive(live);
      await dropStreamTest(job, db, db, true);
    }
  });
});
