// Removing a job from the state file (`cutover remove`, the dashboard's Remove): its progress, chunks,
// schema history, metrics, verifications, cutover checklist and log lines go; a saved connection it used
// can be deleted afterwards. Refused while the job (or a verification of it) runs. With cleanSink, what
// the sink keeps of the job's own (a MySQL sink's checkpoint row, the sink's descriptor says) is deleted
// first through the sink's driver, so a new job of the same name starts fresh; the sink's data stays
// either way (a Kafka sink keeps its topics and messages, and an exactly-once job's position in its
// consumer group, which a new run of the same name does not take over).
import { CutoverError } from '../../shared/errors.js';
import { parseJobConfig } from '../../shared/job-config.js';
import { JobSecrets } from '../connections/job-secrets.js';
import { resolveSink } from '../connections/resolve.js';
import { effectiveState } from '../pipeline/job-status.js';
import type { SinkDescriptor } from '../sink/driver.js';
import { sinkKind } from '../sink/registry.js';
import type { StateStore } from '../state/store.js';
import { VerifyStore } from '../state/verify-store.js';
import { alive } from '../core/process-alive.js';

export interface RemovedJob {
  name: string;
  /** What happened on the sink, in a sentence. */
  sink: string;
}

/**
 * Removes the job. `running` says whether the job is running by the caller's own knowledge too (the
 * host's just-started child); a job whose process is alive is refused either way.
 */
export async function removeJob(store: StateStore, name: string, o: { cleanSink: boolean; running?: boolean }): Promise<RemovedJob> {
  const row = store.job(name);
  if (!row) throw new CutoverError(`There is no job named "${name}" in the state file ${store.path}.`, '`cutover status --state FILE` lists the jobs of a state file.', 'NOT_FOUND');
  if (o.running || effectiveState(row) === 'running') {
    throw new CutoverError(
      `The job "${name}" is running${row.pid ? ` (process ${row.pid})` : ''}; a running job cannot be removed.`,
      `Stop it first (Stop in the dashboard, Ctrl-C where \`cutover run\` runs${row.pid ? `, or kill -TERM ${row.pid}` : ''}), then remove it.`,
      'STATE',
    );
  }
  const verifier = new VerifyStore(store).runningPid(row.id);
  if (verifier && alive(verifier)) {
    throw new CutoverError(`A verification of the job "${name}" is running (process ${verifier}); the job cannot be removed now.`, `Wait for it to finish, or stop it (kill -TERM ${verifier}), then remove the job.`, 'STATE');
  }
  // With the passwords its URLs held (stored apart, encrypted): cleaning the sink connects as the job does.
  const file = parseJobConfig(new JobSecrets(store).runnable(row), `stored job file of "${name}"`);
  const kind = sinkKind(file.sink.type);
  const left = kind.leftovers(name);
  let sink = left.kept;
  if (o.cleanSink && left.cleanable && kind.capabilities.checkpointInSink) {
    // Before anything is forgotten: a sink that cannot be reached leaves the job as it was.
    const deleted = await forgetCheckpoint(store, kind, file.sink, name);
    sink = `${left.cleaned?.(deleted) ?? ''} ${sink}`.trim();
  } else if (left.cleanable) {
    sink = `${left.notCleaned ?? ''} ${sink}`.trim();
  }
  store.db.transaction(() => {
    store.db.prepare('DELETE FROM metric_samples WHERE job_id = ?').run(row.id);
    store.db.prepare('DELETE FROM stream_samples WHERE job_id = ?').run(row.id);
    store.db.prepare('DELETE FROM logs WHERE job = ?').run(name);
    // Tables, chunks, schema history, verifications and the cutover checklist go with it (ON DELETE CASCADE).
    store.db.prepare('DELETE FROM jobs WHERE id = ?').run(row.id);
  })();
  store.log('info', null, null, `job "${name}" removed from the state file. ${sink}`);
  return { name, sink };
}

/** The job's checkpoint in the sink, deleted through its driver (the stored sink may name a profile or a tunnel). */
async function forgetCheckpoint(store: StateStore, kind: SinkDescriptor, file: ReturnType<typeof parseJobConfig>['sink'], job: string): Promise<boolean> {
  const left = kind.leftovers(job);
  try {
    const driver = await kind.load();
    const resolved = await resolveSink(file, { store });
    try {
      return (await driver.forgetCheckpoint?.({ name: job, sink: resolved.sink }, 'Cleaning the sink')) ?? false;
    } finally {
      await resolved.close();
    }
  } catch (e) {
    throw new CutoverError(
      `Could not delete ${left.cleanable}: ${(e as { sqlMessage?: string; message?: string }).sqlMessage ?? (e as Error).message}. Nothing was removed.`,
      `Make the sink reachable and try again, or remove the job without cleaning the sink${left.cleanByHand ? ` and run there: ${left.cleanByHand}` : ''}.`,
      'SINK',
    );
  }
}
