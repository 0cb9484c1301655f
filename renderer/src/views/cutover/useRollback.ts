// The rollback checklist of a job: loaded on open (which resumes an interrupted step), polled every second
// while a step runs (every few seconds otherwise), and Run (each answers the new state).
import type { ApiError, CutoverApi, RollbackRunOptions, RollbackState, RollbackStepId } from '../../../../shared/api';
import { useAction, type Action } from '../../components/useAction';
import { useLoad } from '../../components/useLoad';
import { rollbackRunning } from './rollback-model';

export interface Rollback {
  /** undefined while loading. */
  state: RollbackState | undefined;
  loadError: ApiError | null;
  action: Action;
  run(step: RollbackStepId, options?: RollbackRunOptions): void;
}

export function useRollback(api: CutoverApi, job: string, pollMs = 1000, idlePollMs = 5000): Rollback {
  const action = useAction();
  const q = useLoad(`rollback:${job}`, () => api.call('rollbackState', job), (s) => (!s || action.busy !== null ? null : rollbackRunning(s) ? pollMs : idlePollMs));
  return {
    state: q.data,
    loadError: q.error,
    action,
    run: (step, options) =>
      void action.run(`run:${step}`, () => api.call('rollbackRun', job, step, options)).then((s) => {
        if (s) q.set(s);
      }),
  };
}
