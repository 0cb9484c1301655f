// Start / Pause / Resume / Stop: only the actions the job's state allows are shown (Start for
// idle/stopped/failed/interrupted, Resume + Stop when paused, Pause + Stop when running); all are
// disabled while a call is in flight.
import { Button } from '../components/Button';

export type Control = 'start' | 'pause' | 'resume' | 'stop';

const ORDER: readonly Control[] = ['start', 'resume', 'pause', 'stop'];

export function enabledControls(state: string): Record<Control, boolean> {
  return {
    start: state === 'idle' || state === 'stopped' || state === 'failed' || state === 'interrupted',
    pause: state === 'running',
    resume: state === 'paused',
    stop: state === 'running' || state === 'paused',
  };
}

const LABELS: Record<Control, string> = { start: 'Start', pause: 'Pause', resume: 'Resume', stop: 'Stop' };
const HINTS: Record<Control, string> = {
  start: 'Run the job (it resumes from where it stopped)',
  pause: 'Stop reading after the batch in flight is committed',
  resume: 'Continue from where the job paused',
  stop: "End the job's run; Start runs it again from where it stopped",
};
const REMOTE_HINT = 'This job runs in another process; pause or stop it there.';

export function JobControls({ state, busy, controllable, onAction }: { state: string; busy: string | null; controllable: boolean; onAction(c: Control): void }) {
  const enabled = enabledControls(state);
  // A job running in another process (e.g. the CLI) cannot be paused or stopped from here.
  const remote = !controllable && state === 'running';
  const shown = ORDER.filter((c) => enabled[c]);
  if (shown.length === 0) return null;
  return (
    <div className="controls" role="group" aria-label="Job controls">
      {shown.map((c) => {
        const blocked = remote && (c === 'pause' || c === 'stop');
        return (
          <Button
            key={c}
            variant={c === 'start' || c === 'resume' ? 'primary' : c === 'stop' ? 'danger' : 'default'}
            data-testid={`btn-${c}`}
            disabled={busy !== null || blocked}
            busy={busy === c}
            title={blocked ? REMOTE_HINT : HINTS[c]}
            onClick={() => onAction(c)}
          >
            {LABELS[c]}
          </Button>
        );
      })}
      {remote && <span className="small muted">{REMOTE_HINT}</span>}
    </div>
  );
}
