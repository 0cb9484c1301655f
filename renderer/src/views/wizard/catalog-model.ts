// The Tables step's model: the source catalog grouped by database, searched, flattened into the rows of
// a virtualized list, with tri-state database checkboxes and the totals of the selection.
import type { CatalogTable } from '../../../../shared/wizard';
import { qualifiedName } from '../../../../shared/wizard';
import { naturalSort } from '../../../../shared/natural-sort';
import type { CheckState } from '../../components/Checkbox';

export interface CatalogDb {
  db: string;
  tables: CatalogTable[];
}

export type CatalogRow = { kind: 'db'; group: CatalogDb; total: number } | { kind: 'table'; table: CatalogTable };

/** Tables grouped by database: databases in catalog order, tables in natural order (t1, t2, … t10). */
export function groupCatalog(catalog: readonly CatalogTable[]): CatalogDb[] {
  const groups = new Map<string, CatalogDb>();
  for (const t of catalog) {
    let g = groups.get(t.db);
    if (!g) groups.set(t.db, (g = { db: t.db, tables: [] }));
    g.tables.push(t);
  }
  for (const g of groups.values()) g.tables = naturalSort(g.tables, (t) => t.table);
  return [...groups.values()];
}

/** Groups narrowed to tables whose "db.table" contains the text (case-insensitive); a database name match keeps all its tables. */
export function searchCatalog(groups: readonly CatalogDb[], text: string): CatalogDb[] {
  const q = text.trim().toLowerCase();
  if (!q) return [...groups];
  const out: CatalogDb[] = [];
  for (const g of groups) {
    const tables = g.db.toLowerCase().includes(q) ? g.tables : g.tables.filter((t) => qualifiedName(t).toLowerCase().includes(q));
    if (tables.length) out.push({ db: g.db, tables });
  }
  return out;
}

/** The list's rows: each database, then its tables unless collapsed. `total` is the database's full table count. */
export function flattenRows(shown: readonly CatalogDb[], all: readonly CatalogDb[], collapsed: ReadonlySet<string>): CatalogRow[] {
  const totals = new Map(all.map((g) => [g.db, g.tables.length]));
  const rows: CatalogRow[] = [];
  for (const g of shown) {
    rows.push({ kind: 'db', group: g, total: totals.get(g.db) ?? g.tables.length });
    if (!collapsed.has(g.db)) for (const t of g.tables) rows.push({ kind: 'table', table: t });
  }
  return rows;
}

export function checkState(tables: readonly CatalogTable[], selected: ReadonlySet<string>): CheckState {
  let n = 0;
  for (const t of tables) if (selected.has(qualifiedName(t))) n++;
  return n === 0 ? 'none' : n === tables.length ? 'all' : 'some';
}

export interface SelectionTotals {
  tables: number;
  rows: number;
  /** Data bytes: what the copy reads, and the number the estimate uses (so both show the same size). */
  bytes: number;
  /** Index bytes on the source (rebuilt on the sink, not copied). */
  indexBytes: number;
}

export function selectionTotals(catalog: readonly CatalogTable[], selected: ReadonlySet<string>): SelectionTotals {
  const s: SelectionTotals = { tables: 0, rows: 0, bytes: 0, indexBytes: 0 };
  for (const t of catalog) {
    if (!selected.has(qualifiedName(t))) continue;
    s.tables++;
    s.rows += t.estimatedRows;
    s.bytes += t.dataBytes;
    s.indexBytes += t.indexBytes;
  }
  return s;
}

export const NO_KEY_WARNING = 'no primary or unique key: copied in one piece; updates match whole rows';

/** A table's warnings, with the keyless one added when the engine did not already say it. */
export function tableWarnings(t: CatalogTable): string[] {
  if (t.keyColumns.length || t.warnings.some((w) => /\bkey\b/i.test(w))) return t.warnings;
  return [NO_KEY_WARNING, ...t.warnings];
}
