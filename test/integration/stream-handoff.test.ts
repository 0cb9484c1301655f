// snapshot+stream handoff under a live write load: the copy reads each chunk at its own moment (no global
// lock) while a writer keeps changing rows in every way, then the stream replays the binlog from the copy's
// start. The sink must end byte-for-byte equal to the source: the stream picks up exactly where the copy's
// view of each row ends, for a table with a secondary UNIQUE key, a composite key, no key at all, and
// awkward types.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { SourcePosition } from '../../engine/core/position.js';
import { tempDir, writeJob } from '../helpers/db.js';
import { createSourceSchema, tablesOf, type SchemaSizes } from '../helpers/source-schema.js';
import { SourceWriter, testSeed, type WriterStats } from '../helpers/source-writer.js';
import {
  assertSinkEqualsSource,
  chunkFinishTimes,
  dropStreamTest,
  fmt,
  peekJob,
  sinkCheckpoint,
  sleep,
  sourcePosition,
  transactionsBetween,
  writerTestJob,
  writerTestNames,
  type JobPeek,
} from '../helpers/stream.js';
import { assertStillRunning, assertStoppedWhileStreaming, killLive, startLive, stopWithSigterm, waitForCheckpoint, waitUntil } from '../helpers/stream-cli.js';

const SIZES: SchemaSizes = { uk: 25_000, comp: 24_000, nokey: 6_000, types: 10_000, log: 0 };
const TABLES = tablesOf(SIZES);
const RUN_TIMEOUT_MS = 150_000;

describe('snapshot+stream handoff under concurrent writes', { timeout: 240_000 }, () => {
  const names = writerTestNames('hd');
  const { srcDb, sinkDb, jobName } = names;
  const dir = tempDir('cutover-handoff-');

  before(() => createSourceSchema(srcDb, SIZES));

  after(async () => {
    await dropStreamTest(jobName, srcDb, sinkDb);
    rmSync(dir, { recursive: true, force: true });
  });

  it("the stream picks up exactly where the copy's view of each row ends", async (t) => {
    const seed = testSeed();
    const stateFile = join(dir, 'state.db');
    // Small chunks, two workers and a rate cap: the copy takes several seconds and reads each chunk at a
    // different moment while the writer is changing rows in chunks already copied and not yet copied.
    const job = writeJob(dir, writerTestJob(names, { parallelism: 2, chunkRows: 500, throttle: { maxRowsPerSecond: 8_000 } }));

    t.diagnostic(`seed ${seed} (CUTOVER_TEST_SEED=${seed} repeats the writer's choices)`);
    const writer = new SourceWriter(srcDb, SIZES, seed, 2);
    await writer.start();
    const live = startLive(['run', job, '--state', stateFile]);
    const { child } = live;
    const guard = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    let finalPos: SourcePosition | null = null;
    let writerStats: WriterStats | null = null;
    try {
      await sleep(200); // the writer is already running when the copy starts

      // Follow the phases in the background (first time each is seen, for the diagnostics).
      const startedAt = Date.now();
      const seen: Record<string, number> = {};
      let last: JobPeek | null = null;
      const poller = setInterval(() => {
        const p = peekJob(stateFile);
        if (!p || p.pid !== child.pid) return;
        last = p;
        seen[p.phase] ??= Date.now() - startedAt;
        if (p.copyEnd) seen['copy end recorded'] ??= Date.now() - startedAt;
      }, 25);
      const alive = async (): Promise<void> => {
        writer.assertNotFailed();
        await assertStillRunning(live, 'while the writer runs');
      };
      const detail = async (): Promise<string> => `sink checkpoint ${fmt(await sinkCheckpoint(jobName))}; source at ${fmt(await sourcePosition())}; state ${JSON.stringify(last)}`;

      try {
        // 1. The copy ends (its end position H is recorded) while the writer keeps going.
        const copyEnd = await waitUntil('the copy to finish (copy_end_position recorded)', () => (last as JobPeek | null)?.copyEnd ?? null, {
          ms: 90_000,
          guard: alive,
          detail,
          everyMs: 50,
        });
        // 2. The stream replays from the copy's start S through H (reconcile) and beyond (strict).
        await waitForCheckpoint(jobName, copyEnd, "the copy's end", { guard: alive, detail, everyMs: 100 });
        seen['checkpoint past copy end'] ??= Date.now() - startedAt;
        // 3. Keep writing while strict streaming applies the changes, then stop and let the stream drain.
        await sleep(3_000);
        await alive();
        const stats = await writer.stop();
        const final = await sourcePosition();
        await waitForCheckpoint(jobName, final, "the source's final position", { guard: alive, detail, everyMs: 100 });
        seen['checkpoint at final position'] ??= Date.now() - startedAt;
        // 4. With the source idle, the job must say it has caught up (phase streaming).
        await waitUntil('phase streaming once the source is idle', () => (last as JobPeek | null)?.phase === 'streaming', {
          ms: 15_000,
          guard: alive,
          detail,
          everyMs: 50,
        });
        finalPos = final;
        writerStats = stats;
      } finally {
        clearInterval(poller);
      }
      const r = await stopWithSigterm(live);
      assert.match(r.stderr, /SIGTERM: stopping/);
      const final = finalPos!;
      const stats = writerStats!;
      assert.deepEqual(await sinkCheckpoint(jobName), final, 'the checkpoint is the end of the last source transaction');

      // The copy really overlapped the writes: transactions between the copy's start and end positions, and
      // commits between the first and the last chunk the copy finished.
      const p = peekJob(stateFile)!;
      assert.ok(p.copyStart && p.copyEnd, `copy positions not recorded: ${JSON.stringify(p)}`);
      const inCopy = await transactionsBetween(p.copyStart, p.copyEnd);
      const chunks = chunkFinishTimes(stateFile);
      const firstChunk = Math.min(...chunks.map((c) => c.at));
      const lastChunk = Math.max(...chunks.map((c) => c.at));
      const betweenChunks = writer.committedBetween(firstChunk, lastChunk);
      assert.ok(chunks.length >= 80, `only ${chunks.length} chunks: the copy was not chunked finely`);
      assert.ok(inCopy >= 100, `only ${inCopy} source transactions between the copy's start ${fmt(p.copyStart)} and end ${fmt(p.copyEnd)}`);
      assert.ok(betweenChunks >= 100, `only ${betweenChunks} writer commits between the first and the last copied chunk`);
      // Every kind of change happened while the copy was reading chunks (swaps, key moves, re-inserts …).
      const during = writer.opsBetween(firstChunk, lastChunk);
      const missing = Object.entries(during).filter(([, n]) => n === 0).map(([op]) => op);
      assert.deepEqual(missing, [], `writer operations that never ran during the copy: ${missing.join(', ')}`);

      await assertSinkEqualsSource(srcDb, sinkDb, TABLES);

      const s = await assertStoppedWhileStreaming(stateFile);
      assert.ok(s.tables.reduce((n, x) => n + x.inserts + x.updates + x.deletes, 0) > 0, 'status counts no streamed changes');

      t.diagnostic(
        `first seen at (ms after start): ${JSON.stringify(seen)}; ${chunks.length} chunks over ${lastChunk - firstChunk} ms; ` +
          `${inCopy} source transactions between copy start and end, ${betweenChunks} writer commits between first and last chunk; ` +
          `writer: ${stats.transactions} transactions, ${stats.rowChanges} row changes; final position ${fmt(final)}`,
      );
      t.diagnostic(`writer operations during the copy: ${JSON.stringify(during)}`);
    } finally {
      clearTimeout(guard);
      await killLive(live);
      await writer.stop().catch(() => undefined);
    }
  });
});
