// One job: title, state, phase timeline, controls, summary, positions, paused DDL, verification, charts,
// tables, log; the way to its cutover assistant once it streams; Remove (when it does not run).
import { useEffect, useState } from 'react';
import type { ApiError, CutoverApi, JobStatus, JobSummary } from '../../../shared/api';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ErrorBanner } from '../components/ErrorBanner';
import { StateBadge } from '../components/StateBadge';
import { Time } from '../components/Time';
import { useAction } from '../components/useAction';
import { useLoad } from '../components/useLoad';
import { toApiError } from '../api/errors';
import { MetricsCharts } from '../widgets/live-chart/MetricsCharts';
import { latestSample, useMetricFeed } from '../widgets/live-chart/metric-feed';
import { verifiedState } from '../../../shared/verify';
import { LogViewer } from '../widgets/log-viewer/LogViewer';
import { TableGrid } from '../widgets/table-grid/TableGrid';
import { JobControls, type Control } from './JobControls';
import { phaseLabel } from './JobsList';
import { PairPanel } from './PairPanel';
import { PausedTablesPanel } from './PausedTablesPanel';
import { PendingDdlPanel } from './PendingDdlPanel';
import { PhaseTimeline } from './PhaseTimeline';
import { PositionPanel } from './PositionPanel';
import { RemoveJob } from './RemoveJob';
import { SinkWaitBanner } from './SinkWaitBanner';
import { cutoverHash, navigate } from './route';
import { SummaryTiles } from './SummaryTiles';
import { phaseStep, type Proof } from './timeline';
import { useVerification } from './verify/useVerification';
import { VerifyPanel } from './verify/VerifyPanel';
import { ConsumerPanel } from './consumers/ConsumerPanel';
import { PausedMessagesPanel } from './consumers/PausedMessagesPanel';
import { useLagHistory } from './consumers/lag-history';

export interface JobViewProps {
  api: CutoverApi;
  job: string;
  /** From the jobs list: whether this host runs the job's process (default true when unknown). */
  controllable?: boolean;
  /** Changes when the data should be loaded again (e.g. after a reconnect). */
  refreshKey?: number;
  /** How often a running verification is polled (ms). */
  pollMs?: number;
  /** The jobs list (for the pairing of a switched job with its reverse job). */
  jobs?: JobSummary[];
}

/** Follows one job's status: the initial jobStatus() call, then 'status' events. */
export function useJobStatus(api: CutoverApi, job: string, refreshKey = 0): { status: JobStatus | null; error: ApiError | null } {
  const [status, setStatus] = useState<JobStatus | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    let live = true;
    let pushed = false;
    setError(null);
    const off = api.subscribe(job, (event) => {
      if (event.type === 'status' && event.job === job) {
        pushed = true;
        setStatus(event.status);
        setError(null);
      }
    });
    api.call('jobStatus', job).then(
      (s) => {
        // An event pushed meanwhile is at least as recent as this answer.
        if (live && !pushed) setStatus(s);
      },
      (e: unknown) => {
        if (live) setError(toApiError(e));
      },
    );
    return () => {
      live = false;
      off();
    };
  }, [api, job, refreshKey]);
  // A different job: forget the previous one's status at once.
  const [shownJob, setShownJob] = useState(job);
  if (shownJob !== job) {
    setShownJob(job);
    setStatus(null);
    setError(null);
  }
  return { status: status && status.name === job ? status : null, error };
}

/** Where the job's cutover assistant stands (for the timeline and the "Cut over…" link); null when unknown. */
function useCutoverProgress(api: CutoverApi, job: string): Proof['cutover'] {
  const state = useLoad(`cutover:${job}`, () => api.call('cutoverState', job)).data;
  if (!state) return null;
  if (state.complete) return 'complete';
  // Steps the assistant marks skipped on its own (a copy-only job has no lag or fence) do not mean it began.
  return state.steps.some((s) => s.state !== 'pending' && s.state !== 'skipped') ? 'started' : null;
}

export function JobView({ api, job, controllable = true, refreshKey = 0, pollMs, jobs = [] }: JobViewProps) {
  const { status, error: loadError } = useJobStatus(api, job, refreshKey);
  const verification = useVerification(api, job, pollMs);
  const cutover = useCutoverProgress(api, job);
  // One set of samples for the charts and the cards, so both show the same numbers.
  const feed = useMetricFeed(api, job);
  // Until the charts hold a sample (or when their history cannot be read) the cards show the status's numbers.
  const latest = feed.loading || feed.ring.length === 0 ? undefined : (latestSample(feed.ring) ?? undefined);
  const action = useAction();
  const [recopy, setRecopy] = useState<string | null>(null);
  const [skipsAsked, setSkipsAsked] = useState<ReadonlySet<string>>(() => new Set());
  const lagHistory = useLagHistory(status);

  const onAction = (c: Control) => {
    void action.run(c, () => (c === 'resume' ? api.call('resume', job) : api.call(c, job)));
  };
  const remove = async (cleanSink: boolean) => {
    if (await action.run('remove', () => api.call('removeJob', job, { cleanSink }))) navigate({ view: 'home' });
  };

  if (!status) {
    return (
      <section className="job-view" aria-labelledby="job-title">
        <h1 id="job-title" className="job-title">
          {job}
        </h1>
        {loadError ? <ErrorBanner error={loadError} title="Cannot load this job" /> : <p className="muted" role="status">Loading…</p>}
      </section>
    );
  }

  const canRecopy = status.stream === null && status.phase !== 'streaming';
  const streams = phaseStep(status.phase) === 'streaming';
  const history = verification.history;
  const proof: Proof = { verification: verification.report?.state ?? null, verified: history ? verifiedState(history) : undefined, cutover };
  const streamsAtAll = status.mode !== 'snapshot';
  return (
    <section className="job-view" aria-labelledby="job-title" data-testid="job-view">
      <div className="job-header">
        <div className="job-heading">
          <h1 id="job-title" className="job-title">
            {status.name}
          </h1>
          <StateBadge state={status.state} testId="job-state" />
          <span className="job-mode" title="Job mode">
            <span className="muted">mode</span> <code>{status.mode}</code>
          </span>
          <span className="job-phase">
            <span className="muted">phase</span> <span data-testid="job-phase">{phaseLabel(status.phase)}</span>
          </span>
          <span className="job-times small muted">
            started <Time ms={status.startedAt} /> · updated <Time ms={status.updatedAt} relative />
          </span>
        </div>
        <div className="controls">
          <JobControls state={status.state} busy={action.busy} controllable={controllable} onAction={onAction} />
          {(streams || cutover !== null) && (
            <a className="btn btn-default" href={cutoverHash(job)} data-testid="btn-cutover">
              Cut over…
            </a>
          )}
          <RemoveJob api={api} job={job} state={status.state} busy={action.busy === 'remove'} onRemove={(cleanSink) => void remove(cleanSink)} />
        </div>
      </div>

      <ErrorBanner error={action.error} onDismiss={action.clearError} />
      {status.error && (
        <div className="banner banner-error" role="status" data-testid="job-error">
          <div className="banner-body">
            <p className="banner-message">{status.error}</p>
          </div>
        </div>
      )}

      <PairPanel job={job} jobs={jobs} />

      <SinkWaitBanner status={status} />

      <PhaseTimeline mode={status.mode} phase={status.phase} state={status.state} proof={proof} />

      {status.stream?.pendingDdl && (
        <PendingDdlPanel
          ddl={status.stream.pendingDdl}
          busy={action.busy === 'skip-ddl'}
          onSkip={() => void action.run('skip-ddl', () => api.call('resume', job, { skipDdl: true }))}
        />
      )}

      {!!status.stream?.pausedTables?.length && (
        <PausedTablesPanel
          tables={status.stream.pausedTables}
          busy={action.busy}
          onResume={(table, skip) => void action.run(`${skip ? 'skip' : 'resume'}:${table}`, () => api.call('resumeTable', job, table, { skip }))}
        />
      )}

      {!!status.pausedMessages?.length && (
        <PausedMessagesPanel
          job={job}
          messages={status.pausedMessages}
          busy={action.busy}
          asked={skipsAsked}
          onSkip={(message) =>
            void action.run(`skip-message:${message}`, () => api.call('skipMessage', job, message)).then((ok) => {
              if (ok) setSkipsAsked((s) => new Set(s).add(message));
            })
          }
        />
      )}

      <SummaryTiles status={status} latest={latest} />

      {status.consumers && <ConsumerPanel consumers={status.consumers} paused={status.pausedMessages ?? []} history={lagHistory} />}

      <VerifyPanel v={verification} jobRunning={status.state === 'running'} />

      <div className="job-columns">
        <PositionPanel status={status} />
        <div className="panel charts-panel">
          <MetricsCharts
            api={api}
            job={job}
            feed={feed}
            streams={streamsAtAll}
            live={{ copy: status.state === 'running' && phaseStep(status.phase) === 'copy', stream: status.state === 'running' && (phaseStep(status.phase) === 'catching-up' || phaseStep(status.phase) === 'streaming') }}
          />
        </div>
      </div>

      <section className="panel" aria-labelledby="tables-title">
        <h2 id="tables-title" className="panel-title">
          Tables <span className="muted num">({status.tables.length})</span>
        </h2>
        <TableGrid
          tables={status.tables}
          canRecopy={canRecopy}
          onRetry={(table) => void action.run(`retry:${table}`, () => api.call('retryTable', job, table))}
          onRecopy={(table) => setRecopy(table)}
        />
      </section>

      <section className="panel" aria-labelledby="log-title">
        <h2 id="log-title" className="panel-title">
          Log
        </h2>
        <LogViewer api={api} job={job} />
      </section>

      {recopy && (
        <ConfirmDialog
          title={`Copy ${recopy} again?`}
          confirmLabel="Empty and copy again"
          danger
          onCancel={() => setRecopy(null)}
          onConfirm={() => {
            const table = recopy;
            setRecopy(null);
            void action.run(`recopy:${table}`, () => api.call('recopyTable', job, table));
          }}
        >
          <p>
            The table <code>{recopy}</code> is emptied on the sink and copied again from the start.
          </p>
        </ConfirmDialog>
      )}
      {action.busy && action.busy.includes(':') && (
        <p className="small muted" role="status">
          Working…
        </p>
      )}
    </section>
  );
}
