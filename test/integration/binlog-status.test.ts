// The source's binlog position: read from the server, advancing with writes, and recorded at copy start;
// the source session's backlog (bytes of binlog from a position to the head, across rotated files) and
// whether a table exists.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { connect, parseMysqlUrl } from '../../engine/mysql/connection.js';
import { listBinlogFiles, readBinlogStatus } from '../../engine/source/mysql/binlog-status.js';
import { comparePositions } from '../../engine/core/position.js';
import { mysqlSourceDriver } from '../../engine/source/mysql/driver.js';
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

test("a source session's backlog: bytes of binlog from a position to the head, within a file and across rotated files", async () => {
  const session = await mysqlSourceDriver.openSession(parseMysqlUrl(sourceUrl()));
  const conn = await connect(parseMysqlUrl(sourceUrl()));
  try {
    await exec(sourceUrl(), `CREATE DATABASE IF NOT EXISTS ${db}; CREATE TABLE IF NOT EXISTS ${db}.b (id INT PRIMARY KEY, v TEXT)`);
    const from = (await readBinlogStatus(conn)).file;
    assert.deepEqual((await session.backlog(from)).bytesBehind, 0);
    await exec(sourceUrl(), `INSERT INTO ${db}.b VALUES (1, REPEAT('x', 3000))`);
    const same = await session.backlog(from);
    assert.equal(same.head.file.file, from.file);
    assert.equal(same.bytesBehind, same.head.file.pos - from.pos);
    assert.ok(same.bytesBehind! > 3000, `${same.bytesBehind} bytes for a 3,000-byte row`);
    assert.equal(same.head.gtid?.kind, 'mariadb-gtid');

    await exec(sourceUrl(), `FLUSH BINARY LOGS; INSERT INTO ${db}.b VALUES (2, 'y'); FLUSH BINARY LOGS; INSERT INTO ${db}.b VALUES (3, 'z')`);
    const across = await session.backlog(from);
    assert.deepEqual(across.head.file, (await readBinlogStatus(conn)).file);
    const files = await listBinlogFiles(conn);
    const i = files.findIndex((f) => f.name === from.file);
    const j = files.findIndex((f) => f.name === across.head.file.file);
    assert.ok(i >= 0 && j - i === 2, `from ${from.file} to ${across.head.file.file} over ${files.map((f) => f.name).join(', ')}`);
    const expected = files[i]!.bytes - from.pos + files[i + 1]!.bytes + across.head.file.pos;
    assert.equal(across.bytesBehind, expected);
    assert.equal((await session.backlog(across.head.file)).bytesBehind, 0);
  } finally {
    await conn.end();
    await session.close();
  }
});

test('the session tells whether a base table exists: names compare exactly, views are not tables', async () => {
  const session = await mysqlSourceDriver.openSession(parseMysqlUrl(sourceUrl()));
  try {
    await exec(sourceUrl(), `CREATE DATABASE IF NOT EXISTS ${db}; CREATE TABLE IF NOT EXISTS ${db}.here (id INT PRIMARY KEY); CREATE OR REPLACE VIEW ${db}.seen AS SELECT id FROM ${db}.here`);
    assert.equal(await session.tableExists({ db, table: 'here' }), true);
    assert.equal(await session.tableExists({ db, table: 'HERE' }), false);
    assert.equal(await session.tableExists({ db, table: 'seen' }), false);
    await exec(sourceUrl(), `DROP TABLE ${db}.here`);
    assert.equal(await session.tableExists({ db, table: 'here' }), false);
  } finally {
    await session.close();
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
