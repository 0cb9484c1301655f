// Reading Kafka messages in Debezium, Canal and Maxwell form back into row changes: the exact inverse of
// the Kafka sink's formats (engine/sink/kafka/formats), and what the real Debezium (MySQL/MariaDB
// connector, JsonConverter with or without schemas), Canal (flatMessage) and Maxwell write. Pure: no
// broker. Values come back as the byte strings the MySQL snapshot reader produces for the same value, so
// a decoded row written by a sink is identical to a copied one. The rules are in README ("Reading them
// back"); the per-format details in debezium-decode.ts, canal-decode.ts and maxwell-decode.ts.
import { DecodeError } from './decode-error.js';
import type { RowChange } from '../../../core/changes.js';
import type { ColumnType } from './column-kind.js';
import { decodeCanal } from './canal-decode.js';
import { decodeDebezium } from './debezium-decode.js';
import { JsonSyntaxError, LeadMember, Prune, isObject, parseExactJsonBytes, type JsonObject } from './exact-json.js';
import { decodeMaxwell } from './maxwell-decode.js';

export type { ColumnType } from './column-kind.js';

export type KafkaSourceFormat = 'debezium' | 'canal' | 'maxwell';

/** How the producing Debezium connector was configured, where the message alone does not tell (no schema envelope). */
export interface DebeziumSettings {
  /** decimal.handling.mode: precise (base64 bytes), string (Cutover's, default guess), double. */
  decimalHandling?: 'precise' | 'string' | 'double';
  /** binary.handling.mode: base64 (default), base64-url-safe, hex. */
  binaryHandling?: 'base64' | 'base64-url-safe' | 'hex';
  /** time.precision.mode: adaptive_time_microseconds (the MySQL connector's default, Cutover's), adaptive, connect. */
  timePrecision?: 'adaptive_time_microseconds' | 'adaptive' | 'connect';
  /** bigint.unsigned.handling.mode: precise (a Connect Decimal: base64 bytes), long (a number). */
  bigintUnsignedHandling?: 'precise' | 'long';
}

export interface DecodeContext {
  /**
   * The table's columns in order as the sink/known schema has them; null when unknown (then the Debezium
   * schema envelope, or Canal's mysqlType, must supply types; else the decoder throws a DecodeError naming
   * the table and the 3 ways to provide it).
   */
  columns(db: string, table: string): ColumnType[] | null;
  /** Debezium connector settings for messages without the schema envelope (defaults: Cutover's own). */
  debezium?: DebeziumSettings;
}

export interface DecodedRows {
  kind: 'rows';
  format: KafkaSourceFormat;
  changes: RowChange[];
  /** commit/event time, ms */
  timestampMs: number | null;
  /** source position/ids for logs (binlog file:pos, gtid) */
  origin: string | null;
  /** the Debezium schema envelope's table definition when present, for creating the sink table */
  schema?: ColumnType[] & { key?: string[] };
  /** Cutover/Canal/Maxwell/Debezium transaction markers: index in tx, last? */
  transaction?: { id: string; last?: boolean };
  /**
   * Canal / Maxwell updates: the before image is the after image with `old` (the changed columns' previous
   * values) laid over it. Exact when the producer read a binlog_row_image=FULL binlog.
   */
  beforeFromOld?: boolean;
  /**
   * The message does not carry every column of the table (a MINIMAL/NOBLOB row image, or a column the
   * producer left out): `columns` of each change lists only those it carries. A keyless table cannot be
   * updated or deleted from such a row.
   */
  partialBefore?: boolean;
  /** The key columns the message names (Debezium key, Canal pkNames, Maxwell primary_key_columns), when it does. */
  key?: string[];
  /**
   * A snapshot read, not a binlog change: Debezium op "r" (any source.snapshot value), Maxwell
   * "bootstrap-insert". Canal has no snapshot (a copied row is an INSERT). See apply-mode.ts.
   */
  snapshotRead?: boolean;
}

export type DecodedMessage =
  | DecodedRows
  | {
      kind: 'ddl';
      format: KafkaSourceFormat;
      db: string;
      sql: string;
      timestampMs: number | null;
      origin: string | null;
      /** A Debezium schema-change topic record (its order with the data is by source position, not by partition). */
      schemaTopic?: boolean;
    }
  | { kind: 'skip'; reason: string }; // tombstones, heartbeats, Debezium transaction-metadata topics, Cutover's own control messages

export { DecodeError, type DecodeErrorCode } from './decode-error.js';

/**
 * The first member of the last value and key decoded: a Debezium schema envelope, the same for every message
 * of a table, is parsed once (exact-json.ts LeadMember). Only a message whose bytes are identical up to the member's
 * end reuses it, and only the bytes after it are decoded to text.
 */
const valueLead = new LeadMember();
const keyLead = new LeadMember(64);
/**
 * Debezium messages, read by decodeDebezium only: of the "source" block (17 members in MariaDB's connector)
 * it reads these, so the parser builds only them (the others are still checked). Its own lead: a value
 * kept from a pruned parse is only ever reused by pruned parses.
 */
const DEBEZIUM_SOURCE_MEMBERS = ['db', 'table', 'ts_ms', 'file', 'pos', 'gtid'];
const debeziumLead = new LeadMember(256, 8, new Prune([['source'], ['payload', 'source']], DEBEZIUM_SOURCE_MEMBERS));

function parseValue(value: Buffer, format: KafkaSourceFormat | 'auto'): JsonObject {
  let v;
  try {
    v = parseExactJsonBytes(value, format === 'debezium' ? debeziumLead : valueLead);
  } catch (e) {
    const why = e instanceof JsonSyntaxError ? e.message : String(e);
    throw new DecodeError(`the message is not JSON (${why})`, `skip it with --skip-message TOPIC:PARTITION:OFFSET, or check that the producer writes ${format === 'auto' ? 'Debezium, Canal or Maxwell' : format} JSON (Debezium: value.converter=org.apache.kafka.connect.json.JsonConverter)`, 'malformed');
  }
  if (!isObject(v)) throw new DecodeError('the message is JSON but not an object', 'skip it with --skip-message TOPIC:PARTITION:OFFSET; Debezium, Canal and Maxwell messages are JSON objects', 'malformed');
  return v;
}

/** The format of one message's value by its shape; null when it is none of the three. */
export function detectFormat(value: Buffer): KafkaSourceFormat | null {
  let v: JsonObject;
  try {
    v = parseValue(value, 'auto');
  } catch {
    return null;
  }
  return formatOf(v);
}

function formatOf(v: JsonObject): KafkaSourceFormat | null {
  const has = (k: string): boolean => Object.hasOwn(v, k);
  if (has('schema') && has('payload')) return 'debezium';
  if (has('op') && (has('before') || has('after'))) return 'debezium';
  if (has('ddl') && (has('databaseName') || has('tableChanges'))) return 'debezium';
  if (has('status') && has('id') && (has('event_count') || has('data_collections'))) return 'debezium';
  if (has('isDdl') || (Array.isArray(v['data']) && (has('mysqlType') || has('sqlType') || has('pkNames')))) return 'canal';
  if (has('database') && has('type') && typeof v['type'] === 'string' && (isObject(v['data']) || has('sql') || /^(bootstrap-|table-|database-)/.test(v['type']))) return 'maxwell';
  return null;
}

/** Decodes one message; throws DecodeError for a message that is malformed, names an unknown table without types, or holds a value that does not fit. */
export function decodeMessage(format: KafkaSourceFormat, key: Buffer | null, value: Buffer | null, ctx: DecodeContext): DecodedMessage {
  if (value === null || value.length === 0) return { kind: 'skip', reason: 'tombstone (a null value: the delete before it carried the row)' };
  const v = parseValue(value, format);
  const keyJson = key && key.length ? tryParse(key) : null;
  switch (format) {
    case 'debezium':
      return decodeDebezium(v, keyJson, ctx);
    case 'canal':
      return decodeCanal(v, ctx);
    case 'maxwell':
      return decodeMaxwell(v, ctx);
  }
}

function tryParse(b: Buffer): JsonObject | null {
  try {
    const v = parseExactJsonBytes(b, keyLead);
    return isObject(v) ? v : null;
  } catch {
    return null;
  }
}
