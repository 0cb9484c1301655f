// The cutover assistant: a checklist from "lag is zero" to a switched-over application, with proof.
// Each step's result is recorded in the state file (who, when, what it found or did) and each says how to
// roll it back; the report exports as Markdown and HTML for change records.
//
//   lag        the stream's lag is under the threshold
//   reverse-check  the way back is checked before the freeze (reverse-preflight.ts); skipped = no way back
//   read-only  the proven freeze: read-only on the source (super_read_only on MySQL), after confirmation, then
//              the source's change stream watched for the job's tables: a row change after the read-only
//              point fails the step and names the sessions that bypass it; undo lifts read-only
//   fence      fence, drain, stop: a fence row written on the source, the sink applies up to it, and the
//              job's stream stops for good (the job is `switched`)
//   verify     the final verification: every table matches
//   deferred   triggers, routines and events created on the sink, only once the stream has stopped
//   reverse    the new server's position recorded, the old server's triggers held, the reverse job
//              `<job>-reverse` created and started from that position (reverse-job.ts)
//   report     the change record: timings, rows, positions, verification, who and when

export const CUTOVER_STEPS = ['lag', 'reverse-check', 'read-only', 'fence', 'verify', 'deferred', 'reverse', 'report'] as const;
export type CutoverStepId = (typeof CUTOVER_STEPS)[number];

export type CutoverStepState = 'pending' | 'running' | 'done' | 'failed' | 'skipped' | 'undone';

/** A step of a checklist recorded in the state file (the cutover's and the rollback's), as the UI and the report show it. */
export interface ChecklistStep<Id extends string> {
  id: Id;
  title: string;
  /** What the step does, in one sentence. */
  description: string;
  state: CutoverStepState;
  /** The operator must confirm before it runs (it changes a server). */
  needsConfirmation: boolean;
  /** Why it cannot run yet (an earlier step not done), or null. */
  blockedBy: string | null;
  startedAt: number | null;
  finishedAt: number | null;
  /** "user@host". */
  operator: string | null;
  /** What it found or did, one or two sentences; for a failure, what is wrong. */
  detail: string | null;
  /** For a failure: the fix. */
  fix: string | null;
  /** Step-specific facts for the report (positions, counts, names). */
  facts: Record<string, string | number | boolean | null>;
}

export interface CutoverStep extends ChecklistStep<CutoverStepId> {
  /** The step may be skipped (read-only). */
  optional: boolean;
  /** It can be undone from here. */
  canUndo: boolean;
  /** How to roll this step back (shown beside it). */
  rollback: string;
}

/** An object held back during the copy (it would fire on, or act on, copied rows). */
export interface DeferredObject {
  kind: 'trigger' | 'procedure' | 'function' | 'event';
  /** Source "db.name". */
  name: string;
  /** Where it is created on the sink "db.name". */
  sinkName: string;
  state: 'pending' | 'created' | 'exists' | 'failed' | 'dropped';
  error: string | null;
}

/** A session on the source (processlist), with why it matters here. */
export interface SourceSessionInfo {
  id: number;
  user: string;
  host: string;
  db: string | null;
  command: string;
  /** Seconds in its current state (processlist TIME). */
  timeSeconds: number;
  state: string | null;
  /** Its statement, cut at 200 characters. */
  info: string | null;
  /** The account whose privilege lets it write while the source is read-only ("'app'@'%'"). */
  account: string | null;
  /** That privilege ("READ_ONLY ADMIN"). */
  privilege: string | null;
  /** How long its open transaction has run (open transactions only). */
  transactionSeconds?: number | null;
}

/** The accounts and sessions that can still write to a read-only source. */
export interface WriteBypass {
  accounts: { account: string; privileges: string[]; revoke: string[]; /** Cutover's own account. */ cutover: boolean }[];
  sessions: SourceSessionInfo[];
}

/** What freezing the source did. */
export interface FreezeReport {
  server: string;
  statement: string;
  previous: { readOnly: boolean; superReadOnly: boolean };
  bypass: WriteBypass;
}

export interface CutoverState {
  job: string;
  /** The source server as the operator knows it, without a secret (a saved connection's name and address, or a URL without its password). */
  source: string;
  /** The kind of the job's sink ("mysql", "kafka", …). */
  sinkType: string;
  lagThresholdSeconds: number;
  /** The stream's lag now (null when the job is not streaming). */
  lagSeconds: number | null;
  steps: CutoverStep[];
  deferred: DeferredObject[];
  /** Where the deferred list comes from: the source's listing (what the preflight finds) before the step ran, then the step's result; an error text when the source could not be read. */
  deferredSource: 'source' | 'step' | 'unknown';
  deferredError: string | null;
  /** Transactions open on the source when last looked (before the freeze they would commit after it). */
  openTransactions: SourceSessionInfo[];
  /** After a failed freeze: the sessions that wrote on (or could), for the operator to kill or wait for. */
  bypass: WriteBypass | null;
  /** The job's stream stopped for good at the fence (job state `switched`). */
  switched: boolean;
  /** All required steps done. */
  complete: boolean;
  /** Which server takes the application's writes now, from the journal and (when it could be read) the source's read-only setting. */
  writable?: WritableSummary;
}

/**
 * Which server takes writes now. `neither` and `both` are the states a half-done switch leaves (a crash
 * between the freeze and the switch, or read-only lifted after it): the operator is told which, and how to
 * complete or undo it.
 */
export interface WritableSummary {
  takesWrites: 'source' | 'sink' | 'neither' | 'both' | 'unknown';
  /** The source's read-only setting: read live (`live`), or as the journal last recorded it; null when unknown. */
  sourceReadOnly: boolean | null;
  sourceReadOnlyFrom: 'live' | 'journal' | 'unknown';
  /** The job's stream runs (the sink still follows the source). */
  streamRunning: boolean;
  /** The stream stopped for good at the fence (job state `switched`). */
  switched: boolean;
  /** Steps the journal shows as begun by a process that is gone (they are resumed). */
  interrupted: CutoverStepId[];
  /** One or two sentences: who takes writes, and what to do when that is not one server. */
  detail: string;
}

export interface CutoverRunOptions {
  /** Step "lag": the threshold in seconds (default 5). */
  lagThresholdSeconds?: number;
  /** Steps that change the source (read-only): the operator confirmed. */
  confirm?: boolean;
  /** Optional steps: skip instead of running. */
  skip?: boolean;
}

export interface CutoverReportFile {
  fileName: string;
  mime: 'text/markdown' | 'text/html';
  text: string;
}
