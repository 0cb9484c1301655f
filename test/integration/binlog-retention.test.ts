// Binlog retention on a real MariaDB: the expiry settings, the estimated last write of a binlog file
// (checked against the file's real modification time: the test servers run on this machine), purged
// file and GTID positions reported with the fix, and the GTID arithmetic as pure functions.
// The situations are made with FLUSH / PURGE BINARY LOGS, so no file number is assumed. Tests run one
// file at a time (`npm test`), so purging the files older than this test's own is safe.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { connect, parseMysqlUrl, queryRows, type Connection } from '../../engine/mysql/connection.js';
import { listBinlogFiles, readBinlogStatus } from '../../engine/source/mysql/binlog-status.js';
import {
  checkPositionAvailable,
  gtidSetIsSubset,
  gtidSetSubtract,
  mariadbGtidsMissing,
  parseGtidSet,
  readRetention,
} from '../../engine/source/mysql/binlog-retention.js';
import { CutoverError } from '../../shared/errors.js';
import { type SourcePosition } from '../../engine/core/position.js';
import { fileSequence } from '../../shared/positions.js';
import { exec, q, sourceUrl, uniqueName } from '../helpers/db.js';

const db = uniqueName('retention');
let conn: Connection;
let savedExpire = '0';

before(async () => {
  conn = await connect(parseMysqlUrl(sourceUrl()));
  const [row] = await queryRows<{ s: string }>(conn, 'SELECT @@GLOBAL.binlog_expire_logs_seconds AS s');
  savedExpire = String(row?.s ?? '0');
  await exec(sourceUrl(), `CREATE DATABASE ${q(db)}; CREATE TABLE ${q(db)}.t (id INT PRIMARY KEY AUTO_INCREMENT, v INT)`);
});

after(async () => {
  await conn.query(`SET GLOBAL binlog_expire_logs_seconds = ${Number(savedExpire)}`);
  await conn.end();
  await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(db)}`);
});

/** A write, then the position right after it (in the current binlog file). */
async function writeAndMark(): Promise<SourcePosition> {
  await conn.query(`INSERT INTO ${q(db)}.t (v) VALUES (1)`);
  return (await readBinlogStatus(conn)).file;
}

async function fileNames(): Promise<string[]> {
  return (await listBinlogFiles(conn)).map((f) => f.name);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until MariaDB's binlog checkpoint is past `file`: until InnoDB has made the commits logged in a
 * file durable, the server keeps that file for crash recovery and neither PURGE nor expiry removes it.
 */
async function checkpointPast(file: string): Promise<void> {
  let seen = '';
  for (let i = 0; i < 100; i++) {
    const current = (await readBinlogStatus(conn)).file.file;
    const rows = await queryRows<{ Event_type: string; Info: string }>(conn, `SHOW BINLOG EVENTS IN '${current}'`);
    seen = rows.filter((r) => r.Event_type === 'Binlog_checkpoint').at(-1)?.Info ?? '';
    if (fileSequence(seen) > fileSequence(file)) return;
    await sleep(100);
  }
  assert.fail(`the binlog checkpoint stays at ${seen}, not past ${file}`);
}

/** PURGE BINARY LOGS TO `file`, once the checkpoint allows it; checks that it happened. */
async function purgeTo(file: string): Promise<void> {
  const files = await fileNames();
  const before = files[files.indexOf(file) - 1];
  if (before) await checkpointPast(before);
  await conn.query(`PURGE BINARY LOGS TO '${file}'`);
  const now = await fileNames();
  assert.equal(now[0], file, `PURGE BINARY LOGS TO '${file}' left ${now.join(', ')}`);
}

/** Rejects with BINLOG_PURGED; returns the error's message and fix. */
async function purgedError(p: Parameters<typeof checkPositionAvailable>[1]): Promise<{ message: string; fix: string }> {
  let err: unknown = null;
  await checkPositionAvailable(conn, p).catch((e: unknown) => (err = e));
  assert.ok(err instanceof CutoverError, `expected a CutoverError, got ${String(err)}`);
  assert.equal(err.code, 'BINLOG_PURGED');
  return { message: err.message, fix: err.fix ?? '' };
}

test('retention settings: never expired at 0, seconds and days shown; the current file has no deadline', async () => {
  const here = await writeAndMark();
  await conn.query('SET GLOBAL binlog_expire_logs_seconds = 0');
  let r = await readRetention(conn, here);
  assert.equal(r.expireSeconds, null);
  assert.equal(r.settings, 'binlog_expire_logs_seconds = 0 (binlogs are never expired)');
  assert.equal(r.secondsLeft, null);
  assert.equal(r.oldestFile, (await fileNames())[0]);

  await conn.query('SET GLOBAL expire_logs_days = 10'); // MariaDB keeps binlog_expire_logs_seconds in step
  r = await readRetention(conn, here);
  assert.equal(r.expireSeconds, 864000);
  assert.equal(r.settings, 'binlog_expire_logs_seconds = 864000 (10 days)');
  assert.equal(r.secondsLeft, null, 'the file being written cannot expire');
});

test("a closed file's last write is estimated from the next file's first event, and its deadline follows", async () => {
  const p = await writeAndMark();
  await conn.query('FLUSH BINARY LOGS');
  await conn.query('SET GLOBAL binlog_expire_logs_seconds = 864000');
  const r = await readRetention(conn, p);
  const [base] = await queryRows<{ b: string }>(conn, 'SELECT @@log_bin_basename AS b');
  const mtime = Math.floor(statSync(join(dirname(String(base?.b)), p.file)).mtimeMs / 1000);
  assert.ok(r.lastWriteEstimate !== undefined, 'no estimate');
  assert.ok(Math.abs(r.lastWriteEstimate - mtime) <= 1, `estimate ${r.lastWriteEstimate}, file modified at ${mtime}`);
  const [now] = await queryRows<{ t: string }>(conn, 'SELECT UNIX_TIMESTAMP() AS t');
  const expected = mtime + 864000 + 1 - Number(now?.t);
  assert.ok(r.secondsLeft !== null && Math.abs(r.secondsLeft - expected) <= 2, `secondsLeft ${r.secondsLeft}, expected about ${expected}`);
  // the server agrees the file is not due: a rotation (which runs expiry) keeps it
  await conn.query('FLUSH BINARY LOGS');
  assert.ok((await fileNames()).includes(p.file), `${p.file} was purged at 10 days of retention`);
  await checkPositionAvailable(conn, p);
});

test('a file at 0 seconds left is purged by the next rotation; the error names file, oldest file and settings', async () => {
  const p = await writeAndMark();
  await conn.query('FLUSH BINARY LOGS');
  await checkpointPast(p.file);
  await conn.query('SET GLOBAL binlog_expire_logs_seconds = 1');
  let left: number | null = null;
  for (let i = 0; i < 40 && left !== 0; i++) {
    await sleep(250);
    left = (await readRetention(conn, p)).secondsLeft;
  }
  assert.equal(left, 0);
  await checkPositionAvailable(conn, p); // expiry only runs at rotation: still there
  await conn.query('FLUSH BINARY LOGS');
  await conn.query('SET GLOBAL binlog_expire_logs_seconds = 864000');
  const files = await fileNames();
  assert.ok(!files.includes(p.file), `${p.file} is still there: ${files.join(', ')}`);
  const { message, fix } = await purgedError(p);
  assert.ok(message.includes(p.file), message);
  assert.ok(message.includes(`oldest binlog file it still has is ${files[0]}`), message);
  assert.ok(message.includes('binlog_expire_logs_seconds = 864000 (10 days)'), message);
  assert.match(fix, /--resnapshot/);
  assert.match(fix, /SET GLOBAL binlog_expire_logs_seconds = \d+/);
  assert.equal((await readRetention(conn, p)).secondsLeft, 0, 'a purged file has no time left');
});

test('PURGE BINARY LOGS: file positions before the oldest file, or past the end of a file, are reported', async () => {
  await conn.query('SET GLOBAL binlog_expire_logs_seconds = 0');
  const old = await writeAndMark();
  await conn.query('FLUSH BINARY LOGS');
  const kept = await writeAndMark();
  await purgeTo(kept.file);
  const files = await listBinlogFiles(conn);
  await checkPositionAvailable(conn, kept);
  await checkPositionAvailable(conn, { kind: 'mysql-binlog', file: kept.file, pos: 4 });

  const a = await purgedError(old);
  assert.ok(a.message.includes(`binlog file ${old.file}`), a.message);
  assert.ok(a.message.includes(`oldest binlog file it still has is ${kept.file}`), a.message);
  assert.ok(a.message.includes('binlog_expire_logs_seconds = 0 (binlogs are never expired)'), a.message);

  const size = files[0]!.bytes;
  const b = await purgedError({ kind: 'mysql-binlog', file: kept.file, pos: size + 1000 });
  assert.ok(b.message.includes(`${kept.file} has only`), b.message);
});

test('MariaDB GTID positions: available while the oldest Gtid_list is not past them, purged after', async () => {
  const start = await readBinlogStatus(conn);
  assert.equal(start.gtid?.kind, 'mariadb-gtid');
  const from = { kind: 'mariadb-gtid' as const, gtidPos: start.gtid!.kind === 'mariadb-gtid' ? start.gtid!.gtidPos : '' };
  await checkPositionAvailable(conn, from);
  await writeAndMark(); // a GTID after `from`
  await conn.query('FLUSH BINARY LOGS');
  const now = await readBinlogStatus(conn);
  await purgeTo(now.file.file);
  const { message, fix } = await purgedError(from);
  assert.ok(message.includes(`GTID position ${from.gtidPos}`), message);
  assert.ok(message.includes(`oldest binlog file it still has is ${now.file.file}`), message);
  assert.match(fix, /--resnapshot/);
  // the position the server is at now is in the remaining file
  await checkPositionAvailable(conn, { kind: 'mariadb-gtid', gtidPos: now.gtid!.kind === 'mariadb-gtid' ? now.gtid!.gtidPos : '' });
});

test('mariadbGtidsMissing: the rule MariaDB 10.11 applies when a replica connects (verified on a real replica)', () => {
  const list = '0-1-6,0-2-8,5-1-1'; // Gtid_list of the oldest file
  assert.deepEqual(mariadbGtidsMissing('0-2-8,5-1-1', list), []);
  assert.deepEqual(mariadbGtidsMissing('0-1-9,5-1-1', list), [], 'a later seq_no from another server id');
  assert.deepEqual(mariadbGtidsMissing('0-2-8,5-1-1,7-1-3', list), [], 'a domain the binlog never had');
  assert.equal(mariadbGtidsMissing('0-1-6,5-1-1', list).length, 1, 'seq_no below the highest of the domain');
  assert.equal(mariadbGtidsMissing('0-2-7,5-1-1', list).length, 1);
  assert.match(mariadbGtidsMissing('0-2-8', list)[0]!, /no GTID of domain 5/);
  assert.equal(mariadbGtidsMissing('', list).length, 2);
  assert.deepEqual(mariadbGtidsMissing('', ''), [], 'nothing was ever purged');
});

test('MySQL GTID sets: parse, subtract and subset as interval arithmetic', () => {
  const u1 = '3E11FA47-71CA-11E1-9E33-C80AA9429562';
  const u2 = '4a8b0b11-0000-11ee-8000-000000000001';
  const l1 = u1.toLowerCase();
  assert.deepEqual([...parseGtidSet(`${u1}:1-5:6-9:20,${l1}:3-4`)], [[l1, [[1n, 9n], [20n, 20n]]]]);
  assert.equal(gtidSetSubtract(`${u1}:1-10`, `${l1}:1-3:5:8-20`), `${l1}:4:6-7`);
  assert.equal(gtidSetSubtract(`${u1}:1-10,${u2}:1-2`, `${u1}:1-10`), `${u2}:1-2`);
  assert.ok(gtidSetIsSubset(`${u1}:1-100`, ` ${l1}:1-50:51-200 ,\n${u2}:1`));
  assert.ok(!gtidSetIsSubset(`${u1}:1-100`, `${u1}:2-100`));
  assert.ok(gtidSetIsSubset('', `${u1}:1`), 'an empty gtid_purged is in every set');
  assert.ok(!gtidSetIsSubset(`${u1}:1`, ''));
  // MySQL 8.3+ tags: u:tag:N is a different GTID from u:N
  assert.equal(gtidSetSubtract(`${u1}:1-3:web:1-2`, `${u1}:1-3`), `${l1}:web:1-2`);
  assert.ok(gtidSetIsSubset(`${u1}:web:1-2`, `${u1}:1-9:WEB:1-5`));
  // numbers beyond 2^53 stay exact
  assert.equal(gtidSetSubtract(`${u1}:1-9007199254740995`, `${u1}:1-9007199254740993`), `${l1}:9007199254740994-9007199254740995`);
});
