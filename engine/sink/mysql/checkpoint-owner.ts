// Which job owns a checkpoint row in the sink's `_cutover`.`cutover_checkpoint`: the state file's
// installation id and the job's instance id (engine/state/identity.ts), written with the row.
//
// A row of the same job name that another state file (or another instance of the job) wrote is refused
// before anything is copied or applied: continuing from it would apply changes this job did not plan
// (the stream pauses on a duplicate key), and starting at "stream.start" would overwrite its position.
// The fix is chosen on purpose: --restart (the row is replaced), another job name, or --adopt-checkpoint.
//
// Rows written before owners were recorded have none. Such a row is adopted (the owner written) when
// this state file has streamed the job before (it recorded an applied position): it is then this state
// file's own row from an older version. A job this state file has never streamed does not take an
// ownerless row: it is refused like a foreign one, since it may be another state file's.
import { CutoverError } from '../../../shared/errors.js';
import { connect, parseMysqlUrl, queryRows, type Connection } from '../../mysql/connection.js';
import type { Logger } from '../../core/logger.js';
import type { JobIdentity } from '../../state/identity.js';
import { CHECKPOINT_TABLE_SQL, ensureCheckpointTable } from './change-applier.js';
import { SINK_SESSION } from './session.js';
import { ownershipVerdict, type OwnershipPolicy, type OwnershipVerdict } from '../../core/checkpoint-owner.js';

export { ownershipVerdict, type OwnershipPolicy, type OwnershipVerdict, type RowOwner } from '../../core/checkpoint-owner.js';

interface OwnerRow {
  file: string;
  pos: string | number;
  applied_at: Date | string | null;
  owner_installation: string | null;
  owner_instance: string | null;
  owner_label: string | null;
}

/**
 * Checks (and, where the policy says so, takes) the ownership of this job's checkpoint row before the
 * job writes to the sink. Throws a CutoverError with the three ways on when the row is someone else's.
 */
export async function claimCheckpoint(conn: Connection, job: string, ours: JobIdentity, policy: OwnershipPolicy, log: Logger): Promise<OwnershipVerdict> {
  const [row] = await queryRows<OwnerRow>(
    conn,
    `SELECT file, pos, applied_at, owner_installation, owner_instance, owner_label FROM ${CHECKPOINT_TABLE_SQL} WHERE job = ?`,
    [job],
  );
  const verdict = ownershipVerdict(row ? { installation: row.owner_installation, instance: row.owner_instance } : null, ours, policy);
  if (!row || verdict === 'none' || verdict === 'ours') return verdict;
  const at = `${row.file}:${Number(row.pos)}`;
  if (verdict === 'refuse') {
    const whose =
      row.owner_installation === null
        ? 'written by an earlier version of Cutover that did not record its owner, and this state file has never streamed this job'
        : row.owner_installation === ours.installation
          ? `written by an earlier job of this name in this state file (job instance ${row.owner_instance})`
          : `written by another state file (${row.owner_label ?? `installation ${row.owner_installation}`})`;
    const applied = row.applied_at ? `, last written ${new Date(row.applied_at).toISOString()}` : '';
    throw new CutoverError(
      `The sink already holds a stream checkpoint for a job named "${job}" (${CHECKPOINT_TABLE_SQL}, at ${at}${applied}), ${whose}. ` +
        'This job does not take it over silently: streaming on from it would apply changes this job did not plan, and starting at "stream.start" would overwrite it.',
      `Choose one: run with --restart to start this job over (the sink's checkpoint row "${job}" is replaced: first make sure the other job no longer runs); ` +
        `or give this job another "name" in the job file; or, if this state file is meant to continue that job from ${at}, run once with --adopt-checkpoint.`,
      'STATE',
    );
  }
  await conn.query(`UPDATE ${CHECKPOINT_TABLE_SQL} SET owner_installation = ?, owner_instance = ?, owner_label = ? WHERE job = ?`, [ours.installation, ours.instance, ours.label, job]);
  if (verdict === 'adopt-legacy') log.info(`the sink's checkpoint row "${job}" (at ${at}) had no owner (an earlier version wrote it); this state file streamed this job before, so it is recorded as this job's`);
  else log.warn(`adopted the sink's checkpoint row "${job}" at ${at} as asked (--adopt-checkpoint); it was ${row.owner_label ?? 'written without an owner'}; the stream continues from it`);
  return verdict;
}

/** Opens the sink, brings the checkpoint table up to date, and claims this job's row (see claimCheckpoint). */
export async function claimSinkCheckpoint(sinkUrl: string, job: string, ours: JobIdentity, policy: OwnershipPolicy, log: Logger): Promise<OwnershipVerdict> {
  const conn = await connect(parseMysqlUrl(sinkUrl), SINK_SESSION);
  try {
    await ensureCheckpointTable(conn);
    return await claimCheckpoint(conn, job, ours, policy, log);
  } finally {
    await conn.end().catch(() => undefined);
  }
}
