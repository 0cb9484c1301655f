// DDL during streaming: applied to the sink with renames and column exclusions, unmappable statements
// pause the job until the operator skips them, and a restart decodes with the schema in force at the
// sink's checkpoint (schema history), not the source's current one.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describeRun, dumpDiff, exec, query, rowDump, runCliWithTimeout, sinkUrl, sourceUrl, tempDir, uniqueName, writeJob } from '../helpers/db.js';
import { dropStreamTest, jobSpec, sleep } from '../helpers/stream.js';
import { killLive, startLive, startStreaming, stopWithSigterm, waitCaughtUp, type LiveCli } from '../helpers/stream-cli.js';

const db = uniqueName('sddl');
const sinkDb = `${db}_v2`;
const jobName = uniqueName('sddl-job');
const dir = tempDir();
const state = join(dir, 'state.db');

after(() => dropStreamTest(jobName, db, sinkDb));

/** Waits (up to 60 s) until the sink has applied all the source has written so far; fails at once if `run` exits. */
const waitApplied = (live: LiveCli): Promise<unknown> => waitCaughtUp(jobName, { live, everyMs: 100 });

async function assertTable(table: string, sinkTable: string, columns: string[]): Promise<void> {
  const src = await rowDump(sourceUrl(), db, table, columns);
  const dst = await rowDump(sinkUrl(), sinkDb, sinkTable, columns);
  assert.equal(dumpDiff(src, dst), null, `${db}.${table} vs ${sinkDb}.${sinkTable}`);
}

async function sinkColumns(table: string): Promise<string[]> {
  const rows = await query<{ c: string }>(sinkUrl(), 'SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION', [sinkDb, table]);
  return rows.map((r) => r.c);
}

async function sinkTables(): Promise<string[]> {
  const rows = await query<{ t: string }>(sinkUrl(), 'SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY 1', [sinkDb]);
  return rows.map((r) => r.t);
}

test('DDL while streaming: mapped, applied, paused when unmappable, and decoded by the schema history after a restart', { timeout: 240_000 }, async () => {
  await exec(
    sourceUrl(),
    `CREATE DATABASE ${db};
     CREATE TABLE ${db}.t (id INT PRIMARY KEY, a VARCHAR(20), secret VARCHAR(20));
     CREATE TABLE ${db}.u (id INT PRIMARY KEY, pii VARCHAR(20), n INT);
     CREATE TABLE ${db}.bin (id INT PRIMARY KEY, u BINARY(16));
     INSERT INTO ${db}.bin VALUES (1, UNHEX('00112233445566778899aabbccddeeff'));
     CREATE TABLE ${db}.\`select\` (id INT PRIMARY KEY, x INT);
     INSERT INTO ${db}.t VALUES (1,'one','s1'),(2,'two','s2');
     INSERT INTO ${db}.u VALUES (1,'p',1);
     INSERT INTO ${db}.\`select\` VALUES (1,1);`,
  );
  const job = writeJob(
    dir,
    jobSpec(jobName, db, {
      rename: { [db]: sinkDb, [`${db}.select`]: `${sinkDb}.chosen` },
      columns: { [`${db}.t`]: { exclude: ['secret'] }, [`${db}.u`]: { exclude: ['pii'] } },
    }),
  );
  const args = ['run', job, '--state', state];

  // 1. Mappable DDL while the stream runs (after the copy: a DDL during the job's planning is another test).
  let run = await startStreaming(job, state);
  try {
    await exec(
      sourceUrl(),
      `ALTER TABLE ${db}.t ADD COLUMN c INT DEFAULT 5;
       INSERT INTO ${db}.t (id, a, secret, c) VALUES (3,'three','s3',33);
       UPDATE ${db}.t SET c = 7 WHERE id = 1;
       ALTER TABLE ${db}.\`select\` ADD INDEX ix (x);
       CREATE TABLE ${db}.n (id BIGINT UNSIGNED PRIMARY KEY, v JSON);
       INSERT INTO ${db}.n VALUES (18446744073709551615, '{"big": 12345678901234567890}'), (1, '[]');
       RENAME TABLE ${db}.n TO ${db}.n2;
       INSERT INTO ${db}.n2 VALUES (2, 'null');
       CREATE TABLE ${db}.gone (id INT PRIMARY KEY);
       INSERT INTO ${db}.gone VALUES (1);
       DROP TABLE ${db}.gone;
       TRUNCATE TABLE ${db}.\`select\`;
       INSERT INTO ${db}.\`select\` VALUES (5,5);
       ALTER TABLE ${db}.t DROP COLUMN secret;
       INSERT INTO ${db}.t (id, a, c) VALUES (4,'four',44);`,
    );
    await waitApplied(run);
    await assertTable('t', 't', ['id', 'a', 'c']);
    await assertTable('select', 'chosen', ['id', 'x']);
    await assertTable('n2', 'n2', ['id', 'v']);
    assert.deepEqual(await sinkColumns('t'), ['id', 'a', 'c'], 'the excluded column never reaches the sink');
    assert.deepEqual(await sinkTables(), ['bin', 'chosen', 'n2', 't', 'u']);
    const [ix] = await query(sinkUrl(), `SELECT 1 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'chosen' AND INDEX_NAME = 'ix'`, [sinkDb]);
    assert.ok(ix, 'ALTER … ADD INDEX reached the renamed sink table');

    // 2. A statement on an excluded column cannot be mapped: the job pauses and names it.
    await exec(sourceUrl(), `ALTER TABLE ${db}.u MODIFY pii VARCHAR(50); INSERT INTO ${db}.u VALUES (2,'q',2);`);
    const paused = await Promise.race([run.done, new Promise<null>((r) => setTimeout(() => r(null), 60_000).unref())]);
    assert.ok(paused, 'the run stopped at the unmappable statement');
    assert.notEqual(paused.code, 0, describeRun(paused));
    assert.match(paused.stderr, /Streaming paused at the DDL statement/);
    assert.match(paused.stderr, /MODIFY pii VARCHAR\(50\)/);
    assert.match(paused.stderr, /--skip-ddl/);
    const status = await runCliWithTimeout(['status', '--state', state, '--json'], 30_000);
    const js = JSON.parse(status.stdout) as { jobs: { state: string; stream: { pendingDdl: { sql: string } | null } }[] };
    assert.equal(js.jobs[0]!.state, 'paused');
    assert.match(js.jobs[0]!.stream!.pendingDdl!.sql, /MODIFY pii/);
    assert.equal((await rowDump(sinkUrl(), sinkDb, 'u', ['id', 'n'])).length, 1, 'nothing after the paused statement was applied');
  } finally {
    await killLive(run);
  }

  // 3. --skip-ddl goes on past it; the rows after it arrive.
  run = startLive([...args, '--skip-ddl']);
  try {
    await sleep(500);
    await waitApplied(run);
    await assertTable('u', 'u', ['id', 'n']);
    const r = await stopWithSigterm(run);
    assert.match(r.stderr, /skipped on request \(--skip-ddl\)/);
  } finally {
    await killLive(run);
  }

  // 4. While the job is stopped: rows in the old layout, a column added, rows in the new one. The restart
  // must decode the first rows with the definition at the checkpoint, not the source's current one.
  await exec(
    sourceUrl(),
    `INSERT INTO ${db}.t (id, a, c) VALUES (10,'ten',10);
     UPDATE ${db}.t SET a = 'ONE' WHERE id = 1;
     ALTER TABLE ${db}.t ADD COLUMN d DATETIME(6) NULL AFTER a;
     INSERT INTO ${db}.t (id, a, d, c) VALUES (11,'eleven','2024-02-29 12:34:56.789012',11);
     ALTER TABLE ${db}.t DROP COLUMN c;
     INSERT INTO ${db}.t (id, a, d) VALUES (12,'twelve',NULL);
     INSERT INTO ${db}.bin VALUES (2, UNHEX('123e4567e89b12d3a456426614174000'));
     ALTER TABLE ${db}.bin MODIFY u UUID;
     INSERT INTO ${db}.bin VALUES (3, '6ccd780c-baba-1026-9564-5b8c656024db');`,
  );
  // Row 2 is 16 raw bytes in the binlog: decoded as UUID text (the source's definition now) it would not fit
  // the sink's BINARY(16) column that the stream has at that point.
  const end = await runCliWithTimeout([...args, '--exit-when-caught-up'], 120_000);
  assert.equal(end.code, 0, describeRun(end));
  await assertTable('t', 't', ['id', 'a', 'd']);
  assert.deepEqual(await sinkColumns('t'), ['id', 'a', 'd']);
  await assertTable('bin', 'bin', ['id', 'u']);
  assert.equal((await rowDump(sinkUrl(), sinkDb, 'bin', ['id', 'u'])).length, 3);
});
