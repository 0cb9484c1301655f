// Stand-ins for the widgets (tested by their own suites; jsdom has no canvas). Test files use them with
//   vi.mock('../../widgets/…/X', () => import('./widget-stubs'))
import type { TableStatus } from '../../../../shared/api';

export function MetricsCharts({ job }: { job: string }) {
  return <div data-testid="charts-stub">{job}</div>;
}

export function LogViewer({ job }: { job?: string }) {
  return <div data-testid="log-stub">{job}</div>;
}

export function TableGrid(p: { tables: TableStatus[]; onRetry(t: string): void; onRecopy(t: string): void; canRecopy: boolean }) {
  return (
    <div data-testid="grid-stub" data-can-recopy={String(p.canRecopy)}>
      {p.tables.map((t) => (
        <span key={t.source}>
          <button type="button" onClick={() => p.onRetry(t.source)}>
            retry {t.source}
          </button>
          <button type="button" onClick={() => p.onRecopy(t.source)}>
            recopy {t.source}
          </button>
        </span>
      ))}
    </div>
  );
}
