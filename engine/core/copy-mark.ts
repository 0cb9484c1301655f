// The record header by which Cutover's Kafka producer tells its consumers where a snapshot+stream topic
// still interleaves a table's copy with its changes (README, "Snapshot order in a topic"). The producer
// (engine/sink/kafka) writes it; the Kafka source (engine/source/kafka/apply-mode.ts) reads it. A header,
// not a field of the value: the Debezium, Canal and Maxwell messages stay exactly what their consumers
// parse, and consumers that do not know the header ignore it.

/** Header name. */
export const COPY_MARK_HEADER = 'cutover.copy';

/**
 * `row`: a copied row (a snapshot read), published at its chunk's snapshot position among the changes.
 * `pending`: a change published while its table's copy still had chunks to publish (a read of the same key
 * may follow it in the partition).
 */
export type CopyMark = 'row' | 'pending';

export function copyMarkOf(value: string | Buffer | (string | Buffer)[] | undefined | null): CopyMark | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v === null) return null;
  const s = typeof v === 'string' ? v : v.toString('utf8');
  return s === 'row' || s === 'pending' ? s : null;
}
