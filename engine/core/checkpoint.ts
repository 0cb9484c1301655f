// What the stream pipeline knows of a sink's stored position and of the tables it applies changes to.
import { comparePositions, type SourcePosition } from './position.js';
import type { BinlogTransaction } from './changes.js';
import type { TableRef } from '../../shared/table-selection.js';
import type { JobConfig } from '../../shared/job-config.js';
import { excludedColumns, sinkName } from '../../shared/table-selection.js';
import type { TableInfo } from './tables.js';

export interface Checkpoint {
  position: SourcePosition;
  gtid: string | null;
  pendingDdl: string | null;
  /** A repair rewrote rows to their state at this position: batches starting at or before it are reconciled. */
  reconcileUntil?: SourcePosition | null;
}

export type ApplyMode = 'reconcile' | 'strict';

export interface ApplierTable {
  /** Where the rows go on the sink. */
  sink: TableRef;
  /** The source table (columns in table order, chunk key). */
  info: TableInfo;
}

/** The applier's view of a source table: its sink name and the columns that travel. */
export function applierTable(cfg: Pick<JobConfig, 'rename' | 'columns'>, info: TableInfo): ApplierTable {
  const excluded = excludedColumns(cfg, info);
  return { sink: sinkName(cfg, info), info: { ...info, columns: info.columns.filter((c) => !excluded.has(c.name)) } };
}

/** The owner columns of a checkpoint row. */
export interface CheckpointOwnerColumns {
  installation: string;
  instance: string;
  label: string;
}

/** Transactions not yet applied: those ending after the checkpoint. Pure. */
export function pendingTransactions(txs: BinlogTransaction[], checkpoint: SourcePosition | null): BinlogTransaction[] {
  if (!checkpoint) return txs;
  return txs.filter((t) => comparePositions(t.end, checkpoint) > 0);
}

/**
 * The mode a batch is applied in: 'reconcile' when its first transaction ends at or before the
 * checkpoint's reconcile_until (rows a repair rewrote may already hold its changes), else the mode the
 * stream gave. Pure.
 */
export function effectiveMode(given: ApplyMode, firstEnd: SourcePosition, reconcileUntil: SourcePosition | null | undefined): ApplyMode {
  return reconcileUntil && comparePositions(firstEnd, reconcileUntil) <= 0 ? 'reconcile' : given;
}

/**
 * How the pieces of a source transaction are applied, decided once at its first piece from the sink's
 * checkpoint (read in the sink transaction they open): skipped when the transaction starts before the
 * checkpoint (checkpoints lie between transactions, so it ends at or before it: already applied), in
 * 'reconcile' when it starts before the checkpoint's reconcile_until, else in the mode the stream gave. Pure.
 */
export function piecesPlan(start: SourcePosition, cp: Checkpoint | null, given: ApplyMode): { mode: ApplyMode; skip: boolean } {
  const skip = cp !== null && comparePositions(start, cp.position) < 0;
  const reconcile = !!cp?.reconcileUntil && comparePositions(start, cp.reconcileUntil) < 0;
  return { mode: reconcile ? 'reconcile' : given, skip };
}
