// The guided migration wizard: its draft (saved in the state file after every change, so it survives an
// app restart), the validation of each step (pure: the renderer runs it before Next, the engine again
// before it creates the job), and the job file the draft becomes.
//
// Steps: Source → Preflight → Tables → Sink → Mapping → Options → Review (→ Run opens the dashboard).
import type { CheckItem, PreflightReport } from './preflight.js';
import type { ProfileSummary } from './profiles.js';
import type { SinkKindInfo } from './sink-capabilities.js';
import { matchesPattern, type TableRef } from './table-selection.js';
import { normalizedPattern, tableSelection } from './wizard-selection.js';
import { defaultPostgresMapping, postgresMappingProblems, postgresSinkOptions, type PostgresMapping } from './wizard-postgres.js';

export { normalizedPattern, tablePattern, tableSelection, withPattern, withSelection } from './wizard-selection.js';

export const WIZARD_STEPS = ['source', 'preflight', 'tables', 'sink', 'mapping', 'options', 'review'] as const;
export type WizardStep = (typeof WIZARD_STEPS)[number];

export const STEP_TITLES: Record<WizardStep, string> = {
  source: 'Source',
  preflight: 'Preflight',
  tables: 'Tables',
  sink: 'Sink',
  mapping: 'Mapping',
  options: 'Options',
  review: 'Review',
};

export type KafkaFormat = 'debezium' | 'canal' | 'maxwell';

export type JobMode = 'snapshot' | 'snapshot+stream' | 'stream';

export interface KafkaMapping {
  /** Topic per table: a template with {db} and {table}, or one fixed name. */
  topic: string;
  format: KafkaFormat;
  key: 'pk' | 'table';
  partitions: number;
  replicationFactor: number;
  exactlyOnce: boolean;
  tombstones: boolean;
}

export interface WizardDraft {
  version: 1;
  /** The step the operator is on. */
  step: WizardStep;
  source: { profile: string | null };
  /** The last preflight run on this source (Next needs one that did not fail). */
  preflight: { report: PreflightReport | null; ranAt: number | null; forProfile: string | null; streaming: boolean };
  /**
   * Selected source tables, "db.table". `patterns` ("shop.*", "/regex/") were added with "Select by
   * pattern": the job file keeps them as patterns, so tables created later that match are copied too;
   * `excluded` are tables a pattern matches that were unselected afterwards (the job file's "exclude").
   */
  tables: { selected: string[]; patterns?: string[]; excluded?: string[] };
  sink: { profile: string | null };
  mapping: {
    /** "db": "new_db" and/or "db.table": "new_db.new_table" (as the job file's "rename"). */
    rename: Record<string, string>;
    /** "db.table" → columns not copied. */
    excludeColumns: Record<string, string[]>;
    /** "db.table" → SQL condition (validated by the source with EXPLAIN before Next). */
    where: Record<string, string>;
    kafka: KafkaMapping;
    /** A PostgreSQL sink's settings (absent in drafts saved before PostgreSQL sinks: the defaults). */
    postgres?: PostgresMapping;
  };
  options: {
    name: string;
    mode: JobMode;
    parallelism: number;
    chunkRows: number;
    /** 0: no cap. */
    maxRowsPerSecond: number;
    /** Pause the copy while the source's Threads_running is above this; 0: off. */
    maxThreadsRunning: number;
    onExisting: 'fail' | 'truncate' | 'append';
  };
}

export function emptyDraft(): WizardDraft {
  return {
    version: 1,
    step: 'source',
    source: { profile: null },
    preflight: { report: null, ranAt: null, forProfile: null, streaming: true },
    tables: { selected: [] },
    sink: { profile: null },
    mapping: {
      rename: {},
      excludeColumns: {},
      where: {},
      kafka: { topic: 'cutover.{db}.{table}', format: 'debezium', key: 'pk', partitions: 6, replicationFactor: 1, exactlyOnce: false, tombstones: false },
      postgres: defaultPostgresMapping(),
    },
    options: { name: '', mode: 'snapshot+stream', parallelism: 4, chunkRows: 20_000, maxRowsPerSecond: 0, maxThreadsRunning: 40, onExisting: 'fail' },
  };
}

// ---- what the engine tells the wizard about the source

export interface CatalogColumn {
  name: string;
  /** COLUMN_TYPE, e.g. "bigint(20) unsigned". */
  type: string;
  nullable: boolean;
  generated: boolean;
}

export interface CatalogTable {
  db: string;
  table: string;
  engine: string | null;
  estimatedRows: number;
  dataBytes: number;
  indexBytes: number;
  /** The chunk key (primary key, else the first NOT NULL unique key); empty when the table has none. */
  keyColumns: string[];
  columns: CatalogColumn[];
  /** Per-table warnings shown beside the table: no key, not InnoDB, system-versioned, triggers… */
  warnings: string[];
}

/** A Kafka message rendered from a real source row with the draft's mapping. */
export interface KafkaSample {
  table: string;
  topic: string;
  partition: number;
  key: string | null;
  value: string;
}

/** How long the copy should take, from a short timed read of the source. */
export interface WizardEstimate {
  rows: number;
  bytes: number;
  /** What was timed: rows read, from which table, in how long. */
  sample: { table: string; rows: number; bytes: number; ms: number } | null;
  /** Rows per second over all workers, as measured (and capped by the throttle). */
  rowsPerSecond: number;
  /** Reading each table's definition and creating it on the sink, before a row is copied (one table after another). */
  schema: { tables: number; seconds: number };
  /** The whole estimate: the schema, then the copy; null when the copy could not be measured (e.g. every selected table is empty). */
  seconds: number | null;
  /** One sentence: how the figure was made and what it leaves out. */
  basis: string;
}

/** The job as a file: JSON text, its file name, and the CLI command that runs it. */
export interface JobExport {
  json: string;
  fileName: string;
  command: string;
  /** Environment variables the file expects (secrets by env export), with what each holds. */
  env: { name: string; holds: string }[];
}

// ---- validation

export interface FieldError {
  /** The field, e.g. "source.profile", "mapping.rename.shop.users", "options.name". */
  field: string;
  message: string;
}

/** What validation needs besides the draft. */
export interface WizardContext {
  profiles: ProfileSummary[];
  /** The source's tables (null: not loaded yet). */
  catalog: CatalogTable[] | null;
  /** Names of the jobs already in the state file. */
  jobNames: string[];
  /**
   * The engine's sink kinds (every saved connection's kind is one): their titles, capabilities and whether a
   * connection of the kind can be the source. The steps decide by these, never by comparing kind names.
   */
  sinkKinds: readonly SinkKindInfo[];
}

export const qualifiedName = (t: TableRef): string => `${t.db}.${t.table}`;

/** The catalog entry of a "db.table", if the source has it. */
export function catalogTable(ctx: WizardContext, name: string): CatalogTable | undefined {
  return ctx.catalog?.find((t) => qualifiedName(t) === name);
}

/** Tables matching a pattern ("db.*", "db.table" or "/regex/"); a bad regex matches nothing. */
export function tablesMatching(catalog: CatalogTable[], pattern: string): string[] {
  const p = normalizedPattern(pattern);
  if (!p) return [];
  try {
    return catalog.filter((t) => matchesPattern(p, t)).map(qualifiedName);
  } catch {
    return [];
  }
}

/** A database or table name MySQL accepts and the job file's "db.table" syntax can carry. */
export function identifierProblem(name: string): string | null {
  if (!name) return 'is empty';
  if ([...name].length > 64) return 'is longer than 64 characters';
  if (/\s$/.test(name)) return 'ends with a space';
  if (name.includes('.')) return 'contains "." (the job file separates database and table with it)';
  if (/[/\\\u0000]/.test(name)) return 'contains "/", "\\" or a NUL character';
  return null;
}

function profileKind(ctx: WizardContext, name: string | null): string | null {
  if (!name) return null;
  return ctx.profiles.find((p) => p.profile.name === name)?.profile.kind ?? null;
}

/** The engine's word on a kind (title, capabilities); null for none or a kind it does not list. */
function kindInfo(ctx: WizardContext, kind: string | null): SinkKindInfo | null {
  return kind === null ? null : (ctx.sinkKinds.find((k) => k.kind === kind) ?? null);
}

/** The kind of the sink's saved connection ("mysql", "kafka", "postgres"), the job file's sink type; null before one is chosen. */
export function sinkKind(draft: WizardDraft, ctx: WizardContext): string | null {
  return profileKind(ctx, draft.sink.profile);
}

/** The sink publishes to topics (its Mapping step has a topic template, partitions, exactly-once). */
export function sinkPublishesTopics(draft: WizardDraft, ctx: WizardContext): boolean {
  return kindInfo(ctx, sinkKind(draft, ctx))?.capabilities.topics ?? false;
}

/** The sink is the source server itself (the same saved connection, of a kind that can be a source): every table must get a new name. */
export function sinkIsSource(draft: WizardDraft, ctx: WizardContext): boolean {
  return draft.sink.profile !== null && draft.sink.profile === draft.source.profile && (kindInfo(ctx, sinkKind(draft, ctx))?.sourceServer ?? false);
}

/** A preflight check that only a streaming job needs (binlog settings, replication privileges, server_id): a copy-only job is warned, not refused. */
export function isStreamingOnlyCheck(item: Pick<CheckItem, 'id' | 'side'>): boolean {
  return item.side === 'source' && (item.id.startsWith('source.binlog') || item.id.startsWith('source.privilege.replication') || item.id === 'source.server_id');
}

/** The report failed only on checks a copy-only job does not need: the wizard offers to continue as one. */
export function copyOnlyWouldPass(report: PreflightReport | null): boolean {
  const fails = report?.items.filter((i) => i.status === 'fail') ?? [];
  return fails.length > 0 && fails.every(isStreamingOnlyCheck);
}

/** Where each selected table goes on the sink ("db.table" → "db.table"), after the renames. */
export function sinkNames(draft: WizardDraft): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of draft.tables.selected) {
    const dot = name.indexOf('.');
    const db = name.slice(0, dot);
    const table = name.slice(dot + 1);
    const exact = draft.mapping.rename[name];
    out.set(name, exact ?? `${draft.mapping.rename[db] ?? db}.${table}`);
  }
  return out;
}

const JOB_NAME = /^[\w.-]{1,100}$/;

/** SQL text with its quoted strings and identifiers blanked out (what is left is syntax). */
function withoutLiterals(sql: string): string {
  return sql.replace(/'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*"|`(?:[^`]|``)*`/g, "''");
}

/** Problems of one step; empty when Next may go on. (Checks that need a server, such as a row filter, are run by the engine too.) */
export function validateStep(step: WizardStep, d: WizardDraft, ctx: WizardContext): FieldError[] {
  const errors: FieldError[] = [];
  const err = (field: string, message: string): void => void errors.push({ field, message });
  switch (step) {
    case 'source': {
      if (!d.source.profile) err('source.profile', 'Choose a saved connection or create one.');
      else if (profileKind(ctx, d.source.profile) === null) err('source.profile', `There is no saved connection named "${d.source.profile}".`);
      else if (!kindInfo(ctx, profileKind(ctx, d.source.profile))?.sourceServer) {
        const kind = profileKind(ctx, d.source.profile)!;
        err('source.profile', `The source must be a MySQL or MariaDB server, not ${kindInfo(ctx, kind)?.title ?? kind}.`);
      }
      break;
    }
    case 'preflight': {
      const r = d.preflight.report;
      if (!r || d.preflight.forProfile !== d.source.profile) err('preflight', 'Run the preflight checks on this source.');
      else if (!r.ok) err('preflight', `${r.items.filter((i) => i.status === 'fail').length} check(s) failed: apply the fixes shown, then run the checks again.`);
      break;
    }
    case 'tables': {
      if (!d.tables.selected.length) err('tables.selected', 'Select at least one table.');
      if (ctx.catalog) {
        const missing = d.tables.selected.filter((n) => !catalogTable(ctx, n));
        if (missing.length) err('tables.selected', `Not on the source (any more): ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}. Unselect them.`);
      }
      break;
    }
    case 'sink': {
      const kind = profileKind(ctx, d.sink.profile);
      if (!d.sink.profile) err('sink.profile', 'Choose where the data goes: a saved MySQL/MariaDB, PostgreSQL or Kafka connection.');
      else if (kind === null) err('sink.profile', `There is no saved connection named "${d.sink.profile}".`);
      // A sink that is the source itself is allowed here: the Mapping step (next) must then rename.
      break;
    }
    case 'mapping': {
      for (const [from, to] of Object.entries(d.mapping.rename)) {
        const fromParts = from.split('.');
        const toParts = to.split('.');
        if (fromParts.length !== toParts.length) err(`mapping.rename.${from}`, 'A database maps to a database ("shop" → "shop_v2") and a table to "db.table".');
        else for (const part of toParts) {
          const p = identifierProblem(part);
          if (p) err(`mapping.rename.${from}`, `The new name "${part}" ${p}.`);
        }
      }
      if (sinkIsSource(d, ctx)) {
        const onItself = new Map<string, string[]>();
        for (const [src, dst] of sinkNames(d)) {
          if (src.toLowerCase() !== dst.toLowerCase()) continue;
          const db = src.slice(0, src.indexOf('.'));
          onItself.set(db, [...(onItself.get(db) ?? []), src]);
        }
        for (const [db, tables] of onItself)
          err(
            `mapping.rename.${db}`,
            `The sink is the source itself, so ${tables.length === 1 ? tables[0] : `${tables.length} tables of ${db}`} would be copied onto ${tables.length === 1 ? 'itself' : 'themselves'}: give ${db} a new name here (e.g. ${db}_copy), or go back to Sink and choose another server.`,
          );
      }
      const seen = new Map<string, string>();
      for (const [src, dst] of sinkNames(d)) {
        const other = seen.get(dst.toLowerCase());
        if (other) err(`mapping.rename.${src}`, `${src} and ${other} would both become ${dst}.`);
        seen.set(dst.toLowerCase(), src);
      }
      for (const [table, cols] of Object.entries(d.mapping.excludeColumns)) {
        const t = catalogTable(ctx, table);
        if (!t) continue;
        const keyed = cols.filter((c) => t.keyColumns.includes(c));
        if (keyed.length) err(`mapping.excludeColumns.${table}`, `${keyed.join(', ')} ${keyed.length === 1 ? 'is' : 'are'} part of the key of ${table}: the key is always copied.`);
        const unknown = cols.filter((c) => !t.columns.some((x) => x.name === c));
        if (unknown.length) err(`mapping.excludeColumns.${table}`, `${table} has no column ${unknown.join(', ')}.`);
        if (cols.length && cols.length >= t.columns.filter((c) => !c.generated).length) err(`mapping.excludeColumns.${table}`, `Every column of ${table} is excluded.`);
      }
      for (const [table, cond] of Object.entries(d.mapping.where)) {
        if (!cond.trim()) err(`mapping.where.${table}`, 'An empty row filter: remove it or write a condition.');
        else if (/;/.test(withoutLiterals(cond))) err(`mapping.where.${table}`, 'A row filter is one SQL condition, without ";" (outside quotes).');
      }
      if (sinkPublishesTopics(d, ctx)) {
        const k = d.mapping.kafka;
        const bad = [...k.topic.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]).filter((p) => p !== 'db' && p !== 'table');
        if (!k.topic.trim()) err('mapping.kafka.topic', 'Give a topic name or a template such as cutover.{db}.{table}.');
        else if (bad.length) err('mapping.kafka.topic', `Unknown placeholder {${bad[0]}}: use {db} and {table}.`);
        if (!Number.isInteger(k.partitions) || k.partitions < 1 || k.partitions > 10_000) err('mapping.kafka.partitions', 'Partitions: a whole number from 1 to 10,000.');
        if (!Number.isInteger(k.replicationFactor) || k.replicationFactor < 1 || k.replicationFactor > 32) err('mapping.kafka.replicationFactor', 'Replication factor: a whole number from 1 to 32.');
      }
      errors.push(...(SINK_MAPPING_CHECKS[sinkKind(d, ctx) ?? '']?.(d, (t) => catalogTable(ctx, t)) ?? []));
      break;
    }
    case 'options': {
      const o = d.options;
      if (!JOB_NAME.test(o.name)) err('options.name', 'Name the job with 1–100 letters, digits, "_", "-" or ".".');
      else if (ctx.jobNames.includes(o.name)) err('options.name', `A job named "${o.name}" exists already: choose another name.`);
      if (!Number.isInteger(o.parallelism) || o.parallelism < 1 || o.parallelism > 64) err('options.parallelism', 'Parallelism: a whole number from 1 to 64.');
      if (!Number.isInteger(o.chunkRows) || o.chunkRows < 100 || o.chunkRows > 10_000_000) err('options.chunkRows', 'Chunk size: a whole number of rows from 100 to 10,000,000.');
      if (!Number.isInteger(o.maxRowsPerSecond) || o.maxRowsPerSecond < 0) err('options.maxRowsPerSecond', 'Rows per second: 0 (no cap) or a positive whole number.');
      if (!Number.isInteger(o.maxThreadsRunning) || o.maxThreadsRunning < 0) err('options.maxThreadsRunning', 'Threads running: 0 (off) or a positive whole number.');
      if (sinkPublishesTopics(d, ctx) && d.mapping.kafka.exactlyOnce && o.mode === 'snapshot')
        err('options.mode', 'Exactly-once publishing needs a stream: choose "snapshot + stream", or turn exactly-once off in Mapping.');
      const streams = o.mode !== 'snapshot';
      const binlogFails = (d.preflight.report?.items ?? []).filter((i) => i.status === 'fail' && isStreamingOnlyCheck(i));
      if (streams && !d.preflight.streaming) err('options.mode', 'The preflight ran for a copy only: run it again for streaming (Preflight step).');
      else if (streams && binlogFails.length) err('options.mode', `Streaming needs: ${binlogFails.map((i) => i.title).join(', ')} (see Preflight).`);
      break;
    }
    case 'review':
      for (const s of WIZARD_STEPS) if (s !== 'review') errors.push(...validateStep(s, d, ctx));
      break;
  }
  return errors;
}

/** The first step with problems, or null when the draft can become a job. */
export function firstInvalidStep(d: WizardDraft, ctx: WizardContext): WizardStep | null {
  for (const s of WIZARD_STEPS) if (s !== 'review' && validateStep(s, d, ctx).length) return s;
  return null;
}

/** Each sink kind's own options in the job file, from the draft's Mapping step (a kind not listed has none). */
const SINK_OPTIONS: Readonly<Record<string, (d: WizardDraft) => Record<string, unknown>>> = {
  kafka: ({ mapping: { kafka: k } }) => ({ topic: k.topic, format: k.format, key: k.key, partitions: k.partitions, replicationFactor: k.replicationFactor, exactlyOnce: k.exactlyOnce, tombstones: k.tombstones }),
  postgres: (d) => postgresSinkOptions(d.mapping.postgres, d.tables.selected),
};

/** Each sink kind's own Mapping settings' checks (a kind not listed has none beyond the common ones). */
const SINK_MAPPING_CHECKS: Readonly<Record<string, (d: WizardDraft, table: (name: string) => CatalogTable | undefined) => FieldError[]>> = {
  postgres: (d, table) => postgresMappingProblems(d.mapping.postgres, d.tables.selected, table),
};

/** The job file's options of the draft's sink of this kind (besides where it is). */
export function sinkOptionsOf(d: WizardDraft, kind: string): Record<string, unknown> {
  return SINK_OPTIONS[kind]?.(d) ?? {};
}

/**
 * The job file the draft becomes. `endpoints` says how the source and sink are written: by profile name
 * ({"profile": "prod-db"}, the default) or as the engine's environment-variable form for another machine.
 */
export function draftToJobFile(
  d: WizardDraft,
  endpoints: { source: Record<string, unknown>; sink: Record<string, unknown> } = { source: { profile: d.source.profile }, sink: { profile: d.sink.profile } },
  sinkType: string = 'mysql',
): Record<string, unknown> {
  const o = d.options;
  const selected = new Set(d.tables.selected);
  const selection = tableSelection(d.tables);
  const pick = <T>(m: Record<string, T>, ok: (v: T) => boolean): Record<string, T> =>
    Object.fromEntries(Object.entries(m).filter(([t, v]) => ok(v) && (selected.has(t) || [...selected].some((s) => s.startsWith(`${t}.`)))));
  const job: Record<string, unknown> = {
    name: o.name,
    source: endpoints.source,
    sink: { type: sinkType, ...endpoints.sink, ...sinkOptionsOf(d, sinkType) },
    tables: selection.exclude.length ? selection : { include: selection.include },
  };
  const rename = pick(d.mapping.rename, (v) => v.length > 0);
  if (Object.keys(rename).length) job.rename = rename;
  const columns = Object.fromEntries(Object.entries(pick(d.mapping.excludeColumns, (v) => v.length > 0)).map(([t, c]) => [t, { exclude: c }]));
  if (Object.keys(columns).length) job.columns = columns;
  const where = pick(d.mapping.where, (v) => v.trim().length > 0);
  if (Object.keys(where).length) job.where = Object.fromEntries(Object.entries(where).map(([t, v]) => [t, v.trim()]));
  job.mode = o.mode;
  job.snapshot = { parallelism: o.parallelism, chunkRows: o.chunkRows, onExisting: o.onExisting, throttle: { maxThreadsRunning: o.maxThreadsRunning, maxRowsPerSecond: o.maxRowsPerSecond } };
  return job;
}
