// What a sink's preflight learns about the source's rows, in shapes no source kind owns: the source
// driver measures (SourcePreflight.rows), the sink judges against its own limits (the MySQL sink's
// max_allowed_packet, the Kafka brokers' message.max.bytes). Table names are "db.table".
import type { TableRef } from '../../shared/table-selection.js';

/** One table's largest row: measured, or bounded by its column definitions when too large to scan. */
export interface RowSize {
  table: string;
  /** The largest row's bytes (measured), or the column bound (not measured). */
  bytes: number;
  measured: boolean;
  /** The table's data size, when it was too large to measure. */
  dataBytes?: number;
}

/** One table's row sizes from the source's statistics, with its largest row when the source measured it. */
export interface RowEstimate {
  table: string;
  /** The average row's stored bytes (the source's statistics; 0 when it has none). */
  averageBytes: number;
  /** The largest row's stored bytes, when measured (its long values in full, the rest as the average); else null. */
  largestBytes: number | null;
}

/** The source's rows as a sink's preflight checks them; open only while the source's preflight is. */
export interface SourceRowSizes {
  /** The largest row of each table whose columns could hold a row of about `limit` bytes or more (tables that cannot are left out). */
  largestRows(tables: readonly TableRef[], limit: number): Promise<RowSize[]>;
  /** The row sizes of each table (every one of `tables` the source knows). */
  estimateRows(tables: readonly TableRef[]): Promise<RowEstimate[]>;
}
