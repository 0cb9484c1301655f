// Maxwell JSON → row changes. A row message: {"database","table","type":"insert"|"update"|"delete"|
// "bootstrap-insert","ts" (s),"xid","commit","position","gtid",…,"data",["old"]}; `old` holds the previous
// values of the changed columns only (the before image is `data` with `old` laid over it). DDL messages
// ("table-create", "table-alter", "database-create" …) carry `sql`; "bootstrap-start"/"bootstrap-complete"
// and anything else are skipped. Values: numbers as JSON numbers (every digit kept), dates and times as
// MySQL text, BIT as its number, ENUM as text, SET as an array, JSON columns embedded as JSON (their text
// kept; a JSON null reads as SQL NULL), binary values base64, GEOMETRY as WKT (SRID 0: Maxwell drops it).
// Maxwell carries no column types: they come from the context (the sink's table) or the message fails.
import type { RowChange } from '../../../core/changes.js';
import type { RawValue } from '../../../core/rows.js';
import type { ColumnKind } from './column-kind.js';
import type { DecodeContext, DecodedMessage } from './decode.js';
import { malformed, readImage, rowChange, rowShape, tableColumns } from './decoded-rows.js';
import { JsonNumber, isObject, rawText, type JsonObject, type JsonValue } from './exact-json.js';
import {
  ValueError,
  base64Bytes,
  bitBytes,
  dateTimeText,
  decimalText,
  enumLabel,
  floatText,
  geometryBytes,
  intText,
  setLabels,
  textBytes,
  timeText,
  yearText,
} from './raw-values.js';
import { wktToWkb } from './wkt.js';

const TYPES: Record<string, RowChange['type']> = { insert: 'insert', 'bootstrap-insert': 'insert', update: 'update', delete: 'delete' };

const numText = (v: JsonValue): string => {
  if (v instanceof JsonNumber) return v.raw;
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? '1' : '0';
  throw new ValueError('a JSON object or array where a number belongs');
};
const text = (v: JsonValue): string => {
  if (typeof v === 'string') return v;
  if (v instanceof JsonNumber) return v.raw;
  throw new ValueError('a non-string JSON value where text belongs');
};

/** A Maxwell value as the column's byte string. */
export function maxwellRaw(v: JsonValue, k: ColumnKind): RawValue {
  switch (k.kind) {
    case 'int':
      return intText(numText(v), k);
    case 'decimal':
      return decimalText(numText(v), k);
    case 'float':
    case 'double': {
      const x = Number(numText(v));
      if (Number.isNaN(x)) throw new ValueError(`${numText(v)} is not a number`);
      return floatText(x, k);
    }
    case 'year':
      return yearText(numText(v));
    case 'date':
    case 'datetime':
    case 'timestamp':
      return dateTimeText(text(v), k);
    case 'time':
      return timeText(text(v), k);
    case 'bit':
    {
      const n = numText(v);
      if (!/^\d+$/.test(n)) throw new ValueError(`${n} is not a BIT value`);
      return bitBytes(BigInt(n), k);
    }
    case 'enum':
      return textBytes(enumLabel(text(v), k), k.charset);
    case 'set': {
      if (!Array.isArray(v)) return textBytes(text(v) === '' ? '' : setLabels(text(v).split(','), k), k.charset);
      return textBytes(setLabels(v.map(text), k), k.charset);
    }
    case 'json': {
      const raw = v instanceof JsonNumber ? v.raw : typeof v === 'boolean' ? String(v) : typeof v === 'string' ? JSON.stringify(v) : rawText(v);
      return textBytes(raw ?? 'null', 'utf8mb4');
    }
    case 'bytes':
    case 'opaque':
      return base64Bytes(text(v));
    case 'geometry':
      return geometryBytes(0, wktToWkb(text(v)).toString('latin1'));
    case 'text':
      return textBytes(text(v), k.charset);
    case 'textform':
      return text(v);
  }
}

const read = (v: JsonValue, k: ColumnKind): RawValue => maxwellRaw(v, k);

export function decodeMaxwell(m: JsonObject, ctx: DecodeContext): DecodedMessage {
  const db = m['database'];
  const typeText = m['type'];
  if (typeof typeText !== 'string') throw malformed('maxwell', '"type" is missing');
  if (typeof db !== 'string') throw malformed('maxwell', '"database" is missing');
  const position = typeof m['position'] === 'string' ? (m['position'] as string) : null;
  const gtid = typeof m['gtid'] === 'string' ? (m['gtid'] as string) : null;
  const origin = [position, gtid && `GTID ${gtid}`].filter(Boolean).join(' ') || null;
  const ts = m['ts'];
  if (/^(table|database)-/.test(typeText) || (typeof m['sql'] === 'string' && !isObject(m['data']))) {
    const sql = m['sql'];
    if (typeof sql !== 'string') throw malformed('maxwell', `a ${typeText} message without "sql"`);
    return { kind: 'ddl', format: 'maxwell', db, sql, timestampMs: ts instanceof JsonNumber ? Number(ts.raw) : null, origin };
  }
  const type = TYPES[typeText];
  if (!type) return { kind: 'skip', reason: `Maxwell ${typeText} message (not a row change)` };
  const table = m['table'];
  if (typeof table !== 'string') throw malformed('maxwell', '"table" is missing');
  const data = m['data'];
  if (!isObject(data)) throw malformed('maxwell', '"data" is not an object');
  const columns = tableColumns('maxwell', db, table, ctx, null);
  const shape = rowShape(db, table, columns, data);
  const image = readImage(db, table, shape, data, read);
  const old = m['old'];
  const change =
    type === 'insert'
      ? rowChange(db, table, type, shape.columns, null, image)
      : type === 'delete'
        ? rowChange(db, table, type, shape.columns, image, null)
        : rowChange(db, table, type, shape.columns, isObject(old) ? readImage(db, table, shape, data, read, old) : image, image);
  const xid = m['xid'];
  const pkc = m['primary_key_columns'];
  const key = Array.isArray(pkc) && pkc.every((p) => typeof p === 'string') ? (pkc as string[]) : undefined;
  return {
    kind: 'rows',
    format: 'maxwell',
    changes: [change],
    timestampMs: ts instanceof JsonNumber ? Number(ts.raw) * 1000 : null,
    origin,
    ...(xid instanceof JsonNumber ? { transaction: { id: xid.raw, last: m['commit'] === true } } : {}),
    ...(type === 'update' ? { beforeFromOld: true } : {}),
    ...(shape.partial ? { partialBefore: true } : {}),
    ...(key ? { key } : {}),
    ...(typeText === 'bootstrap-insert' ? { snapshotRead: true } : {}),
  };
}
