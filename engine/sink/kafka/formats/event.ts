// The input of the Kafka message formats: one row change (a copied row or a binlog row event), kept
// independent of the MySQL sink. Values are RawValue byte strings (engine/mysql/values.ts): exactly the bytes
// the server stores, the same whether the row was read by the snapshot or decoded from the binlog.
import type { RawValue } from '../../../core/rows.js';
import type { ColumnInfo, TableInfo } from '../../../core/tables.js';
import type { CopyMark } from '../../../core/copy-mark.js';

/** What a format needs to know about a column: the real ColumnInfo fits (extra fields are ignored). */
export type KafkaColumn = Pick<ColumnInfo, 'name' | 'dataType' | 'columnType' | 'charset' | 'nullable'>;

/**
 * A table as the formats see it. `{ ...tableInfo, keyColumns: tableInfo.chunkKey }` fits: the key is the
 * primary key or, lacking one, the first NOT NULL unique key (what MySQL's `SHOW COLUMNS` marks PRI, Canal's
 * `isKey`, and Debezium's "primary key, or the unique key if the table does not have a primary key").
 * Empty for a table without such a key.
 */
export interface KafkaTable extends Pick<TableInfo, 'db' | 'table'> {
  /** Columns in image order (the order of `before` / `after`). */
  columns: readonly KafkaColumn[];
  keyColumns: readonly string[];
}

export type ChangeOp = 'r' | 'c' | 'u' | 'd';

export interface SourceInfo {
  /** server_id of the server that wrote the event; null for copied rows (Debezium then writes 0). */
  serverId: number | null;
  /** Binlog file and position of the event (for copied rows: the position the copy started from). */
  file: string | null;
  pos: number | null;
  /** GTID of the event's transaction ("uuid:n" or MariaDB "d-s-n"), null when none. */
  gtid: string | null;
  /** Event time in ms (binlog event timestamp; for copied rows the time the row was read). */
  tsMs: number;
  /** Copied rows: true, or 'last' for the last row of the whole copy; binlog events: false. */
  snapshot: boolean | 'last';
  /** Index of this row in its binlog rows event (Debezium source.row). */
  row: number;
  /** The SQL text of the statement (binlog_rows_query_log_events), when known. */
  query?: string | null;
  /** Thread (connection) id of the statement, when known. */
  thread?: number | null;
  /** The transaction's XID (InnoDB commit), when known. */
  xid?: number | null;
  /** Logical server name (Debezium source.name, topic.prefix), e.g. the job name. */
  serverName: string;
  /** Version written to Debezium source.version. */
  version: string;
  connector: 'mysql';
}

export interface ChangeEventInput {
  op: ChangeOp;
  table: KafkaTable;
  /** Row before the change (u, d), values in `table.columns` order; null otherwise. */
  before: RawValue[] | null;
  /** Row after the change (r, c, u); null otherwise. */
  after: RawValue[] | null;
  source: SourceInfo;
  /** When Cutover produced the message, ms. */
  tsMs: number;
  /** Maxwell: this is the last row of its transaction ("commit": true). */
  txCommit?: boolean;
  /**
   * The record's cutover.copy header (engine/core/copy-mark.ts): 'row' on a copied row, 'pending' on a
   * change published while its table's copy still had chunks to publish.
   */
  copyMark?: CopyMark;
}

export type KafkaFormat = 'debezium' | 'canal' | 'maxwell';
export type KeyMode = 'pk' | 'table';

/** One Kafka record: key and value as JSON text (null value = tombstone), and what picks its partition. */
export interface KafkaMessage {
  key: string | null;
  value: string | null;
  /** Same string → same partition (see partitionKey in index.ts). */
  partitionKey: string;
  /** Record headers (Debezium primary-key changes: __debezium.newkey / __debezium.oldkey). */
  headers?: Record<string, string>;
}

export interface RenderOptions {
  /** How the partition is chosen: by the row's key (default) or by db.table. Does not change the key. */
  keyMode?: KeyMode;
  /** Debezium `tombstones.on.delete` (default true): renderMessages adds a tombstone after a delete. */
  tombstonesOnDelete?: boolean;
  /** Maxwell `output_primary_keys` + `output_primary_key_columns` (default false). */
  maxwellPrimaryKeys?: boolean;
  /** Canal writes ENUM as its 1-based index and SET as its bit mask (what Canal does); true: their text. */
  canalEnumText?: boolean;
}

/** A DDL statement for the schema-change topic. */
export interface SchemaChangeInput {
  /** The statement's default database (the database it applies to). */
  db: string;
  ddl: string;
  /** Binlog position of the statement. */
  position: { file: string | null; pos: number | null; gtid?: string | null };
  /** Event time, ms. */
  tsMs: number;
  /** The table it changes, when known. */
  table?: string | null;
  /** When Cutover produced it, ms (default tsMs). */
  producedMs?: number;
  /** Debezium source block (defaults: serverName '', version '', serverId 0). */
  serverName?: string;
  version?: string;
  serverId?: number | null;
  thread?: number | null;
}
