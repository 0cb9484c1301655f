// The contract of a sink kind. Each kind is one folder (engine/sink/<kind>/) with a cheap descriptor
// (descriptor.ts: name, capabilities, labels; no heavy imports) and a driver loaded only when a job uses
// it (driver.ts). The pipeline, verification, the host and the CLI reach a sink only through these.
import type { JobConfig } from '../../shared/job-config.js';
import type { SinkCapabilities } from '../../shared/sink-capabilities.js';
import type { Logger } from '../core/logger.js';
import type { StreamTarget } from './stream-target.js';
import type { JobIdentity } from '../state/identity.js';
import type { StateStore } from '../state/store.js';
import type { SinkVerifier, SinkVerifierContext } from '../verify/sink-verifier.js';
import type { Sink } from './sink.js';

export type SinkConfig = JobConfig['sink'];

/** What a removal leaves on a sink of this kind (the confirmation says it before). */
export interface SinkLeftovers {
  /** What `--clean-sink` deletes; empty when there is nothing to clean. */
  cleanable: string;
  kept: string;
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
   * Opens where the stream's changes go. The change sink owns durability: it stores the position with the
   * data (in the same transaction where it can). Called per stream session; its close() ends the session.
   */
  openChangeSink(signal: AbortSignal): Promise<StreamTarget>;
  /** Ends the run: closes what lives across sessions. Safe to call more than once. */
  dispose(): Promise<void>;
}

export interface CheckpointPolicy {
  /** --adopt-checkpoint: take over a checkpoint another state file (or job instance) wrote. */
  adopt: boolean;
  /** This state file has streamed the job before. */
  streamedBefore: boolean;
}

export interface SinkDriver {
  readonly kind: string;
  openRun(ctx: SinkRunContext): Promise<SinkRun>;
  /** Compares the source with the sink, table by table (verification). */
  openVerifier(ctx: SinkVerifierContext): Promise<SinkVerifier>;
  /** `checkpointInSink`: refuses a checkpoint row another installation or job instance owns, unless adopted. */
  claimCheckpoint?(cfg: JobConfig, owner: JobIdentity, policy: CheckpointPolicy, log: Logger): Promise<void>;
  /** `checkpointInSink`: deletes the job's checkpoint (--restart, --resnapshot, remove --clean-sink); true when one existed. */
  forgetCheckpoint?(cfg: JobConfig, why: string): Promise<boolean>;
}

/** A sink kind as the registry knows it before its driver is loaded. */
export interface SinkDescriptor {
  readonly kind: string;
  /** For people: "MySQL/MariaDB", "Kafka", "PostgreSQL". */
  readonly title: string;
  readonly capabilities: SinkCapabilities;
  /** Where the sink is, for messages, without credentials ("127.0.0.1:3306", "Kafka b1:9092,b2:9092"). */
  label(sink: SinkConfig): string;
  leftovers(job: string): SinkLeftovers;
  /** Said of each keyless table when a stream starts, when the sink applies its changes in a way worth knowing. */
  readonly keylessStreamNote?: string;
  load(): Promise<SinkDriver>;
}
