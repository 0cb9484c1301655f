// Canal flatMessage → row changes. One message holds the rows of one binlog rows event: `data` (the
// after image of inserts and updates, the deleted row of deletes) and, for updates, `old` (per row, the
// previous values of the changed columns only: the before image is `data` with `old` laid over it).
// Values are strings: integers, DECIMAL (plain text), FLOAT/DOUBLE as Java prints them ("1.0E7"), dates
// and times as MySQL text, BIT as its unsigned number, ENUM as its 1-based index or its text, SET as its
// bit mask or its text, binary values and GEOMETRY as ISO-8859-1 text (one char per byte), text decoded.
// Column types: the context's, else `mysqlType` (COLUMN_TYPE; text is then taken as utf8mb4).
// `isDdl` messages are DDL (`sql`, `database`). `es` (the binlog event's time, ms) is the timestamp.
import type { RowChange } from '../../../core/changes.js';
import type { RawValue } from '../../../core/rows.js';
import { dataTypeOf, type ColumnKind, type ColumnType } from './column-kind.js';
import type { DecodeContext, DecodedMessage } from './decode.js';
import { malformed, readImage, rowChange, rowShape, tableColumns } from './decoded-rows.js';
import { JsonNumber, isObject, type JsonObject, type JsonValue } from './exact-json.js';
import {
  ValueError,
  bitBytes,
  dateTimeText,
  decimalText,
  enumLabel,
  floatText,
  intText,
  setLabels,
  textBytes,
  timeText,
  yearText,
} from './raw-values.js';

const TYPES: Record<string, RowChange['type']> = { INSERT: 'insert', UPDATE: 'update', DELETE: 'delete' };

const str = (v: JsonValue): string => {
  if (typeof v === 'string') return v;
  if (v instanceof JsonNumber) return v.raw;
  if (typeof v === 'boolean') return v ? '1' : '0';
  throw new ValueError(`a ${Array.isArray(v) ? 'JSON array' : 'JSON object'} where Canal writes a string`);
};

/** A Canal cell (a string) as the column's byte string. */
export function canalRaw(v: JsonValue, k: ColumnKind): RawValue {
  const s = str(v);
  switch (k.kind) {
    case 'int':
      return intText(s, k);
    case 'decimal':
      return decimalText(s, k);
    case 'float':
    case 'double': {
      const x = Number(s);
      if (s.trim() === '' || Number.isNaN(x)) throw new ValueError(`"${s}" is not a number`);
      return floatText(x, k);
    }
    case 'year':
      return yearText(s);
    case 'date':
    case 'datetime':
    case 'timestamp':
      return dateTimeText(s, k);
    case 'time':
      return timeText(s, k);
    case 'bit':
      if (!/^\d+$/.test(s)) throw new ValueError(`"${s}" is not a BIT value`);
      return bitBytes(BigInt(s), k);
    case 'enum': {
      const labels = k.labels ?? [];
      if (/^\d+$/.test(s) && !labels.includes(s)) {
        const i = Number(s);
        if (i === 0) return '';
        if (i > labels.length) throw new ValueError(`ENUM index ${s} is beyond the ${labels.length} labels`);
        return textBytes(labels[i - 1]!, k.charset);
      }
      return textBytes(enumLabel(s, k), k.charset);
    }
    case 'set': {
      const labels = k.labels ?? [];
      if (/^\d+$/.test(s) && !labels.includes(s)) {
        const mask = BigInt(s);
        if (mask >> BigInt(labels.length)) throw new ValueError(`SET mask ${s} names members beyond the ${labels.length} labels`);
        return textBytes(labels.filter((_, i) => (mask >> BigInt(i)) & 1n).join(','), k.charset);
      }
      return textBytes(s === '' ? '' : setLabels(s.split(','), k), k.charset);
    }
    case 'bytes':
    case 'geometry':
    case 'opaque':
      if (/[^\x00-\xff]/.test(s)) throw new ValueError('a binary value with characters above U+00FF (Canal writes bytes as ISO-8859-1 text)');
      return s;
    case 'json':
      return textBytes(s, 'utf8mb4');
    case 'text':
      return textBytes(s, k.charset);
    case 'textform':
      return s;
  }
}

const read = (v: JsonValue, k: ColumnKind): RawValue => canalRaw(v, k);

function typesOf(m: JsonObject): ColumnType[] | null {
  const t = m['mysqlType'];
  if (!isObject(t)) return null;
  return Object.keys(t).map((name) => {
    const ct = typeof t[name] === 'string' ? (t[name] as string).toLowerCase() : '';
    return { name, dataType: dataTypeOf(ct), columnType: ct };
  });
}

export function decodeCanal(m: JsonObject, ctx: DecodeContext): DecodedMessage {
  const db = m['database'];
  const table = m['table'];
  const es = m['es'];
  const timestampMs = es instanceof JsonNumber ? Number(es.raw) : null;
  if (typeof db !== 'string') throw malformed('canal', '"database" is missing');
  if (m['isDdl'] === true) {
    const sql = m['sql'];
    if (typeof sql !== 'string') throw malformed('canal', 'a DDL message without "sql"');
    return { kind: 'ddl', format: 'canal', db, sql, timestampMs, origin: null };
  }
  const typeText = m['type'];
  if (typeof typeText !== 'string') throw malformed('canal', '"type" is missing');
  const type = TYPES[typeText.toUpperCase()];
  if (!type) return { kind: 'skip', reason: `Canal ${typeText} message (not a row change)` };
  if (typeof table !== 'string') throw malformed('canal', '"table" is missing');
  const data = m['data'];
  if (!Array.isArray(data)) throw malformed('canal', '"data" is not an array of rows');
  const old = Array.isArray(m['old']) ? m['old'] : null;
  const columns = tableColumns('canal', db, table, ctx, typesOf(m));
  const changes: RowChange[] = [];
  let partial = false;
  data.forEach((row, i) => {
    if (!isObject(row)) throw malformed('canal', `row ${i} of "data" is not an object`);
    const shape = rowShape(db, table, columns, row);
    partial ||= shape.partial;
    const image = readImage(db, table, shape, row, read);
    if (type === 'insert') changes.push(rowChange(db, table, type, shape.columns, null, image));
    else if (type === 'delete') changes.push(rowChange(db, table, type, shape.columns, image, null));
    else {
      const o = old?.[i];
      const before = isObject(o) ? readImage(db, table, shape, row, read, o) : image;
      changes.push(rowChange(db, table, type, shape.columns, before, image));
    }
  });
  const pk = m['pkNames'];
  const key = Array.isArray(pk) && pk.every((p) => typeof p === 'string') ? (pk as string[]) : undefined;
  const id = m['id'];
  return {
    kind: 'rows',
    format: 'canal',
    changes,
    timestampMs,
    origin: id instanceof JsonNumber && id.raw !== '0' ? `canal batch ${id.raw}` : null,
    ...(type === 'update' ? { beforeFromOld: true } : {}),
    ...(partial ? { partialBefore: true } : {}),
    ...(key ? { key } : {}),
  };
}
