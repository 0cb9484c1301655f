// Where newly assigned partitions start and end: each partition's end (high watermark, for lag) and, for
// those the sink has no offset of, the job's `start` (earliest / latest / the first offset at a time).
import type { Kafka } from 'kafkajs';
import type { KafkaSourceConfig } from '../../../shared/job-config.js';
import { partitionKey, type TopicPartition } from '../../core/partition-offsets.js';

export interface PartitionStarts {
  starts: Map<string, string>;
  ends: Map<string, string>;
  /** Each topic's partition count, as fetched now. */
  counts: Map<string, number>;
}

export async function partitionStarts(kafka: Kafka, start: KafkaSourceConfig['start'], parts: TopicPartition[], stored: Map<string, string>): Promise<PartitionStarts> {
  const out: PartitionStarts = { starts: new Map(), ends: new Map(), counts: new Map() };
  if (!parts.length) return out;
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (const topic of new Set(parts.map((p) => p.topic))) {
      const all = await admin.fetchTopicOffsets(topic);
      out.counts.set(topic, all.length);
      for (const r of all) {
        const k = partitionKey({ topic, partition: r.partition });
        out.ends.set(k, r.high);
        if (start !== 'latest' && typeof start !== 'object') out.starts.set(k, r.low);
        else if (start === 'latest') out.starts.set(k, r.high);
      }
      if (typeof start === 'object' && parts.some((p) => p.topic === topic && !stored.has(partitionKey(p))))
        for (const r of await admin.fetchTopicOffsetsByTimestamp(topic, Date.parse(start.timestamp))) out.starts.set(partitionKey({ topic, partition: r.partition }), r.offset);
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  return out;
}
