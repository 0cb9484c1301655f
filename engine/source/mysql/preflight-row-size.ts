// What a sink's preflight reads of the source's rows (SourceRowSizes, engine/core/row-sizes.ts): the
// largest row of the selected tables (a MySQL sink compares it with its max_allowed_packet: a row that does
// not fit in one packet cannot be written by any statement), and row sizes from the source's statistics
// (a Kafka sink compares the messages they make with its message size limit).
//
// Largest rows, cost: a table whose columns cannot hold a row near the limit (their declared byte lengths summed: the
// column bound) is never read. A table whose bound exceeds it (BLOB, TEXT, JSON, long VARCHAR) is measured
// with one scan, SELECT MAX(LENGTH(c1) + LENGTH(c2) + …), when its data is at most MEASURE_LIMIT_BYTES;
// a larger one is judged by its column bound and reported as not measured.
import type { TableRef } from '../../../shared/table-selection.js';
import type { RowEstimate, RowSize } from '../../core/row-sizes.js';
import { quoteId } from '../../mysql/identifiers.js';
import { fitsPacket } from '../../mysql/packet-limit.js';
import { queryRows, type Connection } from '../../mysql/connection.js';

/** Tables with at most this much data (information_schema DATA_LENGTH) are scanned for their largest row. */
export const MEASURE_LIMIT_BYTES = 1024 * 1024 * 1024;

/** Bytes counted for a column without a byte length (numbers, temporals): its text form at most. */
const FIXED_COLUMN_BYTES = 40;

interface ColumnRow {
  db: string;
  tbl: string;
  col: string;
  octets: number | string | null;
  generated: string | null;
}

/** The largest row of each table whose columns could hold a row over `limit` (measured or bounded). */
export async function largeRows(conn: Connection, tables: readonly TableRef[], limit: number): Promise<RowSize[]> {
  if (!tables.length) return [];
  const dbs = [...new Set(tables.map((t) => t.db))];
  const wanted = new Set(tables.map((t) => `${t.db}.${t.table}`));
  const cols = await queryRows<ColumnRow>(
    conn,
    `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS tbl, COLUMN_NAME AS col, CHARACTER_OCTET_LENGTH AS octets, EXTRA AS generated
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA IN (?) ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION`,
    [dbs],
  );
  const byTable = new Map<string, { db: string; table: string; variable: string[]; fixed: number; bound: number }>();
  for (const c of cols) {
    const name = `${c.db}.${c.tbl}`;
    if (!wanted.has(name) || /VIRTUAL/i.test(String(c.generated ?? ''))) continue; // virtual columns are not written
    let t = byTable.get(name);
    if (!t) byTable.set(name, (t = { db: String(c.db), table: String(c.tbl), variable: [], fixed: 0, bound: 0 }));
    if (c.octets === null) {
      t.fixed += FIXED_COLUMN_BYTES;
      t.bound += FIXED_COLUMN_BYTES;
    } else {
      t.variable.push(String(c.col));
      t.bound += Number(c.octets);
    }
  }
  const out: RowSize[] = [];
  for (const t of byTable.values()) {
    if (fitsPacket(t.bound, limit)) continue;
    const [info] = await queryRows<{ n: number | string | null }>(
      conn,
      'SELECT DATA_LENGTH AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
      [t.db, t.table],
    );
    const dataBytes = Number(info?.n ?? 0);
    const name = `${t.db}.${t.table}`;
    if (dataBytes > MEASURE_LIMIT_BYTES) {
      out.push({ table: name, bytes: t.bound, measured: false, dataBytes });
      continue;
    }
    const sum = t.variable.map((c) => `COALESCE(LENGTH(${quoteId(c)}), 0)`).join(' + ');
    const [m] = await queryRows<{ m: number | string | null }>(conn, `SELECT MAX(${sum}) AS m FROM ${quoteId(t.db)}.${quoteId(t.table)}`);
    out.push({ table: name, bytes: Number(m?.m ?? 0) + t.fixed, measured: true });
  }
  return out;
}

/** Long value types: a single value may be megabytes. */
const LONG_TYPES = ['mediumblob', 'longblob', 'mediumtext', 'longtext', 'json', 'blob', 'text'];
/** Tables up to this many rows with long columns have their largest row measured (one scan); larger ones are estimated. */
const MEASURE_ROWS = 200_000;

/** Row sizes of the tables from information_schema (AVG_ROW_LENGTH), the largest row measured in small tables with long columns. */
export async function rowEstimates(conn: Connection, wanted: readonly TableRef[]): Promise<RowEstimate[]> {
  const names = new Set(wanted.map((t) => `${t.db}.${t.table}`));
  const tables = await queryRows<{ db: string; tbl: string; avg: number | string | null; n: number | string | null }>(
    conn,
    `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS tbl, AVG_ROW_LENGTH AS avg, TABLE_ROWS AS n FROM information_schema.TABLES
      WHERE TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') AND TABLE_SCHEMA NOT IN ('mysql','information_schema','performance_schema','sys')`,
  );
  const longCols = await queryRows<{ db: string; tbl: string; col: string }>(
    conn,
    `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS tbl, COLUMN_NAME AS col FROM information_schema.COLUMNS
      WHERE DATA_TYPE IN (?) AND TABLE_SCHEMA NOT IN ('mysql','information_schema','performance_schema','sys')`,
    [LONG_TYPES],
  );
  const out: RowEstimate[] = [];
  for (const t of tables) {
    const ref = { db: String(t.db), table: String(t.tbl) };
    const name = `${ref.db}.${ref.table}`;
    if (!names.has(name)) continue;
    const cols = longCols.filter((c) => String(c.db) === ref.db && String(c.tbl) === ref.table).map((c) => String(c.col));
    const averageBytes = Number(t.avg ?? 0);
    let largestBytes: number | null = null;
    if (cols.length && Number(t.n ?? 0) <= MEASURE_ROWS) {
      try {
        const [r] = await queryRows<{ m: number | string | null }>(
          conn,
          `SELECT MAX(${cols.map((c) => `IFNULL(LENGTH(${quoteId(c)}), 0)`).join(' + ')}) AS m FROM ${quoteId(ref.db)}.${quoteId(ref.table)}`,
        );
        largestBytes = Number(r?.m ?? 0) + averageBytes;
      } catch {
        /* estimated from the average */
      }
    }
    out.push({ table: name, averageBytes, largestBytes });
  }
  return out;
}
