// The Debezium schema envelope (JsonConverter with schemas.enable=true): {"schema": {...}, "payload": {...}}.
// The value schema's "after" (or "before") struct lists the table's columns with their Connect types and
// Debezium semantic names; with column.propagate.source.type the parameters carry the MySQL type itself
// (__debezium.source.column.type / .length / .scale). This module reads a column list from it (the sink
// table's definition when the sink lacks the table) and the per-column schema the value decoder consults.
import type { ColumnType } from './column-kind.js';
import { isObject, type JsonObject, type JsonValue } from './exact-json.js';

export interface FieldSchema {
  type: string;
  name: string | null;
  optional: boolean;
  parameters: Record<string, string>;
}

export function fieldSchema(f: JsonObject): FieldSchema {
  const params: Record<string, string> = {};
  const p = f['parameters'];
  if (isObject(p)) for (const k of Object.keys(p)) if (typeof p[k] === 'string') params[k] = p[k] as string;
  return { type: typeof f['type'] === 'string' ? (f['type'] as string) : '', name: typeof f['name'] === 'string' ? (f['name'] as string) : null, optional: f['optional'] === true, parameters: params };
}

/** The row struct's fields (name → schema, in order) of a change event's value schema; null when absent. */
export function rowFields(schema: JsonValue | undefined): Map<string, FieldSchema> | null {
  if (!isObject(schema)) return null;
  const fields = schema['fields'];
  if (!Array.isArray(fields)) return null;
  const row = fields.find((f) => isObject(f) && (f['field'] === 'after' || f['field'] === 'before'));
  if (!isObject(row) || !Array.isArray(row['fields'])) return null;
  const out = new Map<string, FieldSchema>();
  for (const f of row['fields']) if (isObject(f) && typeof f['field'] === 'string') out.set(f['field'], fieldSchema(f));
  return out;
}

/** Names of a key schema's fields, in order. */
export function keyFields(schema: JsonValue | undefined): string[] | null {
  if (!isObject(schema) || !Array.isArray(schema['fields'])) return null;
  return schema['fields'].filter(isObject).map((f) => f['field']).filter((n): n is string => typeof n === 'string');
}

const INT_TYPES: Record<string, string> = { int8: 'tinyint', int16: 'smallint', int32: 'int', int64: 'bigint' };

/** A MySQL column type for one field: the propagated source type when present, else inferred from the Connect schema. */
export function columnOf(name: string, s: FieldSchema): ColumnType {
  const p = s.parameters;
  const src = p['__debezium.source.column.type'];
  const nullable = s.optional;
  if (src) {
    const [base = '', ...mods] = src.toLowerCase().split(/\s+/);
    const unsigned = mods.length ? ' ' + mods.join(' ') : ''; // "unsigned", "unsigned zerofill"
    const len = p['__debezium.source.column.length'];
    const scale = p['__debezium.source.column.scale'];
    let args = '';
    if (base === 'enum' || base === 'set') args = p['allowed'] !== undefined ? `(${p['allowed'].split(',').map(quote).join(',')})` : '';
    else if (len !== undefined && !/text$|blob$|^json$|^date$|^year$|^geometry|^point$/.test(base)) args = scale !== undefined && !/time|date/.test(base) ? `(${len},${scale})` : `(${len})`;
    if (/^(datetime|timestamp|time)$/.test(base)) args = scale !== undefined ? `(${scale})` : len !== undefined && len !== '0' ? `(${len})` : '';
    return { name, dataType: base, columnType: base + args + unsigned, nullable };
  }
  const named = (dataType: string, columnType = dataType): ColumnType => ({ name, dataType, columnType, nullable });
  switch (s.name) {
    case 'org.apache.kafka.connect.data.Decimal': {
      const scale = p['scale'] ?? '0';
      const prec = p['connect.decimal.precision'] ?? '65';
      return named('decimal', `decimal(${prec},${scale})`);
    }
    case 'io.debezium.data.VariableScaleDecimal':
      return named('decimal', 'decimal(65,30)');
    case 'io.debezium.time.Date':
    case 'org.apache.kafka.connect.data.Date':
      return named('date');
    case 'io.debezium.time.Time':
    case 'org.apache.kafka.connect.data.Time':
      return named('time', 'time(3)');
    case 'io.debezium.time.MicroTime':
    case 'io.debezium.time.NanoTime':
      return named('time', 'time(6)');
    case 'io.debezium.time.Timestamp':
    case 'org.apache.kafka.connect.data.Timestamp':
      return named('datetime', 'datetime(3)');
    case 'io.debezium.time.MicroTimestamp':
    case 'io.debezium.time.NanoTimestamp':
      return named('datetime', 'datetime(6)');
    case 'io.debezium.time.ZonedTimestamp':
      return named('timestamp', 'timestamp(6)');
    case 'io.debezium.time.Year':
      return named('year');
    case 'io.debezium.data.Json':
      return named('json');
    case 'io.debezium.data.Enum':
      return named('enum', `enum(${(p['allowed'] ?? '').split(',').map(quote).join(',')})`);
    case 'io.debezium.data.EnumSet':
      return named('set', `set(${(p['allowed'] ?? '').split(',').map(quote).join(',')})`);
    case 'io.debezium.data.Bits':
      return named('bit', `bit(${p['length'] ?? '64'})`);
    case 'io.debezium.data.geometry.Point':
      return named('point');
    case 'io.debezium.data.geometry.Geometry':
      return named('geometry');
  }
  if (INT_TYPES[s.type]) return named(INT_TYPES[s.type]!);
  switch (s.type) {
    case 'float32':
      return named('float');
    case 'float64':
      return named('double');
    case 'boolean':
      return named('bit', 'bit(1)');
    case 'bytes':
      return named('longblob');
    default:
      return { name, dataType: 'longtext', columnType: 'longtext', charset: 'utf8mb4', nullable };
  }
}

const quote = (label: string): string => `'${label.replace(/'/g, "''")}'`;

/** The table definition the envelope describes (columns in order, key when the key schema is known). */
export function schemaColumns(fields: Map<string, FieldSchema>, key: string[] | null): ColumnType[] & { key?: string[] } {
  const cols = [...fields].map(([n, s]) => columnOf(n, s)) as ColumnType[] & { key?: string[] };
  if (key) cols.key = key;
  return cols;
}
