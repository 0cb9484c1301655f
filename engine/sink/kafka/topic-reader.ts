// Reads one topic from its beginning for verification, with a consumer of its own (a throwaway group,
// nothing committed, deleted afterwards): every message is handed to `onMessage` in partition order,
// and readTo(ends) waits until each partition has been consumed up to the given end offsets.
//
// End offsets come from the brokers' ListOffsets at READ_COMMITTED isolation (the last stable offset:
// what a read_committed consumer can reach while a transaction is open). An exactly-once sink is read
// read_committed (aborted transactions are never seen); an at-least-once sink has no transactions.
// A partition's progress is the last offset of each fetched batch, control records included (kafkajs's
// END_BATCH_PROCESS), so transaction markers at the end of a partition do not keep a read waiting.
import type { Admin, Consumer, Kafka } from 'kafkajs';
import { CutoverError } from '../../../shared/errors.js';
import { sleepUnlessAborted } from '../../core/sleep.js';
import { kafkaErrorText } from '../../kafka/client.js';

export interface TopicMessage {
  partition: number;
  key: string | null;
  value: string | null;
}

/** How long a read may see no progress before it gives up. */
const STALL_MS = 60_000;

export class TopicReader {
  /** Per partition: the next offset not yet consumed. */
  private readonly next = new Map<number, bigint>();
  private error: Error | null = null;
  private progressAt = Date.now();

  private constructor(
    private readonly admin: Admin,
    private readonly consumer: Consumer,
    private readonly group: string,
    readonly topic: string,
  ) {}

  static async open(kafka: Kafka, admin: Admin, topic: string, readCommitted: boolean, onMessage: (m: TopicMessage) => void): Promise<TopicReader> {
    const group = `cutover-verify-${process.pid}-${Date.now()}-${Math.floor(Math.random() * 1e9)}`;
    const consumer = kafka.consumer({ groupId: group, readUncommitted: !readCommitted, maxBytes: 64 << 20, maxWaitTimeInMs: 200, allowAutoTopicCreation: false });
    const reader = new TopicReader(admin, consumer, group, topic);
    for (const p of await admin.fetchTopicOffsets(topic)) reader.next.set(p.partition, BigInt(p.low));
    consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
      const { partition, lastOffset } = e.payload as { partition: number; lastOffset: string };
      const at = BigInt(lastOffset) + 1n;
      if (at > (reader.next.get(partition) ?? 0n)) reader.next.set(partition, at);
      reader.progressAt = Date.now();
    });
    consumer.on(consumer.events.CRASH, (e) => {
      reader.error = (e.payload as { error: Error }).error;
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: true,
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) onMessage({ partition: batch.partition, key: m.key ? m.key.toString('utf8') : null, value: m.value ? m.value.toString('utf8') : null });
        },
      });
    } catch (e) {
      await reader.close();
      throw e;
    }
    return reader;
  }

  /** The offsets each partition can be read up to now (exclusive). */
  async endOffsets(): Promise<Map<number, bigint>> {
    return new Map((await this.admin.fetchTopicOffsets(this.topic)).map((p) => [p.partition, BigInt(p.high)]));
  }

  /** Waits until every partition has been consumed up to `ends`. */
  async readTo(ends: Map<number, bigint>, signal: AbortSignal): Promise<void> {
    this.progressAt = Date.now();
    for (;;) {
      if (this.error) throw new CutoverError(`Reading the topic "${this.topic}" failed: ${kafkaErrorText(this.error)}`, 'Check the brokers and run the verification again.', 'UNREACHABLE');
      if ([...ends].every(([p, end]) => (this.next.get(p) ?? 0n) >= end)) return;
      if (signal.aborted) return;
      if (Date.now() - this.progressAt > STALL_MS) {
        const behind = [...ends].filter(([p, end]) => (this.next.get(p) ?? 0n) < end).map(([p, end]) => `partition ${p} at ${this.next.get(p) ?? 0n} of ${end}`);
        throw new CutoverError(`Reading the topic "${this.topic}" made no progress for ${STALL_MS / 1000} s (${behind.join(', ')}).`, 'Check the brokers (and that this machine can reach the addresses they advertise), then run the verification again.', 'UNREACHABLE');
      }
      await sleepUnlessAborted(50, signal);
    }
  }

  async close(): Promise<void> {
    await this.consumer.disconnect().catch(() => undefined);
    await this.admin.deleteGroups([this.group]).catch(() => undefined);
  }
}
