// How a consumed message is applied: strictly (an insert must not find its key, an update or delete must
// find its row: anything else is divergence and pauses the partition) or leniently ('reconcile': an insert
// or a new image replaces whatever holds the key, an update of a missing row inserts its after image, a
// delete of a missing row does nothing). Derived from what the message carries, never guessed:
//
// - A topic written by a snapshot+stream producer holds, for each key, its changes up to the snapshot
//   position P of the key's chunk, then the read of the row as it stood at P, then its changes after P
//   (Cutover: engine/core/chunk-gate.ts). A consumer that starts from empty tables meets the changes before P with no row (or a row
//   the read replaces): updates and deletes of missing rows, inserts of keys a later read also holds.
//   Applied leniently, those changes leave whatever they leave and the read then sets the row as it was at
//   P (a key absent at P has a delete as its last change before P, which removes it); the changes after P
//   apply to exactly that state. Lenient application of a sequence that strict application accepts gives
//   the same rows, so leniency only ever loses the divergence check, never a value.
// - A read is always placed after every change of its key up to P and before every later one, so a read
//   never overwrites a newer change already applied: no per-key position has to be kept.
// - So: a read is applied leniently (it may repeat: a snapshot restarted, a chunk published again), and a
//   change leniently while a read of its key may still follow it. Cutover's producer says so per record
//   (header cutover.copy: row / pending, engine/core/copy-mark.ts); once the table's last chunk is
//   published its changes carry no mark and are applied strictly again.
//
// Without Cutover's header every message is applied strictly, whatever the format:
// - Debezium op "r": the real Debezium's snapshot position is not always exact. Measured
//   (test/integration/kafka-real-debezium.test.ts, MariaDB connector 3.5): a row inserted while the connector
//   started was read by the snapshot (op "r", source.pos 123314) and its insert was then also streamed (op
//   "c", source.pos 123519, after the read's position): a change positioned after a read can already be in
//   it, and nothing in the messages says where that window ends. Applied strictly, such a pair passes only
//   when both are in one sink batch (its net effect is one insert); otherwise the partition pauses, named.
// - Maxwell "bootstrap-insert": Maxwell bootstraps with a plain SELECT while its binlog replication goes on
//   and the bootstrap rows carry no position, so a bootstrap row can be older than a change published
//   before it; replacing would lose that change.
// - Canal has no snapshot (a copied row is an INSERT, with no position).
// - A table without a key is always applied strictly (a row cannot be named without a key); Cutover's
//   producer publishes a keyless table's changes only after its one chunk, so strict is exact for it.
import { copyMarkOf, COPY_MARK_HEADER } from '../../core/copy-mark.js';
import type { DecodedRows } from './formats/decode.js';
import type { Lenient } from '../../core/partition-offsets.js';

export type Headers = Record<string, string | Buffer | (string | Buffer)[] | undefined>;

/** Whether a decoded row message is applied leniently ('reconcile'), and as what; null: strictly. See the header. Pure. */
export function lenientAs(_d: Pick<DecodedRows, 'format' | 'snapshotRead'>, headers: Headers | undefined | null): Lenient | null {
  const mark = copyMarkOf(headers?.[COPY_MARK_HEADER]);
  return mark === 'row' ? 'read' : mark === 'pending' ? 'change' : null;
}

/** Whether a decoded row message is applied leniently (lenientAs is not null). Pure. */
export function appliesLeniently(d: Pick<DecodedRows, 'format' | 'snapshotRead'>, headers: Headers | undefined | null): boolean {
  return lenientAs(d, headers) !== null;
}
