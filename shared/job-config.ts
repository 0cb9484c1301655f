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
import { KafkaSinkConfig, KafkaSinkFile, kafkaSinkRules, KafkaSourceConfig, KafkaSourceFile, kafkaSourceRules } from './job-kafka.js';
import { MysqlSinkConfig, MysqlSinkFile, mysqlSinkRules, MysqlSourceConfig, MysqlSourceFile, mysqlSourceRules } from './job-mysql.js';
import { PostgresSinkConfig, PostgresSinkFile, postgresSinkRules } from './job-postgres.js';
import type { JobShape, SinkRules, SourceRules } from './job-rules.js';
import { SearchSinkConfig, SearchSinkFile, searchSinkRules } from './job-search.js';
import { isValidPattern } from './table-selection.js';
import { issueLines } from './validation-errors.js';

export { KAFKA_SCHEMA_TOPIC_DEFAULT, KAFKA_TOPIC_DEFAULT, KafkaSinkConfig, KafkaSinkFile, KafkaSourceConfig, KafkaSourceFile } from './job-kafka.js';
export { MysqlSinkConfig, MysqlSinkFile } from './job-mysql.js';
export { PostgresSinkConfig, PostgresSinkFile, postgresUrl } from './job-postgres.js';
export { SEARCH_INDEX_DEFAULT, SearchSinkConfig, SearchSinkFile, searchUrl } from './job-search.js';

/** Each source and sink type's rules (job-rules.ts); a source without a "type" is MySQL/MariaDB. */
const SOURCE_RULES: Readonly<Record<string, SourceRules>> = { mysql: mysqlSourceRules, kafka: kafkaSourceRules };
const SINK_RULES: Readonly<Record<string, SinkRules>> = { mysql: mysqlSinkRules, kafka: kafkaSinkRules, postgres: postgresSinkRules, elasticsearch: searchSinkRules };
const sourceRules = (source: { type?: string }): SourceRules => SOURCE_RULES[source.type ?? 'mysql']!;
const sinkRules = (sink: { type: string }): SinkRules => SINK_RULES[sink.type]!;

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

/** The rules across fields that both forms follow (the endpoints' own: job-rules.ts). */
function checkJob(cfg: JobShape & { stream?: StreamOptions }, ctx: z.RefinementCtx): void {
  const sink = sinkRules(cfg.sink);
  sourceRules(cfg.source).checkJob?.(cfg, sink, ctx);
  if (cfg.mode !== 'stream' && cfg.stream?.start !== undefined && cfg.stream.start !== 'current') {
    ctx.addIssue({ code: 'custom', path: ['stream', 'start'], message: 'only "mode": "stream" takes a start position (snapshot+stream starts where its copy started)' });
  }
  const start = cfg.stream?.start;
  if (start && typeof start === 'object' && 'gtid' in start && !parseGtid(start.gtid)) {
    ctx.addIssue({ code: 'custom', path: ['stream', 'start', 'gtid'], message: 'must be a MariaDB GTID position ("0-1-100,1-2-7") or a MySQL GTID set ("uuid:1-100")' });
  }
  sink.checkJob?.(cfg, ctx);
}

function checkJobFile(f: JobShape & { stream?: StreamOptions }, ctx: z.RefinementCtx): void {
  checkJob(f, ctx);
  sourceRules(f.source).checkFile(f.source, ctx);
  sinkRules(f.sink).checkFile(f.sink, ctx);
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
  if ('url' in cfg.source) return cfg.source.url;
  throw new CutoverError(`${what} needs a MySQL or MariaDB source; this job's source is Kafka topics.`, 'Use a job whose "source" is the MySQL/MariaDB server for this.', 'CONFIG');
}
export type StreamOptions = z.infer<typeof StreamOptions>;

/** The MySQL sink's URL, for code that only a MySQL sink reaches (a Kafka sink is refused with `what`). */
export function mysqlSinkUrl(cfg: Pick<JobConfig, 'sink'>, what: string): string {
  const rules = sinkRules(cfg.sink);
  if (rules.mysqlUrl) return rules.mysqlUrl(cfg.sink);
  throw new CutoverError(`${what} needs a MySQL or MariaDB sink; this job's sink is ${rules.title}.`, 'Use a job with "sink": {"type": "mysql", …} for this.', 'CONFIG');
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
  const type = (raw as { source?: { type?: unknown } } | null)?.source?.type;
  const precise = (typeof type === 'string' && Object.hasOwn(JobFileOfKind, type) ? JobFileOfKind[type as keyof typeof JobFileOfKind] : JobFileOfKind.mysql).safeParse(raw);
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
