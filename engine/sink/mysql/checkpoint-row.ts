// This job's checkpoint row in the MySQL/MariaDB sink (`_cutover`.`cutover_checkpoint`): the table, its
// upgrade from older versions, and the statements that read and move a job's row (the change applier
// writes it in the data's own transaction, see change-applier.ts).
import type { SourcePosition } from '../../core/position.js';
import type { CheckpointOwnerColumns } from '../../core/checkpoint.js';
import type { Checkpoint } from '../../core/checkpoint.js';
import { queryRows, type Connection } from '../../mysql/connection.js';
import { quoteId } from '../../mysql/identifiers.js';

export const CHECKPOINT_DB = '_cutover';
export const CHECKPOINT_TABLE = 'cutover_checkpoint';
const CHECKPOINT = `${quoteId(CHECKPOINT_DB)}.${quoteId(CHECKPOINT_TABLE)}`;
/** The checkpoint table, quoted for SQL. */
export const CHECKPOINT_TABLE_SQL = CHECKPOINT;

export const CHECKPOINT_DDL = [
  `CREATE DATABASE IF NOT EXISTS ${quoteId(CHECKPOINT_DB)}`,
  `CREATE TABLE IF NOT EXISTS ${CHECKPOINT} (
  job VARCHAR(100) NOT NULL PRIMARY KEY,
  file VARCHAR(255) NOT NULL,
  pos BIGINT UNSIGNED NOT NULL,
  gtid TEXT NULL,
  pending_ddl VARCHAR(300) NULL,
  applied_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  reconcile_file VARCHAR(255) NULL,
  reconcile_pos BIGINT UNSIGNED NULL,
  owner_installation VARCHAR(64) NULL,
  owner_instance VARCHAR(64) NULL,
  owner_label VARCHAR(500) NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
];

/** Columns added to the checkpoint table after its first release, with their definitions (see ensureCheckpointTable). */
const CHECKPOINT_ADDED_COLUMNS: [string, string][] = [
  ['reconcile_file', 'VARCHAR(255) NULL'],
  ['reconcile_pos', 'BIGINT UNSIGNED NULL'],
  // The job that owns the row (checkpoint-owner.ts); NULL in rows written before owners were recorded.
  ['owner_installation', 'VARCHAR(64) NULL'],
  ['owner_instance', 'VARCHAR(64) NULL'],
  ['owner_label', 'VARCHAR(500) NULL'],
];

/**
 * Creates the checkpoint table, or brings an older one up to date (MySQL has no ADD COLUMN IF NOT
 * EXISTS: the columns are looked up first; a concurrent process adding the same column is fine).
 */
export async function ensureCheckpointTable(conn: Connection): Promise<void> {
  for (const ddl of CHECKPOINT_DDL) await conn.query(ddl);
  const have = new Set(
    (
      await queryRows<{ c: string }>(
        conn,
        'SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
        [CHECKPOINT_DB, CHECKPOINT_TABLE],
      )
    ).map((r) => String(r.c).toLowerCase()),
  );
  for (const [name, def] of CHECKPOINT_ADDED_COLUMNS) {
    if (have.has(name)) continue;
    await conn.query(`ALTER TABLE ${CHECKPOINT} ADD COLUMN ${quoteId(name)} ${def}`).catch((e: { errno?: number }) => {
      if (e.errno !== 1060) throw e; // duplicate column: added meanwhile
    });
  }
}

/** The checkpoint upsert (statement and parameters); a new row records its owner, an existing one keeps its. Pure. */
export function checkpointUpsert(job: string, end: SourcePosition, gtid: string | null, owner?: CheckpointOwnerColumns): { sql: string; params: unknown[] } {
  return {
    sql:
      `INSERT INTO ${CHECKPOINT} (job, file, pos, gtid, pending_ddl, applied_at, owner_installation, owner_instance, owner_label) VALUES (?, ?, ?, ?, NULL, NOW(6), ?, ?, ?) ` +
      'ON DUPLICATE KEY UPDATE file = VALUES(file), pos = VALUES(pos), gtid = VALUES(gtid), pending_ddl = NULL, applied_at = VALUES(applied_at)',
    params: [job, end.file, end.pos, gtid, owner?.installation ?? null, owner?.instance ?? null, owner?.label ?? null],
  };
}

interface CheckpointRow {
  file: string;
  pos: string | number;
  gtid: string | null;
  pending_ddl: string | null;
  reconcile_file: string | null;
  reconcile_pos: string | number | null;
}

/**
 * A job's checkpoint row on the sink, or null when there is none. `lock`: read FOR UPDATE inside the
 * caller's transaction, which holds back the stream's next batch until it ends.
 */
export async function readCheckpointRow(conn: Connection, job: string, lock: boolean): Promise<Checkpoint | null> {
  const rows = await queryRows<CheckpointRow>(
    conn,
    `SELECT file, pos, gtid, pending_ddl, reconcile_file, reconcile_pos FROM ${CHECKPOINT} WHERE job = ?${lock ? ' FOR UPDATE' : ''}`,
    [job],
  );
  const r = rows[0];
  if (!r) return null;
  const reconcileUntil: SourcePosition | null = r.reconcile_file ? { kind: 'mysql-binlog', file: r.reconcile_file, pos: Number(r.reconcile_pos) } : null;
  return { position: { kind: 'mysql-binlog', file: r.file, pos: Number(r.pos) }, gtid: r.gtid, pendingDdl: r.pending_ddl, reconcileUntil };
}

/** Stores `at` as the job's reconcile_until (statement and parameters; the caller never moves it back). Pure. */
export function reconcileUntilUpdate(job: string, at: SourcePosition): { sql: string; params: unknown[] } {
  return { sql: `UPDATE ${CHECKPOINT} SET reconcile_file = ?, reconcile_pos = ? WHERE job = ?`, params: [at.file, at.pos, job] };
}
