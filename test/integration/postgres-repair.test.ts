// Repair on a PostgreSQL sink while a snapshot+stream job streams under a concurrent writer, and while it
// does not (the job stopped):
//   - rows changed, deleted and added on the sink are named by verify (different / missing / extra);
//     --repair-from rewrites exactly them while the stream keeps running, stores its source position as
//     the checkpoint's reconcile_until, and the stream goes on applying the writer's changes (also to
//     the repaired rows); once the writer stops and the stream has caught up, verify passes;
//   - a keyless table's extra row: its repair is refused while the job runs, done once it is stopped (the
//     table is copied again), a changed keyed row is repaired with it, and the resumed stream applies what
//     the source wrote since, without doubling a keyless row; verify passes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describeRun, exec, q, sourceUrl, tempDir, uniqueName } from '../helpers/db.js';
import { createPgDatabase, type PgTestDatabase, writePgJob } from '../helpers/postgres.js';
import { pgCheckpoint } from '../helpers/pg-stream-compare.js';
import { sourcePosition } from '../helpers/stream.js';
import { assertStillRunning, killLive, startStreaming, stopWithSigterm, waitUntil, type LiveCli } from '../helpers/stream-cli.js';
import { runVerify, verifyReport } from '../helpers/verify.js';

describe('repair on a PostgreSQL sink, while the job streams and while it does not', { timeout: 600_000 }, () => {
  const job = uniqueName('pgr');
  const src = `${job}_src`;
  const dir = tempDir('cutover-pgrepair-');
  const state = join(dir, 'state.db');
  let pg: PgTestDatabase;
  let jobFile = '';
  let live: LiveCli | null = null;
  const x = (sql: string) => exec(sourceUrl(), sql);
  const verify = (...args: string[]) => runVerify(jobFile, state, args, 180_000);

  /** Waits until the sink's checkpoint has reached the source's binlog end as of this call. */
  const caughtUp = async (): Promise<void> => {
    const target = await sourcePosition();
    await waitUntil(
      'the PostgreSQL checkpoint to reach the source binlog end',
      async () => {
        const cp = await pgCheckpoint(pg.url, job);
        return cp !== null && (cp.file > target.file || (cp.file === target.file && cp.pos >= target.pos));
      },
      { live, ms: 120_000 },
    );
  };

  before(async () => {
    pg = await createPgDatabase('pgrepair');
    const d = q(src);
    const values = Array.from({ length: 400 }, (_, i) => `(${i + 1}, 'v${i + 1}', ${i + 1}, 0)`).join(', ');
    await x(`CREATE DATABASE ${d} CHARACTER SET utf8mb4;
      CREATE TABLE ${d}.t_a (id INT NOT NULL PRIMARY KEY, v VARCHAR(20), u INT NOT NULL, hits INT NOT NULL, UNIQUE KEY uk_u (u)) ENGINE=InnoDB;
      CREATE TABLE ${d}.t_nk (x INT, y VARCHAR(10)) ENGINE=InnoDB;
      INSERT INTO ${d}.t_a VALUES ${values};
      INSERT INTO ${d}.t_nk VALUES (1, 'a'), (1, 'a'), (2, 'b'), (3, NULL);`);
    jobFile = writePgJob(dir, pg.url, src, {
      name: job,
      mode: 'snapshot+stream',
      snapshot: { chunkRows: 100 },
      stream: { batch: { maxDelayMs: 50 } },
    });
  });

  after(async () => {
    await killLive(live);
    await x(`DROP DATABASE IF EXISTS ${q(src)}`).catch(() => undefined);
    await pg?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('repairs changed, deleted and added rows while the stream runs; keyless once stopped', async () => {
    live = await startStreaming(jobFile, state);
    // The writer: keeps updating rows 200..400 and inserting new ones while verify and repair run.
    let writing = true;
    let writerError: unknown = null;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        await x(`UPDATE ${q(src)}.t_a SET hits = hits + 1 WHERE id BETWEEN 200 AND 400; INSERT INTO ${q(src)}.t_a VALUES (${1000 + i}, 'w${i}', ${1000 + i}, 0)`);
        await new Promise((r) => setTimeout(r, 30));
      }
    })().catch((e) => (writerError = e));
    try {
      await caughtUp();
      await pg.rows(`UPDATE app.t_a SET v = 'tampered' WHERE id = 1; DELETE FROM app.t_a WHERE id = 2; INSERT INTO app.t_a VALUES (5000, 'extra', 5000, 0)`);
      const found = await verify('--json');
      assert.equal(found.code, 1, describeRun(found));
      const r = verifyReport(found);
      const ta = r.tables.find((t) => t.table === `${src}.t_a`)!;
      assert.deepEqual(
        ta.mismatches.map((m) => [m.kind, m.key.id]).sort(),
        [['different', '1'], ['extra', '5000'], ['missing', '2']],
        'exactly the rows changed on the sink are named, none the stream was applying',
      );
      assert.equal(r.tables.find((t) => t.table === `${src}.t_nk`)!.state, 'match');

      const fixed = await verify('--repair-from', String(r.id), '--json');
      assert.equal(fixed.code, 0, describeRun(fixed));
      assert.deepEqual(verifyReport(fixed).tables.map((t) => [t.table, t.state, t.repaired?.rows]), [[`${src}.t_a`, 'match', 3]]);
      assert.ok(await pg.value(`SELECT reconcile_file FROM "_cutover".cutover_checkpoint WHERE job = '${job}'`), 'the repair stores its source position as reconcile_until');
      await assertStillRunning(live, 'after the repair');
      // The stream goes on, also on a repaired row.
      await x(`UPDATE ${q(src)}.t_a SET v = 'after repair' WHERE id = 1; UPDATE ${q(src)}.t_a SET v = 'back' WHERE id = 2`);
      writing = false;
      await writer;
      assert.equal(writerError, null, `the writer failed: ${String(writerError)}`);
      await caughtUp();
      assert.deepEqual(await pg.rows(`SELECT id, v FROM app.t_a WHERE id IN (1, 2, 5000) ORDER BY id`), [['1', 'after repair'], ['2', 'back']]);
      const clean = await verify('--json');
      assert.equal(clean.code, 0, describeRun(clean));

      // A keyless table: refused while the job runs; repaired once stopped, with a keyed row.
      await pg.rows(`INSERT INTO app.t_nk VALUES (1, 'a'); UPDATE app.t_a SET hits = -1 WHERE id = 3`);
      const again = await verify('--json');
      assert.equal(again.code, 1, describeRun(again));
      const a = verifyReport(again);
      assert.deepEqual(a.tables.filter((t) => t.state === 'mismatch').map((t) => t.table).sort(), [`${src}.t_a`, `${src}.t_nk`]);
      const refused = await verify('--repair-from', String(a.id));
      assert.equal(refused.code, 2, describeRun(refused));
      assert.match(refused.stderr, /no primary or unique key/);
      await stopWithSigterm(live);
      live = null;
      const keyless = await verify('--repair-from', String(a.id), '--json');
      assert.equal(keyless.code, 0, describeRun(keyless));
      assert.deepEqual(verifyReport(keyless).tables.map((t) => [t.table, t.state]).sort(), [[`${src}.t_a`, 'match'], [`${src}.t_nk`, 'match']]);
      assert.equal(await pg.value(`SELECT count(*) FROM app.t_nk WHERE x = 1`), '2');

      // The source writes on; the resumed stream applies it once.
      await x(`INSERT INTO ${q(src)}.t_nk VALUES (1, 'a'), (9, 'z'); UPDATE ${q(src)}.t_a SET hits = 7 WHERE id = 3`);
      live = await startStreaming(jobFile, state);
      await caughtUp();
      assert.equal(await pg.value(`SELECT count(*) FROM app.t_nk WHERE x = 1`), '3');
      const last = await verify('--json');
      assert.equal(last.code, 0, describeRun(last));
      await stopWithSigterm(live);
      live = null;
    } finally {
      writing = false;
      await writer;
    }
  });
});
