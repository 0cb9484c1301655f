// The stream phase: after the copy (or on its own in "stream" mode, or when resuming a stream), follow the
// source's changes into the sink until stopped, or until caught up when asked (--exit-when-caught-up).
import { mysqlSourceUrl, streamOptions } from '../../../shared/job-config.js';
import type { CopyTable } from '../../core/tables.js';
import { defaultServerId } from '../stream-apply.js';
import { driverStreamSource } from '../stream-source.js';
import { StopRequested } from '../stop-requested.js';
import { runStreamPhase, type StreamPhaseOptions } from '../stream-phase.js';
import type { StreamOutcome } from '../stream-runner.js';
import { stopCopyHelpers, type JobContext, type RunOutcome } from './context.js';

/** The stream phase's options common to a stream after the copy and one alongside it. */
export function streamOptionsOf(ctx: JobContext, tables: CopyTable[] | null, signal: AbortSignal): Omit<StreamPhaseOptions, 'openTarget'> {
  return {
    store: ctx.store,
    jobId: ctx.jobId,
    cfg: ctx.cfg,
    tables,
    source: driverStreamSource(ctx.source, mysqlSourceUrl(ctx.cfg, 'A binlog stream'), ctx.sourceAddress, streamOptions(ctx.cfg).serverId ?? defaultServerId(ctx.cfg.name)),
    log: ctx.log,
    signal,
    exitWhenCaughtUp: ctx.o.exitWhenCaughtUp ?? false,
    skipDdl: ctx.o.skipDdl ?? false,
    previousPhase: ctx.job.phase,
    streamBatchRows: ctx.sinkRun.streamBatchRows,
    streamBatchDelayMs: ctx.sinkRun.streamBatchDelayMs,
  };
}

export async function streamPhase(ctx: JobContext, tables: CopyTable[] | null): Promise<RunOutcome> {
  stopCopyHelpers(ctx);
  const run = ctx.sinkRun;
  const outcome = await runStreamPhase({ ...streamOptionsOf(ctx, tables, ctx.signal), openTarget: () => run.openChangeSink(ctx.signal) });
  return streamEnded(ctx, outcome);
}

/** The stream returned: stopped (the run's stop handling says so) or caught up as asked. */
export function streamEnded(ctx: JobContext, outcome: StreamOutcome): RunOutcome {
  if (outcome === 'stopped') throw new StopRequested();
  ctx.store.setJob(ctx.jobId, { state: 'stopped', pid: null, error: null });
  ctx.log.info('caught up with the source; stopping as asked (--exit-when-caught-up); run the job again to keep streaming');
  return 'caught-up';
}
