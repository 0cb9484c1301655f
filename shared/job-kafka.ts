// Kafka in a job file and in the resolved job: the Kafka sink (topics a job publishes to) and the Kafka
// source (topics in Debezium, Canal or Maxwell form a job applies), with the rules each sets across the
// job's fields. shared/job-config.ts puts the endpoints together.
import { z } from 'zod';
import { brokerAddress, checkKafkaEndpoint, kafkaEndpointFields, SaslConfig, TlsSettings, topicTemplate } from './job-endpoints.js';
import type { SinkRules, SourceRules } from './job-rules.js';

export const KAFKA_TOPIC_DEFAULT = 'cutover.{db}.{table}';
export const KAFKA_SCHEMA_TOPIC_DEFAULT = 'cutover.{job}.schema-changes';

const kafkaSinkOptions = {
  type: z.literal('kafka'),
  /** Topic per table: a template with {db} and {table} (the sink names, after "rename"), or a fixed name. */
  topic: topicTemplate(['db', 'table']).default(KAFKA_TOPIC_DEFAULT),
  /** Message format: Debezium, Canal (flat message) or Maxwell JSON. */
  format: z.enum(['debezium', 'canal', 'maxwell']).default('debezium'),
  /** How partitions are chosen: by the row's primary key (hash) or one partition per table. */
  key: z.enum(['pk', 'table']).default('pk'),
  /** Partitions of the topics Cutover creates. */
  partitions: z.number().int().min(1).max(10_000).default(6),
  /** Replication factor of the topics Cutover creates. */
  replicationFactor: z.number().int().min(1).max(32).default(1),
  /** Kafka transactions: each batch of changes and copied chunks with the job's position, so read_committed consumers see each once. */
  exactlyOnce: z.boolean().default(false),
  /** A delete is followed by a tombstone (null value) for log-compacted topics (Debezium format). */
  tombstones: z.boolean().default(false),
  /** Where DDL statements go (streaming): a template with {job}. */
  schemaTopic: topicTemplate(['job']).default(KAFKA_SCHEMA_TOPIC_DEFAULT),
  /** Kafka client id (broker logs, quotas); default "cutover-<job name>". */
  clientId: z.string().min(1).max(200).optional(),
};

/** The resolved Kafka sink: bootstrap brokers, and TLS and SASL (password included) when the cluster needs them. */
export const KafkaSinkConfig = z
  .object({
    ...kafkaSinkOptions,
    /** Bootstrap brokers, "host:port". */
    brokers: z.array(brokerAddress).min(1),
    tls: TlsSettings.optional(),
    sasl: SaslConfig.optional(),
  })
  .strict();
/** A Kafka sink in a job file: brokers (TLS, SASL with the password from an environment variable) or a saved profile. */
export const KafkaSinkFile = z.object({ ...kafkaSinkOptions, ...kafkaEndpointFields }).strict();

const kafkaSourceOptions = {
  type: z.literal('kafka'),
  /** Topic names, or /regular expressions/ matching names (topics created later that match are picked up). */
  topics: z
    .array(
      z
        .string()
        .min(1)
        .max(249)
        .refine((t) => !/^\/.*\/$/.test(t) || isValidRegex(t.slice(1, -1)), { message: 'is not a valid /regular expression/' })
        .refine((t) => /^\/.*\/$/.test(t) || /^[A-Za-z0-9._-]+$/.test(t), { message: 'must be a topic name (letters, digits, ".", "_", "-") or a /regular expression/' }),
    )
    .min(1),
  /** How often (ms) /pattern/ topics are matched again against the cluster's topics while running: a new match joins the subscription. */
  topicRefreshMs: z.number().int().min(1000).max(3_600_000).default(30_000),
  /** Message format of the topics; "auto" detects it per message. */
  format: z.enum(['debezium', 'canal', 'maxwell', 'auto']).default('auto'),
  /** The consumer group every process of this job joins (partitions are shared among them); default "cutover-<job name>". */
  group: z.string().min(1).max(255).optional(),
  /** Where a partition with no offset stored in the sink starts. */
  start: z.union([z.enum(['earliest', 'latest']), z.object({ timestamp: z.string().datetime({ offset: true }) }).strict()]).default('earliest'),
  /** Kafka client id (broker logs, quotas); default "cutover-<job name>". */
  clientId: z.string().min(1).max(200).optional(),
  /**
   * The producing Debezium connector's settings, for messages without the schema envelope (with it, the
   * schema says): decimal.handling.mode, binary.handling.mode, time.precision.mode and
   * bigint.unsigned.handling.mode. Unset, a value's shape decides (text of digits → string/long, else
   * base64 → precise), which a base64 value made only of digits would fool: name the mode.
   */
  debezium: z
    .object({
      decimalHandling: z.enum(['precise', 'string', 'double']).optional(),
      binaryHandling: z.enum(['base64', 'base64-url-safe', 'hex']).optional(),
      timePrecision: z.enum(['adaptive_time_microseconds', 'adaptive', 'connect']).optional(),
      bigintUnsignedHandling: z.enum(['precise', 'long']).optional(),
    })
    .strict()
    .optional(),
  /**
   * The schema-change topic (Debezium's, or a Cutover Kafka sink's "sink.schemaTopic"; one partition): its
   * statements are applied in order with the rows by source position (binlog file and position), and its
   * CREATE TABLE creates sink tables. Needs "format": "debezium" (the format whose rows carry the position).
   */
  schemaTopic: z.string().min(1).max(249).regex(/^[A-Za-z0-9._-]+$/, { message: 'must be a topic name (letters, digits, ".", "_", "-")' }).optional(),
  /** Where messages passed over with --skip-message are sent (key and value unchanged, the reason in headers). */
  deadLetter: z
    .object({ topic: z.string().min(1).max(249).regex(/^[A-Za-z0-9._-]+$/, { message: 'must be a topic name (letters, digits, ".", "_", "-")' }) })
    .strict()
    .optional(),
};

/** The resolved Kafka source: bootstrap brokers, and TLS and SASL (password included) as for the Kafka sink. */
export const KafkaSourceConfig = z.object({ ...kafkaSourceOptions, brokers: z.array(brokerAddress).min(1), tls: TlsSettings.optional(), sasl: SaslConfig.optional() }).strict();
/** A Kafka source in a job file: brokers (TLS, SASL) or a saved profile. */
export const KafkaSourceFile = z.object({ ...kafkaSourceOptions, ...kafkaEndpointFields }).strict();

function isValidRegex(s: string): boolean {
  try {
    new RegExp(s);
    return true;
  } catch {
    return false;
  }
}

export const kafkaSourceRules: SourceRules = {
  checkJob(cfg, sink, ctx) {
    const source = cfg.source as { schemaTopic?: string; format?: string };
    if (source.schemaTopic !== undefined && source.format !== 'debezium')
      ctx.addIssue({
        code: 'custom',
        path: ['source', 'schemaTopic'],
        message: `needs "format": "debezium" (not "${source.format ?? 'auto'}"): the schema-change topic's statements are ordered with the rows by binlog position, which Debezium row messages carry (source.file, source.pos); Canal's flatMessage carries none, Maxwell puts its statements in the data topics, and "auto" would let a message of another format through unordered`,
        params: { fix: 'Set "format": "debezium" for Debezium-form topics, or remove "schemaTopic" (Canal isDdl and Maxwell ddl messages in the data topics are applied in partition order).' },
      });
    if (cfg.mode !== 'stream')
      ctx.addIssue({
        code: 'custom',
        path: ['mode'],
        message: `a Kafka source has no consistent snapshot to copy from: its topics are a change stream, read from offsets ("mode": "${cfg.mode}" needs a MySQL/MariaDB source)`,
        params: { fix: 'Use "mode": "stream" with "source": {"start": "earliest"} to apply the topics from their beginning, or copy the tables first with a job whose source is the MySQL server.' },
      });
    if (sink.topics)
      ctx.addIssue({ code: 'custom', path: ['sink', 'type'], message: 'a Kafka source writes to a database sink (MySQL/MariaDB or PostgreSQL), not back to Kafka', params: { fix: 'Use "sink": {"type": "mysql", …} or {"type": "postgres", …}.' } });
    if (cfg.stream?.start !== undefined && cfg.stream.start !== 'current')
      ctx.addIssue({ code: 'custom', path: ['stream', 'start'], message: 'is a binlog position; a Kafka source starts at "source.start"', params: { fix: 'Remove "stream.start" and set "source": {"start": "earliest" | "latest" | {"timestamp": "2026-12-01T00:00:00Z"}}.' } });
  },
  checkFile: (source, ctx) => checkKafkaEndpoint(source, ['source'], ctx),
};

export const kafkaSinkRules: SinkRules = {
  title: 'Kafka',
  topics: true,
  checkJob(cfg, ctx) {
    if (cfg.ddl) {
      const paths = [...(cfg.ddl.default === 'pause-table' ? [['ddl', 'default']] : []), ...Object.entries(cfg.ddl.tables).filter(([, a]) => a === 'pause-table').map(([k]) => ['ddl', 'tables', k])];
      for (const path of paths)
        ctx.addIssue({
          code: 'custom',
          path,
          message: '"pause-table" needs a MySQL or MariaDB sink: a Kafka sink has no per-table position to apply held changes with, so they could be published twice or out of order',
          params: { fix: 'Use "pause-job" (the whole job pauses at the statement) or "skip" (publish the statement to the schema-change topic, leave the consumers to adapt) for this table.' },
        });
    }
    if ((cfg.sink as { exactlyOnce?: boolean }).exactlyOnce && cfg.mode === 'snapshot')
      ctx.addIssue({
        code: 'custom',
        path: ['sink', 'exactlyOnce'],
        message: 'exactly-once publishing needs a stream: in "mode": "snapshot" the copy is at-least-once (a chunk a crash interrupted is published again)',
        params: { fix: 'Use "mode": "snapshot+stream" and run it with --exit-when-caught-up (the copy is then published in transactions, once), or set "exactlyOnce": false.' },
      });
  },
  checkFile: (sink, ctx) => checkKafkaEndpoint(sink, ['sink'], ctx),
};
