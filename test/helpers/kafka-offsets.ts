// The check every Kafka-source test ends with: the sink's stored next offset of each partition (MySQL
// `_cutover`.`cutover_offsets`, PostgreSQL "_cutover"."cutover_offsets") equals the partition's end, so
// every message was applied and the offset moved with it. Empty partitions have no row to compare.
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { query, sinkUrl } from './db.js';
import type { PgTestDatabase } from './postgres.js';

export interface StoredOffset {
  topic: string;
  part: number;
  next_offset: string;
}

/** The offsets a MySQL sink (the test sink server) stores for a job. */
export async function mysqlSinkOffsets(job: string): Promise<StoredOffset[]> {
  return query<StoredOffset>(sinkUrl(), 'SELECT topic, part, next_offset FROM _cutover.cutover_offsets WHERE job = ? ORDER BY topic, part', [job]);
}

/** The offsets a PostgreSQL sink stores for a job. */
export async function pgSinkOffsets(pg: PgTestDatabase, job: string): Promise<StoredOffset[]> {
  const rows = await pg.rows(`SELECT topic, part, next_offset FROM "_cutover"."cutover_offsets" WHERE job = '${job.replace(/'/g, "''")}' ORDER BY topic, part`);
  return rows.map(([topic, part, next]) => ({ topic: String(topic), part: Number(part), next_offset: String(next) }));
}

/** Each non-empty partition of `topics` has a stored offset equal to its end (the broker's high watermark). */
export async function assertOffsetsAtEnds(bootstrap: string, topics: string[], stored: StoredOffset[]): Promise<void> {
  const admin = new kafkajs.Kafka({ brokers: [bootstrap], clientId: 'offsets-at-end-test', logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    for (const topic of topics) {
      for (const p of await admin.fetchTopicOffsets(topic)) {
        if (p.high === '0') continue;
        const r = stored.find((x) => x.topic === topic && Number(x.part) === p.partition);
        assert.equal(String(r?.next_offset), p.high, `${topic}/${p.partition}: the sink's offset is the partition's end`);
      }
    }
  } finally {
    await admin.disconnect();
  }
}
