// Multi-row INSERT … ON DUPLICATE KEY UPDATE statements, each kept under a byte budget.
// Never REPLACE: it deletes rows that collide on a secondary unique key (gh-ost #1633).
import type { CopyTable, RawRow } from '../sink.js';
import { quoteId, quoteTable } from '../../sql/identifiers.js';
import { valueRenderer, type Render } from '../../sql/values.js';

export interface InsertTemplate {
  prefix: string;
  suffix: string;
  renderers: Render[];
  /** Positions of ENUM columns: an empty value there may be the invalid-value index 0 (see mysql-sink). */
  enumColumns: number[];
}

export function insertTemplate(t: CopyTable, flavor: 'mysql' | 'mariadb'): InsertTemplate {
  const cols = t.columns.map((c) => quoteId(c.name));
  const prefix = `INSERT INTO ${quoteTable(t.sink)} (${cols.join(',')}) VALUES `;
  let suffix = '';
  if (t.keyColumns.length > 0) {
    // Idempotent re-copy: a row already there is overwritten with the source's value.
    // VALUES() works on MariaDB and MySQL (deprecated since 8.0.20 but still accepted in 8.4).
    suffix = ' ON DUPLICATE KEY UPDATE ' + cols.map((c) => `${c}=VALUES(${c})`).join(',');
  }
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

/** Splits rows into statements of at most maxBytes (a single larger row still gets its own statement). */
export function buildInserts(tpl: InsertTemplate, rows: RawRow[], maxBytes: number): string[] {
  const out: string[] = [];
  const fixed = Buffer.byteLength(tpl.prefix) + Buffer.byteLength(tpl.suffix);
  let parts: string[] = [];
  let size = fixed;
  for (const row of rows) {
    const v = renderRow(tpl, row);
    if (parts.length && size + v.length + 1 > maxBytes) {
      out.push(tpl.prefix + parts.join(',') + tpl.suffix);
      parts = [];
      size = fixed;
    }
    parts.push(v);
    size += v.length + 1;
  }
  if (parts.length) out.push(tpl.prefix + parts.join(',') + tpl.suffix);
  return out;
}

/** Count of empty ENUM values in a row (each may be ENUM's invalid-value index 0, which strict mode refuses). */
export function emptyEnumValues(tpl: InsertTemplate, row: RawRow): number {
  let n = 0;
  for (const i of tpl.enumColumns) if (row[i]?.length === 0) n++;
  return n;
}
