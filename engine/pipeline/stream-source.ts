// What the stream needs from its source, whatever the kind: a change reader from a position, a check that
// the position is still there, where the source stands now, how long it keeps what the stream still needs,
// table definitions for DDL, and (optionally) a heartbeat. A source driver provides it; the pipeline's unit
// tests pass an in-memory one.
import type { FilePosition } from '../../shared/positions.js';
import type { TableRef } from '../../shared/table-selection.js';
import type { BinlogItem, BinlogStatus, RowChange } from '../core/changes.js';
import type { TableInfo } from '../core/tables.js';
import type { Connection } from '../mysql/connection.js';

/** Where a stream starts: a source position, or a GTID text (MySQL set or MariaDB position). */
export type StreamStart = FilePosition | { gtid: string };

/** Committed transactions and DDL statements, in source order, from a position on. */
export interface ChangeReader {
  /**
   * The next item; undefined when none arrived within `timeoutMs` (everything read is handed out);
   * null when the reader has closed. Throws the error that ended the connection.
   */
  next(timeoutMs: number): Promise<BinlogItem | null | undefined>;
  /** Where the reader stands when it has handed out everything and no transaction is open; else null. */
  readonly idlePosition: FilePosition | null;
  /** When the last event (or server heartbeat) arrived, ms since the epoch. */
  readonly lastEventAt: number;
  /** Server heartbeats received while the source was quiet (0: silence proves nothing). */
  readonly heartbeats: number;
  /** The last DDL item is handled (the reader decodes what follows with the new definitions). */
  ddlHandled(): void;
  close(): Promise<void>;
}

export interface ChangeReaderOptions {
  /** Which tables' changes to deliver. */
  include: (db: string, table: string) => boolean;
  /** Changes buffered before the reader pauses the source connection. */
  highWater: number;
  /** A table's columns as the stream knows them at this point (its schema history); null: not known. */
  hints: (db: string, table: string) => Map<string, { dataType: string; columnType: string; generated: boolean }> | null;
}

/** The source side of one stream session (one connection stretch). */
export interface StreamSourceSession {
  /** Throws a CutoverError naming what is missing when the source no longer has the position. */
  checkAvailable(from: StreamStart): Promise<void>;
  openReader(from: StreamStart, o: ChangeReaderOptions): Promise<ChangeReader>;
  /** How long until the source may discard what holds `at` (null: not known or never). */
  retention(at: FilePosition): Promise<{ secondsLeft: number | null; settings: string }>;
  /** The table's definition on the source now; null when it no longer exists. */
  readTable(ref: TableRef): Promise<TableInfo | null>;
  /** A MySQL metadata connection, for the stream's metrics and DDL handling; null for other sources. */
  readonly metadata: Connection | null;
  close(): Promise<void>;
}

/** A heartbeat the stream writes on the source to measure lag end to end (and to fence a cutover). */
export interface SourceHeartbeatRows {
  /** "db.table" of the heartbeat table: its changes are measured, never applied. */
  readonly table: string;
  /** When the job's heartbeat row in this change was written (ms), or null when it is another job's. */
  time(c: RowChange, job: string): number | null;
  start(job: string, intervalMs: number, onError: (e: Error) => void): Promise<{ stop(): Promise<void> }>;
}

export interface StreamSource {
  openSession(): Promise<StreamSourceSession>;
  /** Where the source stands now. */
  currentPosition(): Promise<BinlogStatus>;
  readonly heartbeat?: SourceHeartbeatRows;
}
