// How a consumed message is applied: strictly (an insert must not find its key, an update or delete must
// find its row: anything else is divergence and pauses the partition) or leniently ('reconcile': an insert
// or a new image replaces whatever holds the key, an update of a missing row inserts its after image, a
// delete of a missing row does nothing). Derived from what the message carries, never guessed:
//
// - A topic written by a snapshot+stream producer holds, for each key, its changes up to the snapshot
//   position P of the key's chunk, then the read of the row as it stood at P, then its changes after P
//   (Cutover: engine/core/chunk-gate.ts; Debezium's initial snapshot reads everything at one P before it
//   streams from P, and its incremental snapshots drop a chunk's read of a key changed inside the chunk's
//   window). A consumer that starts from empty tables meets the changes before P with no row (or a row
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
// Per format, without Cutover's header:
// - Debezium op "r" (source.snapshot true/first/last/incremental…): lenient, by the order above. Its
//   changes carry no snapshot flag, and in an initial snapshot all follow every read: strict.
// - Maxwell "bootstrap-insert" of the real Maxwell: strict. Maxwell bootstraps with a plain SELECT while
//   its binlog replication goes on and the bootstrap rows carry no position, so a bootstrap row can be
//   older than a change published before it; replacing would lose that change. A consumer of such a topic
//   pauses at the first conflict (the fix: bootstrap with the writes stopped, or let Cutover produce it).
// - Canal has no snapshot (a copied row is an INSERT, with no position): strict.
// - A table without a key is always applied strictly (a row cannot be named without a key); Cutover's
//   producer publishes a keyless table's changes only after its one chunk, so strict is exact for it.
import { copyMarkOf, COPY_MARK_HEADER } from '../../core/copy-mark.js';
import type { DecodedRows } from './formats/decode.js';
import type { Lenient } from '../../core/partition-offsets.js';

export type Headers = Record<string, string | Buffer | (string | Buffer)[] | undefined>;

/** Whether a decoded row message is applied leniently ('reconcile'), and as what; null: strictly. See the header. Pure. */
export function lenientAs(d: Pick<DecodedRows, 'format' | 'snapshotRead'>, headers: Headers | undefined | null): Lenient | null {
  const mark = copyMarkOf(headers?.[COPY_MARK_HEADER]);
  if (mark === 'pending') return d.snapshotRead ? 'read' : 'change';
  if (mark === 'row') return 'read';
  return d.format === 'debezium' && d.snapshotRead === true ? 'read' : null;
}

/** Whether a decoded row message is applied leniently (lenientAs is not null). Pure. */
export function appliesLeniently(d: Pick<DecodedRows, 'format' | 'snapshotRead'>, headers: Headers | undefined | null): boolean {
  return lenientAs(d, headers) !== null;
}
