// A stream stopped at a DDL statement it must not apply by itself: the statement is recorded as the job's
// pending DDL (shown by status and the UI) and the error says how to go on.
import { CutoverError } from '../../shared/errors.js';
import type { PendingDdl } from '../../shared/job-status.js';
import { formatPosition } from './position.js';
import type { DdlEvent } from './changes.js';

/** Where the pending statement is recorded (the state file's StateStore). */
export interface PendingDdlStore {
  setJob(id: number, fields: { pending_ddl: string | null }): void;
}

export function pause(ctx: { store: PendingDdlStore; jobId: number }, ev: DdlEvent, reason: string): CutoverError {
  const at = formatPosition(ev.end);
  const pending: PendingDdl = { position: at, db: ev.db, sql: ev.sql, reason };
  ctx.store.setJob(ctx.jobId, { pending_ddl: JSON.stringify(pending) });
  return new CutoverError(
    `Streaming paused at the DDL statement ending at ${at}${ev.db ? ` (default database ${ev.db})` : ''}: ${reason}\n  statement: ${oneLine(ev.sql)}`,
    `Either apply the equivalent change to the sink by hand and then run the job again with --skip-ddl (the stream goes on after this statement), ` +
      `or run again with --skip-ddl to leave the sink as it is. Nothing after this statement has been applied.`,
    'DDL_PAUSED',
  );
}

export function oneLine(sql: string): string {
  const s = sql.replace(/\s+/g, ' ').trim();
  return s.length > 500 ? s.slice(0, 500) + ' …' : s;
}
