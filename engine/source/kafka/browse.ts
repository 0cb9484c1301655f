// The cluster's topics and one message of a topic, for the app before a consumer job exists (the
// connections view and the consumer wizard): listTopics reads the metadata and watermarks; sampleTopic
// reads the latest message of the topic's fullest partition with a throwaway consumer group (deleted
// afterwards), read_committed as a job reads, and describes it (format detected as "auto" would).
import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { CutoverError } from '../../../shared/errors.js';
import type { KafkaTopicInfo, KafkaTopicSample } from '../../../shared/kafka-topics.js';
import { kafkaClient, kafkaErrorText, isTransient, unreachable } from '../../kafka/client.js';
import type { TopicConnection } from '../driver.js';
import { describeMessage } from './formats/describe.js';

/** The value text a sample carries at most (characters). */
export const SAMPLE_TEXT_MAX = 16_384;
/** How long a sample waits for its message (ms). */
const SAMPLE_WAIT_MS = 20_000;
/** How many messages before the end a sample starts at (transaction markers and tombstones are passed over). */
const SAMPLE_BACK = 20n;

function client(c: TopicConnection): Kafka {
  return kafkaClient({ brokers: c.brokers, clientId: 'cutover-browse', retries: 1, connectionTimeout: 5000, tls: c.tls, sasl: c.sasl, tlsPath: 'tls' });
}

function refused(e: unknown, c: TopicConnection, what: string): CutoverError {
  if (e instanceof CutoverError) return e;
  if (isTransient(e)) return unreachable(c.brokers, e, what);
  return new CutoverError(`${what} failed: ${kafkaErrorText(e)}.`, 'Check that the account may describe and read the topics (ACLs: Describe and Read on the topics, Read on groups named cutover-sample-*).', 'CONFIG');
}

export async function listTopics(c: TopicConnection): Promise<KafkaTopicInfo[]> {
  const admin = client(c).admin();
  try {
    await admin.connect();
    const names = await admin.listTopics();
    const out: KafkaTopicInfo[] = [];
    for (const name of names) {
      const offsets = await admin.fetchTopicOffsets(name);
      const messages = offsets.reduce((n, o) => n + Number(BigInt(o.high) - BigInt(o.low)), 0);
      out.push({ name, partitions: offsets.length, messages, internal: name.startsWith('__') });
    }
    return out.sort((a, b) => Number(a.internal) - Number(b.internal) || a.name.localeCompare(b.name));
  } catch (e) {
    throw refused(e, c, 'Listing the Kafka topics');
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** The latest message of the topic's fullest partition; null when the topic holds none. */
export async function sampleTopic(c: TopicConnection, topic: string): Promise<KafkaTopicSample | null> {
  const kafka = client(c);
  const admin = kafka.admin();
  let chosen: { partition: number; low: bigint; high: bigint } | null = null;
  try {
    await admin.connect();
    if (!(await admin.listTopics()).includes(topic)) throw new CutoverError(`The cluster has no topic "${topic}".`, 'Choose a topic from the list (it may have been deleted since it was listed).', 'NOT_FOUND');
    for (const o of await admin.fetchTopicOffsets(topic)) {
      const low = BigInt(o.low);
      const high = BigInt(o.high);
      if (high > low && (!chosen || high - low > chosen.high - chosen.low)) chosen = { partition: o.partition, low, high };
    }
  } catch (e) {
    await admin.disconnect().catch(() => undefined);
    throw refused(e, c, `Reading the offsets of ${topic}`);
  }
  if (!chosen) {
    await admin.disconnect().catch(() => undefined);
    return null;
  }
  const { partition, low, high } = chosen;
  const groupId = `cutover-sample-${randomBytes(6).toString('hex')}`;
  const consumer = kafka.consumer({ groupId, readUncommitted: false, allowAutoTopicCreation: false, sessionTimeout: 10_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 200 });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: false });
    const found = new Promise<KafkaTopicSample | null>((resolve, reject) => {
      const timer = setTimeout(() => reject(new CutoverError(`No message of ${topic} [${partition}] arrived within ${SAMPLE_WAIT_MS / 1000} s.`, 'Try again; if it keeps failing, check that the account may read the topic (and that its messages are not all in open transactions).', 'UNREACHABLE')), SAMPLE_WAIT_MS);
      let last: KafkaTopicSample | null = null;
      void consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            if (batch.partition !== partition) return;
            for (const m of batch.messages) {
              const value = m.value ?? null;
              const d = describeMessage(value);
              const text = value ? value.toString('utf8') : null;
              const sample: KafkaTopicSample = {
                topic,
                partition,
                offset: m.offset,
                key: m.key ? m.key.toString('utf8') : null,
                value: text && text.length > SAMPLE_TEXT_MAX ? text.slice(0, SAMPLE_TEXT_MAX) : text,
                bytes: value?.length ?? 0,
                timestamp: m.timestamp ? Number(m.timestamp) : null,
                ...d,
              };
              // A value is more telling than a tombstone after it.
              if (!last || value !== null || last.value === null) last = sample;
            }
            // The batch reaches the end of the partition (its last offset is the high watermark's predecessor or later).
            if (last && BigInt(batch.highWatermark) - 1n <= BigInt(batch.lastOffset())) {
              clearTimeout(timer);
              resolve(last);
            }
          },
        })
        .then(() => consumer.seek({ topic, partition, offset: String(high - SAMPLE_BACK > low ? high - SAMPLE_BACK : low) }))
        .catch((e: unknown) => {
          clearTimeout(timer);
          reject(e instanceof Error ? e : new Error(String(e)));
        });
    });
    return await found;
  } catch (e) {
    throw refused(e, c, `Reading a message of ${topic}`);
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}
