// A sink that stops answering without closing its connections (its mariadbd stopped with SIGSTOP): once a
// call has waited past the threshold (CUTOVER_SINK_WAIT_WARN_SECONDS, short here) the job says so in the
// log and in the job status the dashboard shows (sinkWaitingSeconds, during the copy as while streaming);
// after SIGCONT it says the sink answered again, the status clears while the job goes on, and the sink
// ends equal to the source.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeRun, exec, q, sinkUrl, sourceUrl, writeJob } from '../helpers/db.js';
import { TempDirs, assertSinkEqualsSource, dropStreamTest, newStreamCase, peekJob, quickJob, type StreamCase } from '../helpers/stream.js';
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

interface HangCase extends StreamCase {
  /** The quoted source database. */
  d: string;
  /** Stops the sink's mariadbd (SIGSTOP): its connections stay open and nothing answers. */
  hang: () => void;
  /** Lets it go on (SIGCONT). */
  answer: () => void;
  /** The running CLI, killed at the end if the test left it running. */
  live: LiveCli | null;
}

/**
 * One hung-sink case: the warning threshold at 2 s (the CLI inherits it), the sink's mariadbd to stop;
 * whatever happens, the sink is let go on, the threshold restored, the CLI killed and the databases dropped.
 */
async function withHangingSink(dirs: TempDirs, name: string, body: (c: HangCase) => Promise<void>): Promise<void> {
  const pid = sinkPid();
  let stopped = false;
  const c: HangCase = {
    ...newStreamCase(dirs, name),
    d: '',
    hang: () => {
      process.kill(pid, 'SIGSTOP');
      stopped = true;
    },
    answer: () => {
      process.kill(pid, 'SIGCONT');
      stopped = false;
    },
    live: null,
  };
  c.d = q(c.db);
  const before = process.env.CUTOVER_SINK_WAIT_WARN_SECONDS;
  process.env.CUTOVER_SINK_WAIT_WARN_SECONDS = '2';
  try {
    await body(c);
  } finally {
    if (stopped) process.kill(pid, 'SIGCONT');
    if (before === undefined) delete process.env.CUTOVER_SINK_WAIT_WARN_SECONDS;
    else process.env.CUTOVER_SINK_WAIT_WARN_SECONDS = before;
    await killLive(c.live);
    await dropStreamTest(c.job, c.db, c.db, true);
  }
}

describe('a sink that hangs', () => {
  const dirs = new TempDirs('cutover-hang-');
  after(() => dirs.removeAll());

  it('the log and the job status say how long the sink has not answered; after SIGCONT the stream goes on and ends exact', { timeout: 5 * 60_000 }, async () => {
    await withHangingSink(dirs, 'sink-hang', async (c) => {
      const { db, d, job, dir, state } = c;
      const jobPath = writeJob(dir, quickJob(job, db));
      await exec(sourceUrl(), `CREATE DATABASE ${d}; USE ${d}; CREATE TABLE ${d}.t (id INT PRIMARY KEY, v VARCHAR(40)) ENGINE=InnoDB; INSERT INTO ${d}.t SELECT seq, CONCAT('v', seq) FROM seq_1_to_200;`);
      const l = (c.live = await startStreaming(jobPath, state));
      await waitCaughtUp(job, { live: l });

      c.hang();
      await exec(sourceUrl(), `INSERT INTO ${d}.t VALUES (1001, 'while the sink hangs'); UPDATE ${d}.t SET v = 'changed' WHERE id = 7; DELETE FROM ${d}.t WHERE id = 9;`);
      await waitUntil('the warning that the sink has not answered', () => /WARN .*the sink \(127\.0\.0\.1:\d+\) has not answered for \d+ s \(applying \d+ transaction/.test(l.out()), { live: l, ms: 60_000 });
      const s = await waitUntil(
        'sinkWaitingSeconds in the job status',
        async () => {
          const st = await statusJson(state);
          return (st.sinkWaitingSeconds ?? 0) >= 2 ? st : null;
        },
        { live: l, ms: 30_000 },
      );
      assert.equal(s.state, 'running', JSON.stringify(s));
      assert.ok((s.stream?.sinkWaitingSeconds ?? 0) >= 2, `the stream's own field says it too: ${JSON.stringify(s.stream)}`);

      c.answer();
      await waitUntil('the sink answering again', () => /the sink \(127\.0\.0\.1:\d+\) answered again after \d+ s/.test(l.out()), { live: l, ms: 60_000 });
      await waitCaughtUp(job, { live: l, ms: 90_000 });
      await waitUntil('the job status without the sink wait', async () => (await statusJson(state)).sinkWaitingSeconds === null, { live: l, ms: 30_000 });
      await assertSinkEqualsSource(db, db, ['t'], 'after the sink answered again');
      const r = await stopWithSigterm(l);
      c.live = null;
      assert.doesNotMatch(r.stderr, STACK_TRACE);
    });
  });

  it('during the copy: the log and the job status say how long the sink has not answered; after SIGCONT the status clears and the copy goes on and ends exact', { timeout: 5 * 60_000 }, async () => {
    await withHangingSink(dirs, 'sink-hang-copy', async (c) => {
      const { db, d, job, dir, state } = c;
      // Throttled to 1,000 rows/s (about 15 s), so that the copy is still running once the sink answers.
      const spec = quickJob(job, db) as { snapshot: Record<string, unknown> };
      spec.snapshot.throttle = { maxRowsPerSecond: 1000 };
      const jobPath = writeJob(dir, spec);
      await exec(sourceUrl(), `CREATE DATABASE ${d}; USE ${d}; CREATE TABLE ${d}.t (id INT PRIMARY KEY, v VARCHAR(40)) ENGINE=InnoDB; INSERT INTO ${d}.t SELECT seq, CONCAT('v', seq) FROM seq_1_to_15000;`);
      const l = (c.live = startLive(['run', jobPath, '--state', state, '--exit-when-caught-up']));
      await waitUntil('the first copied chunks', () => (peekJob(state)?.chunksDone ?? 0) > 0, { live: l, ms: 120_000, everyMs: 20 });
      c.hang();
      const peek = peekJob(state);
      assert.equal(peek?.phase, 'copying', `the copy is still running when the sink stops: ${JSON.stringify(peek)}`);
      await waitUntil('the warning that the sink has not answered', () => /WARN .*the sink \(127\.0\.0\.1:\d+\) has not answered for \d+ s \(writing \d+ row\(s\) of /.test(l.out()), { live: l, ms: 60_000 });
      // What the dashboard's warning reads (the engine API's jobStatus is the same function as status --json).
      const waiting = await waitUntil(
        'sinkWaitingSeconds in the job status during the copy',
        async () => {
          const st = await statusJson(state);
          return (st.sinkWaitingSeconds ?? 0) >= 2 ? st : null;
        },
        { live: l, ms: 30_000 },
      );
      assert.equal(waiting.state, 'running', JSON.stringify(waiting));
      assert.equal(waiting.phase, 'copying', JSON.stringify(waiting));
      assert.equal(waiting.stream, null, 'no stream yet: the wait is the copy\'s');

      c.answer();
      const cleared = await waitUntil(
        'the job status without the sink wait while the copy goes on',
        async () => {
          const st = await statusJson(state);
          return st.sinkWaitingSeconds === null ? st : null;
        },
        { live: l, ms: 30_000 },
      );
      assert.equal(cleared.state, 'running', `cleared by the answer, not by the end of the run: ${JSON.stringify(cleared)}`);
      assert.equal(cleared.phase, 'copying', JSON.stringify(cleared));
      const r = await l.done;
      c.live = null;
      assert.equal(r.code, 0, describeRun(r));
      assert.match(r.stderr, /the sink \(127\.0\.0\.1:\d+\) answered again after \d+ s/, describeRun(r));
      assert.doesNotMatch(r.stderr, STACK_TRACE);
      await assertSinkEqualsSource(db, db, ['t'], 'after the sink answered again');
    });
  });
});
