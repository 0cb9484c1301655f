// One raw MySQL value → its PostgreSQL text form: what COPY's text format (before copyEscape) and a text
// parameter ($1) both take. The rules match types.ts; README ("PostgreSQL sink: type rules") lists them.
// A value PostgreSQL cannot hold (a zero date, a year-0 date, a NUL byte in text, \u0000 in JSON) is
// never changed silently: the policy (types.ts UnholdablePolicy) says what happens, by default a
// CutoverError (code SINK_ROW) naming the table, column, key and value.
import { CutoverError } from '../../../shared/errors.js';
import type { ColumnInfo } from '../../core/tables.js';
import type { RawValue } from '../../core/rows.js';
import { bytesToHex, valueKind } from '../../mysql/values.js';
import { decoderFor } from './charsets.js';
import type { UnholdablePolicy } from './types.js';
import { ewkbProblem, ewkbSrid, GEOMETRY_TYPES } from './postgis.js';

export interface ValueContext {
  /** The sink table, for messages ("schema.table"). */
  table: string;
  /** The row's key, for messages (called only when a value cannot be held). */
  key(): string;
  policy: UnholdablePolicy;
}

type Encode = (raw: string, ctx: ValueContext) => string | null;

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** A MySQL date part "YYYY-MM-DD" that PostgreSQL holds as written (no zero parts, no year 0, a real day). */
export function holdableDate(ymd: string): boolean {
  const y = Number(ymd.slice(0, 4));
  const m = Number(ymd.slice(5, 7));
  const d = Number(ymd.slice(8, 10));
  if (!(y >= 1 && m >= 1 && m <= 12 && d >= 1)) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= (m === 2 && leap ? 29 : DAYS[m - 1]!);
}

function show(v: string): string {
  const s = JSON.stringify(v.length > 100 ? v.slice(0, 100) + '…' : v);
  return s;
}

/** What the policy makes of a value PostgreSQL cannot hold (`text`: the value as the message shows it). */
function unholdable(c: ColumnInfo, raw: string, ctx: ValueContext, why: string, temporal: boolean, text = raw): string | null {
  const p = ctx.policy;
  if (p === 'null' && c.nullable) return null;
  if (p === '-infinity' && temporal) return '-infinity';
  if (p === 'text' && temporal) return raw;
  const shown = show(text);
  const note = p === 'null' && !c.nullable ? ' The policy "null" cannot apply: the column is NOT NULL.' : p !== 'stop' && p !== 'null' && !temporal ? ` The policy "${p}" applies to dates and timestamps only.` : '';
  throw new CutoverError(
    `A row of ${ctx.table} with key ${ctx.key()} holds ${shown} in column ${c.name} (${c.columnType}), which PostgreSQL cannot hold: ${why}.${note}`,
    'Correct the row on the source, or set "sink.unholdable" to "null", "-infinity" or "text" (README: PostgreSQL sink), then run the job again: it resumes at this chunk.',
    'SINK_ROW',
  );
}

function bits(raw: string, n: number): string {
  let s = '';
  for (let i = 0; i < raw.length; i++) s += raw.charCodeAt(i).toString(2).padStart(8, '0');
  return s.length >= n ? s.slice(s.length - n) : s.padStart(n, '0');
}

/**
 * MySQL's geometry bytes (SRID as 4 bytes little-endian, then WKB) → EWKB, as PostGIS writes it: the SRID
 * inside the outer geometry (flag 0x20000000 on its type); SRID 0 gives plain WKB.
 */
export function mysqlGeometryToEwkb(raw: string): Buffer {
  const b = Buffer.from(raw, 'latin1');
  if (b.length < 9) return b.subarray(Math.min(4, b.length));
  const srid = b.readUInt32LE(0);
  const wkb = b.subarray(4);
  if (srid === 0) return Buffer.from(wkb);
  const le = wkb[0] === 1;
  const type = le ? wkb.readUInt32LE(1) : wkb.readUInt32BE(1);
  const out = Buffer.alloc(wkb.length + 4);
  out[0] = wkb[0]!;
  if (le) {
    out.writeUInt32LE((type | 0x20000000) >>> 0, 1);
    out.writeUInt32LE(srid, 5);
  } else {
    out.writeUInt32BE((type | 0x20000000) >>> 0, 1);
    out.writeUInt32BE(srid, 5);
  }
  wkb.copy(out, 9, 5);
  return out;
}

/** JSON text with the escape \u0000 outside an escaped backslash (PostgreSQL's jsonb refuses it). */
const JSON_NUL = /(?:^|[^\\])(?:\\\\)*\\u0000/i;

/** A value of a PostGIS geometry column: hex EWKB, refused by name when PostGIS would refuse it (its SRID not the column's, a broken WKB). */
function postgisEncoder(c: ColumnInfo, columnSrid: number): Encode {
  return (raw, ctx) => {
    const ewkb = mysqlGeometryToEwkb(raw);
    const problem = ewkbProblem(ewkb);
    if (problem) return unholdable(c, raw, ctx, `PostGIS refuses this geometry: ${problem}`, false, '0x' + bytesToHex(raw));
    const srid = ewkbSrid(ewkb);
    if (columnSrid !== 0 && srid !== columnSrid)
      return unholdable(c, raw, ctx, `its SRID ${srid} is not the SRID ${columnSrid} of the sink column (MariaDB does not enforce REF_SYSTEM_ID)`, false, '0x' + bytesToHex(raw));
    return ewkb.toString('hex');
  };
}

/** How the sink column holds a geometry: PostGIS geometry (with its SRID, 0 for any) or, when absent, bytea. */
export interface GeometryTarget {
  srid: number;
}

function encoderFor(c: ColumnInfo, geometry?: GeometryTarget): Encode {
  const kind = valueKind(c);
  const t = c.dataType;
  if (t === 'date' || t === 'datetime' || t === 'timestamp') {
    const tz = t === 'timestamp' ? '+00' : '';
    return (raw, ctx) => {
      if (ctx.policy === 'text') return raw;
      if (holdableDate(raw)) return raw + tz;
      return unholdable(c, raw, ctx, raw.startsWith('0000-00-00') ? 'a zero date' : raw.startsWith('0000') ? 'year 0 does not exist in PostgreSQL' : 'a date with a zero month or day, or a day the month does not have', true);
    };
  }
  if (GEOMETRY_TYPES.has(t)) return geometry ? postgisEncoder(c, geometry.srid) : (raw) => '\\x' + mysqlGeometryToEwkb(raw).toString('hex');
  switch (kind) {
    case 'number':
    case 'float':
    case 'temporal': // TIME (→ interval: PostgreSQL reads MySQL's text), UUID, INET4/INET6
      return (raw) => raw;
    case 'binary':
    case 'opaque':
      return (raw) => '\\x' + bytesToHex(raw);
    case 'bit': {
      const n = Number(/\((\d+)\)/.exec(c.columnType)?.[1] ?? 1);
      return (raw) => bits(raw, n);
    }
    case 'json':
    case 'text':
    case 'enum': {
      const decode = decoderFor(c);
      return (raw, ctx) => {
        const s = decode(raw);
        if (s === null) return unholdable(c, raw, ctx, `the bytes are not valid ${c.charset ?? 'utf8mb4'}`, false, '0x' + bytesToHex(raw));
        if (s.includes('\0')) return unholdable(c, raw, ctx, 'text cannot contain a NUL byte', false, s);
        if (kind === 'json' && s.includes('\\') && JSON_NUL.test(s)) return unholdable(c, raw, ctx, 'jsonb cannot hold the escape \\u0000', false, s);
        return s;
      };
    }
  }
}

const encoders = new WeakMap<ColumnInfo, Encode>();

/**
 * The encoder of a column, made once per column object (the copy calls it for every value). `geometry`:
 * the sink column is PostGIS geometry (postgis.ts sinkGeometryColumns), not bytea.
 */
export function pgTextEncoder(c: ColumnInfo, geometry?: GeometryTarget): (raw: RawValue, ctx: ValueContext) => string | null {
  let e = geometry ? undefined : encoders.get(c);
  if (!e) {
    e = encoderFor(c, geometry);
    if (!geometry) encoders.set(c, e);
  }
  const enc = e;
  return (raw, ctx) => (raw === null ? null : enc(raw, ctx));
}

/** The PostgreSQL text form of one raw MySQL value; null for NULL. */
export function pgText(c: ColumnInfo, raw: RawValue, ctx: ValueContext): string | null {
  return pgTextEncoder(c)(raw, ctx);
}

const COPY_SPECIAL = /[\\\n\r\t]/;
const COPY_SPECIAL_ALL = /[\\\n\r\t]/g;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** A value's text form escaped for COPY's text format (tab-separated, \N for NULL, written by the caller). */
export function copyEscape(text: string): string {
  return COPY_SPECIAL.test(text) ? text.replace(COPY_SPECIAL_ALL, (ch) => COPY_ESCAPES[ch]!) : text;
}
