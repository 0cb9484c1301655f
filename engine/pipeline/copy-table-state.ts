// A copied table's way through the state file: restarted (a table without a key), failed, or done once
// every chunk of it is written and its deferred indexes are added.
import { CutoverError } from '../../shared/errors.js';
import type { Sink, SinkWriter } from '../sink/sink.js';
import type { StateStore } from '../state/store.js';
import type { Logger } from '../core/logger.js';
import { isDiskFull } from '../state/disk-space.js';
import type { TableRuntime } from './copy-schedule.js';

/** Marks the table failed with what went wrong and throws (a full disk is the state file's, not the table's). */
export function failTable(store: StateStore, rt: TableRuntime, e: unknown): never {
  if (isDiskFull(e)) throw e; // the state file's disk: not this table's fault (job-runner.ts says what to do)
  rt.failed = true;
  const msg = e instanceof CutoverError ? e.message : `Copying ${rt.name} failed: ${(e as Error).message}`;
  store.setTable(rt.t.stateId, { state: 'failed', error: msg });
  throw e instanceof CutoverError ? e : new CutoverError(msg, 'Fix the cause, then run the same job again: finished chunks are not copied again.');
}

/**
 * A table without a unique key cannot be re-copied idempotently, so its single chunk always starts
 * from an empty sink table: emptied when Cutover created it, refused when it held rows of its own.
 */
export async function restartKeylessTable(store: StateStore, log: Logger, writer: SinkWriter, rt: TableRuntime): Promise<void> {
  const row = store.table(rt.t.stateId);
  if (row.schema_created === 1) {
    await writer.truncate(rt.t);
  } else if (row.plan_cursor === 'started') {
    const sinkName = `${rt.t.sink.db}.${rt.t.sink.table}`;
    throw new CutoverError(
      `${rt.name} has no primary or unique key, and its copy into the existing sink table ${sinkName} (onExisting: append) was interrupted: resuming would duplicate rows.`,
      `Empty the sink table (TRUNCATE TABLE ${sinkName};) and run again, or add a primary key on the source.`,
    );
  }
  store.resetCopiedRows(rt.t.stateId);
  store.setTable(rt.t.stateId, { plan_cursor: 'started' });
  log.warn('has no primary key or NOT NULL unique key on whole columns: copied in one pass; an interrupted copy restarts this table from the beginning', rt.name);
}

/** Once every chunk of a table is copied: add its deferred indexes, then mark it done. */
export async function completeTable(store: StateStore, sink: Sink, log: Logger, rt: TableRuntime): Promise<void> {
  if (rt.failed || rt.completing || !rt.plannedAll || rt.pending.length || rt.active || rt.planning) return;
  const row = store.table(rt.t.stateId);
  if (row.state === 'done') return;
  rt.completing = true;
  const deferred = JSON.parse(row.deferred_indexes) as string[];
  if (deferred.length) {
    store.setTable(rt.t.stateId, { state: 'indexing' });
    const started = Date.now();
    let done: string | null;
    try {
      done = await sink.finishTable(rt.t, deferred);
    } catch (e) {
      rt.failed = true;
      store.setTable(rt.t.stateId, { state: 'failed', error: (e as Error).message });
      throw e;
    }
    if (done) log.info(`${done} after the copy in ${((Date.now() - started) / 1000).toFixed(1)} s`, rt.name);
  }
  store.setTable(rt.t.stateId, { state: 'done', finished_at: Date.now(), error: null, deferred_indexes: '[]' });
  log.info(`copied ${row.rows_copied.toLocaleString('en-US')} rows in ${row.chunks_done} chunk(s)`, rt.name);
}
