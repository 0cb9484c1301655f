// The Kafka sink: the copy publishes every row as a read event (Debezium op "r", Maxwell
// "bootstrap-insert", Canal INSERT) to a topic per table, created when missing.
//
// Delivery is at-least-once: an idempotent producer (acks=all, one request in flight per connection, so
// per-partition order holds through retries) per copy worker, and a batch's write() resolves only after
// the broker acknowledged every message of it; the copy marks a chunk done only after all its batches
// resolved. A crash re-publishes at most the chunks in flight (read events again, same keys and values).
import { readFileSync } from 'node:fs';
import type { Admin } from 'kafkajs';
import { CutoverError } from '../../../shared/errors.js';
import type { KafkaSinkConfig } from '../../../shared/job-config.js';
import { type SourcePosition } from '../../core/position.js';
import { formatGtidPosition } from '../../../shared/positions.js';
import type { TableRef } from '../../../shared/table-selection.js';
import type { Logger } from '../../core/logger.js';
import type { OnExisting, PreparedTable, Sink, SinkWriter } from '../sink.js';
import { AUTHZ, isTransient, kafkaClient, kafkaErrorText, kafkaSecurity, protocolType, unreachable } from '../../kafka/client.js';
import { sleepUnlessAborted } from '../../core/sleep.js';
import { KafkaWriter } from './kafka-writer.js';
import { retryTransient, waitForTopicReady } from './topic-ready.js';
import { legalTopicName, resolveTopicTemplate } from './partition.js';
import type { SourceInfo } from './formats/index.js';
import type { BinlogStatus } from '../../core/changes.js';
import type { CopyTable } from '../../core/tables.js';

/** The broker's default message.max.bytes (1 MiB + 12 bytes of record batch overhead). */
export const DEFAULT_MESSAGE_MAX_BYTES = 1_048_588;

/** A topic as the writers need it. */
export interface TopicInfo {
  name: string;
  partitions: number;
  /** The topic's max.message.bytes (the limit of one record batch, i.e. per partition per request). */
  maxMessageBytes: number;
}

export interface KafkaSinkOptions {
  config: KafkaSinkConfig;
  jobName: string;
  log: Logger;
  /** Stops the retries of a write when the job is asked to stop. */
  signal?: AbortSignal;
  /** Where the source's binlog stood when the copy started (the copied rows' source position), once known. */
  copyStart?: () => BinlogStatus | null;
  /** How long a write keeps retrying while the brokers cannot be reached (default 120 s). */
  retryForMs?: number;
}

let cutoverVersion: string | null = null;
/** Cutover's version (Debezium source.version). */
export function engineVersion(): string {
  if (cutoverVersion === null) {
    try {
      cutoverVersion = String((JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? 'unknown');
    } catch {
      cutoverVersion = 'unknown';
    }
  }
  return cutoverVersion;
}

/** The source block of copied rows: the job's name and the binlog position the copy started from. */
export function copySourceInfo(jobName: string, copyStart: BinlogStatus | null): Omit<SourceInfo, 'tsMs'> {
  const file = copyStart?.file.kind === 'mysql-binlog' ? copyStart.file : null;
  return {
    serverId: null,
    file: file?.file ?? null,
    pos: file?.pos ?? null,
    gtid: copyStart?.gtid ? formatGtidPosition(copyStart.gtid) : null,
    snapshot: true,
    row: 0,
    thread: null,
    query: null,
    xid: null,
    serverName: jobName,
    version: engineVersion(),
    connector: 'mysql',
  };
}

export class KafkaSink implements Sink {
  readonly kind = 'kafka';
  /**
   * Source bytes per copy batch; write() splits a batch into requests the broker accepts. Each copy worker
   * holds two batches rendered (one being acknowledged, the next being read): 512 KiB keeps the 1M-row
   * benchmark's peak RSS under 300 MB (2 MiB: ~370 MB, most of it garbage of promoted records).
   */
  readonly batchBytes = 512 * 1024;
  private readonly topics = new Map<string, TopicInfo>();
  private readonly tableTopics = new Map<number, TopicInfo>();
  /** Topics this run created, emptied or took over: other tables of the job may share them. */
  private readonly ours = new Set<string>();
  /** Which tables (state ids) publish to each topic. */
  private readonly topicTables = new Map<string, Set<number>>();
  private brokerMessageMaxBytes = DEFAULT_MESSAGE_MAX_BYTES;
  readonly clientId: string;

  private constructor(
    readonly opts: KafkaSinkOptions,
    private readonly admin: Admin,
  ) {
    this.clientId = opts.config.clientId ?? `cutover-${opts.jobName}`;
  }

  get brokers(): string[] {
    return this.opts.config.brokers;
  }

  static async open(opts: KafkaSinkOptions): Promise<KafkaSink> {
    const kafka = kafkaClient({ brokers: opts.config.brokers, clientId: opts.config.clientId ?? `cutover-${opts.jobName}`, log: opts.log, ...kafkaSecurity(opts.config) });
    const admin = kafka.admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      opts.log.info(`Kafka cluster ${cluster.clusterId}: ${cluster.brokers.length} broker(s) (${cluster.brokers.map((b) => `${b.host}:${b.port}`).join(', ')})`);
      const s = new KafkaSink(opts, admin);
      s.brokerMessageMaxBytes = (await brokerMessageMaxBytes(admin, cluster.brokers[0]?.nodeId).catch(() => null)) ?? DEFAULT_MESSAGE_MAX_BYTES;
      return s;
    } catch (e) {
      await admin.disconnect().catch(() => undefined);
      if (e instanceof CutoverError) throw e;
      throw unreachable(opts.config.brokers, e);
    }
  }

  /** The topic of a table: the template filled with the sink names (after "rename"), made legal. */
  topicName(t: Pick<CopyTable, 'sink'>): { resolved: string; name: string } {
    const resolved = resolveTopicTemplate(this.opts.config.topic, { db: t.sink.db, table: t.sink.table });
    return { resolved, name: legalTopicName(resolved) };
  }

  topicOf(t: CopyTable): TopicInfo {
    const info = this.tableTopics.get(t.stateId);
    if (!info) throw new Error(`${t.source.db}.${t.source.table}: prepareTable was not called`);
    return info;
  }

  async prepareTable(t: CopyTable, onExisting: OnExisting, alreadyOurs: boolean): Promise<PreparedTable> {
    const warnings: string[] = [];
    const { resolved, name } = this.topicName(t);
    const where = `${t.source.db}.${t.source.table}`;
    if (resolved !== name)
      warnings.push(`published to topic "${name}": "${resolved}" is not a legal Kafka topic name (only a-z, A-Z, 0-9, ".", "_" and "-", at most 249 characters: others become "_", and a hash of the name keeps it apart from similar ones)`);
    let tables = this.topicTables.get(name);
    if (!tables) this.topicTables.set(name, (tables = new Set()));
    tables.add(t.stateId);

    const cfg = this.opts.config;
    const created = await this.ensureTopic(name, cfg.partitions, where);
    const info = await this.describeTopic(name);
    this.tableTopics.set(t.stateId, info);
    if (info.partitions < cfg.partitions)
      warnings.push(
        `topic "${name}" exists with ${info.partitions} partition(s), fewer than "partitions": ${cfg.partitions}: rows are spread over its ${info.partitions}. ` +
          `(Adding partitions with kafka-topics.sh --alter --partitions ${cfg.partitions} would move keys to other partitions; do it before publishing, if at all.)`,
      );
    if (created || alreadyOurs || this.ours.has(name)) {
      this.ours.add(name);
      return { created: true, warnings, deferredIndexes: [] };
    }

    // An existing topic: empty ones are used as if created; onExisting decides for the others.
    const offsets = await this.offsets(name);
    const messages = offsets.reduce((n, p) => n + (p.high - p.low), 0);
    if (messages === 0) {
      this.ours.add(name);
      return { created: true, warnings, deferredIndexes: [] };
    }
    if (onExisting === 'fail') {
      throw new CutoverError(
        `The topic "${name}" for ${where} already exists and has ${messages.toLocaleString('en-US')} message(s).`,
        `Set "snapshot": {"onExisting": "append"} to publish after them (consumers see both), "truncate" to delete its records first, ` +
          `or pick another "topic", or delete the topic: kafka-topics.sh --bootstrap-server ${this.brokers[0]} --delete --topic ${name}`,
      );
    }
    if (onExisting === 'truncate') {
      try {
        await this.admin.deleteTopicRecords({ topic: name, partitions: offsets.filter((p) => p.high > p.low).map((p) => ({ partition: p.partition, offset: String(p.high) })) });
      } catch (e) {
        const type = protocolType(e);
        throw new CutoverError(
          `Deleting the ${messages.toLocaleString('en-US')} message(s) of topic "${name}" (onExisting: truncate) for ${where} failed: ${kafkaErrorText(e)}.`,
          type === 'POLICY_VIOLATION' || /compact/i.test(kafkaErrorText(e))
            ? `The topic is log-compacted (cleanup.policy=compact), whose records Kafka cannot delete up to an offset: delete the topic (kafka-topics.sh --bootstrap-server ${this.brokers[0]} --delete --topic ${name}) or use "onExisting": "append".`
            : `Allow DELETE on the topic for Cutover's principal, delete the topic by hand (kafka-topics.sh --bootstrap-server ${this.brokers[0]} --delete --topic ${name}), or use "onExisting": "append".`,
        );
      }
      this.ours.add(name);
      warnings.push(`deleted the ${messages.toLocaleString('en-US')} existing message(s) of topic "${name}" (onExisting: truncate)`);
      return { created: true, warnings, deferredIndexes: [] };
    }
    this.ours.add(name);
    warnings.push(`publishing after the ${messages.toLocaleString('en-US')} existing message(s) of topic "${name}" (onExisting: append)`);
    return { created: false, warnings, deferredIndexes: [] };
  }

  /**
   * The topic a streamed table publishes to, created when missing (a table the stream met in DDL, or
   * "mode": "stream", whose tables were not prepared by a copy).
   */
  async streamTopic(sinkRef: TableRef): Promise<TopicInfo> {
    const { name } = this.topicName({ sink: sinkRef });
    await this.ensureTopic(name, this.opts.config.partitions, `${sinkRef.db}.${sinkRef.table}`);
    return this.describeTopic(name);
  }

  /**
   * The schema-change topic (one partition, so statements stay in order, kept forever like Debezium's
   * schema history). With exactlyOnce, the job's position is committed as an offset on its partition 0.
   */
  async schemaTopic(): Promise<TopicInfo> {
    const name = legalTopicName(resolveTopicTemplate(this.opts.config.schemaTopic, { job: this.opts.jobName }));
    await this.ensureTopic(name, 1, 'schema changes', [{ name: 'retention.ms', value: '-1' }]);
    return this.describeTopic(name);
  }

  /**
   * Creates the topic when it is missing. A broker that has just started (or is moving its controller)
   * can answer CreateTopics with a transient error such as UNKNOWN_TOPIC_OR_PARTITION while it waits
   * for the new partitions' leaders: that is retried for up to 30 s, not taken as a failure.
   */
  /** Returns whether this call created it. */
  private async ensureTopic(name: string, partitions: number, what: string, configEntries?: { name: string; value: string }[]): Promise<boolean> {
    if (await this.topicExists(name)) return false;
    const deadline = Date.now() + 30_000;
    for (let wait = 250; ; wait = Math.min(wait * 2, 4000)) {
      try {
        await this.admin.createTopics({ topics: [{ topic: name, numPartitions: partitions, replicationFactor: this.opts.config.replicationFactor, configEntries }], waitForLeaders: true });
        // The controller has leaders; other requests can still meet a broker that does not host the new
        // partitions yet (UNKNOWN_TOPIC_OR_PARTITION): wait until the metadata and the offsets answer.
        await waitForTopicReady(this.admin, name, partitions, this.retryOpts(`waiting for the new topic "${name}"`, what));
        this.opts.log.info(`created topic "${name}" (${partitions} partition(s), replication factor ${this.opts.config.replicationFactor})`, what);
        return true;
      } catch (e) {
        if (protocolType(e) === 'TOPIC_ALREADY_EXISTS') return false;
        if (!isTransient(e) || Date.now() + wait > deadline) throw this.createError(name, e);
        this.opts.log.debug(`creating topic "${name}": ${kafkaErrorText(e)}; retrying in ${wait} ms`, what);
        await sleepUnlessAborted(wait, this.opts.signal ?? new AbortController().signal);
        if (this.opts.signal?.aborted) throw this.createError(name, e);
      }
    }
  }

  /** Runs an admin request, retrying retriable answers (a topic's metadata not yet everywhere) for up to 60 s. */
  retrying<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return retryTransient(fn, this.retryOpts(what));
  }

  private retryOpts(what: string, context?: string): { what: string; signal?: AbortSignal; debug: (m: string) => void } {
    return { what, signal: this.opts.signal, debug: (m) => this.opts.log.debug(m, context) };
  }

  /** The admin client (checkpoint offsets of exactly-once jobs). */
  get adminClient(): Admin {
    return this.admin;
  }

  /** Nothing to do after a table: Kafka has no indexes. */
  async finishTable(): Promise<null> {
    return null;
  }

  async createViews(views: { sql: string; name: TableRef }[]): Promise<string[]> {
    return views.map((v) => `view ${v.name.db}.${v.name.table}: views are not published to Kafka (a view has no rows of its own)`);
  }

  async openWriter(): Promise<SinkWriter> {
    const w = new KafkaWriter(this);
    await w.connect();
    return w;
  }

  async close(): Promise<void> {
    await this.admin.disconnect().catch(() => undefined);
  }

  /**
   * A keyless table's single chunk restarts from the beginning after an interruption: its earlier
   * messages are deleted when the topic is the table's own (a template with {table} and no other table
   * of the job on it). On a shared topic they stay (a consumer sees those rows twice).
   */
  async truncateTable(t: CopyTable): Promise<void> {
    const { name } = this.topicName(t);
    if (!this.opts.config.topic.includes('{table}') || (this.topicTables.get(name)?.size ?? 0) > 1) {
      this.opts.log.warn(`restarting a table without a key: the messages it published before stay in the shared topic "${name}"`, `${t.source.db}.${t.source.table}`);
      return;
    }
    const offsets = await this.offsets(name);
    const parts = offsets.filter((p) => p.high > p.low);
    if (!parts.length) return;
    try {
      await this.admin.deleteTopicRecords({ topic: name, partitions: parts.map((p) => ({ partition: p.partition, offset: String(p.high) })) });
    } catch (e) {
      this.opts.log.warn(`restarting a table without a key: could not delete its earlier messages from topic "${name}" (${kafkaErrorText(e)}); consumers see those rows twice`, `${t.source.db}.${t.source.table}`);
    }
  }

  /** The source block of copied rows (see copySourceInfo): read at `snapshotAt`, or the copy's start. */
  sourceInfo(snapshotAt?: SourcePosition): Omit<SourceInfo, 'tsMs'> {
    const start = this.opts.copyStart?.() ?? null;
    return copySourceInfo(this.opts.jobName, snapshotAt ? { file: snapshotAt, gtid: null } : start);
  }

  private async topicExists(name: string): Promise<boolean> {
    if (this.topics.has(name)) return true;
    try {
      return (await this.admin.listTopics()).includes(name);
    } catch (e) {
      throw unreachable(this.brokers, e, 'Listing the Kafka topics');
    }
  }

  private async describeTopic(name: string): Promise<TopicInfo> {
    const known = this.topics.get(name);
    if (known) return known;
    const meta = await this.retrying(`reading the metadata of topic "${name}"`, () => this.admin.fetchTopicMetadata({ topics: [name] }));
    const partitions = meta.topics.find((x) => x.name === name)?.partitions.length ?? 0;
    if (!partitions) throw new CutoverError(`The topic "${name}" has no partitions the broker reports.`, 'Check the topic with kafka-topics.sh --describe and run again.');
    let maxMessageBytes = this.brokerMessageMaxBytes;
    try {
      const r = await this.admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2 /* TOPIC */, name, configNames: ['max.message.bytes'] }] });
      const v = Number(r.resources[0]?.configEntries.find((c) => c.configName === 'max.message.bytes')?.configValue);
      if (Number.isFinite(v) && v > 0) maxMessageBytes = v;
    } catch {
      /* not allowed to describe: the broker's limit */
    }
    const info: TopicInfo = { name, partitions, maxMessageBytes };
    this.topics.set(name, info);
    return info;
  }

  private async offsets(name: string): Promise<{ partition: number; low: number; high: number }[]> {
    const r = await this.retrying(`reading the offsets of topic "${name}"`, () => this.admin.fetchTopicOffsets(name));
    return r.map((p) => ({ partition: p.partition, low: Number(p.low), high: Number(p.high) }));
  }

  private createError(name: string, e: unknown): CutoverError {
    const type = protocolType(e);
    const cfg = this.opts.config;
    const create = `kafka-topics.sh --bootstrap-server ${this.brokers[0]} --create --topic ${name} --partitions ${cfg.partitions} --replication-factor ${cfg.replicationFactor}`;
    if (type && AUTHZ.has(type))
      return new CutoverError(
        `Creating the topic "${name}" was refused: ${type} (Cutover's principal may not create topics).`,
        `Allow it (kafka-acls.sh --bootstrap-server ${this.brokers[0]} --add --allow-principal User:<cutover> --operation Create --cluster), or create the topic yourself: ${create}`,
      );
    if (type === 'INVALID_REPLICATION_FACTOR')
      return new CutoverError(
        `Creating the topic "${name}" failed: the cluster has fewer brokers than "replicationFactor": ${cfg.replicationFactor}.`,
        `Lower "sink.replicationFactor" to at most the number of brokers, or create the topic yourself: ${create}`,
      );
    if (type)
      return new CutoverError(`Creating the topic "${name}" failed: ${kafkaErrorText(e)}.`, `Create the topic the way the cluster allows, then run again: ${create}`);
    return unreachable(this.brokers, e, `Creating the topic "${name}"`);
  }
}

/** The broker's message.max.bytes (describeConfigs of one broker), or null when it cannot be read. */
export async function brokerMessageMaxBytes(admin: Admin, nodeId: number | undefined): Promise<number | null> {
  if (nodeId === undefined) return null;
  const r = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 4 /* BROKER */, name: String(nodeId), configNames: ['message.max.bytes'] }] });
  const v = Number(r.resources[0]?.configEntries.find((c) => c.configName === 'message.max.bytes')?.configValue);
  return Number.isFinite(v) && v > 0 ? v : null;
}
