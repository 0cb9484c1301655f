// The Preflight step: what the job will do (copy and stream, copy only, stream only: it decides what the
// checks require), then the checks on the source, grouped fail / warn / pass; each problem shows the SQL
// or setting that fixes it, with a Copy button. Runs by itself when the last report is for another
// source or mode; Re-run after applying a fix. A source that fails only what streaming needs (the binlog
// off, no replication privilege) can go on as a copy-only job.
import { useEffect, useRef } from 'react';
import type { CheckItem, CheckStatus } from '../../../../shared/preflight';
import { copyOnlyWouldPass, type JobMode, type WizardDraft } from '../../../../shared/wizard';
import { Button } from '../../components/Button';
import { naturalSort } from '../../../../shared/natural-sort';
import { CodeBlock } from '../../components/CopyButton';
import { ChoiceField } from '../../components/Field';
import { fixParts } from './fix-parts';
import { ErrorBanner } from '../../components/ErrorBanner';
import { FieldErrorText } from '../../components/Field';
import { fieldDomId } from '../../components/field-errors';
import { ProgressBar } from '../../components/ProgressBar';
import { Time } from '../../components/Time';
import { useAction } from '../../components/useAction';
import { JOB_MODES } from './job-modes';
import type { StepProps } from './step-props';
import { isStreaming, preflightStale } from './wizard-model';

const GROUPS: { status: CheckStatus; title: string }[] = [
  { status: 'fail', title: 'Failed — fix these before going on' },
  { status: 'warn', title: 'Warnings — worth a look' },
  { status: 'pass', title: 'Passed' },
];

export function PreflightStep({ api, draft, update, errors }: StepProps) {
  const action = useAction();
  const p = draft.preflight;
  const report = p.forProfile === draft.source.profile ? p.report : null;

  const run = async (d: WizardDraft = draft) => {
    const forProfile = d.source.profile;
    const streaming = isStreaming(d);
    const r = await action.run('preflight', () => api.call('wizardPreflight', d));
    if (r) update((cur) => ({ ...cur, preflight: { report: r, ranAt: Date.now(), forProfile, streaming } }));
  };

  /** Another mode: the checks run again when what they require changed (streaming or not). */
  const chooseMode = (mode: JobMode) => {
    const next: WizardDraft = { ...draft, options: { ...draft.options, mode } };
    update((d) => ({ ...d, options: { ...d.options, mode } }));
    if (report && p.streaming !== isStreaming(next)) void run(next);
  };

  // Once on arrival: a report for another source or mode is out of date.
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    if (draft.source.profile && preflightStale(draft)) void run();
    // Once per visit, not on every change of the draft.
  }, []);

  const counts = { fail: 0, warn: 0, pass: 0 };
  for (const i of report?.items ?? []) counts[i.status]++;
  const running = action.busy === 'preflight';

  return (
    <section className="wizard-step" aria-labelledby="step-title" data-testid="wizard-panel-preflight">
      <h2 id="step-title" className="step-title">
        Preflight checks on {draft.source.profile ?? 'the source'}
      </h2>
      <ChoiceField name="preflight.mode" legend="What will the job do?" value={draft.options.mode} onChange={chooseMode} choices={JOB_MODES} />
      <p className="muted">
        {isStreaming(draft)
          ? 'Checked for a copy and a stream: binlog settings and replication privileges included.'
          : 'Checked for a copy only (the job does not stream): binlog settings are not required.'}
      </p>
      <div className="form-actions" id={fieldDomId('preflight')}>
        <Button variant={report ? 'default' : 'primary'} onClick={() => void run()} busy={running} data-testid="preflight-rerun">
          {report ? 'Run the checks again' : 'Run the checks'}
        </Button>
        {report && p.ranAt && (
          <span className="small muted">
            Last run <Time ms={p.ranAt} relative /> {p.streaming ? '(copy and stream)' : '(copy only)'}
          </span>
        )}
      </div>
      <FieldErrorText id={`${fieldDomId('preflight')}-error`} name="preflight" error={errors.get('preflight')} />
      <ErrorBanner error={action.error} title="The checks could not run" onDismiss={action.clearError} />
      {running && (
        <div role="status" className="stack-small">
          <p>Running the checks on {draft.source.profile}…</p>
          <ProgressBar label="Running the preflight checks" />
        </div>
      )}
      {report && (
        <div className="preflight-report" data-testid="preflight-report" data-ok={String(report.ok)}>
          <p className={report.ok ? 'test-result test-ok' : 'test-result test-fail'}>
            <strong>{report.ok ? '✓ The source is ready' : '✕ The source is not ready yet'}</strong>{' '}
            <span className="num">
              {counts.fail} failed · {counts.warn} {counts.warn === 1 ? 'warning' : 'warnings'} · {counts.pass} passed
            </span>
            {report.source.version && (
              <span className="muted">
                {' '}
                — {report.source.flavor ?? 'server'} {report.source.version} at <code>{report.source.url}</code>
              </span>
            )}
          </p>
          {!report.ok && isStreaming(draft) && copyOnlyWouldPass(report) && (
            <div className="panel stack-small" data-testid="preflight-copy-only">
              <p>
                Only what streaming needs failed (binlog settings or replication privileges). A copy-only job copies every table once without the binlog: apply the fixes below
                to stream, or go on without streaming.
              </p>
              <Button onClick={() => chooseMode('snapshot')} disabled={running} data-testid="btn-continue-copy-only">
                Continue as a copy-only job
              </Button>
            </div>
          )}
          {GROUPS.map((g) => {
            const items = report.items.filter((i) => i.status === g.status);
            if (!items.length) return null;
            const list = (
              <ul className="check-list">
                {items.map((i) => (
                  <CheckRow key={`${i.side}:${i.id}`} item={i} />
                ))}
              </ul>
            );
            return g.status === 'pass' ? (
              <details key={g.status} className="check-group">
                <summary>
                  {g.title} ({items.length})
                </summary>
                {list}
              </details>
            ) : (
              <section key={g.status} className="check-group" aria-label={g.title}>
                <h3 className="check-group-title">
                  {g.title} ({items.length})
                </h3>
                {list}
              </section>
            );
          })}
        </div>
      )}
    </section>
  );
}

const SYMBOLS: Record<CheckStatus, string> = { fail: '✕', warn: '⚠', pass: '✓' };
const TONES: Record<CheckStatus, string> = { fail: 'error', warn: 'warn', pass: 'ok' };

/** The fix: statements and my.cnf blocks in code boxes with a Copy button, explanations as text. */
function Fix({ fix, title, id }: { fix: string; title: string; id: string }) {
  const parts = fixParts(fix);
  let code = 0;
  return (
    <div className="check-fix" data-testid={`preflight-fix-${id}`}>
      {parts.map((p, i) =>
        p.kind === 'code' ? (
          <CodeBlock key={i} code={p.text} what={`the fix for "${title}"`} copyTestId={code++ === 0 ? `preflight-copy-${id}` : undefined} />
        ) : (
          <p key={i} className="small">
            {p.text}
          </p>
        ),
      )}
    </div>
  );
}

function CheckRow({ item }: { item: CheckItem }) {
  return (
    <li className={`check check-${item.status}`} data-testid={`preflight-item-${item.id}`} data-status={item.status}>
      <p className="check-head">
        <span className={`badge badge-${TONES[item.status]}`}>
          <span aria-hidden="true">{SYMBOLS[item.status]}</span> {item.status}
        </span>{' '}
        <strong>{item.title}</strong> {item.side === 'sink' && <span className="muted small">(sink)</span>}
      </p>
      <p className="check-detail">{item.detail}</p>
      {item.tables && item.tables.length > 0 && (
        <p className="small muted">
          Tables: {naturalSort(item.tables, (t) => t).slice(0, 10).join(', ')}
          {item.tables.length > 10 && ` and ${item.tables.length - 10} more`}
        </p>
      )}
      {item.fix && item.status !== 'pass' && <Fix fix={item.fix} title={item.title} id={item.id} />}
    </li>
  );
}
