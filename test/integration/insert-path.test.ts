// The fallback write path: a sink with local_infile=OFF gets multi-row INSERT IGNORE, and every
// type family must still copy exactly.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checksum, exec, jobSpec, query, ROOT, rowDump, runCli, sinkUrl, sourceUrl, tempDir, uniqueName, writeJob } from '../helpers/db.js';

const q = (s: string): string => '`' + s.replace(/`/g, '``') + '`';
const srcDb = uniqueName('inspath');
const sinkDb = `${srcDb}_s`;

before(async () => {
  const sql = readFileSync(join(ROOT, 'test/fixtures/types.sql'), 'utf8');
  await exec(sourceUrl(), `CREATE DATABASE ${q(srcDb)}; USE ${q(srcDb)};\n${sql}`);
  await exec(sinkUrl(), 'SET GLOBAL local_infile = OFF');
});

after(async () => {
  await exec(sinkUrl(), 'SET GLOBAL local_infile = ON');
  await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(srcDb)}`);
  await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${q(sinkDb)}`);
});

test('with local_infile=OFF on the sink, INSERT IGNORE copies every type family exactly', async () => {
  const dir = tempDir();
  const job = writeJob(dir, jobSpec('insert-path', srcDb, { rename: { [srcDb]: sinkDb }, mode: 'snapshot', snapshot: { chunkRows: 500, parallelism: 2 } }));
  const r = await runCli(['run', job, '--state', join(dir, 'state.db')]);
  assert.equal(r.code, 0, r.stderr);
  const check = await runCli(['check', '--source', sourceUrl(), '--sink', sinkUrl(), '--json']);
  const item = (JSON.parse(check.stdout) as { items: { id: string; status: string }[] }).items.find((i) => i.id === 'sink.local_infile');
  assert.equal(item?.status, 'warn');
  const tables = await query<{ t: string }>(
    sourceUrl(),
    "SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE'",
    [srcDb],
  );
  assert.ok(tables.length > 20);
  for (const { t } of tables) {
    assert.equal(await checksum(sinkUrl(), sinkDb, t), await checksum(sourceUrl(), srcDb, t), `CHECKSUM of ${t}`);
    assert.deepEqual(await rowDump(sinkUrl(), sinkDb, t), await rowDump(sourceUrl(), srcDb, t), `rows of ${t}`);
  }
});
