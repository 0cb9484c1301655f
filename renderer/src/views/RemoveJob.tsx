// "Remove…" on a job's view: removes a job that is not running from the state file (its progress,
// metrics, verifications and log), after a confirmation that says what the sink keeps and, for a sink
// that keeps the job's checkpoint (capability checkpointInSink), offers to delete it there too. Then the
// jobs list (home) is shown.
import { useState } from 'react';
import type { CutoverApi } from '../../../shared/api';
import { Button } from '../components/Button';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { useLoad } from '../components/useLoad';
import { endpointUi } from '../endpoints/registry';
import { useSinkKinds } from '../sink-kinds';

/** The sink kind of a stored job file (its text as jobConfig returns it); null when it cannot be read. */
export function sinkKindOf(configText: string | undefined): string | null {
  if (!configText) return null;
  try {
    const t = (JSON.parse(configText) as { sink?: { type?: unknown } }).sink?.type;
    return typeof t === 'string' ? t : null;
  } catch {
    return null;
  }
}

export function RemoveJob({ api, job, state, busy, onRemove }: { api: CutoverApi; job: string; state: string; busy: boolean; onRemove(cleanSink: boolean): void }) {
  const [asking, setAsking] = useState(false);
  const running = state === 'running';
  return (
    <>
      <Button
        variant="quiet"
        onClick={() => setAsking(true)}
        disabled={running || busy}
        busy={busy}
        title={running ? 'Stop the job first: a running job cannot be removed.' : 'Remove this job from the state file'}
        data-testid="btn-remove-job"
      >
        Remove…
      </Button>
      {asking && (
        <RemoveDialog
          api={api}
          job={job}
          onCancel={() => setAsking(false)}
          onConfirm={(clean) => {
            setAsking(false);
            onRemove(clean);
          }}
        />
      )}
    </>
  );
}

function RemoveDialog({ api, job, onCancel, onConfirm }: { api: CutoverApi; job: string; onCancel(): void; onConfirm(cleanSink: boolean): void }) {
  const config = useLoad(`job-config:${job}`, () => api.call('jobConfig', job));
  const kind = sinkKindOf(config.data);
  const sinkKinds = useSinkKinds(api);
  const ui = endpointUi(kind);
  const cleanable = (sinkKinds.of(kind)?.capabilities.checkpointInSink ?? false) && ui?.cleanLabel !== undefined;
  const Kept = ui?.Kept;
  const [clean, setClean] = useState(false);
  return (
    <ConfirmDialog title={`Remove the job "${job}"?`} confirmLabel="Remove the job" danger onCancel={onCancel} onConfirm={() => onConfirm(cleanable && clean)}>
      <p>
        Its progress, charts, verifications, cutover checklist and log are removed from this machine&apos;s state file. The connections it used can then be deleted. The
        tables and rows already copied to the sink stay.
      </p>
      {cleanable && (
        <label className="choice" data-testid="remove-clean-sink">
          <input type="checkbox" checked={clean} onChange={(e) => setClean(e.target.checked)} data-testid="remove-clean-sink-check" />
          <span className="choice-text">
            <span className="choice-label">{ui?.cleanLabel}</span>
            <span className="choice-description">Without it, a new job of the same name would continue streaming from where this one stopped.</span>
          </span>
        </label>
      )}
      {Kept && (
        <p data-testid="remove-sink-kept">
          <Kept job={job} />
        </p>
      )}
    </ConfirmDialog>
  );
}
