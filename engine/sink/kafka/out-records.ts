// What the Kafka sink sends and how it is cut into produce requests: records (one message each, or a run
// of a partition's records already in the record batch format), split per topic-partition under each
// topic's record batch limit, grouped by topic as kafkajs takes them, and the error for a record the
// broker refuses as too large.
import { CutoverError } from '../../../shared/errors.js';

/** One record, ready to send. */
export interface OutRecord {
  topic: TopicLimits;
  key: string | Buffer | null;
  value: string | Buffer | null;
  partition: number;
  headers?: Record<string, string>;
  /** Approximate bytes in a record batch (key, value, headers, record overhead). */
  size: number;
  /** Names the row in an error: "db.table (id=1)" (of a run: its largest record's row). */
  origin: () => string;
  /**
   * A partition's records already in the record batch format (record-runs.ts): the patched kafkajs sends
   * them as that partition's batch of the request, as they are. `key` and `value` are then null.
   */
  encodedRecords?: Buffer;
  /** With encodedRecords: how many records they are. */
  recordCount?: number;
  /** With encodedRecords: the largest record's bytes (`size` is the run's). */
  largestRecordSize?: number;
}

export interface TopicLimits {
  name: string;
  /** The topic's max.message.bytes (the limit of one record batch, i.e. per partition per request). */
  maxMessageBytes: number;
}

/** Record batch header bytes (magic v2) and a margin for varint lengths. */
export const BATCH_OVERHEAD = 128;
/** At most this many bytes in one produce request (the broker's socket.request.max.bytes is 100 MiB). */
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

/** Bytes of a record batch for the topic, leaving room for the batch header. */
export function batchBudget(t: TopicLimits): number {
  return Math.max(1024, Math.floor(t.maxMessageBytes * 0.9) - BATCH_OVERHEAD);
}

/**
 * Splits records into produce requests: per topic-partition in order, each partition's share of a
 * request under its topic's budget (a message larger than that goes alone, and the broker decides; a run
 * of pre-encoded records goes alone too, and is under the budget unless it is one such message).
 */
export function splitRequests(records: OutRecord[]): OutRecord[][] {
  // The queues in the order their topic-partition first occurs; found by topic name, then partition
  // (no string built per record).
  type Queue = { budget: number; q: OutRecord[]; head: number };
  const queues: Queue[] = [];
  const byTopic = new Map<string, Queue[]>();
  let lastName: string | null = null;
  let last: Queue[] = [];
  for (const r of records) {
    const name = r.topic.name;
    if (name !== lastName) {
      let t = byTopic.get(name);
      if (!t) byTopic.set(name, (t = []));
      lastName = name;
      last = t;
    }
    let e = last[r.partition];
    if (!e) queues.push((last[r.partition] = e = { budget: batchBudget(r.topic), q: [], head: 0 }));
    e.q.push(r);
  }
  const out: OutRecord[][] = [];
  for (;;) {
    const send: OutRecord[] = [];
    let total = 0;
    for (const e of queues) {
      let part = 0;
      while (e.head < e.q.length && total < MAX_REQUEST_BYTES) {
        const m = e.q[e.head]!;
        // a run of pre-encoded records is its partition's whole batch in a request
        if (part > 0 && (m.encodedRecords !== undefined || part + m.size > e.budget)) break;
        send.push(m);
        part += m.size;
        total += m.size;
        e.head++;
        if (part > e.budget || m.encodedRecords !== undefined) break; // an oversized message alone in its partition's batch
      }
    }
    if (!send.length) return out;
    out.push(send);
  }
}

/**
 * The records grouped by topic, as kafkajs takes them. The records themselves are the messages (kafkajs
 * reads key, value, partition and headers, and ignores the other fields): no copy per record.
 */
export function topicMessages(records: OutRecord[]): { topic: string; messages: OutRecord[] }[] {
  const by = new Map<string, OutRecord[]>();
  for (const r of records) {
    let l = by.get(r.topic.name);
    if (!l) by.set(r.topic.name, (l = []));
    l.push(r);
  }
  return [...by].map(([topic, messages]) => ({ topic, messages }));
}

/** MESSAGE_TOO_LARGE / RECORD_LIST_TOO_LARGE: name the table and the largest row of the request. */
export function tooLarge(records: OutRecord[], type: string, broker: string): CutoverError {
  const sizeOf = (m: OutRecord): number => m.largestRecordSize ?? m.size;
  const big = records.reduce((a, m) => (sizeOf(m) > sizeOf(a) ? m : a), records[0]!);
  const size = sizeOf(big);
  const topic = big.topic;
  const origin = big.origin();
  const table = origin.replace(/ \(.*$/, '');
  return new CutoverError(
    `A row of ${origin} is too large for Kafka: its message is ${size.toLocaleString('en-US')} bytes, ` +
      `over the limit of topic "${topic.name}" (max.message.bytes = ${topic.maxMessageBytes.toLocaleString('en-US')}; broker said ${type}). Nothing was skipped: the job is paused.`,
    `Raise the topic's limit (kafka-configs.sh --bootstrap-server ${broker} --alter --entity-type topics --entity-name ${topic.name} --add-config max.message.bytes=${nextPow2(size + 1024)}; ` +
      `above the broker's message.max.bytes, raise that too, and the consumers' fetch.max.bytes / max.partition.fetch.bytes), ` +
      `or exclude the large column ("columns": {"${table}": {"exclude": ["…"]}}); then run the job again: it resumes where it stopped.`,
    'SINK_ROW',
  );
}

function nextPow2(n: number): number {
  let p = 1024 * 1024;
  while (p < n) p *= 2;
  return p;
}
