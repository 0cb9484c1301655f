// The left-hand jobs list: name, state badge, phase, progress, lag and last activity. A switched job and its
// reverse job are shown together: the reverse job right under it, indented, with the rollback's readiness.
import type { JobSummary } from '../../../shared/api';
import { StateBadge } from '../components/StateBadge';
import { ProgressBar } from '../components/ProgressBar';
import { Time } from '../components/Time';
import { formatDuration, formatNumber, formatPercent } from '../format';
import { rollbackReadiness } from './cutover/rollback-model';
import { jobHash } from './route';

const COPY_PHASES = new Set(['preflight', 'schema', 'copying', 'views']);

export function phaseLabel(phase: string): string {
  return phase === 'catching-up' ? 'catching up' : phase;
}

/** The list's order: each reverse job right after its forward job (when both are listed). */
export function pairedOrder(jobs: JobSummary[]): JobSummary[] {
  const names = new Set(jobs.map((j) => j.name));
  const nested = (j: JobSummary): boolean => j.pair?.role === 'reverse' && names.has(j.pair.job);
  const out: JobSummary[] = [];
  for (const j of jobs) {
    if (nested(j)) continue;
    out.push(j);
    if (j.pair?.role === 'forward') out.push(...jobs.filter((r) => nested(r) && r.pair!.job === j.name));
  }
  return out;
}

export function JobsList({ jobs, selected }: { jobs: JobSummary[]; selected: string | null }) {
  if (jobs.length === 0) return <p className="muted small jobs-empty">No jobs yet.</p>;
  return (
    <ul className="job-list" data-testid="job-list" aria-label="Jobs">
      {pairedOrder(jobs).map((j) => {
        const reverseOf = j.pair?.role === 'reverse' ? j.pair.job : null;
        const readiness = reverseOf ? rollbackReadiness(j) : null;
        const isSelected = j.name === selected;
        // Copy progress while the copy runs (or stopped in it); the lag once the job streams.
        const inCopy = COPY_PHASES.has(j.phase);
        const showCopy = j.mode !== 'stream' && j.estimatedRows > 0 && (inCopy || j.phase === 'done');
        return (
          <li key={j.name}>
            <a
              href={jobHash(j.name)}
              className={`job-item${isSelected ? ' is-selected' : ''}${reverseOf ? ' job-item-reverse' : ''}`}
              data-testid={`job-item-${j.name}`}
              aria-current={isSelected ? 'page' : undefined}
            >
              <span className="job-item-head">
                <span className="job-item-name" title={j.name}>
                  {j.name}
                </span>
                <StateBadge state={j.state} />
              </span>
              <span className="job-item-meta">
                <span>{phaseLabel(j.phase)}</span>
                {showCopy && <span className="num">{formatPercent(j.rowsCopied, j.estimatedRows)}</span>}
                {j.lagSeconds !== null && <span className="num">lag {formatDuration(j.lagSeconds)}</span>}
                <span className="job-item-time">
                  <Time ms={j.lastActivity} relative />
                </span>
              </span>
              {showCopy && inCopy && (
                <ProgressBar value={j.rowsCopied} max={j.estimatedRows} label={`${j.name}: ${formatNumber(j.rowsCopied)} of about ${formatNumber(j.estimatedRows)} rows copied`} className="job-item-progress" />
              )}
              {j.pair?.role === 'forward' && (
                <span className="job-item-meta" data-testid={`job-pair-${j.name}`}>
                  switched · way back: {j.pair.job}
                </span>
              )}
              {reverseOf && readiness && (
                <span className="job-item-meta" data-testid={`job-pair-${j.name}`}>
                  way back of {reverseOf} · rollback{' '}
                  <span className={`readiness readiness-${readiness.state}`} data-testid={`job-readiness-${j.name}`} data-readiness={readiness.state}>
                    {readiness.label}
                  </span>
                </span>
              )}
              {j.error && <span className="job-item-error">{j.error}</span>}
            </a>
          </li>
        );
      })}
    </ul>
  );
}
