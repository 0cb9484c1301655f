// Multi-row INSERT IGNORE statements, each kept under a byte budget. A row whose key exists is kept
// (the writer checks that every ignored row was a duplicate of the chunk key, see mysql-writer.ts).
// Never REPLACE: it deletes rows that collide on a secondary unique key (gh-ost #1633).
import { quoteId, quoteTable } from '../../mysql/identifiers.js';
import { valueRenderer, type Render } from '../../mysql/values.js';
import type { RawRow } from '../../core/rows.js';
import type { CopyTable } from '../../core/tables.js';

export interface InsertTemplate {
  prefix: string;
  suffix: string;
  renderers: Render[];
  /** Positions of ENUM columns: an empty value there may be the invalid-value index 0 (see mysql-sink). */
  enumColumns: number[];
}

export function insertTemplate(t: CopyTable, flavor: 'mysql' | 'mariadb'): InsertTemplate {
  const cols = t.columns.map((c) => quoteId(c.name));
  const prefix = `INSERT IGNORE INTO ${quoteTable(t.sink)} (${cols.join(',')}) VALUES `;
  const suffix = '';
  void flavor;
  return {
    prefix,
    suffix,
    renderers: t.columns.map(valueRenderer),
    enumColumns: t.columns.flatMap((c, i) => (c.dataType === 'enum' ? [i] : [])),
  };
}

export function renderRow(tpl: InsertTemplate, row: RawRow): string {
  const r = tpl.renderers;
  let s = '(';
  for (let i = 0; i < r.length; i++) {
    if (i) s += ',';
    s += r[i]!(row[i] ?? null);
  }
  return s + ')';
}

/** Joins rendered row tuples into statements of at most maxBytes (a larger single row gets its own). */
export function buildInserts(tpl: InsertTemplate, tuples: string[], maxBytes: number): string[] {
  const out: string[] = [];
  const fixed = Buffer.byteLength(tpl.prefix) + Buffer.byteLength(tpl.suffix);
  let start = 0;
  let size = fixed;
  for (let i = 0; i < tuples.length; i++) {
    const n = tuples[i]!.length + 1;
    if (i > start && size + n > maxBytes) {
      out.push(tpl.prefix + tuples.slice(start, i).join(',') + tpl.suffix);
      start = i;
      size = fixed;
    }
    size += n;
  }
  if (start < tuples.length) out.push(tpl.prefix + tuples.slice(start).join(',') + tpl.suffix);
  return out;
}

/** Count of empty ENUM values in a row (each may be ENUM's invalid-value index 0, which strict mode refuses). */
export function emptyEnumValues(tpl: InsertTemplate, row: RawRow): number {
  let n = 0;
  for (const i of tpl.enumColumns) if (row[i]?.length === 0) n++;
  return n;
}
