// The partitions that carried each keyless table of a Kafka-source job, in the PostgreSQL sink
// ("_cutover"."cutover_table_partitions"): what engine/core/table-partitions.ts decides on, written in the
// batch's transaction after a lock on the table's own row (topic '', partition -1), so batches of one
// keyless table from several processes are checked one after the other.
import type pg from 'pg';
import { CutoverError } from '../../../shared/errors.js';
import { recordedSpread, type KeylessTouch } from '../../core/table-partitions.js';
import { spreadRefusal } from '../../core/partition-spread.js';
import type { TopicPartition } from '../../core/partition-offsets.js';
import { CHECKPOINT_SCHEMA } from './descriptor.js';
import { pgId } from './connection.js';

const TP = `${pgId(CHECKPOINT_SCHEMA)}.${pgId('cutover_table_partitions')}`;

export const PG_TABLE_PARTITIONS_DDL = `CREATE TABLE IF NOT EXISTS ${TP} (
  job varchar(100) NOT NULL,
  source_table varchar(400) NOT NULL,
  topic varchar(249) NOT NULL,
  part integer NOT NULL,
  changed boolean NOT NULL DEFAULT false,
  first_at timestamptz(6) NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (job, source_table, topic, part)
)`;

/** In the batch's transaction: refuses a batch that spreads a keyless table (CONFIG, nothing applied), else records its partition. */
export async function guardPgTablePartitions(client: pg.ClientBase, job: string, tp: TopicPartition, touches: KeylessTouch[]): Promise<void> {
  // Locked in name order: two batches of the same tables never wait for each other in a cycle.
  for (const t of [...touches].sort((a, b) => (a.table < b.table ? -1 : a.table > b.table ? 1 : 0))) {
    await client.query(`INSERT INTO ${TP} (job, source_table, topic, part) VALUES ($1, $2, '', -1) ON CONFLICT DO NOTHING`, [job, t.table]);
    await client.query(`SELECT part FROM ${TP} WHERE job = $1 AND source_table = $2 AND topic = '' AND part = -1 FOR UPDATE`, [job, t.table]);
    const rows = await client.query<{ topic: string; part: number; changed: boolean }>(`SELECT topic, part, changed FROM ${TP} WHERE job = $1 AND source_table = $2 AND part >= 0 ORDER BY first_at, topic, part`, [job, t.table]);
    const found = recordedSpread(tp, t, rows.rows.map((r) => ({ topic: r.topic, partition: Number(r.part), changed: r.changed })));
    if (found) {
      const r = spreadRefusal(found);
      throw new CutoverError(r.message, r.fix, 'CONFIG');
    }
    await client.query(`INSERT INTO ${TP} AS t (job, source_table, topic, part, changed) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (job, source_table, topic, part) DO UPDATE SET changed = t.changed OR EXCLUDED.changed`, [job, t.table, tp.topic, tp.partition, t.changed]);
  }
}

/** --restart / remove --clean-sink: the record goes with the offsets (the topic is consumed again from its start). */
export async function forgetPgTablePartitions(client: pg.ClientBase, job: string): Promise<void> {
  await client.query(`DELETE FROM ${TP} WHERE job = $1`, [job]).catch((e: { code?: string }) => {
    if (e.code !== '42P01' && e.code !== '3F000') throw e; // never recorded here: no table
  });
}
