// The way back (real MariaDB, web mode's API): a job renaming its database is switched under a writer
// that read_only stops; the switch checks the way back, records the new server's position and starts
// `<job>-reverse` from there, holding the old server's trigger. The application then writes to the new
// server — inserts (whose trigger there writes click_log), updates, deletes, a primary-key change, a
// keyless table — and the rollback freezes the new server (proven), drains and stops the reverse job,
// verifies, recreates the old server's trigger and lifts its read-only: the old server equals the new one
// (so the trigger fired once per order), and the old server's trigger fires again on its own writes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import type { CutoverState, RollbackState } from '../../shared/api.js';
import { exec, jobSpec, q, query, runCli, sinkUrl, sourceUrl, tempDir, uniqueName, writeJob } from '../helpers/db.js';
import { assertSinkEqualsSource, dropStreamTest, sleep } from '../helpers/stream.js';
import { waitUntil } from '../helpers/stream-cli.js';
import { startUi, type RunningUi } from '../helpers/ui.js';

const DB = uniqueName('back');
const NEW_DB = `${DB}_new`;
const JOB = `${DB}-job`;
const REVERSE = `${JOB}-reverse`;
const APP = `app_${DB}`.slice(0, 32);
const TABLES = ['orders', 'click_log', 'notes'];

describe('a switch with a way back, then a rollback', () => {
  let ui: RunningUi;
  const dir = tempDir('cutover-reverse-');
  let writer: mysql.Connection;
  let writes = 0;
  let writerError: { errno?: number } | null = null;
  let writing: Promise<void> | null = null;
  let jobPath = '';
  let metadata = 'NO_LOG';

  before(async () => {
    await exec(
      sourceUrl(),
      `CREATE DATABASE ${q(DB)}; USE ${q(DB)};
       CREATE TABLE orders (id INT AUTO_INCREMENT PRIMARY KEY, amount DECIMAL(10,2) NOT NULL, state VARCHAR(10) NOT NULL DEFAULT 'new');
       CREATE TABLE click_log (id INT AUTO_INCREMENT PRIMARY KEY, order_id INT NOT NULL);
       CREATE TABLE notes (body VARCHAR(40) NOT NULL, n INT NOT NULL);
       CREATE TRIGGER orders_ai AFTER INSERT ON orders FOR EACH ROW INSERT INTO click_log (order_id) VALUES (NEW.id);
       INSERT INTO orders (amount) VALUES (1.25), (2.50), (3.75);
       INSERT INTO notes VALUES ('a', 1), ('a', 1), ('b', 2);
       CREATE USER '${APP}'@'%' IDENTIFIED BY 'pw'; GRANT SELECT, INSERT, UPDATE, DELETE ON ${q(DB)}.* TO '${APP}'@'%';`,
    );
    // The reverse job reads the new server's binlog: MariaDB logs no row metadata by default (the reverse check names it).
    metadata = String((await query<{ v: string }>(sinkUrl(), 'SELECT @@GLOBAL.binlog_row_metadata AS v'))[0]!.v);
    await exec(sinkUrl(), 'SET GLOBAL binlog_row_metadata = FULL');
    const path = (jobPath = writeJob(dir, jobSpec(JOB, DB, { rename: { [DB]: NEW_DB }, snapshot: { chunkRows: 100, parallelism: 1 }, stream: { batch: { maxDelayMs: 100 } } })));
    ui = await startUi(join(dir, 'state.db'));
    await ui.call('openJob', { text: readFileSync(path, 'utf8'), fileName: 'job.json' });
  });

  after(async () => {
    await writer?.end().catch(() => undefined);
    await exec(sourceUrl(), 'SET GLOBAL read_only = OFF').catch(() => undefined);
    await exec(sinkUrl(), 'SET GLOBAL read_only = OFF').catch(() => undefined);
    await exec(sinkUrl(), `SET GLOBAL binlog_row_metadata = ${metadata}`).catch(() => undefined);
    await ui?.stop();
    await exec(sourceUrl(), `DROP USER IF EXISTS '${APP}'@'%'`).catch(() => undefined);
    await query(sourceUrl(), 'DELETE FROM _cutover.cutover_checkpoint WHERE job = ?', [REVERSE]).catch(() => undefined);
    await dropStreamTest(JOB, DB, NEW_DB, true);
  });

  it('switches under a writer that read_only stops, and starts the reverse job from the new server’s position', async () => {
    await ui.call('start', JOB);
    await waitUntil('the job streams', async () => (await ui.call('jobStatus', JOB)).stream?.lagSeconds != null, { ms: 120_000 });
    const u = new URL(sourceUrl());
    writer = await mysql.createConnection({ host: u.hostname, port: Number(u.port), user: APP, password: 'pw', database: DB });
    writing = (async () => {
      for (;;) {
        try {
          await writer.query('INSERT INTO orders (amount) VALUES (?)', [(writes % 50) + 0.5]);
          await writer.query("UPDATE orders SET state = 'paid' WHERE id = ?", [writes + 1]);
          writes++;
        } catch (e) {
          writerError = e as { errno?: number };
          return;
        }
        await sleep(20);
      }
    })();
    await waitUntil('the writer writes', () => writes > 5);

    await run('lag', { lagThresholdSeconds: 30 });
    const check = await run('reverse-check');
    assert.equal(step(check, 'reverse-check').facts.failed, 0);
    await run('read-only', { confirm: true });
    await writing;
    assert.equal(writerError?.errno, 1290, 'the writer stopped at read_only');
    await run('fence');
    await run('verify');
    await run('deferred');
    const s = await run('reverse');
    const rev = step(s, 'reverse');
    assert.equal(rev.facts.reverseJob, REVERSE);
    assert.equal(rev.facts.triggersHeld, 1);
    assert.match(String(rev.facts.startPosition), /\.\d{6}:\d+$/);
    const [held] = await query(sourceUrl(), 'SELECT 1 FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?', [DB]);
    assert.equal(held, undefined, 'the old server’s trigger is held while the reverse job runs');
    await waitUntil('the reverse job streams', async () => (await ui.call('jobStatus', REVERSE)).phase === 'streaming', {
      ms: 120_000,
      detail: async () => `${JSON.stringify(await ui.call('jobStatus', REVERSE))}\n${(await ui.call('logs', { job: REVERSE })).map((l) => l.message).join('\n')}`,
    });
    await assertSinkEqualsSource(DB, NEW_DB, TABLES, 'after the switch');
  });

  it('streams the new server’s writes back, and the rollback leaves the old server equal to the new', async () => {
    await exec(
      sinkUrl(),
      `USE ${q(NEW_DB)};
       INSERT INTO orders (amount) VALUES (10.00), (11.00), (12.00);
       UPDATE orders SET amount = amount + 1 WHERE id <= 3;
       DELETE FROM orders WHERE id = 2;
       UPDATE orders SET id = id + 100000 WHERE id = 1;
       INSERT INTO notes VALUES ('c', 3);
       UPDATE notes SET n = 7 WHERE body = 'b';
       DELETE FROM notes WHERE body = 'a' LIMIT 1;
       BEGIN; DELETE FROM orders WHERE id = 3; INSERT INTO orders (id, amount) VALUES (3, 99.99); COMMIT;`,
    );
    let s = await rollback('freeze', { confirm: true });
    assert.match(step(s, 'freeze').detail ?? '', /Frozen at/);
    s = await rollback('fence');
    assert.equal((await ui.call('listJobs')).find((j) => j.name === REVERSE)?.state, 'switched');
    s = await rollback('verify');
    s = await rollback('triggers');
    assert.equal(step(s, 'triggers').facts.triggers, 1);
    s = await rollback('writable', { confirm: true });
    s = await rollback('report');
    assert.equal(s.rolledBack, true);
    assert.match(s.report ?? '', /Rolled back/);
    await assertSinkEqualsSource(DB, NEW_DB, TABLES, 'after the rollback');

    // The old server takes writes again, and its trigger is back: once per order.
    const before = await query<{ n: number }>(sourceUrl(), `SELECT COUNT(*) AS n FROM ${q(DB)}.click_log`);
    await exec(sourceUrl(), `INSERT INTO ${q(DB)}.orders (amount) VALUES (5.00)`);
    const afterRows = await query<{ n: number }>(sourceUrl(), `SELECT COUNT(*) AS n FROM ${q(DB)}.click_log`);
    assert.equal(Number(afterRows[0]!.n), Number(before[0]!.n) + 1);
    const [ro] = await query<{ v: number }>(sinkUrl(), 'SELECT @@GLOBAL.read_only AS v');
    assert.equal(Number(ro!.v), 1, 'the new server stays read-only');

    // The same checklist headless: every step recorded as done, nothing run again.
    const cli = await runCli(['rollback', jobPath, '--state', join(dir, 'state.db')]);
    assert.equal(cli.code, 0, cli.stderr + cli.stdout);
    assert.match(cli.stdout, /✓ Old server writable \(done earlier\)/);
  });

  async function run(id: string, options: Record<string, unknown> = {}): Promise<CutoverState> {
    await ui.call('cutoverRun', JOB, id as never, options);
    const s = await waitUntil(`cutover step ${id} ends`, async () => {
      const st = await ui.call('cutoverState', JOB);
      return step(st, id).state === 'running' ? null : st;
    }, { ms: 180_000 });
    assert.equal(step(s, id).state, 'done', `${id}: ${step(s, id).detail} ${step(s, id).fix ?? ''}`);
    return s;
  }

  async function rollback(id: string, options: Record<string, unknown> = {}): Promise<RollbackState> {
    // rollbackRun answers once the step is running; the step goes on in the background.
    await ui.call('rollbackRun', JOB, id as never, options);
    const s = await waitUntil(`rollback step ${id} ends`, async () => {
      const st = await ui.call('rollbackState', JOB);
      return step(st, id).state === 'running' ? null : st;
    }, { ms: 180_000 });
    assert.equal(step(s, id).state, 'done', `rollback ${id}: ${step(s, id).detail} ${step(s, id).fix ?? ''}`);
    return s;
  }
});

function step<S extends { steps: { id: string }[] }>(s: S, id: string): S['steps'][number] & { state: string; detail: string | null; fix: string | null; facts: Record<string, unknown> } {
  const found = s.steps.find((x) => x.id === id);
  assert.ok(found, `no step ${id}`);
  return found as never;
}
