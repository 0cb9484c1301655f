// Per-table actions from the dashboard's table grid: retry a table whose copy failed, and re-copy a
// table from scratch. Both only change the state file and the sink table; the job then runs again.
import { CutoverError } from '../../shared/errors.js';
import { parseJobConfig } from '../../shared/job-config.js';
import { JobSecrets } from '../connections/job-secrets.js';
import { resolveSink } from '../connections/resolve.js';
import { sinkKind } from '../sink/registry.js';
import type { JobRow, StateStore, TableRow } from '../state/store.js';
import { StreamStore } from '../state/stream-store.js';

function findTable(store: StateStore, job: JobRow, table: string): TableRow {
  const t = store.tables(job.id).find((r) => `${r.src_db}.${r.src_table}` === table);
  if (!t) throw new CutoverError(`The job "${job.name}" has no table ${table}.`, 'Pick a table from the job\'s table grid.', 'NOT_FOUND');
  return t;
}

/**
 * A failed table goes back to pending: its finished chunks stay copied, the rest are copied again.
 * `jobRunning` is asked only once the table is known to have failed (a finished job's process may
 * still be exiting).
 */
export function retryTable(store: StateStore, job: JobRow, table: string, jobRunning: () => boolean): void {
  const t = findTable(store, job, table);
  if (t.state !== 'failed') throw new CutoverError(`${table} has not failed (it is ${t.state}).`, 'Only a failed table can be retried.', 'STATE');
  if (jobRunning()) throw new CutoverError(`The job "${job.name}" is running.`, 'Pause it first, then retry the table.', 'STATE');
  store.setTable(t.id, { state: 'pending', error: null });
  store.log('info', job.name, table, 'retry requested: its unfinished chunks are copied again');
}

/**
 * Empties the table on the sink and forgets its chunks, so the next run copies it from the start.
 * Only before the job streams: once the stream owns a table, a fresh copy of it would need its own
 * snapshot-to-stream handoff (use `cutover run --resnapshot` to copy every table again instead).
 */
export async function recopyTable(store: StateStore, job: JobRow, table: string, stopJob: () => Promise<void>): Promise<void> {
  const t = findTable(store, job, table);
  if (new StreamStore(store).hasSchemaHistory(job.id) || job.phase === 'streaming') {
    throw new CutoverError(
      `The job "${job.name}" is streaming: ${table} cannot be copied again on its own while the stream keeps it in step.`,
      'Run `cutover run JOB.json --resnapshot` to copy every table again and resume streaming, or verify the table and repair only the rows that differ.',
      'STATE',
    );
  }
  const cfg = parseJobConfig(new JobSecrets(store).runnable(job), `stored job file of "${job.name}"`);
  await stopJob();
  // A sink without tables of rows (Kafka) has nothing to empty: the re-copy publishes the table's rows
  // again (consumers keep the last message per key).
  const kind = sinkKind(cfg.sink.type);
  const empties = kind.capabilities.existingRows;
  if (empties) {
    const driver = await kind.load();
    // The stored job file may name a profile or environment variables, and go through an SSH tunnel.
    const resolved = await resolveSink(cfg.sink, { store });
    try {
      await driver.emptyTable?.({ sink: resolved.sink }, { db: t.sink_db, table: t.sink_table });
    } finally {
      await resolved.close();
    }
  }
  store.resetTableChunks(t.id);
  const fresh = store.jobById(job.id)!;
  if (fresh.state === 'done' || fresh.phase === 'done') store.setJob(job.id, { state: 'stopped', phase: 'copying', finished_at: null });
  store.log(
    'info',
    job.name,
    table,
    empties
      ? `re-copy requested: ${t.sink_db}.${t.sink_table} emptied on the sink; the table is copied again from the start`
      : `re-copy requested: the table is sent to the ${kind.title} sink again from the start`,
  );
}
