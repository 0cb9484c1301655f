// A source read as partitions with offsets (Kafka topics), and the sink that applies it exactly once.
//
// Such a source has no single position: each topic-partition has its own, the offset of the next message
// to read. The sink stores, in the same transaction as the rows, the next offset of every partition it
// applied (one row per topic-partition), locks that row before it applies a batch of the partition, and
// drops the messages below the stored offset. Whoever holds the partition now, a consumer that lost it in
// a rebalance and still applies an old batch (a zombie), or a process that restarted and reads a batch
// again, a message is applied once. The consumer seeks each partition it is assigned to the sink's offset
// (the group's committed offsets are written for monitoring only and never trusted over the sink's).
import type { RowChange } from './changes.js';
import type { ApplierTable } from './checkpoint.js';
import type { TableInfo } from './tables.js';
import type { TableRef } from '../../shared/table-selection.js';
import type { BadMessage, GatedBatch, MessageRef, SkipRequest } from './bad-messages.js';

/** A topic-partition. */
export interface TopicPartition {
  topic: string;
  partition: number;
}

/** "topic/partition": the key of a partition in maps and in the sink's offset rows. */
export function partitionKey(tp: TopicPartition): string {
  return `${tp.topic}/${tp.partition}`;
}

/** One consumed message, decoded: its row changes (of the job's tables only), in message order. */
export interface PartitionMessage {
  /** Kafka offsets are 64-bit: kept as decimal text. */
  offset: string;
  changes: RowChange[];
  /** The message's timestamp (ms since the epoch), for lag in seconds; null when unknown. */
  timestampMs: number | null;
  /**
   * Applied leniently ('reconcile'): a snapshot read, or a change published while its table's snapshot
   * still had reads to come (engine/source/kafka/apply-mode.ts). Absent: strictly.
   */
  lenient?: Lenient;
}

/** Why a message is applied leniently: a snapshot read, or a change published while its table's copy went on. */
export type Lenient = 'read' | 'change';

/** Consecutive messages of one partition, applied in one sink transaction. */
export interface PartitionBatch extends TopicPartition {
  /** In offset order; may be empty (every message was of other tables, or skipped): only the offset moves. */
  messages: PartitionMessage[];
  /** The offset after the batch's last message: what the sink stores. */
  next: string;
}

/** What a batch did on the sink. */
export interface BatchOutcome {
  /** Messages applied now. */
  applied: number;
  /** Messages the sink already had (below its stored offset): dropped. */
  skipped: number;
}

/** What a mapped DDL statement changes (engine/mysql/ddl-mapper.ts DdlTarget, restated: core names no endpoint). */
export interface DdlTableChange {
  source: TableRef;
  change: 'create' | 'alter' | 'drop' | 'rename' | 'truncate' | 'index';
  renamedTo?: TableRef;
}

/** A DDL message of a partition, as the sink applies it with the partition's offset. */
export interface OffsetDdl extends TopicPartition {
  /** The DDL message's offset: the stored offset moves past it. */
  offset: string;
  /** The statement as the source ran it, and its default database. */
  sql: string;
  db: string;
  /** The statement with the job's names (tables, renames) and what it changes; null: nothing to run, only the offset moves. */
  mapped: { sql: string; targets: DdlTableChange[] } | null;
}

/** The sink side of a partitioned source: offsets stored with the rows (capability `partitionOffsets`). */
export interface OffsetTarget {
  /** The next offset the sink expects, for each of these partitions it has applied something of (others absent). */
  offsets(parts: TopicPartition[]): Promise<Map<string, string>>;
  /**
   * One sink transaction: lock the partition's offset row, drop what is below it, apply the rest, record the
   * batch's skipped messages, store `next`. A message the sink refuses: MessageRefused (nothing applied).
   */
  applyBatch(batch: GatedBatch): Promise<BatchOutcome>;
  /**
   * Runs a DDL statement (mapped by the caller; the sink translates it to its own dialect) and stores the
   * partition's offset past it, as atomically as the sink allows: PostgreSQL in one transaction; MySQL
   * (whose DDL commits by itself) journals the statement first, so a crash between the statement and the
   * offset is recognised on replay and the statement is not applied twice. A statement the sink refuses or
   * cannot translate: MessageRefused at its offset (nothing changed). 'already': the offset was past it, or
   * the journal showed the statement ran before a crash. `statementRun`: called after the statement, before
   * the offset (a crash point for tests).
   */
  applyDdl(d: OffsetDdl, statementRun?: () => void): Promise<'applied' | 'already'>;
  /** Records the message a partition paused at (the sink keeps the record for the skip and its audit). */
  recordBadMessage(b: BadMessage): Promise<void>;
  /**
   * Records `--skip-message` requests (who, when): only for a message that paused its partition and that the
   * partition has not passed yet; anything else is refused with the reason (nothing recorded).
   */
  requestSkips(refs: MessageRef[], requestedBy: string): Promise<void>;
  /** The skips requested and not yet carried out for these partitions. */
  skipRequests(parts: TopicPartition[]): Promise<SkipRequest[]>;
  /** The sink's table of that name as it is now; null when the sink has none. */
  readSinkTable(ref: TableRef): Promise<TableInfo | null>;
  /** From now on, a source table's changes go to this sink table with these columns. */
  setTable(sourceName: string, t: ApplierTable): void;
  close(): Promise<void>;
}

/** Compares two offsets (decimal text, any size). */
export function compareOffsets(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The part of a batch the sink does not have yet: the messages at or after the stored next offset (null:
 * none stored, all of it). `move`: whether the stored offset moves (a batch wholly below it leaves it). Pure.
 */
export function unappliedPart(batch: PartitionBatch, stored: string | null): { messages: PartitionMessage[]; skipped: number; move: boolean } {
  if (stored === null) return { messages: batch.messages, skipped: 0, move: true };
  const messages = batch.messages.filter((m) => compareOffsets(m.offset, stored) >= 0);
  return { messages, skipped: batch.messages.length - messages.length, move: compareOffsets(batch.next, stored) > 0 };
}

/** One partition as a consumer process sees it: where it stands and how far behind the end it is. */
export interface PartitionProgress extends TopicPartition {
  /** The next offset to apply (what the sink stores), null before the first batch or seek. */
  offset: string | null;
  /** The partition's end (high watermark; read_committed: the last stable offset), null until fetched. */
  end: string | null;
  /** Messages behind the end; null when either is unknown. */
  lag: number | null;
  /** Age of the last applied message (ms), null when none was applied yet. */
  lagMs: number | null;
  /** The message the partition is paused at (it does not decode, or the sink refused it); absent when it flows. */
  paused?: BadMessage;
}

/** Lag in messages: end − offset, never below 0; null when either is unknown. Pure. */
export function messageLag(offset: string | null, end: string | null): number | null {
  if (offset === null || end === null) return null;
  const d = BigInt(end) - BigInt(offset);
  return d > 0n ? Number(d) : 0;
}
