// A sink that stops answering without closing its connections (its mariadbd stopped with SIGSTOP): the
// copy says so in the log, and the stream says so, in the log and in the job status the dashboard shows, once a call has waited past the
// threshold (CUTOVER_SINK_WAIT_WARN_SECONDS, short here); after SIGCONT it says the sink answered again,
// goes on, and the sink ends equal to the source.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeRun, exec, q, sinkUrl, sourceUrl, writeJob } from '../helpers/db.js';
import { TempDirs, assertSinkEqualsSource, dropStreamTest, newStreamCase, peekJob, quickJob } from '../helpers/stream.js';
import { STACK_TRACE, killLive, startLive, startStreaming, statusJson, stopWithSigterm, waitCaughtUp, waitUntil, type LiveCli } from '../helpers/stream-cli.js';

/** The pid of the test sink's mariadbd, from the services directory `npm test` started it in. */
function sinkPid(): number {
  const spec = process.env.CUTOVER_TEST_SERVICES;
  assert.ok(spec, 'CUTOVER_TEST_SERVICES is not set: run this test with `npm test` (it must know which mariadbd is the sink)');
  const { prefix, portBase } = JSON.parse(spec) as { prefix: string; portBase: number };
  assert.equal(String(portBase + 2), new URL(sinkUrl()).port, `CUTOVER_TEST_SERVICES (${spec}) does not name the server of CUTOVER_TEST_SINK_URL`);
  const dir = process.env.CUTOVER_SERVICES_DIR ?? '/tmp/cutover-services';
  const pid = Number(readFileSync(join(dir, `${prefix}-sink`, 'mysqld.pid'), 'utf8').trim());
  assert.ok(pid > 1, `no pid in ${dir}/${prefix}-sink/mysqld.pid`);
  return pid;
}

describe('a sink that hangs', () => {
  const dirs = new TempDirs('cutover-hang-');
  after(() => dirs.removeAll());

  it('the log and the job status say how long the sink has not answered; after SIGCONT the stream goes on and ends exact', { timeout: 5 * 60_000 }, async () => {
    const { db, job, dir, state } = newStreamCase(dirs, 'sink-hang');
    const d = q(db);
    const jobPath = writeJob(dir, quickJob(job, db));
    const pid = sinkPid();
    let live: LiveCli | null = null;
    let stopped = false;
    const before = process.env.CUTOVER_SINK_WAIT_WARN_SECONDS;
    process.env.CUTOVER_SINK_WAIT_WARN_SECONDS = '2';
    try {
      await exec(sourceUrl(), `CREATE DATABASE ${d}; USE ${d}; CREATE TABLE ${d}.t (id INT PRIMARY KEY, v VARCHAR(40)) ENGINE=InnoDB; INSERT INTO ${d}.t SELECT seq, CONCAT('v', seq) FROM seq_1_to_200;`);
      live = await startStreaming(jobPath, state);
      const l = live;
      await waitCaughtUp(job, { live: l });

      process.kill(pid, 'SIGSTOP');
      stopped = true;
      await exec(sourceUrl(), `INSERT INTO ${d}.t VALUES (1001, 'while the sink hangs'); UPDATE ${d}.t SET v = 'changed' WHERE id = 7; DELETE FROM ${d}.t WHERE id = 9;`);
      await waitUntil('the warning that the sink has not answered', () => /WARN .*the sink \(127\.0\.0\.1:\d+\) has not answered for \d+ s \(applying \d+ transaction/.test(l.out()), { live: l, ms: 60_000 });
      const s = await waitUntil(
        'sinkWaitingSeconds in the job status',
        async () => {
          const st = await statusJson(state);
          return (st.stream?.sinkWaitingSeconds ?? 0) >= 2 ? st : null;
        },
        { live: l, ms: 30_000 },
      );
      assert.equal(s.state, 'running', JSON.stringify(s));

      process.kill(pid, 'SIGCONT');
      stopped = false;
      await waitUntil('the sink answering again', () => /the sink \(127\.0\.0\.1:\d+\) answered again after \d+ s/.test(l.out()), { live: l, ms: 60_000 });
      await waitCaughtUp(job, { live: l, ms: 90_000 });
      await waitUntil('the job status without the sink wait', async () => (await statusJson(state)).stream?.sinkWaitingSeconds == null, { live: l, ms: 30_000 });
      await assertSinkEqualsSource(db, db, ['t'], 'after the sink answered again');
      const r = await stopWithSigterm(l);
      assert.doesNotMatch(r.stderr, STACK_TRACE);
    } finally {
      if (stopped) process.kill(pid, 'SIGCONT');
      if (before === undefined) delete process.env.CUTOVER_SINK_WAIT_WARN_SECONDS;
      else process.env.CUTOVER_SINK_WAIT_WARN_SECONDS = before;
      await killLive(live);
      await dropStreamTest(job, db, db, true);
    }
  });

  it('during the copy: the log says how long the sink has not answered; after SIGCONT the copy goes on and ends exact', { timeout: 5 * 60_000 }, async () => {
    const { db, job, dir, state } = newStreamCase(dirs, 'sink-hang-copy');
    const d = q(db);
    const jobPath = writeJob(dir, quickJob(job, db));
    const pid = sinkPid();
    let live: LiveCli | null = null;
    let stopped = false;
    const before = process.env.CUTOVER_SINK_WAIT_WARN_SECONDS;
    process.env.CUTOVER_SINK_WAIT_WARN_SECONDS = '2';
    try {
      await exec(sourceUrl(), `CREATE DATABASE ${d}; USE ${d}; CREATE TABLE ${d}.t (id INT PRIMARY KEY, v VARCHAR(40)) ENGINE=InnoDB; INSERT INTO ${d}.t SELECT seq, CONCAT('v', seq) FROM seq_1_to_30000;`);
      live = startLive(['run', jobPath, '--state', state, '--exit-when-caught-up']);
      const l = live;
      await waitUntil('the first copied chunks', () => (peekJob(state)?.chunksDone ?? 0) > 0, { live: l, ms: 120_000, everyMs: 20 });
      process.kill(pid, 'SIGSTOP');
      stopped = true;
      const peek = peekJob(state);
      assert.equal(peek?.phase, 'copying', `the copy is still running when the sink stops: ${JSON.stringify(peek)}`);
      await waitUntil('the warning that the sink has not answered', () => /WARN .*the sink \(127\.0\.0\.1:\d+\) has not answered for \d+ s \(writing \d+ row\(s\) of /.test(l.out()), { live: l, ms: 60_000 });

      process.kill(pid, 'SIGCONT');
      stopped = false;
      const r = await l.done;
      live = null;
      assert.equal(r.code, 0, describeRun(r));
      assert.match(r.stderr, /the sink \(127\.0\.0\.1:\d+\) answered again after \d+ s/, describeRun(r));
      assert.doesNotMatch(r.stderr, STACK_TRACE);
      await assertSinkEqualsSource(db, db, ['t'], 'after the sink answered again');
    } finally {
      if (stopped) process.kill(pid, 'SIGCONT');
      if (before === undefined) delete process.env.CUTOVER_SINK_WAIT_WARN_SECONDS;
      else process.env.CUTOVER_SINK_WAIT_WARN_SECONDS = before;
      await killLive(live);
      await dropStreamTest(job, db, db, true);
    }
  });
});
