// The source's binlog position: read from the server, advancing with writes, and recorded at copy start.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { connect, parseMysqlUrl } from '../../engine/mysql/connection.js';
import { listBinlogFiles, readBinlogStatus } from '../../engine/source/mysql/binlog-status.js';
import { comparePositions } from '../../engine/core/position.js';
import { exec, runCli, sinkUrl, sourceUrl, tempDir, uniqueName, writeJob } from '../helpers/db.js';

const db = uniqueName('binlog');

after(async () => {
  await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${db}`);
  await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${db}`);
});

test('the binlog position advances with writes; files are listed oldest first', async () => {
  const conn = await connect(parseMysqlUrl(sourceUrl()));
  try {
    const before = await readBinlogStatus(conn);
    assert.match(before.file.file, /^mysql-bin\.\d{6}$/);
    assert.equal(before.gtid?.kind, 'mariadb-gtid');
    await exec(sourceUrl(), `CREATE DATABASE ${db}; CREATE TABLE ${db}.t (id INT PRIMARY KEY); INSERT INTO ${db}.t VALUES (1), (2);`);
    const after = await readBinlogStatus(conn);
    assert.ok(comparePositions(after.file, before.file) > 0, `${JSON.stringify(after)} is not after ${JSON.stringify(before)}`);
    assert.notEqual(after.gtid?.kind === 'mariadb-gtid' && after.gtid.gtidPos, before.gtid?.kind === 'mariadb-gtid' && before.gtid.gtidPos);
    const files = await listBinlogFiles(conn);
    assert.equal(files.at(-1)?.name, after.file.file);
  } finally {
    await conn.end();
  }
});

test('a copy records the source binlog position it started at, and status shows it', async () => {
  const dir = tempDir();
  const state = join(dir, 'state.db');
  const job = writeJob(dir, {
    name: 'binlog-pos',
    source: { url: sourceUrl() },
    sink: { type: 'mysql', url: sinkUrl() },
    tables: { include: [`${db}.*`] },
    mode: 'snapshot',
  });
  const r = await runCli(['run', job, '--state', state]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /copy started at source binlog position mysql-bin\.\d+:\d+ \(GTID \d+-\d+-\d+\)/);
  const s = JSON.parse((await runCli(['status', '--state', state, '--json'])).stdout) as {
    jobs: { copyStartPosition: { file: string; pos: number; gtid: string } }[];
  };
  // The file field is the file's name; the offset is its own number (it was "file:pos" in `file`).
  assert.match(s.jobs[0]!.copyStartPosition.file, /^mysql-bin\.\d+$/);
  assert.ok(Number.isInteger(s.jobs[0]!.copyStartPosition.pos) && s.jobs[0]!.copyStartPosition.pos >= 4, `pos: ${s.jobs[0]!.copyStartPosition.pos}`);
  assert.match((await runCli(['status', '--state', state])).stdout, /copy started at source binlog mysql-bin\.\d+:\d+ \(GTID \d+-\d+-\d+\)/);
  assert.match(s.jobs[0]!.copyStartPosition.gtid, /^\d+-\d+-\d+/);
});
