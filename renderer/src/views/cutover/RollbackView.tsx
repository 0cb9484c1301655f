// The rollback (#/jobs/<name>/rollback, <name> the switched job): back to the old server through the reverse
// job the switch started — the new server frozen (proven), the reverse job fenced, drained and stopped, the
// old server verified against the new, its triggers back, its read-only lifted, the report — each step with
// its result, fix, operator and times. Which server takes writes is always shown; a rollback interrupted by
// a crash is resumed by the engine when the page opens, and the page says so.
import { useState, type ReactNode } from 'react';
import type { CutoverApi, RollbackState, RollbackStep } from '../../../../shared/api';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Time } from '../../components/Time';
import { useLoad } from '../../components/useLoad';
import { cutoverHash, jobHash } from '../route';
import { CutoverStepCard } from './CutoverStepCard';
import { ReportExport } from './ReportExport';
import { rollbackProgress, rollbackReadiness } from './rollback-model';
import { useRollback } from './useRollback';
import './cutover.css';

export interface RollbackViewProps {
  api: CutoverApi;
  /** The switched (forward) job. */
  job: string;
  /** How often a running step is polled (ms). */
  pollMs?: number;
}

export function RollbackView({ api, job, pollMs }: RollbackViewProps) {
  const r = useRollback(api, job, pollMs);
  const [pending, setPending] = useState<RollbackStep | null>(null);
  const state = r.state;
  const run = (step: RollbackStep) => (step.needsConfirmation ? setPending(step) : r.run(step.id));
  return (
    <section className="view cutover-view" aria-labelledby="rollback-title" data-testid="rollback-view">
      <div className="view-header">
        <h1 id="rollback-title" className="job-title">
          Roll back {job}
        </h1>
        {state && (
          <span className="muted" data-testid="rollback-progress">
            {rollbackProgress(state)}
          </span>
        )}
        <span className="header-spacer" />
        <a href={cutoverHash(job)} className="btn btn-quiet" data-testid="link-to-cutover">
          The switch’s checklist
        </a>
        <a href={jobHash(job)} className="btn btn-quiet" data-testid="link-back-to-job">
          Back to the dashboard
        </a>
      </div>
      <ErrorBanner error={r.loadError} title="Cannot read the rollback checklist" />
      <ErrorBanner error={r.action.error} onDismiss={r.action.clearError} />
      {!state && !r.loadError && (
        <p className="muted" role="status">
          Loading…
        </p>
      )}
      {state && <WritableBanner state={state} />}
      {state && state.resumed.length > 0 && (
        <div className="banner banner-warn" role="status" data-testid="rollback-resumed">
          <p className="banner-message">
            <strong>The rollback was interrupted</strong> (the process running it is gone):{' '}
            {state.resumed.map((x, i) => (
              <span key={x.step}>
                {i > 0 && ', '}“{state.steps.find((s) => s.id === x.step)?.title ?? x.step}” resumed <Time ms={x.at} relative />
              </span>
            ))}{' '}
            from what it had recorded. Every step is safe to run again.
          </p>
        </div>
      )}
      {state?.rolledBack && (
        <div className="banner banner-ok" role="status" data-testid="rollback-complete">
          <p className="banner-message">
            <strong>Rolled back.</strong> Point the applications at the old server, and keep the report with the change record. Going forward again later is a new job.
          </p>
        </div>
      )}
      {state && (
        <>
          <p className="muted">
            From <strong>{state.newServer}</strong> (new) back to <strong>{state.oldServer}</strong> (old) through the reverse job{' '}
            {state.reverseJob ? (
              <a href={jobHash(state.reverseJob)} data-testid="link-reverse-job">
                {state.reverseJob}
              </a>
            ) : (
              '(none)'
            )}
            . <Readiness api={api} reverseJob={state.reverseJob} />
          </p>
          <h2 className="visually-hidden">Checklist</h2>
          <ol className="cutover-steps" aria-label="Rollback checklist">
            {state.steps.map((step, i) => (
              <CutoverStepCard key={step.id} prefix="rollback" step={step} index={i} busy={r.action.busy} onRun={() => run(step)}>
                {step.id === 'report' && step.state === 'done' && <ReportExport api={api} job={job} method="rollbackReport" />}
              </CutoverStepCard>
            ))}
          </ol>
        </>
      )}
      {pending && state && (
        <ConfirmDialog
          title={CONFIRM[pending.id]?.title(state) ?? `Run "${pending.title}"?`}
          confirmLabel={CONFIRM[pending.id]?.label ?? 'Run'}
          danger
          onCancel={() => setPending(null)}
          onConfirm={() => {
            const step = pending;
            setPending(null);
            r.run(step.id, { confirm: true });
          }}
        >
          {CONFIRM[pending.id]?.body(state) ?? <p>{pending.description}</p>}
        </ConfirmDialog>
      )}
    </section>
  );
}

/** What each confirmed step does, named in its dialog. */
const CONFIRM: Partial<Record<RollbackStep['id'], { title(s: RollbackState): string; label: string; body(s: RollbackState): ReactNode }>> = {
  freeze: {
    title: (s) => `Make the new server ${s.newServer} read-only?`,
    label: 'Set the new server read-only',
    body: (s) => (
      <>
        <p>
          Sets <strong>{s.newServer}</strong> read-only (MySQL: <code>super_read_only = ON</code>; MariaDB: <code>read_only = ON</code>), then watches its binlog: a write to the job’s tables
          after that point fails the step and names the sessions that made it.
        </p>
        <p>From then on every write of the applications to the new server fails, and the old server stays read-only until “Old server writable”: neither takes writes in between.</p>
        <p className="small muted">To go back instead: SET GLOBAL read_only = OFF on the new server.</p>
      </>
    ),
  },
  writable: {
    title: (s) => `Let the old server ${s.oldServer} take writes again?`,
    label: 'Lift read-only on the old server',
    body: (s) => (
      <>
        <p>
          Lifts read-only on <strong>{s.oldServer}</strong> (back to what it was before the cutover). The new server <strong>{s.newServer}</strong> stays read-only.
        </p>
        <p>Point the applications at the old server once this is done.</p>
      </>
    ),
  },
};

const WRITES_TITLE: Record<RollbackState['writable']['takesWrites'], string> = {
  new: 'Writes go to the new server.',
  old: 'Writes go to the old server.',
  neither: 'Neither server takes writes.',
  unknown: 'Which server takes writes is unknown.',
};

function WritableBanner({ state }: { state: RollbackState }) {
  const w = state.writable;
  return (
    <div className={`banner ${w.takesWrites === 'neither' || w.takesWrites === 'unknown' ? 'banner-warn' : 'banner-ok'}`} role="status" data-testid="rollback-writable" data-takes-writes={w.takesWrites}>
      <p className="banner-message">
        <strong>{WRITES_TITLE[w.takesWrites]}</strong> {w.detail}
      </p>
    </div>
  );
}

/** The reverse job's readiness, from the jobs list (its state and lag). */
function Readiness({ api, reverseJob }: { api: CutoverApi; reverseJob: string | null }) {
  const jobs = useLoad('rollback:jobs', () => api.call('listJobs'), () => 5000).data;
  if (!reverseJob || !jobs) return null;
  const r = rollbackReadiness(jobs.find((j) => j.name === reverseJob));
  return (
    <span data-testid="rollback-readiness" data-readiness={r.state}>
      Rollback readiness: <strong className={`readiness readiness-${r.state}`}>{r.label}</strong> — {r.detail}
    </span>
  );
}
