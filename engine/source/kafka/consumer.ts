// One member of a Kafka-source job's consumer group (kafkajs, read_committed). Every process of the job
// joins the same group and is given some of the partitions; on each assignment it asks the sink where each
// partition stands (the offsets stored with the rows) and seeks there, so the group's committed offsets
// (written after each sink commit, for monitoring) are never trusted over the sink's. Each fetched batch of
// a partition is decoded and handed to the sink as one transaction; the next batch of that partition is
// not fetched until the sink has it (backpressure). A bad message (it does not decode, names a column the
// sink lacks, or the sink refuses it) pauses its partition only (engine/core/bad-messages.ts decides, per
// batch); every rebalance resumes the paused partitions, so whoever holds one then retries it, or passes
// the message over when a skip was requested in the sink (--skip-message), dead-letter topic first. While
// a partition is paused, the sink's skip requests are read again every SKIP_POLL_MS: a skip asked for
// while the job runs (`cutover skip-message`, the app's Skip) resumes the partition at the message, which
// is then passed over, without a restart.
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { CutoverError } from '../../../shared/errors.js';
import type { KafkaSourceConfig } from '../../../shared/job-config.js';
import { kafkaClient, kafkaErrorText, isTransient, unreachable } from '../../kafka/client.js';
import { messageLag, partitionKey, type PartitionProgress, type TopicPartition } from '../../core/partition-offsets.js';
import type { ConsumerOptions, PartitionConsumer } from '../driver.js';
import { lenientAs, type Headers } from './apply-mode.js';
import { decodeMessage, detectFormat, DecodeError, type DecodeContext, type DecodedMessage, type KafkaSourceFormat } from './formats/decode.js';
import { consumeBatch, type Decoded, type RawMessage, type SkipRequest } from '../../core/bad-messages.js';
import { DeadLetter } from './dead-letter.js';
import { topicSubscription, topicSubscriptions } from './topics.js';
import { SchemaTopicReader } from './schema-topic.js';
import { rejoinGroup } from './rejoin.js';
import { partitionStarts } from './partition-starts.js';

/** A fetched message as the batch logic sees it, with its headers (lenient apply, the dead-letter topic). */
type FetchedMessage = RawMessage & { headers?: Headers };

/** The timestamp of the message at `offset` (the last applied: found from the end); now when it is not there. */
function lastTimestamp(messages: FetchedMessage[], offset: string): number {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]!.offset === offset) return messages[i]!.timestampMs;
  return Date.now();
}

/** How long a member that kafkajs stopped on a passing error keeps trying to join its group again. */
const REJOIN_MS = 5 * 60_000;

/** How often a process with a paused partition reads the skip requests again. */
const SKIP_POLL_MS = 1000;

export class KafkaConsumer implements PartitionConsumer {
  private readonly kafka: Kafka;
  private consumer: Consumer;
  /** The topics the /patterns/ matched at the last subscription. */
  private matched = new Set<string>();
  /** Where each assigned partition must start (the sink's offset, or `start`), checked against its next batch once. */
  private readonly startAt = new Map<string, string>();
  private readonly progress = new Map<string, PartitionProgress>();
  private memberId: string | null = null;
  private joined: Promise<void> = Promise.resolve();
  private failure: Error | null = null;
  /** A new member is joining the group after kafkajs stopped this one (rejoin()). */
  private rejoining = false;
  private readonly ctx: DecodeContext;
  /** Partitions this process paused at a bad message (resumed at the next rebalance, which retries them). */
  private readonly pausedAt = new Map<string, TopicPartition & { offset: string }>();
  /** Skips requested in the sink for the assigned partitions, by "topic/partition/offset". */
  private readonly skips = new Map<string, SkipRequest>();
  private readonly deadLetter: DeadLetter | null;
  /** Each subscribed topic's partition count, as last fetched (a DDL message's order depends on it). */
  private readonly partitionCounts = new Map<string, number>();
  /** The schema-change topic the job names (`schemaTopic`), read before each batch; null: none. */
  private readonly schema: SchemaTopicReader | null;

  constructor(
    private readonly cfg: KafkaSourceConfig,
    private readonly o: ConsumerOptions,
  ) {
    const clientId = cfg.clientId ?? `cutover-${o.job}`;
    this.kafka = kafkaClient({ brokers: cfg.brokers, clientId, log: o.log, tls: cfg.tls, sasl: cfg.sasl, tlsPath: 'source.tls', retries: 5 });
    this.consumer = this.newConsumer();
    this.ctx = { columns: (db, table) => o.columns(db, table), ...(cfg.debezium ? { debezium: cfg.debezium } : {}) };
    this.deadLetter = cfg.deadLetter ? new DeadLetter(this.kafka, cfg.deadLetter.topic, o.job) : null;
    if (cfg.schemaTopic && cfg.format !== 'debezium')
      throw new CutoverError(
        `"schemaTopic" needs "format": "debezium" (the job's format is "${cfg.format}"): a schema-change topic's statements are ordered with the rows by binlog position, which Debezium row messages carry (source.file, source.pos); Canal's flatMessage carries none, Maxwell puts its statements in the data topics (read there without "schemaTopic"), and "auto" would let a message of another format through unordered.`,
        'Set "format": "debezium" for a Debezium-form topic, or remove "schemaTopic" (Canal isDdl and Maxwell ddl messages in the data topics are applied in partition order).',
        'CONFIG',
      );
    this.schema = cfg.schemaTopic ? new SchemaTopicReader(this.kafka, cfg.schemaTopic, o.job, (sql, db) => o.ddlTables(sql, db), o.log, o.signal) : null;
  }

  /** A group member with its event handlers; a new one replaces it when new topics join the subscription. */
  private newConsumer(): Consumer {
    const c = this.kafka.consumer({
      groupId: this.cfg.group ?? `cutover-${this.o.job}`,
      readUncommitted: false,
      allowAutoTopicCreation: false,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      rebalanceTimeout: 20_000,
      maxBytesPerPartition: 4 << 20,
      maxWaitTimeInMs: 500,
      retry: { retries: 5 },
    });
    c.on(c.events.GROUP_JOIN, (e) => {
      this.memberId = e.payload.memberId;
      const assigned: TopicPartition[] = [];
      for (const [topic, parts] of Object.entries(e.payload.memberAssignment)) for (const partition of parts) assigned.push({ topic, partition });
      // A rebalance retries every paused partition: whoever holds it now reads it again from the sink's offset.
      if (this.pausedAt.size) {
        c.resume([...this.pausedAt.values()].map((p) => ({ topic: p.topic, partitions: [p.partition] })));
        this.pausedAt.clear();
      }
      this.joined = this.onAssignment(assigned).catch((err: unknown) => {
        this.failure = err instanceof Error ? err : new Error(String(err));
      });
    });
    c.on(c.events.CRASH, (e) => {
      if (e.payload.restart || c !== this.consumer) return;
      // kafkajs gives up on some passing conditions (KafkaJSGroupCoordinatorNotFound when the coordinator
      // does not answer in time on a busy broker): this member joins the group again itself.
      if (isTransient(e.payload.error) && !this.o.signal.aborted) void this.rejoin(e.payload.error);
      else this.failure = e.payload.error;
    });
    return c;
  }

  /** Connects, subscribes (patterns resolved against the cluster's topics now) and starts consuming. */
  private async start(): Promise<void> {
    const c = this.consumer;
    try {
      await c.connect();
      const subs = await topicSubscriptions(this.kafka, this.cfg.topics);
      this.matched = new Set(await this.patternTopics());
      await c.subscribe({ topics: subs, fromBeginning: this.cfg.start === 'earliest' });
    } catch (e) {
      if (e instanceof CutoverError) throw e;
      if (isTransient(e)) throw unreachable(this.cfg.brokers, e, 'Joining the consumer group');
      throw new CutoverError(`The Kafka source could not subscribe to ${this.cfg.topics.join(', ')}: ${kafkaErrorText(e)}`, 'Check the topic names and that the account may read them and join the group (ACLs: Read on the topics and on the group).', 'CONFIG');
    }
    await c.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 1, eachBatch: (p) => this.batch(p) });
  }

  /** The cluster's topics that the job's /patterns/ match (empty when it names topics only). */
  private async patternTopics(): Promise<string[]> {
    const patterns = this.cfg.topics.map(topicSubscription).filter((s): s is RegExp => s instanceof RegExp);
    if (!patterns.length) return [];
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return (await admin.listTopics()).filter((t) => patterns.some((p) => p.test(t)));
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /**
   * Matches the patterns again; topics new since the subscription join it: this member leaves the group and
   * joins again with them (kafkajs resolves patterns only when it subscribes). The group rebalances, and
   * every partition starts from the sink's offset (or `start` for one the sink has nothing of), as always.
   */
  private async refreshTopics(): Promise<void> {
    if (this.rejoining) return;
    const now = await this.patternTopics();
    const added = now.filter((t) => !this.matched.has(t));
    if (!added.length) return;
    this.o.log.info(`new topic(s) matching ${this.cfg.topics.filter((t) => /^\/.*\/$/.test(t)).join(', ')}: ${added.join(', ')}; rejoining the group with them`);
    try {
      await this.consumer.disconnect();
      if (this.o.signal.aborted) return;
      this.consumer = this.newConsumer();
      await this.start();
    } catch (e) {
      // Out of the group and not back in: the job stops (run it again to resume from the sink's offsets).
      this.failure = e instanceof Error ? e : new Error(String(e));
    }
  }

  /** kafkajs stopped the member on a passing error: a new member joins the group (rejoin.ts); every partition then starts from the sink's offset. */
  private async rejoin(cause: Error): Promise<void> {
    if (this.rejoining) return;
    this.rejoining = true;
    try {
      await rejoinGroup(
        cause,
        async () => {
          await this.consumer.disconnect().catch(() => undefined);
          this.consumer = this.newConsumer();
          await this.start();
        },
        { brokers: this.cfg.brokers, log: this.o.log, signal: this.o.signal, limitMs: REJOIN_MS },
      );
    } catch (e) {
      this.failure = e instanceof Error ? e : new Error(String(e));
    } finally {
      this.rejoining = false;
    }
  }

  async run(): Promise<void> {
    const { o } = this;
    await this.start();
    o.log.info(`consuming ${this.cfg.topics.join(', ')} as a member of group "${this.cfg.group ?? `cutover-${o.job}`}"`);
    const patterns = this.cfg.topics.some((t) => /^\/.*\/$/.test(t));
    let refreshing = false;
    let refreshedAt = Date.now();
    let polling = false;
    let polledAt = Date.now();
    await new Promise<void>((resolve, reject) => {
      const tick = setInterval(() => {
        if (this.failure) {
          clearInterval(tick);
          reject(this.failure);
        } else if (o.signal.aborted) {
          clearInterval(tick);
          resolve();
        } else if (patterns && !refreshing && Date.now() - refreshedAt >= this.cfg.topicRefreshMs) {
          refreshing = true;
          this.refreshTopics()
            // A failed look leaves the subscription as it was (tried again at the next refresh).
            .catch((e: unknown) => o.log.warn(`matching the topic patterns again: ${kafkaErrorText(e)}`))
            .finally(() => {
              refreshing = false;
              refreshedAt = Date.now();
            });
        } else if (this.pausedAt.size && !polling && Date.now() - polledAt >= SKIP_POLL_MS) {
          polling = true;
          this.takeSkips()
            // The sink did not answer: asked again at the next poll.
            .catch((e: unknown) => o.log.warn(`reading the skip requests of the paused partitions: ${e instanceof Error ? e.message : String(e)}`))
            .finally(() => {
              polling = false;
              polledAt = Date.now();
            });
        }
      }, 100);
    });
  }

  /**
   * A skip requested for a message a partition of this process is paused at: the partition resumes AT the
   * message (seek), and its next batch passes it over (consumeBatch), the skip recorded with the offset.
   */
  private async takeSkips(): Promise<void> {
    const paused = [...this.pausedAt.values()];
    if (!paused.length) return;
    for (const r of await this.o.skipRequests(paused.map((p) => ({ topic: p.topic, partition: p.partition })))) {
      const k = partitionKey(r);
      this.skips.set(`${k}/${r.offset}`, r);
      const at = this.pausedAt.get(k);
      if (!at || at.offset !== r.offset) continue;
      this.pausedAt.delete(k);
      this.consumer.seek({ topic: r.topic, partition: r.partition, offset: r.offset });
      this.consumer.resume([{ topic: r.topic, partitions: [r.partition] }]);
      this.o.log.info(`partition ${r.topic}:${r.partition} resumes at offset ${r.offset}: the skip asked by ${r.requestedBy} is carried out`);
    }
  }

  /** Looks up where each newly assigned partition starts (the sink's offset, else `start`) and where it ends. */
  private async onAssignment(parts: TopicPartition[]): Promise<void> {
    this.startAt.clear();
    const stored = await this.o.storedOffsets(parts);
    this.skips.clear();
    for (const r of await this.o.skipRequests(parts)) this.skips.set(`${partitionKey(r)}/${r.offset}`, r);
    const { starts, ends, counts } = await partitionStarts(this.kafka, this.cfg.start, parts, stored);
    for (const [topic, n] of counts) this.partitionCounts.set(topic, n);
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
    if (!batch.messages.length || !p.isRunning() || p.isStale() || this.pausedAt.has(k)) return;
    const fetched: FetchedMessage[] = batch.messages.map((m) => ({ offset: m.offset, key: m.key, value: m.value, timestampMs: Number(m.timestamp), headers: m.headers }));
    let r: Awaited<ReturnType<typeof consumeBatch>>;
    try {
      await this.readSchemaTopic();
      r = await consumeBatch(
        tp,
        fetched,
        {
          decode: (m) => this.decode(batch.topic, batch.partition, m.offset, m.key, m.value, m.headers),
          fault: (e) => (e instanceof DecodeError ? { reason: e.message, fix: `${e.fix ?? 'Correct the producer or the sink table.'} Then run the job again (the partition is retried from this message), or go past it: cutover skip-message ${batch.topic}:${batch.partition}:OFFSET --job JOB.` } : null),
          // Asked for every message: no key is built while no skip is pending.
          skipRequest: (offset) => (this.skips.size ? this.skips.get(`${k}/${offset}`) : undefined),
          deadLetter: async (m, reason) => {
            if (!this.deadLetter) return null;
            await this.deadLetter.send(tp, m, reason, this.o.who);
            return this.deadLetter.topic;
          },
          apply: (b) => this.o.apply(b),
          applyDdl: async (m, ddl) => {
            if (!ddl.at) return this.o.applyDdl({ ...tp, offset: m.offset }, this.partitionCounts.get(batch.topic) ?? null, ddl);
            // A statement of the schema-change topic (one partition), before the row message that needs it.
            await this.o.applyDdl(ddl.at, 1, ddl);
            this.schema?.order.appliedThrough((BigInt(ddl.at.offset) + 1n).toString());
          },
          who: this.o.who,
          now: () => Date.now(),
        },
      );
    } catch (e) {
      // A refusal that no retry changes (a table the sink lacks and no message defines, a table spread over
      // partitions): the job stops with it; nothing of the batch was applied, the offset stays.
      if (!(e instanceof CutoverError) || e.code !== 'CONFIG') throw e;
      this.consumer.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
      this.failure = e;
      return;
    }
    for (const s of r.skipped) {
      this.skips.delete(`${k}/${s.offset}`);
      this.o.log.warn(`skipped the message at ${batch.topic}:${batch.partition}:${s.offset} as asked by ${s.requestedBy} (--skip-message)${s.deadLetter ? `; sent to the dead-letter topic ${s.deadLetter}` : ''}: ${s.reason.split('\n')[0]}`);
    }
    if (r.held) {
      // A row waits for a statement of another table that comes first in the schema-change topic: read again from it shortly.
      this.consumer.seek({ ...tp, offset: r.next });
      await new Promise((res) => setTimeout(res, 200));
    }
    const moved = r.delivered > 0 || r.skipped.length > 0;
    if (moved) {
      p.resolveOffset((BigInt(r.next) - 1n).toString());
      await p.heartbeat().catch(() => undefined);
      // Monitoring only: the sink's offset is the one trusted.
      await this.consumer.commitOffsets([{ ...tp, offset: r.next }]).catch((e: unknown) => this.o.log.debug(`committing ${k} to the group: ${kafkaErrorText(e)}`));
    }
    const end = batch.highWatermark;
    const lag = messageLag(r.next, end);
    const lastAt = moved ? lastTimestamp(fetched, (BigInt(r.next) - 1n).toString()) : null;
    const before = this.progress.get(k);
    this.progress.set(k, { ...tp, offset: r.next, end, lag, lagMs: lag === 0 ? 0 : lastAt !== null ? Math.max(0, Date.now() - lastAt) : (before?.lagMs ?? null), ...(r.paused ? { paused: r.paused } : {}) });
    if (r.paused) {
      // This partition waits at the message; the others go on. A rebalance retries it (whoever gets it).
      this.consumer.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
      this.pausedAt.set(k, { ...tp, offset: r.paused.offset });
      await this.o.paused(r.paused);
    }
    this.report();
  }

  /** Reads the schema-change topic to its end, and drops the statements the sink has (applied by any process of the job). */
  private async readSchemaTopic(): Promise<void> {
    if (!this.schema) return;
    await this.schema.catchUp();
    const tp = { topic: this.schema.topic, partition: 0 };
    const next = (await this.o.storedOffsets([tp])).get(partitionKey(tp));
    if (next !== undefined) this.schema.order.appliedThrough(next);
  }

  /**
   * A message's row changes of the job's tables; null for a message without any (a tombstone, a heartbeat, DDL
   * not applied). A bad message: DecodeError. A promise only when a table must be loaded first: the usual
   * message is decoded without one (no promise and no microtask per message).
   */
  private decode(topic: string, partition: number, offset: string, key: Buffer | null, value: Buffer | null, headers?: Headers): Decoded | Promise<Decoded> {
    const where = (): string => `${topic} partition ${partition} offset ${offset}`;
    const waits = this.schema?.rowOrder(value, `${topic}:${partition}:${offset}`, this.partitionCounts.get(topic) ?? null, (db, table) => this.o.include(db, table));
    if (waits !== undefined) return waits;
    let d: DecodedMessage | null;
    try {
      d = this.decodeOnce(key, value);
    } catch (e) {
      // A table seen for the first time: its columns are read from the sink, then the message is decoded again.
      if (!(e instanceof DecodeError) || e.reason !== 'unknown-table' || !e.table) throw e;
      const dot = e.table.indexOf('.');
      const [db, table] = [e.table.slice(0, dot), e.table.slice(dot + 1)];
      if (!this.o.include(db, table)) return null; // not one of the job's tables: never decoded
      return this.o.loadTable(db, table).then(() => this.withSchema(this.decodeOnce(key, value), key, value, where, headers));
    }
    return this.withSchema(d, key, value, where, headers);
  }

  private withSchema(d: DecodedMessage | null, key: Buffer | null, value: Buffer | null, where: () => string, headers?: Headers): Decoded | Promise<Decoded> {
    if (d?.kind === 'rows' && d.schema) {
      // Decoded with the message's own schema: the sink's table is loaded (created from that schema when
      // the sink lacks it), and the message decoded again with the sink's columns.
      const first = d.changes[0];
      const schema = d.schema;
      if (first && this.o.include(first.db, first.table) && !this.ctx.columns(first.db, first.table))
        return this.o.loadTable(first.db, first.table, { columns: schema, key: schema.key ?? [] }).then(() => this.rowsOf(where, this.decodeOnce(key, value), headers));
    }
    return this.rowsOf(where, d, headers);
  }

  private decodeOnce(key: Buffer | null, value: Buffer | null): DecodedMessage | null {
    let format: KafkaSourceFormat | null = this.cfg.format === 'auto' ? null : this.cfg.format;
    if (!format) {
      if (value === null || value.length === 0) return null;
      format = detectFormat(value);
      if (!format) throw new DecodeError('the message is neither Debezium, Canal nor Maxwell JSON', 'Set "format" in the job file\'s source, or skip the message.', 'malformed');
    }
    return decodeMessage(format, key, value, this.ctx);
  }

  private rowsOf(where: () => string, d: DecodedMessage | null, headers?: Headers): Decoded {
    if (!d || d.kind === 'skip') return null;
    if (d.kind === 'ddl' && d.schemaTopic) {
      // Ordered with the data by source position, not by this partition: only from the topic "schemaTopic" names.
      this.o.log.warn(`a Debezium schema-change record at ${where()} is not applied here: schema-change records are applied from the topic the job names in "schemaTopic" (read apart, ordered with the rows by source position); do not list that topic in "topics": ${d.sql.slice(0, 300)}`);
      return null;
    }
    // A schema change is applied in the partition's order (consume-ddl.ts decides whether it may be).
    if (d.kind === 'ddl') return { changes: [], timestampMs: d.timestampMs, ddl: { db: d.db, sql: d.sql, format: d.format } };
    // A message is mostly one change of one of the job's tables: its changes array is then used as it is.
    const changes = d.changes.every((c) => this.o.include(c.db, c.table)) ? d.changes : d.changes.filter((c) => this.o.include(c.db, c.table));
    const lenient = lenientAs(d, headers);
    const out: NonNullable<Decoded> = { changes, timestampMs: d.timestampMs };
    if (lenient) out.lenient = lenient;
    return out;
  }

  private report(): void {
    this.o.progress({ memberId: this.memberId, partitions: [...this.progress.values()] });
  }

  async close(): Promise<void> {
    await this.schema?.close();
    await this.deadLetter?.close();
    await this.consumer.disconnect().catch(() => undefined);
  }
}
