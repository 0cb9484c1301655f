// Where a stream's changes go: a MySQL/MariaDB sink (ChangeApplier, checkpoint row in the sink; a
// DdlStatementSink), PostgreSQL (PgChangeSink) or Kafka (KafkaStreamTarget, checkpoint after the brokers'
// acknowledgement or inside the transaction). The stream runner reads the binlog, batches transactions,
// and hands them here; the target alone decides when a position is durable.
import type { SourcePosition } from '../core/position.js';
import type { BinlogTransaction, DdlEvent, HeldChange, TransactionPiece } from '../core/changes.js';
import type { ApplierTable, ApplyMode, Checkpoint } from '../core/checkpoint.js';
import type { ChunkGate } from '../core/chunk-gate.js';
import type { ChunkPayload } from './sink.js';
import type { JobConfig } from '../../shared/job-config.js';
import type { TableRef } from '../../shared/table-selection.js';
import type { Logger } from '../core/logger.js';
import type { TableInfo } from '../core/tables.js';
import type { StateStore } from '../state/store.js';
import type { StreamStore } from '../state/stream-store.js';

/**
 * What every change sink needs to handle a DDL statement, whatever its kind: the job, the state file's
 * stores (schema history, table ids), the source's current definition of a table, and a statement the
 * operator chose to skip. The pipeline's context (pipeline/stream-ddl.ts DdlContextBase) extends it.
 */
export interface StreamDdlContext {
  cfg: JobConfig;
  jobId: number;
  store: StateStore;
  streams: StreamStore;
  log: Logger;
  /** The table's definition on the source now, or null when it no longer exists there. */
  readSourceTable(ref: TableRef): Promise<TableInfo | null>;
  /** State-file table ids by source "db.table" (for counters); updated here. */
  tableIds: Map<string, number>;
  /** The position text of a paused statement the operator chose to skip (--skip-ddl), or null. */
  skipAt: string | null;
}

/**
 * A change sink that runs the source's DDL statements itself, mapped to its own names (the MySQL/MariaDB
 * sink's change applier): what the stream's DDL handling (pipeline/stream-ddl.ts: mapping, the job's DDL
 * policy, schema history) needs of it.
 */
export interface DdlStatementSink {
  /**
   * Runs `sql` on the sink (null: nothing to run, only the checkpoint moves) and moves the checkpoint past
   * `end`. With `alreadyOk`, an error saying the statement's effect is already there (the copy read the
   * table after it) counts as applied: 'already'. A statement the sink refuses throws the sink's error,
   * with its numeric `errno`.
   */
  applyDdl(sql: string | null, end: SourcePosition, gtid: string | null, alreadyOk?: boolean): Promise<'applied' | 'already'>;
  /** Applies a source table's changes with this definition from now on (after a statement changed it). */
  setTable(sourceName: string, t: ApplierTable): void;
  /** Forgets a source table dropped (or renamed away) by a statement. */
  dropTable(sourceName: string): void;
  /** The sink's own table (its name on the sink) as it stands now; null when the sink has no such table. */
  readSinkTable(ref: TableRef): Promise<TableInfo | null>;
}

/**
 * A sink with the `orderedCopy` capability: copy chunks pass through the gate, which publishes each at its
 * snapshot's source position between the stream's changes; a keyless table's changes are held until its
 * single chunk is published.
 */
export interface OrderedCopy {
  readonly gate: ChunkGate<ChunkPayload>;
  readonly held: Set<string>;
  /**
   * Source tables ("db.table") whose copy may still publish chunks, each with a check that its copy is
   * complete (every chunk published). The changes of such a table are published with the cutover.copy
   * header 'pending' (engine/core/copy-mark.ts) until the check says so: a consumer applies them leniently.
   */
  readonly copying: Map<string, () => boolean>;
}

/**
 * `Ctx`: what the stream hands a target with each DDL statement (the pipeline's DdlContextBase); a target
 * declares the part of it that it uses.
 */
export interface StreamTarget<Ctx = unknown> {
  /** The job's stored position, or null when it has applied nothing yet. */
  checkpoint(): Promise<Checkpoint | null>;
  /** Stores a position with no changes (where a new stream starts). */
  setCheckpoint(end: SourcePosition, gtid: string | null): Promise<void>;
  setTable(sourceName: string, t: ApplierTable): void;
  table(sourceName: string): ApplierTable | undefined;
  /** Applies the transactions after the checkpoint and moves it, durably; returns how many were applied. */
  apply(txs: BinlogTransaction[], mode: ApplyMode): Promise<number>;
  /**
   * Optional: the batch the next apply() will most likely be given (the same array), handed over as soon as
   * it is complete, while the previous apply() may still be running. A target that offers it lets the stream
   * keep reading and batching while it applies (at most one apply() runs at a time, in order, as always):
   * it may do the batch's CPU work here (e.g. build its statements), and must check in apply() that what
   * it prepared still holds (the same transactions still pending, the same mode and table definitions).
   */
  prepare?(txs: BinlogTransaction[], mode: ApplyMode): void;
  /**
   * Capability `transactionPieces`: applies a piece of a source transaction (more of it follows) inside a
   * sink transaction that stays open: the first piece opens it (and locks the checkpoint), later pieces
   * continue it, and the next apply() (whose first transaction is the final part) continues and commits it
   * with the checkpoint. Each piece's changes are applied as their own net effect, in order. A failure or
   * close() rolls it back. The piece's mode is the same for every part of one source transaction.
   */
  applyPiece?(piece: TransactionPiece, mode: ApplyMode): Promise<void>;
  /** Handles one DDL statement (apply or publish it, record the new definitions) and moves the checkpoint past it. */
  ddl(ctx: Ctx, ev: DdlEvent, reconciling: boolean): Promise<void>;
  /** The reader has nothing more up to `at`: a chance to publish what waits for that position (Kafka copy chunks). */
  idle?(at: SourcePosition): Promise<void>;
  /** Applies the held changes of tables paused at DDL (policy "pause-table"); absent: the sink cannot. */
  heldSink?(ctx: Ctx): HeldSink;
  /** Present on a sink with the `orderedCopy` capability (see OrderedCopy). */
  readonly orderedCopy?: OrderedCopy;
  /** Present on a sink with the `heartbeatOnSink` capability (see SinkHeartbeat). */
  readonly heartbeat?: SinkHeartbeat;
  /** Ends this session's connections (a new session opens the target again). */
  close(): Promise<void>;
}

/**
 * A change sink that keeps the source heartbeat as a record of its own (the search sink's heartbeat
 * document): the stream hands it each heartbeat instead of measuring the lag itself, the sink writes it with
 * the batch that holds the transactions before it, and the heartbeat lag shown is the record's age read back
 * from the sink.
 */
export interface SinkHeartbeat {
  /** Where the record is, for people ("cutover-heartbeat/_doc/JOB"). */
  readonly where: string;
  /** The job's heartbeat, written on the source at `writtenMs`, read at `at` (null: inside a transaction read in pieces). */
  note(writtenMs: number, at: SourcePosition | null): void;
  /** Now minus the heartbeat time of the record on the sink, read from the sink; null when there is none yet. */
  ageMs(): Promise<number | null>;
}

/** How a stream target applies held changes (a MySQL sink; a Kafka sink refuses "pause-table"). */
export interface HeldSink {
  /** The id of the last held change the sink has for the table's pause (0: none). */
  heldApplied(table: string, from: SourcePosition): Promise<number>;
  /** Applies the changes after the sink's marker and moves it, in one sink transaction; returns the marker. */
  applyHeld(table: string, from: SourcePosition, changes: HeldChange[], mode: ApplyMode): Promise<number>;
  /** The operator resolved the statement(s): take the table's definition from the sink as it is now, from `from` on. */
  adoptDefinition(table: string, from: SourcePosition, ddl: string): Promise<void>;
}
