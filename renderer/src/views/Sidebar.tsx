// The left-hand side: "New migration" (or "Continue migration draft" when one is saved), Connections,
// opening a job file, and the jobs list.
import type { JobSummary } from '../../../shared/api';
import { Button } from '../components/Button';
import { JobsList } from './JobsList';
import { routeHash, type Route } from './route';

export interface SidebarProps {
  route: Route;
  jobs: JobSummary[] | null;
  selected: string | null;
  hasDraft: boolean;
  onOpenJob(): void;
}

export function Sidebar({ route, jobs, selected, hasDraft, onOpenJob }: SidebarProps) {
  return (
    <nav className="sidebar" aria-label="Jobs and connections">
      <div className="sidebar-nav">
        <a
          href={routeHash({ view: 'new' })}
          className="btn btn-primary sidebar-new"
          data-testid="btn-new-migration"
          aria-current={route.view === 'new' ? 'page' : undefined}
        >
          {hasDraft ? 'Continue migration draft' : 'New migration'}
        </a>
        <a href={routeHash({ view: 'connections' })} className={`sidebar-link${route.view === 'connections' ? ' is-selected' : ''}`} data-testid="nav-connections" aria-current={route.view === 'connections' ? 'page' : undefined}>
          Connections
        </a>
        <a href={routeHash({ view: 'consume', profile: null })} className={`sidebar-link${route.view === 'consume' ? ' is-selected' : ''}`} data-testid="nav-consume" aria-current={route.view === 'consume' ? 'page' : undefined}>
          Kafka consumer
        </a>
      </div>
      <div className="sidebar-head">
        <h2 id="jobs-title" className="sidebar-title">
          Jobs {jobs && <span className="muted num">({jobs.length})</span>}
        </h2>
        <Button onClick={onOpenJob} data-testid="btn-open-job" title="Open a job file (.json), or drop one anywhere on the window">
          Open job file…
        </Button>
      </div>
      {jobs === null ? <p className="muted small">Loading…</p> : <JobsList jobs={jobs} selected={selected} />}
    </nav>
  );
}
