// The copy phase: chunked, resumable copy of every planned table by parallel workers (copy-runner.ts),
// with a progress line on the terminal and the source-load throttle. The views phase follows it.
import type { ChunkGate } from '../../core/chunk-gate.js';
import type { CopyTable } from '../../core/tables.js';
import type { ChunkPayload } from '../../sink/sink.js';
import { CopyRunner } from '../copy-runner.js';
import { sinkLabel } from '../sink-watch.js';
import { Throttle } from '../throttle.js';
import { planViews } from '../table-plan.js';
import type { JobContext } from './context.js';

/** Copies the tables (those done before are skipped, chunks done before too); a gate when a stream publishes alongside. */
export type Copier = (signal: AbortSignal, gate?: ChunkGate<ChunkPayload>) => Promise<void>;

/** Moves the job to phase copying, starts the metrics, the progress line and the throttle; returns the copier. */
export function startCopy(ctx: JobContext, tables: CopyTable[]): Copier {
  const { store, jobId, cfg, log, o, metrics } = ctx;
  store.setJob(jobId, { phase: 'copying' });
  const total = tables.reduce((n, t) => n + t.source.estimatedRows, 0);
  log.info(`copying ${tables.length} table(s), about ${total.toLocaleString('en-US')} rows, with ${cfg.snapshot.parallelism} worker(s)`);
  metrics.start();
  if (o.echo) {
    ctx.progress = setInterval(() => {
      const copied = store.tables(jobId).reduce((n, t) => n + t.rows_copied, 0);
      log.info(`${copied.toLocaleString('en-US')} rows copied, ${Math.round(metrics.rowsPerSecond).toLocaleString('en-US')} rows/s`);
    }, o.progressEveryMs ?? 5000);
    ctx.progress.unref();
  }
  const meta = ctx.meta;
  const throttle = new Throttle(cfg.snapshot.throttle, async () => (await meta.threadsRunning?.()) ?? 0, log, ctx.signal);
  ctx.throttle = throttle;
  throttle.start();
  return (signal, gate) =>
    new CopyRunner({
      store,
      openSource: () => ctx.source.openSession(ctx.sourceAddress, { data: true }),
      sink: ctx.copySink,
      tables,
      snapshot: cfg.snapshot,
      batchBytes: ctx.sinkRun.batchBytes,
      log,
      metrics,
      throttle,
      signal,
      recordSnapshotPositions: cfg.mode === 'snapshot+stream',
      gate,
      sinkLabel: sinkLabel(cfg),
      onSinkWait: (since) => store.setJob(jobId, { sink_waiting_since: since }),
    }).run();
}

/** Creates the source's views on the sink (where the sink has views) and finishes the copy (e.g. foreign keys). */
export async function viewsPhase(ctx: JobContext, tables: CopyTable[], phase = true): Promise<void> {
  const { store, jobId, cfg, log, copySink: sink } = ctx;
  if (phase) store.setJob(jobId, { phase: 'views' });
  const views = await planViews(ctx.meta, cfg);
  const problems = await sink.createViews(views);
  for (const w of problems) log.warn(w);
  if (phase && views.length) log.info(`${views.length - problems.length} of ${views.length} view(s) created on the sink`);
  for (const w of (await sink.finishCopy?.(tables)) ?? []) log.warn(w);
}

/** Rows copied so far over the job's tables. */
export function rowsCopied(ctx: JobContext): number {
  return ctx.store.tables(ctx.jobId).reduce((n, t) => n + t.rows_copied, 0);
}
