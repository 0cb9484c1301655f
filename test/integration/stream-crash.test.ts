// snapshot+stream under a continuous write load, killed with SIGKILL at random moments (first during the
// copy, then while streaming) and restarted each time: no change may be lost and none applied twice. A
// table without a key (a double apply duplicates rows) and an append-only AUTO_INCREMENT table (a double
// apply in strict mode stops the job with a duplicate-key error) make both visible.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describeRun, runCliWithTimeout, tempDir, writeJob, type CliResult } from '../helpers/db.js';
import { createSourceSchema, tablesOf, type SchemaSizes } from '../helpers/source-schema.js';
import { SourceWriter, prng, testSeed } from '../helpers/source-writer.js';
import {
  assertSinkEqualsSource,
  dropStreamTest,
  fmt,
  peekJob,
  reached,
  sinkCheckpoint,
  sleep,
  sourcePosition,
  writerTestJob,
  writerTestNames,
  type JobPeek,
} from '../helpers/stream.js';
import { assertStillRunning, assertStoppedWhileStreaming, killLive, startLive, waitUntil } from '../helpers/stream-cli.js';

const SIZES: SchemaSizes = { uk: 12_000, comp: 12_000, nokey: 3_000, types: 5_000, log: 5_000 };
const TABLES = tablesOf(SIZES);
/** Iterations aimed at the copy, then at the stream. */
const COPY_KILLS = 5;
const STREAM_KILLS = 7;

describe('snapshot+stream killed at random moments under writes', { timeout: 300_000 }, () => {
  const names = writerTestNames('hc');
  const { srcDb, sinkDb, jobName } = names;
  const dir = tempDir('cutover-crash-');

  before(() => createSourceSchema(srcDb, SIZES));

  after(async () => {
    await dropStreamTest(jobName, srcDb, sinkDb);
    rmSync(dir, { recursive: true, force: true });
  });

  it('SIGKILL at random points (during the copy and while streaming), at least 10 times: no loss, no double apply', async (t) => {
    const seed = testSeed();
    const rnd = prng(seed ^ 0x5eed);
    const stateFile = join(dir, 'state.db');
    // Many small chunks and a rate cap: an uninterrupted copy takes about 15 s, so the first kills land in it.
    const job = writeJob(dir, writerTestJob(names, { parallelism: 2, chunkRows: 300, throttle: { maxRowsPerSecond: 2_500 } }));
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
        const live = startLive(args);
        const { child, done } = live;
        const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
        try {
          const alive = async (): Promise<void> => {
            writer.assertNotFailed();
            await assertStillRunning(live, `iteration ${i + 1}: the job exited on its own`);
          };
          // Wait until this process is copying (or, aimed at the stream, streaming); a copy already finished counts as streaming.
          const ready = (p: JobPeek): boolean =>
            aim === 'copy' ? p.phase === 'copying' || p.copyEnd !== null : p.phase === 'catching-up' || p.phase === 'streaming';
          await waitUntil(
            `iteration ${i + 1}: phase ${aim === 'copy' ? 'copying' : 'catching-up/streaming'}`,
            () => {
              const p = peekJob(stateFile);
              return p !== null && p.pid === child.pid && ready(p);
            },
            { ms: 90_000, guard: alive, detail: () => `state ${JSON.stringify(peekJob(stateFile))}`, everyMs: 20 },
          );
          await sleep(delay);
          await alive();
          child.kill('SIGKILL');
          const r: CliResult = await done;
          assert.equal(r.signal, 'SIGKILL', describeRun(r));
        } finally {
          clearTimeout(guard);
          await killLive(live);
        }
        // The phase the killed process had recorded, and whether its stream was still before the copy's end H.
        const p = peekJob(stateFile)!;
        assert.equal(p.state, 'running', `a killed run leaves the job marked running (status: interrupted): ${JSON.stringify(p)}`);
        assert.equal(p.error, null, `iteration ${i + 1}: ${p.error}`);
        const cp = await sinkCheckpoint(jobName);
        const mode = p.phase === 'copying' || !p.copyEnd ? '-' : reached(cp, p.copyEnd) ? 'strict (past H)' : 'reconcile (before H)';
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
        if (reached(await sinkCheckpoint(jobName), final)) break;
      }
      assert.deepEqual(await sinkCheckpoint(jobName), final, "the sink checkpoint is the source's final position");
      assert.deepEqual(await sourcePosition(), final, 'nothing wrote to the source binlog meanwhile');

      await assertSinkEqualsSource(srcDb, sinkDb, TABLES);

      const s = await assertStoppedWhileStreaming(stateFile);
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
