// Exact JSON rendering of column values, shared by the Debezium, Canal and Maxwell formats.
//
// A value arrives as a RawValue byte string (engine/mysql/values.ts). Nothing here goes through a JavaScript
// Number for integers or decimals: their text is checked against the JSON number grammar and written as
// it is (zerofill padding removed), so BIGINT UNSIGNED 18446744073709551615 and DECIMAL(65,30) keep every
// digit. Dates are computed with BigInt. Text is decoded with the column's character set, strictly (an
// undecodable byte sequence is an error, never a silent U+FFFD), keeping a leading BOM.
import type { KafkaColumn } from './event.js';
import { enumLabels } from '../../../mysql/enum-labels.js';
import { fixedDouble } from '../../../mysql/double-text.js';
import { decodeText } from '../../../mysql/column-text.js';

// ---------------------------------------------------------------------------------------------- JSON text

/** A JSON string literal. */
export const jstr = (s: string): string => JSON.stringify(s);

/** `"name":` — a member name as JSON text with its colon, memoized (the same few names are written for every row). */
const names = new Map<string, string>();
export function jname(name: string): string {
  let t = names.get(name);
  if (t === undefined) {
    t = JSON.stringify(name) + ':';
    if (names.size < 10_000) names.set(name, t);
  }
  return t;
}

/** A JSON object from [name, JSON text] pairs, in order. */
export function jobj(pairs: readonly (readonly [string, string])[]): string {
  let out = '{';
  for (let i = 0; i < pairs.length; i++) {
    const p = pairs[i]!;
    if (i) out += ',';
    out += jname(p[0]) + p[1];
  }
  return out + '}';
}

export const jarr = (items: readonly string[]): string => '[' + items.join(',') + ']';

// ------------------------------------------------------------------------------------------ column facts

export interface ColumnFacts {
  col: KafkaColumn;
  /** DATA_TYPE, lower case. */
  type: string;
  unsigned: boolean;
  /** Numbers in COLUMN_TYPE's parentheses, e.g. [65, 30] for decimal(65,30), [6] for datetime(6). */
  args: number[];
  /** ENUM / SET member labels (as written in COLUMN_TYPE), null for other types. */
  labels: string[] | null;
  /** Character set of text values; 'binary' for byte strings. */
  charset: string;
  kind: Kind;
  /** A text column whose ASCII bytes are their own text (UTF-8, latin1/cp1252, ascii): see plainJson. */
  asciiText: boolean;
}

export type Kind =
  | 'int' // tinyint … bigint
  | 'decimal'
  | 'float' // FLOAT (4-byte)
  | 'double' // DOUBLE, REAL, FLOAT(p>24) reported as double
  | 'year'
  | 'date'
  | 'time'
  | 'datetime'
  | 'timestamp'
  | 'text' // char, varchar, *text with a character set
  | 'bytes' // binary, varbinary, *blob, and text types in character set binary
  | 'bit'
  | 'json'
  | 'enum'
  | 'set'
  | 'geometry'
  | 'textform' // MariaDB UUID / INET4 / INET6: their canonical text
  | 'opaque'; // anything newer (VECTOR …): bytes

const INT = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint']);
const TEXT = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext']);
const BYTES = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob']);
const GEOMETRY = new Set(['geometry', 'point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon', 'geometrycollection', 'geomcollection']);

const factsCache = new WeakMap<KafkaColumn, ColumnFacts>();

export function columnFacts(col: KafkaColumn): ColumnFacts {
  let f = factsCache.get(col);
  if (f) return f;
  const type = col.dataType.toLowerCase();
  const ct = col.columnType;
  const m = /^[a-z ]+\(([\d,\s]+)\)/i.exec(ct);
  const args = m ? m[1]!.split(',').map((s) => Number(s.trim())) : [];
  const charset = (col.charset ?? (BYTES.has(type) ? 'binary' : 'utf8mb4')).toLowerCase();
  let kind: Kind;
  if (INT.has(type)) kind = 'int';
  else if (type === 'decimal' || type === 'numeric') kind = 'decimal';
  else if (type === 'float') kind = 'float';
  else if (type === 'double' || type === 'real' || type === 'double precision') kind = 'double';
  else if (type === 'year') kind = 'year';
  else if (type === 'date') kind = 'date';
  else if (type === 'time') kind = 'time';
  else if (type === 'datetime') kind = 'datetime';
  else if (type === 'timestamp') kind = 'timestamp';
  else if (TEXT.has(type)) kind = charset === 'binary' ? 'bytes' : 'text';
  else if (BYTES.has(type)) kind = 'bytes';
  else if (type === 'bit') kind = 'bit';
  else if (type === 'json') kind = 'json';
  else if (type === 'enum') kind = 'enum';
  else if (type === 'set') kind = 'set';
  else if (GEOMETRY.has(type)) kind = 'geometry';
  else if (type === 'uuid' || type === 'inet4' || type === 'inet6') kind = 'textform';
  else kind = 'opaque';
  f = {
    col,
    type,
    unsigned: /\bunsigned\b/i.test(ct),
    args,
    labels: kind === 'enum' || kind === 'set' ? enumLabels(ct) : null,
    charset,
    kind,
    asciiText: kind === 'text' && (UTF8_CHARSETS.has(charset) || charset === 'latin1' || charset === 'ascii'),
  };
  factsCache.set(col, f);
  return f;
}

/** Fractional-second digits of a TIME / DATETIME / TIMESTAMP column. */
export const fsp = (f: ColumnFacts): number => f.args[0] ?? 0;

// ------------------------------------------------------------------------------------------------ numbers

const NUMBER_TEXT = /^([+-]?)(\d+)(\.\d+)?([eE][+-]?\d+)?$/;
/** Text that already is a JSON number literal (no '+', no leading zeros): jsonNumber returns it as it is. */
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
/** jsonNumber's result when the text is already a JSON number (the common case), without the regex groups. */
export const isJsonNumber = (raw: string): boolean => JSON_NUMBER.test(raw);

/**
 * A number's text (as MySQL prints it) as a JSON number literal, every digit kept: a leading '+' and
 * zerofill zeros are dropped (JSON forbids both). Throws on anything that is not a finite number.
 */
export function jsonNumber(raw: string, what: string): string {
  if (JSON_NUMBER.test(raw)) return raw;
  const m = NUMBER_TEXT.exec(raw);
  if (!m) throw new Error(`${what}: "${raw}" is not a number`);
  const int = m[2]!.replace(/^0+(?=\d)/, '');
  return (m[1] === '-' ? '-' : '') + int + (m[3] ?? '') + (m[4] ?? '');
}

/** A decimal's plain text without zerofill zeros (Java BigDecimal.toPlainString of the same value). */
export function plainDecimal(raw: string, what: string): string {
  const m = /^([+-]?)(\d+)(\.\d+)?$/.exec(raw);
  if (!m) throw new Error(`${what}: "${raw}" is not a decimal`);
  const int = m[2]!.replace(/^0+(?=\d)/, '');
  const zero = /^0$/.test(int) && !/[1-9]/.test(m[3] ?? '');
  return (m[1] === '-' && !zero ? '-' : '') + int + (m[3] ?? '');
}

/** An integer column's value as a BigInt (exact). */
export const bigOf = (raw: string): bigint => BigInt(raw.replace(/^\+/, ''));

/** The shortest decimal that reads back as the same float32 (what Java's Float.toString aims for). */
export function float32Digits(x: number): number {
  const f = Math.fround(x);
  if (!Number.isFinite(f) || f === 0) return f;
  for (let p = 1; p <= 9; p++) {
    const n = Number(f.toPrecision(p));
    if (Math.fround(n) === f) return n;
  }
  return f;
}

/** A finite double as a JSON number (JavaScript's shortest round-trip digits). */
export function jsonDouble(x: number, what: string): string {
  if (!Number.isFinite(x)) throw new Error(`${what}: ${x} cannot be written as a JSON number`);
  return Object.is(x, -0) ? '-0.0' : String(x);
}

/**
 * Java's Double.toString / Float.toString form (JDK 19+: shortest digits): "1.0", "3.4", "0.001",
 * "1.0E7", "1.234E-5", "-0.0". Canal writes float and double values this way.
 */
export function javaNumberString(x: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
  const neg = x < 0;
  const [mant, expText] = Math.abs(x).toExponential().split('e') as [string, string];
  const digits = mant.replace('.', '');
  const e = Number(expText);
  let out: string;
  if (Math.abs(x) >= 1e-3 && Math.abs(x) < 1e7) {
    if (e >= 0) {
      const int = digits.slice(0, e + 1).padEnd(e + 1, '0');
      const frac = digits.slice(e + 1);
      out = int + '.' + (frac || '0');
    } else {
      out = '0.' + '0'.repeat(-e - 1) + digits;
    }
  } else {
    out = digits[0] + '.' + (digits.slice(1) || '0') + 'E' + e;
  }
  return (neg ? '-' : '') + out;
}

// ------------------------------------------------------------------------------------------------- bytes

export const toBuffer = (raw: string): Buffer => Buffer.from(raw, 'latin1');
export const base64 = (raw: string): string => Buffer.from(raw, 'latin1').toString('base64');

/** BIT value bytes (big-endian, as MySQL sends them) as an unsigned integer. */
export function bitsValue(raw: string): bigint {
  let v = 0n;
  for (let i = 0; i < raw.length; i++) v = (v << 8n) | BigInt(raw.charCodeAt(i));
  return v;
}

// ------------------------------------------------------------------------------------------------- text

const ASCII = /^[\x00-\x7f]*$/;
/** Character sets whose text is UTF-8: ASCII bytes decode to themselves. */
const UTF8_CHARSETS = new Set(['utf8mb4', 'utf8mb3', 'utf8']);

/** Printable ASCII without '"' and '\\': JSON.stringify writes such a string between quotes unchanged. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7f]*$/;

/**
 * The JSON string literal of a value of an asciiText column when its bytes are ASCII (what
 * jstr(decodeText(raw)) gives, in one regular-expression scan for the usual printable text instead of an
 * ASCII check plus JSON.stringify); null when the value needs the full decoding.
 */
export function asciiJson(raw: string): string | null {
  if (PLAIN.test(raw)) return '"' + raw + '"';
  return ASCII.test(raw) ? JSON.stringify(raw) : null;
}

/** Text values decoded with their column's character set (engine/mysql/column-text.ts). */
export { decodeCp1252, decodeText } from '../../../mysql/column-text.js';

/** JSON column text (MySQL sends utf8mb4). */
export const decodeJsonText = (raw: string, what: string): string => decodeText(raw, 'utf8mb4', what);

/** ENUM / SET values and labels are text in the column's character set. */
export const decodeLabel = (raw: string, f: ColumnFacts, what: string): string =>
  f.charset === 'binary' ? raw : decodeText(raw, f.charset, what);

/** 1-based index of an ENUM value among its labels (0 for the invalid value ''). */
export function enumIndex(text: string, labels: readonly string[], what: string): number {
  if (text === '') {
    const i = labels.indexOf('');
    return i + 1; // 0 when '' is not a label (the error value)
  }
  let i = labels.indexOf(text);
  if (i < 0) i = labels.findIndex((l) => l.toLowerCase() === text.toLowerCase()); // COLUMN_TYPE may be lower-cased
  if (i < 0) throw new Error(`${what}: "${text}" is not one of the ENUM labels`);
  return i + 1;
}

/** A SET value ("a,c") as its bit mask over the labels. */
export function setMask(text: string, labels: readonly string[], what: string): bigint {
  if (text === '') return 0n;
  let mask = 0n;
  for (const m of text.split(',')) {
    let i = labels.indexOf(m);
    if (i < 0) i = labels.findIndex((l) => l.toLowerCase() === m.toLowerCase());
    if (i < 0) throw new Error(`${what}: "${m}" is not one of the SET labels`);
    mask |= 1n << BigInt(i);
  }
  return mask;
}

// --------------------------------------------------------------------------------------------- temporal

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export interface DateTimeParts {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
  /** Fraction digits as written ('' when none). */
  frac: string;
}

const DATETIME_TEXT = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?)?$/;

export function parseDateTime(raw: string, what: string): DateTimeParts {
  const m = DATETIME_TEXT.exec(raw);
  if (!m) throw new Error(`${what}: "${raw}" is not a date/time`);
  return { y: +m[1]!, mo: +m[2]!, d: +m[3]!, h: +(m[4] ?? 0), mi: +(m[5] ?? 0), s: +(m[6] ?? 0), frac: m[7] ?? '' };
}

/** MySQL's zero date and dates with a zero month or day (Debezium: "invalid", converted to empty). */
export const isZeroDate = (p: DateTimeParts): boolean => p.mo === 0 || p.d === 0;

/** Epoch time of a date and time read as UTC, in units of 10^-digits seconds (3: ms, 6: µs). */
export function epochUnits(p: DateTimeParts, digits: number): bigint {
  const days = BigInt(daysFromCivil(p.y, p.mo, p.d));
  const secs = days * 86400n + BigInt(p.h * 3600 + p.mi * 60 + p.s);
  const frac = BigInt((p.frac + '000000000').slice(0, digits) || '0');
  return secs * 10n ** BigInt(digits) + frac;
}

/** A TIME value ("-838:59:59.000000") in microseconds. */
export function timeMicros(raw: string, what: string): bigint {
  const m = /^(-)?(\d+):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/.exec(raw);
  if (!m) throw new Error(`${what}: "${raw}" is not a time`);
  const us = (BigInt(m[2]!) * 3600n + BigInt(m[3]!) * 60n + BigInt(m[4]!)) * 1000000n + BigInt((m[5] ?? '').padEnd(6, '0'));
  return m[1] ? -us : us;
}

// --------------------------------------------------------------------------------------------- geometry

/** MySQL's geometry value: a 4-byte little-endian SRID, then WKB. */
export function splitGeometry(raw: string, what: string): { srid: number; wkb: Buffer } {
  const b = toBuffer(raw);
  if (b.length < 5) throw new Error(`${what}: a geometry value of ${b.length} bytes`);
  return { srid: b.readUInt32LE(0), wkb: b.subarray(4) };
}

/** x, y of a 2D WKB POINT (21 bytes), or null for any other geometry. */
export function wkbPoint(wkb: Buffer): [number, number] | null {
  if (wkb.length !== 21) return null;
  const le = wkb[0] !== 0;
  const type = le ? wkb.readUInt32LE(1) : wkb.readUInt32BE(1);
  if (type !== 1) return null;
  return le ? [wkb.readDoubleLE(5), wkb.readDoubleLE(13)] : [wkb.readDoubleBE(5), wkb.readDoubleBE(13)];
}

/**
 * WKB → WKT as JTS 1.13 WKTWriter.write writes it (what Maxwell's GeometryColumnDef outputs):
 * "POINT (1 2)", "MULTIPOINT ((0 0), (1 1))", "GEOMETRYCOLLECTION EMPTY"; ordinates as
 * DecimalFormat "0.################" (at most 16 decimals, half-even on the exact binary value).
 */
export function wkbToWkt(wkb: Buffer, what: string): string {
  let off = 0;
  const fail = (): never => {
    throw new Error(`${what}: malformed WKB`);
  };
  const geom = (): string => {
    if (off + 5 > wkb.length) fail();
    const le = wkb[off] !== 0;
    const u32 = (): number => {
      if (off + 4 > wkb.length) fail();
      const v = le ? wkb.readUInt32LE(off) : wkb.readUInt32BE(off);
      off += 4;
      return v;
    };
    const f64 = (): number => {
      if (off + 8 > wkb.length) fail();
      const v = le ? wkb.readDoubleLE(off) : wkb.readDoubleBE(off);
      off += 8;
      return v;
    };
    off += 1;
    const type = u32();
    const coord = (): string => ordinate(f64()) + ' ' + ordinate(f64());
    const seq = (): string => {
      const n = u32();
      if (!n) return 'EMPTY';
      const parts: string[] = [];
      for (let i = 0; i < n; i++) parts.push(coord());
      return '(' + parts.join(', ') + ')';
    };
    const rings = (): string => {
      const n = u32();
      if (!n) return 'EMPTY';
      const parts: string[] = [];
      for (let i = 0; i < n; i++) parts.push(seq());
      return '(' + parts.join(', ') + ')';
    };
    const many = (inner: (text: string) => string): string => {
      const n = u32();
      if (!n) return 'EMPTY';
      const parts: string[] = [];
      for (let i = 0; i < n; i++) parts.push(inner(geom()));
      return '(' + parts.join(', ') + ')';
    };
    const body = (t: string): string => t.slice(t.indexOf(' ') + 1); // "POINT (1 2)" → "(1 2)"
    switch (type) {
      case 1: {
        const x = f64();
        const y = f64();
        return Number.isNaN(x) && Number.isNaN(y) ? 'POINT EMPTY' : `POINT (${ordinate(x)} ${ordinate(y)})`;
      }
      case 2:
        return 'LINESTRING ' + seq();
      case 3:
        return 'POLYGON ' + rings();
      case 4:
        return 'MULTIPOINT ' + many(body);
      case 5:
        return 'MULTILINESTRING ' + many(body);
      case 6:
        return 'MULTIPOLYGON ' + many(body);
      case 7:
        return 'GEOMETRYCOLLECTION ' + many((t) => t);
      default:
        return fail();
    }
  };
  const out = geom();
  if (off !== wkb.length) fail();
  return out;
}

function ordinate(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'NaN' : x > 0 ? '∞' : '-∞'; // DecimalFormat's symbols
  let s = fixedDouble(x, 16);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s;
}
