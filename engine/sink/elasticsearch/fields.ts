// Each source column's field in a search document: how its value is written in `_source` (a JSON token
// holding the source's text form, by the rules below, documented in README "Elasticsearch / OpenSearch
// sink") and the explicit mapping the index gets for it (overridable per column with "sink.mappings").
//
//   TINYINT…INT (signed or unsigned), YEAR   JSON number, the source's digits          long
//                                            (ZEROFILL, YEAR 0000: JSON string as printed)
//   BIGINT                                   JSON string of its digits                 long (64-bit exact)
//   BIGINT UNSIGNED                          JSON string of its digits                 keyword (beyond long)
//   DECIMAL                                  JSON string, the source's digits          keyword
//   FLOAT                                    JSON number, the shortest decimal that    float
//                                            is the same 32-bit float (MariaDB's own
//                                            text keeps 6 digits and can lose it)
//   DOUBLE                                   JSON number, the source's text            double
//   BIT(n)                                   JSON number (n ≤ 53) or string (n > 53)   long / keyword
//   DATE, DATETIME(n), TIMESTAMP(n)          JSON string as the source prints it       date, exact format, ignore_malformed
//                                            (TIMESTAMP in UTC)                        (a zero date stays in _source)
//   TIME(n)                                  JSON string as the source prints it       keyword
//   CHAR, VARCHAR, ENUM, SET, UUID, INET     JSON string, decoded from the charset     keyword
//   TINYTEXT…LONGTEXT                        JSON string, decoded from the charset     text
//   JSON                                     the JSON value itself, as the source has it  object, not indexed
//   MariaDB's JSON (LONGTEXT + json_valid)   the same; a value repeating a member name     object, not indexed
//                                            (which the clusters refuse) as its text, a JSON string
//   BINARY, VARBINARY, BLOBs, GEOMETRY       JSON string, base64 of the bytes          binary
//   NULL                                     null
import type { ColumnInfo } from '../../core/tables.js';
import { asciiAsIs, decodeText } from '../../mysql/column-text.js';
import { isObject, parseExactJson, type ExactJson } from './exact-json.js';

export type FieldMapping = Record<string, unknown>;

export interface FieldRule {
  /** The value's JSON token in `_source` (raw: a byte string, never null). */
  render(raw: string, what: string): string;
  /** The value's text form (the `_id` of a key column). */
  text(raw: string, what: string): string;
  mapping: FieldMapping;
  /** A second field beside the column's, holding another representation of the value (field-options.ts). */
  extra?: ExtraField;
  /**
   * What render() and text() make of a value of ASCII bytes, for writers that copy bytes (document-bytes.ts):
   * 'number': render() is the bytes themselves when they are a JSON number; 'string': render() is the bytes
   * as a JSON string. text() is the bytes either way. Absent: the value must go through render().
   */
  bytes?: 'number' | 'string';
}

/** A field written beside a column's own: its name, mapping and the value's JSON token (null for a NULL). */
export interface ExtraField {
  name: string;
  mapping: FieldMapping;
  render(raw: string, what: string): string;
}

/** Whether a JSON value has an object naming one member twice (the clusters refuse such a document). */
export function repeatsMemberName(v: ExactJson): boolean {
  if (Array.isArray(v)) return v.some(repeatsMemberName);
  if (!isObject(v)) return false;
  const seen = new Set<string>();
  for (const [k, x] of v.members) {
    if (seen.has(k) || repeatsMemberName(x)) return true;
    seen.add(k);
  }
  return false;
}

const SAFE_INTEGERS = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'year']);
const TEXT_TYPES = new Set(['tinytext', 'text', 'mediumtext', 'longtext']);
const BINARY_TYPES = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob']);
export const GEOMETRY_TYPES = new Set(['geometry', 'point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon', 'geometrycollection', 'geomcollection']);
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?$/;

const str = (s: string): string => JSON.stringify(s);
const base64 = (raw: string): string => Buffer.from(raw, 'latin1').toString('base64');

/** The fraction digits of a temporal column type ("datetime(6)" → 6). */
export function fractionDigits(columnType: string): number {
  const m = /\((\d)\)/.exec(columnType);
  return m ? Number(m[1]) : 0;
}

/** The date format of DATE / DATETIME(n) / TIMESTAMP(n) as the source prints it. */
export function dateFormat(dataType: string, columnType: string): string {
  if (dataType === 'date') return 'yyyy-MM-dd';
  const n = fractionDigits(columnType);
  return `yyyy-MM-dd HH:mm:ss${n ? `.${'S'.repeat(n)}` : ''}`;
}

/** BIT bytes (big-endian) as an unsigned integer's digits. */
export function bitDigits(raw: string): string {
  let v = 0n;
  for (let i = 0; i < raw.length; i++) v = (v << 8n) | BigInt(raw.charCodeAt(i));
  return v.toString();
}

function bitWidth(columnType: string): number {
  const m = /\((\d+)\)/.exec(columnType);
  return m ? Number(m[1]) : 1;
}

const ascii = (raw: string): string => raw;

/** The shortest decimal that reads back as the same 32-bit float as the (widened) source value. */
export function float32Text(raw: string): string {
  const f = Math.fround(Number(raw));
  if (!Number.isFinite(f)) return raw;
  for (let p = 1; p <= 9; p++) {
    const s = String(Number(f.toPrecision(p)));
    if (Math.fround(Number(s)) === f) return s;
  }
  return String(f);
}

/** The rule of one source column. */
export function fieldRule(c: ColumnInfo): FieldRule {
  const t = c.dataType;
  const unsigned = /\bunsigned\b/i.test(c.columnType);
  // ZEROFILL columns print their padding ("000042") and YEAR 0 prints "0000": JSON strings, so the text stays exact.
  if (SAFE_INTEGERS.has(t)) {
    const zerofill = /\bzerofill\b/i.test(c.columnType);
    return { render: (raw) => (!zerofill && JSON_NUMBER.test(raw) ? raw : str(raw)), text: ascii, mapping: { type: 'long' }, bytes: zerofill ? 'string' : 'number' };
  }
  if (t === 'bigint') return { render: str, text: ascii, mapping: unsigned ? { type: 'keyword' } : { type: 'long' }, bytes: 'string' };
  if (t === 'decimal' || t === 'numeric') return { render: str, text: ascii, mapping: { type: 'keyword' }, bytes: 'string' };
  // FLOAT is read widened to DOUBLE (engine/mysql/values.ts: its own text is rounded to 6 digits): written
  // as the shortest decimal that reads back as the same 32-bit float.
  if (t === 'float') return { render: float32Text, text: float32Text, mapping: { type: 'float' } };
  if (t === 'double' || t === 'real') return { render: (raw) => (JSON_NUMBER.test(raw) ? raw : str(raw)), text: ascii, mapping: { type: 'double' }, bytes: 'number' };
  if (t === 'bit') {
    const wide = bitWidth(c.columnType) > 53;
    return { render: (raw) => (wide ? str(bitDigits(raw)) : bitDigits(raw)), text: bitDigits, mapping: { type: wide ? 'keyword' : 'long' } };
  }
  if (t === 'date' || t === 'datetime' || t === 'timestamp') return { render: str, text: ascii, mapping: { type: 'date', format: dateFormat(t, c.columnType), ignore_malformed: true }, bytes: 'string' };
  if (t === 'time') return { render: str, text: ascii, mapping: { type: 'keyword' }, bytes: 'string' };
  if (t === 'json')
    return {
      render: (raw, what) => {
        const text = decodeText(raw, 'utf8mb4', what);
        JSON.parse(text); // the source's JSON text goes into _source as it is: it must be JSON
        return text;
      },
      text: (raw, what) => decodeText(raw, 'utf8mb4', what),
      mapping: { type: 'object', enabled: false },
    };
  // MariaDB's JSON is LONGTEXT with a json_valid CHECK (the source driver marks it jsonText): the value is
  // JSON text in the column's character set, written as the JSON value itself like MySQL's JSON. MariaDB
  // keeps a repeated member name as written, which the clusters refuse in a document: that value is
  // written as its text (a JSON string), so it is still exactly the source's.
  if (c.jsonText)
    return {
      render: (raw, what) => {
        const text = decodeText(raw, c.charset, what);
        return repeatsMemberName(parseExactJson(text)) ? str(text) : text;
      },
      text: (raw, what) => decodeText(raw, c.charset, what),
      mapping: { type: 'object', enabled: false },
    };
  if (BINARY_TYPES.has(t) || GEOMETRY_TYPES.has(t) || c.charset === 'binary') return { render: (raw) => str(base64(raw)), text: base64, mapping: { type: 'binary' } };
  const decode = (raw: string, what: string): string => decodeText(raw, c.charset, what);
  // An ASCII value decodes to its own bytes in most character sets (column-text.ts asciiAsIs).
  const bytes = asciiAsIs(c.charset) ? ('string' as const) : undefined;
  if (TEXT_TYPES.has(t)) return { render: (raw, what) => str(decode(raw, what)), text: decode, mapping: { type: 'text' }, bytes };
  // CHAR, VARCHAR, ENUM, SET and the string-like types (UUID, INET4, INET6): exact values.
  return { render: (raw, what) => str(decode(raw, what)), text: decode, mapping: { type: 'keyword', ignore_above: 8191 }, bytes };
}

/**
 * The `_id` of a row, reversibly: the key column's text form when the key is one column and that text is
 * not empty and does not start with "["; otherwise (composite keys, an empty text, a text starting with
 * "[") the JSON array of the key columns' text forms, e.g. ["7","Ab"]. An _id starting with "[" is the
 * array form.
 */
export function documentId(texts: string[]): string {
  return texts.length === 1 && texts[0] !== '' && !texts[0]!.startsWith('[') ? texts[0]! : JSON.stringify(texts);
}

/** The key's text forms back from an `_id` (documentId's inverse). */
export function keyTextsOf(id: string): string[] {
  return id.startsWith('[') ? (JSON.parse(id) as string[]) : [id];
}
