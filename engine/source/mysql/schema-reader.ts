// Reads what the copy needs to know about source tables: columns, the chunk key, DDL, views. A table's
// definition is read by engine/mysql/table-definition.ts, which the MySQL sink uses for its own tables too.
import { pickChunkKey, type IndexRow } from '../../mysql/chunk-key.js';
import { readTable, tableExists } from '../../mysql/table-definition.js';
import type { Connection } from '../../mysql/connection.js';
import { queryRows } from '../../mysql/connection.js';
import type { TableRef } from '../../../shared/table-selection.js';
import { quoteId, quoteTable } from '../../mysql/identifiers.js';

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

export { quoteId, pickChunkKey, readTable, tableExists, type IndexRow };
