// Kafka message formats: Debezium, Canal and Maxwell JSON, so existing consumers of those tools read
// Cutover's copy (read events) and stream unchanged. See debezium.ts, canal.ts and maxwell.ts for the
// options each format emulates and the documented examples they are checked against
// (test/unit/kafka-formats.test.ts).
//
//   renderMessages(format, event, opts)  every record for one row change, in order (Debezium: + tombstone
//                                        after a delete; a primary-key change as delete/tombstone/create)
//   renderMessage(format, event, opts)   the change record alone: { key, value, partitionKey }
//   renderKey(keyMode, event, format)    the record key (JSON text, or null)
//   partitionKey(event, keyMode)         the string that picks the partition
//   tombstone(message)                   the tombstone that follows a Debezium delete
//   renderSchemaChange(format, change)   the schema-change topic record for one DDL statement (or null)
import { canalSchemaChange, canalValueJson } from './canal.js';
import { debeziumKey, debeziumRecords, debeziumSchemaChange, debeziumValueJson } from './debezium.js';
import type { ChangeEventInput, KafkaFormat, KafkaMessage, KeyMode, RenderOptions, SchemaChangeInput } from './event.js';
import { maxwellKey, maxwellSchemaChange, maxwellValueJson } from './maxwell.js';
import { tableCache } from './table-cache.js';
import type { RawValue } from '../../../core/rows.js';

export type { ChangeEventInput, ChangeOp, KafkaColumn, KafkaFormat, KafkaMessage, KafkaTable, KeyMode, RenderOptions, SchemaChangeInput, SourceInfo } from './event.js';
export { debeziumValue } from './debezium.js';
export { canalCell } from './canal.js';
export { maxwellValue } from './maxwell.js';

export const KAFKA_FORMATS: readonly KafkaFormat[] = ['debezium', 'canal', 'maxwell'];

/** The image that identifies the row: the old row of a delete, the new row otherwise. */
const rowOf = (e: ChangeEventInput): RawValue[] | null => (e.op === 'd' ? e.before : e.after);

const NEED: Record<string, readonly ('before' | 'after')[]> = { r: ['after'], c: ['after'], u: ['before', 'after'], d: ['before'] };

function checkEvent(e: ChangeEventInput): void {
  const need = Object.hasOwn(NEED, e.op) ? NEED[e.op] : undefined;
  if (!need) throw new Error(`${e.table.db}.${e.table.table}: unknown op ${String(e.op)}`);
  for (const k of need) {
    const row = e[k];
    if (!row || row.length !== e.table.columns.length) {
      const where = `${e.table.db}.${e.table.table}`;
      if (!row) throw new Error(`${where}: op ${e.op} needs the ${k} image`);
      throw new Error(`${where}: ${k} image has ${row.length} values for ${e.table.columns.length} columns`);
    }
  }
}

/**
 * The partition-choosing string: 'table' → "db.table"; 'pk' → db, table and the key values' bytes of the
 * given image (the row's image by default), so every change of one row lands in one partition. A table
 * without a key falls back to "db.table", which keeps its changes in order.
 */
export function partitionKey(e: ChangeEventInput, keyMode: KeyMode, row: RawValue[] | null = rowOf(e)): string {
  const tc = tableCache(e.table); // its "db.table" text: no string built per row for it
  if (keyMode === 'table' || !e.table.keyColumns.length || !row) return tc.where;
  let s = tc.where;
  for (const i of tc.keyIdx) {
    const v = row[i] ?? null;
    s += v === null ? '\u0000N' : `\u0000${v.length}:${v}`;
  }
  return s;
}

/**
 * The record key. It is the format's row key whatever the key mode (the mode only chooses partitions;
 * the key is what consumers and log compaction read): Debezium {"id":1001} (null without a key), Maxwell
 * {"database":…,"table":…,"pk.id":…}, Canal null (Canal's producer sends no key).
 */
export function renderKey(keyMode: KeyMode, e: ChangeEventInput, format: KafkaFormat = 'debezium'): string | null {
  void keyMode;
  switch (format) {
    case 'debezium':
      return debeziumKey(e, rowOf(e));
    case 'maxwell':
      return maxwellKey(e);
    case 'canal':
      return null;
  }
}

/** The change record's value (JSON text). */
export function renderValue(format: KafkaFormat, e: ChangeEventInput, opts: RenderOptions = {}): string {
  checkEvent(e);
  switch (format) {
    case 'debezium':
      return debeziumValueJson(e);
    case 'canal':
      return canalValueJson(e, opts.canalEnumText ?? false);
    case 'maxwell':
      return maxwellValueJson(e, opts.maxwellPrimaryKeys ?? false);
  }
}

/** The change record for one row change: key, value and partition key. */
export function renderMessage(format: KafkaFormat, e: ChangeEventInput, opts: RenderOptions = {}): KafkaMessage {
  const keyMode = opts.keyMode ?? 'pk';
  return { key: renderKey(keyMode, e, format), value: renderValue(format, e, opts), partitionKey: canalAwarePartition(format, e, keyMode) };
}

/** Canal partitions an update that changed the key by the old key (FlatMessage.messagePartition). */
function canalAwarePartition(format: KafkaFormat, e: ChangeEventInput, keyMode: KeyMode): string {
  if (format === 'canal' && e.op === 'u') return partitionKey(e, keyMode, e.before);
  return partitionKey(e, keyMode);
}

/**
 * `{ ...r, partitionKey }` (the same own properties in the same order), written out: V8 (Node 20) makes an
 * object from a spread followed by another property about a hundred times slower to build and to read.
 */
function withPartitionKey(r: Omit<KafkaMessage, 'partitionKey'>, pk: string): KafkaMessage {
  return r.headers !== undefined || Object.hasOwn(r, 'headers')
    ? { key: r.key, value: r.value, headers: r.headers, partitionKey: pk }
    : { key: r.key, value: r.value, partitionKey: pk };
}

/** Every record the format writes for this row change, in order. */
export function renderMessages(format: KafkaFormat, e: ChangeEventInput, opts: RenderOptions = {}): KafkaMessage[] {
  if (format !== 'debezium') return [renderMessage(format, e, opts)];
  checkEvent(e);
  const keyMode = opts.keyMode ?? 'pk';
  const records = debeziumRecords(e, opts.tombstonesOnDelete ?? true);
  if (records.length === 1) return [withPartitionKey(records[0]!, partitionKey(e, keyMode, rowOf(e)))];
  // a key change: records with the old key go where the old key's changes went, the rest to the new key's
  return records.map((r) => {
    const oldKeyed = records.length > 1 && e.op === 'u' && r !== records[records.length - 1];
    return withPartitionKey(r, partitionKey(e, keyMode, oldKeyed ? e.before : rowOf(e)));
  });
}

/** The tombstone for a record: same key and partition, null value (Debezium, after a delete). */
export function tombstone(m: KafkaMessage): KafkaMessage {
  return { key: m.key, value: null, partitionKey: m.partitionKey };
}

/**
 * The schema-change topic record for one DDL statement; null when the format has none for it (Maxwell
 * emits DDL only for table and database statements). Partitioned by database.
 */
export function renderSchemaChange(format: KafkaFormat, c: SchemaChangeInput): KafkaMessage | null {
  switch (format) {
    case 'debezium':
      return { ...debeziumSchemaChange(c), partitionKey: c.db };
    case 'canal':
      return { key: null, value: canalSchemaChange(c), partitionKey: c.db };
    case 'maxwell': {
      const m = maxwellSchemaChange(c);
      return m && { ...m, partitionKey: c.db };
    }
  }
}
