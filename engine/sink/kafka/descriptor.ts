// Kafka as a sink: what it can do, before its driver (and kafkajs) is loaded.
import type { SinkDescriptor } from '../driver.js';
import { kafkaProfileRules, resolveKafkaEndpoint } from '../../kafka/endpoint-settings.js';

export const kafkaSink: SinkDescriptor = {
  kind: 'kafka',
  title: 'Kafka',
  capabilities: {
    rename: false,
    existingRows: false,
    views: false,
    deferredIndexes: false,
    deferredObjects: false,
    repair: false,
    orderedCopy: true,
    heartbeatOnSink: false,
    topics: true,
    checkpointInSink: false,
    partitionOffsets: false,
    pauseTable: false,
    transactions: true,
    transactionPieces: true,
    reverse: false,
  },
  label: (sink) => ('brokers' in sink && Array.isArray(sink.brokers) ? `Kafka ${sink.brokers.join(',')}` : 'Kafka'),
  leftovers: (job) => ({
    cleanable: '',
    kept: `Kafka keeps the topics and their messages; an exactly-once job's position stays in the consumer group cutover-${job} (a new job of the same name does not take it over; kafka-consumer-groups.sh --delete --group cutover-${job} removes it).`,
  }),
  noRepair: {
    why: 'Cutover would have to publish the current source rows of the reported keys as new change events, in binlog order with the stream',
    instead: "Re-copy the table (the dashboard's Re-copy, or `cutover run --resnapshot`), or publish the rows of the listed keys yourself; consumers keep the last message per key",
  },
  preflightOptions: (sink) =>
    sink.type === 'kafka'
      ? { sinkCheck: { url: `kafka://${sink.brokers.join(',')}`, check: async (ctx) => (await import('./preflight.js')).checkKafkaSink(sink, ctx) } }
      : {},
  resolveFile: async (file, tools) => {
    if (file.type !== 'kafka') throw new Error('not a Kafka sink');
    return resolveKafkaEndpoint(file, tools, 'sink');
  },
  profile: kafkaProfileRules,
  load: async () => (await import('./driver.js')).kafkaDriver,
};
