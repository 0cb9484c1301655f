// The schema phase: record where the source stood before anything is read (the stream starts there),
// plan the tables (selection, renames, filters), check each row filter on the source, and create the sink
// tables (or check the existing ones); a "stream" job marks its tables as streaming instead.
import { CutoverError } from '../../../shared/errors.js';
import { qualified } from '../../../shared/table-selection.js';
import { formatGtidPosition } from '../../../shared/positions.js';
import { formatPosition } from '../../core/position.js';
import type { CopyTable } from '../../core/tables.js';
import { planTables } from '../table-plan.js';
import type { JobContext } from './context.js';

export async function schemaPhase(ctx: JobContext): Promise<CopyTable[]> {
  const { cfg, store, jobId, copySink: sink, log } = ctx;
  // Before the schema is read: DDL after this point is in the change stream replayed from here.
  await recordCopyStart(ctx);
  store.setJob(jobId, { phase: 'schema' });
  const tables = await planTables(ctx.meta, cfg, store, jobId);
  const data = await ctx.source.openSession(ctx.sourceAddress, { data: true });
  try {
    for (const t of tables) {
      const bad = await data.validateFilter(t);
      if (bad) throw new CutoverError(`The row filter "where" → "${qualified(t.source)}" is not valid on the source: ${bad}`, 'Correct the SQL condition in the job file.', 'CONFIG');
    }
  } finally {
    await data.close();
  }
  await eachAtMost(cfg.mode === 'stream' ? [] : tables, sink.prepareConcurrency ?? 1, async (t) => {
    const row = store.table(t.stateId);
    if (row.state === 'done') return;
    const prepared = await sink.prepareTable(t, cfg.snapshot.onExisting, row.schema_created === 1);
    if (prepared.created && row.schema_created !== 1) store.setTable(t.stateId, { schema_created: 1, deferred_indexes: JSON.stringify(prepared.deferredIndexes) });
    for (const w of prepared.warnings) log.warn(w, qualified(t.source));
    if (t.source.systemVersioned) log.warn('is system-versioned: its current rows are copied; its history rows are not (the sink table keeps history from now on)', qualified(t.source));
  });
  return tables;
}

/**
 * `f` over `items`, at most `n` at once, started in order. After a failure no more are started; the first
 * error is thrown once the running ones have settled (nothing is left half-done behind the caller's back).
 */
export async function eachAtMost<T>(items: T[], n: number, f: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  let error: unknown;
  const lane = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const item = items[next++]!;
      try {
        await f(item);
      } catch (e) {
        if (!failed) error = e;
        failed = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, items.length)) }, lane));
  if (failed) throw error;
}

/** "stream" mode: the sink tables are created (or taken as they are) and marked streaming; nothing is copied. */
export async function prepareStreamOnly(ctx: JobContext, tables: CopyTable[]): Promise<void> {
  const { store, copySink: sink, log } = ctx;
  await eachAtMost(tables, sink.prepareConcurrency ?? 1, async (t) => {
    const row = store.table(t.stateId);
    if (row.state === 'streaming') return;
    const prepared = await sink.prepareTable(t, 'append', row.schema_created === 1);
    if (prepared.created) {
      const done = await sink.finishTable(t, prepared.deferredIndexes);
      if (done) log.info(done, `${t.source.db}.${t.source.table}`);
    }
    store.setTable(t.stateId, { schema_created: prepared.created ? 1 : row.schema_created, state: 'streaming' });
  });
  for (const w of (await sink.finishCopy?.(tables)) ?? []) log.warn(w);
}

/**
 * Records where the source's change stream stood when the copy first started (kept across resumes): the
 * position streaming will start from. A source without a change stream copies fine; it is only noted.
 */
async function recordCopyStart(ctx: JobContext): Promise<void> {
  const { store, jobId, log, cfg } = ctx;
  if (store.jobById(jobId)?.copy_start_position) return;
  try {
    const status = await ctx.meta.consistentStatus();
    store.setJob(jobId, { copy_start_position: JSON.stringify(status) });
    log.info(`${cfg.mode === 'stream' ? 'source binlog position when the stream was set up' : 'copy started at source binlog position'} ${formatPosition(status.file)}${status.gtid ? ` (GTID ${formatGtidPosition(status.gtid)})` : ''}`);
  } catch (e) {
    log.info(`source binlog position not recorded: ${(e as Error).message}`);
  }
}
