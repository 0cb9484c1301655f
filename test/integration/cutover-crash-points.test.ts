// SIGKILL at each step boundary of `cutover switch` (with the way back) and of `cutover rollback`, a test
// per boundary: a run killed there (CUTOVER_CRASH_AT), then a rerun that must end switched (or rolled back)
// and exact, never half-way. Real MariaDB: the lane's source is the old server, a server of the file's own
// with its binlog set up as a source's is the new one (started once for the file).
//
// Cheap by design: every case has a database of its own (three tiny tables, a trigger on one) on the same
// two servers, so nothing is restarted between cases. The tests alternate: a switch case streams a fresh
// database, is killed at its point and rerun to switched; the rollback case after it takes that switched
// pair (its reverse job streaming), lets the application write to the new server, is killed at its point and
// rerun to rolled back. So each switch of the file serves one switch boundary and one rollback boundary, and
// only one reverse job runs at a time. The switch's freeze watch is shortened to 0.5 s here
// (CUTOVER_FREEZE_WATCH_MS): nothing writes during these switches; cutover-switch.test.ts and
// cutover-freeze.test.ts prove the freeze under writers with the default watch.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import { runCli, sourceUrl, type CliResult } from '../helpers/db.js';
import type { OwnMariadb } from '../helpers/own-mariadb.js';
import { TempDirs } from '../helpers/stream.js';
import { startLive, waitFor, waitUntil } from '../helpers/stream-cli.js';
import { assertOldEqualsNew, assertRolledBack, cleanUpPair, jobRow, out, readOnly, rollbackCli, startNewServer, streamingPair, writeToNewServer, type Pair } from '../helpers/switched-pair.js';

/** The freeze watch of these switches and rollbacks (ms): see above. */
const WATCH = { CUTOVER_FREEZE_WATCH_MS: '500' };

interface SwitchPoint {
  at: string;
  /** What the crash left, checked before the rerun. */
  check?(p: Pair, crashed: CliResult): Promise<void> | void;
}

/** Every switch boundary: each step's start (its journal written, before it acts) and the points inside steps. */
const SWITCH_POINTS: SwitchPoint[] = [
  { at: 'lag:before' },
  { at: 'reverse-check:before' },
  {
    at: 'read-only:before',
    async check(p) {
      assert.equal(await readOnly(sourceUrl()), false, 'read-only is not set');
      assert.equal(stepRow(p, 'read-only')?.state, 'running', 'the step is journaled before it acts');
    },
  },
  {
    at: 'read-only:journaled',
    async check(p) {
      assert.equal(await readOnly(sourceUrl()), false, 'read-only is not set yet');
      assert.equal(stepRow(p, 'read-only')?.result.journal?.previous?.readOnly, false, 'read_only as it was is journaled before the SET');
    },
  },
  {
    at: 'read-only:after',
    async check(p) {
      assert.equal(await readOnly(sourceUrl()), true, 'read-only is set');
      assert.equal(stepRow(p, 'read-only')?.state, 'running');
      assert.equal(stepRow(p, 'read-only')?.result.journal?.previous?.readOnly, false, 'read_only as it was before the SET is journaled before it');
    },
  },
  { at: 'fence:before' },
  {
    at: 'fence:after',
    check(p) {
      assert.match(stepRow(p, 'fence')?.result.journal?.fence?.position ?? '', /\.\d{6}:\d+$/, 'the fence position is journaled as soon as written');
      assert.equal(jobRow(p.state, p.job)?.state, 'running', 'the stream still runs');
    },
  },
  {
    at: 'stop:after',
    async check(p) {
      await p.run?.done;
      assert.notEqual(jobRow(p.state, p.job)?.state, 'switched');
      assert.equal(stepRow(p, 'fence')?.state, 'running');
    },
  },
  { at: 'verify:before' },
  { at: 'deferred:before' },
  {
    at: 'deferred:during',
    check(p) {
      assert.equal(jobRow(p.state, p.job)?.state, 'switched');
      assert.equal(stepRow(p, 'deferred')?.state, 'running');
    },
  },
  { at: 'reverse:before' },
  { at: 'reverse:position' },
  { at: 'reverse:held' },
  { at: 'reverse:spawned' },
  { at: 'reverse:started' },
  { at: 'report:before' },
  {
    at: 'report:written',
    check(p) {
      const file = stepRow(p, 'report')?.result.facts?.file;
      assert.ok(typeof file === 'string' && existsSync(file), 'the report file is journaled and written');
      assert.equal(stepRow(p, 'report')?.state, 'running', 'the step is not recorded yet');
    },
  },
];

/** Rollback boundaries, with which server takes writes once the run is killed there (the rerun's first `writes:` line). */
const NEW = /writes: The new server takes the writes; the reverse job keeps the old server in step/;
const NEITHER = /writes: Neither server takes the application’s writes: the new server is frozen/;
const OLD = /writes: The old server takes the writes; the new server is read-only \(the rollback’s last steps are not recorded yet/;
const ROLLBACK_POINTS: { at: string; writes: RegExp }[] = [
  { at: 'rollback:freeze:before', writes: NEW },
  { at: 'rollback:read-only:journaled', writes: NEW },
  { at: 'rollback:read-only:after', writes: NEITHER },
  { at: 'rollback:fence:before', writes: NEITHER },
  { at: 'rollback:fence:after', writes: NEITHER },
  { at: 'rollback:stop:after', writes: NEITHER },
  { at: 'rollback:verify:before', writes: NEITHER },
  { at: 'rollback:triggers:before', writes: NEITHER },
  { at: 'rollback:triggers:during', writes: NEITHER },
  { at: 'rollback:writable:before', writes: NEITHER },
  { at: 'rollback:writable:after', writes: OLD },
  { at: 'rollback:report:before', writes: OLD },
];

const firstWrites = (r: CliResult): string => r.stdout.split('\n').find((l) => l.startsWith('writes: ')) ?? '(no writes line)';

function switchCli(p: Pair, env: Record<string, string> = {}): Promise<CliResult> {
  return runCli(['switch', p.jobPath, '--state', p.state, '--yes', '--lag-threshold', '30'], { ...WATCH, ...env });
}

describe('cutover switch and cutover rollback: SIGKILL at each step boundary, a test each, then a rerun', () => {
  const dirs = new TempDirs('cutover-crash-points-');
  let server: OwnMariadb;
  /** The pair the last switch case left switched, for the rollback case after it. */
  let switched: Pair | null = null;
  const pairs: Pair[] = [];

  before(async () => {
    server = await startNewServer();
  });

  after(async () => {
    for (const p of pairs) await cleanUpPair(p, server.url);
    await server?.stop();
    dirs.removeAll();
  });

  /** A fresh database streaming old → new (the servers as the switch expects them: both writable). */
  async function freshPair(tag: string): Promise<Pair> {
    const p = await streamingPair(dirs, server.url, tag);
    pairs.push(p);
    return p;
  }

  /** Ends (and forgets) a pair no later case takes: its processes, databases and users, both servers writable again. */
  async function retire(p: Pair | null): Promise<void> {
    if (!p) return;
    await cleanUpPair(p, server.url);
    if (pairs.includes(p)) pairs.splice(pairs.indexOf(p), 1);
  }

  for (let i = 0; i < Math.max(SWITCH_POINTS.length, ROLLBACK_POINTS.length); i++) {
    const sp = SWITCH_POINTS[i];
    const rp = ROLLBACK_POINTS[i];
    if (sp)
      it(`the switch killed at ${sp.at}: the rerun ends switched, writes only on the new server, old = new`, async () => {
        await retire(switched);
        switched = null;
        const p = await freshPair(`s${i}`);
        try {
          const crashed = await switchCli(p, { CUTOVER_CRASH_AT: sp.at });
          assert.equal(crashed.signal, 'SIGKILL', `killed at ${sp.at}\n${out(crashed)}`);
          await sp.check?.(p, crashed);
          const r = sp.at === 'reverse:spawned' ? await rerunWhileSpawnedStarts(p) : await switchCli(p);
          assert.equal(r.code, 0, out(r));
          assert.match(r.stdout, /resuming “/, `the rerun resumes the interrupted step\n${out(r)}`);
          await assertSwitched(p, r);
          switched = p;
        } catch (e) {
          await retire(p);
          throw e;
        }
      });
    if (rp)
      it(`the rollback killed at ${rp.at}: the rerun says which server takes writes, ends rolled back, old = new`, async () => {
        const p = switched ?? (await switchedPair(`r${i}`));
        switched = null;
        try {
          await writeToNewServer(p);
          const crashed = await rollbackCli(p, { ...WATCH, CUTOVER_CRASH_AT: rp.at });
          assert.equal(crashed.signal, 'SIGKILL', `killed at ${rp.at}\n${out(crashed)}`);
          // While the new server is not frozen yet, the application goes on writing there: the rollback must carry it back.
          if (!(await readOnly(p.newUrl))) await appInsert(p, `after ${rp.at}`);
          const r = await rollbackCli(p, WATCH);
          assert.equal(r.code, 0, out(r));
          assert.match(firstWrites(r), rp.writes, `the rerun first says what the crash at ${rp.at} left\n${out(r)}`);
          assert.match(r.stdout, /Rolled back: the new server is frozen \(proven\)/, out(r));
          assert.match(r.stdout, /writes: The old server takes the writes; the new server is read-only: rolled back/, out(r));
          assert.equal(jobRow(p.state, p.reverse)?.state, 'switched', 'the reverse job stopped for good at its fence');
          await assertOldEqualsNew(p, `rolled back after a crash at ${rp.at}`);
          await assertRolledBack(p);
        } finally {
          await retire(p);
        }
      });
  }

  /** A pair switched without a crash, for a rollback case whose switch case did not leave one. */
  async function switchedPair(tag: string): Promise<Pair> {
    const p = await freshPair(tag);
    try {
      const r = await switchCli(p);
      assert.equal(r.code, 0, out(r));
      await assertSwitched(p, r);
      return p;
    } catch (e) {
      await retire(p);
      throw e;
    }
  }
});

/**
 * The rerun after a crash right after the reverse job's process was spawned, before it recorded itself: that
 * process is stopped (SIGSTOP) so that it cannot record itself before the rerun looks. The rerun must wait for
 * it and not start a second `cutover run` of the reverse job; the process goes on (SIGCONT) once the rerun
 * says it waits, and is the one that runs the reverse job in the end.
 */
async function rerunWhileSpawnedStarts(p: Pair): Promise<CliResult> {
  const [spawned] = runsOf(p.reversePath);
  assert.ok(spawned, 'the crashed run spawned the reverse job’s process');
  process.kill(spawned, 'SIGSTOP');
  try {
    assert.notEqual(jobRow(p.state, p.reverse)?.pid, spawned, 'the spawned process has not recorded itself yet (the window this case is about)');
    const live = startLive(['switch', p.jobPath, '--state', p.state, '--yes', '--lag-threshold', '30'], WATCH);
    await waitFor('the rerun to wait for the spawned process', 120_000, () => live.out().includes(`its process ${spawned}, spawned by the interrupted run, has not recorded itself yet`) || live.exited(), () => live.out());
    process.kill(spawned, 'SIGCONT');
    const r = await live.done;
    assert.doesNotMatch(r.stdout, /reverse job \S+ started \(pid/, `the rerun starts no second process\n${out(r)}`);
    await waitUntil('the spawned process runs the reverse job', () => jobRow(p.state, p.reverse)?.pid === spawned, { ms: 60_000, detail: () => JSON.stringify(jobRow(p.state, p.reverse)) });
    assert.deepEqual(runsOf(p.reversePath), [spawned], 'one `cutover run` of the reverse job, the one the crashed run spawned');
    return r;
  } finally {
    try {
      process.kill(spawned, 'SIGCONT');
    } catch {
      /* gone */
    }
  }
}

/** Ended switched and exact: the job switched, the report written, the old server read-only and equal to the new one, the reverse job streaming in one process, the application's writes taken by the new server only. */
async function assertSwitched(p: Pair, r: CliResult): Promise<void> {
  const report = /report: (\S+\.md)/.exec(r.stdout)?.[1] ?? (stepRow(p, 'report')?.result.facts?.file as string | undefined);
  assert.ok(report && existsSync(report) && /every step done/.test(readFileSync(report, 'utf8')), `the report file is written and says every step is done\n${out(r)}`);
  assert.match(r.stdout, /writes: The sink takes the writes/, out(r));
  assert.equal(jobRow(p.state, p.job)?.state, 'switched');
  assert.equal(stepRow(p, 'report')?.state, 'done');
  await p.run?.done;
  assert.equal(await readOnly(sourceUrl()), true, 'the old server is read-only');
  assert.equal(await readOnly(p.newUrl), false, 'the new server is writable');
  await assertOldEqualsNew(p, 'after the switch');
  await waitUntil('the reverse job streams', () => jobRow(p.state, p.reverse)?.phase === 'streaming', { ms: 120_000, detail: () => JSON.stringify(jobRow(p.state, p.reverse)) });
  assert.equal(runsOf(p.reversePath).length, 1, 'one `cutover run` of the reverse job');
  await assert.rejects(appInsert(p, 'to the old server', sourceUrl()), (e: { errno?: number }) => e.errno === 1290, 'the old server refuses the application’s writes');
  await appInsert(p, 'to the new server');
}

/** One insert by the application's account (its trigger writes click_log), on the new server unless `url` says otherwise. */
async function appInsert(p: Pair, note: string, url = p.newUrl): Promise<void> {
  const u = new URL(url);
  const c = await mysql.createConnection({ host: u.hostname, port: Number(u.port), user: p.app, password: 'pw', database: p.db });
  try {
    await c.query('INSERT INTO notes VALUES (?, 1)', [note.slice(0, 40)]);
    await c.query('INSERT INTO orders (amount) VALUES (7.77)');
  } finally {
    await c.end();
  }
}

interface StepRow {
  state: string;
  result: { facts?: Record<string, unknown>; journal?: { previous?: { readOnly: boolean }; fence?: { position: string } } };
}

/** The forward job's checklist row of a step, as the state file holds it. */
function stepRow(p: Pair, step: string): StepRow | null {
  const d = new Database(p.state, { readonly: true, fileMustExist: true });
  try {
    const r = d.prepare('SELECT s.state, s.result FROM cutover_steps s JOIN jobs j ON j.id = s.job_id WHERE j.name = ? AND s.step = ?').get(p.job, step) as { state: string; result: string } | undefined;
    return r ? { state: r.state, result: JSON.parse(r.result) as StepRow['result'] } : null;
  } finally {
    d.close();
  }
}

/** The live processes running `cutover run` of a job file (their command lines, from /proc). */
function runsOf(jobPath: string): number[] {
  const pids: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const argv = readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0');
      if (argv.includes('run') && argv.includes(jobPath)) pids.push(Number(e));
    } catch {
      /* gone */
    }
  }
  return pids;
}
