// Kafka topics (Debezium, Canal or Maxwell messages) as a source: what it can do, before its driver (and
// kafkajs) is loaded. No consistent snapshot, no key ranges, no heartbeat, no checksums: the job runs as
// a member of a consumer group, its positions are per topic-partition offsets the sink stores.
import { positionOrder } from '../../core/position.js';
import type { SourceDescriptor } from '../driver.js';
import { kafkaTopicsOf, resolveKafkaEndpoint } from '../../kafka/endpoint-settings.js';

export const kafkaSource: SourceDescriptor = {
  kind: 'kafka',
  title: 'Kafka topics',
  capabilities: {
    consistentSnapshot: false,
    keyRanges: false,
    heartbeat: false,
    gtid: false,
    checksums: false,
    partitionOffsets: true,
  },
  // Binlog positions never occur in a Kafka-source job (its offsets are the sink's, per partition); the
  // order is the one every descriptor carries, for code that formats a position it finds stored.
  positions: positionOrder('mysql-binlog'),
  resolveFile: async (file, tools) => {
    if (file.type !== 'kafka') throw new Error('not a Kafka source');
    return resolveKafkaEndpoint(file, tools, 'source');
  },
  topicsOf: kafkaTopicsOf,
  load: async () => (await import('./driver.js')).kafkaSourceDriver,
};
