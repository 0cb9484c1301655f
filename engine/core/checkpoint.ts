// What the stream pipeline knows of a sink's stored position and of the tables it applies changes to.
import type { FilePosition } from '../../shared/positions.js';
import type { TableRef } from '../../shared/table-selection.js';
import type { TableInfo } from './tables.js';

export interface Checkpoint {
  position: FilePosition;
  gtid: string | null;
  pendingDdl: string | null;
  /** A repair rewrote rows to their state at this position: batches starting at or before it are reconciled. */
  reconcileUntil?: FilePosition | null;
}

export type ApplyMode = 'reconcile' | 'strict';

export interface ApplierTable {
  /** Where the rows go on the sink. */
  sink: TableRef;
  /** The source table (columns in table order, chunk key). */
  info: TableInfo;
}
