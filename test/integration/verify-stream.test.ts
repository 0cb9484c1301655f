// `cutover verify` while a snapshot+stream job streams under the concurrent writer (test/helpers/source-writer.ts):
//   - no false mismatch: chunks the stream is still applying are compared again, rows it keeps changing
//     are not reported;
//   - a row changed on the sink (in the append-only t_log, which the writer never updates, so the stream
//     cannot heal it) is found and named; --repair-from rewrites it while the stream keeps running (the
//     job stays running and goes on applying the writer's changes, in reconcile mode up to the repair's
//     position);
//   - an extra row in the keyless t_nokey: found; its repair is refused while the job runs, and done once
//     the job is stopped (the table is copied again; the resumed stream skips its changes up to then);
//   - after the writer stops and the stream catches up, verify passes and source and sink are equal.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describeRun, exec, q, query, sinkUrl, tempDir, writeJob, type CliResult } from '../helpers/db.js';
import { createSourceSchema, tablesOf, type SchemaSizes } from '../helpers/source-schema.js';
import { SourceWriter, testSeed } from '../helpers/source-writer.js';
import { assertSinkEqualsSource, dropStreamTest, peekJob, sleep, writerTestJob, writerTestNames } from '../helpers/stream.js';
import { assertStillRunning, killLive, startStreaming, stopWithSigterm, waitCaughtUp, type LiveCli } from '../helpers/stream-cli.js';
import { runVerify, verifyReport } from '../helpers/verify.js';

const SIZES: SchemaSizes = { uk: 3000, comp: 3000, nokey: 1500, types: 1500, log: 1000 };
const TABLES = tablesOf(SIZES);


describe('cutover verify while the job streams', { timeout: 300_000 }, () => {
  const names = writerTestNames('vs');
  const { srcDb, sinkDb, jobName } = names;
  const dir = tempDir('cutover-verify-stream-');
  const state = join(dir, 'state.db');
  const jobPath = join(dir, 'job.json');
  const verify = (...args: string[]): Promise<CliResult> => runVerify(jobPath, state, ['--chunk-rows', '500', ...args]);

  before(() => createSourceSchema(srcDb, SIZES));

  after(async () => {
    await dropStreamTest(jobName, srcDb, sinkDb, true);
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds no false mismatch, names a changed row, repairs it while the stream runs; keyless repair once stopped', async (t) => {
    writeJob(dir, { ...writerTestJob(names, { chunkRows: 500, parallelism: 2 }), stream: { batch: { maxDelayMs: 100 } } }, 'job.json');
    const seed = testSeed();
    t.diagnostic(`seed ${seed} (CUTOVER_TEST_SEED=${seed} repeats the writer's choices)`);
    const writer = new SourceWriter(srcDb, SIZES, seed, 2);
    await writer.start();
    let live: LiveCli | null = null;
    try {
      live = await startStreaming(jobPath, state);
      await sleep(1000);

      // 1. No false mismatch while the writer keeps changing every table.
      const clean = await verify('--json');
      assert.equal(clean.code, 0, describeRun(clean));
      const c = verifyReport(clean);
      assert.equal(c.whileStreaming, true);
      assert.deepEqual(c.tables.filter((x) => x.state !== 'match').map((x) => `${x.table}: ${JSON.stringify(x.mismatches)}`), []);
      t.diagnostic(`while streaming: ${c.tables.map((x) => `${x.table.split('.')[1]} ${x.chunks} chunks, ${x.rechecked} rechecked`).join('; ')}`);
      writer.assertNotFailed();

      // 2. A row changed on the sink, and an extra row in the keyless table.
      await exec(sinkUrl(), `UPDATE ${q(sinkDb)}.t_log SET payload = 'tampered' WHERE id = 5; INSERT INTO ${q(sinkDb)}.t_nokey VALUES (-999, 'extra', NULL);`);
      const logCheck = await verify('--table', `${srcDb}.t_log`, '--json');
      assert.equal(logCheck.code, 1, describeRun(logCheck));
      const l = verifyReport(logCheck);
      assert.deepEqual(l.tables[0]!.mismatches.map((m) => [m.kind, m.key]), [['different', { id: '5' }]]);
      const nokeyCheck = await verify('--table', `${srcDb}.t_nokey`, '--json');
      assert.equal(nokeyCheck.code, 1, describeRun(nokeyCheck));
      const k = verifyReport(nokeyCheck);
      assert.deepEqual(k.tables[0]!.mismatches.map((m) => [m.kind, m.count]), [['extra', 1]]);

      // 3. The keyless table cannot be repaired while the stream runs.
      const refused = await verify('--repair-from', String(k.id));
      assert.equal(refused.code, 2, describeRun(refused));
      assert.match(refused.stderr, /no primary or unique key.*\n.*Pause the job, then repair/);

      // 4. The changed row is repaired while the stream keeps running.
      const fixed = await verify('--repair-from', String(l.id), '--json');
      assert.equal(fixed.code, 0, describeRun(fixed));
      assert.deepEqual(verifyReport(fixed).tables.map((x) => [x.table, x.state, x.repaired?.rows]), [[`${srcDb}.t_log`, 'match', 1]]);
      const [cp] = await query<{ f: string | null }>(sinkUrl(), 'SELECT reconcile_file AS f FROM _cutover.cutover_checkpoint WHERE job = ?', [jobName]);
      assert.ok(cp?.f, 'the repair stores its source position as reconcile_until');
      await assertStillRunning(live, 'after the repair');
      assert.equal(peekJob(state)?.state, 'running');
      await waitCaughtUp(jobName, { live, guard: () => writer.assertNotFailed(), ms: 60_000 });
      await assertStillRunning(live, 'after catching up past the repair');

      // 5. The job stopped while the writer goes on (a backlog for the stream, t_nokey changes in it), then
      //    the writer stops: the keyless table is copied again, and the resumed stream must skip its
      //    changes up to the repair's snapshot (they are in the new copy) and apply everything else.
      await stopWithSigterm(live);
      live = null;
      await sleep(1500);
      await writer.stop();
      const keyless = await verify('--repair-from', String(k.id), '--json');
      assert.equal(keyless.code, 0, describeRun(keyless));
      assert.deepEqual(verifyReport(keyless).tables.map((x) => [x.table, x.state]), [[`${srcDb}.t_nokey`, 'match']]);
      const db = new Database(state, { readonly: true });
      try {
        const row = db.prepare('SELECT snapshot_position AS p FROM job_tables WHERE src_db = ? AND src_table = ?').get(srcDb, 't_nokey') as { p: string | null };
        assert.ok(row.p, 'the copy position of the repaired keyless table is recorded');
      } finally {
        db.close();
      }

      // 6. Resumed, caught up: verify passes, source and sink are equal.
      live = await startStreaming(jobPath, state);
      await waitCaughtUp(jobName, { live, ms: 60_000 });
      const final = await verify('--json');
      assert.equal(final.code, 0, describeRun(final));
      await assertSinkEqualsSource(srcDb, sinkDb, TABLES);
      await stopWithSigterm(live);
      live = null;
    } finally {
      await killLive(live);
      await writer.stop().catch(() => undefined);
    }
  });
});
