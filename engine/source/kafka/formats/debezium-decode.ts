// Debezium change events → row changes, with or without the JsonConverter schema envelope. Reads what
// Cutover's Kafka sink writes (decimal.handling.mode=string, adaptive_time_microseconds, base64 binary)
// and the real connector's other modes: decimals as base64 unscaled bytes with the schema's scale
// (precise) or as doubles; Date (days), Time (ms) / MicroTime (µs) / NanoTime, Timestamp (ms) /
// MicroTimestamp (µs) / NanoTimestamp, ZonedTimestamp (ISO-8601, any offset, stored as UTC); Year; Bits
// (little-endian bytes) and BIT(1) booleans; Json, Enum and EnumSet text; geometry {wkb, srid}; binary as
// base64 (or hex / url-safe base64 per DecodeContext.debezium). With the envelope the field's schema
// decides the unit; without it the column type does (adaptive: DATETIME(0-3) ms, (4-6) µs; TIME µs).
// Other messages: a tombstone, a heartbeat ({"ts_ms"} alone), a transaction-metadata BEGIN/END record
// and op "m" are skipped; op "t" (truncate) and a schema-change topic record ({"ddl", "databaseName"})
// become DDL.
import type { RowChange } from '../../../core/changes.js';
import type { RawValue } from '../../../core/rows.js';
import { fspOf, type ColumnKind, type ColumnType } from './column-kind.js';
import type { DebeziumSettings, DecodeContext, DecodedMessage, DecodedRows } from './decode.js';
import { malformed, readImage, rowChange, rowShape, tableColumns, type RowShape } from './decoded-rows.js';
import { keyFields, rowFields, schemaColumns, type FieldSchema } from './debezium-schema.js';
import { JsonNumber, isObject, parseExactJson, rawText, type JsonObject, type JsonValue } from './exact-json.js';
import {
  ValueError,
  base64Bytes,
  bitBytes,
  bitBytesLe,
  dateOfDays,
  dateTimeOfEpoch,
  dateTimeText,
  decimalText,
  enumLabel,
  floatText,
  geometryBytes,
  hexBytes,
  intText,
  setLabels,
  textBytes,
  timeOfUnits,
  timeText,
  timestampOfIso,
  unscaledDecimalText,
  yearText,
} from './raw-values.js';

const OPS: Record<string, RowChange['type']> = { r: 'insert', c: 'insert', u: 'update', d: 'delete' };

const DECIMAL_TEXT = /^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/;

/**
 * Whether a decimal without the envelope and without a named mode is text (string mode) rather than base64
 * unscaled bytes (precise). The string mode writes the column's scale (BigDecimal.toPlainString: "1234.000"
 * in DECIMAL(12,3)), and base64 has no ".", so with a scale a text of digits alone is base64: "1234" is
 * the bytes d7 6d f8 of -2658.824, not 1234.000. With scale 0 an all-digit base64 (a negative value) cannot
 * be told from text: the job's "debezium": {"decimalHandling"} decides then.
 */
function looksLikeDecimalText(v: string, scale: number): boolean {
  if (!DECIMAL_TEXT.test(v)) return false;
  return scale === 0 || /[.eE]/.test(v);
}

const numText = (v: JsonValue): string => {
  if (v instanceof JsonNumber) return v.raw;
  throw new ValueError(`${typeof v === 'string' ? JSON.stringify(v) : 'a JSON ' + (Array.isArray(v) ? 'array' : typeof v)} where a number belongs`);
};
const text = (v: JsonValue): string => {
  if (typeof v === 'string') return v;
  throw new ValueError('a non-string JSON value where a string belongs');
};
const bigText = (v: JsonValue): bigint => BigInt(/^-?\d+$/.test(numText(v)) ? numText(v) : (() => { throw new ValueError(`${numText(v)} is not an integer`); })());

/** Time units (digits of a second) of a temporal field: by its semantic name, else by the connector's mode. */
function units(s: FieldSchema | undefined, k: ColumnKind, mode: DebeziumSettings['timePrecision']): number {
  switch (s?.name) {
    case 'io.debezium.time.Time':
    case 'io.debezium.time.Timestamp':
    case 'org.apache.kafka.connect.data.Time':
    case 'org.apache.kafka.connect.data.Timestamp':
      return 3;
    case 'io.debezium.time.MicroTime':
    case 'io.debezium.time.MicroTimestamp':
      return 6;
    case 'io.debezium.time.NanoTime':
    case 'io.debezium.time.NanoTimestamp':
      return 9;
  }
  if (mode === 'connect') return 3;
  if (k.kind === 'time' && mode !== 'adaptive') return 6;
  return fspOf(k) <= 3 ? 3 : 6;
}

function bytesOf(v: string, s: FieldSchema | undefined, mode: DebeziumSettings['binaryHandling']): string {
  if (s?.type === 'bytes' || !mode || mode === 'base64') return base64Bytes(v);
  if (mode === 'hex') return hexBytes(v);
  return base64Bytes(v.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(v.length / 4) * 4, '='));
}

/** One Debezium value as the column's byte string. */
export function debeziumRaw(v: JsonValue, k: ColumnKind, s: FieldSchema | undefined, cfg: DebeziumSettings): RawValue {
  switch (k.kind) {
    case 'int':
      if (typeof v === 'boolean') return v ? '1' : '0';
      if (typeof v === 'string') {
        // BIGINT UNSIGNED in precise mode is a Connect Decimal: base64 bytes unless the converter writes numbers
        const bytes = s ? s.type === 'bytes' : cfg.bigintUnsignedHandling === 'precise' || (cfg.bigintUnsignedHandling === undefined && !/^-?\d+$/.test(v));
        if (!bytes) return intText(v, k);
        return intText(unscaledDecimalText(Buffer.from(base64Bytes(v), 'latin1'), 0, { ...k, args: [65, 0] }), k);
      }
      return intText(numText(v), k);
    case 'decimal': {
      if (isObject(v)) {
        // io.debezium.data.VariableScaleDecimal {scale, value}
        const sc = v['scale'];
        const val = v['value'];
        if (!(sc instanceof JsonNumber) || typeof val !== 'string') throw new ValueError('a decimal object without scale and value');
        return unscaledDecimalText(Buffer.from(base64Bytes(val), 'latin1'), Number(sc.raw), k);
      }
      if (typeof v !== 'string') return decimalText(numText(v), k);
      const precise = s ? s.type === 'bytes' : cfg.decimalHandling === 'precise' || (cfg.decimalHandling === undefined && !looksLikeDecimalText(v, k.args[1] ?? 0));
      if (!precise) return decimalText(v, k);
      const scale = s?.parameters['scale'] !== undefined ? Number(s.parameters['scale']) : k.args[1] ?? 0;
      return unscaledDecimalText(Buffer.from(base64Bytes(v), 'latin1'), scale, k);
    }
    case 'float':
    case 'double': {
      const x = typeof v === 'string' ? Number(v) : Number(numText(v));
      if (Number.isNaN(x)) throw new ValueError(`${JSON.stringify(v)} is not a number`);
      return floatText(x, k);
    }
    case 'year':
      return yearText(typeof v === 'string' ? v : numText(v));
    case 'date':
      if (typeof v === 'string') return dateTimeText(v, k);
      return dateOfDays(Number(bigText(v)));
    case 'datetime':
    case 'timestamp':
      if (typeof v === 'string') return /(Z|[+-]\d{2}:?\d{2})$/.test(v) ? timestampOfIso(v, k) : dateTimeText(v.replace('T', ' '), k);
      return dateTimeOfEpoch(bigText(v), units(s, k, cfg.timePrecision), k);
    case 'time':
      if (typeof v === 'string') return timeText(v, k);
      return timeOfUnits(bigText(v), units(s, k, cfg.timePrecision), k);
    case 'bit':
      if (typeof v === 'boolean') return bitBytes(v ? 1n : 0n, k);
      if (v instanceof JsonNumber) return bitBytes(bigText(v), k);
      return bitBytesLe(Buffer.from(base64Bytes(text(v)), 'latin1'), k);
    case 'enum':
      return textBytes(enumLabel(text(v), k), k.charset);
    case 'set':
      return textBytes(text(v) === '' ? '' : setLabels(text(v).split(','), k), k.charset);
    case 'json':
      return textBytes(typeof v === 'string' ? v : (rawText(v) ?? numText(v)), 'utf8mb4');
    case 'text':
      return textBytes(text(v), k.charset);
    case 'textform':
      return text(v);
    case 'bytes':
    case 'opaque':
      return bytesOf(text(v), s, cfg.binaryHandling);
    case 'geometry': {
      if (!isObject(v) || typeof v['wkb'] !== 'string') throw new ValueError('a geometry value without "wkb"');
      const srid = v['srid'];
      return geometryBytes(srid instanceof JsonNumber ? Number(srid.raw) : 0, base64Bytes(v['wkb']));
    }
  }
}

function originOf(src: JsonObject | null): string | null {
  if (!src) return null;
  const file = typeof src['file'] === 'string' ? src['file'] : null;
  const pos = src['pos'] instanceof JsonNumber ? src['pos'].raw : null;
  const gtid = typeof src['gtid'] === 'string' ? src['gtid'] : null;
  const parts = [file ? `${file}:${pos ?? 0}` : null, gtid ? `GTID ${gtid}` : null].filter(Boolean);
  return parts.length ? parts.join(' ') : null;
}

const ms = (v: JsonValue | undefined): number | null => (v instanceof JsonNumber ? Number(v.raw) : null);
const q = (name: string): string => '`' + name.replace(/`/g, '``') + '`';

/**
 * The row fields and the table definition of a schema envelope, read once per schema object: the parser
 * hands every message of a table the same frozen schema (exact-json.ts LeadMember), so they are computed
 * once per table and key, not once per message. Callers only read them.
 */
const envelopes = new WeakMap<object, { fields: Map<string, FieldSchema> | null; schemas: Map<string, ColumnType[] & { key?: string[] }> }>();

function envelopeColumns(s: JsonValue | undefined, keyNames: string[] | null): { fields: Map<string, FieldSchema> | null; schema: (ColumnType[] & { key?: string[] }) | undefined } {
  if (!isObject(s) || !Object.isFrozen(s)) {
    const fields = rowFields(s);
    return { fields, schema: fields ? schemaColumns(fields, keyNames) : undefined };
  }
  let e = envelopes.get(s);
  if (!e) envelopes.set(s, (e = { fields: rowFields(s), schemas: new Map() }));
  if (!e.fields) return { fields: null, schema: undefined };
  const k = keyNames ? keyNames.join('\u0000') : '\u0001';
  let schema = e.schemas.get(k);
  if (!schema) {
    schema = schemaColumns(e.fields, keyNames);
    for (const c of schema) Object.freeze(c);
    e.schemas.set(k, Object.freeze(schema));
  }
  return { fields: e.fields, schema };
}

/** A key schema's field names, read once per shared (frozen) key schema; callers only read them. */
const keySchemas = new WeakMap<object, string[] | null>();

function keyFieldsOf(s: JsonValue | undefined): string[] | null {
  if (!isObject(s) || !Object.isFrozen(s)) return keyFields(s);
  let names = keySchemas.get(s);
  if (names === undefined) {
    names = keyFields(s);
    keySchemas.set(s, names && (Object.freeze(names) as string[]));
  }
  return names;
}

/**
 * Of `source` it reads db, table, ts_ms, file, pos and gtid only: decode.ts parses no other member of it
 * (DEBEZIUM_SOURCE_MEMBERS there; a new one read here must be added to it).
 */
export function decodeDebezium(value: JsonObject, key: JsonObject | null, ctx: DecodeContext): DecodedMessage {
  const enveloped = Object.hasOwn(value, 'schema') && Object.hasOwn(value, 'payload');
  const payload = enveloped ? value['payload'] : value;
  if (payload === null) return { kind: 'skip', reason: 'tombstone (a null payload)' };
  if (!isObject(payload)) throw malformed('debezium', 'the payload is not an object');
  const src = isObject(payload['source']) ? payload['source'] : null;
  const timestampMs = ms(src?.['ts_ms']) ?? ms(payload['ts_ms']);
  // schema-change topic
  if (typeof payload['ddl'] === 'string') {
    const db = typeof payload['databaseName'] === 'string' ? payload['databaseName'] : typeof src?.['db'] === 'string' ? src['db'] : '';
    return { kind: 'ddl', format: 'debezium', db, sql: payload['ddl'], timestampMs, origin: originOf(src), schemaTopic: true };
  }
  if (typeof payload['status'] === 'string' && (payload['status'] === 'BEGIN' || payload['status'] === 'END')) return { kind: 'skip', reason: `Debezium transaction ${payload['status']} marker` };
  const op = payload['op'];
  if (typeof op !== 'string') {
    const keys = Object.keys(payload);
    if (keys.length === 1 && keys[0] === 'ts_ms') return { kind: 'skip', reason: 'Debezium heartbeat' };
    throw malformed('debezium', 'no "op" field (not a change event, a schema change, a heartbeat or a transaction marker)');
  }
  const db = src?.['db'];
  const table = src?.['table'];
  if (op === 'm') return { kind: 'skip', reason: 'Debezium logical-decoding message (op "m")' };
  if (typeof db !== 'string' || typeof table !== 'string') throw malformed('debezium', 'source.db or source.table is missing');
  if (op === 't') return { kind: 'ddl', format: 'debezium', db, sql: `TRUNCATE TABLE ${q(db)}.${q(table)}`, timestampMs, origin: originOf(src) };
  const type = OPS[op];
  if (!type) throw malformed('debezium', `unknown op "${op}"`);
  const keyNames = key ? (Object.hasOwn(key, 'schema') && Object.hasOwn(key, 'payload') ? keyFieldsOf(key['schema']) ?? (isObject(key['payload']) ? Object.keys(key['payload']) : null) : Object.keys(key)) : null;
  const { fields, schema } = enveloped ? envelopeColumns(value['schema'], keyNames) : { fields: null, schema: undefined };
  const columns = tableColumns('debezium', db, table, ctx, schema ?? null);
  const cfg = ctx.debezium ?? {};
  const before = payload['before'];
  const after = payload['after'];
  const need = type === 'insert' ? after : before;
  if (!isObject(need)) throw malformed('debezium', `op "${op}" without the ${type === 'insert' ? 'after' : 'before'} row`);
  if (type === 'update' && !isObject(after)) throw malformed('debezium', 'op "u" without the after row');
  const shape: RowShape = rowShape(db, table, columns, need);
  const read = (v: JsonValue, k: ColumnKind, name: string): RawValue => debeziumRaw(v, k, fields?.get(name), cfg);
  let change: RowChange;
  if (type === 'insert') change = rowChange(db, table, type, shape.columns, null, readImage(db, table, shape, need, read));
  else if (type === 'delete') change = rowChange(db, table, type, shape.columns, readImage(db, table, shape, need, read), null);
  else {
    const afterShape = rowShape(db, table, columns, after as JsonObject);
    if (afterShape.columns.join('\u0000') !== shape.columns.join('\u0000')) throw malformed('debezium', 'the before and after rows name different columns');
    change = rowChange(db, table, type, shape.columns, readImage(db, table, shape, need, read), readImage(db, table, shape, after as JsonObject, read));
  }
  const tx = payload['transaction'];
  const txId = isObject(tx) && (typeof tx['id'] === 'string' || tx['id'] instanceof JsonNumber) ? (typeof tx['id'] === 'string' ? tx['id'] : tx['id'].raw) : null;
  // Built by assignments: an object literal with spreads costs far more to build and to read, once per message.
  const out: DecodedRows = { kind: 'rows', format: 'debezium', changes: [change], timestampMs, origin: originOf(src) };
  if (schema) out.schema = schema;
  if (txId !== null) out.transaction = { id: txId };
  if (shape.partial) out.partialBefore = true;
  if (keyNames) out.key = keyNames;
  if (op === 'r') out.snapshotRead = true;
  return out;
}


/** The source fields of a Debezium message that order it with a schema-change topic (`source.schemaTopic`). */
export interface DebeziumSourceFields {
  /** A row message (or truncate): its table; null for a schema-change record. */
  table: { db: string; table: string } | null;
  /** A schema-change record: its statement and default database. */
  ddl: { db: string; sql: string } | null;
  file: unknown;
  pos: unknown;
}

/** Reads only where a Debezium message stands (source.db/table/file/pos, or ddl); null for what is neither (tombstone, heartbeat, marker, not JSON). */
export function debeziumSourceFields(value: Buffer): DebeziumSourceFields | null {
  let v: JsonValue;
  try {
    v = parseExactJson(value.toString('utf8'));
  } catch {
    return null; // the decoder reports it
  }
  if (!isObject(v)) return null;
  const payload = Object.hasOwn(v, 'schema') && Object.hasOwn(v, 'payload') ? v['payload'] : v;
  if (!isObject(payload)) return null;
  const src = isObject(payload['source']) ? payload['source'] : null;
  const file = src?.['file'];
  const pos = src?.['pos'] instanceof JsonNumber ? src['pos'].raw : src?.['pos'];
  if (typeof payload['ddl'] === 'string') {
    const db = typeof payload['databaseName'] === 'string' ? payload['databaseName'] : typeof src?.['db'] === 'string' ? src['db'] : '';
    return { table: null, ddl: { db, sql: payload['ddl'] }, file, pos };
  }
  const op = payload['op'];
  if (typeof op !== 'string' || op === 'm') return null;
  const db = src?.['db'];
  const table = src?.['table'];
  if (typeof db !== 'string' || typeof table !== 'string') return null;
  return { table: { db, table }, ddl: null, file, pos };
}
