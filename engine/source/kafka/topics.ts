// The job's "topics": names, or /regular expressions/ that kafkajs matches against the cluster's topics
// when the process subscribes; the consumer matches them again every `topicRefreshMs` and rejoins the
// group with the topics created since (consumer.ts refreshTopics).
import type { Kafka } from 'kafkajs';
import { CutoverError } from '../../../shared/errors.js';

/** A topics entry as kafkajs subscribes to it: a name, or a RegExp for "/…/". Pure. */
export function topicSubscription(entry: string): string | RegExp {
  return /^\/.*\/$/.test(entry) ? new RegExp(`^(?:${entry.slice(1, -1)})$`) : entry;
}

/** The subscriptions, after checking that every named topic exists (a pattern may match none yet). */
export async function topicSubscriptions(kafka: Kafka, entries: string[]): Promise<(string | RegExp)[]> {
  const subs = entries.map(topicSubscription);
  const names = subs.filter((s): s is string => typeof s === 'string');
  if (names.length) {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const have = new Set(await admin.listTopics());
      const missing = names.filter((n) => !have.has(n));
      if (missing.length)
        throw new CutoverError(
          `The Kafka source's topic${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'do' : 'does'} not exist on the cluster.`,
          'Check the names in "source.topics" (a producer creates them on its first message), or use a /regular expression/ to take topics as they appear.',
          'CONFIG',
        );
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
  return subs;
}
