// Per-row order from a partitioned source holds only when every change of one row is in one partition
// (producers partition by the row's key). A producer that spreads a table's messages over partitions
// without the key (Canal with partitionHash off, a keyless Debezium table in a topic of several partitions,
// Maxwell by random) breaks it: an update can be read before the insert of its row. This watches the
// batches a process applies, before they are applied, and names the first proof of such a spread:
//   - a keyed table: one key's changes seen in two partitions (the last partition of up to `maxKeys` keys
//     is remembered, at least the `maxKeys` / 2 most recent, oldest forgotten first, a half at a time; a
//     primary-key change forgets both keys, as producers put it in either key's partition);
//   - a keyless table: its changes seen in two partitions, once any of them is an update or a delete
//     (inserts alone are applied in any order: nothing to refuse).
// It sees only what this process consumes, since it started: a spread across the partitions of two
// processes, or over a restart, is not seen. Pure (no I/O).
import type { RowChange } from './changes.js';
import type { PartitionBatch, TopicPartition } from './partition-offsets.js';

export interface SpreadFinding {
  /** Source "db.table". */
  table: string;
  /** The row's key as "col=value, …"; null for a keyless table. */
  key: string | null;
  first: TopicPartition;
  then: TopicPartition;
  offset: string;
}

const tpText = (p: TopicPartition): string => `${p.topic}\u0000${p.partition}`;
const tpOf = (s: string): TopicPartition => {
  const i = s.lastIndexOf('\u0000');
  return { topic: s.slice(0, i), partition: Number(s.slice(i + 1)) };
};

/**
 * Keys → the partition ("topic\0n") of their last change, per table ("db.table"). A one-column key is its
 * value's string itself (no text built per change; the value's hash is computed once), a longer key its
 * values joined by "\u0000"; "\u0001" stands for NULL.
 */
class KeyGeneration {
  private readonly tables = new Map<string, Map<string, string>>();
  size = 0;

  get(table: string, id: string): string | undefined {
    return this.tables.get(table)?.get(id);
  }

  set(table: string, id: string, partition: string): void {
    let m = this.tables.get(table);
    if (!m) this.tables.set(table, (m = new Map()));
    const before = m.size;
    m.set(id, partition);
    this.size += m.size - before;
  }

  delete(table: string, id: string): void {
    if (this.tables.get(table)?.delete(id)) this.size--;
  }
}

export class PartitionSpread {
  /**
   * The keys seen, in two generations: `recent` takes every key seen; when it holds half of `maxKeys` it
   * becomes `older` and the previous `older` is forgotten. (One Map evicting its oldest entry at each insert
   * costs a scan over the deleted entries that V8 keeps at the front of its table until the next rehash: tens
   * of µs per change at 100,000 keys.)
   */
  private recent = new KeyGeneration();
  private older = new KeyGeneration();
  private readonly generation: number;
  private readonly keyless = new Map<string, { partitions: Set<string>; changed: boolean }>();

  constructor(maxKeys = 100_000) {
    this.generation = Math.max(1, Math.floor(maxKeys / 2));
  }

  /**
   * The first spread the batch proves, given each table's key columns (empty: keyless); null when none.
   * The batch is remembered up to the finding (a batch refused is not applied, so nothing of it after that counts).
   */
  check(batch: PartitionBatch, keyOf: (table: string) => string[]): SpreadFinding | null {
    const here = tpText(batch);
    // A batch's changes are mostly of one table: its key is asked once per run of that table.
    let table = '';
    let key: string[] = [];
    for (const m of batch.messages)
      for (const c of m.changes) {
        const name = c.name ?? `${c.db}.${c.table}`;
        if (name !== table) {
          table = name;
          key = keyOf(table);
        }
        const found = key.length ? this.keyed(here, table, key, c) : this.keylessChange(here, table, c);
        if (found) return { table, key: found.key, first: tpOf(found.first), then: { topic: batch.topic, partition: batch.partition }, offset: m.offset };
      }
    return null;
  }

  private keyed(here: string, table: string, key: string[], c: RowChange): { key: string; first: string } | null {
    const row = c.type === 'delete' ? c.before : c.after;
    const at = keyIndexes(key, c.columns);
    if (!row || !at) return null; // a partial image without the key: nothing to compare
    const id = keyId(at, row);
    if (c.type === 'update' && c.before) {
      // A primary-key change is one Canal/Maxwell message, partitioned by one of the two keys (Canal: the
      // old, Maxwell: the new): either partition is right, so both keys start afresh.
      const oldId = keyId(at, c.before);
      if (oldId !== id) {
        for (const m of [this.recent, this.older]) {
          m.delete(table, oldId);
          m.delete(table, id);
        }
        return null;
      }
    }
    const was = this.recent.get(table, id) ?? this.older.get(table, id);
    if (was !== undefined && was !== here) return { key: key.map((k, j) => `${k}=${keyText(row[at[j]!] ?? null)}`).join(', '), first: was };
    this.recent.set(table, id, here);
    if (this.recent.size >= this.generation) {
      this.older = this.recent;
      this.recent = new KeyGeneration();
    }
    return null;
  }

  private keylessChange(here: string, table: string, c: RowChange): { key: null; first: string } | null {
    let t = this.keyless.get(table);
    if (!t) this.keyless.set(table, (t = { partitions: new Set(), changed: false }));
    t.partitions.add(here);
    if (c.type !== 'insert') t.changed = true;
    if (t.changed && t.partitions.size > 1) return { key: null, first: [...t.partitions].find((p) => p !== here)! };
    return null;
  }
}

const keyText = (v: string | null): string => (v === null ? 'NULL' : JSON.stringify(Buffer.from(v, 'latin1').toString('utf8')));

/**
 * Where the key columns are in a change's column list; null when one is missing. Decoders share one column
 * list per table shape, so this is computed once per list and key (not per change).
 */
const indexCache = new WeakMap<readonly string[], { key: readonly string[]; at: number[] | null }>();

function keyIndexes(key: readonly string[], columns: readonly string[]): number[] | null {
  const hit = indexCache.get(columns);
  if (hit && hit.key === key) return hit.at;
  const at: number[] = [];
  for (const k of key) {
    const i = columns.indexOf(k);
    if (i < 0) {
      indexCache.set(columns, { key, at: null });
      return null;
    }
    at.push(i);
  }
  indexCache.set(columns, { key, at });
  return at;
}

/** The remembered id of a row's key within its table (KeyGeneration). */
function keyId(at: number[], row: readonly (string | null)[]): string {
  const one = (v: string | null | undefined): string => (v === null || v === undefined ? '\u0001' : v);
  if (at.length === 1) return one(row[at[0]!]);
  let id = one(row[at[0]!]);
  for (let j = 1; j < at.length; j++) id += '\u0000' + one(row[at[j]!]);
  return id;
}

/** The refusal's text and fix for a finding (the job stops before the batch is applied). Pure. */
export function spreadRefusal(f: SpreadFinding): { message: string; fix: string } {
  const where = (p: TopicPartition): string => `${p.topic} partition ${p.partition}`;
  const message = f.key
    ? `The changes of one row of ${f.table} (${f.key}) are in two partitions: ${where(f.first)}, then ${where(f.then)} at offset ${f.offset}. Its messages are spread over partitions without the row's key, so one row's changes can be applied out of order.`
    : `${f.table} has no key, and its changes are spread over partitions (${where(f.first)}, then ${where(f.then)} at offset ${f.offset}, an update or delete among them): a keyless table's changes keep their order only in one partition, so an update or delete can be applied before the row it changes.`;
  const fix = f.key
    ? 'Partition the topic by the primary key: Canal: canal.mq.partitionHash=db.table:pk_column (or ^db\\..*$:$pk$); Debezium keys messages by the primary key (leave message.key.columns unset or name the key); Maxwell: producer_partition_by=primary_key. Then empty the sink table and consume the topic again from the start (the rows applied so far may be in the wrong order).'
    : 'Send the table to one partition: Canal: canal.mq.partitionHash=db.table (by table); Debezium: a topic of one partition for it (topic.creation) or a message key (message.key.columns=db.table:col,…); Maxwell: producer_partition_by=table. Or give the table a primary key. Then empty the sink table and consume the topic again from the start (the rows applied so far may be in the wrong order).';
  return { message, fix };
}
