// The job file: a contract. Later work may add fields, never break these.
//
// Two schemas from one definition (jobSchema): JobFile is what a job file may say (endpoints by URL,
// by saved profile, with secrets from environment variables and SSH tunnels; shared/job-endpoints.ts);
// JobConfig is the resolved form the engine runs with (engine/connections/resolve.ts): URLs holding
// their password and TLS parameters, a Kafka sink with concrete brokers, TLS and SASL.
import { z } from 'zod';
import { DdlPolicy } from './ddl-policy.js';
import { CutoverError } from './errors.js';
import { parseGtid } from './positions.js';
import {
  brokerAddress,
  checkKafkaEndpoint,
  checkMysqlEndpoint,
  kafkaEndpointFields,
  mysqlEndpointFields,
  mysqlUrl,
  profileName,
  SaslConfig,
  TlsSettings,
} from './job-endpoints.js';
import { isValidPattern } from './table-selection.js';
import { issueLines } from './validation-errors.js';

const tablePattern = z.string().min(1).refine(isValidPattern, {
  message: 'must be "db.*", "db.table" or a /regular expression/ matching "db.table"',
});

export const SnapshotOptions = z
  .object({
    parallelism: z.number().int().min(1).max(64).default(4),
    chunkRows: z.number().int().min(100).max(10_000_000).default(20_000),
    onExisting: z.enum(['fail', 'truncate', 'append']).default('fail'),
    throttle: z
      .object({
        maxThreadsRunning: z.number().int().min(0).default(40),
        maxRowsPerSecond: z.number().int().min(0).default(0),
      })
      .strict()
      .default({ maxThreadsRunning: 40, maxRowsPerSecond: 0 }),
  })
  .strict();

const mysqlSinkOptions = {
  type: z.literal('mysql'),
  /** Bytes per INSERT statement; by default a quarter of the sink's max_allowed_packet, at most 4 MiB. */
  batchBytes: z.number().int().min(4096).optional(),
};

/** The resolved MySQL sink: its URL holds the password and TLS parameters. */
export const MysqlSinkConfig = z.object({ ...mysqlSinkOptions, url: mysqlUrl }).strict();
/** A MySQL sink in a job file. */
export const MysqlSinkFile = z.object({ ...mysqlSinkOptions, ...mysqlEndpointFields }).strict();

/** A topic name template: literal characters and the placeholders listed in `allowed` (e.g. {db}, {table}). */
function topicTemplate(allowed: readonly string[]) {
  return z
    .string()
    .min(1)
    .max(249)
    .superRefine((s, ctx) => {
      for (const m of s.matchAll(/\{([^}]*)\}/g)) {
        if (!allowed.includes(m[1]!))
          ctx.addIssue({ code: 'custom', message: `unknown placeholder {${m[1]}}: use ${allowed.map((a) => `{${a}}`).join(' and ')}, or a fixed name` });
      }
    });
}

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

/** A MySQL source (the only form job files had, so "type" may be left out). */
const MysqlSourceConfig = z.object({ type: z.literal('mysql').optional(), url: mysqlUrl }).strict();
const MysqlSourceFile = z.object({ type: z.literal('mysql').optional(), ...mysqlEndpointFields }).strict();

/** A postgres:// URL (sslmode and the other libpq parameters go in its query string). */
export const postgresUrl = z.string().regex(/^postgres(?:ql)?:\/\/[^/]+\/[^/?]+/, { message: 'must be a URL like postgres://user:password@host:5432/dbname' });

const postgresSinkOptions = {
  type: z.literal('postgres'),
  /** A value PostgreSQL cannot hold (a zero date, a NUL byte in text): stop the copy naming it, or write NULL / -infinity / MySQL's text. */
  unholdable: z.enum(['stop', 'null', '-infinity', 'text']).default('stop'),
  /** PostgreSQL types by source column ("db.table.column": "text"), taken as written instead of the type rules. */
  types: z.record(z.string().regex(/^[^.]+\.[^.]+\.[^.]+$/, { message: 'must be "db.table.column"' }), z.string().min(1).max(200)).default({}),
  /** Bytes of source data per COPY (one transaction); default 4 MiB. */
  batchBytes: z.number().int().min(4096).optional(),
};

/** The resolved PostgreSQL sink: its URL holds the password. */
export const PostgresSinkConfig = z.object({ ...postgresSinkOptions, url: postgresUrl }).strict();
/** A PostgreSQL sink in a job file: a URL, its password inline or from an environment variable; or a saved profile. */
export const PostgresSinkFile = z
  .object({
    ...postgresSinkOptions,
    url: postgresUrl.optional(),
    /** A saved PostgreSQL connection profile (its password and TLS settings), instead of "url". */
    profile: profileName.optional(),
    /** The password, from this environment variable (the URL then has none). */
    passwordEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'must be an environment variable name such as CUTOVER_SINK_PASSWORD' }).optional(),
  })
  .strict();

/** An http(s):// URL of a search cluster (Elasticsearch or OpenSearch), without credentials. */
export const searchUrl = z.string().regex(/^https?:\/\/[^/@\s]+(\/[^\s]*)?$/, { message: 'must be a URL like http://127.0.0.1:9200 (credentials go in "usernameEnv"/"passwordEnv" or "apiKeyEnv")' });
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'must be an environment variable name such as CUTOVER_SINK_PASSWORD' });
export const SEARCH_INDEX_DEFAULT = '{db}.{table}';

const searchSinkOptions = {
  type: z.literal('elasticsearch'),
  /** Index per table: a template with {db} and {table} (the sink names, after "rename"), or a fixed name. */
  index: topicTemplate(['db', 'table']).default(SEARCH_INDEX_DEFAULT),
  /** A PEM file of the certificate authority that signed the cluster's certificate (https URLs). */
  caFile: z.string().min(1).optional(),
  /**
   * Index settings of the indexes Cutover creates (e.g. {"number_of_shards": 3, "number_of_replicas": 1}).
   * During the copy an index has refresh_interval -1 and no replicas; these are set once its copy is done.
   */
  settings: z.record(z.string(), z.unknown()).default({}),
  /** Field mappings by source column ("db.table.column": {"type": "text"}), taken as written instead of the type rules. */
  mappings: z.record(z.string().regex(/^[^.]+\.[^.]+\.[^.]+$/, { message: 'must be "db.table.column"' }), z.record(z.string(), z.unknown())).default({}),
  /**
   * Extra representations by source column ("db.table.column": {…}), beside the exact value `_source` keeps:
   * a DECIMAL's scaled_float copy (the multi-field "<column>.scaled"), a JSON column indexed as flattened
   * (Elasticsearch) / flat_object (OpenSearch), a geometry's GeoJSON in the field "<column>_geo" mapped as
   * geo_point (POINT) or geo_shape. engine/sink/elasticsearch/field-options.ts.
   */
  columns: z
    .record(
      z.string().regex(/^[^.]+\.[^.]+\.[^.]+$/, { message: 'must be "db.table.column"' }),
      z
        .object({
          /** DECIMAL: a scaled_float copy with this scaling factor (100: two decimals), searchable as "<column>.scaled". */
          scaledFloat: z.number().positive().max(1e15).optional(),
          /** JSON: "object" (stored, not indexed; the default) or "flattened" (every leaf indexed as a keyword). */
          json: z.enum(['object', 'flattened']).optional(),
          /** GEOMETRY and its subtypes: GeoJSON in "<column>_geo", mapped geo_point (POINT) or geo_shape. */
          geo: z.boolean().optional(),
          /** With "geo": a value the geo field cannot hold stops the job naming it ("stop", the default), or leaves that field null ("omit"; the exact value stays). */
          unholdable: z.enum(['stop', 'omit']).optional(),
        })
        .strict(),
    )
    .default({}),
  /** Bytes of documents per bulk request; default 4 MiB. */
  batchBytes: z.number().int().min(4096).max(100 * 1024 * 1024).optional(),
  /**
   * Documents from several tables: "db.table" (a contributing table, keyed by one column) → the table whose
   * documents get its fields ("into"), the column of "into" holding the contributing row's key ("on"), the
   * object the fields go in ("as", default the table's name) and which fields ("fields", default all).
   */
  documents: z
    .record(
      z.string().regex(/^[^.]+\.[^.]+$/, { message: 'must be "db.table"' }),
      z
        .object({
          into: z.string().regex(/^[^.]+\.[^.]+$/, { message: 'must be "db.table"' }),
          on: z.string().min(1),
          as: z.string().regex(/^[^._][^.]*$/, { message: 'must be a field name without dots, not starting with "_"' }).optional(),
          fields: z.array(z.string().min(1)).min(1).optional(),
        })
        .strict(),
    )
    .default({}),
};

/** The resolved search sink: its URL and credentials. */
export const SearchSinkConfig = z
  .object({
    ...searchSinkOptions,
    url: searchUrl,
    auth: z.union([z.object({ username: z.string(), password: z.string() }).strict(), z.object({ apiKey: z.string() }).strict()]).optional(),
  })
  .strict();
/** A search sink in a job file: a URL, credentials from environment variables (basic auth or an API key). */
export const SearchSinkFile = z
  .object({
    ...searchSinkOptions,
    url: searchUrl.optional(),
    /** A saved search cluster profile (its URL, credentials and CA file), instead of "url". */
    profile: profileName.optional(),
    /** Basic authentication: the user name, or the environment variable holding it. */
    username: z.string().min(1).optional(),
    usernameEnv: envName.optional(),
    /** Basic authentication: the password, from this environment variable. */
    passwordEnv: envName.optional(),
    /** An API key ("id:key" or its base64 form as the cluster printed it), from this environment variable. */
    apiKeyEnv: envName.optional(),
  })
  .strict();

const filePosition = z
  .object({
    file: z.string().regex(/^.+\.\d+$/, { message: 'must be a binlog file name such as "mysql-bin.000042"' }),
    pos: z.number().int().min(4),
  })
  .strict();

export const StreamOptions = z
  .object({
    /** Where `mode: "stream"` starts: the source's position now, a file and position, or a GTID. */
    start: z
      .union([z.literal('current'), filePosition, z.object({ gtid: z.string().min(1) }).strict()])
      .default('current'),
    /** Source transactions grouped into one sink transaction, bounded by row changes, bytes and time. */
    batch: z
      .object({
        maxRows: z.number().int().min(1).max(1_000_000).default(20_000),
        maxBytes: z.number().int().min(65_536).default(8 * 1024 * 1024),
        maxDelayMs: z.number().int().min(0).max(60_000).default(500),
      })
      .strict()
      .default({ maxRows: 20_000, maxBytes: 8 * 1024 * 1024, maxDelayMs: 500 }),
    /** The replica server id Cutover uses on the source; must be unique among its replicas. */
    serverId: z.number().int().min(1).max(4_294_967_295).optional(),
    /** Writes `_cutover`.`heartbeat` on the source every intervalMs to measure lag while the source is idle. */
    heartbeat: z
      .object({ enabled: z.boolean().default(false), intervalMs: z.number().int().min(100).default(1000) })
      .strict()
      .default({ enabled: false, intervalMs: 1000 }),
  })
  .strict();

/** The fields every job has, with its source and sink as given: one definition for both forms. */
function jobSchema<Src extends z.ZodType, Snk extends z.ZodType>(source: Src, sink: Snk) {
  return z
    .object({
      name: z
        .string()
        .min(1)
        .max(100)
        .regex(/^[\w.-]+$/, { message: 'may contain letters, digits, "_", "-" and "." only' }),
      source,
      sink,
      tables: z
        .object({
          include: z.array(tablePattern).min(1),
          exclude: z.array(tablePattern).default([]),
        })
        .strict(),
      rename: z.record(z.string().min(1), z.string().min(1)).default({}),
      columns: z.record(z.string(), z.object({ exclude: z.array(z.string().min(1)).default([]) }).strict()).default({}),
      where: z.record(z.string(), z.string().min(1)).default({}),
      mode: z.enum(['snapshot', 'snapshot+stream', 'stream']),
      snapshot: SnapshotOptions.default({
        parallelism: 4,
        chunkRows: 20_000,
        onExisting: 'fail',
        throttle: { maxThreadsRunning: 40, maxRowsPerSecond: 0 },
      }),
      stream: StreamOptions.optional(),
      /** What the stream does with DDL, per table or pattern (shared/ddl-policy.ts). */
      ddl: DdlPolicy.optional(),
    })
    .strict();
}

/** The rules across fields that both forms follow. */
function checkJob(cfg: { mode: string; stream?: StreamOptions; ddl?: DdlPolicy; source: { type?: string; schemaTopic?: string; format?: string }; sink: { type: string; exactlyOnce?: boolean } }, ctx: z.RefinementCtx): void {
  if (cfg.source.type === 'kafka') {
    if (cfg.source.schemaTopic !== undefined && cfg.source.format !== 'debezium')
      ctx.addIssue({
        code: 'custom',
        path: ['source', 'schemaTopic'],
        message: `needs "format": "debezium" (not "${cfg.source.format ?? 'auto'}"): the schema-change topic's statements are ordered with the rows by binlog position, which Debezium row messages carry (source.file, source.pos); Canal's flatMessage carries none, Maxwell puts its statements in the data topics, and "auto" would let a message of another format through unordered`,
        params: { fix: 'Set "format": "debezium" for Debezium-form topics, or remove "schemaTopic" (Canal isDdl and Maxwell ddl messages in the data topics are applied in partition order).' },
      });
    if (cfg.mode !== 'stream')
      ctx.addIssue({
        code: 'custom',
        path: ['mode'],
        message: `a Kafka source has no consistent snapshot to copy from: its topics are a change stream, read from offsets ("mode": "${cfg.mode}" needs a MySQL/MariaDB source)`,
        params: { fix: 'Use "mode": "stream" with "source": {"start": "earliest"} to apply the topics from their beginning, or copy the tables first with a job whose source is the MySQL server.' },
      });
    if (cfg.sink.type === 'kafka')
      ctx.addIssue({ code: 'custom', path: ['sink', 'type'], message: 'a Kafka source writes to a database sink (MySQL/MariaDB or PostgreSQL), not back to Kafka', params: { fix: 'Use "sink": {"type": "mysql", …} or {"type": "postgres", …}.' } });
    if (cfg.stream?.start !== undefined && cfg.stream.start !== 'current')
      ctx.addIssue({ code: 'custom', path: ['stream', 'start'], message: 'is a binlog position; a Kafka source starts at "source.start"', params: { fix: 'Remove "stream.start" and set "source": {"start": "earliest" | "latest" | {"timestamp": "2026-12-01T00:00:00Z"}}.' } });
  }
  if (cfg.mode !== 'stream' && cfg.stream?.start !== undefined && cfg.stream.start !== 'current') {
    ctx.addIssue({ code: 'custom', path: ['stream', 'start'], message: 'only "mode": "stream" takes a start position (snapshot+stream starts where its copy started)' });
  }
  const start = cfg.stream?.start;
  if (start && typeof start === 'object' && 'gtid' in start && !parseGtid(start.gtid)) {
    ctx.addIssue({ code: 'custom', path: ['stream', 'start', 'gtid'], message: 'must be a MariaDB GTID position ("0-1-100,1-2-7") or a MySQL GTID set ("uuid:1-100")' });
  }
  if (cfg.sink.type === 'kafka' && cfg.ddl) {
    const paths = [...(cfg.ddl.default === 'pause-table' ? [['ddl', 'default']] : []), ...Object.entries(cfg.ddl.tables).filter(([, a]) => a === 'pause-table').map(([k]) => ['ddl', 'tables', k])];
    for (const path of paths)
      ctx.addIssue({
        code: 'custom',
        path,
        message: '"pause-table" needs a MySQL or MariaDB sink: a Kafka sink has no per-table position to apply held changes with, so they could be published twice or out of order',
        params: { fix: 'Use "pause-job" (the whole job pauses at the statement) or "skip" (publish the statement to the schema-change topic, leave the consumers to adapt) for this table.' },
      });
  }
  if (cfg.sink.type === 'kafka' && cfg.sink.exactlyOnce && cfg.mode === 'snapshot')
    ctx.addIssue({
      code: 'custom',
      path: ['sink', 'exactlyOnce'],
      message: 'exactly-once publishing needs a stream: in "mode": "snapshot" the copy is at-least-once (a chunk a crash interrupted is published again)',
      params: { fix: 'Use "mode": "snapshot+stream" and run it with --exit-when-caught-up (the copy is then published in transactions, once), or set "exactlyOnce": false.' },
    });
}

/** The resolved job the engine runs: source and sink URLs hold their passwords (never stored: see JobFile). */
export const JobConfig = jobSchema(z.union([KafkaSourceConfig, MysqlSourceConfig]), z.discriminatedUnion('type', [MysqlSinkConfig, KafkaSinkConfig, PostgresSinkConfig, SearchSinkConfig])).superRefine(checkJob);

/** What a job file may say: endpoints by URL or saved profile, secrets from environment variables, SSH tunnels. */
const SinkFile = z.discriminatedUnion('type', [MysqlSinkFile, KafkaSinkFile, PostgresSinkFile, SearchSinkFile]);

export const JobFile = jobSchema(z.union([KafkaSourceFile, MysqlSourceFile]), SinkFile).superRefine(checkJobFile);

/**
 * The job file with the source kind it names (a union's own error says only "Invalid input"): parsed again
 * with it when JobFile fails, so each problem is named by its path.
 */
const JobFileOfKind = {
  kafka: jobSchema(KafkaSourceFile, SinkFile).superRefine(checkJobFile),
  mysql: jobSchema(MysqlSourceFile, SinkFile).superRefine(checkJobFile),
};

function checkJobFile(f: { mode: string; stream?: StreamOptions; ddl?: DdlPolicy; source: z.infer<typeof KafkaSourceFile> | z.infer<typeof MysqlSourceFile>; sink: z.infer<typeof SinkFile> }, ctx: z.RefinementCtx): void {
  checkJob(f, ctx);
  if (f.source.type === 'kafka') checkKafkaEndpoint(f.source, ['source'], ctx);
  else checkMysqlEndpoint(f.source, ['source'], ctx);
  if (f.sink.type === 'mysql') checkMysqlEndpoint(f.sink, ['sink'], ctx);
  else if (f.sink.type === 'kafka') checkKafkaEndpoint(f.sink, ['sink'], ctx);
  else if (f.sink.type === 'elasticsearch') checkSearchEndpoint(f.sink, ctx);
  else if (!f.sink.url === !f.sink.profile)
    ctx.addIssue({ code: 'custom', path: ['sink'], message: f.sink.url ? 'has both "url" and "profile"' : 'needs "url" or "profile"', params: { fix: 'Give "url": "postgres://user@host:5432/dbname" (with "passwordEnv"), or "profile": "<a saved PostgreSQL profile>".' } });
  else if (f.sink.profile && f.sink.passwordEnv)
    ctx.addIssue({ code: 'custom', path: ['sink', 'passwordEnv'], message: 'a profile carries its own password', params: { fix: 'Remove "passwordEnv", or use "url" instead of "profile".' } });
  else if (f.sink.url && f.sink.passwordEnv && /^[^:]+:\/\/[^/@]*:[^/@]*@/.test(f.sink.url))
    ctx.addIssue({ code: 'custom', path: ['sink', 'passwordEnv'], message: 'the URL already holds a password', params: { fix: 'Remove the password from the URL (postgres://user@host:5432/db), or remove "passwordEnv".' } });
}

function checkSearchEndpoint(s: z.infer<typeof SearchSinkFile>, ctx: z.RefinementCtx): void {
  if (!s.url === !s.profile)
    ctx.addIssue({ code: 'custom', path: ['sink'], message: s.url ? 'has both "url" and "profile"' : 'needs "url" or "profile"', params: { fix: 'Give "url": "http://127.0.0.1:9200" (with "usernameEnv"/"passwordEnv" or "apiKeyEnv"), or "profile": "<a saved search connection>".' } });
  if (s.profile && (s.username || s.usernameEnv || s.passwordEnv || s.apiKeyEnv))
    ctx.addIssue({ code: 'custom', path: ['sink', 'profile'], message: 'a profile carries its own credentials', params: { fix: 'Remove "username"/"usernameEnv"/"passwordEnv"/"apiKeyEnv", or use "url" instead of "profile".' } });
  if (s.apiKeyEnv && (s.username || s.usernameEnv || s.passwordEnv))
    ctx.addIssue({ code: 'custom', path: ['sink', 'apiKeyEnv'], message: 'an API key and basic authentication at once', params: { fix: 'Keep "apiKeyEnv", or "username"/"usernameEnv" with "passwordEnv".' } });
  if (s.username && s.usernameEnv) ctx.addIssue({ code: 'custom', path: ['sink', 'usernameEnv'], message: 'both "username" and "usernameEnv"', params: { fix: 'Keep one of them.' } });
  if (!(s.username || s.usernameEnv) !== !s.passwordEnv)
    ctx.addIssue({ code: 'custom', path: ['sink', 'passwordEnv'], message: 'basic authentication needs a user name and a password', params: { fix: 'Give "username" (or "usernameEnv") and "passwordEnv" together.' } });
}

export type JobConfig = z.infer<typeof JobConfig>;
export type SearchSinkConfig = z.infer<typeof SearchSinkConfig>;
export type SearchSinkFile = z.infer<typeof SearchSinkFile>;
export type JobFile = z.infer<typeof JobFile>;
export type MysqlSinkConfig = z.infer<typeof MysqlSinkConfig>;
export type KafkaSinkConfig = z.infer<typeof KafkaSinkConfig>;
export type MysqlSinkFile = z.infer<typeof MysqlSinkFile>;
export type KafkaSinkFile = z.infer<typeof KafkaSinkFile>;
export type PostgresSinkConfig = z.infer<typeof PostgresSinkConfig>;
export type PostgresSinkFile = z.infer<typeof PostgresSinkFile>;
/** A MySQL source in a job file. */
export type SourceEndpoint = z.infer<typeof MysqlSourceFile>;
export type KafkaSourceConfig = z.infer<typeof KafkaSourceConfig>;
export type KafkaSourceFile = z.infer<typeof KafkaSourceFile>;

/** The MySQL source's URL, for code that only a MySQL/MariaDB source reaches (a Kafka source is refused with `what`). */
export function mysqlSourceUrl(cfg: Pick<JobConfig, 'source'>, what: string): string {
  if (cfg.source.type !== 'kafka') return cfg.source.url;
  throw new CutoverError(`${what} needs a MySQL or MariaDB source; this job's source is Kafka topics.`, 'Use a job whose "source" is the MySQL/MariaDB server for this.', 'CONFIG');
}
export type StreamOptions = z.infer<typeof StreamOptions>;

/** The MySQL sink's URL, for code that only a MySQL sink reaches (a Kafka sink is refused with `what`). */
export function mysqlSinkUrl(cfg: Pick<JobConfig, 'sink'>, what: string): string {
  if (cfg.sink.type === 'mysql') return cfg.sink.url;
  throw new CutoverError(`${what} needs a MySQL or MariaDB sink; this job's sink is ${cfg.sink.type === 'kafka' ? 'Kafka' : cfg.sink.type === 'elasticsearch' ? 'Elasticsearch/OpenSearch' : 'PostgreSQL'}.`, 'Use a job with "sink": {"type": "mysql", …} for this.', 'CONFIG');
}

/** The stream settings with their defaults filled in. */
export function streamOptions(cfg: Pick<JobConfig, 'stream'>): StreamOptions {
  return StreamOptions.parse(cfg.stream ?? {});
}
export type SnapshotOptions = z.infer<typeof SnapshotOptions>;


const FIXES: Record<string, string> = {
  mode: 'Set "mode" to "snapshot", "snapshot+stream" or "stream".',
  'stream.start': 'Use "current", { "file": "mysql-bin.000042", "pos": 4 } or { "gtid": "0-1-100" }.',
  'snapshot.onExisting': 'Use "fail", "truncate" or "append".',
  'sink.type': 'Use "mysql", "kafka", "postgres" or "elasticsearch".',
  'sink.index': 'Use an index name or a template such as "{db}.{table}".',
  'sink.unholdable': 'Use "stop", "null", "-infinity" or "text".',
  'sink.brokers': 'List the bootstrap brokers: "brokers": ["127.0.0.1:9092"].',
  'sink.format': 'Use "debezium", "canal" or "maxwell".',
  'sink.key': 'Use "pk" (partition by primary key) or "table" (one partition per table).',
  'sink.topic': 'Use a topic name or a template such as "cutover.{db}.{table}".',
  'sink.schemaTopic': 'Use a topic name or a template such as "cutover.{job}.schema-changes".',
  'source.topics': 'List topic names or /regular expressions/: "topics": ["cutover.shop.orders", "/cutover\\\\.shop\\\\..*/"].',
  'source.format': 'Use "debezium", "canal", "maxwell" or "auto".',
  'source.schemaTopic': 'Name the schema-change topic, e.g. "schemaTopic": "cutover.myjob.schema-changes", and set "format": "debezium".',
  'source.start': 'Use "earliest", "latest" or {"timestamp": "2026-12-01T00:00:00Z"}.',
  'source.brokers': 'List the bootstrap brokers: "brokers": ["127.0.0.1:9092"].',
  'source.url': 'Use the form mysql://user:password@host:3306, or mysql://user@host:3306 with "passwordEnv".',
  'sink.url': 'Use the form mysql://user:password@host:3306, or mysql://user@host:3306 with "passwordEnv".',
  'source.profile': 'Name a profile saved in this installation (the desktop app\'s Connections), or use "url".',
  'sink.profile': 'Name a profile saved in this installation (the desktop app\'s Connections), or use "url" / "brokers".',
  'source.ssh.hostKey': 'Copy the fingerprint from `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on the bastion (or from the connection test), e.g. "SHA256:…".',
  'sink.ssh.hostKey': 'Copy the fingerprint from `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on the bastion (or from the connection test), e.g. "SHA256:…".',
  'sink.sasl.mechanism': 'Use "plain", "scram-sha-256" or "scram-sha-512".',
  'sink.tls.mode': 'Use "disabled", "required", "verify-ca" or "verify-identity".',
  'ddl.default': 'Use "apply", "skip", "pause-job" or "pause-table".',
};

/** Validates a parsed job file; the error names every bad JSON path and its fix. */
export function parseJobConfig(raw: unknown, origin = 'job file'): JobFile {
  const r = JobFile.safeParse(raw);
  if (r.success) {
    checkRenames(r.data);
    return r.data;
  }
  const kind = (raw as { source?: { type?: unknown } } | null)?.source?.type === 'kafka' ? 'kafka' : 'mysql';
  const precise = JobFileOfKind[kind].safeParse(raw);
  const issues = precise.success ? r.error.issues : precise.error.issues;
  throw new CutoverError(`The ${origin} is not valid:\n${issueLines(issues, FIXES).join('\n')}`, 'Correct the fields above and run again.', 'CONFIG');
}

function checkRenames(cfg: Pick<JobConfig, 'rename'>): void {
  for (const [from, to] of Object.entries(cfg.rename)) {
    const fromTable = from.includes('.');
    const toTable = to.includes('.');
    if (fromTable !== toTable || from.split('.').length > 2 || to.split('.').length > 2) {
      throw new CutoverError(
        `The job file is not valid:\n  $.rename["${from}"]: a database maps to a database ("shop": "shop_v2") and a table to a table ("shop.users": "shop_v2.customers")`,
        'Correct the rename entry.',
        'CONFIG',
      );
    }
  }
}

/** Parses JSON text and validates it, with a line/column hint for syntax errors. */
export function parseJobText(text: string, origin = 'job file'): JobFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new CutoverError(`The ${origin} is not valid JSON: ${(e as Error).message}`, 'Fix the JSON syntax (a linter such as `jq . FILE` shows where).', 'CONFIG');
  }
  return parseJobConfig(raw, origin);
}
