// Pure helpers of the rollback page and the dashboard's pairing: how far the rollback is, and how ready the
// way back is (the reverse job's state and lag, as the jobs list reports them).
import type { JobSummary, RollbackState } from '../../../../shared/api';

export const rollbackRunning = (s: RollbackState | null | undefined): boolean => !!s?.steps.some((x) => x.state === 'running');

/** "3 of 6 steps done". */
export function rollbackProgress(s: RollbackState): string {
  return `${s.steps.filter((x) => x.state === 'done').length} of ${s.steps.length} steps done`;
}

/** The lag under which the way back counts as ready (seconds): the cutover's default lag threshold. */
export const READY_LAG_SECONDS = 5;

export interface Readiness {
  state: 'ready' | 'lagging' | 'stopped' | 'not-started';
  /** "ready", "lagging 12 s", "stopped", "not started". */
  label: string;
  /** One sentence: why, and what to do. */
  detail: string;
}

/** The rollback's readiness: the reverse job streams with a lag under the threshold. */
export function rollbackReadiness(reverse: JobSummary | undefined, thresholdSeconds = READY_LAG_SECONDS): Readiness {
  if (!reverse || reverse.state === 'idle')
    return { state: 'not-started', label: 'not started', detail: 'The reverse job has not run: start it so that the old server receives the new server’s writes.' };
  if (reverse.state === 'switched') return { state: 'stopped', label: 'stopped', detail: 'The reverse job drained to its fence and stopped for good: the rollback used it.' };
  if (reverse.state !== 'running') return { state: 'stopped', label: 'stopped', detail: `The reverse job is ${reverse.state}: the old server falls behind the new one until it runs again.` };
  if (reverse.lagSeconds === null) return { state: 'not-started', label: 'not started', detail: 'The reverse job runs but has not reported its lag yet.' };
  const lag = Math.round(reverse.lagSeconds);
  if (reverse.lagSeconds <= thresholdSeconds) return { state: 'ready', label: 'ready', detail: `The old server is ${lag} s behind the new one: a rollback can start now.` };
  return { state: 'lagging', label: `lagging ${lag} s`, detail: `The old server is ${lag} s behind the new one (ready under ${thresholdSeconds} s): a rollback waits for it to catch up.` };
}

/** The forward job of a pair (the one whose rollback page it is), given either job. */
export function forwardOf(j: JobSummary): string | null {
  return j.pair ? (j.pair.role === 'forward' ? j.name : j.pair.job) : null;
}
