// What the verification runner needs from each kind of sink: where a table's rows are, and the
// comparison of one table (each sink driver opens its own: engine/sink/<kind>/verifier.ts).
import type { JobConfig } from '../../shared/job-config.js';
import type { VerifyTableResult } from '../../shared/verify.js';
import type { Logger } from '../core/logger.js';
import type { StateStore } from '../state/store.js';
import type { VerifyTable } from './chunk-checksum.js';
import type { SourceSession } from '../source/driver.js';
import type { PositionOrder } from '../core/position.js';
import type { RawRow } from '../core/rows.js';

export interface SinkVerifier {
  /** Where a table's rows are on the sink: "db.table", or the topic. */
  sinkName(t: VerifyTable): string;
  /** Compares one table, filling in `r` (chunks, rows, mismatches); calls `progress` now and then. */
  verifyTable(t: VerifyTable, r: VerifyTableResult, progress: () => void): Promise<void>;
  close(): Promise<void>;
}

export interface SinkVerifierContext {
  cfg: JobConfig;
  store: StateStore;
  jobId: number;
  log: Logger;
  signal: AbortSignal;
  chunkRows: number;
  maxRows: number;
  /**
   * The source through its driver: a data session (raw bytes: chunk boundaries, rows, checksums, and the
   * source's own SQL for sinks that compute its side in its dialect) and a metadata session (positions).
   */
  sourceSessions: { data: SourceSession; meta: SourceSession };
  /** How the source's positions are ordered and shown. */
  positions: PositionOrder;
  /** The job's stream is applying changes while this runs. */
  streaming: boolean;
}

/** A session's `query` (the source's own SQL, raw values), for a sink that needs it; an error naming `what` when the source has none. */
export function sourceSql(session: SourceSession, what: string): (sql: string) => Promise<RawRow[]> {
  const query = session.query?.bind(session);
  if (!query) throw new Error(`${what} runs SQL on the source, and this source kind has none`);
  return query;
}
