// `cutover switch` headless, crash-safe (real MariaDB; the stream is a separate `cutover run` process). The
// switch without a way back (--no-reverse) is SIGKILLed after the stream stopped but before the step's record
// (CUTOVER_CRASH_AT); a rerun resumes at the journal's step and ends switched with the sink equal to the
// source, the trigger created once (every boundary of the switch with its way back has a test of its own in
// cutover-crash-points.test.ts). Then a switch under a writer that the freeze stops, and one under a writer whose
// account bypasses read_only: the freeze fails naming its session (exit 2), and after it is killed the rerun
// completes. One small database per case.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { exec, jobSpec, q, query, runCli, sinkUrl, sourceUrl, uniqueName, writeJob, type CliResult } from '../helpers/db.js';
import { assertSinkEqualsSource, dropStreamTest, peekJob, TempDirs } from '../helpers/stream.js';
import { OrderWriter } from '../helpers/order-writer.js';
import { killLive, startStreaming, waitUntil, type LiveCli } from '../helpers/stream-cli.js';

const dirs = new TempDirs('cutover-switch-');
const TABLES = ['orders', 'click_log', 'notes'];

interface Case {
  db: string;
  job: string;
  jobPath: string;
  state: string;
  run: LiveCli;
}

/** A small database with a trigger on a streamed table, its job streaming in a `cutover run` process. */
async function streamingCase(tag: string): Promise<Case> {
  const db = uniqueName(`sw_${tag}`);
  await exec(
    sourceUrl(),
    `CREATE DATABASE ${q(db)}; USE ${q(db)};
     CREATE TABLE orders (id INT AUTO_INCREMENT PRIMARY KEY, amount DECIMAL(10,2) NOT NULL);
     CREATE TABLE click_log (id INT AUTO_INCREMENT PRIMARY KEY, order_id INT NOT NULL);
     CREATE TABLE notes (body VARCHAR(40) NOT NULL);
     CREATE TRIGGER orders_ai AFTER INSERT ON orders FOR EACH ROW INSERT INTO click_log (order_id) VALUES (NEW.id);
     INSERT INTO orders (amount) VALUES (1.25), (2.50), (3.75); INSERT INTO notes VALUES ('keyless'), ('keyless');`,
  );
  const dir = dirs.make();
  const job = `${db}-job`;
  const jobPath = writeJob(dir, jobSpec(job, db, { snapshot: { chunkRows: 100, parallelism: 1 }, stream: { batch: { maxDelayMs: 100 } } }));
  const state = `${dir}/state.db`;
  const run = await startStreaming(jobPath, state);
  // Changes the stream carries (inserts, an update, a delete, a keyless row).
  await exec(sourceUrl(), `USE ${q(db)}; INSERT INTO orders (amount) VALUES (4.00), (5.00); UPDATE orders SET amount = 9.99 WHERE id = 1; DELETE FROM orders WHERE id = 2; INSERT INTO notes VALUES ('streamed');`);
  return { db, job, jobPath, state, run };
}

function switchCli(c: Case, env: Record<string, string> = {}): Promise<CliResult> {
  return runCli(['switch', c.jobPath, '--state', c.state, '--yes', '--lag-threshold', '30', '--no-reverse'], env);
}

const out = (r: CliResult): string => `exit ${r.code} ${r.signal ?? ''}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;

function stepRow(state: string, step: string): { state: string; result: { journal?: { previous?: { readOnly: boolean }; fence?: { position: string } } } } | null {
  const d = new Database(state, { readonly: true, fileMustExist: true });
  try {
    const r = d.prepare('SELECT s.state, s.result FROM cutover_steps s JOIN jobs j ON j.id = s.job_id WHERE s.step = ?').get(step) as { state: string; result: string } | undefined;
    return r ? { state: r.state, result: JSON.parse(r.result) } : null;
  } finally {
    d.close();
  }
}

async function readOnly(): Promise<boolean> {
  const [r] = await query<{ ro: number }>(sourceUrl(), 'SELECT @@GLOBAL.read_only AS ro');
  return Number(r!.ro) === 1;
}

/** Ended switched and exact: the job is switched, the stream's process gone, the sink equals the source, the trigger is on the sink. */
async function assertSwitched(c: Case, r: CliResult): Promise<void> {
  assert.equal(r.code, 0, out(r));
  assert.equal(peekJob(c.state)?.state, 'switched', out(r));
  assert.match(r.stdout, /writes: The sink takes the writes/, out(r));
  assert.equal(await readOnly(), true, 'the source stays read-only');
  await c.run.done;
  await assertSinkEqualsSource(c.db, c.db, TABLES);
  const [t] = await query<{ n: number }>(sinkUrl(), 'SELECT COUNT(*) AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? AND TRIGGER_NAME = ?', [c.db, 'orders_ai']);
  assert.equal(Number(t!.n), 1, 'the trigger is on the sink');
}

async function cleanUp(c: Case | null): Promise<void> {
  await exec(sourceUrl(), 'SET GLOBAL read_only = OFF').catch(() => undefined);
  if (!c) return;
  await killLive(c.run);
  await dropStreamTest(c.job, c.db, c.db, true);
}

describe('cutover switch --no-reverse: SIGKILL mid-step, then a rerun', () => {
  after(() => dirs.removeAll());

  const boundaries: { at: string; what: string; check(c: Case, crashed: CliResult): Promise<void> }[] = [
    {
      at: 'stop:after',
      what: 'after the stream stopped, before the step’s record',
      async check(c) {
        await c.run.done;
        assert.notEqual(peekJob(c.state)?.state, 'switched');
        assert.equal(stepRow(c.state, 'fence')?.state, 'running');
      },
    },
  ];

  for (const b of boundaries) {
    it(`${b.what} (${b.at}): the rerun resumes and ends switched and exact`, async () => {
      let c: Case | null = null;
      try {
        c = await streamingCase(b.at.replace(/\W/g, ''));
        const crashed = await switchCli(c, { CUTOVER_CRASH_AT: b.at });
        assert.equal(crashed.signal, 'SIGKILL', out(crashed));
        await b.check(c, crashed);
        const rerun = await switchCli(c);
        assert.match(rerun.stdout, /resuming “/, out(rerun));
        await assertSwitched(c, rerun);
      } finally {
        await cleanUp(c);
      }
    });
  }
});

describe('cutover switch under writers', () => {
  it('a writer the freeze stops: switched, the sink equal to the source', async () => {
    let c: Case | null = null;
    const user = `swa_${process.pid}`.slice(0, 32);
    let w: OrderWriter | null = null;
    try {
      c = await streamingCase('writer');
      await exec(sourceUrl(), `CREATE USER '${user}'@'%' IDENTIFIED BY 'pw'; GRANT SELECT, INSERT ON ${q(c.db)}.* TO '${user}'@'%'`);
      w = new OrderWriter(user, c.db);
      await w.start();
      await waitUntil('the writer commits', () => w!.committed > 5);
      const r = await switchCli(c);
      assert.equal(w.error?.errno, 1290, `the writer is stopped by read_only: ${w.error?.message}`);
      assert.ok(w.committed > 5);
      await assertSwitched(c, r);
    } finally {
      await w?.stop();
      await exec(sourceUrl(), `DROP USER IF EXISTS '${user}'@'%'`).catch(() => undefined);
      await cleanUp(c);
    }
  });

  it('a writer with READ_ONLY ADMIN: the freeze fails naming its session (exit 2); after it is killed the rerun completes', async () => {
    let c: Case | null = null;
    const user = `sws_${process.pid}`.slice(0, 32);
    let w: OrderWriter | null = null;
    try {
      c = await streamingCase('super');
      await exec(sourceUrl(), `CREATE USER '${user}'@'%' IDENTIFIED BY 'pw'; GRANT SELECT, INSERT ON ${q(c.db)}.* TO '${user}'@'%'; GRANT SUPER, READ_ONLY ADMIN ON *.* TO '${user}'@'%'`);
      w = new OrderWriter(user, c.db);
      await w.start();
      await waitUntil('the writer commits', () => w!.committed > 5);
      const refused = await switchCli(c);
      assert.equal(refused.code, 2, out(refused));
      assert.match(refused.stdout, new RegExp(`#${w.id} ${user}@`), out(refused));
      assert.match(refused.stdout, /--yes never kills sessions/);
      assert.equal(w.error, null, 'the session was not killed without a confirmation');
      assert.match(refused.stdout, /writes: Neither server takes the application’s writes/, out(refused));
      await exec(sourceUrl(), `KILL ${w.id}`);
      await waitUntil('the killed writer notices', () => w!.error !== null);
      const r = await switchCli(c);
      await assertSwitched(c, r);
    } finally {
      await w?.stop();
      await exec(sourceUrl(), `DROP USER IF EXISTS '${user}'@'%'`).catch(() => undefined);
      await cleanUp(c);
    }
  });
});
