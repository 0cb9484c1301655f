// What the formats work out once per table rather than once per row: the "db.table" text, each column's
// facts and `"name":` member text, and where the key columns are. Keyed by the KafkaTable object; a table
// whose columns, key columns or names were replaced gets a fresh entry (columns themselves are taken as
// immutable, as columnFacts already does).
import type { KafkaColumn, KafkaTable } from './event.js';
import { columnFacts, jname, type ColumnFacts } from './json-values.js';

export interface TableCache {
  readonly db: string;
  readonly table: string;
  readonly columns: readonly KafkaColumn[];
  readonly keyColumns: readonly string[];
  /** "db.table", the prefix of error messages. */
  readonly where: string;
  readonly facts: readonly ColumnFacts[];
  /** `"name":` of each column. */
  readonly names: readonly string[];
  /** Index among the columns of each key column; -1 for a key column that is not among them. */
  readonly keyIdx: readonly number[];
  /** `"name":` of each key column. */
  readonly keyNames: readonly string[];
  /** Per-format memo of text that depends on the table only (or on rarely changing inputs). */
  readonly memo: Map<string, unknown>;
}

const caches = new WeakMap<KafkaTable, TableCache>();

export function tableCache(t: KafkaTable): TableCache {
  const c = caches.get(t);
  if (c && c.columns === t.columns && c.keyColumns === t.keyColumns && c.db === t.db && c.table === t.table) return c;
  const columns = t.columns;
  const fresh: TableCache = {
    db: t.db,
    table: t.table,
    columns,
    keyColumns: t.keyColumns,
    where: `${t.db}.${t.table}`,
    facts: columns.map((col) => columnFacts(col)),
    names: columns.map((col) => jname(col.name)),
    keyIdx: t.keyColumns.map((k) => columns.findIndex((col) => col.name === k)),
    keyNames: t.keyColumns.map((k) => jname(k)),
    memo: new Map(),
  };
  caches.set(t, fresh);
  return fresh;
}
