// Reads what the copy needs to know about source tables: columns, the chunk key, DDL, views.
import { pickChunkKey, type IndexRow } from '../../mysql/chunk-key.js';
import type { Connection } from '../../mysql/connection.js';
import { queryRows } from '../../mysql/connection.js';
import type { TableRef } from '../../../shared/table-selection.js';
import { quoteId, quoteTable } from '../../mysql/identifiers.js';
import type { ColumnInfo, TableInfo } from '../../core/tables.js';

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


export async function listBaseTables(conn: Connection): Promise<TableRef[]> {
  const rows = await queryRows<{ db: string; t: string }>(
    conn,
    `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS t FROM information_schema.TABLES
     WHERE TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') AND TABLE_SCHEMA NOT IN ('mysql','information_schema','performance_schema','sys')
     ORDER BY TABLE_SCHEMA, TABLE_NAME`,
  );
  return rows.map((r) => ({ db: String(r.db), table: String(r.t) }));
}

export async function listViews(conn: Connection): Promise<TableRef[]> {
  const rows = await queryRows<{ db: string; t: string }>(
    conn,
    `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS t FROM information_schema.VIEWS
     WHERE TABLE_SCHEMA NOT IN ('mysql','information_schema','performance_schema','sys') ORDER BY 1, 2`,
  );
  return rows.map((r) => ({ db: String(r.db), table: String(r.t) }));
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
  const columns: ColumnInfo[] = cols.map((c) => ({
    name: String(c.COLUMN_NAME),
    dataType: String(c.DATA_TYPE).toLowerCase(),
    columnType: String(c.COLUMN_TYPE).toLowerCase(),
    charset: c.CHARACTER_SET_NAME,
    collation: c.COLLATION_NAME,
    nullable: c.IS_NULLABLE === 'YES',
    generated: /GENERATED|PERSISTENT|VIRTUAL/i.test(String(c.EXTRA)),
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

export async function showCreateView(conn: Connection, ref: TableRef): Promise<string> {
  const [row] = await queryRows<Record<string, string>>(conn, `SHOW CREATE VIEW ${quoteTable(ref)}`);
  return String(row?.['Create View'] ?? '');
}

export async function databaseDefaults(conn: Connection, db: string): Promise<{ charset: string; collation: string }> {
  const [row] = await queryRows<{ cs: string; co: string }>(
    conn,
    'SELECT DEFAULT_CHARACTER_SET_NAME AS cs, DEFAULT_COLLATION_NAME AS co FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
    [db],
  );
  return { charset: row?.cs ?? 'utf8mb4', collation: row?.co ?? 'utf8mb4_general_ci' };
}

export { quoteId, pickChunkKey, type IndexRow };
