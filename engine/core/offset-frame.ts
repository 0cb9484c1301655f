// One partition batch in one sink transaction, framed the same way by every sink that stores a partitioned
// source's offsets with the rows (partition-offsets.ts): begin → lock the partition's offset row and read the
// stored offset → keep the unapplied part of the batch → guard the keyless tables' partitions
// (table-partitions.ts) → the messages → record the batch's skipped messages → store the next offset →
// commit. A message the sink refuses becomes MessageRefused at its offset. The sinks differ only in their
// statements (OffsetStatements) and in how they run a framed transaction (FramedApply).
import { MessageRefused, type GatedBatch, type SkippedMessage } from './bad-messages.js';
import { keylessTouches, type KeylessTouch } from './table-partitions.js';
import { unappliedPart, type BatchOutcome, type TopicPartition } from './partition-offsets.js';
import type { MessageChanges } from './changes.js';

/** A sink's own statements of the frame, run on the connection `C` of the batch's open transaction. */
export interface OffsetStatements<C> {
  /** Creates the partition's offset row if it is missing, locks it (FOR UPDATE), returns its next offset (null: none yet). */
  lockOffset(conn: C, tp: TopicPartition): Promise<string | null>;
  /** Records the partitions of the keyless tables the batch touches; refuses a spread (table-partitions.ts). */
  guardPartitions(conn: C, tp: TopicPartition, touches: KeylessTouch[]): Promise<void>;
  /** Records the messages the batch goes past deliberately (--skip-message). */
  recordSkips(conn: C, tp: TopicPartition, skipped: SkippedMessage[]): Promise<void>;
  /** Stores the offset after the batch. */
  storeOffset(conn: C, tp: TopicPartition, next: string): Promise<void>;
}

/**
 * The sink's framed transaction: BEGIN, `begin` (the parts to apply; null: nothing, rolled back), the parts'
 * changes (with the sink's exact fallback, which may call `begin` again in a new transaction), `end`, COMMIT.
 * Returns the parts applied.
 */
export type FramedApply<C> = (frame: { begin(conn: C): Promise<MessageChanges[] | null>; end(conn: C): Promise<void> }) => Promise<number>;

/** The part of the batch a refusal names (the sink's change error), with the server's message; null: not a refusal of one part. */
export type RefusedPart = (e: unknown) => { tx: unknown; message: string } | null;

/** Applies a partition batch exactly once through the sink's frame and statements. */
export async function applyOffsetBatch<C>(batch: GatedBatch, apply: FramedApply<C>, stmts: OffsetStatements<C>, keyless: (table: string) => boolean, refused: RefusedPart): Promise<BatchOutcome> {
  let skipped = 0;
  // Which message each part is, to name the one the sink refuses.
  const offsetOf = new Map<unknown, string>();
  const applied = await apply({
    begin: async (conn) => {
      const part = unappliedPart(batch, await stmts.lockOffset(conn, batch));
      skipped = part.skipped;
      if (!part.move) return null;
      await stmts.guardPartitions(conn, batch, keylessTouches(part.messages, keyless));
      offsetOf.clear();
      return part.messages.map((m) => {
        const mc: MessageChanges = { kind: 'message' as const, changes: m.changes, label: `the message at ${batch.topic} partition ${batch.partition} offset ${m.offset}`, ...(m.lenient ? { mode: 'reconcile' as const } : {}) };
        offsetOf.set(mc, m.offset);
        return mc;
      });
    },
    end: async (conn) => {
      if (batch.skipped?.length) await stmts.recordSkips(conn, batch, batch.skipped);
      await stmts.storeOffset(conn, batch, batch.next);
    },
  }).catch((e: unknown) => {
    const r = refused(e);
    const at = r ? offsetOf.get(r.tx) : undefined;
    if (!r || at === undefined) throw e;
    throw new MessageRefused(
      at,
      r.message,
      `Correct the sink (the row that conflicts, the column's type or constraint), or the producer; then run the job again: the partition is retried from this message (nothing after it was applied). To go past it instead: cutover skip-message ${batch.topic}:${batch.partition}:${at} --job JOB (or cutover run JOB --skip-message ${batch.topic}:${batch.partition}:${at}).`,
    );
  });
  return { applied, skipped };
}
