// The wizard's steps with their state (done / current / has errors / not yet); a step can be opened when
// every step before it is complete.
import { STEP_TITLES, WIZARD_STEPS, type WizardStep } from '../../../../shared/wizard';
import type { StepMark } from './wizard-model';

const MARK_TEXT: Record<StepMark, string> = { done: 'done', current: 'current step', error: 'has errors', pending: 'not yet' };
const SYMBOL: Record<StepMark, string> = { done: '✓', current: '●', error: '!', pending: '○' };

export function Stepper({ marks, current, reachable, onSelect }: { marks: Record<WizardStep, StepMark>; current: WizardStep; reachable(step: WizardStep): boolean; onSelect(step: WizardStep): void }) {
  return (
    <nav aria-label="Wizard steps">
      <ol className="stepper">
        {WIZARD_STEPS.map((s, i) => {
          const mark = marks[s];
          return (
            <li key={s} className={`stepper-step stepper-${mark}`} data-testid={`wizard-step-${s}`} data-state={mark}>
              <button type="button" className="stepper-btn" onClick={() => onSelect(s)} disabled={s !== current && !reachable(s)} aria-current={s === current ? 'step' : undefined}>
                <span className="stepper-symbol" aria-hidden="true">
                  {SYMBOL[mark]}
                </span>
                <span className="stepper-label">
                  {i + 1}. {STEP_TITLES[s]}
                </span>
                <span className="visually-hidden">, {MARK_TEXT[mark]}</span>
              </button>
            </li>
          );
        })}
        <li className="stepper-step stepper-pending stepper-run" aria-hidden="true">
          <span className="stepper-btn">
            <span className="stepper-symbol">▶</span>
            <span className="stepper-label">Run</span>
          </span>
        </li>
      </ol>
    </nav>
  );
}
