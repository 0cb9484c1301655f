// The bad messages of a Kafka-source job, in the sink beside its offsets: `_cutover`.`cutover_bad_messages`,
// one row per message that paused its partition (topic, partition, offset, key, the start of the value,
// the reason), the `--skip-message` request on it (who, when) and the skip itself (who passed it over,
// when, the dead-letter topic), the last written in the transaction that moves the partition's offset past
// the message. Any member of the group, on any machine, finds the request here; the rows stay as the
// record of what was skipped.
import { queryRows, type Connection } from '../../mysql/connection.js';
import { quoteId } from '../../mysql/identifiers.js';
import { CHECKPOINT_DB } from './checkpoint-row.js';
import { acceptedSkips, type BadMessage, type MessageRef, type SkippedMessage, type SkipRequest } from '../../core/bad-messages.js';
import type { TopicPartition } from '../../core/partition-offsets.js';

export const BAD_MESSAGES_TABLE = 'cutover_bad_messages';
const BAD = `${quoteId(CHECKPOINT_DB)}.${quoteId(BAD_MESSAGES_TABLE)}`;

export const BAD_MESSAGES_DDL = `CREATE TABLE IF NOT EXISTS ${BAD} (
  job VARCHAR(100) NOT NULL,
  topic VARCHAR(249) NOT NULL,
  part INT UNSIGNED NOT NULL,
  message_offset BIGINT NOT NULL,
  message_key TEXT NULL,
  message_start MEDIUMTEXT NULL,
  message_bytes INT UNSIGNED NOT NULL,
  reason TEXT NOT NULL,
  paused_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  skip_requested_by VARCHAR(255) NULL,
  skip_requested_at TIMESTAMP(6) NULL,
  skipped_by VARCHAR(255) NULL,
  skipped_at TIMESTAMP(6) NULL,
  dead_letter_topic VARCHAR(249) NULL,
  PRIMARY KEY (job, topic, part, message_offset)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`;

const ms = (v: unknown): number => (v instanceof Date ? v.getTime() : Date.parse(String(v).replace(' ', 'T') + 'Z'));

/** Records (or refreshes) the message a partition paused at; a message already skipped keeps its record. */
export async function recordBadMessage(conn: Connection, job: string, b: BadMessage): Promise<void> {
  await conn.query(
    `INSERT INTO ${BAD} (job, topic, part, message_offset, message_key, message_start, message_bytes, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON DUPLICATE KEY UPDATE reason = IF(skipped_at IS NULL, VALUES(reason), reason), message_key = VALUES(message_key), message_start = VALUES(message_start), message_bytes = VALUES(message_bytes)`,
    [job, b.topic, b.partition, b.offset, b.key, b.raw, b.bytes, b.reason],
  );
}

/**
 * Records skip requests. Refused, with nothing recorded: a message that never paused its partition (a typo
 * would otherwise drop a good message), or one the partition is already past.
 */
export async function requestSkips(conn: Connection, job: string, refs: MessageRef[], requestedBy: string, storedOffset: (tp: TopicPartition) => Promise<string | null>): Promise<void> {
  const todo = await acceptedSkips(
    refs,
    async (r) => {
      const [row] = await queryRows<{ skipped_at: unknown }>(conn, `SELECT skipped_at FROM ${BAD} WHERE job = ? AND topic = ? AND part = ? AND message_offset = ?`, [job, r.topic, r.partition, r.offset]);
      return row ? { skipped: !!row.skipped_at } : null;
    },
    storedOffset,
  );
  for (const r of todo)
    await conn.query(`UPDATE ${BAD} SET skip_requested_by = ?, skip_requested_at = NOW(6) WHERE job = ? AND topic = ? AND part = ? AND message_offset = ?`, [requestedBy, job, r.topic, r.partition, r.offset]);
}

/** Skips requested and not carried out yet, for these partitions. */
export async function skipRequests(conn: Connection, job: string, parts: TopicPartition[]): Promise<SkipRequest[]> {
  if (!parts.length) return [];
  const rows = await queryRows<{ topic: string; part: number; message_offset: string | number; skip_requested_by: string; skip_requested_at: unknown; reason: string }>(
    conn,
    `SELECT topic, part, message_offset, skip_requested_by, skip_requested_at, reason FROM ${BAD} WHERE job = ? AND skip_requested_at IS NOT NULL AND skipped_at IS NULL AND (${parts.map(() => '(topic = ? AND part = ?)').join(' OR ')})`,
    [job, ...parts.flatMap((p) => [p.topic, p.partition])],
  );
  return rows.map((r) => ({ topic: String(r.topic), partition: Number(r.part), offset: String(r.message_offset), requestedBy: r.skip_requested_by, requestedAt: ms(r.skip_requested_at), reason: r.reason }));
}

/** In the batch's transaction: the skips carried out (a message skipped without a record gets one). */
export async function recordSkips(conn: Connection, job: string, tp: TopicPartition, skipped: SkippedMessage[]): Promise<void> {
  for (const s of skipped)
    await conn.query(
      `INSERT INTO ${BAD} (job, topic, part, message_offset, message_bytes, reason, skip_requested_by, skip_requested_at, skipped_by, skipped_at, dead_letter_topic) VALUES (?, ?, ?, ?, 0, ?, ?, FROM_UNIXTIME(? / 1000), ?, NOW(6), ?)
       ON DUPLICATE KEY UPDATE skipped_by = VALUES(skipped_by), skipped_at = VALUES(skipped_at), dead_letter_topic = VALUES(dead_letter_topic)`,
      [job, tp.topic, tp.partition, s.offset, s.reason, s.requestedBy, s.requestedAt, s.skippedBy, s.deadLetter],
    );
}

/** --restart / remove --clean-sink: pending records go with the offsets; the skips carried out stay as their record. */
export async function forgetPending(conn: Connection, job: string): Promise<void> {
  const [t] = await queryRows<{ n: number }>(conn, 'SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [CHECKPOINT_DB, BAD_MESSAGES_TABLE]);
  if (Number(t?.n)) await conn.query(`DELETE FROM ${BAD} WHERE job = ? AND skipped_at IS NULL`, [job]);
}
