// The stream's checkpoint on a PostgreSQL sink: one row per job in "_cutover"."cutover_checkpoint", the
// same columns as the MySQL sink's (file, pos, gtid, reconcile_until, owner), written in the same
// PostgreSQL transaction as the batch it follows (change-sink.ts). PostgreSQL DDL is transactional, so a
// mapped DDL statement and the checkpoint past it commit together too: no pending_ddl marker is needed
// here (the column exists for the shape's sake and is always NULL).
//
// Ownership (claimCheckpoint) follows the MySQL sink's rules (engine/sink/mysql/checkpoint-owner.ts):
// a row another state file or job instance wrote is refused unless adopted, an ownerless row is taken
// only by a state file that streamed the job before.
import type pg from 'pg';
import { CutoverError } from '../../../shared/errors.js';
import type { SourcePosition } from '../../core/position.js';
import type { Logger } from '../../core/logger.js';
import type { Checkpoint } from '../../core/checkpoint.js';
import type { JobIdentity } from '../../state/identity.js';
import type { CheckpointOwnerColumns } from '../../core/checkpoint.js';
// The verdict is sink-neutral and pure; it lives with the MySQL sink today. It belongs in a shared
// sink module (engine/sink/ or engine/core/) once both sinks' folders can be changed together.
import { ownershipVerdict, type OwnershipPolicy, type OwnershipVerdict } from '../../core/checkpoint-owner.js';
import { pgId } from './connection.js';
import { CHECKPOINT_SCHEMA, CHECKPOINT_TABLE } from './descriptor.js';

/** The checkpoint table, quoted for SQL. */
export const PG_CHECKPOINT = `${pgId(CHECKPOINT_SCHEMA)}.${pgId(CHECKPOINT_TABLE)}`;

const TABLE_DDL = `CREATE TABLE IF NOT EXISTS ${PG_CHECKPOINT} (
  job varchar(100) NOT NULL PRIMARY KEY,
  file varchar(255) NOT NULL,
  pos bigint NOT NULL,
  gtid text NULL,
  pending_ddl varchar(300) NULL,
  applied_at timestamptz(6) NOT NULL DEFAULT now(),
  reconcile_file varchar(255) NULL,
  reconcile_pos bigint NULL,
  owner_installation varchar(64) NULL,
  owner_instance varchar(64) NULL,
  owner_label varchar(500) NULL
)`;

/** SQLSTATEs of a concurrent CREATE … IF NOT EXISTS that lost the race (the object exists now). */
const CREATE_RACE = new Set(['23505', '42P06', '42P07']);

/** Creates the schema and table when missing (two jobs starting together may race: the loser retries once). */
export async function ensurePgCheckpointTable(client: pg.ClientBase): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${pgId(CHECKPOINT_SCHEMA)}`);
      await client.query(TABLE_DDL);
      return;
    } catch (e) {
      if (attempt > 0 || !CREATE_RACE.has(String((e as { code?: string }).code))) throw e;
    }
  }
}

interface Row {
  file: string;
  pos: string;
  gtid: string | null;
  pending_ddl: string | null;
  reconcile_file: string | null;
  reconcile_pos: string | null;
}

/** The job's checkpoint, or null. `lock`: FOR UPDATE inside the caller's transaction (a repair holding it makes the batch wait). */
export async function readPgCheckpoint(client: pg.ClientBase, job: string, lock: boolean): Promise<Checkpoint | null> {
  const r = await client.query<Row>(
    `SELECT file, pos::text AS pos, gtid, pending_ddl, reconcile_file, reconcile_pos::text AS reconcile_pos FROM ${PG_CHECKPOINT} WHERE job = $1${lock ? ' FOR UPDATE' : ''}`,
    [job],
  );
  const row = r.rows[0];
  if (!row) return null;
  const reconcileUntil: SourcePosition | null = row.reconcile_file ? { kind: 'mysql-binlog', file: row.reconcile_file, pos: Number(row.reconcile_pos) } : null;
  return { position: { kind: 'mysql-binlog', file: row.file, pos: Number(row.pos) }, gtid: row.gtid, pendingDdl: row.pending_ddl, reconcileUntil };
}

/** Moves the job's checkpoint to `end` (a new row records its owner; an existing row keeps its owner). */
export async function writePgCheckpoint(client: pg.ClientBase, job: string, end: SourcePosition, gtid: string | null, owner?: CheckpointOwnerColumns): Promise<void> {
  await client.query(
    `INSERT INTO ${PG_CHECKPOINT} (job, file, pos, gtid, pending_ddl, applied_at, owner_installation, owner_instance, owner_label)
     VALUES ($1, $2, $3, $4, NULL, clock_timestamp(), $5, $6, $7)
     ON CONFLICT (job) DO UPDATE SET file = EXCLUDED.file, pos = EXCLUDED.pos, gtid = EXCLUDED.gtid, pending_ddl = NULL, applied_at = EXCLUDED.applied_at`,
    [job, end.file, String(end.pos), gtid, owner?.installation ?? null, owner?.instance ?? null, owner?.label ?? null],
  );
}

interface OwnerRow {
  file: string;
  pos: string;
  applied_at: Date | null;
  owner_installation: string | null;
  owner_instance: string | null;
  owner_label: string | null;
}

/** Checks (and where the policy says so, takes) the ownership of the job's checkpoint row; throws with the three ways on when it is someone else's. */
export async function claimPgCheckpoint(client: pg.ClientBase, job: string, ours: JobIdentity, policy: OwnershipPolicy, log: Logger): Promise<OwnershipVerdict> {
  await ensurePgCheckpointTable(client);
  const r = await client.query<OwnerRow>(`SELECT file, pos::text AS pos, applied_at, owner_installation, owner_instance, owner_label FROM ${PG_CHECKPOINT} WHERE job = $1`, [job]);
  const row = r.rows[0];
  const verdict = ownershipVerdict(row ? { installation: row.owner_installation, instance: row.owner_instance } : null, ours, policy);
  if (!row || verdict === 'none' || verdict === 'ours') return verdict;
  const at = `${row.file}:${row.pos}`;
  if (verdict === 'refuse') {
    const whose =
      row.owner_installation === null
        ? 'written without an owner, and this state file has never streamed this job'
        : row.owner_installation === ours.installation
          ? `written by an earlier job of this name in this state file (job instance ${row.owner_instance})`
          : `written by another state file (${row.owner_label ?? `installation ${row.owner_installation}`})`;
    const applied = row.applied_at ? `, last written ${new Date(row.applied_at).toISOString()}` : '';
    throw new CutoverError(
      `The PostgreSQL sink already holds a stream checkpoint for a job named "${job}" (${PG_CHECKPOINT}, at ${at}${applied}), ${whose}. ` +
        'This job does not take it over silently: streaming on from it would apply changes this job did not plan, and starting at "stream.start" would overwrite it.',
      `Choose one: run with --restart to start this job over (the sink's checkpoint row "${job}" is replaced: first make sure the other job no longer runs); ` +
        `or give this job another "name" in the job file; or, if this state file is meant to continue that job from ${at}, run once with --adopt-checkpoint.`,
      'STATE',
    );
  }
  await client.query(`UPDATE ${PG_CHECKPOINT} SET owner_installation = $1, owner_instance = $2, owner_label = $3 WHERE job = $4`, [ours.installation, ours.instance, ours.label, job]);
  if (verdict === 'adopt-legacy') log.info(`the sink's checkpoint row "${job}" (at ${at}) had no owner; this state file streamed this job before, so it is recorded as this job's`);
  else log.warn(`adopted the sink's checkpoint row "${job}" at ${at} as asked (--adopt-checkpoint); it was ${row.owner_label ?? 'written without an owner'}; the stream continues from it`);
  return verdict;
}
