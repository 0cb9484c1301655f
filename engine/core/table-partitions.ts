// A keyless table spread over partitions, seen by every process of the group (partition-spread.ts sees only
// what one process consumed since it started). The sink keeps, per job and keyless source table, the
// partitions that carried its changes and whether an update or a delete came from one of them
// (`_cutover`.`cutover_table_partitions`), written in the transaction that stores the batch's offset, after
// a lock on the table's own row that serialises the batches of that table across processes. A batch that
// would make the record "two partitions, and an update or delete among them" is refused with
// partition-spread.ts's message before anything of it is applied. A keyed table is not recorded here (its
// rows are spread over partitions by key, as they should be): its check stays per process.
//
// The sinks (engine/sink/*/table-partitions.ts) do the SQL; the decisions are these pure functions.
import type { PartitionMessage, TopicPartition } from './partition-offsets.js';
import type { SpreadFinding } from './partition-spread.js';

/** One partition the sink recorded for a keyless table. */
export interface TablePartitionRow extends TopicPartition {
  /** An update or delete of the table came from this partition. */
  changed: boolean;
}

/** A keyless table a batch touches: whether it updates or deletes, and the first message that touches it. */
export interface KeylessTouch {
  table: string;
  changed: boolean;
  /** The offset of the first message of the batch with a change of the table (the first update/delete when there is one). */
  offset: string;
}

/** The keyless tables of the messages (source names "db.table"), in first-seen order. Pure. */
export function keylessTouches(messages: PartitionMessage[], keyless: (table: string) => boolean): KeylessTouch[] {
  const out = new Map<string, KeylessTouch>();
  for (const m of messages)
    for (const c of m.changes) {
      const table = c.name ?? `${c.db}.${c.table}`;
      if (!keyless(table)) continue;
      const t = out.get(table);
      const changed = c.type !== 'insert';
      if (!t) out.set(table, { table, changed, offset: m.offset });
      else if (changed && !t.changed) {
        t.changed = true;
        t.offset = m.offset;
      }
    }
  return [...out.values()];
}

/**
 * The spread a batch of partition `here` would make, given what the sink recorded for the table before it
 * (any process, any run); null when the record stays "one partition, or inserts only". Pure.
 */
export function recordedSpread(here: TopicPartition, touch: KeylessTouch, recorded: TablePartitionRow[]): SpreadFinding | null {
  const others = recorded.filter((r) => r.topic !== here.topic || r.partition !== here.partition);
  if (!others.length) return null;
  if (!touch.changed && !recorded.some((r) => r.changed)) return null;
  const first = others[0]!;
  return { table: touch.table, key: null, first: { topic: first.topic, partition: first.partition }, then: { topic: here.topic, partition: here.partition }, offset: touch.offset };
}
