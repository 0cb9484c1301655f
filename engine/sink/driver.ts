// The contract of a sink kind. Each kind is one folder (engine/sink/<kind>/) with a cheap descriptor
// (descriptor.ts: name, capabilities, labels; no heavy imports) and a driver loaded only when a job uses
// it (driver.ts). The pipeline, verification, the host and the CLI reach a sink only through these.
import type { JobConfig, JobFile } from '../../shared/job-config.js';
import type { EndpointTools } from '../core/endpoint-tools.js';
import type { ProfileRules } from '../core/profile-rules.js';
import type { SinkCapabilities } from '../../shared/sink-capabilities.js';
import type { Logger } from '../core/logger.js';
import type { StreamTarget } from './stream-target.js';
import type { OffsetTarget } from '../core/partition-offsets.js';
import type { JobIdentity } from '../state/identity.js';
import type { StateStore } from '../state/store.js';
import type { RepairDone, RepairOptions } from '../compare/repair-contract.js';
import type { SinkVerifier, SinkVerifierContext } from '../compare/sink-verifier.js';
import type { Sink } from './sink.js';
import type { ColumnInfo, CopyTable } from '../core/tables.js';
import type { KafkaSample, WizardDraft } from '../../shared/wizard.js';
import type { RawRow } from '../core/rows.js';
import type { SourceSession } from '../source/driver.js';
import type { MappingPreviewColumn } from '../../shared/mapping-preview.js';
import type { CheckItem } from '../../shared/preflight.js';
import type { TableRef } from '../../shared/table-selection.js';
import type { SourceRowSizes } from '../core/row-sizes.js';

export type SinkConfig = JobConfig['sink'];
export type SinkFile = JobFile['sink'];

/** What a removal leaves on a sink of this kind (the confirmation says it before). */
export interface SinkLeftovers {
  /** What `--clean-sink` deletes; empty when there is nothing to clean. */
  cleanable: string;
  kept: string;
  /** When there is something to clean: said after `--clean-sink` deleted it (existed) or found nothing to delete. */
  cleaned?(existed: boolean): string;
  /** When there is something to clean: said when a removal without `--clean-sink` leaves it. */
  notCleaned?: string;
  /** When there is something to clean: how to delete it by hand (a statement to run on the sink). */
  cleanByHand?: string;
}

/** Everything a sink needs to serve one run of a job. */
export interface SinkRunContext {
  cfg: JobConfig;
  store: StateStore;
  jobId: number;
  log: Logger;
  /** The run's stop signal (Ctrl-C, Pause): retries end, waits return. */
  signal: AbortSignal;
  /** The source database's default character set and collation, for a database the sink creates. */
  databaseDefaults(db: string): Promise<{ charset: string; collation: string }>;
  /** Where the source stood when the copy started, once known (the copied rows' source position). */
  copyStart(): unknown;
  /** Streaming modes of a `checkpointInSink` sink: the job instance that owns the checkpoint row. */
  owner?: JobIdentity;
}

/** A sink opened for one run: the copy side, and change sinks opened per stream session. */
export interface SinkRun {
  readonly copy: Sink;
  /** Bytes of source data per copy batch this sink takes best. */
  readonly batchBytes: number;
  /**
   * At most this many row changes per stream batch (and per piece of a large transaction), below the job's
   * `stream.batch.maxRows` when that is larger; the change reader reads two batches ahead. Absent: the job's.
   */
  readonly streamBatchRows?: number;
  /** At most this long (ms) a stream batch waits for more changes, below the job's `stream.batch.maxDelayMs` when that is longer. Absent: the job's. */
  readonly streamBatchDelayMs?: number;
  /**
   * Opens where the stream's changes go. The change sink owns durability: it stores the position with the
   * data (in the same transaction where it can). Called per stream session; its close() ends the session.
   */
  openChangeSink(signal: AbortSignal): Promise<StreamTarget>;
  /** Capability `partitionOffsets`: where a partitioned source's batches go, with their offsets (engine/core/partition-offsets.ts). */
  openOffsetTarget?(): Promise<OffsetTarget>;
  /** Ends the run: closes what lives across sessions. Safe to call more than once. */
  dispose(): Promise<void>;
}

export interface CheckpointPolicy {
  /** --adopt-checkpoint: take over a checkpoint another state file (or job instance) wrote. */
  adopt: boolean;
  /** This state file has streamed the job before. */
  streamedBefore: boolean;
}

/** What the wizard's mapping preview hands a sink: a source table's columns and a few of its rows, read like the copy reads them. */
export interface MappingPreviewInput {
  /** The source table ("db.table") and where it goes on the sink. */
  table: string;
  sink: { db: string; table: string };
  /** The columns copied (generated and excluded ones left out), in the rows' order. */
  columns: ColumnInfo[];
  keyColumns: string[];
  rows: RawRow[];
  /** The sink's options as the job file will say them (e.g. PostgreSQL's "unholdable" and "types"). */
  sinkOptions: Record<string, unknown>;
  /** The source's session, for what the sink reads of it to convert values (e.g. multi-byte charsets' tables). */
  source: SourceSession;
}

/** A row of a selected table, for a sink that publishes messages to render as the copy will publish it. */
export interface SampleMessageInput {
  draft: WizardDraft;
  /** The source table ("db.table"). */
  table: string;
  /** The table as the copy reads it (columns, key, where it goes). */
  copy: CopyTable;
  row: RawRow;
}

export interface SinkDriver {
  readonly kind: string;
  /** A sink that publishes messages: the wizard's sample message, a source row rendered as the copy will publish it. */
  sampleMessage?(input: SampleMessageInput): KafkaSample;
  /** A sink that creates typed tables: each column's source type → its type there, with the sample rows as they would land. */
  previewMapping?(input: MappingPreviewInput): Promise<MappingPreviewColumn[]>;
  openRun(ctx: SinkRunContext): Promise<SinkRun>;
  /** Compares the source with the sink, table by table (verification). */
  openVerifier(ctx: SinkVerifierContext): Promise<SinkVerifier>;
  /** `checkpointInSink`: refuses a checkpoint row another installation or job instance owns, unless adopted. */
  claimCheckpoint?(cfg: JobConfig, owner: JobIdentity, policy: CheckpointPolicy, log: Logger): Promise<void>;
  /** `checkpointInSink`: deletes the job's checkpoint (--restart, --resnapshot, remove --clean-sink); true when one existed. */
  /** `repair`: copies again the rows a verification found different (keyless tables: the whole table), in one transaction with the checkpoint. */
  repair?(o: RepairOptions): Promise<RepairDone>;
  /** `existingRows`: empties one table on the sink before it is copied again (a table not created yet is left alone). */
  emptyTable?(cfg: Pick<JobConfig, 'sink'>, table: { db: string; table: string }): Promise<void>;
  forgetCheckpoint?(cfg: Pick<JobConfig, 'name' | 'sink'>, why: string): Promise<boolean>;
}

/** A sink kind as the registry knows it before its driver is loaded. */
export interface SinkDescriptor {
  readonly kind: string;
  /** For people: "MySQL/MariaDB", "Kafka", "PostgreSQL". */
  readonly title: string;
  readonly capabilities: SinkCapabilities;
  /** A saved connection of this kind can also be the wizard's source (shared/sink-capabilities.ts SinkKindInfo.sourceServer); absent: no. */
  readonly sourceServer?: boolean;
  /** Where the sink is, for messages, without credentials ("127.0.0.1:3306", "Kafka b1:9092,b2:9092"). */
  label(sink: SinkConfig): string;
  leftovers(job: string): SinkLeftovers;
  /** Said of each keyless table when a stream starts, when the sink applies its changes in a way worth knowing. */
  readonly keylessStreamNote?: string;
  /** Without the `repair` capability: why a repair cannot be done, and what to do instead (the refusal and the verification report say it). */
  readonly noRepair?: { why: string; instead: string };
  /**
   * What `cutover check` and the run's preflight check on this sink: the sink's own checks, loaded with
   * them (absent: no sink checks).
   */
  preflightOptions?(sink: SinkConfig): { sinkCheck?: SinkPreflight };
  /**
   * A job file's sink of this kind as the engine runs it: its saved profile (of this kind, or refused by
   * name) or its URL, secrets read from the environment variables the file names (engine/connections).
   */
  resolveFile(file: SinkFile, tools: EndpointTools): Promise<SinkConfig>;
  /** A saved connection profile of this kind: its secrets and its export into a job file (engine/connections). */
  readonly profile: ProfileRules;
  load(): Promise<SinkDriver>;
}

/** What a sink's own preflight checks get: where to add items, and what the job will write. */
export interface SinkPreflightContext {
  items: CheckItem[];
  /** The source tables the job takes (as the source names them). */
  sourceTables: TableRef[];
  /** The sink's name of a source table (after the job's "rename"). */
  sinkName(ref: TableRef): TableRef;
  /** A stream follows (or is) the job: the sink's checkpoint is written too. */
  streaming: boolean;
  /** The source's rows (largest rows, row sizes), provided by the source driver; absent when the source did not answer. */
  source?: SourceRowSizes;
}

/** A sink kind's own preflight: adds its items (never throws) and says what the report shows of the server. */
export interface SinkPreflight {
  url: string;
  /**
   * Optional: begins what needs nothing of the source (connecting, identifying the server) while the
   * source's checks run; check() then takes it over. Returns what releases it when check() is never called.
   */
  start?(): () => Promise<void>;
  check(ctx: SinkPreflightContext): Promise<{ flavor?: string; version?: string }>;
}
