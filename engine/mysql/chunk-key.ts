// The key a table is copied and compared by, chosen from MySQL's index statistics
// (information_schema.STATISTICS): used by the MySQL source's schema reader and the wizard's catalog.
import type { ColumnInfo } from '../core/tables.js';

/** A row of information_schema.STATISTICS as the chunk key is chosen from it. */
export interface IndexRow {
  TABLE_NAME: string;
  INDEX_NAME: string;
  NON_UNIQUE: number | string;
  COLUMN_NAME: string;
  SUB_PART: number | null;
  NULLABLE: string;
}

/** The primary key, else the first unique index whose columns are all NOT NULL, not prefixes and not generated. */
export function pickChunkKey(idx: IndexRow[], columns: ColumnInfo[]): { name: string; columns: string[] } | null {
  const byName = new Map<string, IndexRow[]>();
  for (const r of idx) {
    const name = String(r.INDEX_NAME);
    if (!byName.has(name)) byName.set(name, []);
    byName.get(name)!.push(r);
  }
  const colByName = new Map(columns.map((c) => [c.name, c]));
  const candidates = [...byName.entries()].filter(([, parts]) => {
    if (Number(parts[0]!.NON_UNIQUE) !== 0) return false;
    return parts.every((p) => {
      const c = colByName.get(String(p.COLUMN_NAME));
      return c && !c.nullable && !c.generated && p.SUB_PART == null;
    });
  });
  candidates.sort(([a], [b]) => (a === 'PRIMARY' ? -1 : b === 'PRIMARY' ? 1 : 0));
  const first = candidates[0];
  return first ? { name: first[0], columns: first[1].map((p) => String(p.COLUMN_NAME)) } : null;
}
