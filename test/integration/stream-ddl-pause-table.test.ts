// DDL policy "pause-table" on real MariaDB: one table paused at a DDL statement while the others stream
// on (and a "skip" table goes past its statement), a SIGKILL while the table is paused and writes go on,
// the statement applied to the sink by hand, `cutover resume-table`, a SIGKILL while the held changes
// drain, and in the end the sink equals the source: nothing held was lost or applied twice.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describeRun, dumpDiff, exec, query, rowDump, runCli, sinkUrl, sourceUrl, tempDir, uniqueName, writeJob } from '../helpers/db.js';
import { dropStreamTest, jobSpec, sleep } from '../helpers/stream.js';
import { killLive, startLive, startStreaming, statusJson, stopWithSigterm, waitCaughtUp, waitUntil, type LiveCli } from '../helpers/stream-cli.js';

const db = uniqueName('sptab');
const jobName = uniqueName('sptab-job');
const dir = tempDir();
const state = join(dir, 'state.db');

after(async () => {
  await dropStreamTest(jobName, db);
  await query(sinkUrl(), 'DELETE FROM _cutover.cutover_held WHERE job = ?', [jobName]).catch(() => undefined);
});

async function assertSame(table: string, columns: string[]): Promise<void> {
  const src = await rowDump(sourceUrl(), db, table, columns);
  const dst = await rowDump(sinkUrl(), db, table, columns);
  assert.equal(dumpDiff(src, dst), null, `${db}.${table}: sink differs from source`);
}

async function sinkColumns(table: string): Promise<string[]> {
  const rows = await query<{ c: string }>(sinkUrl(), 'SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION', [db, table]);
  return rows.map((r) => r.c);
}

async function heldMarker(): Promise<number> {
  const [r] = await query<{ n: string }>(sinkUrl(), 'SELECT CAST(last_id AS CHAR) AS n FROM _cutover.cutover_held WHERE job = ?', [jobName]).catch(() => []);
  return r ? Number(r.n) : 0;
}

/** Small transactions on both tables (orders in its new layout), as an application keeps writing. */
async function writeBoth(from: number, n: number): Promise<void> {
  for (let i = from; i < from + n; i++) {
    await exec(
      sourceUrl(),
      `INSERT INTO ${db}.orders (id, v, note) VALUES (${i}, ${i}, 'w${i}'); UPDATE ${db}.orders SET v = v + 1 WHERE id = ${i};
       INSERT INTO ${db}.items VALUES (${i}, ${i}); DELETE FROM ${db}.items WHERE id = ${i - 4900};`,
    );
  }
}

test('"pause-table": the table waits at its DDL with its changes held while the others stream on, then drains exactly once across SIGKILLs', { timeout: 300_000 }, async () => {
  await exec(
    sourceUrl(),
    `CREATE DATABASE ${db};
     CREATE TABLE ${db}.orders (id INT PRIMARY KEY, v INT NOT NULL);
     CREATE TABLE ${db}.items (id INT PRIMARY KEY, v INT NOT NULL);
     CREATE TABLE ${db}.audit_1 (id INT PRIMARY KEY, v INT NOT NULL);
     INSERT INTO ${db}.orders SELECT seq, seq FROM ${db}.seq_1_to_100;
     INSERT INTO ${db}.items SELECT seq, seq FROM ${db}.seq_1_to_100;
     INSERT INTO ${db}.audit_1 SELECT seq, seq FROM ${db}.seq_1_to_100;`,
  );
  const job = writeJob(
    dir,
    jobSpec(jobName, db, {
      snapshot: { chunkRows: 100, parallelism: 2 },
      // Small sink transactions: the held changes drain in many of them, so a kill lands inside the drain.
      stream: { batch: { maxRows: 20, maxDelayMs: 100 } },
      ddl: { default: 'pause-job', tables: { [`${db}.orders`]: 'pause-table', [`${db}.audit_*`]: 'skip' } },
    }),
  );
  const args = ['run', job, '--state', state];
  let run: LiveCli | null = await startStreaming(job, state);
  try {
    // 1. The DDL: orders pauses, audit_1 skips its statement; writes go on to every table.
    await exec(
      sourceUrl(),
      `ALTER TABLE ${db}.orders ADD COLUMN note VARCHAR(20) NOT NULL DEFAULT 'n';
       ALTER TABLE ${db}.audit_1 ADD INDEX iv (v);
       INSERT INTO ${db}.orders (id, v, note) SELECT seq, seq, CONCAT('b', seq) FROM ${db}.seq_101_to_3100;
       UPDATE ${db}.orders SET v = v * 2 WHERE id % 3 = 0;
       DELETE FROM ${db}.orders WHERE id % 7 = 0;
       INSERT INTO ${db}.items SELECT seq, seq FROM ${db}.seq_101_to_2000;
       UPDATE ${db}.audit_1 SET v = v + 1000 WHERE id < 50;`,
    );
    await writeBoth(5000, 30);
    await waitCaughtUp(jobName, { live: run, everyMs: 100 });
    await assertSame('items', ['id', 'v']);
    await assertSame('audit_1', ['id', 'v']);
    const [ix] = await query(sinkUrl(), `SELECT 1 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'audit_1' AND INDEX_NAME = 'iv'`, [db]);
    assert.equal(ix, undefined, 'the "skip" statement was not run on the sink');
    assert.deepEqual(await sinkColumns('orders'), ['id', 'v'], 'the paused statement was not run on the sink');
    assert.equal((await rowDump(sinkUrl(), db, 'orders', ['id', 'v'])).length, 100, 'nothing of orders after its statement was applied');
    let st = await statusJson(state);
    assert.equal(st.state, 'running', 'the job streams on');
    assert.equal(st.stream?.pausedTables.length, 1, JSON.stringify(st.stream?.pausedTables));
    const paused = st.stream!.pausedTables[0]!;
    assert.equal(paused.table, `${db}.orders`);
    assert.match(paused.sql, /ADD COLUMN note/);
    assert.equal(paused.request, null);
    // 3000 inserts, 1,033 updates (id % 3 = 0), 442 deletes (id % 7 = 0), and 30 inserts and 30 updates.
    assert.equal(paused.heldChanges, 3000 + 1033 + 442 + 60, 'every change of orders after its statement is held, once');
    const status = await runCli(['status', '--state', state]);
    assert.match(status.stdout, new RegExp(`table ${db}\\.orders paused at DDL .*4,535 change\\(s\\) held: .*cutover resume-table ${db}\\.orders --job ${jobName}`));

    // 2. SIGKILL while the table is paused and writes go on; the restart holds the rest, nothing twice.
    const writing = writeBoth(6000, 60);
    await sleep(300);
    await killLive(run);
    await writing;
    run = startLive(args);
    await sleep(500);
    await waitCaughtUp(jobName, { live: run, everyMs: 100 });
    await assertSame('items', ['id', 'v']);
    st = await statusJson(state);
    assert.equal(st.stream?.pausedTables[0]?.heldChanges, 4535 + 120, 'the changes replayed after the kill are held once');
    await stopWithSigterm(run);
    run = null;

    // 3. The operator applies the statement to the sink and resumes the table (the job is stopped).
    const wrong = await runCli(['resume-table', `${db}.items`, '--job', jobName, '--state', state]);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, new RegExp(`${db}\\.items is not paused .*paused: ${db}\\.orders`));
    await exec(sinkUrl(), `ALTER TABLE ${db}.orders ADD COLUMN note VARCHAR(20) NOT NULL DEFAULT 'n'`);
    const resumed = await runCli(['resume-table', `${db}.orders`, '--job', jobName, '--state', state]);
    assert.equal(resumed.code, 0, describeRun(resumed));
    assert.match(resumed.stdout, /resumed; 4,655 held change\(s\) are applied in source order when the job runs again/);
    assert.equal((await statusJson(state)).stream?.pausedTables[0]?.request, 'resume');

    // 4. SIGKILL while the held changes drain: some of them are on the sink, the rest still held.
    run = startLive(args);
    await waitUntil('the drain to begin on the sink', async () => (await heldMarker()) > 0, { live: run, everyMs: 5 });
    await killLive(run);
    st = await statusJson(state);
    assert.equal(st.stream?.pausedTables.length, 1, 'the kill landed inside the drain (the table is not streaming yet)');
    const before = await rowDump(sinkUrl(), db, 'orders', ['id']);
    assert.ok(before.length > 100 && before.length < 3100, `part of the held changes reached the sink (${before.length} rows)`);

    // 5. Writes go on; the next run finishes the drain, streams orders again, and the sink equals the source.
    await writeBoth(7000, 20);
    run = startLive(args);
    await waitUntil('orders to stream again', async () => ((await statusJson(state)).stream?.pausedTables.length === 0 ? true : null), { live: run, everyMs: 200, ms: 180_000 });
    await writeBoth(8000, 10);
    await waitCaughtUp(jobName, { live: run, everyMs: 100 });
    await assertSame('orders', ['id', 'v', 'note']);
    await assertSame('items', ['id', 'v']);
    await assertSame('audit_1', ['id', 'v']);
    const r = await stopWithSigterm(run);
    run = null;
    assert.match(r.stderr + r.stdout, /streaming again after [\d,]+ held change\(s\) applied in source order/);
  } finally {
    await killLive(run);
  }
});
