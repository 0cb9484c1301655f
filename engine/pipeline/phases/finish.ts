// How a run ends when a phase throws: a full state disk, a change or DDL the sink refused (paused), a stop
// the operator asked for, or a failure; each recorded on the job with what to do next.
import { CutoverError, formatError } from '../../../shared/errors.js';
import { StateDiskFull, isDiskFull } from '../../state/disk-space.js';
import { StopRequested } from '../stop-requested.js';
import type { JobContext, RunOutcome } from './context.js';

/** Records the failure on the job and rethrows it, or returns 'stopped' for a requested stop. */
export function endWithError(ctx: JobContext, caught: unknown): RunOutcome {
  const { store, jobId, log } = ctx;
  const e = isDiskFull(caught) && !(caught instanceof StateDiskFull) ? new StateDiskFull(store.path) : caught;
  if (e instanceof StateDiskFull) {
    // Said on the terminal first: the state file may not take the log line or the job's state.
    const msg = formatError(e);
    log.error(msg);
    try {
      store.setJob(jobId, { state: 'failed', error: msg, pid: null });
    } catch {
      /* no room: the job shows as interrupted, and resumes when run again */
    }
    throw e;
  }
  if (e instanceof CutoverError && (e.code === 'SINK_ROW' || e.code === 'DDL_PAUSED')) {
    const msg = formatError(e);
    store.setJob(jobId, { state: 'paused', error: msg, pid: null });
    log.error(msg);
    throw e;
  }
  if (e instanceof StopRequested || (ctx.signal.aborted && !(e instanceof CutoverError))) {
    store.setJob(jobId, { state: 'stopped', pid: null });
    // The operator asked for it (Ctrl-C, SIGTERM, Pause in the dashboard): news, not a warning.
    log.info('paused as requested (Ctrl-C, SIGTERM or Pause): what was in flight is committed; run the same job again to resume');
    return 'stopped';
  }
  const msg = formatError(e);
  store.setJob(jobId, { state: 'failed', error: msg, pid: null });
  log.error(msg);
  throw e;
}
