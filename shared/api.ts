// The one API between the renderer and the engine host. The renderer calls it over the preload bridge
// in Electron and over HTTP + WebSocket in web mode (`cutover ui`); both carry exactly these methods and
// events. Arguments are validated by the host (shared/api-schema.ts) before anything runs.
import type { JobStatus } from './job-status.js';
import type { CutoverReportFile, CutoverRunOptions, CutoverState, CutoverStepId } from './cutover.js';
import type { RollbackRunOptions, RollbackState, RollbackStepId } from './rollback.js';
import type { PreflightReport } from './preflight.js';
import type { SinkKindInfo } from './sink-capabilities.js';
import type { ConnectionTestResult, ProfileInput, ProfileSummary } from './profiles.js';
import type { VerifyReport, VerifyRunSummary } from './verify.js';
import type { MappingPreview } from './mapping-preview.js';
import type { KafkaTopicInfo, KafkaTopicSample } from './kafka-topics.js';
import type { CatalogTable, JobExport, KafkaSample, WizardDraft, WizardEstimate } from './wizard.js';

export type { JobStatus, TableStatus, StreamStatus, StreamState, PendingDdl, PausedTable } from './job-status.js';
export type { CutoverReportFile, CutoverRunOptions, CutoverState, CutoverStep, CutoverStepId, DeferredObject } from './cutover.js';
export type { RollbackRunOptions, RollbackState, RollbackStep, RollbackStepId } from './rollback.js';
export type { CheckItem, PreflightReport } from './preflight.js';
export type { ConnectionTestResult, Profile, ProfileInput, ProfileSummary } from './profiles.js';
export type { SinkCapabilities, SinkKindInfo } from './sink-capabilities.js';
export type { RowMismatch, VerifyReport, VerifyRunSummary, VerifyTableResult } from './verify.js';
export type { KafkaMessageFormat, KafkaTopicInfo, KafkaTopicSample } from './kafka-topics.js';
export type { MappingPreview, MappingPreviewColumn, MappingPreviewSample } from './mapping-preview.js';
export type { CatalogTable, JobExport, KafkaSample, WizardDraft, WizardEstimate, WizardStep } from './wizard.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface HostInfo {
  version: string;
  /** The state file every job's progress, metrics and logs live in (shown in the UI). */
  statePath: string;
  /** How the renderer is connected: the desktop app or a browser on `cutover ui`. */
  shell: 'electron' | 'web';
  demo: DemoInfo;
}

export interface DemoInfo {
  /** Whether "Try the demo" can run here (it needs the MariaDB server binaries and the project's scripts). */
  available: boolean;
  /** Why not, when it is not available: what to install. */
  reason: string | null;
  /** The demo job's name once started. */
  job: string | null;
}

/** One line of the jobs list. */
export interface JobSummary {
  name: string;
  mode: string;
  /** running, paused, stopped, failed, done, interrupted (its process was killed), idle (never run). */
  state: string;
  phase: string;
  error: string | null;
  rowsCopied: number;
  estimatedRows: number;
  tables: number;
  lagSeconds: number | null;
  /** Unix ms of the job's last recorded activity. */
  lastActivity: number;
  /** The job's process is running under this host (it can be paused or stopped from here). */
  controllable: boolean;
  /** A switch with a way back pairs two jobs: the forward job names its reverse job, the reverse job its forward job. */
  pair?: { role: 'forward' | 'reverse'; job: string } | null;
}

/** One point of a job's live charts (unix seconds); null where the job had no such phase then. */
export interface MetricPoint {
  ts: number;
  /** Copy throughput. */
  rowsPerSecond: number | null;
  /** Streamed row events (inserts + updates + deletes) per second. */
  eventsPerSecond: number | null;
  /** Stream lag in seconds. */
  lagSeconds: number | null;
}

export interface LogLine {
  id: number;
  /** Unix ms. */
  ts: number;
  level: LogLevel;
  job: string | null;
  table: string | null;
  message: string;
}

/** An error that stays on screen until the operator dismisses it. */
export interface JobError {
  /** The log line's id. */
  id: number;
  ts: number;
  job: string | null;
  table: string | null;
  /** What is wrong. */
  message: string;
  /** What to do about it, when known. */
  fix: string | null;
}

export interface LogQuery {
  job?: string;
  minLevel?: LogLevel;
  /** Case-insensitive substring. */
  search?: string;
  /** Only lines after this id (for following). */
  afterId?: number;
  /** The latest N lines (default 500, at most 5000). */
  limit?: number;
}

export interface HistoryQuery {
  /** Unix seconds; default: the job's first sample. */
  sinceTs?: number;
  /** Downsample to at most this many points (default 2000): each bucket keeps its average and peak lag. */
  maxPoints?: number;
}

/** Every method: its arguments and its result. */
export interface ApiMethods {
  info: { args: []; result: HostInfo };
  /** Every sink kind the engine has, with its title and what it can do (the dashboard asks these instead of comparing kind names). */
  sinkKinds: { args: []; result: SinkKindInfo[] };
  listJobs: { args: []; result: JobSummary[] };
  jobStatus: { args: [job: string]; result: JobStatus };
  /** The job file as JSON text (passwords included only as the file had them). */
  jobConfig: { args: [job: string]; result: string };
  /** Adds (or replaces, when not running) a job from a job file's text; returns its name. */
  openJob: { args: [file: { text: string; fileName?: string }]; result: { name: string } };
  start: { args: [job: string]; result: void };
  /** Stops reading after the batch in flight is committed; Resume continues from there. */
  pause: { args: [job: string]; result: void };
  resume: { args: [job: string, options?: { skipDdl?: boolean }]; result: void };
  /** Ends the job's run; Start runs it again from where it stopped. */
  stop: { args: [job: string]; result: void };
  /**
   * Removes a job that is not running from the state file (its progress, metrics, verifications, log);
   * cleanSink also deletes a MySQL sink's checkpoint row of the job. `sink` says what the sink keeps.
   */
  removeJob: { args: [job: string, options?: { cleanSink?: boolean }]; result: { name: string; sink: string } };
  /**
   * A table paused at a DDL statement (DDL policy "pause-table"): the statement was applied to the sink by
   * hand (or, `skip`, the sink stays as it is); its held changes are applied in source order and it streams
   * again (the running job within a second, a stopped one when it runs again).
   */
  resumeTable: { args: [job: string, table: string, options?: { skip?: boolean }]; result: void };
  /**
   * A Kafka-source job's partition paused at a bad message: pass it over without applying it (dead-letter
   * topic first when the job names one; recorded in the sink). `message` is TOPIC:PARTITION:OFFSET, the one
   * the partition is paused at. A running job takes it within seconds (`running`), a stopped one when it runs.
   */
  skipMessage: { args: [job: string, message: string]; result: { running: boolean } };
  /** A table whose copy failed: copy its unfinished chunks again (the job runs again). */
  retryTable: { args: [job: string, table: string]; result: void };
  /** Empty a table on the sink and copy it again from the start (before the job streams). */
  recopyTable: { args: [job: string, table: string]; result: void };
  history: { args: [job: string, query?: HistoryQuery]; result: MetricPoint[] };
  logs: { args: [query: LogQuery]; result: LogLine[] };
  errors: { args: [job?: string]; result: JobError[] };
  dismissError: { args: [id: number]; result: void };
  /** Starts the demo: throwaway MariaDB servers, a sample shop schema with a write load, a snapshot+stream job. */
  startDemo: { args: []; result: { name: string } };

  // ---- saved connections (secrets never come back)
  listProfiles: { args: []; result: ProfileSummary[] };
  /** Saves (creates, edits or renames) a profile; an undefined secret keeps the stored one. */
  saveProfile: { args: [input: ProfileInput]; result: ProfileSummary };
  deleteProfile: { args: [name: string]; result: void };
  /** Connects with these settings (the stored secrets where the input leaves them undefined) and says exactly what worked or failed. */
  testProfile: { args: [input: ProfileInput]; result: ConnectionTestResult };

  // ---- topics of a saved Kafka connection (the Kafka source: connections view and consumer wizard)
  /** The cluster's topics with their partitions and the messages they hold. */
  kafkaTopics: { args: [profile: string]; result: KafkaTopicInfo[] };
  /** The latest message of a topic with its detected format; null when the topic holds none. */
  kafkaTopicSample: { args: [profile: string, topic: string]; result: KafkaTopicSample | null };

  // ---- the migration wizard
  /** The saved draft, or null when there is none. */
  getDraft: { args: []; result: WizardDraft | null };
  saveDraft: { args: [draft: WizardDraft]; result: void };
  discardDraft: { args: []; result: void };
  /** The preflight on the draft's source (streaming: binlog settings and replication privileges required). */
  wizardPreflight: { args: [draft: WizardDraft]; result: PreflightReport };
  /** The source's databases and tables with row estimates, sizes, keys, columns and warnings. */
  sourceCatalog: { args: [profile: string]; result: CatalogTable[] };
  /** Asks the source to plan a row filter (EXPLAIN); null when it is valid, else the server's message. */
  checkFilter: { args: [profile: string, table: string, where: string]; result: { error: string | null } };
  /** A Kafka message rendered from a real row of the table with the draft's mapping. */
  sampleMessage: { args: [draft: WizardDraft, table: string]; result: KafkaSample };
  /** A sink with typed tables (PostgreSQL): one selected table's columns, source type → sink type, with a few real rows as they would land. */
  mappingPreview: { args: [draft: WizardDraft, table: string]; result: MappingPreview };
  /** How long the copy should take, from a short timed read of the source. */
  estimate: { args: [draft: WizardDraft]; result: WizardEstimate };
  /** The job file (connections by profile name, or by environment variables for another machine) and the CLI command. */
  exportJob: { args: [draft: WizardDraft, connections: 'profile' | 'env']; result: JobExport };
  /** Validates the whole draft, adds the job, starts it and discards the draft. */
  createJob: { args: [draft: WizardDraft]; result: { name: string } };

  // ---- verification
  /** Starts a verification of the job (all its tables, or these); progress via verification(). */
  verify: { args: [job: string, options?: { tables?: string[] }]; result: { id: number } };
  /** The job's latest verification, or null. */
  verification: { args: [job: string]; result: VerifyReport | null };
  /** Copies again only the rows a verification found different, then verifies those tables again. */
  repair: { args: [job: string, verificationId: number]; result: { id: number } };
  /** The job's verification runs, newest first (at most 20): what each compared and found. */
  verificationHistory: { args: [job: string]; result: VerifyRunSummary[] };

  // ---- the cutover assistant
  cutoverState: { args: [job: string]; result: CutoverState };
  cutoverRun: { args: [job: string, step: CutoverStepId, options?: CutoverRunOptions]; result: CutoverState };
  cutoverUndo: { args: [job: string, step: CutoverStepId]; result: CutoverState };
  cutoverReport: { args: [job: string, format: 'markdown' | 'html']; result: CutoverReportFile };
  /** Kills sessions on the source that the failed freeze step named (the operator confirmed them by name). */
  cutoverKill: { args: [job: string, sessions: number[]]; result: CutoverState };
  // ---- the rollback checklist (after a switch with a reverse job)
  rollbackState: { args: [job: string]; result: RollbackState };
  rollbackRun: { args: [job: string, step: RollbackStepId, options?: RollbackRunOptions]; result: RollbackState };
  /** The rollback report as a file (once its step ran). */
  rollbackReport: { args: [job: string, format: 'markdown' | 'html']; result: CutoverReportFile };
}

export type ApiMethod = keyof ApiMethods;
export type ApiArgs<M extends ApiMethod> = ApiMethods[M]['args'];
export type ApiResult<M extends ApiMethod> = ApiMethods[M]['result'];

/** Pushed by the host about once a second (only what changed). */
export type ApiEvent =
  | { type: 'jobs'; jobs: JobSummary[] }
  /** The watched job's status. */
  | { type: 'status'; job: string; status: JobStatus }
  /** New chart points of the watched job. */
  | { type: 'metrics'; job: string; points: MetricPoint[] }
  /** New log lines (all jobs). */
  | { type: 'logs'; lines: LogLine[] }
  /** The errors not yet dismissed (all jobs), whenever that list changes. */
  | { type: 'errors'; errors: JobError[] };

/** An error crossing the API: what is wrong and what to do. */
export interface ApiErrorBody {
  message: string;
  fix: string | null;
  code: string;
}

export type ApiResponse<M extends ApiMethod> = { ok: true; result: ApiResult<M> } | { ok: false; error: ApiErrorBody };

/** What the renderer's components use (renderer/src/api/ builds it over the bridge or HTTP + WebSocket). */
export interface CutoverApi {
  call<M extends ApiMethod>(method: M, ...args: ApiArgs<M>): Promise<ApiResult<M>>;
  /**
   * Receives events until the returned function is called. `job` names a job whose status and chart
   * points this listener needs pushed (the client watches the union over its live subscriptions);
   * null: only the jobs list, logs and errors. Every listener gets every event: filter on `event.job`.
   */
  subscribe(job: string | null, listener: (event: ApiEvent) => void): () => void;
}

/**
 * What Electron's preload exposes as `window.cutover` (contextBridge, one object). Errors come back as
 * values (class instances do not cross the bridge); renderer/src/api/ turns them into ApiError.
 */
export interface CutoverBridge {
  call(method: ApiMethod, args: unknown[]): Promise<ApiResponse<ApiMethod>>;
  /** Which jobs' status and chart points to push. */
  watch(jobs: string[]): void;
  onEvent(listener: (event: ApiEvent) => void): () => void;
}

/** Thrown by CutoverApi.call when the host answers with an error. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly fix: string | null,
    readonly code: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The messages of the Electron bridge and the web-mode WebSocket (client → host). */
export type ClientMessage = { type: 'watch'; jobs: string[] };

/**
 * Web mode over HTTP: `POST /api/call/<method>` with the body `{"args": [...]}` answers an ApiResponse
 * as JSON; `GET /api/events` upgrades to a WebSocket that carries ClientMessage up and ApiEvent down.
 * Every request, static files included, needs the per-launch token: opening `/?token=…` sets it as an
 * HttpOnly SameSite=Strict cookie and redirects to `/`.
 */
export const WEB = { callPrefix: '/api/call/', events: '/api/events' } as const;

/** Names of the Electron IPC channels (main ↔ renderer ↔ engine utility process). */
export const IPC = { call: 'cutover:call', event: 'cutover:event', watch: 'cutover:watch' } as const;
