// The job's phases as an ordered list of steps; future steps that do not exist yet are dimmed.
import { buildTimeline, type StepState } from './timeline';

const STATE_TEXT: Record<StepState, string> = {
  done: 'done',
  current: 'in progress',
  pending: 'not started',
  skipped: 'skipped',
  unavailable: 'not yet available',
};
const SYMBOL: Record<StepState, string> = { done: '✓', current: '●', pending: '○', skipped: '–', unavailable: '·' };

export function PhaseTimeline({ mode, phase, state }: { mode: string; phase: string; state: string }) {
  const steps = buildTimeline(mode, phase, state);
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
