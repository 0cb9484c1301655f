// Changes as a source delivers them to the stream: whole committed transactions of row changes, and DDL
// statements, each with the source position to resume from after it.
import type { SourcePosition } from './position.js';
import { positionFromJson } from './position.js';
import type { MariadbGtidPosition, MysqlGtidPosition } from '../../shared/positions.js';
import type { RawRow } from './rows.js';

export interface RowChange {
  db: string;
  table: string;
  /** "db.table", one shared string per table (cheap map keys on the hot path). */
  name?: string;
  type: 'insert' | 'update' | 'delete';
  /** Old row (update, delete), values in `columns` order. */
  before: RawRow | null;
  /** New row (insert, update). */
  after: RawRow | null;
  /** Every column of the row image in table order, generated columns included (the copy skips those). */
  columns: string[];
}

export interface BinlogTransaction {
  kind: 'transaction';
  /** Row changes of the included tables, in binlog order; empty when the transaction touched none. */
  changes: RowChange[];
  gtid: string | null;
  /** The position after the commit event: resume from here. */
  end: SourcePosition;
  /** Commit event time, unix seconds. */
  timestamp: number;
}

export interface DdlEvent {
  kind: 'ddl';
  /** The statement's default database (may be '' when none was selected). */
  db: string;
  sql: string;
  end: SourcePosition;
  gtid: string | null;
  timestamp: number;
}

export type BinlogItem = BinlogTransaction | DdlEvent;

/** Where a source's change stream stands: its file position and, when it has one, its GTID position. */
export interface BinlogStatus {
  file: SourcePosition;
  /** The server's GTID position when it has one (MariaDB gtid_binlog_pos, MySQL gtid_executed). */
  gtid: MysqlGtidPosition | MariadbGtidPosition | null;
}

/**
 * A status stored as JSON (the state file's copy start/end positions), whatever version wrote it: older ones
 * stored the position as `{kind:'file',file,pos}`. Null when the column is empty or holds no status.
 */
export function readStoredStatus(json: string | null | undefined): BinlogStatus | null {
  if (!json) return null;
  let v: { file?: unknown; gtid?: unknown };
  try {
    v = JSON.parse(json) as { file?: unknown; gtid?: unknown };
  } catch {
    return null;
  }
  const file = positionFromJson(v?.file);
  if (!file) return null;
  const g = v.gtid as BinlogStatus['gtid'] | undefined;
  const gtid = g && (g.kind === 'mysql-gtid' || g.kind === 'mariadb-gtid') ? g : null;
  return { file, gtid };
}

/** A change held for a table paused at DDL (policy "pause-table"), in the state file until it is applied. */
export interface HeldChange {
  /** Source order; the sink records the last one applied per table. */
  id: number;
  /** The end of its source transaction. */
  end: SourcePosition;
  reconcile: boolean;
  change: RowChange;
}
