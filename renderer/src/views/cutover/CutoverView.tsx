// The cutover assistant (#/jobs/<name>/cutover): the checklist from "lag is under the threshold" to the
// change record — lag, read-only source (optional, confirmed, undoable), fence, final verification,
// deferred objects, report — each with its result, who ran it and when, and how to roll it back.
import { useState } from 'react';
import type { CutoverApi } from '../../../../shared/api';
import type { CutoverState, CutoverStep, SourceSessionInfo } from '../../../../shared/cutover';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field } from '../../components/Field';
import { formatDuration, formatNumber } from '../../format';
import { jobHash, rollbackHash } from '../route';
import { progressText } from './cutover-model';
import { CutoverStepCard } from './CutoverStepCard';
import { DeferredList } from './DeferredList';
import { ReportExport } from './ReportExport';
import { BypassSessions, OpenTransactions, sessionName } from './SourceSessions';
import { useCutover } from './useCutover';
import './cutover.css';

export interface CutoverViewProps {
  api: CutoverApi;
  job: string;
  /** How often a running step is polled (ms). */
  pollMs?: number;
}

type Pending = { kind: 'run' | 'undo'; step: CutoverStep } | { kind: 'kill'; sessions: SourceSessionInfo[] };

export function CutoverView({ api, job, pollMs }: CutoverViewProps) {
  const c = useCutover(api, job, pollMs);
  const [threshold, setThreshold] = useState<string | null>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  const state = c.state;
  const source = state?.source ?? 'the source server';

  const thresholdText = threshold ?? String(state?.lagThresholdSeconds ?? 5);
  const thresholdValue = Number(thresholdText);
  const thresholdError = thresholdText.trim() === '' || !Number.isFinite(thresholdValue) || thresholdValue < 0 || thresholdValue > 86_400 ? 'A number of seconds from 0 to 86,400.' : undefined;

  const run = (step: CutoverStep) => {
    if (step.needsConfirmation) return setPending({ kind: 'run', step });
    if (step.id === 'lag') {
      if (!thresholdError) c.run('lag', { lagThresholdSeconds: thresholdValue });
      return;
    }
    c.run(step.id);
  };

  return (
    <section className="view cutover-view" aria-labelledby="cutover-title" data-testid="cutover-view">
      <div className="view-header">
        <h1 id="cutover-title" className="job-title">
          Cut over {job}
        </h1>
        {state && (
          <span className="muted" data-testid="cutover-progress">
            {progressText(state)}
          </span>
        )}
        <span className="header-spacer" />
        {state?.switched && state.steps.some((s) => s.id === 'reverse' && s.state === 'done') && (
          <a href={rollbackHash(job)} className="btn btn-default" data-testid="link-rollback">
            Roll back…
          </a>
        )}
        <a href={jobHash(job)} className="btn btn-quiet" data-testid="link-back-to-job">
          Back to the dashboard
        </a>
      </div>
      <ErrorBanner error={c.loadError} title="Cannot read the cutover checklist" />
      <ErrorBanner error={c.action.error} onDismiss={c.action.clearError} />
      {!state && !c.loadError && (
        <p className="muted" role="status">
          Loading…
        </p>
      )}
      {state?.complete && (
        <div className="banner banner-ok" role="status" data-testid="cutover-complete">
          <p className="banner-message">
            <strong>Cutover complete.</strong> Point the applications at the sink, and keep the report with the change record.
          </p>
        </div>
      )}
      {state?.writable && (
        <div
          className={`banner ${state.writable.takesWrites === 'neither' || state.writable.takesWrites === 'both' || state.writable.takesWrites === 'unknown' ? 'banner-warn' : 'banner-ok'}`}
          role="status"
          data-testid="cutover-writable"
          data-takes-writes={state.writable.takesWrites}
        >
          <p className="banner-message">
            <strong>{WRITES_TITLE[state.writable.takesWrites]}</strong> {state.writable.detail}
          </p>
        </div>
      )}
      {state && (
        <>
          <p className="muted">
            Work down the list. Each step records what it found, who ran it and when; each says how to roll it back. Lag now:{' '}
            <strong className="num" data-testid="cutover-lag">
              {state.lagSeconds === null ? 'not streaming' : state.lagSeconds < 60 ? `${formatNumber(state.lagSeconds, 1)} s` : formatDuration(state.lagSeconds)}
            </strong>
          </p>
          <h2 className="visually-hidden">Checklist</h2>
          <ol className="cutover-steps" aria-label="Checklist">
            {state.steps.map((step, i) => (
              <CutoverStepCard
                key={step.id}
                step={step}
                index={i}
                busy={c.action.busy}
                onRun={() => run(step)}
                onSkip={() => c.run(step.id, { skip: true })}
                onUndo={() => setPending({ kind: 'undo', step })}
              >
                {step.id === 'lag' && (
                  <Field name="cutover.lagThreshold" label="Threshold (seconds)" error={thresholdError} hint="The step passes when the stream's lag is under this.">
                    {(p) => <input {...p} type="number" min={0} step="any" className="narrow" value={thresholdText} onChange={(e) => setThreshold(e.target.value)} data-testid="cutover-lag-threshold" />}
                  </Field>
                )}
                {step.id === 'read-only' && step.state !== 'done' && <OpenTransactions sessions={state.openTransactions} />}
                {step.id === 'read-only' && state.bypass && (
                  <BypassSessions bypass={state.bypass} busy={c.action.busy !== null} onKill={() => state.bypass && setPending({ kind: 'kill', sessions: state.bypass.sessions })} />
                )}
                {step.id === 'report' && <ReportExport api={api} job={job} />}
              </CutoverStepCard>
            ))}
          </ol>
          <DeferredList objects={state.deferred} from={state.deferredSource} error={state.deferredError} />
        </>
      )}

      {pending?.kind === 'kill' && (
        <ConfirmDialog
          title={`Kill ${pending.sessions.length} session(s) on ${source}?`}
          confirmLabel="Kill these sessions"
          danger
          onCancel={() => setPending(null)}
          onConfirm={() => {
            const ids = pending.sessions.map((s) => s.id);
            setPending(null);
            c.kill(ids);
          }}
        >
          <p>
            Runs <code>KILL CONNECTION</code> for:
          </p>
          <ul data-testid="cutover-kill-list">
            {pending.sessions.map((s) => (
              <li key={s.id}>
                <code>{sessionName(s)}</code> ({s.command}, {s.timeSeconds} s{s.privilege ? `, ${s.privilege}` : ''})
              </li>
            ))}
          </ul>
          <p className="small muted">Their open transactions are rolled back. Then run “{'Source read-only, proven'}” again to re-check.</p>
        </ConfirmDialog>
      )}
      {pending && pending.kind !== 'kill' && (
        <ConfirmDialog
          title={pending.kind === 'undo' ? `Undo "${pending.step.title}"?` : pending.step.id === 'read-only' ? `Make ${source} read-only?` : `Run "${pending.step.title}"?`}
          confirmLabel={pending.kind === 'undo' ? 'Undo' : pending.step.id === 'read-only' ? 'Set read-only' : 'Run'}
          danger={pending.kind === 'run'}
          onCancel={() => setPending(null)}
          onConfirm={() => {
            const p = pending;
            setPending(null);
            if (p.kind === 'undo') c.undo(p.step.id);
            else c.run(p.step.id, { confirm: true });
          }}
        >
          {pending.kind === 'undo' ? (
            <p>{pending.step.rollback}</p>
          ) : pending.step.id === 'read-only' ? (
            <>
              <p>
                Sets <strong>{source}</strong> read-only (MySQL: <code>super_read_only = ON</code>; MariaDB: <code>read_only = ON</code>), then watches its change stream: a
                write to the job’s tables after that point fails the step and names the sessions that made it possible.
              </p>
              <p>From then on every write to the source by the applications fails. Stop or drain the applications&apos; writes first.</p>
              {state && <OpenTransactions sessions={state.openTransactions} />}
              <p className="small muted">Undo sets read-only back to what it was.</p>
            </>
          ) : (
            <>
              <p>{pending.step.description}</p>
              <p className="small muted">How to roll back: {pending.step.rollback}</p>
            </>
          )}
        </ConfirmDialog>
      )}
    </section>
  );
}

/** Which server takes writes now, as the banner's title says it. */
const WRITES_TITLE: Record<NonNullable<CutoverState['writable']>['takesWrites'], string> = {
  source: 'Writes go to the source.',
  sink: 'Writes go to the sink.',
  neither: 'Neither server takes writes.',
  both: 'Both servers take writes.',
  unknown: 'Which server takes writes is unknown.',
};
