// Changes as a source delivers them to the stream: committed transactions of row changes, and DDL
// statements, each with the source position to resume from after it. A transaction larger than the
// reader's piece budget (ChangeReaderOptions.piece) comes as pieces marked "more follows" (no position to
// resume from) and then a final BinlogTransaction with the rest of its changes, its end and its GTID: memory
// stays bounded whatever the size of a source transaction, and the sink applies the pieces and the final
// part in one sink transaction.
import type { SourcePosition } from './position.js';
import { formatPosition, positionFromJson } from './position.js';
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

/**
 * A part of a source transaction still being read: more of it follows (further pieces, then the final part
 * as a BinlogTransaction with the end and the GTID). There is no position to resume from inside it.
 */
export interface TransactionPiece {
  kind: 'piece';
  /** Row changes of the included tables, in binlog order, after those of the transaction's earlier pieces. */
  changes: RowChange[];
  gtid: string | null;
  /**
   * Where the transaction began (the position after the event before it). Positions a stream compares
   * with (the copy's end, a snapshot's position) lie between transactions, so the transaction ends at or
   * before such a position exactly when it starts before it.
   */
  start: SourcePosition;
  /** Time of the transaction's first event, unix seconds. */
  timestamp: number;
}

/** Row changes of one message of a partitioned source (Kafka), named for messages ("the message at topic/0 offset 42"). */
export interface MessageChanges {
  kind: 'message';
  changes: RowChange[];
  label: string;
  /**
   * 'reconcile': the message may meet a row state from before a snapshot read still to come (README,
   * "Snapshot order in a topic"); absent: the mode the batch is applied in.
   */
  mode?: 'reconcile' | 'strict';
}

/** Names a transaction or piece for messages: "the source transaction ending at f:p (GTID g)" or "… after f:p (a piece)". */
export function transactionLabel(tx: BinlogTransaction | TransactionPiece | MessageChanges): string {
  if (tx.kind === 'message') return tx.label;
  const gtid = tx.gtid ? ` (GTID ${tx.gtid})` : '';
  return tx.kind === 'piece' ? `the source transaction after ${formatPosition(tx.start)}${gtid} (in a piece of it)` : `the source transaction ending at ${formatPosition(tx.end)}${gtid}`;
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

export type BinlogItem = BinlogTransaction | DdlEvent | TransactionPiece;

/** The bytes a row change counts for in batch and piece sizing: its row images' values (a NULL counts 1, a value its length + 3). */
export function rowBytes(c: RowChange): number {
  return imageBytes(c.before) + imageBytes(c.after);
}

function imageBytes(img: RowChange['before']): number {
  if (!img) return 0;
  let n = 0;
  for (let i = 0; i < img.length; i++) {
    const v = img[i];
    n += v === null || v === undefined ? 1 : v.length + 3;
  }
  return n;
}

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
