// A topic the sink has just created is not usable everywhere at once: until every broker has the new
// partitions' metadata, requests about it can be answered UNKNOWN_TOPIC_OR_PARTITION ("This server does
// not host this topic-partition") or NOT_LEADER_OR_FOLLOWER, both retriable. These helpers wait that out
// (bounded) instead of letting a job stop on it.
import type { Admin } from 'kafkajs';
import { isTransient, kafkaErrorText } from '../../kafka/client.js';
import { sleepUnlessAborted } from '../../core/sleep.js';

export interface RetryOptions {
  /** What is being done, for the debug line and the final error. */
  what: string;
  /** How long a transient failure is retried (default 60 s). */
  forMs?: number;
  signal?: AbortSignal;
  debug?: (msg: string) => void;
}

/** Runs `fn`, retrying failures that isTransient() calls retriable, with a backoff, for up to `forMs`. */
export async function retryTransient<T>(fn: () => Promise<T>, o: RetryOptions): Promise<T> {
  const deadline = Date.now() + (o.forMs ?? 60_000);
  for (let wait = 200; ; wait = Math.min(wait * 2, 3000)) {
    try {
      return await fn();
    } catch (e) {
      if (!isTransient(e) || Date.now() + wait > deadline || o.signal?.aborted) throw e;
      o.debug?.(`${o.what}: ${kafkaErrorText(e)}; retrying in ${wait} ms`);
      await sleepUnlessAborted(wait, o.signal ?? new AbortController().signal);
    }
  }
}

/** An error that says the topic is not ready yet (retriable, so retryTransient waits for it). */
function notReady(topic: string, why: string): Error {
  return Object.assign(new Error(`topic "${topic}" not ready: ${why}`), { type: 'LEADER_NOT_AVAILABLE', retriable: true });
}

/**
 * Waits until the topic's metadata lists `partitions` partitions, each with a leader, and its offsets can be
 * read (the request that fails first on a broker that does not host the partitions yet).
 */
export async function waitForTopicReady(admin: Admin, topic: string, partitions: number, o: RetryOptions): Promise<void> {
  await retryTransient(async () => {
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    const parts = meta.topics.find((t) => t.name === topic)?.partitions ?? [];
    if (parts.length < partitions) throw notReady(topic, `${parts.length} of ${partitions} partition(s) known`);
    const leaderless = parts.filter((p) => p.leader < 0 || p.partitionErrorCode !== 0);
    if (leaderless.length) throw notReady(topic, `partition(s) ${leaderless.map((p) => p.partitionId).join(', ')} without a leader`);
    await admin.fetchTopicOffsets(topic);
  }, o);
}
