// Verification while the job streams: is it streaming, where is the source's binlog, and has the sink
// applied everything up to a given source position yet?
//
// The applied position is the sink's own (MySQL: this job's row in `_cutover`.`cutover_checkpoint`;
// Kafka: the position the job stores in the state file once the brokers have acknowledged, or mirrors
// from its Kafka transaction). The checkpoint only moves with transactions; a source position that no
// transaction ends at (a binlog rotation with nothing after it) is never "reached", so a stream that
// says it is caught up — idle reader, nothing pending — in a sample taken well after the position was
// read counts as having applied it too.
import type { JobConfig } from '../../shared/job-config.js';
import type { StreamState } from '../../shared/job-status.js';
import { comparePositions, formatPosition, type SourcePosition } from '../core/position.js';
import type { SourceSession } from '../source/driver.js';
import { alive } from '../core/process-alive.js';
import { sleepUnlessAborted } from '../core/sleep.js';
import type { JobRow, StateStore } from '../state/store.js';

/** A stream sample this much newer than the moment a position was read shows the reader has seen it. */
const SAMPLE_AFTER_MS = 1500;

export interface StreamSync {
  /** Where the source's binlog stands now. */
  sourcePosition(): Promise<SourcePosition>;
  /** Waits until the sink has applied everything up to `at`, at most `ms`; false when it did not get there. */
  waitApplied(at: SourcePosition, ms: number, signal: AbortSignal): Promise<boolean>;
}

/** The job's process is alive (a job recorded as running whose process is gone is not). */
export function jobRunning(job: JobRow): boolean {
  return job.state === 'running' && alive(job.pid);
}

/** The job is running and its stream is applying changes (catching up or streaming). */
export function jobStreaming(job: JobRow, cfg: Pick<JobConfig, 'mode'>): boolean {
  return cfg.mode !== 'snapshot' && jobRunning(job) && (job.phase === 'streaming' || job.phase === 'catching-up');
}

export interface StreamSyncOptions {
  store: StateStore;
  jobId: number;
  /** The source (a metadata session of its driver). */
  source: Pick<SourceSession, 'currentStatus'>;
  /** The sink's applied position now (null: none yet). */
  applied: () => Promise<SourcePosition | null>;
}

export function streamSync(o: StreamSyncOptions): StreamSync {
  const readAt = new Map<string, number>();
  const key = (p: SourcePosition): string => formatPosition(p);
  return {
    async sourcePosition() {
      const p = (await o.source.currentStatus()).file;
      readAt.set(key(p), Date.now());
      return p;
    },
    async waitApplied(at, ms, signal) {
      const until = Date.now() + ms;
      const since = readAt.get(key(at)) ?? Date.now();
      for (let wait = 50; ; wait = Math.min(500, wait * 2)) {
        const applied = await o.applied();
        if (applied && comparePositions(applied, at) >= 0) return true;
        const st = streamState(o.store, o.jobId);
        if (st?.caughtUp && st.updatedAt >= since + SAMPLE_AFTER_MS) return true;
        if (Date.now() >= until || signal.aborted) return false;
        await sleepUnlessAborted(wait, signal);
      }
    },
  };
}

function streamState(store: StateStore, jobId: number): StreamState | null {
  const json = store.jobById(jobId)?.stream_state;
  return json ? (JSON.parse(json) as StreamState) : null;
}
