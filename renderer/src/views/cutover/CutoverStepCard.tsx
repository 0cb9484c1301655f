// One step of the cutover checklist (or of the rollback's): what it does, its state, what it found (or what
// is wrong and the fix), who ran it and when, the facts it recorded, how to roll it back, and its actions.
import type { ReactNode } from 'react';
import type { CutoverStep } from '../../../../shared/cutover';
import type { RollbackStep } from '../../../../shared/rollback';
import { Button } from '../../components/Button';
import { FixText } from '../../components/FixText';
import { KeyValue } from '../../components/KeyValue';
import { StateBadge } from '../../components/StateBadge';
import { Time } from '../../components/Time';
import { factText } from './cutover-model';

/** A step of either checklist: the rollback's have no optional, undo or roll-back text. */
export type StepCardStep = CutoverStep | (RollbackStep & { optional?: undefined; canUndo?: undefined; rollback?: undefined });

export interface CutoverStepCardProps {
  step: StepCardStep;
  /** The test ids' prefix ("cutover", "rollback"). */
  prefix?: string;
  index: number;
  /** The action in flight ("run:lag", "undo:read-only"…), or null. */
  busy: string | null;
  onRun(): void;
  onSkip?(): void;
  onUndo?(): void;
  /** Step-specific content (the lag threshold, the report's exports). */
  children?: ReactNode;
}

export function CutoverStepCard({ step, prefix = 'cutover', index, busy, onRun, onSkip, onUndo, children }: CutoverStepCardProps) {
  const id = step.id;
  const running = step.state === 'running';
  const again = step.state === 'done' || step.state === 'failed' || step.state === 'skipped' || step.state === 'undone';
  const facts = Object.entries(step.facts);
  return (
    <li className={`panel cutover-step cutover-${step.state}`} data-testid={`${prefix}-step-${id}`} data-state={step.state} aria-labelledby={`${prefix}-title-${id}`}>
      <div className="panel-head">
        <span className="cutover-number" aria-hidden="true">
          {index + 1}
        </span>
        <h3 id={`${prefix}-title-${id}`} className="panel-title">
          {step.title}
        </h3>
        <StateBadge state={step.state} />
        {step.optional && <span className="badge badge-neutral">optional</span>}
      </div>
      <p>{step.description}</p>
      {step.blockedBy && step.state !== 'done' && (
        <p className="small muted" data-testid={`${prefix}-blocked-${id}`}>
          Waiting for: {step.blockedBy}
        </p>
      )}
      {step.detail && (
        <p className={step.state === 'failed' ? 'field-error' : undefined} data-testid={`${prefix}-detail-${id}`}>
          {step.detail}
        </p>
      )}
      <FixText fix={step.fix} />
      {(step.startedAt || step.operator) && (
        <p className="small muted">
          {step.operator && <>by {step.operator} · </>}
          started <Time ms={step.startedAt} />
          {step.finishedAt && (
            <>
              {' '}
              · finished <Time ms={step.finishedAt} />
            </>
          )}
        </p>
      )}
      {facts.length > 0 && (
        <dl className="kv-list small">
          {facts.map(([k, v]) => {
            const f = factText(k, v);
            return (
              <KeyValue key={k} label={f.label}>
                {f.value}
              </KeyValue>
            );
          })}
        </dl>
      )}
      {step.rollback && (
        <p className="small rollback" data-testid={`${prefix}-rollback-${id}`}>
          <span className="fix-label">How to roll back:</span> {step.rollback}
        </p>
      )}
      {children}
      <div className="form-actions">
        <Button
          variant={again ? 'default' : 'primary'}
          onClick={onRun}
          disabled={busy !== null || running || step.blockedBy !== null}
          busy={busy === `run:${id}` || running}
          data-testid={`${prefix}-run-${id}`}
        >
          {running ? 'Running…' : again ? 'Run again' : 'Run'}
        </Button>
        {step.optional && onSkip && (step.state === 'pending' || step.state === 'failed') && (
          <Button variant="quiet" onClick={onSkip} disabled={busy !== null} data-testid={`${prefix}-skip-${id}`}>
            Skip
          </Button>
        )}
        {step.canUndo && onUndo && step.state === 'done' && (
          <Button variant="danger" onClick={onUndo} disabled={busy !== null} busy={busy === `undo:${id}`} data-testid={`${prefix}-undo-${id}`}>
            Undo
          </Button>
        )}
      </div>
    </li>
  );
}
