// Where a stream's changes go: a MySQL/MariaDB sink (ChangeApplier, checkpoint row in the sink) or Kafka
// (KafkaStreamTarget, checkpoint after the brokers' acknowledgement or inside the transaction). The stream
// runner reads the binlog, batches transactions, and hands them here; the target alone decides when
// a position is durable.
import type { FilePosition } from '../../shared/positions.js';
import type { DdlContextBase } from './stream-ddl.js';
import type { HeldSink } from './held-tables.js';
import type { BinlogTransaction, DdlEvent } from '../core/changes.js';
import type { ApplierTable, ApplyMode, Checkpoint } from '../core/checkpoint.js';

export interface StreamTarget {
  /** The job's stored position, or null when it has applied nothing yet. */
  checkpoint(): Promise<Checkpoint | null>;
  /** Stores a position with no changes (where a new stream starts). */
  setCheckpoint(end: FilePosition, gtid: string | null): Promise<void>;
  setTable(sourceName: string, t: ApplierTable): void;
  table(sourceName: string): ApplierTable | undefined;
  /** Applies the transactions after the checkpoint and moves it, durably; returns how many were applied. */
  apply(txs: BinlogTransaction[], mode: ApplyMode): Promise<number>;
  /** Handles one DDL statement (apply or publish it, record the new definitions) and moves the checkpoint past it. */
  ddl(ctx: DdlContextBase, ev: DdlEvent, reconciling: boolean): Promise<void>;
  /** The reader has nothing more up to `at`: a chance to publish what waits for that position (Kafka copy chunks). */
  idle?(at: FilePosition): Promise<void>;
  /** Applies the held changes of tables paused at DDL (policy "pause-table"); absent: the sink cannot. */
  heldSink?(ctx: DdlContextBase): HeldSink;
  /** Ends this session's connections (a new session opens the target again). */
  close(): Promise<void>;
}
