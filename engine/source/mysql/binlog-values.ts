// Binlog row values (as @vlasky/zongji decodes them) → the exact RawValue a snapshot SELECT returns for the
// same column (engine/mysql/values.ts: byte strings, UTC session, character_set_results = NULL, FLOAT as
// `col + 0E0`). Pure functions; the reader (binlog-reader.ts) sets zongji up so that these inputs are exact:
// connection options { dateStrings: true, timezone: '+00:00' }, text decoded as latin1 byte strings, ENUM/SET
// as member numbers, GEOMETRY as raw bytes (patches/@vlasky+zongji+0.9.0.patch). See
// docs/research/zongji/FINDINGS.md for what zongji decodes and why.
import type { RawValue } from '../../core/rows.js';
import { fixedDouble, mariadbDouble } from '../../mysql/double-text.js';

/** Binlog column type codes (after zongji's TableMap processing: ENUM/SET carry their real type). */
export const BinlogType = {
  DECIMAL: 0, TINY: 1, SHORT: 2, LONG: 3, FLOAT: 4, DOUBLE: 5, NULL: 6, TIMESTAMP: 7, LONGLONG: 8, INT24: 9,
  DATE: 10, TIME: 11, DATETIME: 12, YEAR: 13, NEWDATE: 14, VARCHAR: 15, BIT: 16, TIMESTAMP2: 17, DATETIME2: 18,
  TIME2: 19, JSON: 245, NEWDECIMAL: 246, ENUM: 247, SET: 248, TINY_BLOB: 249, MEDIUM_BLOB: 250, LONG_BLOB: 251,
  BLOB: 252, VAR_STRING: 253, STRING: 254, GEOMETRY: 255,
} as const;

/** What the schema says about a column, for the few types the binlog does not describe fully. */
export interface ColumnHint {
  dataType: string; // information_schema DATA_TYPE, lower case
  columnType: string; // COLUMN_TYPE, lower case, e.g. "int(6) unsigned zerofill", "double(15,5)"
  generated: boolean;
  /** zongji read the column from information_schema (binlog_row_metadata=MINIMAL) and sends UUID/INET as text. */
  textForm?: boolean;
}

export interface BinlogColumnDef {
  name: string;
  /** zongji's column type code (BinlogType). */
  type: number;
  /** ENUM/SET member labels as byte strings (the column charset's bytes), in definition order. */
  labels: string[] | null;
  /** From information_schema when the table exists with a column of this name; null otherwise. */
  hint: ColumnHint | null;
}

export type ValueConverter = (v: unknown) => RawValue;

/** MariaDB UUID text: the 16 bytes of the row image (as MariaDB 10.11 logs them) in the 8-4-4-4-12 form. */
export function formatUuid(b: string): string {
  const h = Buffer.from(b, 'latin1').toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function formatInet4(b: string): string {
  return [0, 1, 2, 3].map((i) => String(b.charCodeAt(i))).join('.');
}

/**
 * MariaDB INET6 text (Inet6::to_string): lower-case hex words, the first longest run of zero words (even
 * a single one) as "::", and ::a.b.c.d / ::ffff:a.b.c.d when the run is exactly the first 6 words, or the
 * first 5 followed by ffff.
 */
export function formatInet6(b: string): string {
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push((b.charCodeAt(2 * i) << 8) | b.charCodeAt(2 * i + 1));
  let gapPos = -1;
  let gapLen = -1;
  let runPos = -1;
  let runLen = -1;
  for (let i = 0; i < 8; i++) {
    if (w[i] !== 0) {
      if (runPos >= 0 && runLen > gapLen) [gapPos, gapLen] = [runPos, runLen];
      runPos = -1;
      runLen = -1;
    } else if (runPos >= 0) runLen++;
    else [runPos, runLen] = [i, 1];
  }
  if (runPos >= 0 && runLen > gapLen) [gapPos, gapLen] = [runPos, runLen];
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === gapPos) {
      if (i === 0) out += ':';
      out += ':';
      i += gapLen - 1;
    } else if (i === 6 && gapPos === 0 && (gapLen === 6 || (gapLen === 5 && w[5] === 0xffff))) {
      return out + formatInet4(b.slice(12, 16));
    } else {
      out += w[i]!.toString(16);
      if (i !== 7) out += ':';
    }
  }
  return out;
}

function bytes(v: unknown): string {
  if (Buffer.isBuffer(v)) return v.toString('latin1');
  if (typeof v === 'string') return v;
  throw new TypeError(`unexpected binlog value ${String(v)}`);
}

/** "(6)" of "int(6) unsigned zerofill", "(15,5)" of "double(15,5)". */
function typeArgs(columnType: string): number[] {
  const m = /^[a-z ]+\(([\d,\s]+)\)/.exec(columnType);
  return m ? m[1]!.split(',').map((s) => Number(s.trim())) : [];
}

const INTEGER_TYPES = new Set<number>([BinlogType.TINY, BinlogType.SHORT, BinlogType.INT24, BinlogType.LONG, BinlogType.LONGLONG]);
const TEXT_FORM_WIDTH: Record<string, number> = { uuid: 16, inet6: 16, inet4: 4 };
const TEXT_FORM_SHAPE: Record<string, RegExp> = {
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  inet6: /^[0-9a-f:.]{2,45}$/,
  inet4: /^\d{1,3}(\.\d{1,3}){3}$/,
};

/** A converter for one column; built once per TableMap, applied to every value of that column. */
export function converterFor(col: BinlogColumnDef): ValueConverter {
  const hint = col.hint;
  const zerofill = hint !== null && /\bzerofill\b/.test(hint.columnType);
  const args = hint ? typeArgs(hint.columnType) : [];
  const pad = (width: number | undefined): ((s: string) => string) =>
    zerofill && width !== undefined && width > 0 ? (s) => s.padStart(width, '0') : (s) => s;

  if (INTEGER_TYPES.has(col.type)) {
    const p = pad(args[0]);
    return (v) => (v === null || v === undefined ? null : p(String(v)));
  }
  switch (col.type) {
    case BinlogType.NEWDECIMAL: {
      // zerofill width: precision, plus the decimal point when there is a scale
      const p = pad(args[0] !== undefined ? args[0] + ((args[1] ?? 0) > 0 ? 1 : 0) : undefined);
      return (v) => (v === null || v === undefined ? null : p(String(v)));
    }
    case BinlogType.FLOAT:
      // read by the snapshot as `col + 0E0`: a double expression, no fixed decimals, no zerofill
      return (v) => (v === null || v === undefined ? null : mariadbDouble(v as number));
    case BinlogType.DOUBLE: {
      const dec = args.length === 2 ? args[1]! : null;
      const p = pad(args.length ? args[0] : 22);
      if (dec !== null) return (v) => (v === null || v === undefined ? null : p(fixedDouble(v as number, dec)));
      return (v) => (v === null || v === undefined ? null : p(mariadbDouble(v as number)));
    }
    case BinlogType.YEAR:
      // zongji adds 1900 to the stored byte: YEAR 0000 arrives as 1900, which is not a valid YEAR otherwise
      return (v) => (v === null || v === undefined ? null : v === 1900 ? '0000' : String(v));
    case BinlogType.ENUM: {
      const labels = col.labels ?? [];
      // the reader maps labels to 1-based numbers; index 0 (the invalid value) arrives as undefined
      return (v) => (v === null ? null : v === undefined ? '' : labelAt(labels, Number(v) - 1, col.name));
    }
    case BinlogType.SET: {
      const labels = col.labels ?? [];
      // the reader maps members to their bit numbers: "0,2"
      return (v) => {
        if (v === null || v === undefined) return null;
        const s = String(v);
        return s === '' ? '' : s.split(',').map((k) => labelAt(labels, Number(k), col.name)).join(',');
      };
    }
  }
  const width = hint ? TEXT_FORM_WIDTH[hint.dataType] : undefined;
  if (width !== undefined && (col.type === BinlogType.STRING || col.type === BinlogType.VARCHAR)) {
    // MariaDB UUID/INET4/INET6 travel as BINARY(n) (zongji pads them to n); SELECT returns their text form
    const fmt = hint!.dataType === 'uuid' ? formatUuid : hint!.dataType === 'inet4' ? formatInet4 : formatInet6;
    return (v) => {
      if (v === null || v === undefined) return null;
      const b = bytes(v);
      if (hint!.textForm) {
        // binlog_row_metadata=MINIMAL: zongji sends a text form, not always the server's canonical one
        if (!TEXT_FORM_SHAPE[hint!.dataType]!.test(b)) throw new Error(`column ${col.name}: ${hint!.dataType} value "${b}" in the binlog`);
        return hint!.dataType === 'inet6' ? formatInet6(parseInet6(b, col.name)) : b;
      }
      if (b.length !== width) throw new Error(`column ${col.name}: ${hint!.dataType} value of ${b.length} bytes in the binlog`);
      return fmt(b);
    };
  }
  // DECIMAL strings, temporals (dateStrings, UTC), text (latin1 byte strings), BIT/BLOB/BINARY/GEOMETRY Buffers
  return (v) => (v === null || v === undefined ? null : bytes(v));
}

/** IPv6 text (compressed or not, IPv4 tail allowed) → its 16 bytes as a byte string. */
export function parseInet6(text: string, column: string): string {
  const bad = (): Error => new Error(`column ${column}: "${text}" is not an IPv6 address`);
  let s = text;
  const tail: number[] = [];
  const v4 = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (v4) {
    const b = v4.slice(1).map(Number);
    if (b.some((x) => x > 255)) throw bad();
    tail.push((b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!);
    s = s.slice(0, v4.index) + (s.slice(0, v4.index).endsWith(':') ? '' : ':');
    if (s.endsWith(':') && !s.endsWith('::')) s = s.slice(0, -1);
  }
  const halves = s.split('::');
  if (halves.length > 2) throw bad();
  const words = (h: string): number[] => (h === '' ? [] : h.split(':').map((w) => (/^[0-9a-f]{1,4}$/i.test(w) ? parseInt(w, 16) : NaN)));
  const head = words(halves[0]!);
  const rest = halves.length === 2 ? words(halves[1]!) : [];
  const fill = 8 - tail.length - head.length - rest.length;
  if (fill < 0 || (halves.length === 1 && fill !== 0) || [...head, ...rest].some(Number.isNaN)) throw bad();
  const all = [...head, ...new Array<number>(fill).fill(0), ...rest, ...tail];
  return all.map((w) => String.fromCharCode(w >> 8, w & 255)).join('');
}

function labelAt(labels: string[], i: number, name: string): string {
  const l = labels[i];
  if (l === undefined) throw new Error(`column ${name}: member ${i} is not in the binlog's list of ${labels.length} labels`);
  return l;
}
