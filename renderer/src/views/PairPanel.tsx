// A switch with a way back pairs two jobs: on the switched job's dashboard and on its reverse job's, which
// job is the other, the rollback's readiness (the reverse job's state and lag) and the way to the rollback.
import type { JobSummary } from '../../../shared/api';
import { forwardOf, rollbackReadiness } from './cutover/rollback-model';
import { jobHash, rollbackHash } from './route';

export function PairPanel({ job, jobs }: { job: string; jobs: JobSummary[] }) {
  const me = jobs.find((j) => j.name === job);
  const forward = me ? forwardOf(me) : null;
  if (!me?.pair || !forward) return null;
  const reverseName = me.pair.role === 'forward' ? me.pair.job : me.name;
  const r = rollbackReadiness(jobs.find((j) => j.name === reverseName));
  return (
    <div className="banner banner-info job-pair" role="status" data-testid="job-pair" data-role={me.pair.role}>
      <div className="banner-body">
        <p className="banner-message">
          {me.pair.role === 'forward' ? (
            <>
              <strong>Switched.</strong> The application writes to the new server; its way back is the reverse job{' '}
              <a href={jobHash(reverseName)} data-testid="pair-link">
                {reverseName}
              </a>
              , which keeps the old server in step.
            </>
          ) : (
            <>
              <strong>The way back of{' '}
                <a href={jobHash(forward)} data-testid="pair-link">
                  {forward}
                </a>
              </strong>
              : this job applies the new server’s writes to the old server, so that a rollback loses none.
            </>
          )}
        </p>
        <p className="banner-message" data-testid="rollback-readiness" data-readiness={r.state}>
          Rollback readiness: <strong className={`readiness readiness-${r.state}`}>{r.label}</strong> — {r.detail}
        </p>
      </div>
      <a className="btn btn-default" href={rollbackHash(forward)} data-testid="btn-rollback">
        Roll back…
      </a>
    </div>
  );
}
