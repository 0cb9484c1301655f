// A MySQL/MariaDB table's definition as the engine knows tables (core/tables.ts): columns, the chunk key,
// engine, size estimates and SHOW CREATE TABLE. The MySQL source reads its tables with it, and the MySQL
// sink reads its own tables after it ran a DDL statement (the definition in force at that position).
import { pickChunkKey, type IndexRow } from './chunk-key.js';
import { queryRows, type Connection } from './connection.js';
import { quoteTable } from './identifiers.js';
import type { TableRef } from '../../shared/table-selection.js';
import type { ColumnInfo, TableInfo } from '../core/tables.js';

interface ColumnRow {
  TABLE_NAME: string;
  COLUMN_NAME: string;
  DATA_TYPE: string;
  COLUMN_TYPE: string;
  CHARACTER_SET_NAME: string | null;
  COLLATION_NAME: string | null;
  IS_NULLABLE: string;
  EXTRA: string;
}

/** Whether a base table of that name exists (as the catalog lists tables: views and sequences are not); names compare as bytes. */
export async function tableExists(conn: Connection, ref: TableRef): Promise<boolean> {
  const found = await queryRows(
    conn,
    `SELECT 1 AS x FROM information_schema.TABLES
     WHERE TABLE_SCHEMA = CAST(? AS BINARY) AND TABLE_NAME = CAST(? AS BINARY) AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')`,
    [ref.db, ref.table],
  );
  return found.length > 0;
}

const TEXT_TYPES = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext']);
const JSON_VALID = /^json_valid\(`((?:[^`]|``)+)`\)$/i;

/**
 * The columns a `CHECK (json_valid(col))` constraint keeps JSON: MariaDB's JSON type is LONGTEXT with that
 * check (information_schema.CHECK_CONSTRAINTS, MariaDB 10.2+). MySQL has a real JSON type, and its
 * CHECK_CONSTRAINTS (8.0.16+) has no TABLE_NAME: the query fails there and no column is marked.
 */
export async function jsonTextColumns(conn: Connection, ref: TableRef): Promise<Set<string>> {
  let rows: { c: string }[];
  try {
    rows = await queryRows<{ c: string }>(
      conn,
      'SELECT CHECK_CLAUSE AS c FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = CAST(? AS BINARY) AND TABLE_NAME = CAST(? AS BINARY)',
      [ref.db, ref.table],
    );
  } catch {
    return new Set();
  }
  const out = new Set<string>();
  for (const r of rows) {
    const m = JSON_VALID.exec(String(r.c).trim());
    if (m) out.add(m[1]!.replace(/``/g, '`'));
  }
  return out;
}

export async function readTable(conn: Connection, ref: TableRef): Promise<TableInfo> {
  const cols = await queryRows<ColumnRow>(
    conn,
    `SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, CHARACTER_SET_NAME, COLLATION_NAME, IS_NULLABLE, EXTRA
     FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = CAST(? AS BINARY) AND TABLE_NAME = CAST(? AS BINARY) ORDER BY ORDINAL_POSITION`,
    [ref.db, ref.table],
  );
  const idx = await queryRows<IndexRow>(
    conn,
    `SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, SUB_PART, NULLABLE
     FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = CAST(? AS BINARY) AND TABLE_NAME = CAST(? AS BINARY) ORDER BY INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, SEQ_IN_INDEX`,
    [ref.db, ref.table],
  );
  const meta = await queryRows<{ ENGINE: string | null; TABLE_ROWS: number | string | null; DATA_LENGTH: number | string | null }>(
    conn,
    `SELECT ENGINE, TABLE_ROWS, DATA_LENGTH FROM information_schema.TABLES WHERE TABLE_SCHEMA = CAST(? AS BINARY) AND TABLE_NAME = CAST(? AS BINARY)`,
    [ref.db, ref.table],
  );
  const [createRow] = await queryRows<Record<string, string>>(conn, `SHOW CREATE TABLE ${quoteTable(ref)}`);
  const json = await jsonTextColumns(conn, ref);
  const columns: ColumnInfo[] = cols.map((c) => ({
    name: String(c.COLUMN_NAME),
    dataType: String(c.DATA_TYPE).toLowerCase(),
    columnType: String(c.COLUMN_TYPE).toLowerCase(),
    charset: c.CHARACTER_SET_NAME,
    collation: c.COLLATION_NAME,
    nullable: c.IS_NULLABLE === 'YES',
    generated: /GENERATED|PERSISTENT|VIRTUAL/i.test(String(c.EXTRA)),
    ...(json.has(String(c.COLUMN_NAME)) && TEXT_TYPES.has(String(c.DATA_TYPE).toLowerCase()) ? { jsonText: true } : {}),
  }));
  const key = pickChunkKey(idx, columns);
  return {
    ...ref,
    columns,
    chunkKey: key?.columns ?? [],
    chunkKeyName: key?.name ?? null,
    engine: meta[0]?.ENGINE ?? null,
    estimatedRows: Number(meta[0]?.TABLE_ROWS ?? 0),
    dataBytes: Number(meta[0]?.DATA_LENGTH ?? 0),
    createSql: String(createRow?.['Create Table'] ?? ''),
    systemVersioned: /\bWITH SYSTEM VERSIONING\b/.test(String(createRow?.['Create Table'] ?? '')),
  };
}
