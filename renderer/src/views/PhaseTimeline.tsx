// The job's phases as an ordered list of steps, up to "Verified" (the latest verification passed) and
// "Cut over" (the cutover assistant is complete).
import { buildTimeline, type Proof, type StepState } from './timeline';

const STATE_TEXT: Record<StepState, string> = {
  done: 'done',
  current: 'in progress',
  pending: 'not started',
  skipped: 'skipped',
};
const SYMBOL: Record<StepState, string> = { done: '✓', current: '●', pending: '○', skipped: '–' };

export function PhaseTimeline({ mode, phase, state, proof }: { mode: string; phase: string; state: string; proof?: Proof }) {
  // Steps the job's mode skips (a copy-only job never catches up or streams) are left out.
  const steps = buildTimeline(mode, phase, state, proof).filter((s) => s.state !== 'skipped');
  return (
    <ol className="timeline" aria-label="Phases" data-testid="phase-timeline">
      {steps.map((s) => (
        <li key={s.id} className={`step step-${s.state}`} data-testid={`step-${s.id}`} data-state={s.state} aria-current={s.state === 'current' ? 'step' : undefined}>
          <span className="step-symbol" aria-hidden="true">
            {SYMBOL[s.state]}
          </span>
          <span className="step-label">{s.label}</span>
          <span className="step-state">{s.note ?? (s.state === 'current' && state !== 'running' ? state : STATE_TEXT[s.state])}</span>
        </li>
      ))}
    </ol>
  );
}
