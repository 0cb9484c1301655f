// A DDL message of a partitioned source (Kafka topics) applied to a MySQL/MariaDB sink. MySQL commits DDL
// by itself, so the statement and the partition's offset cannot share a transaction; the statement is
// journaled instead, as the binlog stream marks its checkpoint row (change-applier.ts applyDdl):
//   1. the offset row says the partition is at the statement (every message before it is applied);
//   2. `_cutover`.`cutover_offset_ddl` records (job, topic, partition, offset) of the statement, committed;
//   3. the statement runs (an implicit commit);
//   4. one transaction moves the offset past it and deletes the journal row.
// A crash before 3 runs the statement on replay; a crash between 3 and 4 meets the journal row for the same
// offset on replay, and the statement's "already exists / does not exist" errors (duplicate column, table
// exists, unknown column or table) then mean the sink has it: the offset moves without a second run.
import { createHash } from 'node:crypto';
import { queryRows, type Connection } from '../../mysql/connection.js';
import { quoteId } from '../../mysql/identifiers.js';
import { CHECKPOINT_DB } from './checkpoint-row.js';
import { ALREADY_APPLIED } from './change-applier.js';
import { compareOffsets, type OffsetDdl } from '../../core/partition-offsets.js';
import { MessageRefused } from '../../core/bad-messages.js';

const JOURNAL = `${quoteId(CHECKPOINT_DB)}.${quoteId('cutover_offset_ddl')}`;

export const OFFSET_DDL_JOURNAL_DDL = `CREATE TABLE IF NOT EXISTS ${JOURNAL} (
  job VARCHAR(100) NOT NULL,
  topic VARCHAR(249) NOT NULL,
  part INT UNSIGNED NOT NULL,
  message_offset BIGINT NOT NULL,
  statement MEDIUMTEXT NOT NULL,
  started_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (job, topic, part)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`;

const after = (o: string): string => (BigInt(o) + 1n).toString();

/**
 * Runs the statement and moves the offset past it (steps above); `statementRun` is called between 3 and 4
 * (a test's crash point). Processes of the job that reach the same statement (a schema-change topic's, which
 * every process reads) take turns by a named lock on the partition: the second finds the offset past it.
 */
export async function applyOffsetDdl(conn: Connection, offsets: string, job: string, d: OffsetDdl, statementRun?: () => void): Promise<'applied' | 'already'> {
  const lock = 'cutover:' + createHash('sha1').update(`${job}\u0000${d.topic}\u0000${d.partition}`).digest('hex');
  const [got] = await queryRows<{ ok: number | null }>(conn, 'SELECT GET_LOCK(?, 300) AS ok', [lock]);
  if (Number(got?.ok) !== 1) throw new Error(`another process of job ${job} held the lock of ${d.topic}:${d.partition}'s schema changes for 300 s`);
  try {
    return await applyLocked(conn, offsets, job, d, statementRun);
  } finally {
    await conn.query('SELECT RELEASE_LOCK(?)', [lock]).catch(() => undefined);
  }
}

async function applyLocked(conn: Connection, offsets: string, job: string, d: OffsetDdl, statementRun?: () => void): Promise<'applied' | 'already'> {
  const key = [job, d.topic, d.partition];
  await conn.query(`INSERT IGNORE INTO ${offsets} (job, topic, part, next_offset) VALUES (?, ?, ?, NULL)`, key);
  const [row] = await queryRows<{ next_offset: string | number | null }>(conn, `SELECT next_offset FROM ${offsets} WHERE job = ? AND topic = ? AND part = ?`, key);
  const stored = row?.next_offset === null || row?.next_offset === undefined ? null : String(row.next_offset);
  if (stored !== null && compareOffsets(stored, d.offset) > 0) return 'already';
  let result: 'applied' | 'already' = 'applied';
  if (d.mapped) {
    const [j] = await queryRows<{ message_offset: string | number }>(conn, `SELECT message_offset FROM ${JOURNAL} WHERE job = ? AND topic = ? AND part = ?`, key);
    const retried = j !== undefined && String(j.message_offset) === d.offset;
    await conn.query(`REPLACE INTO ${JOURNAL} (job, topic, part, message_offset, statement) VALUES (?, ?, ?, ?, ?)`, [...key, d.offset, d.mapped.sql]);
    try {
      await conn.query(d.mapped.sql);
    } catch (e) {
      const err = e as { errno?: number; message?: string };
      if (typeof err.errno !== 'number') throw e;
      if (!(retried && ALREADY_APPLIED.has(err.errno))) {
        await conn.query(`DELETE FROM ${JOURNAL} WHERE job = ? AND topic = ? AND part = ?`, key);
        throw new MessageRefused(
          d.offset,
          `the sink refused the schema change: ${err.message}\n  mapped statement: ${d.mapped.sql.replace(/\s+/g, ' ')}`,
          `Make the sink table fit the statement (or apply its equivalent by hand), then run the job again (the partition is retried from this statement); or go past it: cutover run JOB --skip-message ${d.topic}:${d.partition}:${d.offset}.`,
        );
      }
      result = 'already';
    }
    statementRun?.();
  }
  await conn.query('BEGIN');
  try {
    await conn.query(`UPDATE ${offsets} SET next_offset = ?, applied_at = NOW(6) WHERE job = ? AND topic = ? AND part = ?`, [after(d.offset), ...key]);
    await conn.query(`DELETE FROM ${JOURNAL} WHERE job = ? AND topic = ? AND part = ?`, key);
    await conn.query('COMMIT');
  } catch (e) {
    await conn.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
  return result;
}
