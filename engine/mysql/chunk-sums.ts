// What a MySQL server computes for one key range of a table in a verification: the chunk's aggregates
// (rows, XOR and sum of the row hashes, see row-hash-sql.ts), the listing of (key bytes, row hash) used to
// name differing rows, and, for a table without a key, the multiset of row hashes. The MySQL source and the
// MySQL sink run the same SQL (engine/compare/chunk-checksum.ts says how the two sides are set up).
import type { Connection } from './connection.js';
import { quoteTable } from './identifiers.js';
import { keyIndexHint, rangeWhere, rawQuery } from './key-range.js';
import { CHUNK_AGGREGATES, rowHashExpr } from './row-hash-sql.js';
import { selectExpr } from './values.js';
import type { RawRow, RawValue } from '../core/rows.js';
import type { CopyTable } from '../core/tables.js';

/** A row of a listing: its key values (raw bytes) and its row hash. */
export interface ListedRow {
  key: RawValue[];
  hash: string;
}

export interface ChunkSums {
  rows: number;
  xor: string;
  sum: string;
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
