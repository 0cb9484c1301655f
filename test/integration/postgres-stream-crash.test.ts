// "snapshot+stream" from MariaDB into PostgreSQL under a continuous write load, killed with SIGKILL at
// random moments (during the copy, then while streaming, in the reconcile window and after it) and
// restarted each time: in the end every table equals the source row by row and value by value (psql
// reads the sink). The keyless table (a double apply duplicates a row), the append-only AUTO_INCREMENT
// table (a double apply in strict mode stops the job with a duplicate key) and the UNIQUE swaps make a
// lost or doubled change visible.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describeRun, exec, q, runCliWithTimeout, sourceUrl, tempDir, writeJob } from '../helpers/db.js';
import { createPgDatabase, type PgTestDatabase } from '../helpers/postgres.js';
import { assertPgEqualsSource, pgCheckpoint, type ColumnKinds } from '../helpers/pg-stream-compare.js';
import { createSourceSchema, type SchemaSizes } from '../helpers/source-schema.js';
import { fmt, reached, sourcePosition, writerTestJob, writerTestNames } from '../helpers/stream.js';
import { assertStoppedWhileStreaming, killAims, killCounts, killLoop, startSeededWriter } from '../helpers/stream-cli.js';

const SIZES: SchemaSizes = { uk: 8_000, comp: 8_000, nokey: 2_000, types: 4_000, log: 4_000 };
const TABLES: Record<string, ColumnKinds> = {
  t_uk: { id: 'num', u: 'num', v: 'text', n: 'num' },
  t_comp: { a: 'num', b: 'text', c: 'num', s: 'text' },
  t_nokey: { a: 'num', b: 'text', c: 'num' },
  t_types: { id: 'num', dt: 'dt', ts: 'ts', dec65: 'num', big: 'num', j: 'json', bl: 'bin', txt: 'text', e: 'num' },
  t_log: { id: 'num', payload: 'text', at: 'dt' },
};
const COPY_KILLS = 3;
const STREAM_KILLS = 8;

describe('snapshot+stream into PostgreSQL killed at random moments under writes', { timeout: 420_000 }, () => {
  const names = writerTestNames('pgc');
  const { srcDb, sinkDb, jobName } = names;
  const dir = tempDir('cutover-pgcrash-');
  let pg: PgTestDatabase;

  before(async () => {
    pg = await createPgDatabase('pgcrash');
    await createSourceSchema(srcDb, SIZES);
  });

  after(async () => {
    await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(srcDb)}`).catch(() => undefined);
    await pg?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('SIGKILL at least 10 times (copy, reconcile window, strict streaming): no change lost, none applied twice', async (t) => {
    const stateFile = join(dir, 'state.db');
    const spec = writerTestJob(names, { parallelism: 2, chunkRows: 300, throttle: { maxRowsPerSecond: 2_500 } });
    const job = writeJob(dir, { ...spec, sink: { type: 'postgres', url: pg.url }, stream: { batch: { maxDelayMs: 100, maxRows: 400 } } });
    const args = ['run', job, '--state', stateFile];
    const checkpoint = () => pgCheckpoint(pg.url, jobName);

    const { writer, rnd } = await startSeededWriter(t, srcDb, SIZES, 0x9c5);
    try {
      const kills = await killLoop({
        args,
        stateFile,
        aims: killAims(COPY_KILLS, STREAM_KILLS),
        // Small stream batches: the kills land between many commits, in the reconcile window and after it.
        delayMs: (i) => (i === COPY_KILLS ? 100 + rnd() * 400 : 300 + rnd() * 3_500),
        writer,
        copyReady: (p) => p.phase === 'copying' || !!p.copyEnd,
        afterKill: async (p) => {
          const cp = await checkpoint();
          const mode = p.phase === 'copying' || !p.copyEnd ? '-' : cp && reached(cp, p.copyEnd) ? 'strict (past H)' : 'reconcile (before H)';
          return { mode, checkpoint: fmt(cp) };
        },
      });

      const stats = await writer.stop();
      const final = await sourcePosition();
      const started = Date.now();
      let runs = 0;
      for (let n = 0; n < 2; n++) {
        const r = await runCliWithTimeout([...args, '--exit-when-caught-up'], 180_000);
        runs++;
        assert.equal(r.code, 0, describeRun(r));
        if (reached(await checkpoint(), final)) break;
      }
      const catchUpMs = Date.now() - started;
      assert.deepEqual(await checkpoint(), { file: final.file, pos: final.pos }, "the sink checkpoint is the source's final position");
      assert.deepEqual(await sourcePosition(), final, 'nothing wrote to the source binlog meanwhile');

      await assertPgEqualsSource(pg.url, srcDb, sinkDb, TABLES, 'after the kills');

      const s = await assertStoppedWhileStreaming(stateFile);
      assert.deepEqual(s.stream?.applied && { file: s.stream.applied.file, pos: s.stream.applied.pos }, { file: final.file, pos: final.pos });

      const { copy: copyKills, stream: streamKills } = killCounts(kills);
      t.diagnostic(
        `${kills.length} kills: ${copyKills} during the copy, ${streamKills} while streaming ` +
          `(${kills.filter((k) => k.extra.mode!.startsWith('reconcile')).length} before the copy's end H, ${kills.filter((k) => k.extra.mode!.startsWith('strict')).length} after)`,
      );
      kills.forEach((k, i) => t.diagnostic(`  kill ${i + 1}: aimed at ${k.aim}, ${k.delay} ms after the phase, phase ${k.phase}, ${k.extra.mode}, checkpoint ${k.extra.checkpoint}`));
      t.diagnostic(`writer: ${stats.transactions} transactions, ${stats.rowChanges} row changes; final catch-up ${runs} run(s) in ${catchUpMs} ms; final position ${fmt(final)}`);
      assert.ok(kills.length >= 10);
      assert.ok(copyKills >= 1, `only ${copyKills} kills landed during the copy`);
      assert.ok(streamKills >= 7, `only ${streamKills} kills landed while streaming`);
    } finally {
      await writer.stop().catch(() => undefined);
    }
  });
});
