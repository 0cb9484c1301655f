// The partitions that carried each keyless table of a Kafka-source job, in the MySQL/MariaDB sink
// (`_cutover`.`cutover_table_partitions`): what engine/core/table-partitions.ts decides on, written in the
// batch's transaction after a lock on the table's own row (topic '', partition -1), so batches of one
// keyless table from several processes are checked one after the other.
import { queryRows, type Connection } from '../../mysql/connection.js';
import { quoteId } from '../../mysql/identifiers.js';
import { CHECKPOINT_DB } from './checkpoint-row.js';
import { CutoverError } from '../../../shared/errors.js';
import { recordedSpread, type KeylessTouch } from '../../core/table-partitions.js';
import { spreadRefusal } from '../../core/partition-spread.js';
import type { TopicPartition } from '../../core/partition-offsets.js';

export const TABLE_PARTITIONS_TABLE = 'cutover_table_partitions';
const TP = `${quoteId(CHECKPOINT_DB)}.${quoteId(TABLE_PARTITIONS_TABLE)}`;

export const TABLE_PARTITIONS_DDL = `CREATE TABLE IF NOT EXISTS ${TP} (
  job VARCHAR(100) NOT NULL,
  source_table VARCHAR(400) NOT NULL,
  topic VARCHAR(249) NOT NULL,
  part INT NOT NULL,
  changed TINYINT NOT NULL DEFAULT 0,
  first_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (job, source_table, topic, part)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`;

/** In the batch's transaction: refuses a batch that spreads a keyless table (CONFIG, nothing applied), else records its partition. */
export async function guardTablePartitions(conn: Connection, job: string, tp: TopicPartition, touches: KeylessTouch[]): Promise<void> {
  // Locked in name order: two batches of the same tables never wait for each other in a cycle.
  for (const t of [...touches].sort((a, b) => (a.table < b.table ? -1 : a.table > b.table ? 1 : 0))) {
    await conn.query(`INSERT IGNORE INTO ${TP} (job, source_table, topic, part) VALUES (?, ?, '', -1)`, [job, t.table]);
    await conn.query(`SELECT part FROM ${TP} WHERE job = ? AND source_table = ? AND topic = '' AND part = -1 FOR UPDATE`, [job, t.table]);
    const rows = await queryRows<{ topic: string; part: number; changed: number }>(conn, `SELECT topic, part, changed FROM ${TP} WHERE job = ? AND source_table = ? AND part >= 0 ORDER BY first_at, topic, part`, [job, t.table]);
    const found = recordedSpread(tp, t, rows.map((r) => ({ topic: String(r.topic), partition: Number(r.part), changed: Number(r.changed) === 1 })));
    if (found) {
      const r = spreadRefusal(found);
      throw new CutoverError(r.message, r.fix, 'CONFIG');
    }
    await conn.query(`INSERT INTO ${TP} (job, source_table, topic, part, changed) VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE changed = GREATEST(changed, VALUES(changed))`, [job, t.table, tp.topic, tp.partition, t.changed ? 1 : 0]);
  }
}

/** --restart / remove --clean-sink: the record goes with the offsets (the topic is consumed again from its start). */
export async function forgetTablePartitions(conn: Connection, job: string): Promise<void> {
  const [t] = await queryRows<{ n: number }>(conn, 'SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [CHECKPOINT_DB, TABLE_PARTITIONS_TABLE]);
  if (Number(t?.n)) await conn.query(`DELETE FROM ${TP} WHERE job = ?`, [job]);
}
