// A job's latest verification: loaded when the job view opens, polled every second while one runs (or
// was just asked for and has not shown up yet), and the Verify and Repair actions that start one.
import { useEffect, useState } from 'react';
import type { ApiError, CutoverApi, VerifyReport, VerifyRunSummary } from '../../../../shared/api';
import { useAction, type Action } from '../../components/useAction';
import { useLoad } from '../../components/useLoad';

export interface Verification {
  /** undefined while loading; null: never verified. */
  report: VerifyReport | null | undefined;
  /** The job's runs, newest first (undefined while loading or when the host cannot list them). */
  history: VerifyRunSummary[] | undefined;
  loadError: ApiError | null;
  action: Action;
  verify(): void;
  repair(id: number): void;
}

export function useVerification(api: CutoverApi, job: string, pollMs = 1000): Verification {
  /** The id of a verification asked for and not seen yet. */
  const [awaiting, setAwaiting] = useState<number | null>(null);
  const action = useAction();
  const q = useLoad(`verification:${job}`, () => api.call('verification', job), (r) => (r?.state === 'running' || awaiting !== null ? pollMs : null));
  const report = q.data;
  // Loaded again whenever the latest run changes (a new one, or its end).
  const history = useLoad(report === undefined ? null : `verification-history:${job}:${report?.id ?? 0}:${report?.state ?? ''}`, () => api.call('verificationHistory', job)).data;
  useEffect(() => {
    if (awaiting !== null && report && report.id >= awaiting) setAwaiting(null);
  }, [awaiting, report]);

  const startWith = (name: string, call: () => Promise<{ id: number }>) =>
    void action.run(name, call).then((r) => {
      if (!r) return;
      setAwaiting(r.id);
      q.reload();
    });

  return {
    report,
    history,
    loadError: q.error,
    action,
    verify: () => startWith('verify', () => api.call('verify', job)),
    repair: (id) => startWith('repair', () => api.call('repair', job, id)),
  };
}
