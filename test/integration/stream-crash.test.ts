// snapshot+stream under a continuous write load, killed with SIGKILL at random moments (first during the
// copy, then while streaming) and restarted each time: no change may be lost and none applied twice. A
// table without a key (a double apply duplicates rows) and an append-only AUTO_INCREMENT table (a double
// apply in strict mode stops the job with a duplicate-key error) make both visible.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { compareFilePositions } from '../../shared/positions.js';
import { describeRun, exec, q, runCliWithTimeout, sinkUrl, sourceUrl, startCli, tempDir, uniqueName, writeJob, type CliResult } from '../helpers/db.js';
import {
  SourceWriter,
  assertSinkEqualsSource,
  fmt,
  peekJob,
  prng,
  schemaSql,
  sinkCheckpoint,
  sleep,
  sourcePosition,
  statusJson,
  tablesOf,
  waitFor,
  type JobPeek,
  type SchemaSizes,
} from '../helpers/stream.js';

const SIZES: SchemaSizes = { uk: 12_000, comp: 12_000, nokey: 3_000, types: 5_000, log: 5_000 };
const TABLES = tablesOf(SIZES);
/** Iterations aimed at the copy, then at the stream. */
const COPY_KILLS = 5;
const STREAM_KILLS = 7;

describe('snapshot+stream killed at random moments under writes', { timeout: 300_000 }, () => {
  const base = uniqueName('hc');
  const srcDb = `${base}_src`;
  const sinkDb = `${base}_sink`;
  const jobName = base;
  const dir = tempDir('cutover-crash-');

  before(async () => {
    await exec(sourceUrl(), schemaSql(srcDb, SIZES));
    await exec(sourceUrl(), `ANALYZE TABLE ${TABLES.map((t) => `${q(srcDb)}.${q(t)}`).join(', ')}`);
  });

  after(async () => {
    await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(srcDb)}`);
    await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${q(sinkDb)}`);
    await exec(sinkUrl(), `DELETE FROM _cutover.cutover_checkpoint WHERE job = '${jobName}'`).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('SIGKILL at random points (during the copy and while streaming), at least 10 times: no loss, no double apply', async (t) => {
    const seed = Number(process.env.CUTOVER_TEST_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const rnd = prng(seed ^ 0x5eed);
    const stateFile = join(dir, 'state.db');
    const job = writeJob(dir, {
      name: jobName,
      source: { url: sourceUrl() },
      sink: { type: 'mysql', url: sinkUrl() },
      tables: { include: [`${srcDb}.*`] },
      rename: { [srcDb]: sinkDb },
      mode: 'snapshot+stream',
      // Many small chunks and a rate cap: an uninterrupted copy takes about 15 s, so the first kills land in it.
      snapshot: { parallelism: 2, chunkRows: 300, throttle: { maxRowsPerSecond: 2_500 } },
    });
    const args = ['run', job, '--state', stateFile];

    t.diagnostic(`seed ${seed} (CUTOVER_TEST_SEED=${seed} repeats the writer's choices and the kill delays)`);
    const writer = new SourceWriter(srcDb, SIZES, seed, 3);
    await writer.start();
    const kills: { aim: string; phase: string; mode: string; delay: number; checkpoint: string }[] = [];
    try {
      for (let i = 0; i < COPY_KILLS + STREAM_KILLS; i++) {
        const aim = i < COPY_KILLS ? 'copy' : 'stream';
        // The first kill aimed at the stream comes early, to land in the reconcile replay (S..H).
        const delay = Math.round(i === COPY_KILLS ? 100 + rnd() * 400 : 500 + rnd() * 2_500);
        const { child, done } = startCli(args);
        let exited = false;
        void done.then(() => (exited = true));
        const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
        try {
          const alive = async (): Promise<void> => {
            if (writer.failed) assert.fail(`the writer failed: ${writer.failed.message}`);
            if (exited) assert.fail(`iteration ${i + 1}: the job exited on its own:\n${describeRun(await done)}`);
          };
          // Wait until this process is copying (or, aimed at the stream, streaming); a copy already finished counts as streaming.
          const ready = (p: JobPeek): boolean =>
            aim === 'copy' ? p.phase === 'copying' || p.copyEnd !== null : p.phase === 'catching-up' || p.phase === 'streaming';
          await waitFor(
            `iteration ${i + 1}: phase ${aim === 'copy' ? 'copying' : 'catching-up/streaming'}`,
            90_000,
            async () => {
              await alive();
              const p = peekJob(stateFile);
              return p !== null && p.pid === child.pid && ready(p);
            },
            async () => `state ${JSON.stringify(peekJob(stateFile))}`,
            20,
          );
          await sleep(delay);
          await alive();
          child.kill('SIGKILL');
          const r: CliResult = await done;
          assert.equal(r.signal, 'SIGKILL', describeRun(r));
        } finally {
          clearTimeout(guard);
          if (!exited) child.kill('SIGKILL');
        }
        // The phase the killed process had recorded, and whether its stream was still before the copy's end H.
        const p = peekJob(stateFile)!;
        assert.equal(p.state, 'running', `a killed run leaves the job marked running (status: interrupted): ${JSON.stringify(p)}`);
        assert.equal(p.error, null, `iteration ${i + 1}: ${p.error}`);
        const cp = await sinkCheckpoint(jobName);
        const mode =
          p.phase === 'copying' || !p.copyEnd ? '-' : cp && compareFilePositions(cp, p.copyEnd) >= 0 ? 'strict (past H)' : 'reconcile (before H)';
        kills.push({ aim, phase: p.phase, mode, delay, checkpoint: fmt(cp) });
      }

      // Stop the writes, then catch up once more; every table must be exactly the source's.
      const stats = await writer.stop();
      const final = await sourcePosition();
      const finalRuns: CliResult[] = [];
      for (let n = 0; n < 2; n++) {
        const r = await runCliWithTimeout([...args, '--exit-when-caught-up'], 120_000);
        finalRuns.push(r);
        assert.equal(r.code, 0, describeRun(r));
        // A job that had not yet caught up with the copy's end H targets H; once it has, the source's
        // position at the run's start. Run a second time only when the first stopped at H, before the end.
        const cp = await sinkCheckpoint(jobName);
        if (cp && compareFilePositions(cp, final) >= 0) break;
      }
      assert.deepEqual(await sinkCheckpoint(jobName), final, "the sink checkpoint is the source's final position");
      assert.deepEqual(await sourcePosition(), final, 'nothing wrote to the source binlog meanwhile');

      await assertSinkEqualsSource(srcDb, sinkDb, TABLES);

      const s = await statusJson(stateFile);
      assert.equal(s.error, null, `status reports an error: ${s.error}`);
      assert.equal(s.state, 'stopped', JSON.stringify(s));
      assert.equal(s.phase, 'streaming', JSON.stringify(s));
      for (const tb of s.tables) assert.equal(tb.error, null, `${tb.source}: ${tb.error}`);
      assert.deepEqual(s.stream?.applied && { file: s.stream.applied.file, pos: s.stream.applied.pos }, { file: final.file, pos: final.pos });

      const copyKills = kills.filter((k) => k.phase === 'copying').length;
      const streamKills = kills.filter((k) => k.phase === 'catching-up' || k.phase === 'streaming').length;
      t.diagnostic(
        `${kills.length} kills: ${copyKills} during the copy, ${streamKills} while streaming ` +
          `(${kills.filter((k) => k.mode.startsWith('reconcile')).length} before the copy's end H, ${kills.filter((k) => k.mode.startsWith('strict')).length} after), ` +
          `${kills.length - copyKills - streamKills} in other phases; final catch-up took ${finalRuns.length} run(s)`,
      );
      kills.forEach((k, i) => t.diagnostic(`  kill ${i + 1}: aimed at ${k.aim}, ${k.delay} ms after the phase, phase ${k.phase}, ${k.mode}, checkpoint ${k.checkpoint}`));
      t.diagnostic(`writer: ${stats.transactions} transactions, ${stats.rowChanges} row changes; final position ${fmt(final)}`);
      assert.ok(kills.length >= 10);
      assert.ok(copyKills >= 2, `only ${copyKills} kills landed during the copy`);
      assert.ok(streamKills >= 5, `only ${streamKills} kills landed while streaming`);
    } finally {
      await writer.stop().catch(() => undefined);
    }
  });
});
