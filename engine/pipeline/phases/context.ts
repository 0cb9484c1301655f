// The job context the phases of a run share: the job, its state file and logger, the source and sink
// drivers (from the registries, or injected by a caller such as a test), and what the run has opened so
// far, closed once at the end (dispose).
import type { JobConfig } from '../../../shared/job-config.js';
import type { LogLevel, JobRow, StateStore } from '../../state/store.js';
import type { Logger } from '../../core/logger.js';
import type { MessageRef } from '../../core/bad-messages.js';
import type { SourceAddress, SourceDriver, SourceSession } from '../../source/driver.js';
import type { SinkDriver, SinkRun } from '../../sink/driver.js';
import type { Sink } from '../../sink/sink.js';
import type { CopyMetrics } from '../metrics.js';
import type { Throttle } from '../throttle.js';

export interface RunJobOptions {
  store: StateStore;
  /** The resolved job (URLs with their passwords): what the engine connects with; never stored. */
  config: JobConfig;
  /** What the state file keeps as the job's config: the job file as written (default: `config`, for callers whose config holds no secret it did not already). */
  storedConfig?: unknown;
  signal: AbortSignal;
  /** Echo logs at or above this level to the terminal. */
  echo?: { level: LogLevel; write: (line: string) => void };
  /** Preflight hook: throws a CutoverError when a check fails. */
  preflight?: (cfg: JobConfig, log: Logger) => Promise<void>;
  progressEveryMs?: number;
  /** Streaming modes: return once the sink has caught up with the target position. */
  exitWhenCaughtUp?: boolean;
  /** A partitioned source (Kafka): messages that paused their partition, to pass over (--skip-message). */
  skipMessages?: MessageRef[];
  /** Skip the DDL statement the stream paused at. */
  skipDdl?: boolean;
  /** --adopt-checkpoint: continue from a sink checkpoint row another state file (or job instance) wrote. */
  adoptCheckpoint?: boolean;
  /** --force: run a job the cutover assistant switched over (its stream stopped for good at the fence). */
  force?: boolean;
  /** The drivers to run with (default: the job's kinds from the source and sink registries). */
  drivers?: { source?: SourceDriver; sink?: SinkDriver };
}

export type RunOutcome = 'done' | 'stopped' | 'caught-up';

export interface JobContext {
  readonly o: RunJobOptions;
  readonly store: StateStore;
  readonly cfg: JobConfig;
  /** The job's row as this run found it (before it moved the phase). */
  readonly job: JobRow;
  readonly jobId: number;
  readonly log: Logger;
  readonly signal: AbortSignal;
  readonly metrics: CopyMetrics;
  /** This state file has streamed the job before (an applied position), judged before this run wrote any. */
  readonly streamedBefore: boolean;
  /** Set by the preflight phase. */
  source: SourceDriver;
  sink: SinkDriver;
  sourceAddress: SourceAddress;
  /** A metadata session on the source: catalog (the table and view plans), positions, the throttle's load probe. */
  meta: SourceSession;
  sinkRun: SinkRun;
  copySink: Sink;
  /** Started by the copy phase; stopped when the copy ends or the run does. */
  progress: NodeJS.Timeout | null;
  throttle: Throttle | null;
  /** What the run opened, closed in reverse order at its end. */
  readonly cleanup: (() => Promise<void> | void)[];
}

/** Stops the copy's progress line and throttle (the stream takes over, or the run ends). */
export function stopCopyHelpers(ctx: JobContext): void {
  if (ctx.progress) clearInterval(ctx.progress);
  ctx.progress = null;
  ctx.throttle?.stop();
}

/** Closes what the run opened, newest first; never throws. */
export async function disposeContext(ctx: JobContext): Promise<void> {
  stopCopyHelpers(ctx);
  ctx.metrics.stop();
  for (const f of ctx.cleanup.splice(0).reverse()) {
    try {
      await f();
    } catch {
      /* closing is best effort */
    }
  }
}
