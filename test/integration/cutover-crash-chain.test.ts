// SIGKILL at every step boundary of `cutover switch` (with the way back) and of `cutover rollback`, on one
// switched setup (real MariaDB; the lane's source is the old server, a server of the test's own with its
// binlog set up as a source's is the new one). Each run is killed at a named point (CUTOVER_CRASH_AT); the
// next run resumes what the journal shows interrupted and is killed at the next point, so every boundary is
// crossed once by a crash and once by a rerun that completes the step. Every rerun first says which server
// takes writes, read live, and that is checked against what the crash left: never an unannounced state
// where both or neither take writes (the switch prints its summary once the resumed step is done, so its
// runs are checked at the end). The last run completes: switched (the reverse job streaming), then
// rolled back, the old server equal to the new one, writable, and the new one read-only.
// The switch points not crossed here (read-only:after, fence:after, stop:after, deferred:during) have a
// case each in cutover-switch.test.ts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { sourceUrl, type CliResult } from '../helpers/db.js';
import type { OwnMariadb } from '../helpers/own-mariadb.js';
import { TempDirs } from '../helpers/stream.js';
import { assertOldEqualsNew, assertRolledBack, cleanUpPair, jobRow, out, readOnly, rollbackCli, startNewServer, streamingPair, writeToNewServer, type Pair } from '../helpers/switched-pair.js';
import { runCli } from '../helpers/db.js';
import mysql from 'mysql2/promise';

/**
 * Switch points crossed here: every step's start (its journal written, before it acts), the read-only intent,
 * and each act of starting the reverse job. The report step has none in the CLI: `cutover switch` records it
 * as it writes the report file, in one act.
 */
const SWITCH_POINTS = ['lag:before', 'reverse-check:before', 'read-only:before', 'fence:before', 'verify:before', 'deferred:before', 'reverse:before', 'reverse:position', 'reverse:held', 'reverse:started'];

/** Rollback points, in order, with which server takes writes once the run is killed there. */
const ROLLBACK_POINTS: { at: string; writes: RegExp }[] = [
  { at: 'rollback:freeze:before', writes: /writes: The new server takes the writes; the reverse job keeps the old server in step/ },
  { at: 'rollback:read-only:before', writes: /writes: The new server takes the writes; the reverse job keeps the old server in step/ },
  { at: 'rollback:read-only:after', writes: /writes: Neither server takes the application’s writes: the new server is frozen/ },
  { at: 'rollback:fence:before', writes: /writes: Neither server takes/ },
  { at: 'rollback:fence:after', writes: /writes: Neither server takes/ },
  { at: 'rollback:stop:after', writes: /writes: Neither server takes/ },
  { at: 'rollback:verify:before', writes: /writes: Neither server takes/ },
  { at: 'rollback:triggers:before', writes: /writes: Neither server takes/ },
  { at: 'rollback:triggers:during', writes: /writes: Neither server takes/ },
  { at: 'rollback:writable:before', writes: /writes: Neither server takes/ },
  { at: 'rollback:writable:after', writes: /writes: The old server takes the writes; the new server is read-only \(the rollback’s last steps are not recorded yet/ },
  { at: 'rollback:report:before', writes: /writes: The old server takes the writes; the new server is read-only \(the rollback’s last steps are not recorded yet/ },
];

const firstWrites = (r: CliResult): string => r.stdout.split('\n').find((l) => l.startsWith('writes: ')) ?? '(no writes line)';

describe('cutover switch and cutover rollback: SIGKILL at each step boundary, then a rerun', () => {
  const dirs = new TempDirs('cutover-crash-chain-');
  let server: OwnMariadb;
  let p: Pair | null = null;

  before(async () => {
    server = await startNewServer();
  });

  after(async () => {
    await cleanUpPair(p, server.url);
    await server?.stop();
    dirs.removeAll();
  });

  it('the switch: killed at each step’s start, resumed by the next run, ends switched with the reverse job streaming', async () => {
    p = await streamingPair(dirs, server.url, 'cc');
    const sw = (env: Record<string, string> = {}): Promise<CliResult> => runCli(['switch', p!.jobPath, '--state', p!.state, '--yes', '--lag-threshold', '30'], env);
    let previous: string | null = null;
    for (const at of SWITCH_POINTS) {
      const r = await sw({ CUTOVER_CRASH_AT: at });
      assert.equal(r.signal, 'SIGKILL', `killed at ${at}\n${out(r)}`);
      // A run killed while it resumes the step before prints its summary of writes only once that step is done.
      if (previous) assert.match(r.stdout, /resuming “/, `the run after the crash at ${previous} resumes the interrupted step\n${out(r)}`);
      previous = at;
    }
    const r = await sw();
    assert.equal(r.code, 0, out(r));
    assert.match(r.stdout, /resuming “Reverse job started”/, out(r));
    const report = /report: (\S+\.md)/.exec(r.stdout)?.[1];
    assert.ok(report && existsSync(report), `the report file is written\n${out(r)}`);
    assert.match(r.stdout, /writes: The sink takes the writes/, out(r));
    assert.equal(jobRow(p.state, p.job)?.state, 'switched');
    await p.run?.done;
    assert.equal(await readOnly(sourceUrl()), true, 'the old server is read-only');
    await assertOldEqualsNew(p, 'after the switch');
  });

  it('the rollback: killed at each boundary, every rerun says which server takes writes, the last ends rolled back and exact', async () => {
    assert.ok(p, 'the switch ran');
    const pair = p;
    const { waitUntil } = await import('../helpers/stream-cli.js');
    await waitUntil('the reverse job streams', () => jobRow(pair.state, pair.reverse)?.phase === 'streaming', { ms: 120_000 });
    await writeToNewServer(pair);
    let previous: { at: string; writes: RegExp } | null = null;
    for (const point of ROLLBACK_POINTS) {
      const r = await rollbackCli(pair, { CUTOVER_CRASH_AT: point.at });
      assert.equal(r.signal, 'SIGKILL', `killed at ${point.at}\n${out(r)}`);
      if (previous) assert.match(firstWrites(r), previous.writes, `after the crash at ${previous.at}\n${out(r)}`);
      // While the new server is not frozen yet, the application goes on writing there: the rollback must carry it back.
      if (!(await readOnly(pair.newUrl))) await appInsert(pair, `after ${point.at}`);
      previous = point;
    }
    const r = await rollbackCli(pair);
    assert.equal(r.code, 0, out(r));
    assert.match(firstWrites(r), previous!.writes, out(r));
    assert.match(r.stdout, /Rolled back: the new server is frozen \(proven\)/, out(r));
    assert.match(r.stdout, /writes: The old server takes the writes; the new server is read-only: rolled back/, out(r));
    assert.equal(jobRow(pair.state, pair.reverse)?.state, 'switched');
    await assertOldEqualsNew(pair, 'after the rollback');
    await assertRolledBack(pair);
  });
});

/** One insert by the application's account on the new server (its trigger writes click_log there). */
async function appInsert(p: Pair, note: string): Promise<void> {
  const u = new URL(p.newUrl);
  const c = await mysql.createConnection({ host: u.hostname, port: Number(u.port), user: p.app, password: 'pw', database: p.db });
  try {
    await c.query('INSERT INTO notes VALUES (?, 1)', [note.slice(0, 40)]);
    await c.query('INSERT INTO orders (amount) VALUES (7.77)');
  } finally {
    await c.end();
  }
}
