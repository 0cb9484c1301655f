// What the stream needs from its source, whatever the kind: a change reader from a position, a check that
// the position is still there, where the source stands now and how far the applied position is behind it,
// how long it keeps what the stream still needs, table definitions for DDL, and (optionally) a heartbeat.
// A source driver provides it; the pipeline's unit tests pass an in-memory one. driverStreamSource() makes
// one of a source driver.
import type { SourcePosition } from '../core/position.js';
import type { TableRef } from '../../shared/table-selection.js';
import type { BinlogStatus } from '../core/changes.js';
import type { TableInfo } from '../core/tables.js';
import type { ChangeReader, HeartbeatRows, SourceDriver, SourceSession } from '../source/driver.js';

/** A source's connection settings, as its driver opens sessions with them. */
type SourceAddress = Parameters<SourceDriver['openSession']>[0];

/** Where a stream starts: a source position, or a GTID text (MySQL set or MariaDB position). */
export type StreamStart = SourcePosition | { gtid: string };

/** What the apply loop asks of a change reader (the driver adds its own settings, e.g. a replica id). */
export interface StreamReaderOptions {
  /** Which tables' changes to deliver. */
  include: (db: string, table: string) => boolean;
  /** Changes buffered before the reader pauses the source connection. */
  highWater: number;
  /** Bytes of row images (core/changes.ts rowBytes) buffered before it pauses the connection too. */
  highWaterBytes?: number;
  /** Hand out a large transaction in pieces of this size (see ChangeReaderOptions.piece); absent: whole. */
  piece?: { maxRows: number; maxBytes: number };
  /** A table's columns as the stream knows them at this point (its schema history); null: not known. */
  hints: (db: string, table: string) => Map<string, { dataType: string; columnType: string; generated: boolean }> | null;
}

/**
 * The source side of one stream session (one connection stretch): the part of the driver's session the
 * stream uses (availability, retention, where the source stands and the backlog behind it for the
 * metrics), the change reader, and table definitions for DDL handling.
 */
export interface StreamSourceSession extends Pick<SourceSession, 'checkAvailable' | 'retention' | 'currentStatus' | 'backlog'> {
  openReader(from: StreamStart, o: StreamReaderOptions): Promise<ChangeReader>;
  /** The table's definition on the source now; null when it no longer exists. */
  readTable(ref: TableRef): Promise<TableInfo | null>;
  close(): Promise<void>;
}

/** A heartbeat the stream writes on the source to measure lag end to end (and to fence a cutover). */
export interface SourceHeartbeatRows extends HeartbeatRows {
  start(job: string, intervalMs: number, onError: (e: Error) => void): Promise<{ stop(): Promise<void> }>;
}

export interface StreamSource {
  openSession(): Promise<StreamSourceSession>;
  /** Where the source stands now. */
  currentPosition(): Promise<BinlogStatus>;
  readonly heartbeat?: SourceHeartbeatRows;
}

/**
 * The stream side of a source driver: per stream session, one driver session (availability, retention,
 * positions and backlog, table definitions) and the driver's change reader with this job's replica id.
 */
export function driverStreamSource(driver: SourceDriver, url: string, address: SourceAddress, serverId: number): StreamSource {
  const meta = async (): Promise<SourceSession> => driver.openSession(address);
  const rows = driver.heartbeatRows;
  const start = driver.startHeartbeat;
  return {
    async openSession() {
      const session = await meta();
      return {
        checkAvailable: (from) => session.checkAvailable(from),
        openReader: (from, o) => driver.openChangeReader(url, from, { ...o, serverId, pauseAfterDdl: true }),
        retention: (at) => session.retention(at),
        currentStatus: () => session.currentStatus(),
        backlog: (from) => session.backlog(from),
        readTable: async (ref) => ((await session.tableExists(ref)) ? session.readTable(ref) : null),
        close: () => session.close().catch(() => undefined),
      };
    },
    async currentPosition() {
      const session = await meta();
      try {
        return await session.currentStatus();
      } finally {
        await session.close().catch(() => undefined);
      }
    },
    heartbeat:
      rows && start
        ? {
            table: rows.table,
            time: (c, job) => rows.time(c, job),
            start: (job, intervalMs, onError) => start.call(driver, url, { job, intervalMs, onError }),
          }
        : undefined,
  };
}
