// The per-row text and hash that both servers compute for verification, and the per-chunk aggregates.
//
// The row text must be byte-identical on source and sink for equal stored values and differ otherwise,
// for every type the copy supports, without any conversion on the way:
//   - each value is taken as binary (CAST … AS BINARY): strings, ENUM/SET labels, JSON, GEOMETRY and
//     MariaDB UUID/INET as the bytes the server stores for them, never converted to another charset;
//   - numbers as their exact text (DECIMAL keeps its scale), FLOAT widened to DOUBLE first (its own
//     text is rounded to 6 digits), BIT as its unsigned number, temporals as text in the session's
//     '+00:00' (every Cutover connection sets it, so TIMESTAMPs compare in UTC);
//   - every value is written as LENGTH(v) ':' v, so NULL ('N') differs from '' ('0:') and no two
//     column splits give the same text; long values (text, blobs, JSON, geometry) contribute their MD5
//     instead of their bytes, so the row text stays small whatever max_allowed_packet is.
// The row hash is MD5 of that text. A chunk's aggregates are COUNT(*), BIT_XOR of the hash's first 64
// bits and SUM of its last 32 bits (a sum sees a duplicated row, which an XOR cancels out).
import { quoteId } from './identifiers.js';
import { valueKind } from './values.js';
import type { ColumnInfo } from '../core/tables.js';

/** Kinds whose values may be long: hashed per value before they enter the row text. */
const LONG = new Set(['text', 'binary', 'json', 'opaque']);

/** The value of one column as a binary string (NULL stays NULL). */
export function binaryValueExpr(c: ColumnInfo): string {
  const q = quoteId(c.name);
  switch (valueKind(c)) {
    case 'float':
      return `CAST((${q} + 0E0) AS BINARY)`;
    case 'bit':
      return `CAST(CAST(${q} AS UNSIGNED) AS BINARY)`;
    default:
      return `CAST(${q} AS BINARY)`;
  }
}

/** One column's part of the row text: 'N' for NULL, else its length, ':' and its bytes (or their MD5 for long kinds). */
export function columnTextExpr(c: ColumnInfo): string {
  const v = binaryValueExpr(c);
  const body = LONG.has(valueKind(c)) ? `MD5(${v})` : v;
  return `IFNULL(CONCAT(LENGTH(${v}), _binary':', ${body}), _binary'N')`;
}

/** The row text of these columns (in this order), a binary string. */
export function rowTextExpr(cols: readonly ColumnInfo[]): string {
  if (!cols.length) return `_binary''`;
  return `CONCAT(${cols.map(columnTextExpr).join(`, _binary',', `)})`;
}

/** The row hash: 32 lower-case hex digits. */
export function rowHashExpr(cols: readonly ColumnInfo[]): string {
  return `MD5(${rowTextExpr(cols)})`;
}

/**
 * The aggregates of a chunk over a derived table `(SELECT <rowHashExpr> AS h …) d`: rows, XOR of the
 * first 64 bits, sum of the last 32 bits (decimal text).
 */
export const CHUNK_AGGREGATES =
  'COUNT(*) AS n, ' +
  'CAST(BIT_XOR(CAST(CONV(LEFT(d.h, 16), 16, 10) AS UNSIGNED)) AS CHAR) AS x, ' +
  'CAST(IFNULL(SUM(CAST(CONV(RIGHT(d.h, 8), 16, 10) AS UNSIGNED)), 0) AS CHAR) AS s';
