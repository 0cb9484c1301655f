// A copied row's bulk lines written from its bytes (the source's RowBytes) straight into the batch's body,
// without a string per value: the copy's fast path. It writes exactly what the string path writes
// (bulk-writer.ts: the action line with rowId's `_id`, then renderDocument's document, as UTF-8), for the
// values whose rule says what render() and text() make of ASCII bytes (fields.ts FieldRule.bytes): a JSON
// number's bytes as they are, or the bytes as a JSON string (escaped as JSON.stringify escapes them).
// Anything else (a byte above 0x7F, a NULL key, an `_id` that is not the key's text as it is, a value that
// is not a JSON number) is not written here: the caller takes the string path for that row, which renders
// it by the rules or says why it cannot.
import type { RowBytes } from '../../core/rows.js';
import type { DocumentShape } from './bulk-writer.js';
import { isJsonNumberBytes, jsonStringBytes, putBytes } from '../../core/json-bytes.js';

/** What the byte path needs of a table's documents, or null when its rows must take the string path. */
export interface ByteShape {
  kinds: ('number' | 'string')[];
  key: number;
  /** `{"index":{"_index":"…","_id":` and each field's `{"name":` / `,"name":`. */
  prefix: Buffer;
  fieldKeys: Buffer[];
  /** Bytes a row adds besides its values' (each value takes at most 6 bytes a byte, escaped). */
  fixed: number;
}

export function byteShape(s: DocumentShape): ByteShape | null {
  if (s.keyIdx.length !== 1) return null;
  const kinds: ('number' | 'string')[] = [];
  for (const r of s.rules) {
    if (!r.bytes || r.extra) return null;
    kinds.push(r.bytes);
  }
  const prefix = Buffer.from(s.actionPrefix);
  const fieldKeys = s.fieldKeys.map((k, i) => Buffer.from(i ? `,${k}` : `{${k}`));
  // The version tail is at most 60 bytes; quotes, braces, newlines and "null"s a few more per field.
  const fixed = prefix.length + 2 + 64 + fieldKeys.reduce((n, k) => n + k.length + 6, 0) + 4;
  return { kinds, key: s.keyIdx[0]!, prefix, fieldKeys, fixed };
}

/** The bytes a row may take at most (the caller makes room for them). */
export function rowBound(b: ByteShape, row: RowBytes): number {
  let n = b.fixed;
  for (let i = 0; i < row.count; i++) {
    const s = row.start[i]!;
    if (s >= 0) n += 6 * (row.end[i]! - s);
  }
  const k = row.start[b.key]!;
  return k >= 0 ? n + 6 * (row.end[b.key]! - k) : n;
}

/** Whether `src[s, e)` is a JSON number (fields.ts JSON_NUMBER: -?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?). */
export const isJsonNumber = isJsonNumberBytes;

const jsonString = jsonStringBytes;
const put = putBytes;

/**
 * The row's action line and document written at `o` of `out` (room for rowBound() bytes), `tail` the action
 * line's end after the `_id` (`}}` or the external version's). Returns the new end, or -1 when the row
 * must take the string path (nothing is then counted as written; the bytes at `o` are left behind).
 */
export function writeRowBytes(b: ByteShape, row: RowBytes, tail: Buffer, out: Buffer, o: number): number {
  const src = row.buf;
  const ks = row.start[b.key]!;
  const ke = row.end[b.key]!;
  // documentId: a one-column key's text as it is, unless it is empty or starts with "[" (then the array form).
  if (ks < 0 || ke === ks || src[ks] === 0x5b || ke - ks > 512) return -1;
  o = put(b.prefix, out, o);
  o = jsonString(src, ks, ke, out, o);
  if (o < 0) return -1;
  o = put(tail, out, o);
  out[o++] = 0x0a;
  for (let i = 0; i < row.count; i++) {
    o = put(b.fieldKeys[i]!, out, o);
    const s = row.start[i]!;
    if (s < 0) {
      out[o++] = 0x6e; // null
      out[o++] = 0x75;
      out[o++] = 0x6c;
      out[o++] = 0x6c;
      continue;
    }
    const e = row.end[i]!;
    if (b.kinds[i] === 'number') {
      if (!isJsonNumber(src, s, e)) return -1;
      for (let j = s; j < e; j++) out[o++] = src[j]!;
    } else {
      o = jsonString(src, s, e, out, o);
      if (o < 0) return -1;
    }
  }
  out[o++] = 0x7d;
  out[o++] = 0x0a;
  return o;
}
