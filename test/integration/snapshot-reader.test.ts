// The chunk reader never hangs: a failure the driver reports on the connection ends the chunk with an
// error, and a stop request ends it at once. Columns in charsets the driver cannot name still copy. Each
// holds for both readers: byte strings (streamChunk) and byte ranges (streamChunkBytes, the copy's).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMysqlUrl } from '../../engine/mysql/connection.js';
import { readTable } from '../../engine/source/mysql/schema-reader.js';
import { openDataConnection, streamChunk } from '../../engine/source/mysql/snapshot-reader.js';
import { streamChunkBytes } from '../../engine/source/mysql/chunk-bytes-reader.js';
import { exec, sourceUrl, uniqueName } from '../helpers/db.js';
import { rowFromBytes, type RawRow } from '../../engine/core/rows.js';
import type { Connection } from '../../engine/mysql/connection.js';
import type { CopyTable } from '../../engine/core/tables.js';

type Reader = (conn: Connection, t: CopyTable, onRow: (row: RawRow) => Promise<void> | void, signal?: AbortSignal) => Promise<void>;
const readers: [string, Reader][] = [
  ['byte strings', (conn, t, onRow, signal) => streamChunk(conn, t, null, null, onRow, signal)],
  ['byte ranges', (conn, t, onRow, signal) => streamChunkBytes(conn, t, null, null, (r) => onRow(rowFromBytes(r)), signal)],
];

const db = uniqueName('reader');

before(async () => {
  await exec(
    sourceUrl(),
    `CREATE DATABASE ${db}; USE ${db};
     CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10) CHARACTER SET dec8, w VARCHAR(10) CHARACTER SET swe7);
     INSERT INTO t VALUES (1, 'abc', 'x'), (2, NULL, 'y');
     CREATE TABLE big (id INT PRIMARY KEY, v CHAR(100)); INSERT INTO big SELECT seq, 'x' FROM seq_1_to_50000;`,
  );
});

after(async () => exec(sourceUrl(), `DROP DATABASE IF EXISTS ${db}`));

async function table(name: string): Promise<CopyTable> {
  const conn = await openDataConnection(parseMysqlUrl(sourceUrl()));
  try {
    const info = await readTable(conn, { db, table: name });
    return { stateId: 1, source: info, sink: { db, table: name }, columns: info.columns, keyColumns: info.columns.slice(0, 1) };
  } finally {
    await conn.end();
  }
}

for (const [name, read] of readers) {
test(`columns in charsets the driver has no encoding for are read as their bytes (${name})`, async () => {
  const t = await table('t');
  const conn = await openDataConnection(parseMysqlUrl(sourceUrl()));
  const rows: unknown[] = [];
  try {
    await read(conn, t, (r) => void rows.push(r));
  } finally {
    await conn.end();
  }
  assert.deepEqual(rows, [
    ['1', 'abc', 'x'],
    ['2', null, 'y'],
  ]);
});

test(`a failure reported on the connection ends the chunk with that error instead of hanging (${name})`, async () => {
  const t = await table('t');
  // Pretend the dec8 column is latin1, so it is selected as is and the driver fails on its metadata.
  const plain: CopyTable = { ...t, columns: t.columns.map((c) => ({ ...c, charset: 'latin1' })) };
  const conn = await openDataConnection(parseMysqlUrl(sourceUrl()));
  try {
    await assert.rejects(read(conn, plain, () => undefined), /Encoding not recognized/);
  } finally {
    conn.destroy();
  }
});

test(`a stop request ends a chunk that is waiting on a slow consumer (${name})`, async () => {
  const t = await table('big');
  const conn = await openDataConnection(parseMysqlUrl(sourceUrl()));
  const ac = new AbortController();
  let rows = 0;
  try {
    await assert.rejects(
      read(
        conn,
        t,
        async () => {
          if (++rows === 10) ac.abort();
          await new Promise((r) => setTimeout(r, 5));
        },
        ac.signal,
      ),
      /stop requested/,
    );
    assert.ok(rows < 50000, `read ${rows} rows after the stop`);
  } finally {
    conn.destroy();
  }
});

test(`a consumer that makes the reader wait gets every row once, in key order, and the connection serves the next query (${name})`, async () => {
  const t = await table('big');
  const conn = await openDataConnection(parseMysqlUrl(sourceUrl()));
  let rows = 0;
  let last = 0;
  try {
    await read(conn, t, (r) => {
      const id = Number(r[0]);
      assert.equal(id, last + 1);
      assert.equal(r[1], 'x');
      last = id;
      if (++rows % 5000 === 0) return new Promise((res) => setTimeout(res, 10));
    });
    assert.equal(rows, 50000);
    const [[n]] = (await conn.query({ sql: `SELECT COUNT(*) FROM ${db}.big`, rowsAsArray: true })) as unknown as [[number][]];
    assert.equal(Number(n), 50000);
  } finally {
    await conn.end();
  }
});
}
