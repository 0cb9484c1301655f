// Key ranges of a table as MySQL compares them (keyset pagination: bounds rendered with their charset and
// collation, compared by the server, never in JavaScript), and raw-bytes reads. Shared by the MySQL source's
// chunked copy and by both sides of a MySQL verification.
import { connect, type Connection, type ServerAddress } from './connection.js';
import { quoteId, quoteTable } from './identifiers.js';
import { keyCompare, keyRenderer, selectExpr } from './values.js';
import type { RawRow } from '../core/rows.js';
import type { CopyTable } from '../core/tables.js';

/** Data connections receive values as stored: no conversion of strings to the connection's charset. */
const DATA_SESSION = ['SET SESSION character_set_results = NULL'];

/** A connection for raw-bytes reads (copy, verification): values as the server stores them. */
export async function openDataConnection(a: ServerAddress): Promise<Connection> {
  return connect(a, DATA_SESSION);
}

// Every value as the raw bytes the server sent, as a byte string (NULL as null); see values.ts.
export const rawTypeCast = (field: { string(encoding: string): string | null }): string | null => field.string('latin1');

export function keyIndexHint(t: CopyTable): string {
  return t.source.chunkKeyName ? ` FORCE INDEX (${quoteId(t.source.chunkKeyName)})` : '';
}

/** ` WHERE` for the rows of `t` with lower < key <= upper (either bound may be open), and its row filter. */
export function rangeWhere(t: CopyTable, lower: RawRow | null, upper: RawRow | null): string {
  const cols = t.keyColumns.map((c) => quoteId(c.name));
  const render = t.keyColumns.map(keyRenderer);
  const conds: string[] = [];
  if (t.where) conds.push(`(${t.where})`);
  if (lower) conds.push(keyCompare(cols, lower.map((v, i) => render[i]!(v)), '>'));
  if (upper) conds.push(keyCompare(cols, upper.map((v, i) => render[i]!(v)), '<='));
  return conds.length ? ` WHERE ${conds.join(' AND ')}` : '';
}

/** A query whose every value comes back as the raw bytes the server sent (see rawTypeCast). */
export async function rawQuery(conn: Connection, sql: string): Promise<RawRow[]> {
  const [rows] = await conn.query({ sql, rowsAsArray: true, typeCast: rawTypeCast as never });
  return rows as unknown as RawRow[];
}

export function chunkSelectSql(t: CopyTable, lower: RawRow | null, upper: RawRow | null): string {
  const sel = t.columns.map(selectExpr).join(', ');
  const hint = t.keyColumns.length ? keyIndexHint(t) : '';
  return `SELECT ${sel} FROM ${quoteTable(t.source)}${hint}${rangeWhere(t, lower, upper)}`;
}
