// Test helper: a Cutover Debezium message wrapped in the JsonConverter schema envelope
// (value.converter.schemas.enable=true), with the Connect schema the MySQL connector gives each column
// under Cutover's settings (decimal.handling.mode=string, adaptive_time_microseconds, base64 binary) and
// column.propagate.source.type, as a real connector writes it.
import type { KafkaColumn, KafkaTable } from '../../engine/sink/kafka/formats/index.js';

type Schema = Record<string, unknown>;

function columnSchema(c: KafkaColumn): Schema {
  const type = c.dataType.toLowerCase();
  const m = /\(([\d,\s]+)\)/.exec(c.columnType);
  const args = m ? m[1]!.split(',').map((x) => x.trim()) : [];
  const mods = / (unsigned.*)$/i.exec(c.columnType)?.[1]?.toUpperCase();
  const parameters: Record<string, string> = { '__debezium.source.column.type': type.toUpperCase() + (mods ? ' ' + mods : '') };
  if (args[0] !== undefined) parameters['__debezium.source.column.length'] = args[0];
  if (args[1] !== undefined) parameters['__debezium.source.column.scale'] = args[1];
  const s = (t: string, name?: string, extra: Record<string, string> = {}): Schema => ({ type: t, optional: c.nullable, ...(name ? { name } : {}), parameters: { ...parameters, ...extra }, field: c.name });
  const fsp = Number(args[0] ?? 0);
  const labels = (): string => (c.columnType.match(/'((?:[^']|'')*)'/g) ?? []).map((l) => l.slice(1, -1).replace(/''/g, "'")).join(',');
  switch (type) {
    case 'tinyint':
    case 'smallint':
      return s('int16');
    case 'mediumint':
    case 'int':
      return s(mods ? 'int64' : 'int32');
    case 'bigint':
      return mods ? s('bytes', 'org.apache.kafka.connect.data.Decimal', { scale: '0' }) : s('int64');
    case 'decimal':
      return s('string');
    case 'float':
      return s(args.length === 2 ? 'float64' : 'float32');
    case 'double':
      return s('float64');
    case 'date':
      return s('int32', 'io.debezium.time.Date');
    case 'datetime':
      return fsp <= 3 ? s('int64', 'io.debezium.time.Timestamp') : s('int64', 'io.debezium.time.MicroTimestamp');
    case 'timestamp':
      return s('string', 'io.debezium.time.ZonedTimestamp');
    case 'time':
      return s('int64', 'io.debezium.time.MicroTime');
    case 'year':
      return s('int32', 'io.debezium.time.Year');
    case 'json':
      return s('string', 'io.debezium.data.Json');
    case 'enum':
      return s('string', 'io.debezium.data.Enum', { allowed: labels() });
    case 'set':
      return s('string', 'io.debezium.data.EnumSet', { allowed: labels() });
    case 'bit':
      return fsp <= 1 ? s('boolean') : s('bytes', 'io.debezium.data.Bits', { length: String(fsp) });
    case 'point':
      return { ...s('struct', 'io.debezium.data.geometry.Point'), fields: [{ type: 'double', field: 'x' }, { type: 'double', field: 'y' }, { type: 'bytes', optional: true, field: 'wkb' }, { type: 'int32', optional: true, field: 'srid' }] };
    case 'geometry':
      return { ...s('struct', 'io.debezium.data.geometry.Geometry'), fields: [{ type: 'bytes', field: 'wkb' }, { type: 'int32', optional: true, field: 'srid' }] };
    case 'binary':
    case 'varbinary':
    case 'tinyblob':
    case 'blob':
    case 'mediumblob':
    case 'longblob':
      return s('bytes');
    default:
      return s('string');
  }
}

export function withSchemaEnvelope(t: KafkaTable, payload: string): string {
  const row = (field: string): Schema => ({ type: 'struct', fields: t.columns.map(columnSchema), optional: true, name: `job.${t.db}.${t.table}.Value`, field });
  const schema = {
    type: 'struct',
    fields: [row('before'), row('after'), { type: 'struct', fields: [], optional: false, name: 'io.debezium.connector.mysql.Source', field: 'source' }, { type: 'string', optional: false, field: 'op' }, { type: 'int64', optional: true, field: 'ts_ms' }],
    optional: false,
    name: `job.${t.db}.${t.table}.Envelope`,
    version: 1,
  };
  return `{"schema":${JSON.stringify(schema)},"payload":${payload}}`;
}

/** The key record with its schema envelope. */
export function keyWithSchemaEnvelope(t: KafkaTable, key: string): string {
  const fields = t.keyColumns.map((k) => ({ ...columnSchema(t.columns.find((c) => c.name === k)!), optional: false }));
  return `{"schema":${JSON.stringify({ type: 'struct', fields, optional: false, name: `job.${t.db}.${t.table}.Key` })},"payload":${key}}`;
}
