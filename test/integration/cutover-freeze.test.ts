// The switch cannot lie (real MariaDB, web mode's API): a writer whose account bypasses read_only keeps
// writing during the freeze, so the freeze step fails and names its session; after the operator kills it
// (the confirmation names it), the freeze is proven, the fence is applied, the stream drains and stops for
// good (the job is `switched`: Start and `cutover run` refuse it without --force), and only then is the
// trigger of a streamed table created on the sink: the sink's rows equal the source's, the trigger's
// table included.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import type { CutoverState } from '../../shared/api.js';
import { exec, jobSpec, q, query, runCli, sinkUrl, sourceUrl, tempDir, uniqueName, writeJob } from '../helpers/db.js';
import { assertSinkEqualsSource, dropStreamTest } from '../helpers/stream.js';
import { OrderWriter } from '../helpers/order-writer.js';
import { waitUntil } from '../helpers/stream-cli.js';
import { startUi, type RunningUi } from '../helpers/ui.js';

const DB = uniqueName('freeze');
const JOB = `${DB}-job`;
const APP = `app_${DB}`.slice(0, 32);
const SUPER = `su_${DB}`.slice(0, 32);

describe('a switch with a writer that bypasses read_only', () => {
  let ui: RunningUi;
  const dir = tempDir('cutover-freeze-');
  const statePath = join(dir, 'state.db');
  let jobPath: string;
  const app = new OrderWriter(APP, DB);
  const su = new OrderWriter(SUPER, DB);

  before(async () => {
    await exec(
      sourceUrl(),
      `CREATE DATABASE ${q(DB)}; USE ${q(DB)};
       CREATE TABLE orders (id INT AUTO_INCREMENT PRIMARY KEY, amount DECIMAL(10,2) NOT NULL);
       CREATE TABLE click_log (id INT AUTO_INCREMENT PRIMARY KEY, order_id INT NOT NULL, note VARCHAR(20) NOT NULL DEFAULT 'order');
       CREATE TRIGGER orders_ai AFTER INSERT ON orders FOR EACH ROW INSERT INTO click_log (order_id) VALUES (NEW.id);
       INSERT INTO orders (amount) VALUES (1.25), (2.50), (3.75);
       CREATE USER '${APP}'@'%' IDENTIFIED BY 'pw'; GRANT SELECT, INSERT ON ${q(DB)}.* TO '${APP}'@'%';
       CREATE USER '${SUPER}'@'%' IDENTIFIED BY 'pw'; GRANT SELECT, INSERT ON ${q(DB)}.* TO '${SUPER}'@'%'; GRANT SUPER, READ_ONLY ADMIN ON *.* TO '${SUPER}'@'%';`,
    );
    jobPath = writeJob(dir, jobSpec(JOB, DB, { snapshot: { chunkRows: 100, parallelism: 1 }, stream: { batch: { maxDelayMs: 100 } } }));
    ui = await startUi(statePath);
  });

  after(async () => {
    await app.stop();
    await su.stop();
    await exec(sourceUrl(), 'SET GLOBAL read_only = OFF').catch(() => undefined);
    await ui?.stop();
    await exec(sourceUrl(), `DROP USER IF EXISTS '${APP}'@'%'; DROP USER IF EXISTS '${SUPER}'@'%'`).catch(() => undefined);
    await dropStreamTest(JOB, DB, DB, true);
  });

  it('shows the preflight’s deferred trigger when the page opens, and lists open transactions before the freeze', async () => {
    const { readFileSync } = await import('node:fs');
    await ui.call('openJob', { text: readFileSync(jobPath, 'utf8'), fileName: 'job.json' });
    await ui.call('start', JOB);
    await waitUntil('the job streams and knows its lag', async () => {
      const st = await ui.call('jobStatus', JOB);
      return st.phase === 'streaming' && st.stream?.lagSeconds != null;
    }, { ms: 120_000 });
    const s = await ui.call('cutoverState', JOB);
    assert.deepEqual(s.deferred.map((o) => `${o.kind} ${o.name} ${o.state}`), [`trigger ${DB}.orders_ai pending`], 'known before step 5 ran');
    assert.equal(s.deferredSource, 'source');

    await app.start();
    await su.start();
    await waitUntil('both writers commit', () => app.committed > 5 && su.committed > 5);
    // A transaction left open on the source is listed by the lag step, before the freeze.
    const open = await mysql.createConnection({ ...conn(SUPER), database: DB });
    try {
      await open.query('BEGIN');
      await open.query('INSERT INTO orders (amount) VALUES (9.99)');
      const [[me]] = (await open.query('SELECT CONNECTION_ID() AS id')) as unknown as [{ id: number }[]];
      const lag = await ui.call('cutoverRun', JOB, 'lag', { lagThresholdSeconds: 30 });
      assert.equal(step(lag, 'lag').state, 'done', step(lag, 'lag').detail ?? '');
      assert.ok(lag.openTransactions.some((t) => t.id === me!.id && t.user === SUPER), JSON.stringify(lag.openTransactions));
      await open.query('ROLLBACK');
    } finally {
      await open.end();
    }
  });

  it('fails the freeze and names the session of the account that bypasses read_only', async () => {
    // The way back is cutover-reverse.test.ts's subject: switched here without one (--no-reverse).
    await ui.call('cutoverRun', JOB, 'reverse-check', { skip: true });
    await ui.call('cutoverRun', JOB, 'read-only', { confirm: true });
    const s = await settled('read-only');
    const ro = step(s, 'read-only');
    assert.equal(ro.state, 'failed', ro.detail ?? '');
    assert.match(ro.detail ?? '', new RegExp(`#${su.id} ${SUPER}@`));
    assert.match(ro.detail ?? '', /READ_ONLY ADMIN/);
    assert.match(ro.fix ?? '', new RegExp(`REVOKE READ_ONLY ADMIN ON \\*\\.\\* FROM '${SUPER}'@'%'`));
    assert.ok(Number(ro.facts.writesAfterFreeze) > 0);
    assert.deepEqual(s.bypass?.sessions.map((x) => x.id), [su.id], 'only the bypassing writer is named (not the blocked one, not Cutover’s own sessions)');
    assert.equal(app.error?.errno, 1290, `the ordinary account is stopped by read_only: ${app.error?.message}`);
    assert.equal(su.error, null, 'the SUPER writer still writes');
    await assert.rejects(ui.call('cutoverRun', JOB, 'fence'), /freeze is not proven/);
    await assert.rejects(ui.call('cutoverKill', JOB, [su.id + 100_000]), /not among those the freeze step named/);
  });

  it('after the session is killed: freeze proven, fence, drain, stop, then the trigger; source equals sink', async () => {
    let s = await ui.call('cutoverKill', JOB, [su.id]);
    await waitUntil('the killed writer notices', () => su.error !== null);
    const before = su.committed;
    await ui.call('cutoverRun', JOB, 'read-only', { confirm: true });
    s = await settled('read-only');
    assert.equal(step(s, 'read-only').state, 'done', `${step(s, 'read-only').detail} ${step(s, 'read-only').fix}`);
    assert.equal(step(s, 'read-only').facts.writesAfterFreeze, 0);
    assert.match(String(step(s, 'read-only').facts.lastWriteBefore), /\.\d{6}:\d+$/, 'the last write before the freeze is named');
    assert.equal(su.committed, before);

    await ui.call('cutoverRun', JOB, 'fence');
    s = await settled('fence');
    const fence = step(s, 'fence');
    assert.equal(fence.state, 'done', `${fence.detail} ${fence.fix}`);
    assert.match(String(fence.facts.drainPosition), /\.\d{6}:\d+$/);
    assert.equal(s.switched, true);
    const row = (await ui.call('listJobs')).find((j) => j.name === JOB)!;
    assert.equal(row.state, 'switched');
    await assert.rejects(ui.call('start', JOB), /switched over/);
    const refused = await runCli(['run', jobPath, '--state', statePath]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /switched over[\s\S]*--force/);

    await ui.call('cutoverRun', JOB, 'verify');
    s = await settled('verify');
    assert.equal(step(s, 'verify').state, 'done', step(s, 'verify').detail ?? '');
    assert.equal((await ui.call('listJobs')).find((j) => j.name === JOB)!.state, 'switched', 'the stream is stopped before the trigger is created');
    s = await ui.call('cutoverRun', JOB, 'deferred');
    const [created] = await query<{ t: string }>(sinkUrl(), 'SELECT UNIX_TIMESTAMP(CREATED) AS t FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? AND TRIGGER_NAME = ?', [DB, 'orders_ai']);
    assert.ok(created, 'the trigger is on the sink');
    assert.ok(Number(created.t) * 1000 >= Date.parse(String(fence.facts.stoppedAt)) - 1000, `created at ${created.t}, after the stream stopped at ${String(fence.facts.stoppedAt)}`);
    assert.equal(step(s, 'deferred').state, 'done', `${step(s, 'deferred').detail} ${JSON.stringify(s.deferred)}`);
    assert.deepEqual(s.deferred.map((o) => `${o.sinkName} ${o.state}`), [`${DB}.orders_ai created`]);
    await assertSinkEqualsSource(DB, DB, ['orders', 'click_log']);
    const [src] = await query<{ n: number }>(sourceUrl(), `SELECT COUNT(*) AS n FROM ${q(DB)}.click_log`);
    assert.ok(Number(src!.n) > 10, 'the trigger wrote on the source while the writers ran');

    const md = (await ui.call('cutoverReport', JOB, 'markdown')).text;
    assert.match(md, /Write freeze: \*\*proven\*\*/);
    assert.match(md, /Final verification: \*\*pass\*\*/);
    assert.match(md, /Checklist: every step done\./);
    assert.match(md, /\| Drained to \(stream stopped\) \| [^|]+\.\d{6}:\d+ \|/);
  });

  async function settled(id: string): Promise<CutoverState> {
    return waitUntil(`cutover step ${id} ends`, async () => {
      const s = await ui.call('cutoverState', JOB);
      return step(s, id).state === 'running' ? null : s;
    }, { ms: 120_000 });
  }
});

function conn(user: string): mysql.ConnectionOptions {
  const u = new URL(sourceUrl());
  return { host: u.hostname, port: Number(u.port), user, password: 'pw' };
}

function step(s: CutoverState, id: string) {
  const found = s.steps.find((x) => x.id === id);
  assert.ok(found, `no step ${id}`);
  return found;
}
