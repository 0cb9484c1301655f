// MySQL's text form of a value, built from what a message carries: the byte strings (RawValue, one char
// code per byte) that the snapshot reader produces for the same value (engine/mysql/values.ts: UTC
// session, DECIMAL with its scale, FLOAT read as `col + 0E0`, zerofill padding, BIT/BLOB/GEOMETRY bytes,
// text in the column's character set). Exact: integers and decimals never pass through a JavaScript Number,
// dates are computed with integer arithmetic. A value that does not fit its column throws ValueError.
import { fixedDouble, mariadbDouble } from '../../../mysql/double-text.js';
import { encodeCharset, encodesCharset } from './charset-encode.js';
import { fspOf, type ColumnKind } from './column-kind.js';

/** A value that cannot be turned into its column's text without changing it (the decoder adds table and column). */
export class ValueError extends Error {}

const fail = (msg: string): never => {
  throw new ValueError(msg);
};

// ------------------------------------------------------------------------------------------------ numbers

const NUMBER_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** A number's text as sign, integer digits and fraction digits, the exponent applied (exact). */
function splitNumber(text: string): { neg: boolean; int: string; frac: string } {
  const m = NUMBER_TEXT.exec(text.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return fail(`"${text}" is not a number`);
  let digits = (m[2] ?? '') + (m[3] ?? '');
  let point = (m[2] ?? '').length + Number(m[4] ?? 0);
  if (point < 0) (digits = '0'.repeat(-point) + digits), (point = 0);
  if (point > digits.length) digits = digits.padEnd(point, '0');
  const int = digits.slice(0, point).replace(/^0+/, '') || '0';
  return { neg: m[1] === '-', int, frac: digits.slice(point) };
}

const zerofill = (k: ColumnKind): boolean => /\bzerofill\b/i.test(k.col.columnType);

const INT_BITS: Record<string, number> = { tinyint: 8, smallint: 16, mediumint: 24, int: 32, integer: 32, bigint: 64 };

/** An integer column's text; the value must be an integer in the column's range. */
export function intText(text: string, k: ColumnKind): string {
  const n = splitNumber(text);
  if (/[1-9]/.test(n.frac)) fail(`${text} is not an integer`);
  const v = BigInt(n.int) * (n.neg ? -1n : 1n);
  const bits = BigInt(INT_BITS[k.type] ?? 64);
  const [lo, hi] = k.unsigned ? [0n, (1n << bits) - 1n] : [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n];
  if (v < lo || v > hi) fail(`${text} is outside the range of ${k.col.columnType}`);
  const s = v.toString();
  return zerofill(k) && k.args[0] ? s.padStart(k.args[0], '0') : s;
}

/** A DECIMAL(p,s) column's text: exactly s fraction digits (MySQL's form); digits beyond the scale must be zeros. */
export function decimalText(text: string, k: ColumnKind): string {
  const p = k.args[0] ?? 10;
  const s = k.args[1] ?? 0;
  const n = splitNumber(text);
  if (/[1-9]/.test(n.frac.slice(s))) fail(`${text} has more than the ${s} decimals of ${k.col.columnType}`);
  if (n.int !== '0' && n.int.length > p - s) fail(`${text} does not fit ${k.col.columnType}`);
  const frac = n.frac.slice(0, s).padEnd(s, '0');
  const zero = n.int === '0' && !/[1-9]/.test(frac);
  let out = n.int + (s > 0 ? '.' + frac : '');
  if (zerofill(k)) out = out.padStart(p + (s > 0 ? 1 : 0), '0');
  return (n.neg && !zero ? '-' : '') + out;
}

/** DECIMAL from an unscaled two's-complement big-endian integer and its scale (Debezium precise / Connect Decimal). */
export function unscaledDecimalText(bytes: Buffer, scale: number, k: ColumnKind): string {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  if (bytes.length && bytes[0]! & 0x80) v -= 1n << BigInt(bytes.length * 8);
  const neg = v < 0n;
  let digits = (neg ? -v : v).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = digits.slice(0, digits.length - scale) + '.' + digits.slice(digits.length - scale);
  } else if (scale < 0) digits += '0'.repeat(-scale);
  return decimalText((neg ? '-' : '') + digits, k);
}

/** FLOAT (read by the snapshot as a double: the float32 value widened) and DOUBLE[(M,D)]. */
export function floatText(x: number, k: ColumnKind): string {
  if (!Number.isFinite(x)) fail(`${x} is not a finite number`);
  if (k.kind === 'float') {
    const f = Math.fround(x);
    if (!Number.isFinite(f)) fail(`${x} is outside the range of FLOAT`);
    return mariadbDouble(f);
  }
  const s = k.args.length === 2 ? fixedDouble(x, k.args[1]!) : mariadbDouble(x);
  return zerofill(k) ? s.padStart(k.args.length ? k.args[0]! : 22, '0') : s;
}

/** YEAR: four digits ("0000" for the zero year). */
export function yearText(text: string): string {
  const n = splitNumber(text);
  const y = Number(n.int);
  if (n.neg || /[1-9]/.test(n.frac) || !(y === 0 || (y >= 1901 && y <= 2155))) fail(`${text} is not a YEAR`);
  return String(y).padStart(4, '0');
}

// --------------------------------------------------------------------------------------------- temporal

const p2 = (n: number): string => String(n).padStart(2, '0');

/** The civil date of a day count since 1970-01-01 (Howard Hinnant's civil_from_days). */
export function dateOfDays(days: number): string {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  if (y < 0 || y > 9999) fail(`day ${days} is outside MySQL's dates`);
  return `${String(y).padStart(4, '0')}-${p2(m)}-${p2(d)}`;
}

/** The fraction as the column has it: fsp digits, none for fsp 0; dropping non-zero digits is an error. */
function fraction(digits: string, fsp: number, text: string): string {
  if (/[1-9]/.test(digits.slice(fsp))) fail(`${text} has more fractional digits than the column's ${fsp}`);
  return fsp > 0 ? '.' + digits.slice(0, fsp).padEnd(fsp, '0') : '';
}

/** DATETIME / TIMESTAMP text from an epoch count in units of 10^-unitDigits seconds, read as UTC. */
export function dateTimeOfEpoch(units: bigint, unitDigits: number, k: ColumnKind): string {
  const per = 10n ** BigInt(unitDigits);
  let secs = units / per;
  let sub = units % per;
  if (sub < 0n) (sub += per), (secs -= 1n);
  const days = secs >= 0n ? secs / 86400n : -((-secs + 86399n) / 86400n);
  const sod = Number(secs - days * 86400n);
  const frac = unitDigits ? sub.toString().padStart(unitDigits, '0') : '';
  const text = `${dateOfDays(Number(days))} ${p2(Math.floor(sod / 3600))}:${p2(Math.floor(sod / 60) % 60)}:${p2(sod % 60)}`;
  return text + fraction(frac, fspOf(k), String(units));
}

const DATETIME_TEXT = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?$/;

/** DATE / DATETIME / TIMESTAMP given as MySQL-style text (Canal, Maxwell): normalized to the column's fraction digits. */
export function dateTimeText(text: string, k: ColumnKind): string {
  const m = DATETIME_TEXT.exec(text.trim());
  if (!m) return fail(`"${text}" is not a date/time`);
  const date = `${m[1]}-${m[2]}-${m[3]}`;
  if (k.kind === 'date') {
    if (m[4] !== undefined && (m[4] !== '00' || m[5] !== '00' || (m[6] ?? '00') !== '00' || /[1-9]/.test(m[7] ?? ''))) fail(`"${text}" is not a date`);
    return date;
  }
  return `${date} ${m[4] ?? '00'}:${m[5] ?? '00'}:${m[6] ?? '00'}` + fraction(m[7] ?? '', fspOf(k), text);
}

/** TIMESTAMP from an ISO-8601 instant with an offset (Debezium ZonedTimestamp), as UTC text. */
export function timestampOfIso(text: string, k: ColumnKind): string {
  const m = /^(\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})$/.exec(text.trim());
  if (!m) return fail(`"${text}" is not an ISO-8601 timestamp`);
  const [, y, mo, d, h, mi, s, f, off] = m;
  const days = daysOfDate(+y!, +mo!, +d!);
  let secs = BigInt(days) * 86400n + BigInt(+h! * 3600 + +mi! * 60 + +(s ?? 0));
  if (off !== 'Z') {
    const om = /^([+-])(\d{2}):?(\d{2})$/.exec(off!)!;
    const o = BigInt(+om[2]! * 3600 + +om[3]! * 60);
    secs -= om[1] === '-' ? -o : o;
  }
  const frac = (f ?? '').padEnd(9, '0');
  return dateTimeOfEpoch(secs * 1_000_000_000n + BigInt(frac), 9, k);
}

/** Days since 1970-01-01 of a proleptic Gregorian date. */
export function daysOfDate(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
}

/** TIME text from a signed duration in units of 10^-unitDigits seconds ("-838:59:59.000000" … "838:59:59"). */
export function timeOfUnits(units: bigint, unitDigits: number, k: ColumnKind): string {
  const neg = units < 0n;
  const a = neg ? -units : units;
  const per = 10n ** BigInt(unitDigits);
  const secs = a / per;
  if (secs > 838n * 3600n + 59n * 60n + 59n) fail(`${units} is outside TIME's range`);
  const frac = unitDigits ? (a % per).toString().padStart(unitDigits, '0') : '';
  const h = secs / 3600n;
  const text = `${neg ? '-' : ''}${h.toString().padStart(2, '0')}:${p2(Number((secs / 60n) % 60n))}:${p2(Number(secs % 60n))}`;
  return text + fraction(frac, fspOf(k), String(units));
}

/** TIME given as text ("12:00:00", "-838:59:59.5"): normalized to the column's fraction digits. */
export function timeText(text: string, k: ColumnKind): string {
  const m = /^(-)?(\d{1,3}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/.exec(text.trim());
  if (!m) return fail(`"${text}" is not a time`);
  return `${m[1] ?? ''}${m[2]!.padStart(2, '0')}:${m[3]}:${m[4]}` + fraction(m[5] ?? '', fspOf(k), text);
}

// ------------------------------------------------------------------------------------------------- text

const ASCII = /^[\x00-\x7f]*$/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const CP1252_80_9F = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];
const CP1252_BYTE = new Map<number, number>(CP1252_80_9F.map((cp, i) => [cp, 0x80 + i]));

/** Characters → MySQL latin1 (cp1252) bytes. C1 controls U+0080–U+009F (an ISO-8859-1 reading, as Maxwell does) map to their own byte. */
function cp1252Bytes(s: string): string {
  if (/^[\x00-\xff]*$/.test(s)) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0xff) out += s[i];
    else {
      const b = CP1252_BYTE.get(c);
      if (b === undefined) fail(`"${s.slice(i, i + 1)}" (U+${c.toString(16).toUpperCase()}) has no latin1 (cp1252) byte`);
      out += String.fromCharCode(b!);
    }
  }
  return out;
}

/** Text → the bytes of the column's character set (strict: a character the set cannot hold is an error). */
export function textBytes(s: string, charset: string): string {
  if (charset === 'binary') return Buffer.from(s, 'utf8').toString('latin1');
  if (charset === 'utf8mb4' || charset === 'utf8mb3' || charset === 'utf8') {
    if (ASCII.test(s)) return s;
    if (LONE_SURROGATE.test(s)) fail('the text holds an unpaired surrogate, which UTF-8 cannot encode');
    if (charset !== 'utf8mb4' && /[\u{10000}-\u{10ffff}]/u.test(s)) fail(`a character outside the BMP cannot be stored in ${charset}`);
    return Buffer.from(s, 'utf8').toString('latin1');
  }
  if (charset === 'latin1' || charset === 'ascii') {
    const b = cp1252Bytes(s);
    if (charset === 'ascii' && !ASCII.test(b)) fail('the text is not ASCII');
    return b;
  }
  if (charset === 'utf32') {
    let out = '';
    for (const ch of s) {
      const cp = ch.codePointAt(0)!;
      out += String.fromCharCode(cp >>> 24, (cp >>> 16) & 0xff, (cp >>> 8) & 0xff, cp & 0xff);
    }
    return out;
  }
  if (charset === 'ucs2' || charset === 'utf16' || charset === 'utf16le') {
    if (LONE_SURROGATE.test(s)) fail('the text holds an unpaired surrogate');
    if (charset === 'ucs2' && /[\ud800-\udfff]/.test(s)) fail('a character outside the BMP cannot be stored in ucs2');
    const b = Buffer.from(s, 'utf16le');
    if (charset !== 'utf16le') b.swap16();
    return b.toString('latin1');
  }
  if (!encodesCharset(charset)) return fail(`no encoder for character set ${charset}`);
  const r = encodeCharset(s, charset);
  if ('bad' in r) return fail(`"${r.bad}" (U+${r.bad.codePointAt(0)!.toString(16).toUpperCase()}) has no ${charset} bytes`);
  return r.bytes;
}

// ------------------------------------------------------------------------------------------------ bytes

/** BIT(n) bytes as the snapshot reads them: ceil(n/8) bytes, big-endian. */
export function bitBytes(v: bigint, k: ColumnKind): string {
  const n = k.args[0] ?? 1;
  if (v < 0n || v >= 1n << BigInt(n)) fail(`${v} does not fit ${k.col.columnType}`);
  const size = Math.max(1, Math.ceil(n / 8));
  let out = '';
  for (let i = size - 1; i >= 0; i--) out += String.fromCharCode(Number((v >> BigInt(i * 8)) & 0xffn));
  return out;
}

/** BIT(n) from bytes in little-endian order (io.debezium.data.Bits). */
export function bitBytesLe(b: Buffer, k: ColumnKind): string {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  return bitBytes(v, k);
}

/** A byte string of a base64 value (strict alphabet). */
export function base64Bytes(s: string): string {
  const t = s.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(t) || t.length % 4 === 1) fail('the value is not base64');
  return Buffer.from(t, 'base64').toString('latin1');
}

export function hexBytes(s: string): string {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(s)) fail('the value is not hex');
  return Buffer.from(s, 'hex').toString('latin1');
}

/** GEOMETRY as MySQL stores it: 4-byte little-endian SRID, then WKB. */
export function geometryBytes(srid: number, wkb: string): string {
  if (!Number.isInteger(srid) || srid < 0 || srid > 0xffffffff) fail(`SRID ${srid} is not valid`);
  const b = Buffer.alloc(4);
  b.writeUInt32LE(srid);
  return b.toString('latin1') + wkb;
}

/** An ENUM / SET label checked against the column's labels (case-insensitively, as MySQL compares them). */
export function enumLabel(text: string, k: ColumnKind): string {
  if (text === '' || !k.labels?.length) return text;
  if (k.labels.includes(text)) return text;
  const i = k.labels.findIndex((l) => l.toLowerCase() === text.toLowerCase());
  if (i < 0) fail(`"${text}" is not one of the labels of ${k.col.columnType}`);
  return k.labels[i]!;
}

export function setLabels(members: string[], k: ColumnKind): string {
  return members.map((m) => enumLabel(m, k)).join(',');
}
