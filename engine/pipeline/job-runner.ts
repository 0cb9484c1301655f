// Runs a job as a short sequence of phases over one job context (phases/): open (settings, preflight,
// drivers, checkpoint owner, connections) → schema → copy → views → stream, each recorded in the state
// file. The drivers come from the registries unless the caller injects its own.
import { CutoverError, formatError } from '../../shared/errors.js';
import { createLogger } from '../core/logger.js';
import { alive } from '../core/process-alive.js';
import { sinkOf } from '../sink/registry.js';
import { sourceOf } from '../source/registry.js';
import { runConsumer } from './consume-phase.js';
import { StreamStore } from '../state/stream-store.js';
import { CopyMetrics } from './metrics.js';
import { formatPosition } from '../core/position.js';
import { disposeContext, type JobContext, type RunJobOptions, type RunOutcome } from './phases/context.js';
import { openPhase } from './phases/open.js';
import { prepareStreamOnly, schemaPhase } from './phases/schema.js';
import { rowsCopied, startCopy, viewsPhase } from './phases/copy.js';
import { copyAlongsideStream } from './phases/ordered-copy.js';
import { streamPhase } from './phases/stream.js';
import { endWithError } from './phases/finish.js';

export type { RunJobOptions, RunOutcome } from './phases/context.js';

export async function runJob(o: RunJobOptions): Promise<RunOutcome> {
  const { store, config: cfg } = o;
  const job = store.upsertJob(cfg.name, o.storedConfig ?? cfg);
  const log = createLogger(store, cfg.name, o.echo);
  if (job.state === 'done' && cfg.mode === 'snapshot') {
    log.info('this job already finished; nothing to do (use --restart to copy again from scratch)');
    return 'done';
  }
  if (job.state === 'switched' && !o.force) {
    const e = new CutoverError(
      `The job "${cfg.name}" was switched over: the cutover stopped its stream for good at the fence${job.finished_at ? ` (${new Date(job.finished_at).toISOString()})` : ''}, and the application writes to the sink now.`,
      'Streaming from the source again would mix its old rows into the sink. If that is what you want, run again with --force (it streams from the sink’s position); to go back, switch the other way with a new job.',
      'STATE',
    );
    log.error(formatError(e));
    throw e;
  }
  // A source read by a consumer group: every process of the job is a member, none claims the job alone.
  if (sourceOf(cfg).capabilities.partitionOffsets) return runConsumer(o, job, log);
  try {
    store.claimJob(job.id, process.pid, alive, 'preflight');
  } catch (e) {
    log.error(formatError(e));
    throw e;
  }
  // Before this run writes any: has this state file streamed the job before (an applied position)?
  const streamedBefore = !!(job.stream_state && (JSON.parse(job.stream_state) as { applied?: unknown }).applied);
  store.setJob(job.id, { phase: 'preflight', started_at: job.started_at ?? Date.now() });
  const ctx = { o, store, cfg, job, jobId: job.id, log, signal: o.signal, metrics: new CopyMetrics(store, job.id), streamedBefore, progress: null, throttle: null, cleanup: [] } as unknown as JobContext;
  try {
    await openPhase(ctx);
    return await runPhases(ctx);
  } catch (e) {
    return endWithError(ctx, e);
  } finally {
    await disposeContext(ctx);
  }
}

async function runPhases(ctx: JobContext): Promise<RunOutcome> {
  const { cfg, store, jobId, log } = ctx;
  // Once streaming has begun, the stream owns the table set (its schema history follows DDL): the
  // source is not planned or copied again. (An ordered copy runs alongside its stream: until it has
  // finished, a new run copies the rest.)
  const copyAlongside = sinkOf(cfg).capabilities.orderedCopy && cfg.mode === 'snapshot+stream';
  const copyFinished = store.jobById(jobId)?.copy_end_position != null;
  if (cfg.mode !== 'snapshot' && new StreamStore(store).hasSchemaHistory(jobId) && (!copyAlongside || copyFinished)) return streamPhase(ctx, null);

  const tables = await schemaPhase(ctx);
  if (cfg.mode === 'stream') {
    await prepareStreamOnly(ctx, tables);
    return streamPhase(ctx, tables);
  }
  const copy = startCopy(ctx, tables);
  if (copyAlongside) return copyAlongsideStream(ctx, tables, copy);
  await copy(ctx.signal);
  await viewsPhase(ctx, tables);

  const copied = rowsCopied(ctx);
  if (cfg.mode === 'snapshot+stream') {
    if (!store.jobById(jobId)?.copy_end_position) {
      const end = await ctx.meta.currentStatus();
      store.setJob(jobId, { copy_end_position: JSON.stringify(end) });
      log.info(`copy finished: ${tables.length} table(s), ${copied.toLocaleString('en-US')} rows; source binlog at ${formatPosition(end.file)}`);
    }
    return streamPhase(ctx, tables);
  }
  store.setJob(jobId, { phase: 'done', state: 'done', finished_at: Date.now(), pid: null });
  log.info(`done: ${tables.length} table(s), ${copied.toLocaleString('en-US')} rows copied`);
  return 'done';
}
