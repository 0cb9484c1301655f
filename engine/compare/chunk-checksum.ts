// What each server computes for one key range of a table: the chunk's aggregates (rows, XOR and sum of
// the row hashes, see row-hash-sql.ts), the listing of (key bytes, row hash) used to name differing
// rows, and, for a table without a key, the multiset of row hashes. Ranges are the copy's: bounds are
// keys found by the source (keyset pagination), rendered with their charset and collation so each
// server compares them as its index orders them (snapshot-reader.ts rangeWhere).
//
// The same VerifyTable is read on both sides: `side(t, 'sink')` points it at the sink table and drops the
// row filter, which applies on the source only (the sink holds only the rows that passed it).
import type { Connection } from '../mysql/connection.js';
import { keyIndexHint, rangeWhere, rawQuery } from '../source/mysql/snapshot-reader.js';
import { quoteTable } from '../mysql/identifiers.js';
import { selectExpr } from '../mysql/values.js';
import type { ListedRow } from './row-diff.js';
import { CHUNK_AGGREGATES, rowHashExpr } from './row-hash-sql.js';
import type { RawRow } from '../core/rows.js';
import type { CopyTable } from '../core/tables.js';

/** A table as verification compares it: the copy's view (compared columns, key, row filter). */
export type VerifyTable = Omit<CopyTable, 'stateId'>;

export interface ChunkSums {
  rows: number;
  xor: string;
  sum: string;
}

export function sameSums(a: ChunkSums, b: ChunkSums): boolean {
  return a.rows === b.rows && a.xor === b.xor && a.sum === b.sum;
}

/** The table as one side reads it: the source (with its row filter) or the sink table (without). */
export function side(t: VerifyTable, which: 'source' | 'sink'): CopyTable {
  if (which === 'source') return { ...t, stateId: 0 };
  return { ...t, stateId: 0, source: { ...t.source, db: t.sink.db, table: t.sink.table }, where: undefined };
}

function from(t: CopyTable, lower: RawRow | null, upper: RawRow | null): string {
  const hint = t.keyColumns.length ? keyIndexHint(t) : '';
  return `FROM ${quoteTable(t.source)}${hint}${rangeWhere(t, lower, upper)}`;
}

/** Rows, XOR and sum of the row hashes in lower < key <= upper (open bounds: null). */
export async function chunkSums(conn: Connection, t: CopyTable, lower: RawRow | null, upper: RawRow | null): Promise<ChunkSums> {
  const [row] = await rawQuery(conn, `SELECT ${CHUNK_AGGREGATES} FROM (SELECT ${rowHashExpr(t.columns)} AS h ${from(t, lower, upper)}) AS d`);
  return { rows: Number(row?.[0] ?? 0), xor: String(row?.[1] ?? '0'), sum: String(row?.[2] ?? '0') };
}

/** Every row of the range as (key bytes as the copy reads them, row hash). */
export async function listChunk(conn: Connection, t: CopyTable, lower: RawRow | null, upper: RawRow | null): Promise<ListedRow[]> {
  const keys = t.keyColumns.map(selectExpr).join(', ');
  const rows = await rawQuery(conn, `SELECT ${keys}, ${rowHashExpr(t.columns)} AS h ${from(t, lower, upper)}`);
  const n = t.keyColumns.length;
  return rows.map((r) => ({ key: r.slice(0, n), hash: String(r[n]) }));
}

/** A table without a key: its row hashes and how often each occurs. */
export async function rowMultiset(conn: Connection, t: CopyTable): Promise<Map<string, number>> {
  const rows = await rawQuery(conn, `SELECT d.h, COUNT(*) FROM (SELECT ${rowHashExpr(t.columns)} AS h ${from(t, null, null)}) AS d GROUP BY d.h`);
  return new Map(rows.map((r) => [String(r[0]), Number(r[1])]));
}
