// Rows and values as every part of the engine passes them, whatever the endpoint.

/**
 * A value as the server sent it: a "byte string" whose char codes are the bytes (0–255, decoded as
 * latin1, which maps every byte to one code unit and back without loss), or null for NULL. Byte
 * strings are far cheaper for V8 than one Buffer per value.
 */
export type RawValue = string | null;

/** A row as the source stored it: one byte string per written column (see RawValue), NULL as null. */
export type RawRow = RawValue[];

/**
 * One row's values as byte ranges of a buffer, without a string per value (the copy's fast path: a
 * sink that writes bytes takes them as they came off the wire). Valid only during the callback that
 * receives it: the buffer and the offsets are reused for the next row.
 */
export interface RowBytes {
  /** The bytes the values lie in. */
  readonly buf: Buffer;
  /** Per column, the first byte of its value; -1 for NULL. */
  readonly start: Int32Array;
  /** Per column, one past the last byte of its value. */
  readonly end: Int32Array;
  /** Columns in the row. */
  readonly count: number;
}

/** What a row counts for in a batch's byte tally: its values' bytes, plus one per column. */
export function rowByteSize(r: RowBytes): number {
  let size = r.count;
  for (let i = 0; i < r.count; i++) {
    const s = r.start[i]!;
    if (s >= 0) size += r.end[i]! - s;
  }
  return size;
}

/** The row as byte strings (RawRow), for a consumer that needs values: the same values the string path reads. */
export function rowFromBytes(r: RowBytes): RawRow {
  const row: RawRow = new Array<RawValue>(r.count);
  for (let i = 0; i < r.count; i++) {
    const s = r.start[i]!;
    row[i] = s < 0 ? null : r.buf.toString('latin1', s, r.end[i]!);
  }
  return row;
}
