// The shape of a table and its columns as the source describes them (read by each source driver).
import type { TableRef } from '../../shared/table-selection.js';

export interface ColumnInfo {
  name: string;
  dataType: string; // lower-case DATA_TYPE, e.g. "varchar", "float", "bit"
  columnType: string; // full COLUMN_TYPE, e.g. "bigint(20) unsigned"
  charset: string | null;
  collation: string | null;
  nullable: boolean;
  generated: boolean;
  /**
   * A text column whose values are JSON documents: MariaDB's JSON type, which is LONGTEXT with a
   * `CHECK (json_valid(col))` constraint (information_schema says longtext). Sinks that write JSON as
   * JSON (search documents, PostgreSQL's jsonb) treat it like MySQL's JSON type.
   */
  jsonText?: boolean;
}

export interface TableInfo extends TableRef {
  columns: ColumnInfo[];
  /** Columns of the primary key or first NOT NULL unique key, in index order; empty when none. */
  chunkKey: string[];
  chunkKeyName: string | null;
  engine: string | null;
  estimatedRows: number;
  dataBytes: number;
  createSql: string;
  /** MariaDB system-versioned table: only its current rows are readable by SELECT, and copied. */
  systemVersioned: boolean;
}

/** One table as the copy moves it: where it comes from, where it goes, which columns travel. */
export interface CopyTable {
  stateId: number;
  source: TableInfo;
  sink: TableRef;
  /** Columns read and written, in order: no generated and no excluded columns. */
  columns: ColumnInfo[];
  /** Chunk key columns (a subset of `columns`); empty for a table without any unique key. */
  keyColumns: ColumnInfo[];
  where?: string;
}
