// The one interface every sink implements. The pipeline owns ordering and positions; a sink writes
// what it is given, idempotently, and says when it is durable (the returned promise resolves).
import type { TableRef } from '../../shared/table-selection.js';
import type { SourcePosition } from '../core/position.js';
import type { CopyTable } from '../core/tables.js';
import type { RawRow, RowBytes } from '../core/rows.js';

export type OnExisting = 'fail' | 'truncate' | 'append';

export interface PreparedTable {
  /** True when this run created the sink table (or found it empty). */
  created: boolean;
  warnings: string[];
  /** Index definitions to add once the table's rows are loaded (see finishTable). */
  deferredIndexes: string[];
}

export interface Sink {
  readonly kind: string;
  /** Creates the database and table (or checks the existing one against `onExisting`). */
  prepareTable(t: CopyTable, onExisting: OnExisting, alreadyOurs: boolean): Promise<PreparedTable>;
  /**
   * How many prepareTable calls may run at once (absent: 1, one table after the other). A sink whose tables
   * are independent requests (a search cluster's indexes) lets the schema phase create them side by side.
   */
  readonly prepareConcurrency?: number;
  /**
   * The copy's workers share the chunks of one table (the first with chunks left) before they start the next,
   * rather than each taking the least busy table (absent: false). For a sink that does less work the fewer
   * tables it is written at once: a search cluster shares one indexing buffer among the shards being written,
   * so four indexes written side by side flush four times as many, four times smaller segments.
   */
  readonly copyTableByTable?: boolean;
  /**
   * After a table's rows are all written: carries out its deferred steps (indexes it does not have yet, an
   * index's settings restored…). Returns what it did, in the sink's own words for the job's log ("added 2
   * secondary index(es)"), or null when there was nothing left to do.
   */
  finishTable(t: CopyTable, deferredIndexes: string[]): Promise<string | null>;
  /** Creates views once the tables exist; returns one message per view not created. */
  createViews(views: { sql: string; name: TableRef }[]): Promise<string[]>;
  /** Once every table of the job is copied (each run): what needs them all, e.g. foreign keys; returns warnings. */
  finishCopy?(tables: CopyTable[]): Promise<string[]>;
  openWriter(): Promise<SinkWriter>;
  close(): Promise<void>;
}

/**
 * Rows on their way to a sink, already encoded in the sink's wire form as they arrive, so a batch
 * holds one compact buffer rather than an object per value (less garbage, bounded memory).
 */
export interface SinkBatch {
  readonly table: CopyTable;
  readonly rows: number;
  /** Bytes of source data added (the unit of metrics and batch sizing). */
  readonly bytes: number;
  add(row: RawRow): void;
  /** The same as add, from a row's bytes (a source's readChunkBytes); absent: the copy passes rowFromBytes to add. */
  addBytes?(row: RowBytes): void;
}

export interface SinkWriter {
  /** `snapshotAt`: the binlog position the rows are read at, when the copy knows it (Kafka read events carry it). */
  newBatch(t: CopyTable, snapshotAt?: SourcePosition): SinkBatch;
  /** Writes a batch idempotently (a row whose key exists is kept); resolves once durable. */
  write(batch: SinkBatch): Promise<void>;
  truncate(t: CopyTable): Promise<void>;
  close(): Promise<void>;
}

/** A copy chunk on its way through the gate: its rendered batches and what to record once durable. */
export interface ChunkPayload {
  batches: SinkBatch[];
  chunkId: number;
  tableId: number;
  /** Source "db.table". */
  table: string;
  rows: number;
  bytes: number;
}
