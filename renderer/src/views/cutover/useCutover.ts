// The cutover checklist of a job: loaded on open, polled every second while a step runs (every few
// seconds otherwise, to keep the lag fresh), and the Run / Skip / Undo actions (each answers the new state).
import type { ApiError, CutoverApi, CutoverRunOptions, CutoverState, CutoverStepId } from '../../../../shared/api';
import { useAction, type Action } from '../../components/useAction';
import { useLoad } from '../../components/useLoad';
import { anyRunning } from './cutover-model';

export interface Cutover {
  /** undefined while loading. */
  state: CutoverState | undefined;
  loadError: ApiError | null;
  action: Action;
  run(step: CutoverStepId, options?: CutoverRunOptions): void;
  undo(step: CutoverStepId): void;
  /** Kills sessions the failed freeze step named. */
  kill(sessions: number[]): void;
}

export function useCutover(api: CutoverApi, job: string, pollMs = 1000, idlePollMs = 5000): Cutover {
  const action = useAction();
  const q = useLoad(`cutover:${job}`, () => api.call('cutoverState', job), (s) => (!s || action.busy !== null ? null : anyRunning(s) ? pollMs : idlePollMs));
  const apply = (name: string, call: () => Promise<CutoverState>) =>
    void action.run(name, call).then((s) => {
      if (s) q.set(s);
    });
  return {
    state: q.data,
    loadError: q.error,
    action,
    run: (step, options) => apply(`run:${step}`, () => api.call('cutoverRun', job, step, options)),
    undo: (step) => apply(`undo:${step}`, () => api.call('cutoverUndo', job, step)),
    kill: (sessions) => apply('kill', () => api.call('cutoverKill', job, sessions)),
  };
}
