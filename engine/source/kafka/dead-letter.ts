// The dead-letter topic of a Kafka-source job ("deadLetter": {"topic": …}): a message passed over with
// --skip-message is published there, key, value and timestamp unchanged, its original headers kept, with
// where it came from and why in cutover.* headers. It is sent (acks from all in-sync replicas, idempotent
// producer) before the sink transaction that moves the partition past it: a crash between the two sends it
// again on the next run (at least once), never not at all.
import type { IHeaders, Kafka, Producer } from 'kafkajs';
import { CutoverError } from '../../../shared/errors.js';
import { kafkaErrorText } from '../../kafka/client.js';
import type { RawMessage } from '../../core/bad-messages.js';
import type { TopicPartition } from '../../core/partition-offsets.js';

/** The headers a dead-lettered message carries besides its own. Pure. */
export function deadLetterHeaders(tp: TopicPartition, offset: string, reason: string, skippedBy: string, job: string): Record<string, string> {
  return {
    'cutover.topic': tp.topic,
    'cutover.partition': String(tp.partition),
    'cutover.offset': offset,
    'cutover.error': reason.length > 8000 ? reason.slice(0, 8000) + ' …' : reason,
    'cutover.skipped.by': skippedBy,
    'cutover.job': job,
  };
}

export class DeadLetter {
  private producer: Producer | null = null;

  constructor(
    private readonly kafka: Kafka,
    readonly topic: string,
    private readonly job: string,
  ) {}

  private async open(): Promise<Producer> {
    if (this.producer) return this.producer;
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      if (!(await admin.listTopics()).includes(this.topic)) await admin.createTopics({ topics: [{ topic: this.topic, numPartitions: 1 }], waitForLeaders: true }).catch(() => undefined);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    const p = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, retry: { retries: 8 } });
    await p.connect();
    this.producer = p;
    return p;
  }

  async send(tp: TopicPartition, m: RawMessage & { headers?: IHeaders }, reason: string, skippedBy: string): Promise<void> {
    try {
      const p = await this.open();
      await p.send({
        topic: this.topic,
        acks: -1,
        messages: [{ key: m.key, value: m.value, timestamp: String(m.timestampMs), headers: { ...(m.headers ?? {}), ...deadLetterHeaders(tp, m.offset, reason, skippedBy, this.job) } }],
      });
    } catch (e) {
      throw new CutoverError(
        `The message at ${tp.topic}:${tp.partition}:${m.offset} could not be sent to the dead-letter topic ${this.topic}: ${kafkaErrorText(e)}`,
        `Nothing was skipped (the partition stays at the message). Check that the account may create and write ${this.topic} (or create it), or remove "deadLetter" from the job's source to skip without it.`,
        'CONFIG',
      );
    }
  }

  async close(): Promise<void> {
    await this.producer?.disconnect().catch(() => undefined);
  }
}
