// Preflight: the largest row of the selected tables against the sink's max_allowed_packet. A row that does
// not fit in one packet cannot be written by any statement (the sink drops the connection), so the copy or
// the stream would pause at it.
//
// Cost: a table whose columns cannot hold a row near the limit (their declared byte lengths summed: the
// column bound) is never read. A table whose bound exceeds it (BLOB, TEXT, JSON, long VARCHAR) is measured
// with one scan, SELECT MAX(LENGTH(c1) + LENGTH(c2) + …), when its data is at most MEASURE_LIMIT_BYTES;
// a larger one is judged by its column bound and reported as not measured.
import type { TableRef } from '../../../shared/table-selection.js';
import type { CheckItem } from '../../../shared/preflight.js';
import { quoteId } from '../../mysql/identifiers.js';
import { fitsPacket, packetFix, sizeText } from '../../mysql/packet-limit.js';
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

export interface RowSize {
  table: string;
  /** The largest row's bytes (measured), or the column bound (not measured). */
  bytes: number;
  measured: boolean;
  /** The table's data size, when it was too large to measure. */
  dataBytes?: number;
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

/** The "Largest row" item: fail when a measured row cannot fit, warn when only a column bound says it might. Pure. */
export function rowSizeItem(sizes: readonly RowSize[], limit: number): CheckItem {
  const base = { id: 'sink.row_size', side: 'sink' as const, title: 'Largest row' };
  const over = sizes.filter((s) => s.measured && !fitsPacket(s.bytes, limit)).sort((a, b) => b.bytes - a.bytes);
  if (over.length) {
    const top = over[0]!;
    return {
      ...base,
      status: 'fail',
      detail:
        `${over.map((s) => `${s.table} has a row of ${sizeText(s.bytes)} (measured)`).join('; ')}, larger than the sink's max_allowed_packet of ${sizeText(limit)}: ` +
        'the copy or the stream would pause at it.',
      fix: packetFix(top.bytes),
      tables: over.map((s) => s.table),
    };
  }
  const unknown = sizes.filter((s) => !s.measured);
  if (unknown.length) {
    return {
      ...base,
      status: 'warn',
      detail:
        `${unknown.map((s) => `${s.table} (${sizeText(s.dataBytes ?? 0)}, not measured: too large to scan here)`).join('; ')} can hold rows up to ${sizeText(Math.max(...unknown.map((s) => s.bytes)))} by its column definitions, ` +
        `more than the sink's max_allowed_packet of ${sizeText(limit)}; a row over it would pause the job.`,
      fix: `Measure on the source: SELECT MAX(LENGTH(col1) + LENGTH(col2) + …) FROM <table>; and if it is over ${sizeText(limit)}: ${packetFix(Math.max(...unknown.map((s) => s.bytes)))}`,
      tables: unknown.map((s) => s.table),
    };
  }
  const measured = sizes.filter((s) => s.measured).sort((a, b) => b.bytes - a.bytes)[0];
  return {
    ...base,
    status: 'pass',
    detail: measured
      ? `The largest row (${measured.table}, ${sizeText(measured.bytes)}, measured) fits in the sink's max_allowed_packet of ${sizeText(limit)}.`
      : `No selected table has columns that could hold a row of ${sizeText(limit)} (the sink's max_allowed_packet).`,
  };
}
