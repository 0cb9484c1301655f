// Kafka topics as a source: a consumer-group member per `cutover run` (consumer.ts). The parts of the
// SourceDriver contract that presuppose a SQL server (sessions, a binlog reader, a preflight over SQL)
// refuse with the reason: the pipeline reaches a source with the `partitionOffsets` capability through
// openConsumer only (pipeline/consume-phase.ts).
import { CutoverError } from '../../../shared/errors.js';
import { positionOrder } from '../../core/position.js';
import type { SourceDriver } from '../driver.js';
import { KafkaConsumer } from './consumer.js';
import { listTopics, sampleTopic } from './browse.js';

function noSql(what: string): never {
  throw new CutoverError(
    `A Kafka source has no ${what}: its topics are read as a consumer group, from offsets the sink stores.`,
    'Copy, verification and the cutover assistant need the MySQL/MariaDB server itself: run those with a job whose "source" is that server.',
    'CONFIG',
  );
}

export const kafkaSourceDriver: SourceDriver = {
  kind: 'kafka',
  positions: positionOrder('mysql-binlog'),
  topics: { listTopics, sampleTopic },
  async openConsumer(source, opts) {
    if (source.type !== 'kafka') throw new Error('the Kafka source driver was given a MySQL source');
    return new KafkaConsumer(source, opts);
  },
  address: () => noSql('server address'),
  openSession: async () => noSql('SQL session'),
  openChangeReader: async () => noSql('binlog'),
  async preflight(_url, _items, _opts) {
    return { tables: [], close: async () => undefined };
  },
};
