// Acceptance: a 1,000,000-row copy killed with SIGKILL twice and run again ends exact.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { checksum, exec, query, runCli, sinkUrl, sourceUrl, startCli, tempDir, uniqueName, writeJob } from '../helpers/db.js';

const q = (s: string): string => '`' + s.replace(/`/g, '``') + '`';
const db = uniqueName('million');
const TABLES = ['sbtest1', 'sbtest2', 'sbtest3', 'sbtest4'];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

before(async () => {
  // sysbench's table shape: INT key, INT k with a secondary index, CHAR(120), CHAR(60).
  const stmts = TABLES.map(
    (t) => `CREATE TABLE ${t} (id INT NOT NULL PRIMARY KEY, k INT NOT NULL DEFAULT 0, c CHAR(120) NOT NULL DEFAULT '',
        pad CHAR(60) NOT NULL DEFAULT '', KEY k_1 (k));
      INSERT INTO ${t} SELECT seq, (seq * 7919) % 250000, REPEAT(LPAD(seq, 11, '0'), 10), REPEAT(LPAD(seq * 3, 11, '7'), 5)
        FROM seq_1_to_250000;`,
  );
  await exec(sourceUrl(), `CREATE DATABASE ${q(db)}; USE ${q(db)}; ${stmts.join('\n')}`);
});

after(async () => {
  await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(db)}`);
  await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${q(db)}`);
});

async function rowsCopied(state: string): Promise<number> {
  const r = await runCli(['status', '--state', state, '--json']);
  return (JSON.parse(r.stdout) as { jobs: { rowsCopied: number }[] }).jobs[0]?.rowsCopied ?? 0;
}

test('a 1M-row copy killed with SIGKILL twice, then run again, is exact', async () => {
  const dir = tempDir();
  const state = join(dir, 'state.db');
  const job = writeJob(dir, {
    name: 'million',
    source: { url: sourceUrl() },
    sink: { type: 'mysql', url: sinkUrl() },
    tables: { include: [`${db}.*`] },
    mode: 'snapshot',
  });
  const killedAt: number[] = [];
  for (const target of [150_000, 550_000]) {
    const run = startCli(['run', job, '--state', state, '--quiet']);
    // Kill once the copy has passed `target` rows (as recorded in the state file), mid-flight.
    for (let i = 0; i < 600 && run.child.exitCode === null; i++) {
      if ((await rowsCopied(state).catch(() => 0)) >= target) break;
      await sleep(100);
    }
    run.child.kill('SIGKILL');
    const res = await run.done;
    assert.equal(res.signal, 'SIGKILL', `the copy finished before the kill at ${target} rows: ${res.stderr}`);
    killedAt.push(await rowsCopied(state));
  }
  assert.ok(killedAt[0]! < 1_000_000 && killedAt[1]! < 1_000_000, `killed at ${killedAt.join(', ')}`);
  const final = await runCli(['run', job, '--state', state, '--quiet']);
  assert.equal(final.code, 0, final.stderr);
  assert.equal(await rowsCopied(state), 1_000_000);
  for (const t of TABLES) {
    assert.equal(await checksum(sinkUrl(), db, t), await checksum(sourceUrl(), db, t), `CHECKSUM of ${t}`);
    const [n] = await query<{ n: number }>(sinkUrl(), `SELECT COUNT(*) AS n FROM ${q(db)}.${t}`);
    assert.equal(Number(n?.n), 250_000);
    // The secondary index is deferred until the table's rows are in: after the kills it must be there.
    const idx = await query<{ i: string }>(
      sinkUrl(),
      'SELECT DISTINCT INDEX_NAME AS i FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY 1',
      [db, t],
    );
    assert.deepEqual(idx.map((r) => r.i).sort(), ['PRIMARY', 'k_1'].sort());
  }
});
