// The Kafka consumer wizard's draft (a Kafka source job: topics of a saved Kafka connection applied to a
// saved MySQL/MariaDB or PostgreSQL connection) and the job file it becomes — the same contract the CLI
// runs (shared/job-config.ts KafkaSourceFile). Pure: the renderer validates and shows the file; the
// engine parses it again when the job is added.
import type { FieldError } from './wizard.js';

export type ConsumerFormat = 'auto' | 'debezium' | 'canal' | 'maxwell';
export type ConsumerStart = 'earliest' | 'latest' | 'timestamp';

export interface ConsumerDraft {
  name: string;
  /** The saved Kafka connection the topics are read from. */
  source: string | null;
  topics: string[];
  format: ConsumerFormat;
  /** The consumer group; empty: the default "cutover-<name>". */
  group: string;
  start: ConsumerStart;
  /** With start "timestamp": an ISO date-time (a datetime-local value "2026-12-01T00:00" is taken as UTC). */
  timestamp: string;
  /** The saved sink connection (a sink kind that applies partitioned sources exactly once). */
  sink: string | null;
  /** Table patterns ("shop.*", "shop.orders", "/regex/"), separated by commas or spaces: the tables whose messages are applied (the job file's tables.include, required). */
  include: string;
}

export function emptyConsumerDraft(source: string | null = null): ConsumerDraft {
  return { name: '', source, topics: [], format: 'auto', group: '', start: 'earliest', timestamp: '', sink: null, include: '' };
}

const JOB_NAME = /^[\w.-]{1,100}$/;

/** The timestamp as the job file's ISO form ("…Z" added to a datetime-local value); null when it is not a date-time. */
export function startTimestamp(text: string): string | null {
  const t = text.trim();
  const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(t) ? `${t.length === 16 ? `${t}:00` : t}Z` : t;
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(iso) && !Number.isNaN(Date.parse(iso)) ? iso : null;
}

export function includePatterns(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** What is missing or wrong, per field ("name", "source", "topics", "timestamp", "sink", "include"). */
export function consumerProblems(d: ConsumerDraft, jobNames: readonly string[]): FieldError[] {
  const out: FieldError[] = [];
  const err = (field: string, message: string) => out.push({ field, message });
  if (!d.source) err('source', 'Choose the Kafka connection the topics are read from.');
  if (!d.topics.length) err('topics', 'Choose at least one topic.');
  if (d.start === 'timestamp' && !startTimestamp(d.timestamp)) err('timestamp', 'Give the time to start at, e.g. 2026-12-01T00:00 (UTC).');
  if (!d.sink) err('sink', 'Choose the database the changes are applied to.');
  if (!JOB_NAME.test(d.name)) err('name', 'Name the job with 1–100 letters, digits, "_", "-" or ".".');
  else if (jobNames.includes(d.name)) err('name', `A job named "${d.name}" exists already: choose another name.`);
  if (d.group && d.group.length > 255) err('group', 'A group name has at most 255 characters.');
  if (!includePatterns(d.include).length) err('include', 'Name the tables whose messages are applied: db.table, db.* or /regular expression/ (e.g. shop.*).');
  for (const p of includePatterns(d.include))
    if (!/^\/.+\/$/.test(p) && !/^[^.\s]+\.[^.\s]+$/.test(p)) err('include', `"${p}" is not a table pattern: use db.table, db.* or /regular expression/.`);
  return out;
}

/** The job file: `sinkType` is the sink connection's kind (its "type" in the file). */
export function consumerJobFile(d: ConsumerDraft, sinkType: string): Record<string, unknown> {
  const start = d.start === 'timestamp' ? { timestamp: startTimestamp(d.timestamp) ?? d.timestamp } : d.start;
  const source: Record<string, unknown> = { type: 'kafka', profile: d.source, topics: [...d.topics], format: d.format, group: d.group.trim() || `cutover-${d.name}`, start };
  const job: Record<string, unknown> = { name: d.name, source, sink: { type: sinkType, profile: d.sink } };
  job['tables'] = { include: includePatterns(d.include) };
  job['mode'] = 'stream';
  return job;
}
