// The binlog reader on a real MariaDB: every value of the type fixture, as replayed from the binlog, is
// byte-identical to what the snapshot's SELECT returns; transactions, positions, rotation, DDL and GTID starts.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BinlogReader } from '../../engine/source/mysql/binlog-reader.js';
import { readBinlogStatus } from '../../engine/source/mysql/binlog-status.js';
import { connect, parseMysqlUrl } from '../../engine/mysql/connection.js';
import { listBaseTables, readTable } from '../../engine/source/mysql/schema-reader.js';
import { openDataConnection, streamChunk } from '../../engine/source/mysql/snapshot-reader.js';
import { comparePositions, type SourcePosition } from '../../engine/core/position.js';
import { admin, dumpDiff, exec, q, ROOT, sourceUrl, uniqueName } from '../helpers/db.js';
import type { RawRow } from '../../engine/core/rows.js';
import type { BinlogItem, BinlogTransaction, DdlEvent } from '../../engine/core/changes.js';
import type { CopyTable } from '../../engine/core/tables.js';

const typesDbs: string[] = [];
const txDb = uniqueName('binlog_tx');
let serverId = 5100 + Math.floor(Math.random() * 800);

after(async () => {
  for (const d of typesDbs) await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(d)}`);
  await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(txDb)}; SET GLOBAL binlog_row_metadata = FULL`);
});

/** Reads items until `done` says so; fails after `ms`. */
async function readUntil(reader: BinlogReader, done: (item: BinlogItem, all: BinlogItem[]) => boolean, ms = 60_000): Promise<BinlogItem[]> {
  const items: BinlogItem[] = [];
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${items.length} items`)), ms);
  });
  try {
    for (;;) {
      const item = await Promise.race([reader.next(), timeout]);
      assert.ok(item, 'the reader ended');
      items.push(item);
      if (done(item, items)) return items;
    }
  } finally {
    clearTimeout(timer);
  }
}

const txs = (items: BinlogItem[]): BinlogTransaction[] => items.filter((i): i is BinlogTransaction => i.kind === 'transaction');

// Extra edge cases for what the binlog does not describe itself (zerofill widths, DOUBLE(M,D), UUID/INET text).
const EXTRA_SQL = `
CREATE TABLE x_extra (
  id INT NOT NULL PRIMARY KEY,
  z INT(6) UNSIGNED ZEROFILL NULL, zt TINYINT ZEROFILL NULL, zb BIGINT(25) UNSIGNED ZEROFILL NULL,
  dz DECIMAL(8,3) ZEROFILL NULL, d0z DECIMAL(5,0) ZEROFILL NULL,
  d155 DOUBLE(15,5) NULL, d20 DOUBLE(20,0) NULL, dbz DOUBLE ZEROFILL NULL, dmz DOUBLE(12,3) ZEROFILL NULL,
  fz FLOAT ZEROFILL NULL, f72 FLOAT(7,2) NULL,
  u UUID NULL, i6 INET6 NULL, i4 INET4 NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
INSERT INTO x_extra VALUES
  (1, 42, 7, 18446744073709551615, 1.5, 7, 0.125, 12345678901234567, 1.5, 3.25, 1.5, 0.1, '123e4567-e89b-12d3-a456-426614174000', '::1', '1.2.3.4'),
  (2, 0, 0, 0, 0, 0, -0.000001, -0e0, 0, 0, 0, -0.01, '00000000-0000-0000-0000-000000000000', '::', '0.0.0.0'),
  (3, 4294967295, 255, 1, 99999.999, 99999, -9999999999.99999, 1e19, 1e-300, 999999999.999, 3.4e38, 99999.99, 'ffffffff-ffff-4fff-bfff-ffffffffffff', '::ffff:1.2.3.4', '255.255.255.255'),
  (4, NULL, NULL, NULL, NULL, NULL, 2.675, 0.5, 1e300, 0.0005, 1e-38, 1.005, '01234567-89ab-1def-8123-456789abcdef', '1:0:1:0:0:1:0:1', '10.0.0.1'),
  (5, 1, 1, 1, 0.001, 1, 1e9, 2.5, 123456789012, 1.0005, 16777217, -0.005, '6ccd780c-baba-1026-9564-5b8c656024db', '1:0:1:1:1:1:1:1', NULL),
  (6, 2, 2, 2, 2, 2, 0.000015, 1.5, -0e0, 2, 2, 2, NULL, '::0.1.0.0', NULL),
  (7, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, NULL, '0:0:0:1::', NULL),
  (8, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, NULL, '2001:db8::ff00:42:8329', NULL),
  (9, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, NULL, '::2', NULL),
  (10, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, NULL, '1:2:3:4:5:6:7:0', NULL);
UPDATE x_extra SET u = '11111111-2222-3333-4444-555555555555', i6 = '::ffff:0:1.2.3.4' WHERE id = 6;
DELETE FROM x_extra WHERE id = 7;
UPDATE t_enum_set SET id = id + 100 WHERE id IN (1, 8);
UPDATE t_no_key SET b = 'changed' WHERE a = 1;
DELETE FROM t_no_key WHERE a IS NULL LIMIT 1;
UPDATE t_generated SET a = a + 1 WHERE id < 50;
UPDATE t_misc SET uuid_col = '123e4567-e89b-12d3-a456-426614174001' WHERE uuid_col IS NULL;
CREATE TABLE zz_marker (id INT PRIMARY KEY);
INSERT INTO zz_marker VALUES (1);
`;

for (const metadata of ['FULL', 'MINIMAL'] as const) {
  test(`every value replayed from the binlog equals what the snapshot reads (binlog_row_metadata=${metadata})`, { timeout: 300_000 }, async () => {
    await exec(sourceUrl(), `SET GLOBAL binlog_row_metadata = ${metadata}`);
    try {
      await replayEqualsSnapshot(metadata === 'FULL');
    } finally {
      await exec(sourceUrl(), 'SET GLOBAL binlog_row_metadata = FULL');
    }
  });
}

async function replayEqualsSnapshot(full: boolean): Promise<void> {
  const typesDb = uniqueName('binlog_types');
  typesDbs.push(typesDb);
  const src = parseMysqlUrl(sourceUrl());
  const conn = await connect(src);
  const data = await openDataConnection(src);
  try {
    const p0 = (await readBinlogStatus(conn)).file;
    const sql = readFileSync(join(ROOT, 'test/fixtures/types.sql'), 'utf8');
    await exec(sourceUrl(), `CREATE DATABASE ${q(typesDb)}; USE ${q(typesDb)};\n${sql}\nSET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION';\n${EXTRA_SQL}`);

    // Replay: a multiset of rows per table (update/delete must find their exact before-image).
    const reader = await BinlogReader.open(sourceUrl(), p0, { serverId: serverId++, include: (db) => db === typesDb, highWater: 200 });
    const tables = new Map<string, { columns: string[]; rows: Map<string, number> }>();
    const key = (row: RawRow): string => JSON.stringify(row);
    const missing: string[] = [];
    let sawVirtual = false;
    try {
      await readUntil(reader, (item) => {
        if (item.kind !== 'transaction') return false;
        for (const c of item.changes) {
          assert.equal(c.db, typesDb);
          if (c.table === 't_generated') sawVirtual ||= c.columns.includes('total') && c.columns.includes('j_name');
          let t = tables.get(c.table);
          if (!t) tables.set(c.table, (t = { columns: c.columns, rows: new Map() }));
          if (c.before) {
            const k = key(c.before);
            const n = t.rows.get(k) ?? 0;
            if (n === 0) missing.push(`${c.table}: ${c.type} of a row never inserted: ${k.slice(0, 200)}`);
            else if (n === 1) t.rows.delete(k);
            else t.rows.set(k, n - 1);
          }
          if (c.after) t.rows.set(key(c.after), (t.rows.get(key(c.after)) ?? 0) + 1);
        }
        return item.changes.some((c) => c.table === 'zz_marker');
      }, 240_000);
    } finally {
      await reader.close();
    }
    assert.deepEqual(missing, []);
    if (full) assert.ok(sawVirtual, 'VIRTUAL generated columns are in the FULL row image');

    const refs = (await listBaseTables(conn)).filter((r) => r.db === typesDb);
    assert.ok(refs.length > 30, `${refs.length} tables`);
    const diffs: string[] = [];
    for (const ref of refs) {
      const info = await readTable(conn, ref);
      const columns = info.columns.filter((c) => !c.generated);
      const ct: CopyTable = { stateId: 0, source: info, sink: ref, columns, keyColumns: [] };
      const want: string[] = [];
      await streamChunk(data, ct, null, null, (row) => void want.push(key(row)));
      const t = tables.get(ref.table);
      const got: string[] = [];
      if (t) {
        const idx = columns.map((c) => t.columns.indexOf(c.name));
        assert.ok(idx.every((i) => i >= 0), `${ref.table}: binlog columns ${t.columns.join(',')}`);
        for (const [k, n] of t.rows) {
          const row = JSON.parse(k) as RawRow;
          const projected = key(idx.map((i) => row[i]!));
          for (let j = 0; j < n; j++) got.push(projected);
        }
      }
      const diff = dumpDiff(want.sort(), got.sort());
      if (diff) diffs.push(`${ref.table}: ${diff}`);
    }
    assert.deepEqual(diffs, []);
  } finally {
    await data.end();
    await conn.end();
  }
}

test('transactions, positions, rotation, DDL and GTID starts', { timeout: 120_000 }, async () => {
  const conn = await connect(parseMysqlUrl(sourceUrl()));
  const w = await admin(sourceUrl());
  try {
    await w.query(`CREATE DATABASE ${q(txDb)}; USE ${q(txDb)};
      CREATE TABLE a (id INT PRIMARY KEY, v VARCHAR(20)); CREATE TABLE b (id INT PRIMARY KEY, n INT);
      CREATE TABLE skipped (id INT PRIMARY KEY)`);
    const s0 = await readBinlogStatus(conn);
    const include = (db: string, table: string): boolean => db === txDb && table !== 'skipped';
    const reader = await BinlogReader.open(sourceUrl(), s0.file, { serverId: serverId++, include });
    let multiGtid = '';
    let expected: BinlogTransaction[] = [];
    const lastGtid = async (): Promise<string> => String(((await w.query('SELECT @@last_gtid AS g')) as unknown as [{ g: string }[]])[0][0]!.g);
    try {
      await w.query("INSERT INTO a VALUES (1, 'one'), (2, 'two')");
      await w.query("BEGIN; INSERT INTO a VALUES (3, 'three'); INSERT INTO skipped VALUES (1); INSERT INTO b VALUES (10, 1); UPDATE b SET n = 2 WHERE id = 10; COMMIT");
      multiGtid = await lastGtid();
      await w.query('UPDATE a SET id = 100 WHERE id = 1');
      await w.query('DELETE FROM a WHERE id = 2');
      await w.query('FLUSH BINARY LOGS');
      await w.query('INSERT INTO b VALUES (11, 3)');
      const afterFlushGtid = await lastGtid();
      await w.query('ALTER TABLE a ADD COLUMN w INT NULL');
      await w.query("INSERT INTO a VALUES (5, 'five', 7)");
      // b's TableMap repeats the one read before the DDL (zongji keeps its decoded entry): its rows still decode exactly
      await w.query('BEGIN; INSERT INTO b VALUES (12, 4); UPDATE b SET n = 5 WHERE id = 12; COMMIT');
      const s1 = await readBinlogStatus(conn);

      const items = await readUntil(reader, (item) => item.kind !== 'piece' && comparePositions(item.end, s1.file) >= 0);
      const ours = txs(items).filter((t) => t.changes.length);
      assert.equal(ours.length, 7, JSON.stringify(ours.map((t) => t.changes.map((c) => c.table))));
      const [ins, multi, upd, del, afterFlush, afterDdl, sameMap] = ours as [BinlogTransaction, BinlogTransaction, BinlogTransaction, BinlogTransaction, BinlogTransaction, BinlogTransaction, BinlogTransaction];
      assert.deepEqual(sameMap.changes.map((c) => [c.table, c.type, c.columns, c.before, c.after]), [
        ['b', 'insert', ['id', 'n'], null, ['12', '4']],
        ['b', 'update', ['id', 'n'], ['12', '4'], ['12', '5']],
      ]);
      assert.deepEqual(ins.changes.map((c) => [c.type, c.after]), [['insert', ['1', 'one']], ['insert', ['2', 'two']]]);
      assert.deepEqual(ins.changes[0]!.columns, ['id', 'v']);
      // one transaction over two tables (the excluded table's row is not there), ending right after its commit
      assert.deepEqual(multi.changes.map((c) => [c.table, c.type, c.before, c.after]), [
        ['a', 'insert', null, ['3', 'three']],
        ['b', 'insert', null, ['10', '1']],
        ['b', 'update', ['10', '1'], ['10', '2']],
      ]);
      assert.equal(multi.gtid, multiGtid);
      assert.equal(multi.end.file, s0.file.file);
      const events = (await conn.query(`SHOW BINLOG EVENTS IN '${multi.end.file}'`))[0] as { Event_type: string; End_log_pos: number }[];
      assert.equal(events.find((e) => Number(e.End_log_pos) === multi.end.pos)?.Event_type, 'Xid', 'end is the end of the Xid event');
      assert.ok(Math.abs(multi.timestamp - Date.now() / 1000) < 120, `timestamp ${multi.timestamp}`);
      // a primary key change is one update with both images; a delete carries the old row
      assert.deepEqual(upd.changes.map((c) => [c.type, c.before, c.after]), [['update', ['1', 'one'], ['100', 'one']]]);
      assert.deepEqual(del.changes.map((c) => [c.type, c.before, c.after]), [['delete', ['2', 'two'], null]]);
      // FLUSH BINARY LOGS: the reader follows into the next file
      assert.notEqual(afterFlush.end.file, s0.file.file);
      assert.equal(afterFlush.gtid, afterFlushGtid);
      assert.deepEqual(afterFlush.changes.map((c) => c.after), [['11', '3']]);
      // DDL arrives as its own item, between the transactions around it; later rows have the new column
      const ddl = items.filter((i): i is DdlEvent => i.kind === 'ddl' && i.db === txDb);
      assert.equal(ddl.length, 1);
      assert.match(ddl[0]!.sql, /^ALTER TABLE a ADD COLUMN w INT NULL$/);
      assert.ok(ddl[0]!.gtid);
      assert.ok(items.indexOf(ddl[0]!) > items.indexOf(afterFlush) && items.indexOf(ddl[0]!) < items.indexOf(afterDdl));
      assert.deepEqual([afterDdl.changes[0]!.columns, afterDdl.changes[0]!.after], [['id', 'v', 'w'], ['5', 'five', '7']]);
      expected = [upd, del, afterFlush];
      // ends are increasing
      for (let i = 1; i < items.length; i++) assert.ok(comparePositions((items[i - 1] as BinlogTransaction).end, (items[i] as BinlogTransaction).end) < 0);
    } finally {
      await reader.close();
    }

    // Starting from a GTID gives the transactions after it, with the same ends and GTIDs.
    const fromGtid = await BinlogReader.open(sourceUrl(), { gtid: multiGtid }, { serverId: serverId++, include });
    try {
      const items = await readUntil(fromGtid, (item) => item.kind === 'ddl' && item.db === txDb);
      const ours = txs(items).filter((t) => t.changes.length);
      assert.deepEqual(ours.map((t) => [t.gtid, t.end]), expected.map((t) => [t.gtid, t.end]));
      assert.deepEqual(ours.map((t) => t.changes), expected.map((t) => t.changes));
    } finally {
      await fromGtid.close();
    }
  } finally {
    await w.end();
    await conn.end();
  }
});

test('a quiet binlog sends heartbeats: the connection is seen alive and the position does not move', { timeout: 60_000 }, async () => {
  const conn = await connect(parseMysqlUrl(sourceUrl()));
  try {
    const at = (await readBinlogStatus(conn)).file;
    const reader = await BinlogReader.open(sourceUrl(), at, { serverId: serverId++, include: () => false, heartbeatMs: 200 });
    try {
      const waitFrom = Date.now();
      const deadline = waitFrom + 20_000;
      while (reader.heartbeats < 3 && Date.now() < deadline) assert.equal(await reader.next(100), undefined);
      assert.ok(reader.heartbeats >= 3, `${reader.heartbeats} heartbeat(s) in 20 s`);
      // The heartbeats count as events: the last one arrived while we waited (no bound on how long ago).
      assert.ok(reader.lastEventAt >= waitFrom, 'the heartbeats did not move lastEventAt');
      const idle = reader.idlePosition;
      assert.ok(idle && comparePositions(idle, at) === 0, `the position stays at ${at.file}:${at.pos}, not ${JSON.stringify(idle)}`);
    } finally {
      await reader.close();
    }
  } finally {
    await conn.end();
  }
});
