// The wizard's sample Kafka message: a row of a table (the first the server sends), read by the copy's own
// reader and rendered by the very code that will publish it (TableRenderer: format, key, partition), as
// the read event the copy will send. Nothing is published.
import { CutoverError } from '../../shared/errors.js';
import type { KafkaSample, WizardDraft } from '../../shared/wizard.js';
import { sinkNames } from '../../shared/wizard.js';
import { legalTopicName, resolveTopicTemplate } from '../sink/kafka/partition.js';
import { copySourceInfo } from '../sink/kafka/kafka-sink.js';
import { TableRenderer } from '../sink/kafka/table-renderer.js';
import type { OutRecord } from '../sink/kafka/record-sender.js';
import type { SourceSession } from '../source/driver.js';
import type { RawRow } from '../core/rows.js';

/** `data`: a source session over a connection opened like the copy's, destroyed by the caller afterwards. */
export async function sampleMessage(data: SourceSession, draft: WizardDraft, table: string): Promise<KafkaSample> {
  const dot = table.indexOf('.');
  const ref = { db: table.slice(0, dot), table: table.slice(dot + 1) };
  const sinkFull = sinkNames({ ...draft, tables: { selected: [table] } }).get(table)!;
  const sdot = sinkFull.indexOf('.');
  const sink = { db: sinkFull.slice(0, sdot), table: sinkFull.slice(sdot + 1) };
  const info = await data.readTable(ref);
  if (!info.columns.length) throw new CutoverError(`The source has no table ${table}.`, 'Choose one of the selected tables.', 'NOT_FOUND');
  const excluded = new Set(draft.mapping.excludeColumns[table] ?? []);
  const columns = info.columns.filter((c) => !c.generated && !excluded.has(c.name));
  const keyColumns = info.chunkKey.map((k) => info.columns.find((c) => c.name === k)!);
  const t = { stateId: 0, source: info, sink, columns, keyColumns, where: draft.mapping.where[table]?.trim() || undefined };
  let row: RawRow | null = null;
  // The first row the server sends (the query is cut short after it; the caller destroys the connection).
  const stop = new AbortController();
  await data.readChunk(
    t,
    null,
    null,
    (r) => {
      if (!row) row = r;
      stop.abort();
    },
    stop.signal,
  ).catch((e: unknown) => {
    if (!stop.signal.aborted) throw e;
  });
  if (!row) throw new CutoverError(`${table} has no row${t.where ? ' matching its row filter' : ''} to render.`, 'Choose a table with rows, or insert one on the source.', 'EMPTY');
  const k = draft.mapping.kafka;
  const topic = legalTopicName(resolveTopicTemplate(k.topic, { db: sink.db, table: sink.table }));
  const renderer = new TableRenderer(info.db, info.table, columns, keyColumns, { name: topic, partitions: k.partitions, maxMessageBytes: Number.MAX_SAFE_INTEGER }, { format: k.format, keyMode: k.key, tombstones: k.tombstones });
  const out: OutRecord[] = [];
  const now = Date.now();
  renderer.render({ op: 'r', table: renderer.kt, before: null, after: row, source: { ...copySourceInfo(draft.options.name || 'cutover', null), tsMs: now }, tsMs: now }, out);
  const first = out[0]!;
  return { table, topic, partition: first.partition, key: first.key === null ? null : String(first.key), value: first.value === null ? '' : String(first.value) };
}
