// The clauses of a MySQL ALTER TABLE that map to PostgreSQL (ddl.ts): ADD [COLUMN], DROP [COLUMN],
// RENAME COLUMN, with ALGORITHM= and LOCK= ignored. Pure: tokens in (the MySQL sink's tokenizer), the
// clauses out, or the reason the statement does not map.
import type { ColumnInfo } from '../../core/tables.js';
import type { Tok } from '../../mysql/ddl-mapper.js';

/** MySQL's synonyms of a type word → the DATA_TYPE information_schema shows. */
const SYNONYMS: Record<string, string> = { integer: 'int', int4: 'int', int8: 'bigint', bool: 'tinyint', boolean: 'tinyint', numeric: 'decimal', dec: 'decimal', fixed: 'decimal', real: 'double', character: 'char', nchar: 'char', nvarchar: 'varchar' };

/** The column a definition describes: `sql` is the statement, `def` its tokens from the column's type on; `tableCharset` the default. */
export function columnOf(name: string, sql: string, def: Tok[], notNull: boolean, tableCharset: string): ColumnInfo {
  const word = def[0]!.v.toLowerCase();
  const dataType = SYNONYMS[word] ?? word;
  let k = 1;
  if (dataType === 'double' && def[1]?.t === 'w' && def[1].v.toUpperCase() === 'PRECISION') k++;
  let args = '';
  if (isPunct(def[k], '(')) {
    let depth = 0;
    const start = def[k]!.s;
    for (; k < def.length; k++) {
      if (isPunct(def[k], '(')) depth++;
      else if (isPunct(def[k], ')') && --depth === 0) break;
    }
    args = sql.slice(start, def[k]!.e);
    k++;
  }
  const words = def.slice(k).map((t) => (t.t === 'w' ? t.v.toUpperCase() : ''));
  const after = (w: string): string | null => {
    const i = words.indexOf(w);
    return i >= 0 ? (def[k + i + (w === 'CHARACTER' ? 2 : 1)]?.v ?? null) : null;
  };
  const textual = ['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'enum', 'set'].includes(dataType);
  const charset = textual ? (after('CHARACTER') ?? after('CHARSET') ?? tableCharset).toLowerCase() : null;
  const columnType = `${dataType === 'tinyint' && (word === 'bool' || word === 'boolean') ? 'tinyint(1)' : dataType + args}${words.includes('UNSIGNED') ? ' unsigned' : ''}`;
  return { name, dataType, columnType, charset, collation: textual ? (after('COLLATE')?.toLowerCase() ?? null) : null, nullable: !notNull, generated: false };
}

export type AlterClause =
  | {
      kind: 'add';
      column: string;
      ifNotExists: boolean;
      /** The type's first word as written (INT, VARCHAR, …). */
      typeWord: string;
      /** The column as the statement defines it (type, charset, nullability). */
      info: ColumnInfo;
      notNull: boolean;
      /** The DEFAULT literal's text; null: DEFAULT NULL; undefined: none. */
      default?: string | null;
      /** FIRST or AFTER, which PostgreSQL cannot do (the column goes last). */
      position?: string;
    }
  | { kind: 'drop'; column: string; ifExists: boolean }
  | { kind: 'rename'; column: string; to: string };

const isWord = (t: Tok | undefined, ...w: string[]): boolean => t !== undefined && t.t === 'w' && w.includes(t.v.toUpperCase());
const isPunct = (t: Tok | undefined, p: string): boolean => t !== undefined && t.t === 'p' && t.v === p;
const isName = (t: Tok | undefined): t is Tok => t !== undefined && (t.t === 'w' || t.t === 'q');

/** Index of the first token after the table name of ALTER … TABLE [IF EXISTS] name, or -1. */
function specStart(toks: Tok[]): number {
  let i = 1;
  while (isWord(toks[i], 'ONLINE', 'OFFLINE', 'IGNORE')) i++;
  if (!isWord(toks[i], 'TABLE')) return -1;
  i++;
  if (isWord(toks[i], 'IF') && isWord(toks[i + 1], 'EXISTS')) i += 2;
  if (!isName(toks[i])) return -1;
  return isPunct(toks[i + 1], '.') && isName(toks[i + 2]) ? i + 3 : i + 1;
}

/** Splits tokens at the commas outside parentheses. */
function clauses(toks: Tok[]): Tok[][] {
  const out: Tok[][] = [[]];
  let depth = 0;
  for (const t of toks) {
    if (isPunct(t, '(')) depth++;
    else if (isPunct(t, ')')) depth--;
    if (depth === 0 && isPunct(t, ',')) out.push([]);
    else out[out.length - 1]!.push(t);
  }
  return out.filter((c) => c.length > 0 && !(c.length === 1 && isPunct(c[0], ';')));
}

/** A MySQL string literal's text, when it is a plain one (no escapes, no introducer). */
function plainString(t: Tok): string | null {
  const q = t.v[0];
  if ((q !== "'" && q !== '"') || t.v.includes('\\')) return null;
  return t.v.slice(1, -1).split(q + q).join(q);
}

function add(c: Tok[], sql: string, tableCharset: string): AlterClause | string {
  let i = 1;
  if (isWord(c[i], 'COLUMN')) i++;
  else if (isWord(c[i], 'INDEX', 'KEY', 'UNIQUE', 'PRIMARY', 'CONSTRAINT', 'FOREIGN', 'FULLTEXT', 'SPATIAL', 'CHECK', 'PARTITION', 'PERIOD', 'SYSTEM'))
    return `ADD ${c[i]!.v.toUpperCase()} is not mapped to PostgreSQL: create it on the sink by hand`;
  if (isPunct(c[i], '(')) return 'ADD COLUMN with a parenthesised list is not mapped to PostgreSQL: add the columns on the sink by hand';
  let ifNotExists = false;
  if (isWord(c[i], 'IF') && isWord(c[i + 1], 'NOT') && isWord(c[i + 2], 'EXISTS')) (ifNotExists = true), (i += 3);
  const name = c[i];
  const type = c[i + 1];
  if (!isName(name) || !type || type.t !== 'w') return 'the ADD COLUMN clause could not be read';
  const out: AlterClause & { kind: 'add' } = { kind: 'add', column: name.v, ifNotExists, typeWord: type.v, notNull: false, info: undefined as unknown as ColumnInfo };
  let depth = 0;
  for (let k = i + 2; k < c.length; k++) {
    const t = c[k]!;
    if (isPunct(t, '(')) depth++;
    else if (isPunct(t, ')')) depth--;
    if (depth > 0 || t.t !== 'w') continue;
    const w = t.v.toUpperCase();
    if (w === 'NOT' && isWord(c[k + 1], 'NULL')) (out.notNull = true), k++;
    else if (w === 'AUTO_INCREMENT') return `the new column ${name.v} is AUTO_INCREMENT: MySQL numbers the existing rows, which the binlog does not carry; add it on the sink by hand`;
    else if (w === 'GENERATED' || (w === 'AS' && isPunct(c[k + 1], '('))) return `the new column ${name.v} is generated: add it on the sink by hand`;
    else if (w === 'FIRST') out.position = 'FIRST';
    else if (w === 'AFTER') out.position = `AFTER ${c[k + 1]?.v ?? ''}`;
    else if (w === 'DEFAULT') {
      const v = c[k + 1];
      const neg = isPunct(v, '-');
      const lit = neg ? c[k + 2] : v;
      if (isWord(lit, 'NULL')) out.default = null;
      else if (lit?.t === 'w' && /^[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/.test(lit.v)) out.default = (neg ? '-' : '') + lit.v;
      else if (lit?.t === 's' && !neg && plainString(lit) !== null) out.default = plainString(lit)!;
      else return `the new column ${name.v} has a DEFAULT that is not a plain literal (${lit?.v ?? '?'}): the value MySQL gave the existing rows is not in the binlog; add it on the sink by hand`;
      k += neg ? 2 : 1;
    }
  }
  out.info = columnOf(name.v, sql, c.slice(i + 1), out.notNull, tableCharset);
  return out;
}

function drop(c: Tok[]): AlterClause | string {
  let i = 1;
  if (isWord(c[i], 'COLUMN')) i++;
  else if (isWord(c[i], 'INDEX', 'KEY', 'PRIMARY', 'FOREIGN', 'CONSTRAINT', 'CHECK', 'PARTITION', 'PERIOD', 'SYSTEM'))
    return `DROP ${c[i]!.v.toUpperCase()} is not mapped to PostgreSQL: drop it on the sink by hand`;
  let ifExists = false;
  if (isWord(c[i], 'IF') && isWord(c[i + 1], 'EXISTS')) (ifExists = true), (i += 2);
  const name = c[i];
  if (!isName(name) || c.length > i + 2 || (c.length === i + 2 && !isWord(c[i + 1], 'RESTRICT', 'CASCADE'))) return 'the DROP COLUMN clause could not be read';
  return { kind: 'drop', column: name.v, ifExists };
}

/** The clauses of an ALTER TABLE statement, or why it does not map. */
export function translateAlter(toks: Tok[], sql: string, tableCharset: string): AlterClause[] | string {
  const start = specStart(toks);
  if (start < 0) return 'the ALTER TABLE statement could not be read';
  const out: AlterClause[] = [];
  for (const c of clauses(toks.slice(start))) {
    const first = c[0]!;
    if (isWord(first, 'ADD')) {
      const a = add(c, sql, tableCharset);
      if (typeof a === 'string') return a;
      out.push(a);
    } else if (isWord(first, 'DROP')) {
      const d = drop(c);
      if (typeof d === 'string') return d;
      out.push(d);
    } else if (isWord(first, 'RENAME') && isWord(c[1], 'COLUMN') && isName(c[2]) && isWord(c[3], 'TO') && isName(c[4]) && c.length === 5) {
      out.push({ kind: 'rename', column: c[2].v, to: c[4].v });
    } else if (isWord(first, 'ALGORITHM', 'LOCK')) {
      continue;
    } else {
      const what = c.slice(0, 2).map((t) => t.v.toUpperCase()).join(' ');
      return `ALTER TABLE … ${what} is not mapped to PostgreSQL (only ADD, DROP and RENAME COLUMN are): apply the equivalent change on the sink by hand`;
    }
  }
  if (!out.length) return 'the ALTER TABLE statement changes nothing PostgreSQL has';
  return out;
}
