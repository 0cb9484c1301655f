// Removing a job from the state file (`cutover remove`, the dashboard's Remove): its progress, chunks,
// schema history, metrics, verifications, cutover checklist and log lines go; a saved connection it used
// can be deleted afterwards. Refused while the job (or a verification of it) runs. With cleanSink, a
// MySQL sink's checkpoint row of the job (`_cutover`.`cutover_checkpoint`) is deleted first, so a new
// job of the same name starts fresh; the sink's tables and rows stay either way. A Kafka sink keeps
// its topics and messages (and an exactly-once job's position in its consumer group, which a new run
// of the same name does not take over).
import { CutoverError } from '../../shared/errors.js';
import { parseJobConfig } from '../../shared/job-config.js';
import { JobSecrets } from '../connections/job-secrets.js';
import { resolveMysqlEndpoint } from '../connections/resolve.js';
import { effectiveState } from '../pipeline/job-status.js';
import { CHECKPOINT_DB, CHECKPOINT_TABLE } from '../sink/mysql/change-applier.js';
import { connect, parseMysqlUrl } from '../mysql/connection.js';
import { quoteId } from '../mysql/identifiers.js';
import type { StateStore } from '../state/store.js';
import { VerifyStore } from '../state/verify-store.js';
import { alive } from '../core/process-alive.js';

export interface RemovedJob {
  name: string;
  /** What happened on the sink, in a sentence. */
  sink: string;
}

/** What a removal leaves on a sink of this kind (the confirmation says it before). */
export function sinkLeftovers(kind: 'mysql' | 'kafka', job: string): { cleanable: string; kept: string } {
  return kind === 'mysql'
    ? {
        cleanable: `the job's checkpoint row in \`${CHECKPOINT_DB}\`.\`${CHECKPOINT_TABLE}\` on the sink (job = '${job}')`,
        kept: 'The tables and rows already copied to the sink stay.',
      }
    : {
        cleanable: '',
        kept: `Kafka keeps the topics and their messages; an exactly-once job's position stays in the consumer group cutover-${job} (a new job of the same name does not take it over; kafka-consumer-groups.sh --delete --group cutover-${job} removes it).`,
      };
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
  const cfg = parseJobConfig(new JobSecrets(store).runnable(row), `stored job file of "${name}"`);
  let sink = sinkLeftovers(cfg.sink.type, name).kept;
  if (o.cleanSink && cfg.sink.type === 'mysql') {
    // Before anything is forgotten: a sink that cannot be reached leaves the job as it was.
    const deleted = await deleteCheckpointRow(store, cfg.sink, name);
    sink = `${deleted ? `Deleted the job's checkpoint row in \`${CHECKPOINT_DB}\`.\`${CHECKPOINT_TABLE}\` on the sink` : `The sink had no checkpoint row of the job in \`${CHECKPOINT_DB}\`.\`${CHECKPOINT_TABLE}\``}. ${sink}`;
  } else if (cfg.sink.type === 'mysql') {
    sink = `The job's checkpoint row in \`${CHECKPOINT_DB}\`.\`${CHECKPOINT_TABLE}\` on the sink is kept (a new job of the same name would continue from it; remove with --clean-sink to delete it). ${sink}`;
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

async function deleteCheckpointRow(store: StateStore, sinkEndpoint: Parameters<typeof resolveMysqlEndpoint>[0], job: string): Promise<boolean> {
  const resolved = await resolveMysqlEndpoint(sinkEndpoint, 'sink', { store });
  try {
    const conn = await connect(parseMysqlUrl(resolved.url));
    try {
      const [r] = (await conn
        .query(`DELETE FROM ${quoteId(CHECKPOINT_DB)}.${quoteId(CHECKPOINT_TABLE)} WHERE job = ?`, [job])
        .catch((e: { errno?: number }) => {
          if (e.errno === 1146 || e.errno === 1049) return [{ affectedRows: 0 }]; // never streamed here: no checkpoint table
          throw e;
        })) as [{ affectedRows: number }];
      return r.affectedRows > 0;
    } finally {
      await conn.end().catch(() => undefined);
    }
  } catch (e) {
    throw new CutoverError(
      `Could not delete the job's checkpoint row on the sink: ${(e as { sqlMessage?: string; message?: string }).sqlMessage ?? (e as Error).message}. Nothing was removed.`,
      `Make the sink reachable and try again, or remove the job without cleaning the sink and run there: DELETE FROM \`${CHECKPOINT_DB}\`.\`${CHECKPOINT_TABLE}\` WHERE job = '${job.replace(/'/g, "''")}';`,
      'SINK',
    );
  } finally {
    await resolved.close();
  }
}
