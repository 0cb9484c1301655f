// A warning while the job (its copy or its stream) waits for a sink that does not answer (a stopped,
// frozen or locked server).
import type { JobStatus } from '../../../shared/api';
import { formatDuration } from '../format';

export function SinkWaitBanner({ status }: { status: JobStatus }) {
  const waiting = status.state === 'running' ? status.sinkWaitingSeconds : null;
  if (waiting === null) return null;
  return (
    <div className="banner banner-warn" role="status" data-testid="sink-waiting">
      <div className="banner-body">
        <p className="banner-message">
          <span aria-hidden="true">⚠ </span>The sink has not answered for {formatDuration(waiting)}: the job is waiting for it and goes on when it answers.
        </p>
        <p className="banner-fix">Check that the sink server is running and not stopped, overloaded or waiting on a lock (SHOW PROCESSLIST; on the sink).</p>
      </div>
    </div>
  );
}
