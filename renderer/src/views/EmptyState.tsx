// Shown when there is no job yet: what Cutover does, and how to begin: a new migration (the wizard),
// a job file, or the demo.
import { useEffect, useState } from 'react';
import type { DemoInfo } from '../../../shared/api';
import { Button } from '../components/Button';
import { ProgressBar } from '../components/ProgressBar';

export interface EmptyStateProps {
  demo: DemoInfo | null;
  demoStarting: boolean;
  /** A wizard draft is saved: the first button continues it. */
  hasDraft: boolean;
  onNewMigration(): void;
  onOpenJob(): void;
  onStartDemo(): void;
}

export function EmptyState({ demo, demoStarting, hasDraft, onNewMigration, onOpenJob, onStartDemo }: EmptyStateProps) {
  const demoUnavailable = demo !== null && !demo.available;
  return (
    <section className="empty-state" aria-labelledby="empty-title" data-testid="empty-state">
      <h1 id="empty-title">Move a live MySQL or MariaDB database</h1>
      <p>Cutover copies every table exactly and resumably, then follows the source's binlog and keeps the new server in step until you cut over.</p>
      <p>Start a migration with the guided wizard, open a job file describing the source, the sink and the tables — or try it on throwaway demo servers.</p>
      <div className="empty-actions">
        <Button variant="primary" onClick={onNewMigration} data-testid="btn-new-migration-empty">
          {hasDraft ? 'Continue migration draft' : 'New migration'}
        </Button>
        <Button onClick={onOpenJob} data-testid="btn-open-job-empty">
          Open a job file…
        </Button>
        <Button
          onClick={onStartDemo}
          disabled={demo === null || demoUnavailable}
          busy={demoStarting}
          data-testid="btn-demo"
          aria-describedby={demoUnavailable ? 'demo-reason' : undefined}
        >
          Try the demo
        </Button>
      </div>
      {demoUnavailable && (
        <p id="demo-reason" className="demo-reason" data-testid="demo-reason">
          The demo is not available here: {demo.reason ?? 'no reason given.'}
        </p>
      )}
      {demoStarting && <DemoProgress />}
    </section>
  );
}

function DemoProgress() {
  const [seconds, setSeconds] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setSeconds((s) => s + 1), 1000);
    return () => clearInterval(t);
  }, []);
  return (
    <div className="demo-progress" role="status" data-testid="demo-progress">
      <p>
        Starting the demo servers… <span className="num">{seconds} s</span> <span className="muted">(this takes about 30 seconds)</span>
      </p>
      <ProgressBar label="Starting the demo servers" />
    </div>
  );
}
