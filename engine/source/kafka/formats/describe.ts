// One message described for people before any job reads it (the wizard's topic sample): its format (as
// `"format": "auto"` decides it), whether a Debezium message carries the schema envelope, which table it
// is about and what kind of message it is. Pure: no broker.
import type { KafkaMessageFormat } from '../../../../shared/kafka-topics.js';
import { detectFormat } from './decode.js';
import { isObject, parseExactJson, type JsonObject, type JsonValue } from './exact-json.js';

export interface MessageDescription {
  format: KafkaMessageFormat | null;
  envelope: boolean | null;
  table: string | null;
  kind: string;
}

const text = (v: JsonValue | undefined): string | null => (typeof v === 'string' && v ? v : null);
const qualified = (db: string | null, table: string | null): string | null => (db && table ? `${db}.${table}` : null);

export function describeMessage(value: Buffer | null): MessageDescription {
  if (value === null || value.length === 0) return { format: null, envelope: null, table: null, kind: 'a tombstone (no value: the delete before it carried the row)' };
  const format = detectFormat(value);
  if (!format) return { format: null, envelope: null, table: null, kind: 'not a Debezium, Canal or Maxwell message' };
  const v = parseExactJson(value.toString('utf8')) as JsonObject;
  if (format === 'debezium') {
    const envelope = isObject(v['schema']) && Object.hasOwn(v, 'payload');
    const p = envelope ? v['payload'] : v;
    if (!isObject(p)) return { format, envelope, table: null, kind: 'a Debezium message without a payload' };
    const source = isObject(p['source']) ? p['source'] : null;
    const table = qualified(text(source?.['db']) ?? text(p['databaseName']), text(source?.['table']));
    if (text(p['op'])) return { format, envelope, table, kind: `a row change (op "${text(p['op'])}")` };
    if (Object.hasOwn(p, 'ddl')) return { format, envelope, table, kind: 'a schema change (DDL statement)' };
    return { format, envelope, table, kind: 'a transaction marker' };
  }
  if (format === 'canal') {
    const table = qualified(text(v['database']), text(v['table']));
    return { format, envelope: null, table, kind: v['isDdl'] === true ? 'a schema change (DDL statement)' : `a row change (${text(v['type']) ?? 'unknown type'})` };
  }
  const table = qualified(text(v['database']), text(v['table']));
  const type = text(v['type']) ?? '';
  return { format, envelope: null, table, kind: /^(table-|database-)/.test(type) || Object.hasOwn(v, 'sql') ? 'a schema change (DDL statement)' : `a row change (${type || 'unknown type'})` };
}
