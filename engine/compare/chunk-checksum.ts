// What each server computes for one key range of a table: the chunk's aggregates (rows, XOR and sum of
// the row hashes, see row-hash-sql.ts), the listing of (key bytes, row hash) used to name differing
// rows, and, for a table without a key, the multiset of row hashes. Ranges are the copy's: bounds are
// keys found by the source (keyset pagination), rendered with their charset and collation so each
// server compares them as its index orders them (engine/mysql/key-range.ts rangeWhere); the SQL is engine/mysql/chunk-sums.ts.
//
// The same VerifyTable is read on both sides: `side(t, 'sink')` points it at the sink table and drops the
// row filter, which applies on the source only (the sink holds only the rows that passed it).
import type { CopyTable } from '../core/tables.js';
import type { ChunkSums } from '../mysql/chunk-sums.js';

export { chunkSums, listChunk, rowMultiset, type ChunkSums } from '../mysql/chunk-sums.js';

/** A table as verification compares it: the copy's view (compared columns, key, row filter). */
export type VerifyTable = Omit<CopyTable, 'stateId'>;

export function sameSums(a: ChunkSums, b: ChunkSums): boolean {
  return a.rows === b.rows && a.xor === b.xor && a.sum === b.sum;
}

/** The table as one side reads it: the source (with its row filter) or the sink table (without). */
export function side(t: VerifyTable, which: 'source' | 'sink'): CopyTable {
  if (which === 'source') return { ...t, stateId: 0 };
  return { ...t, stateId: 0, source: { ...t.source, db: t.sink.db, table: t.sink.table }, where: undefined };
}
