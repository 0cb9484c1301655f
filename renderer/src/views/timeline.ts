// The phase timeline: preflight → copy → catching up → streaming → verified → cut over.
import { formatCount } from '../format';
export type StepId = 'preflight' | 'copy' | 'catching-up' | 'streaming' | 'verified' | 'cutover';
export type StepState = 'done' | 'current' | 'pending' | 'skipped';

/** What the job view knows about the last two steps: the latest verification and the cutover assistant. */
export interface Proof {
  /** The latest verification's state (VerifyReport.state), or null when there is none. */
  verification: string | null;
  /**
   * From the job's verification history (shared/verify.ts verifiedState): whether every table is proven
   * to match, and the full run that proof rests on. Absent: the latest run's state alone decides.
   */
  verified?: { verified: boolean; full: { id: number; tables: number } | null };
  /** The cutover assistant: every required step done, some begun, or not begun. */
  cutover: 'complete' | 'started' | null;
}

export interface Step {
  id: StepId;
  label: string;
  state: StepState;
  note?: string;
}

export const STEP_LABELS: Record<StepId, string> = {
  preflight: 'Preflight',
  copy: 'Copy',
  'catching-up': 'Catching up',
  streaming: 'Streaming',
  verified: 'Verified',
  cutover: 'Cut over',
};

const ORDER: StepId[] = ['preflight', 'copy', 'catching-up', 'streaming'];

/** Which of the first four steps JobStatus.phase is in; 'done' and unknown phases handled by the caller. */
export function phaseStep(phase: string): StepId | null {
  switch (phase) {
    case 'preflight':
      return 'preflight';
    case 'schema':
    case 'copying':
    case 'views':
      return 'copy';
    case 'catching-up':
    case 'catching up':
      return 'catching-up';
    case 'streaming':
      return 'streaming';
    default:
      return null;
  }
}

export function buildTimeline(mode: string, phase: string, state: string, proof: Proof = { verification: null, cutover: null }): Step[] {
  const streams = mode !== 'snapshot';
  const copies = mode !== 'stream';
  let reached = -1; // index in ORDER of the last step reached
  let finished = false; // the reached step is complete too
  const step = phaseStep(phase);
  if (step) {
    reached = ORDER.indexOf(step);
  } else if (phase === 'done') {
    // A snapshot job is done when the copy is; a streaming job that ended ("exit when caught up") caught up.
    reached = streams ? ORDER.indexOf('catching-up') : ORDER.indexOf('copy');
    finished = true;
  }
  if (state === 'done') finished = true;

  const steps: Step[] = ORDER.map((id, i) => {
    let s: StepState;
    if (id === 'copy' && !copies) s = 'skipped';
    else if ((id === 'catching-up' || id === 'streaming') && !streams) s = 'skipped';
    else if (i < reached) s = 'done';
    else if (i === reached) s = finished ? 'done' : 'current';
    else s = 'pending';
    const note = s === 'skipped' ? (id === 'copy' ? 'stream-only job' : 'snapshot job') : undefined;
    return { id, label: STEP_LABELS[id], state: s, ...(note ? { note } : {}) };
  });
  const v = proof.verification;
  const h = proof.verified;
  steps.push(
    v === 'pass' && h && !h.verified
      ? { id: 'verified', label: STEP_LABELS.verified, state: 'pending', note: 'only some tables compared' }
      : v === 'pass'
      ? { id: 'verified', label: STEP_LABELS.verified, state: 'done', ...(h?.full ? { note: `all ${formatCount(h.full.tables, 'table')} match` } : {}) }
      : v === 'running'
        ? { id: 'verified', label: STEP_LABELS.verified, state: 'current', note: 'verifying' }
        : { id: 'verified', label: STEP_LABELS.verified, state: 'pending', note: v === null ? 'not verified yet' : v === 'fail' ? 'differences found' : `last run: ${v}` },
    proof.cutover === 'complete'
      ? { id: 'cutover', label: STEP_LABELS.cutover, state: 'done' }
      : proof.cutover === 'started'
        ? { id: 'cutover', label: STEP_LABELS.cutover, state: 'current', note: 'in progress' }
        : { id: 'cutover', label: STEP_LABELS.cutover, state: 'pending' },
  );
  return steps;
}
