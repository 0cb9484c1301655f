// The values behind a reported difference, read back from both servers once a chunk's differing rows
// are known: for a row on both sides with other values, the columns that differ (source and sink side
// by side); for a row on one side only, its values there; for a table without a key, the row that
// carries the reported hash. Only the first DESCRIBED_ROWS rows of a table are read (a report lists
// keys to act on, not a dump), and long values are cut to VALUE_TEXT_MAX characters.
import { DESCRIBED_ROWS, VALUE_TEXT_MAX, type ColumnDifference, type RowMismatch } from '../../../shared/verify.js';
import { whereKeyRenderer } from './change-statements.js';
import { quoteId, quoteTable } from '../../mysql/identifiers.js';
import { selectExpr } from '../../mysql/values.js';
import { side, type VerifyTable } from '../../compare/chunk-checksum.js';
import { displayKeyValue, keyOfMismatch } from '../../compare/row-diff.js';
import { rowHashExpr } from '../../mysql/row-hash-sql.js';
import type { RawRow } from '../../core/rows.js';
import type { CopyTable } from '../../core/tables.js';

/** A value as report text: NULL stays null; cut with "…" past VALUE_TEXT_MAX characters. */
export function valueText(t: Pick<CopyTable, 'columns'>, i: number, v: string | null): string | null {
  if (v === null) return null;
  const text = displayKeyValue(t.columns[i]!, v);
  return text.length > VALUE_TEXT_MAX ? `${text.slice(0, VALUE_TEXT_MAX)}…` : text;
}

/** A row as column → text. */
export function rowValues(t: Pick<CopyTable, 'columns'>, row: RawRow): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  t.columns.forEach((c, i) => (out[c.name] = valueText(t, i, row[i] ?? null)));
  return out;
}

/** The columns whose raw values differ between two images of one row. */
export function differingColumns(t: Pick<CopyTable, 'columns'>, source: RawRow, sink: RawRow): ColumnDifference[] {
  const out: ColumnDifference[] = [];
  t.columns.forEach((c, i) => {
    const a = source[i] ?? null;
    const b = sink[i] ?? null;
    if (a !== b) out.push({ name: c.name, source: valueText(t, i, a), sink: valueText(t, i, b) });
  });
  return out;
}

/** Runs a statement of MySQL's SQL on one side and returns its rows raw. */
export type RawSql = (sql: string) => Promise<RawRow[]>;

async function rowByKey(run: RawSql, t: CopyTable, m: RowMismatch): Promise<RawRow | null> {
  const key = keyOfMismatch(m);
  const where = t.keyColumns.map((c, i) => `${quoteId(c.name)} = ${whereKeyRenderer(c)(key[i] ?? null)}`).join(' AND ');
  const [row] = await run(`SELECT ${t.columns.map(selectExpr).join(', ')} FROM ${quoteTable(t.source)} WHERE ${where} LIMIT 1`);
  return row ?? null;
}

async function rowByHash(run: RawSql, t: CopyTable, hash: string): Promise<RawRow | null> {
  if (!/^[0-9a-f]{32}$/.test(hash)) return null;
  const [row] = await run(`SELECT ${t.columns.map(selectExpr).join(', ')} FROM ${quoteTable(t.source)} WHERE ${rowHashExpr(t.columns)} = '${hash}' LIMIT 1`);
  return row ?? null;
}

/**
 * Fills `values` / `columns` of the mismatches at `from`.. of the list, up to DESCRIBED_ROWS per table.
 * A row that changed in between (the stream applies changes meanwhile) is described as it is read now.
 */
export async function describeMismatches(source: RawSql, sink: RawSql, t: VerifyTable, list: RowMismatch[], from: number): Promise<void> {
  const src = side(t, 'source');
  const snk = side(t, 'sink');
  for (let i = from; i < Math.min(list.length, DESCRIBED_ROWS); i++) {
    const m = list[i]!;
    if (!t.keyColumns.length) {
      const hash = m.key.row;
      if (!hash) continue;
      const row = await rowByHash(m.kind === 'extra' ? sink : source, m.kind === 'extra' ? snk : src, hash);
      if (row) m.values = rowValues(t, row);
      continue;
    }
    const a = m.kind === 'extra' ? null : await rowByKey(source, src, m);
    const b = m.kind === 'missing' ? null : await rowByKey(sink, snk, m);
    if (a && b) m.columns = differingColumns(t, a, b);
    else if (a || b) m.values = rowValues(t, (a ?? b)!);
  }
}
