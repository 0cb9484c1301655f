// Exact values: how each column is selected on the source (as raw bytes) and written back as a SQL literal.
//
// Data connections read with character_set_results = binary, so the server sends every value as the
// bytes it stores (strings in their column charset, BIT and GEOMETRY as binary, numbers and temporals
// as their canonical text in a UTC session). Each value is written back as a literal the sink parses to
// the same bytes: numbers unquoted, temporals quoted, strings quoted when plain ASCII and hex otherwise.
// FLOAT is selected widened to DOUBLE, because its text form is rounded to 6 digits.
import { quoteId } from './identifiers.js';
import type { ColumnInfo } from '../core/tables.js';
import type { RawValue } from '../core/rows.js';

export type ValueKind = 'number' | 'float' | 'temporal' | 'text' | 'binary' | 'bit' | 'json' | 'enum' | 'opaque';

const NUMBER = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint', 'decimal', 'numeric', 'year', 'double', 'real']);
const TEMPORAL = new Set(['date', 'datetime', 'timestamp', 'time']);
/** Types whose text form is canonical and which the server parses back from it (MariaDB UUID, INET4, INET6). */
const TEXT_FORM = new Set(['uuid', 'inet4', 'inet6']);
const TEXT = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext']);
const BINARY = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob']);
/** Character sets whose ASCII range is not single-byte ASCII: their values are always written as hex. */
const WIDE_CHARSETS = new Set(['ucs2', 'utf16', 'utf16le', 'utf32']);

export function valueKind(c: Pick<ColumnInfo, 'dataType'>): ValueKind {
  const t = c.dataType;
  if (t === 'float') return 'float';
  if (NUMBER.has(t)) return 'number';
  if (TEMPORAL.has(t) || TEXT_FORM.has(t)) return 'temporal';
  if (TEXT.has(t)) return 'text';
  if (BINARY.has(t)) return 'binary';
  if (t === 'bit') return 'bit';
  if (t === 'json') return 'json';
  if (t === 'enum' || t === 'set') return 'enum';
  return 'opaque'; // geometry types, vector, anything newer: bytes as hex
}

/**
 * Character sets the driver cannot name an encoding for (it fails on their column metadata even when
 * the bytes are taken raw): such columns are selected as binary, which sends the very same bytes.
 */
const DRIVER_UNKNOWN_CHARSETS = new Set(['dec8', 'hp8', 'swe7', 'keybcs2', 'geostd8', 'eucjpms', 'armscii8']);

/** The select expression for a column on the source. */
export function selectExpr(c: ColumnInfo): string {
  const q = quoteId(c.name);
  const kind = valueKind(c);
  if (kind === 'float') return `(${q} + 0E0)`;
  if ((kind === 'text' || kind === 'enum') && c.charset && DRIVER_UNKNOWN_CHARSETS.has(c.charset)) return `CAST(${q} AS BINARY)`;
  return q;
}

export type Render = (v: RawValue) => string;

/** Printable ASCII without ' or \: such bytes can go between single quotes as they are. */
const PLAIN_ASCII = /^[\x20-\x26\x28-\x5b\x5d-\x7e]*$/;

export function bytesToHex(v: string): string {
  return Buffer.from(v, 'latin1').toString('hex');
}

function hex(v: string): string {
  return v.length === 0 ? "''" : "X'" + bytesToHex(v) + "'";
}

/** How to write a value of this column as a literal in an INSERT. */
export function valueRenderer(c: ColumnInfo): Render {
  const kind = valueKind(c);
  switch (kind) {
    case 'number':
    case 'float':
      return (v) => (v === null ? 'NULL' : v);
    case 'temporal':
      return (v) => (v === null ? 'NULL' : "'" + v + "'");
    case 'text':
    case 'enum':
    case 'binary': {
      const wide = c.charset !== null && WIDE_CHARSETS.has(c.charset);
      if (wide) return (v) => (v === null ? 'NULL' : hex(v));
      return (v) => (v === null ? 'NULL' : PLAIN_ASCII.test(v) ? "'" + v + "'" : hex(v));
    }
    case 'json':
      // MySQL's JSON type rejects binary strings: give the text its character set.
      return (v) => (v === null ? 'NULL' : `CONVERT(${hex(v)} USING utf8mb4)`);
    case 'bit':
    case 'opaque':
      return (v) => (v === null ? 'NULL' : "X'" + bytesToHex(v) + "'");
  }
}

/**
 * A literal for comparing a key column in WHERE: strings carry their charset and collation so the
 * server compares them as it orders the index (case-insensitive collations, multi-byte charsets).
 */
export function keyRenderer(c: ColumnInfo): Render {
  const kind = valueKind(c);
  if ((kind === 'text' || kind === 'enum') && c.charset && c.collation && kind !== 'enum') {
    const intro = `_${c.charset} `;
    const coll = ` COLLATE ${c.collation}`;
    return (v) => (v === null ? 'NULL' : `${intro}X'${bytesToHex(v)}'${coll}`);
  }
  if (kind === 'enum' || kind === 'bit') return (v) => (v === null ? 'NULL' : v); // selected as a number (keySelectExpr)
  if (kind === 'binary') return (v) => (v === null ? 'NULL' : "X'" + bytesToHex(v) + "'");
  return valueRenderer(c);
}

/**
 * The select expression for a key column when reading a chunk boundary. ENUM/SET keys order by index
 * number, and BIT keys compare as numbers (a hex literal would compare as a binary string): both are
 * read and compared as unsigned integers.
 */
export function keySelectExpr(c: ColumnInfo): string {
  const k = valueKind(c);
  return k === 'enum' || k === 'bit' ? `CAST(${quoteId(c.name)} AS UNSIGNED)` : selectExpr(c);
}

/** Key-boundary values travel through SQLite as JSON: base64 per column, null for NULL. */
export function encodeKey(values: RawValue[]): string {
  return JSON.stringify(values.map((v) => (v === null ? null : Buffer.from(v, 'latin1').toString('base64'))));
}

export function decodeKey(json: string): RawValue[] {
  return (JSON.parse(json) as (string | null)[]).map((s) => (s === null ? null : Buffer.from(s, 'base64').toString('latin1')));
}

/** `(a, b) > (x, y)` expanded so every server uses the index range: a > x OR (a = x AND b > y). */
export function keyCompare(cols: string[], lits: string[], op: '>' | '<='): string {
  const parts: string[] = [];
  const strict = op === '>' ? '>' : '<';
  for (let i = 0; i < cols.length; i++) {
    const eqs = cols.slice(0, i).map((c, j) => `${c} = ${lits[j]}`);
    const last = i === cols.length - 1 ? op : strict;
    parts.push([...eqs, `${cols[i]} ${last} ${lits[i]}`].join(' AND '));
  }
  return parts.length === 1 ? parts[0]! : '(' + parts.map((p) => `(${p})`).join(' OR ') + ')';
}
