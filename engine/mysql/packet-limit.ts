// A row larger than the sink's max_allowed_packet cannot be written in any statement: the server drops
// the connection (the client sees ECONNRESET, "Got a packet bigger than 'max_allowed_packet'" or a closed
// connection), and retrying sends the same row again. The copy and the stream check each row against the
// limit before sending it, and stop with the table, the key, the row's size and the SQL that fixes it.
import { CutoverError } from '../../shared/errors.js';
import type { RawValue } from '../core/rows.js';

/** The most a MySQL or MariaDB server accepts (1 GiB); a larger row cannot be stored in one at all. */
export const MAX_PACKET_LIMIT = 1024 * 1024 * 1024;

/** Bytes the protocol needs besides the statement text (packet header, command byte): kept free. */
const PACKET_OVERHEAD = 1024;

/** Whether a statement (or LOAD DATA line) of `bytes` bytes fits in one packet of `limit`. Pure. */
export function fitsPacket(bytes: number, limit: number): boolean {
  return bytes + PACKET_OVERHEAD <= limit;
}

/** The max_allowed_packet that holds a statement of `bytes`: the next multiple of 16 MiB with room to spare, at most 1 GiB. Pure. */
export function packetFor(bytes: number): number {
  const step = 16 * 1024 * 1024;
  return Math.min(MAX_PACKET_LIMIT, Math.ceil((bytes * 1.25 + PACKET_OVERHEAD) / step) * step);
}

/** "12.3 MiB" / "900.0 KiB" / "512 bytes". Pure. */
export function sizeText(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

/** The SQL that lets the sink take a row of `bytes` (or, above 1 GiB, what to do instead). Pure. */
export function packetFix(bytes: number): string {
  if (bytes + PACKET_OVERHEAD > MAX_PACKET_LIMIT)
    return 'No MySQL or MariaDB server accepts a row over 1 GiB in one statement: exclude the column ("columns" in the job file) or the table, or shorten the value on the source.';
  const n = packetFor(bytes);
  return `SET GLOBAL max_allowed_packet = ${n}; on the sink (and max_allowed_packet = ${n / 1024 / 1024}M under [mysqld] in its my.cnf so a restart keeps it), then run the same job again: it resumes at this row.`;
}

/** "(id) = (42)": a row's key values (each cut at 100 characters); "(no key)" for a keyless table. Pure. */
export function keyText(keyColumns: readonly string[], columns: readonly string[], row: readonly RawValue[]): string {
  if (!keyColumns.length) return '(no primary or unique key)';
  const values = keyColumns.map((k) => {
    const v = row[columns.indexOf(k)];
    if (v === null || v === undefined) return 'NULL';
    return v.length > 100 ? `${v.slice(0, 100)}…` : v;
  });
  return `(${keyColumns.join(', ')}) = (${values.join(', ')})`;
}

export interface TooLargeRow {
  /** "db.table" on the sink. */
  table: string;
  key: string;
  /** The bytes that would be sent for this row. */
  bytes: number;
  limit: number;
  /** Where it was met: "copy" or the stream's source position. */
  during: string;
}

/** The error that pauses the job at a row the sink cannot take (code SINK_ROW: the job pauses, a run after the fix resumes). */
export function rowTooLarge(r: TooLargeRow): CutoverError {
  return new CutoverError(
    `A row of ${r.table} with key ${r.key} is ${sizeText(r.bytes)} when written (${r.during}), larger than the sink's max_allowed_packet of ${sizeText(r.limit)}: the sink would drop the connection on every retry.`,
    packetFix(r.bytes),
    'SINK_ROW',
  );
}
