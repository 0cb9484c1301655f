// The bad messages of a Kafka-source job, in the PostgreSQL sink beside its offsets:
// "_cutover"."cutover_bad_messages", the same record as the MySQL sink's (../mysql/bad-message-rows.ts): one
// row per message that paused its partition (topic, partition, offset, key, the start of the value, the
// reason), the `--skip-message` request on it (who, when) and the skip itself (who passed it over, when,
// the dead-letter topic), the last written in the transaction that moves the partition's offset past the
// message. Any member of the group, on any machine, finds the request here; the rows stay as the record.
import type pg from 'pg';
import { acceptedSkips, type BadMessage, type MessageRef, type SkippedMessage, type SkipRequest } from '../../core/bad-messages.js';
import type { TopicPartition } from '../../core/partition-offsets.js';
import { CHECKPOINT_SCHEMA } from './descriptor.js';
import { pgId } from './connection.js';

export const BAD_MESSAGES_TABLE = 'cutover_bad_messages';
const BAD = `${pgId(CHECKPOINT_SCHEMA)}.${pgId(BAD_MESSAGES_TABLE)}`;

export const PG_BAD_MESSAGES_DDL = `CREATE TABLE IF NOT EXISTS ${BAD} (
  job varchar(100) NOT NULL,
  topic varchar(249) NOT NULL,
  part integer NOT NULL,
  message_offset bigint NOT NULL,
  message_key text NULL,
  message_start text NULL,
  message_bytes integer NOT NULL,
  reason text NOT NULL,
  paused_at timestamptz(6) NOT NULL DEFAULT clock_timestamp(),
  skip_requested_by varchar(255) NULL,
  skip_requested_at timestamptz(6) NULL,
  skipped_by varchar(255) NULL,
  skipped_at timestamptz(6) NULL,
  dead_letter_topic varchar(249) NULL,
  PRIMARY KEY (job, topic, part, message_offset)
)`;

/** PostgreSQL text holds no NUL character: a record of a message that has one shows U+FFFD there (the dead-letter topic keeps the bytes). */
const pgText = (s: string | null): string | null => (s === null ? null : s.replace(/\u0000/g, '\uFFFD'));

/** Records (or refreshes) the message a partition paused at; a message already skipped keeps its record. */
export async function recordPgBadMessage(client: pg.ClientBase, job: string, b: BadMessage): Promise<void> {
  await client.query(
    `INSERT INTO ${BAD} AS t (job, topic, part, message_offset, message_key, message_start, message_bytes, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (job, topic, part, message_offset) DO UPDATE SET reason = CASE WHEN t.skipped_at IS NULL THEN EXCLUDED.reason ELSE t.reason END,
       message_key = EXCLUDED.message_key, message_start = EXCLUDED.message_start, message_bytes = EXCLUDED.message_bytes`,
    [job, b.topic, b.partition, b.offset, pgText(b.key), pgText(b.raw), b.bytes, pgText(b.reason)],
  );
}

/**
 * Records skip requests. Refused, with nothing recorded: a message that never paused its partition (a typo
 * would otherwise drop a good message), or one the partition is already past.
 */
export async function requestPgSkips(client: pg.ClientBase, job: string, refs: MessageRef[], requestedBy: string, storedOffset: (tp: TopicPartition) => Promise<string | null>): Promise<void> {
  const todo = await acceptedSkips(
    refs,
    async (r) => (await client.query<{ skipped: boolean }>(`SELECT skipped_at IS NOT NULL AS skipped FROM ${BAD} WHERE job = $1 AND topic = $2 AND part = $3 AND message_offset = $4`, [job, r.topic, r.partition, r.offset])).rows[0] ?? null,
    storedOffset,
  );
  for (const r of todo)
    await client.query(`UPDATE ${BAD} SET skip_requested_by = $1, skip_requested_at = clock_timestamp() WHERE job = $2 AND topic = $3 AND part = $4 AND message_offset = $5`, [requestedBy, job, r.topic, r.partition, r.offset]);
}

/** Skips requested and not carried out yet, for these partitions. */
export async function pgSkipRequests(client: pg.ClientBase, job: string, parts: TopicPartition[]): Promise<SkipRequest[]> {
  if (!parts.length) return [];
  const r = await client.query<{ topic: string; part: number; message_offset: string; skip_requested_by: string; requested_ms: string; reason: string }>(
    `SELECT topic, part, message_offset::text AS message_offset, skip_requested_by, (extract(epoch FROM skip_requested_at) * 1000)::bigint::text AS requested_ms, reason FROM ${BAD}
     WHERE job = $1 AND skip_requested_at IS NOT NULL AND skipped_at IS NULL AND (topic, part) IN (SELECT * FROM unnest($2::text[], $3::int[]))`,
    [job, parts.map((p) => p.topic), parts.map((p) => p.partition)],
  );
  return r.rows.map((row) => ({ topic: row.topic, partition: Number(row.part), offset: row.message_offset, requestedBy: row.skip_requested_by, requestedAt: Number(row.requested_ms), reason: row.reason }));
}

/** In the batch's transaction: the skips carried out (a message skipped without a record gets one). */
export async function recordPgSkips(client: pg.ClientBase, job: string, tp: TopicPartition, skipped: SkippedMessage[]): Promise<void> {
  for (const s of skipped)
    await client.query(
      `INSERT INTO ${BAD} AS t (job, topic, part, message_offset, message_bytes, reason, skip_requested_by, skip_requested_at, skipped_by, skipped_at, dead_letter_topic)
       VALUES ($1, $2, $3, $4, 0, $5, $6, to_timestamp($7::double precision / 1000), $8, clock_timestamp(), $9)
       ON CONFLICT (job, topic, part, message_offset) DO UPDATE SET skipped_by = EXCLUDED.skipped_by, skipped_at = EXCLUDED.skipped_at, dead_letter_topic = EXCLUDED.dead_letter_topic`,
      [job, tp.topic, tp.partition, s.offset, pgText(s.reason), s.requestedBy, s.requestedAt, s.skippedBy, s.deadLetter],
    );
}

/** --restart / remove --clean-sink: pending records go with the offsets; the skips carried out stay as their record. */
export async function forgetPgPending(client: pg.ClientBase, job: string): Promise<void> {
  await client.query(`DELETE FROM ${BAD} WHERE job = $1 AND skipped_at IS NULL`, [job]).catch((e: { code?: string }) => {
    if (e.code !== '42P01' && e.code !== '3F000') throw e; // never paused here: no table
  });
}
