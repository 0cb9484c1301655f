// The source heartbeat on a real MariaDB: its row advances while it runs and not after stop(), the binlog
// carries its value (read back with heartbeatTime), a missing privilege names the GRANT that fixes it,
// and a lost connection is reported to onError and replaced.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { HEARTBEAT_DB, HEARTBEAT_TABLE, SourceHeartbeat, heartbeatTime } from '../../engine/source/mysql/heartbeat.js';
import { BinlogReader } from '../../engine/source/mysql/binlog-reader.js';
import { readBinlogStatus } from '../../engine/source/mysql/binlog-status.js';
import { connect, parseMysqlUrl } from '../../engine/mysql/connection.js';
import { CutoverError } from '../../shared/errors.js';
import { exec, query, sourceUrl, uniqueName } from '../helpers/db.js';

const TABLE = `\`${HEARTBEAT_DB}\`.\`${HEARTBEAT_TABLE}\``;
const jobs: string[] = [];
const user = uniqueName('hb_user').slice(0, 60);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

after(async () => {
  if (jobs.length) await exec(sourceUrl(), `DELETE FROM ${TABLE} WHERE job IN (${jobs.map((j) => `'${j}'`).join(', ')})`).catch(() => undefined);
  await exec(sourceUrl(), `DROP USER IF EXISTS '${user}'@'%'`);
});

function newJob(base: string): string {
  const j = uniqueName(base);
  jobs.push(j);
  return j;
}

async function written(job: string): Promise<bigint | null> {
  const rows = await query<{ w: string }>(sourceUrl(), `SELECT written_us AS w FROM ${TABLE} WHERE job = ?`, [job]);
  return rows[0] ? BigInt(rows[0].w) : null;
}

/** Polls until `ok` holds for the job's value; fails after about 10 s. */
async function waitFor(job: string, ok: (v: bigint | null) => boolean, what: string): Promise<bigint | null> {
  let v: bigint | null = null;
  for (let i = 0; i < 200; i++) {
    v = await written(job);
    if (ok(v)) return v;
    await sleep(50);
  }
  assert.fail(`${what}: last value ${v}`);
}

/** A user that can connect and nothing else, its URL. */
function userUrl(): string {
  const u = new URL(sourceUrl());
  u.username = user;
  u.password = 'hb';
  return u.toString();
}

test('the heartbeat row holds the epoch microseconds, advances while running, and stops with stop()', async () => {
  const job = newJob('hb');
  const t0 = BigInt(Date.now()) * 1000n;
  const hb = await SourceHeartbeat.start(sourceUrl(), { job, intervalMs: 50 });
  let v1: bigint | null;
  try {
    v1 = await written(job);
    assert.ok(v1 !== null, 'start() did not write the first beat');
    assert.ok(v1 >= t0 - 1000n && v1 <= BigInt(Date.now()) * 1000n + 1000n, `${v1} is not epoch microseconds of now (${t0})`);
    const v2 = await waitFor(job, (v) => v !== null && v > v1!, 'the value did not advance');
    assert.ok(v2! > v1);
  } finally {
    await hb.stop();
  }
  const stopped = await written(job);
  await sleep(300); // six intervals
  assert.equal(await written(job), stopped, 'a write happened after stop()');
  const cols = await query<{ c: string; t: string }>(
    sourceUrl(),
    'SELECT COLUMN_NAME AS c, COLUMN_TYPE AS t FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
    [HEARTBEAT_DB, HEARTBEAT_TABLE],
  );
  assert.deepEqual(cols, [{ c: 'job', t: 'varchar(100)' }, { c: 'written_us', t: 'bigint(20)' }]);
});

test('the binlog carries the heartbeat: heartbeatTime reads the written time from the row image', async () => {
  const job = newJob('hb_binlog');
  const conn = await connect(parseMysqlUrl(sourceUrl()));
  const start = (await readBinlogStatus(conn)).file;
  await conn.end();
  const reader = await BinlogReader.open(sourceUrl(), start, {
    serverId: 5900 + Math.floor(Math.random() * 90),
    include: (db, table) => db === HEARTBEAT_DB && table === HEARTBEAT_TABLE,
  });
  const t0 = Date.now();
  const hb = await SourceHeartbeat.start(sourceUrl(), { job, intervalMs: 50 });
  const times: number[] = [];
  try {
    for (let i = 0; i < 200 && times.length < 2; i++) {
      const item = await reader.next(10_000);
      assert.ok(item, 'no binlog event within 10 s');
      if (item.kind !== 'transaction') continue;
      for (const c of item.changes) {
        assert.equal(heartbeatTime(c, 'another job'), null);
        const t = heartbeatTime(c, job);
        if (t !== null) times.push(t);
      }
    }
  } finally {
    await hb.stop();
    await reader.close();
  }
  assert.equal(times.length, 2);
  assert.ok(times[1]! > times[0]!, `${times.join(' then ')} does not advance`);
  assert.ok(times[0]! >= t0 - 1 && times[1]! <= Date.now() + 1, `${times.join(', ')} is not between ${t0} and now (ms)`);
  const latest = await written(job);
  assert.ok(latest !== null && Number(latest) / 1000 >= times[1]!);
});

test('heartbeatTime: other tables, deleted rows and bad values give null', () => {
  const row = { db: HEARTBEAT_DB, table: HEARTBEAT_TABLE, columns: ['job', 'written_us'], after: ['j', '1700000000123456'] };
  assert.equal(heartbeatTime(row), 1700000000123.456);
  assert.equal(heartbeatTime(row, 'j'), 1700000000123.456);
  assert.equal(heartbeatTime(row, 'k'), null);
  assert.equal(heartbeatTime({ ...row, table: 'other' }), null);
  assert.equal(heartbeatTime({ ...row, after: null }), null);
  assert.equal(heartbeatTime({ ...row, after: ['j', null] }), null);
  assert.equal(heartbeatTime({ ...row, after: ['j', '-5'] }), null);
  // job names arrive as their UTF-8 bytes in a latin1 string, like every row image value
  const name = 'zürich';
  const image = { ...row, after: [Buffer.from(name, 'utf8').toString('latin1'), '1000'] };
  assert.equal(heartbeatTime(image, name), 1);
});

test('without privileges on _cutover the error names the GRANT, and that GRANT is enough', async () => {
  await exec(sourceUrl(), `DROP USER IF EXISTS '${user}'@'%'; CREATE USER '${user}'@'%' IDENTIFIED BY 'hb'`);
  // the CREATE privilege matters only when the table is missing: drop it (it is re-created below)
  await exec(sourceUrl(), `DROP TABLE IF EXISTS ${TABLE}`);
  const job = newJob('hb_grant');
  let err: unknown = null;
  await SourceHeartbeat.start(userUrl(), { job }).then(
    (hb) => hb.stop(),
    (e: unknown) => (err = e),
  );
  assert.ok(err instanceof CutoverError, `expected a CutoverError, got ${String(err)}`);
  assert.equal(err.code, 'HEARTBEAT_PRIVILEGE');
  assert.match(err.message, /cannot create `_cutover`\.`heartbeat`/);
  const grant = /GRANT CREATE, SELECT, INSERT, UPDATE ON `_cutover`\.\* TO '[^']+'@'%';/.exec(err.fix ?? '');
  assert.ok(grant, `no GRANT in the fix: ${err.fix}`);
  assert.ok(grant[0].includes(`'${user}'@'%'`), grant[0]);
  await exec(sourceUrl(), grant[0]);
  const hb = await SourceHeartbeat.start(userUrl(), { job, intervalMs: 50 });
  await hb.stop();
  assert.ok((await written(job)) !== null, 'no row written after the GRANT');
});

test('a lost connection is reported to onError and the heartbeat carries on with a new one', async () => {
  // runs as the user of the previous test, so its connections are easy to find
  const job = newJob('hb_kill');
  const errors: Error[] = [];
  const hb = await SourceHeartbeat.start(userUrl(), { job, intervalMs: 50, onError: (e) => errors.push(e) });
  try {
    const ids = await query<{ id: string }>(sourceUrl(), 'SELECT ID AS id FROM information_schema.PROCESSLIST WHERE USER = ?', [user]);
    assert.ok(ids.length > 0, 'the heartbeat connection is not in the process list');
    for (const { id } of ids) await exec(sourceUrl(), `KILL CONNECTION ${Number(id)}`).catch(() => undefined);
    for (let i = 0; i < 200 && errors.length === 0; i++) await sleep(50);
    assert.ok(errors.length > 0, 'onError was not called after the connection was killed');
    const after = await written(job);
    await waitFor(job, (v) => v !== null && after !== null && v > after, 'no write after the reconnect');
  } finally {
    await hb.stop();
  }
});
