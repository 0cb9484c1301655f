// Reads a table in chunks by its key. Boundaries and comparisons are computed by the server
// (keyset pagination: WHERE key > lower ORDER BY key LIMIT 1 OFFSET n), never in JavaScript.
import type { Connection as CallbackConnection } from 'mysql2';
import type { Connection } from '../../mysql/connection.js';
import { quoteId, quoteTable } from '../../mysql/identifiers.js';
import { keySelectExpr } from '../../mysql/values.js';
import type { RawRow } from '../../core/rows.js';
import type { CopyTable } from '../../core/tables.js';
import { chunkSelectSql, keyIndexHint, openDataConnection, rangeWhere, rawQuery, rawTypeCast } from '../../mysql/key-range.js';

export { chunkSelectSql, keyIndexHint, openDataConnection, rangeWhere, rawQuery };


/**
 * The inclusive upper key of the chunk that starts after `lower`: the key `chunkRows` rows further in
 * key order, or null when fewer rows remain (the chunk then runs to the end of the table).
 */
export async function nextBoundary(conn: Connection, t: CopyTable, lower: RawRow | null, chunkRows: number): Promise<RawRow | null> {
  const cols = t.keyColumns.map((c) => quoteId(c.name)).join(', ');
  const sel = t.keyColumns.map(keySelectExpr).join(', ');
  const lowerOnly: CopyTable = { ...t, where: undefined };
  const sql = `SELECT ${sel} FROM ${quoteTable(t.source)}${keyIndexHint(t)}${rangeWhere(lowerOnly, lower, null)} ORDER BY ${cols} LIMIT 1 OFFSET ${chunkRows - 1}`;
  const rows = await rawQuery(conn, sql);
  return rows[0] ?? null;
}

/** Checks a row filter by asking the source to plan it; returns the server's message when it is invalid. */
export async function validateFilter(conn: Connection, t: CopyTable): Promise<string | null> {
  if (!t.where) return null;
  try {
    await conn.query(`EXPLAIN SELECT 1 FROM ${quoteTable(t.source)} WHERE (${t.where})`);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * Streams the rows of one chunk. The callback's promise is awaited before more rows are read, so a
 * slow sink slows the reader (backpressure) and memory stays bounded by the caller's batch size.
 */
export async function streamChunk(
  conn: Connection,
  t: CopyTable,
  lower: RawRow | null,
  upper: RawRow | null,
  onRow: (row: RawRow) => Promise<void> | void,
  signal?: AbortSignal,
): Promise<void> {
  const raw = (conn as unknown as { connection: CallbackConnection }).connection;
  const stream = raw
    .query({ sql: chunkSelectSql(t, lower, upper), rowsAsArray: true, typeCast: rawTypeCast as never })
    .stream({ highWaterMark: 256 });
  // Rows are taken from 'data' events (cheaper per row than async iteration); while the consumer's
  // promise is pending the stream is paused, which pauses the connection (backpressure).
  // mysql2 reports some failures (a lost connection, a value it cannot parse) on the connection, not
  // on the query's stream, which would then never end: end the stream with that error instead.
  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (e?: Error): void => {
      if (settled) return;
      settled = true;
      raw.off('error', finish);
      signal?.removeEventListener('abort', abort);
      if (e) {
        stream.destroy();
        reject(e);
      } else resolve();
    };
    const abort = (): void => finish(new Error('stop requested'));
    raw.once('error', finish);
    signal?.addEventListener('abort', abort, { once: true });
    stream.on('error', finish);
    stream.on('end', () => finish());
    stream.on('data', (row: RawRow) => {
      if (settled) return;
      let p: Promise<void> | void;
      try {
        p = onRow(row);
      } catch (e) {
        finish(e as Error);
        return;
      }
      if (p) {
        stream.pause();
        p.then(
          () => {
            if (!settled) stream.resume();
          },
          (e: Error) => finish(e),
        );
      }
    });
  });
}
