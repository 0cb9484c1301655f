// Errors that stay until the operator dismisses them: job, table, time, message and what to do.
import type { JobError } from '../../../shared/api';
import { Button } from '../components/Button';
import { FixText } from '../components/FixText';
import { Time } from '../components/Time';

export function ErrorsPanel({ errors, onDismiss, dismissing }: { errors: JobError[]; onDismiss(id: number): void; dismissing: ReadonlySet<number> }) {
  if (errors.length === 0) return null;
  return (
    <section className="errors-panel" data-testid="error-panel" aria-labelledby="errors-title">
      <h2 id="errors-title" className="errors-title">
        {errors.length === 1 ? '1 error needs attention' : `${errors.length} errors need attention`}
      </h2>
      <ul className="errors-list">
        {errors.map((e) => (
          <li key={e.id} className="error-item" data-testid={`error-item-${e.id}`}>
            <div className="error-body">
              <div className="error-meta">
                {e.job && (
                  <span>
                    <span className="muted">Job</span> <strong>{e.job}</strong>
                  </span>
                )}
                {e.table && (
                  <span>
                    <span className="muted">Table</span> <code>{e.table}</code>
                  </span>
                )}
                <Time ms={e.ts} />
              </div>
              <p className="error-message">{e.message}</p>
              <FixText fix={e.fix} />
            </div>
            <Button variant="quiet" onClick={() => onDismiss(e.id)} busy={dismissing.has(e.id)} aria-label={`Dismiss error: ${e.message}`} data-testid={`dismiss-error-${e.id}`}>
              Dismiss
            </Button>
          </li>
        ))}
      </ul>
    </section>
  );
}
