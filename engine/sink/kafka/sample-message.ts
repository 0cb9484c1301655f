// A Kafka sink's sample message for the wizard: a source row rendered by the very code that will publish
// it (TableRenderer: format, key, partition), as the read event the copy will send. Nothing is published.
import type { KafkaSample } from '../../../shared/wizard.js';
import type { SampleMessageInput } from '../driver.js';
import { copySourceInfo } from './kafka-sink.js';
import { legalTopicName, resolveTopicTemplate } from './partition.js';
import type { OutRecord } from './record-sender.js';
import { TableRenderer } from './table-renderer.js';

export function renderSampleMessage({ draft, table, copy, row }: SampleMessageInput): KafkaSample {
  const k = draft.mapping.kafka;
  const topic = legalTopicName(resolveTopicTemplate(k.topic, { db: copy.sink.db, table: copy.sink.table }));
  const renderer = new TableRenderer(copy.source.db, copy.source.table, copy.columns, copy.keyColumns, { name: topic, partitions: k.partitions, maxMessageBytes: Number.MAX_SAFE_INTEGER }, { format: k.format, keyMode: k.key, tombstones: k.tombstones });
  const out: OutRecord[] = [];
  const now = Date.now();
  renderer.render({ op: 'r', table: renderer.kt, before: null, after: row, source: { ...copySourceInfo(draft.options.name || 'cutover', null), tsMs: now }, tsMs: now }, out);
  const first = out[0]!;
  return { table, topic, partition: first.partition, key: first.key === null ? null : String(first.key), value: first.value === null ? '' : String(first.value) };
}
