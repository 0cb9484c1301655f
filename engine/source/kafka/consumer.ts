// One member of a Kafka-source job's consumer group (kafkajs, read_committed). Every process of the job
// joins the same group and is given some of the partitions; on each assignment it asks the sink where each
// partition stands (the offsets stored with the rows) and seeks there, so the group's committed offsets
// (written after each sink commit, for monitoring) are never trusted over the sink's. Each fetched batch of
// a partition is decoded and handed to the sink as one transaction; the next batch of that partition is
// not fetched until the sink has it (backpressure).
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { CutoverError } from '../../../shared/errors.js';
import type { KafkaSourceConfig } from '../../../shared/job-config.js';
import { kafkaClient, kafkaErrorText, isTransient, unreachable } from '../../kafka/client.js';
import { messageLag, partitionKey, type PartitionMessage, type PartitionProgress, type TopicPartition } from '../../core/partition-offsets.js';
import type { ConsumerOptions, PartitionConsumer } from '../driver.js';
import { decodeMessage, detectFormat, DecodeError, type DecodeContext, type KafkaSourceFormat } from './formats/decode.js';
import { topicSubscriptions } from './topics.js';

export class KafkaConsumer implements PartitionConsumer {
  private readonly kafka: Kafka;
  private readonly consumer: Consumer;
  /** Where each assigned partition must start (the sink's offset, or `start`), checked against its next batch once. */
  private readonly startAt = new Map<string, string>();
  private readonly progress = new Map<string, PartitionProgress>();
  private memberId: string | null = null;
  private joined: Promise<void> = Promise.resolve();
  private failure: Error | null = null;
  private readonly ctx: DecodeContext;

  constructor(
    private readonly cfg: KafkaSourceConfig,
    private readonly o: ConsumerOptions,
  ) {
    const clientId = cfg.clientId ?? `cutover-${o.job}`;
    this.kafka = kafkaClient({ brokers: cfg.brokers, clientId, log: o.log, tls: cfg.tls, sasl: cfg.sasl, tlsPath: 'source.tls', retries: 5 });
    this.consumer = this.kafka.consumer({
      groupId: cfg.group ?? `cutover-${o.job}`,
      readUncommitted: false,
      allowAutoTopicCreation: false,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      rebalanceTimeout: 20_000,
      maxBytesPerPartition: 4 << 20,
      maxWaitTimeInMs: 500,
      retry: { retries: 5 },
    });
    this.ctx = { columns: (db, table) => o.columns(db, table), ...(cfg.debezium ? { debezium: cfg.debezium } : {}) };
  }

  async run(): Promise<void> {
    const { o } = this;
    const c = this.consumer;
    c.on(c.events.GROUP_JOIN, (e) => {
      this.memberId = e.payload.memberId;
      const assigned: TopicPartition[] = [];
      for (const [topic, parts] of Object.entries(e.payload.memberAssignment)) for (const partition of parts) assigned.push({ topic, partition });
      this.joined = this.onAssignment(assigned).catch((err: unknown) => {
        this.failure = err instanceof Error ? err : new Error(String(err));
      });
    });
    c.on(c.events.CRASH, (e) => {
      if (!e.payload.restart) this.failure = e.payload.error;
    });
    try {
      await c.connect();
      const subs = await topicSubscriptions(this.kafka, this.cfg.topics);
      await c.subscribe({ topics: subs, fromBeginning: this.cfg.start === 'earliest' });
    } catch (e) {
      if (isTransient(e)) throw unreachable(this.cfg.brokers, e, 'Joining the consumer group');
      throw new CutoverError(`The Kafka source could not subscribe to ${this.cfg.topics.join(', ')}: ${kafkaErrorText(e)}`, 'Check the topic names and that the account may read them and join the group (ACLs: Read on the topics and on the group).', 'CONFIG');
    }
    await c.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 1, eachBatch: (p) => this.batch(p) });
    o.log.info(`consuming ${this.cfg.topics.join(', ')} as a member of group "${this.cfg.group ?? `cutover-${o.job}`}"`);
    await new Promise<void>((resolve, reject) => {
      const tick = setInterval(() => {
        if (this.failure) {
          clearInterval(tick);
          reject(this.failure);
        } else if (o.signal.aborted) {
          clearInterval(tick);
          resolve();
        }
      }, 100);
    });
  }

  /** Looks up where each newly assigned partition starts (the sink's offset, else `start`) and where it ends. */
  private async onAssignment(parts: TopicPartition[]): Promise<void> {
    this.startAt.clear();
    const stored = await this.o.storedOffsets(parts);
    const { starts, ends } = await this.partitionOffsets(parts, stored);
    this.progress.clear();
    for (const p of parts) {
      const k = partitionKey(p);
      const at = stored.get(k) ?? starts.get(k) ?? null;
      if (at !== null) this.startAt.set(k, at);
      const end = ends.get(k) ?? null;
      const lag = messageLag(at, end);
      this.progress.set(k, { ...p, offset: at, end, lag, lagMs: lag === 0 ? 0 : null });
    }
    this.o.log.info(`assigned ${parts.length ? parts.map(partitionKey).join(', ') : 'no partition'}${stored.size ? ` (the sink has offsets for ${stored.size})` : ''}`);
    this.report();
  }

  /**
   * The partitions' ends (for lag), and `start` for those the sink has nothing of: earliest / latest / the
   * first offset at a time.
   */
  private async partitionOffsets(parts: TopicPartition[], stored: Map<string, string>): Promise<{ starts: Map<string, string>; ends: Map<string, string> }> {
    const starts = new Map<string, string>();
    const ends = new Map<string, string>();
    if (!parts.length) return { starts, ends };
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const start = this.cfg.start;
      for (const topic of new Set(parts.map((p) => p.topic))) {
        for (const r of await admin.fetchTopicOffsets(topic)) {
          const k = partitionKey({ topic, partition: r.partition });
          ends.set(k, r.high);
          if (start !== 'latest' && typeof start !== 'object') starts.set(k, r.low);
          else if (start === 'latest') starts.set(k, r.high);
        }
        if (typeof start === 'object' && parts.some((p) => p.topic === topic && !stored.has(partitionKey(p))))
          for (const r of await admin.fetchTopicOffsetsByTimestamp(topic, Date.parse(start.timestamp))) starts.set(partitionKey({ topic, partition: r.partition }), r.offset);
      }
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    return { starts, ends };
  }

  private async batch(p: EachBatchPayload): Promise<void> {
    await this.joined;
    const { batch } = p;
    const tp = { topic: batch.topic, partition: batch.partition };
    const k = partitionKey(tp);
    const first = batch.messages[0]?.offset;
    const want = this.startAt.get(k);
    if (want !== undefined) {
      this.startAt.delete(k);
      if (first !== undefined && first !== want) {
        // The fetch started where the group's offset (or the client's default) was, not where the sink is.
        this.consumer.seek({ topic: batch.topic, partition: batch.partition, offset: want });
        return;
      }
    }
    if (!batch.messages.length || !p.isRunning() || p.isStale()) return;
    const messages: PartitionMessage[] = [];
    for (const m of batch.messages) {
      const decoded = await this.decode(batch.topic, batch.partition, m.offset, m.key, m.value);
      if (decoded) messages.push({ offset: m.offset, changes: decoded.changes, timestampMs: decoded.timestampMs ?? Number(m.timestamp) });
    }
    const last = batch.messages[batch.messages.length - 1]!;
    const next = (BigInt(last.offset) + 1n).toString();
    await this.o.apply({ ...tp, messages, next });
    p.resolveOffset(last.offset);
    await p.heartbeat().catch(() => undefined);
    // Monitoring only: the sink's offset is the one trusted.
    await this.consumer.commitOffsets([{ ...tp, offset: next }]).catch((e: unknown) => this.o.log.debug(`committing ${k} to the group: ${kafkaErrorText(e)}`));
    const end = batch.highWatermark;
    const lag = messageLag(next, end);
    this.progress.set(k, { ...tp, offset: next, end, lag, lagMs: lag === 0 ? 0 : Math.max(0, Date.now() - Number(last.timestamp)) });
    this.report();
  }

  /** A message's row changes of the job's tables; null for a message without any (a tombstone, a heartbeat, DDL not applied). */
  private async decode(topic: string, partition: number, offset: string, key: Buffer | null, value: Buffer | null): Promise<{ changes: PartitionMessage['changes']; timestampMs: number | null } | null> {
    const where = `${topic} partition ${partition} offset ${offset}`;
    try {
      return this.decodeOnce(where, key, value);
    } catch (e) {
      // A table seen for the first time: its columns are read from the sink, then the message is decoded again.
      if (!(e instanceof DecodeError) || e.reason !== 'unknown-table' || !e.table) throw this.refused(where, key, value, e);
      const dot = e.table.indexOf('.');
      const [db, table] = [e.table.slice(0, dot), e.table.slice(dot + 1)];
      if (!this.o.include(db, table)) return null; // not one of the job's tables: never decoded
      await this.o.loadTable(db, table);
      try {
        return this.decodeOnce(where, key, value);
      } catch (again) {
        throw this.refused(where, key, value, again);
      }
    }
  }

  private decodeOnce(where: string, key: Buffer | null, value: Buffer | null): { changes: PartitionMessage['changes']; timestampMs: number | null } | null {
      let format: KafkaSourceFormat | null = this.cfg.format === 'auto' ? null : this.cfg.format;
      if (!format) {
        if (value === null || value.length === 0) return null;
        format = detectFormat(value);
        if (!format) throw new DecodeError('the message is neither Debezium, Canal nor Maxwell JSON', 'Set "format" in the job file\'s source, or skip the message.', 'malformed');
      }
      const d = decodeMessage(format, key, value, this.ctx);
      if (d.kind === 'skip') return null;
      if (d.kind === 'ddl') {
        this.o.log.warn(`a schema change at ${where} is not applied (a Kafka source applies row changes only): ${d.sql.slice(0, 300)}`);
        return null;
      }
      const changes = d.changes.filter((c) => this.o.include(c.db, c.table));
      return { changes, timestampMs: d.timestampMs };
  }

  /** A message that cannot be decoded: stops the job naming it (topic, partition, offset, key, the raw message). */
  private refused(where: string, key: Buffer | null, value: Buffer | null, e: unknown): unknown {
      if (!(e instanceof DecodeError)) return e;
      const raw = value ? value.toString('utf8') : '(null)';
      return new CutoverError(
        `The message at ${where} (key ${key ? key.toString('utf8').slice(0, 200) : 'none'}) cannot be applied: ${e.message}\n  message: ${raw.length > 1500 ? raw.slice(0, 1500) + ' …' : raw}`,
        `${e.fix ?? 'Correct the producer or the sink table.'} Nothing of this message was applied; the partition's offset in the sink is still before it, so running the same job again retries it.`,
        'SINK_ROW',
      );
  }

  private report(): void {
    this.o.progress({ memberId: this.memberId, partitions: [...this.progress.values()] });
  }

  async close(): Promise<void> {
    await this.consumer.disconnect().catch(() => undefined);
  }
}
