// A DDL message of a partitioned source (Kafka topics) applied to a PostgreSQL sink: translated by the
// stream's rules (stream-ddl.ts: ADD/DROP/RENAME COLUMN, CREATE TABLE by the copy's type rules, DROP TABLE,
// TRUNCATE), then run in ONE transaction with the partition's offset moving past the message (PostgreSQL
// DDL is transactional): a crash leaves both or neither. A CREATE TABLE's definition is read from the
// statement itself (created-table.ts): there is no source server to ask.
import type pg from 'pg';
import type { JobConfig } from '../../../shared/job-config.js';
import type { Logger } from '../../core/logger.js';
import { compareOffsets, type OffsetDdl } from '../../core/partition-offsets.js';
import { MessageRefused } from '../../core/bad-messages.js';
import type { DdlTarget } from '../../mysql/ddl-mapper.js';
import { isStatementError, type PgChangeSink } from './change-sink.js';
import { isUnmappable, translateStatement, type Translation } from './stream-ddl.js';
import { createdTable } from './created-table.js';

const after = (o: string): string => (BigInt(o) + 1n).toString();

export async function applyPgOffsetDdl(sink: PgChangeSink, offsets: string, job: string, cfg: JobConfig, log: Logger, d: OffsetDdl, statementRun?: () => void): Promise<'applied' | 'already'> {
  const refuse = (why: string): MessageRefused =>
    new MessageRefused(
      d.offset,
      `the schema change cannot be applied to PostgreSQL: ${why}\n  statement: ${d.sql.replace(/\s+/g, ' ').slice(0, 500)}`,
      `Apply the equivalent change to the PostgreSQL table by hand, then go past the statement: cutover run JOB --skip-message ${d.topic}:${d.partition}:${d.offset}.`,
    );
  let plan: Translation | null = null;
  if (d.mapped) {
    try {
      plan = await translateStatement({ cfg, log, readSourceTable: async (ref) => createdTable(d.sql, ref) }, { sql: d.sql }, d.mapped.targets as DdlTarget[], sink);
    } catch (e) {
      if (isUnmappable(e)) throw refuse(e.message.replace('no longer exists on the source, so its definition at this statement cannot be read', 'is not defined by a plain column list in the statement'));
      throw e;
    }
  }
  const c: pg.Client = sink.client;
  const key = [job, d.topic, d.partition];
  await c.query('BEGIN');
  try {
    await c.query(`INSERT INTO ${offsets} (job, topic, part, next_offset) VALUES ($1, $2, $3, NULL) ON CONFLICT DO NOTHING`, key);
    const r = await c.query<{ next_offset: string | null }>(`SELECT next_offset::text AS next_offset FROM ${offsets} WHERE job = $1 AND topic = $2 AND part = $3 FOR UPDATE`, key);
    const stored = r.rows[0]?.next_offset ?? null;
    if (stored !== null && compareOffsets(stored, d.offset) > 0) {
      await c.query('ROLLBACK');
      return 'already';
    }
    for (const sql of plan?.statements ?? []) await c.query(sql);
    statementRun?.();
    await c.query(`UPDATE ${offsets} SET next_offset = $4, applied_at = clock_timestamp() WHERE job = $1 AND topic = $2 AND part = $3`, [...key, after(d.offset)]);
    await c.query('COMMIT');
  } catch (e) {
    await c.query('ROLLBACK').catch(() => undefined);
    if (isStatementError(e)) throw refuse(`the sink refused it: ${e.message}\n  mapped statement(s): ${(plan?.statements ?? []).join('; ')}`);
    throw e;
  }
  for (const ref of plan?.dropped ?? []) sink.dropTable(`${ref.db}.${ref.table}`);
  return 'applied';
}
