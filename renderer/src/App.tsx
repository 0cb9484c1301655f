// The app shell: header (product, state file, connection, theme), alerts, the sidebar (new migration,
// connections, jobs) and the routed view: a job, its cutover assistant, the wizard or the connections.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiError, HostInfo, JobError, JobSummary } from '../../shared/api';
import type { AppApi } from './api/connection';
import { toApiError } from './api/errors';
import { ConnectionBanner, ConnectionIndicator, useConnection } from './components/ConnectionStatus';
import { ErrorBanner } from './components/ErrorBanner';
import { ThemeToggle, useTheme } from './components/ThemeToggle';
import { ConnectionsView } from './views/connections/ConnectionsView';
import { ConsumeView } from './views/kafka/ConsumeView';
import { RollbackView } from './views/cutover/RollbackView';
import { CutoverView } from './views/cutover/CutoverView';
import { EmptyState } from './views/EmptyState';
import { ErrorsPanel } from './views/ErrorsPanel';
import { JobView } from './views/JobView';
import { navigate, navigateToJob, routeJob, useRoute } from './views/route';
import { Sidebar } from './views/Sidebar';
import { useFileDrop } from './views/useFileDrop';
import { WizardView } from './views/wizard/WizardView';

export function App({ api }: { api: AppApi }) {
  const [theme, toggleTheme] = useTheme();
  const connection = useConnection(api.connection);
  const route = useRoute();
  const [info, setInfo] = useState<HostInfo | null>(null);
  const [jobs, setJobs] = useState<JobSummary[] | null>(null);
  const [errors, setErrors] = useState<JobError[]>([]);
  const [dismissing, setDismissing] = useState<ReadonlySet<number>>(new Set());
  const [appError, setAppError] = useState<ApiError | null>(null);
  const [demoStarting, setDemoStarting] = useState(false);
  const [refreshKey, setRefreshKey] = useState(0);
  const [hasDraft, setHasDraft] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const mainRef = useRef<HTMLElement>(null);

  // Events: the jobs list and the errors; initial data from info(), listJobs() and errors().
  useEffect(() => {
    let live = true;
    // An event that arrives before the initial answer is at least as recent: keep it.
    let pushedJobs = false;
    let pushedErrors = false;
    const off = api.subscribe(null, (event) => {
      if (event.type === 'jobs') {
        pushedJobs = true;
        setJobs(event.jobs);
      } else if (event.type === 'errors') {
        pushedErrors = true;
        setErrors(event.errors);
      }
    });
    const fail = (e: unknown) => live && setAppError(toApiError(e));
    api.call('info').then((i) => live && setInfo(i), fail);
    api.call('listJobs').then((j) => live && !pushedJobs && setJobs(j), (e: unknown) => {
      fail(e);
      if (live && !pushedJobs) setJobs((j) => j ?? []);
    });
    api.call('errors').then((e) => live && !pushedErrors && setErrors(e), fail);
    return () => {
      live = false;
      off();
    };
  }, [api, refreshKey]);

  // After a reconnect, load everything again: events only carry what changed.
  const wasDisconnected = useRef(false);
  useEffect(() => {
    if (connection.state === 'disconnected') wasDisconnected.current = true;
    else if (connection.state === 'connected' && wasDisconnected.current) {
      wasDisconnected.current = false;
      setRefreshKey((k) => k + 1);
    }
  }, [connection.state]);

  // Whether a wizard draft is saved ("Continue migration draft"): asked again on every route change, as
  // the wizard saves, discards or turns it into a job.
  useEffect(() => {
    let live = true;
    api.call('getDraft').then(
      (d) => live && setHasDraft(d !== null),
      () => live && setHasDraft(false),
    );
    return () => {
      live = false;
    };
  }, [api, route.view, refreshKey]);

  const openText = useCallback(
    async (file: File) => {
      if (!/\.json$/i.test(file.name) && file.type !== 'application/json') {
        setAppError(toApiError(new Error(`"${file.name}" is not a job file: choose a .json job file.`)));
        return;
      }
      try {
        const text = await file.text();
        const { name } = await api.call('openJob', { text, fileName: file.name });
        setAppError(null);
        navigateToJob(name);
        api.call('listJobs').then(setJobs, () => undefined);
      } catch (e) {
        setAppError(toApiError(e));
      }
    },
    [api],
  );

  const dragging = useFileDrop((file) => void openText(file));

  const startDemo = async () => {
    setDemoStarting(true);
    setAppError(null);
    try {
      const { name } = await api.call('startDemo');
      navigateToJob(name);
      api.call('listJobs').then(setJobs, () => undefined);
    } catch (e) {
      setAppError(toApiError(e));
    } finally {
      setDemoStarting(false);
    }
  };

  const dismissError = async (id: number) => {
    setDismissing((s) => new Set(s).add(id));
    try {
      await api.call('dismissError', id);
      setErrors((list) => list.filter((e) => e.id !== id));
    } catch (e) {
      setAppError(toApiError(e));
    } finally {
      setDismissing((s) => {
        const n = new Set(s);
        n.delete(id);
        return n;
      });
    }
  };

  const selected = routeJob(route) ?? (route.view === 'home' ? (jobs?.[0]?.name ?? null) : null);
  const summary = jobs?.find((j) => j.name === selected);
  const openPicker = () => fileInput.current?.click();
  const hasAlerts = connection.state === 'disconnected' || appError !== null || errors.length > 0;

  return (
    <div className="app">
      <header className="app-header">
        <button type="button" className="skip-link" onClick={() => mainRef.current?.focus()}>
          Skip to content
        </button>
        <span className="brand">
          <span className="brand-mark" aria-hidden="true">
            ⇉
          </span>
          Cutover
          {info && <span className="brand-version num">v{info.version}</span>}
        </span>
        <span className="state-path" title="Every job's progress, metrics and logs live in this file">
          <span className="muted">State file</span> <code data-testid="state-path">{info?.statePath ?? '…'}</code>
        </span>
        <span className="header-spacer" />
        <ConnectionIndicator info={connection} />
        <ThemeToggle theme={theme} onToggle={toggleTheme} />
      </header>

      {hasAlerts && (
        <section className="alerts" aria-label="Alerts">
          <ConnectionBanner info={connection} />
          <ErrorBanner error={appError} onDismiss={() => setAppError(null)} />
          <ErrorsPanel errors={errors} onDismiss={(id) => void dismissError(id)} dismissing={dismissing} />
        </section>
      )}

      <div className="layout">
        <Sidebar route={route} jobs={jobs} selected={selected} hasDraft={hasDraft} onOpenJob={openPicker} />

        <main className="content" id="main" ref={mainRef} tabIndex={-1}>
          {route.view === 'new' ? (
            <WizardView api={api} />
          ) : route.view === 'connections' ? (
            <ConnectionsView api={api} />
          ) : route.view === 'consume' ? (
            <ConsumeView key={route.profile ?? ''} api={api} profile={route.profile} />
          ) : route.view === 'cutover' ? (
            <CutoverView key={route.job} api={api} job={route.job} />
          ) : route.view === 'rollback' ? (
            <RollbackView key={route.job} api={api} job={route.job} />
          ) : selected ? (
            <JobView key={selected} api={api} job={selected} controllable={summary?.controllable ?? true} refreshKey={refreshKey} jobs={jobs ?? []} />
          ) : jobs !== null ? (
            <EmptyState
              demo={info?.demo ?? null}
              demoStarting={demoStarting}
              hasDraft={hasDraft}
              onNewMigration={() => navigate({ view: 'new' })}
              onOpenJob={openPicker}
              onStartDemo={() => void startDemo()}
            />
          ) : (
            <p className="muted" role="status">
              Loading…
            </p>
          )}
        </main>
      </div>

      <input
        ref={fileInput}
        type="file"
        accept=".json,application/json"
        hidden
        aria-label="Job file"
        data-testid="open-job-input"
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = '';
          if (file) void openText(file);
        }}
      />

      {dragging && (
        <div className="drop-overlay" data-testid="drop-overlay" aria-hidden="true">
          <div className="drop-overlay-box">Drop the job file (.json) to open it</div>
        </div>
      )}
    </div>
  );
}
