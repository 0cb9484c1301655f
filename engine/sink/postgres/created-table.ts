// The table a MySQL CREATE TABLE statement defines, read from the statement alone (a Kafka source has no
// source server to ask): its columns (types as ddl-alter.ts reads an added column's) and its primary key.
// null when the statement is not a plain column list (… LIKE, … AS SELECT) or names a key column it lacks.
// The PostgreSQL sink then creates it by the copy's type rules, as a copied table. Pure.
import type { TableRef } from '../../../shared/table-selection.js';
import type { ColumnInfo, TableInfo } from '../../core/tables.js';
import { tokenize, type Tok } from '../../mysql/ddl-mapper.js';
import { columnOf } from './ddl-alter.js';

const isPunct = (t: Tok | undefined, p: string): boolean => t !== undefined && t.t === 'p' && t.v === p;
const isWord = (t: Tok | undefined, ...w: string[]): boolean => t !== undefined && t.t === 'w' && w.includes(t.v.toUpperCase());
const CONSTRAINT = ['PRIMARY', 'UNIQUE', 'KEY', 'INDEX', 'CONSTRAINT', 'FOREIGN', 'CHECK', 'FULLTEXT', 'SPATIAL', 'PERIOD'];

/** The elements of the statement's column list, split at top-level commas; null without one. */
function elements(toks: Tok[]): Tok[][] | null {
  const open = toks.findIndex((t) => isPunct(t, '('));
  if (open < 0 || toks.slice(0, open).some((t) => isWord(t, 'LIKE', 'SELECT'))) return null;
  const out: Tok[][] = [[]];
  let depth = 0;
  for (let i = open + 1; i < toks.length; i++) {
    const t = toks[i]!;
    if (isPunct(t, '(')) depth++;
    else if (isPunct(t, ')') && depth-- === 0) return out.filter((e) => e.length);
    if (depth === 0 && isPunct(t, ',')) out.push([]);
    else out[out.length - 1]!.push(t);
  }
  return null;
}

const names = (toks: Tok[]): string[] => toks.filter((t) => t.t === 'w' || t.t === 'q').map((t) => t.v);

export function createdTable(sql: string, ref: TableRef): TableInfo | null {
  const els = elements(tokenize(sql));
  if (!els) return null;
  const charset = /\bCHARSET\s*=?\s*(\w+)/i.exec(sql.slice(sql.lastIndexOf(')')))?.[1]?.toLowerCase() ?? 'utf8mb4';
  const columns: ColumnInfo[] = [];
  let key: string[] = [];
  for (const e of els) {
    const first = e[0]!;
    if (first.t === 'w' && CONSTRAINT.includes(first.v.toUpperCase())) {
      if (isWord(first, 'PRIMARY')) {
        const open = e.findIndex((t) => isPunct(t, '('));
        const close = e.findIndex((t, i) => i > open && isPunct(t, ')'));
        // Prefix lengths (`c(10)`) are numbers: only the names are kept.
        key = names(e.slice(open + 1, close < 0 ? undefined : close)).filter((n) => !/^\d+$/.test(n));
      }
      continue;
    }
    if (first.t !== 'w' && first.t !== 'q') return null;
    const def = e.slice(1);
    if (!def.length || def[0]!.t !== 'w') return null;
    const words = def.map((t) => (t.t === 'w' ? t.v.toUpperCase() : ''));
    if (words.includes('GENERATED') || words.includes('AS')) return null;
    const notNull = words.some((w, i) => w === 'NOT' && words[i + 1] === 'NULL') || words.includes('PRIMARY');
    columns.push(columnOf(first.v, sql, def, notNull, charset));
    if (words.includes('PRIMARY')) key = [first.v];
  }
  if (!columns.length || key.some((k) => !columns.some((c) => c.name.toLowerCase() === k.toLowerCase()))) return null;
  key = key.map((k) => columns.find((c) => c.name.toLowerCase() === k.toLowerCase())!.name);
  return { db: ref.db, table: ref.table, columns, chunkKey: key, chunkKeyName: key.length ? 'PRIMARY' : null, engine: 'InnoDB', estimatedRows: 0, dataBytes: 0, createSql: `${sql.trim()}${/CHARSET/i.test(sql) ? '' : ` DEFAULT CHARSET=${charset}`}`, systemVersioned: false };
}
