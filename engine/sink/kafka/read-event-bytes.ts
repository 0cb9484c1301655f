// A copied row's Debezium read event written from its bytes (the source's RowBytes) straight into its
// partition's run of Kafka records (record-runs.ts: key, value and headers with their record framing),
// without a string per value, per message or per partition key: the copy's fast path. It writes
// byte for byte what the string path writes (TableRenderer.render: debeziumKey and debeziumValueJson of an
// op "r" event, as UTF-8; the partition of partitionKey's text), for tables whose every column is one whose
// ASCII bytes have a fixed rendering (formats/debezium.ts valueOf / slowValue): a number column (int, year,
// double, FLOAT(M,D)) whose text is already a JSON number, written as it is; text in a character set whose
// ASCII is itself (utf8, latin1, ascii; ENUM and SET labels too; MariaDB UUID/INET text), written as a JSON
// string; a DECIMAL already in plain form, quoted; a TIMESTAMP that is not a zero date, as ISO-8601 UTC.
// Any other value (a byte above 0x7F, a number text with a '+' or leading zeros, a zero date) makes write()
// return false and the caller renders that row the string way, which renders it by the rules or says why it
// cannot; a table with any other column type (DATE, DATETIME, TIME, FLOAT, BIT, binary, JSON, geometry,
// other character sets) or another format has no shape and always takes the string path.
import type { RawRow, RowBytes } from '../../core/rows.js';
import { isJsonNumberBytes, jsonStringBound, jsonStringBytes, putBytes } from '../../core/json-bytes.js';
import { debeziumSourceParts } from './formats/debezium.js';
import { tableCache } from './formats/table-cache.js';
import type { ChangeEventInput, KafkaTable, KeyMode } from './formats/index.js';
import { murmur2Range, partitionFor } from './partition.js';
import { fillVarint, putVarint, recordKey, varintWidth, type RecordRuns } from './record-runs.js';

/** The value's bytes as they are, when they are a JSON number (int, year, double, FLOAT(M,D)). */
const NUMBER = 0;
/** The value's ASCII bytes as a JSON string (text in an ASCII-compatible character set, ENUM/SET labels, UUID/INET text). */
const TEXT = 1;
/** A DECIMAL's text as a JSON string, when it is already plainDecimal's form (no '+', no zerofill zeros, no -0). */
const DECIMAL = 2;
/** A TIMESTAMP's text as ISO-8601 UTC ("T" for the space, "Z" after), unless it is a zero date. */
const TIMESTAMP = 3;

/** Character sets whose ASCII bytes decode to themselves (latin1 is cp1252, whose ASCII half is ASCII). */
const ASCII_SAFE = new Set(['utf8mb4', 'utf8mb3', 'utf8', 'latin1', 'ascii']);

/** What the byte path needs of a table's read events. */
export interface ReadEventShape {
  /** Per column: NUMBER or TEXT. */
  readonly kinds: Uint8Array;
  /** `{"before":null,"after":{"c0":`, then `,"c1":` … : each column's text before its value. */
  readonly fields: Buffer[];
  /** Column index of each key column (none: the table has no key, the record none either). */
  readonly keyIdx: number[];
  /** `{"k0":`, then `,"k1":` … */
  readonly keyFields: Buffer[];
  /** "db.table" as UTF-8, the start of every partition key. */
  readonly where: Buffer;
  /** The partition of every row when it does not depend on the key ("key": "table", or no key). */
  readonly fixedPartition: number | null;
  readonly partitions: number;
  /** Bytes a value adds besides its values' (fields and braces). */
  readonly valueFixed: number;
  /** Bytes a key adds besides its values' (fields and braces). */
  readonly keyFixed: number;
}

export function readEventShape(t: KafkaTable, keyMode: KeyMode, partitions: number): ReadEventShape | null {
  const tc = tableCache(t);
  const kinds = new Uint8Array(tc.columns.length);
  for (let i = 0; i < tc.facts.length; i++) {
    const f = tc.facts[i]!;
    if (f.kind === 'int' || f.kind === 'year' || f.kind === 'double' || (f.kind === 'float' && f.args.length === 2)) kinds[i] = NUMBER;
    else if ((f.kind === 'text' && f.asciiText) || f.kind === 'textform' || ((f.kind === 'enum' || f.kind === 'set') && ASCII_SAFE.has(f.charset))) kinds[i] = TEXT;
    else if (f.kind === 'decimal') kinds[i] = DECIMAL;
    else if (f.kind === 'timestamp') kinds[i] = TIMESTAMP;
    else return null;
  }
  if (tc.keyIdx.some((i) => i < 0)) return null; // the string path says which key column is missing
  const fields = tc.names.map((n, i) => Buffer.from(i ? `,${n}` : `{"before":null,"after":{${n}`, 'utf8'));
  const keyFields = tc.keyNames.map((n, j) => Buffer.from(j ? `,${n}` : `{${n}`, 'utf8'));
  const keyed = keyMode === 'pk' && tc.keyIdx.length > 0;
  const valueFixed = fields.reduce((n, f) => n + f.length, 2);
  const keyFixed = keyFields.reduce((n, f) => n + f.length, 1);
  return {
    kinds,
    fields,
    keyIdx: [...tc.keyIdx],
    keyFields,
    where: Buffer.from(tc.where, 'utf8'),
    fixedPartition: keyed ? null : partitionFor(tc.where, partitions),
    partitions,
    valueFixed,
    keyFixed,
  };
}

/** The parts of a batch's values that do not depend on the row: around the source block's ts_ms and the envelope's. */
export interface ReadEventFrame {
  /** `},"source":` and the source block up to its ts_ms value. */
  readonly afterRow: Buffer;
  /** The source block from its ts_ms to its end (with its row), then `,"op":"r","ts_ms":`. */
  readonly afterSourceTs: Buffer;
  /** `,"transaction":null}`. */
  readonly end: Buffer;
}

const END = Buffer.from(',"transaction":null}');

/** The frame of read events of `e`'s source (one per batch: the copy's rows share it). */
export function readEventFrame(e: ChangeEventInput): ReadEventFrame {
  const p = debeziumSourceParts(e);
  return {
    afterRow: Buffer.from(`},"source":${p.head}`, 'utf8'),
    afterSourceTs: Buffer.from(`${p.middle}${String(e.source.row)}${p.tail},"op":${JSON.stringify(e.op)},"ts_ms":`, 'utf8'),
    end: END,
  };
}

/** `from` at `o`: a loop for short constants, the native copy for longer ones. */
function put(from: Buffer, out: Buffer, o: number): number {
  if (from.length < 48) return putBytes(from, out, o);
  out.set(from, o);
  return o + from.length;
}

/** Bytes a value of `kind` in `[s, e)` (s < 0: NULL) takes at most as valueOf writes it. */
function valueBound(kind: number, s: number, e: number): number {
  if (s < 0) return 4; // null
  if (kind === NUMBER) return e - s;
  if (kind === TEXT) return jsonStringBound(e - s);
  return e - s + 3; // DECIMAL: quotes; TIMESTAMP: quotes and Z
}

/**
 * Writes read events as Kafka records into their partition's run (record-runs.ts), from the row's bytes.
 * One per copy writer (it keeps a scratch buffer for partition keys and the last ts_ms text).
 */
export class ReadEventWriter {
  private tsMs = -1;
  private tsText: Buffer = Buffer.alloc(0);
  private pk: Buffer = Buffer.allocUnsafe(256);

  /**
   * The row's record (key, value, `headers`: the record format's header bytes) appended to its partition's
   * run of `runs`; false when a value needs the string path (nothing is appended then). `originOf` names
   * the row of a key this wrote (for an error about the run's largest record).
   */
  write(b: ReadEventShape, frame: ReadEventFrame, row: RowBytes, tsMs: number, runs: RecordRuns, headers: Buffer, originOf: (key: Buffer | null) => string): boolean {
    const n = b.kinds.length;
    if (row.count !== n) return false;
    if (tsMs !== this.tsMs) {
      this.tsMs = tsMs;
      this.tsText = Buffer.from(String(Math.trunc(tsMs)), 'latin1');
    }
    const start = row.start;
    const end = row.end;
    const kinds = b.kinds;
    const keyIdx = b.keyIdx;
    let valueMax = b.valueFixed + frame.afterRow.length + frame.afterSourceTs.length + frame.end.length + 2 * this.tsText.length;
    for (let i = 0; i < n; i++) valueMax += valueBound(kinds[i]!, start[i]!, end[i]!);
    let keyMax = 0;
    if (keyIdx.length) {
      keyMax = b.keyFixed;
      for (const i of keyIdx) keyMax += valueBound(kinds[i]!, start[i]!, end[i]!);
    }
    const kw = keyIdx.length ? varintWidth(keyMax) : 1;
    const vw = varintWidth(valueMax);
    const p = b.fixedPartition ?? this.keyPartition(b, row);
    // body: attributes, timestamp delta, offset delta (≤ 5), key and value with their lengths, headers
    const bodyMax = 7 + kw + keyMax + vw + valueMax + headers.length;
    const run = runs.reserve(p, 5 + bodyMax);
    const out = run.buf;
    const src = row.buf;
    const r0 = run.at;
    const bw = varintWidth(bodyMax);
    let o = r0 + bw;
    const body0 = o;
    out[o++] = 0; // attributes
    out[o++] = 0; // timestamp delta: the batch's own timestamp
    o = putVarint(out, o, run.count); // offset delta
    if (keyIdx.length) {
      const kl = o;
      o += kw;
      const k0 = o;
      for (let j = 0; j < keyIdx.length; j++) {
        o = putBytes(b.keyFields[j]!, out, o);
        const i = keyIdx[j]!;
        o = value(kinds[i]!, src, start[i]!, end[i]!, out, o);
        if (o < 0) return false;
      }
      out[o++] = 0x7d;
      o = fillVarint(out, kl, kw, o - k0, o);
    } else out[o++] = 0x01; // no key: length -1
    const vl = o;
    o += vw;
    const v0 = o;
    for (let i = 0; i < n; i++) {
      o = put(b.fields[i]!, out, o);
      o = value(kinds[i]!, src, start[i]!, end[i]!, out, o);
      if (o < 0) return false;
    }
    o = put(frame.afterRow, out, o);
    o = putBytes(this.tsText, out, o);
    o = put(frame.afterSourceTs, out, o);
    o = putBytes(this.tsText, out, o);
    o = put(frame.end, out, o);
    o = fillVarint(out, vl, vw, o - v0, o);
    o = putBytes(headers, out, o);
    o = fillVarint(out, r0, bw, o - body0, o);
    if (runs.commit(run, o)) run.largest = () => originOf(recordKey(run.buf, r0));
    return true;
  }

  /** partitionFor(partitionKey(…)) from the bytes: "db.table", then per key value "\0N" or "\0<bytes>:<value>". */
  private keyPartition(b: ReadEventShape, row: RowBytes): number {
    let need = b.where.length;
    for (const i of b.keyIdx) {
      const s = row.start[i]!;
      need += s < 0 ? 2 : 18 + row.end[i]! - s;
    }
    if (need > this.pk.length) this.pk = Buffer.allocUnsafe(need * 2);
    const pk = this.pk;
    let o = putBytes(b.where, pk, 0);
    const src = row.buf;
    for (const i of b.keyIdx) {
      const s = row.start[i]!;
      pk[o++] = 0;
      if (s < 0) {
        pk[o++] = 0x4e; // N
        continue;
      }
      const e = row.end[i]!;
      o = putDigits(e - s, pk, o);
      pk[o++] = 0x3a; // :
      for (let j = s; j < e; j++) pk[o++] = src[j]!;
    }
    return (murmur2Range(pk, 0, o) & 0x7fffffff) % b.partitions;
  }
}

/** A non-negative integer's decimal digits at `o` (String(n) as bytes, without the string). */
function putDigits(n: number, out: Buffer, o: number): number {
  let width = 1;
  for (let p = 10; p <= n; p *= 10) width++;
  for (let j = o + width - 1; j >= o; j--) {
    out[j] = 0x30 + (n % 10);
    n = Math.floor(n / 10);
  }
  return o + width;
}

/** One value as valueOf renders it for these kinds; -1 when its bytes need the string path. */
function value(kind: number, src: Buffer, s: number, e: number, out: Buffer, o: number): number {
  if (s < 0) {
    out[o++] = 0x6e; // null
    out[o++] = 0x75;
    out[o++] = 0x6c;
    out[o++] = 0x6c;
    return o;
  }
  if (kind === NUMBER) {
    if (!isJsonNumberBytes(src, s, e)) return -1;
    for (let j = s; j < e; j++) out[o++] = src[j]!;
    return o;
  }
  if (kind === TEXT) return jsonStringBytes(src, s, e, out, o);
  if (kind === DECIMAL) {
    if (!isPlainDecimal(src, s, e)) return -1;
    out[o++] = 0x22;
    for (let j = s; j < e; j++) out[o++] = src[j]!;
    out[o++] = 0x22;
    return o;
  }
  if (!isTimestampText(src, s, e)) return -1;
  out[o++] = 0x22;
  for (let j = s; j < e; j++) out[o++] = src[j]!;
  if (e - s > 10) out[o - (e - s) + 10] = 0x54; // the space (or "T") between date and time: "T"
  out[o++] = 0x5a; // Z
  out[o++] = 0x22;
  return o;
}

const digit = (c: number | undefined): boolean => c !== undefined && c >= 0x30 && c <= 0x39;

/** `-?(0|[1-9]\d*)(\.\d+)?` with a non-zero digit when negative: plainDecimal returns such text unchanged. */
function isPlainDecimal(src: Buffer, s: number, e: number): boolean {
  let j = s;
  const negative = src[j] === 0x2d;
  if (negative) j++;
  if (j >= e || !digit(src[j])) return false;
  let nonZero = false;
  if (src[j] === 0x30) {
    j++;
    if (j < e && digit(src[j])) return false; // a zerofill zero
  } else
    for (; j < e && digit(src[j]); j++) nonZero = true;
  if (j < e) {
    if (src[j] !== 0x2e || j + 1 >= e) return false;
    for (j++; j < e; j++) {
      const c = src[j];
      if (!digit(c)) return false;
      if (c !== 0x30) nonZero = true;
    }
  }
  return !negative || nonZero;
}

/**
 * `YYYY-MM-DD[( |T)hh:mm:ss[.f{1,9}]]` (parseDateTime's form) with a month and a day that are not 00 (a zero
 * date renders as null or the epoch: the string path does it).
 */
function isTimestampText(src: Buffer, s: number, e: number): boolean {
  const n = e - s;
  if (n !== 10 && n !== 19 && (n < 21 || n > 29)) return false;
  for (let j = 0; j < n; j++) {
    const c = src[s + j]!;
    const ok = j === 4 || j === 7 ? c === 0x2d : j === 10 ? c === 0x20 || c === 0x54 : j === 13 || j === 16 ? c === 0x3a : j === 19 ? c === 0x2e : digit(c);
    if (!ok) return false;
  }
  return !(src[s + 5] === 0x30 && src[s + 6] === 0x30) && !(src[s + 8] === 0x30 && src[s + 9] === 0x30);
}

/**
 * The key values (as RawRow byte strings) of a key the byte path wrote, for an error message: each is
 * a JSON number (its text), `null`, or an ASCII JSON string.
 */
export function keyValuesOf(b: ReadEventShape, key: Buffer): RawRow {
  const out: RawRow = [];
  let o = 0;
  for (let j = 0; j < b.keyIdx.length; j++) {
    o += b.keyFields[j]!.length;
    let e = o;
    if (key[o] === 0x22) {
      for (e = o + 1; key[e] !== 0x22; e++) if (key[e] === 0x5c) e++;
      e++;
      out.push(JSON.parse(key.toString('latin1', o, e)) as string);
    } else {
      while (e < key.length && key[e] !== 0x2c && key[e] !== 0x7d) e++;
      const text = key.toString('latin1', o, e);
      out.push(text === 'null' ? null : text);
    }
    o = e;
  }
  return out;
}
