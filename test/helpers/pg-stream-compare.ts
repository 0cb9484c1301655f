// The stream tests' comparison of the source (MariaDB) with the PostgreSQL sink, row by row and value by
// value: each column is read on both sides as a canonical text that the type rules say must be equal (MariaDB through mysql2 in a UTC session,
// PostgreSQL through psql, independent of the sink's own driver), then the two row multisets are compared.
import mysql from 'mysql2/promise';
import { dumpDiff, forEveryTable, q, sourceUrl } from './db.js';
import { pgIdent, psqlRows } from './postgres.js';

/**
 * How a column is compared: num (integers, DECIMAL, YEAR, ENUM, SET, DATE, TIME ↔ interval: the same text),
 * dt (DATETIME ↔ timestamp), ts (TIMESTAMP ↔ timestamptz, in UTC), text (the UTF-8 bytes the source's text
 * converts to), bin (bytes), json (the same JSON value, numbers exact), double (the same IEEE value), float
 * (FLOAT ↔ real: the same single-precision value, both read widened to double), bit
 * (the same bits as a number).
 */
export type CompareKind = 'num' | 'dt' | 'ts' | 'text' | 'bin' | 'json' | 'double' | 'float' | 'bit';
export type ColumnKinds = Record<string, CompareKind>;

function mysqlExpr(c: string, k: CompareKind): string {
  const col = q(c);
  switch (k) {
    case 'dt':
    case 'ts':
      return `DATE_FORMAT(${col}, '%Y-%m-%d %H:%i:%s.%f')`;
    case 'text':
      return `HEX(CONVERT(${col} USING utf8mb4))`;
    case 'bin':
      return `HEX(${col})`;
    case 'json':
      return `CAST(${col} AS CHAR)`;
    case 'bit':
      return `CAST(${col} + 0 AS UNSIGNED)`;
    case 'float':
      return `CAST(${col} + 0E0 AS CHAR)`;
    default:
      return `CAST(${col} AS CHAR)`;
  }
}

function pgExpr(c: string, k: CompareKind): string {
  const col = pgIdent(c);
  switch (k) {
    case 'dt':
      return `to_char(${col}, 'YYYY-MM-DD HH24:MI:SS.US')`;
    case 'ts':
      return `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')`;
    case 'text':
      return `upper(encode(convert_to(${col}::text, 'UTF8'), 'hex'))`;
    case 'bin':
      return `upper(encode(${col}, 'hex'))`;
    case 'float':
      return `${col}::float8::text`;
    default:
      return `${col}::text`;
  }
}

/** JSON text → a canonical text: object keys sorted, numbers kept exactly as written (no float rounding). */
export function canonicalJson(text: string): string {
  let i = 0;
  const ws = (): void => {
    while (/\s/.test(text[i] ?? '')) i++;
  };
  const value = (): string => {
    ws();
    const ch = text[i];
    if (ch === '{') {
      i++;
      const entries: [string, string][] = [];
      ws();
      if (text[i] === '}') return i++, '{}';
      for (;;) {
        ws();
        const k = value();
        ws();
        i++; // :
        entries.push([k, value()]);
        ws();
        if (text[i++] === '}') break;
      }
      return '{' + entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}:${v}`).join(',') + '}';
    }
    if (ch === '[') {
      i++;
      const items: string[] = [];
      ws();
      if (text[i] === ']') return i++, '[]';
      for (;;) {
        items.push(value());
        ws();
        if (text[i++] === ']') break;
      }
      return '[' + items.join(',') + ']';
    }
    if (ch === '"') {
      const start = i++;
      while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
      return JSON.stringify(JSON.parse(text.slice(start, i)));
    }
    const m = /^(-?[0-9.eE+-]+|true|false|null)/.exec(text.slice(i))!;
    i += m[0].length;
    return m[0];
  };
  return value();
}

function normalize(v: string | null, k: CompareKind): string {
  if (v === null) return '∅';
  if (k === 'json') return canonicalJson(v);
  if (k === 'double' || k === 'float') return String(Number(v));
  if (k === 'bit') return /^[01]*$/.test(v) ? BigInt('0b' + (v || '0')).toString() : v;
  return v;
}

/** Every row of the source table, canonical. */
export async function sourceRows(db: string, table: string, kinds: ColumnKinds): Promise<string[]> {
  const conn = await mysql.createConnection({ uri: sourceUrl(), dateStrings: true, supportBigNumbers: true, bigNumberStrings: true });
  try {
    await conn.query("SET time_zone = '+00:00'");
    const cols = Object.entries(kinds);
    const [rows] = await conn.query({ sql: `SELECT ${cols.map(([c, k]) => mysqlExpr(c, k)).join(', ')} FROM ${q(db)}.${q(table)}`, rowsAsArray: true });
    return (rows as (string | null)[][]).map((r) => r.map((v, i) => normalize(v === null ? null : String(v), cols[i]![1])).join(' | ')).sort();
  } finally {
    await conn.end();
  }
}

/** Every row of the PostgreSQL table, canonical. */
export async function pgRows(url: string, schema: string, table: string, kinds: ColumnKinds): Promise<string[]> {
  const cols = Object.entries(kinds);
  const rows = await psqlRows(url, `SELECT ${cols.map(([c, k]) => pgExpr(c, k)).join(', ')} FROM ${pgIdent(schema)}.${pgIdent(table)}`);
  return rows.map((r) => r.map((v, i) => normalize(v, cols[i]![1])).join(' | ')).sort();
}

/** Fails naming every table whose rows differ between the source and the sink. */
export async function assertPgEqualsSource(url: string, srcDb: string, schema: string, tables: Record<string, ColumnKinds>, label = ''): Promise<void> {
  await forEveryTable(Object.keys(tables), async (t) => {
    const src = await sourceRows(srcDb, t, tables[t]!);
    const sink = await pgRows(url, schema, t, tables[t]!);
    const diff = dumpDiff(src, sink);
    return diff ? `${label ? `${label}: ` : ''}${src.length} source rows, ${sink.length} sink rows; ${diff}` : null;
  });
}

/** The job's checkpoint on the PostgreSQL sink, or null. */
export async function pgCheckpoint(url: string, job: string): Promise<{ file: string; pos: number } | null> {
  const exists = await psqlRows(url, `SELECT to_regclass('"_cutover"."cutover_checkpoint"') IS NOT NULL`);
  if (exists[0]?.[0] !== 't') return null;
  const rows = await psqlRows(url, `SELECT file, pos FROM "_cutover"."cutover_checkpoint" WHERE job = '${job.replace(/'/g, "''")}'`);
  return rows[0] ? { file: rows[0][0]!, pos: Number(rows[0][1]) } : null;
}
