// The cutover assistant: a checklist from "lag is zero" to a switched-over application, with proof.
// Each step's result is recorded in the state file (who, when, what it found or did) and each says how to
// roll it back; the report exports as Markdown and HTML for change records.
//
//   lag        the stream's lag is under the threshold
//   read-only  (optional) SET GLOBAL read_only = ON on the source, after confirmation; undo sets it OFF
//   fence      a fence row written on the source, and the sink has applied the transaction holding it
//   verify     the final verification: every table matches
//   deferred   triggers, routines and events created on the sink (they were held back during the copy)
//   report     the change record: timings, rows, positions, verification, who and when

export const CUTOVER_STEPS = ['lag', 'read-only', 'fence', 'verify', 'deferred', 'report'] as const;
export type CutoverStepId = (typeof CUTOVER_STEPS)[number];

export type CutoverStepState = 'pending' | 'running' | 'done' | 'failed' | 'skipped' | 'undone';

export interface CutoverStep {
  id: CutoverStepId;
  title: string;
  /** What the step does, in one sentence. */
  description: string;
  state: CutoverStepState;
  /** The step may be skipped (read-only). */
  optional: boolean;
  /** The operator must confirm before it runs (it changes the source). */
  needsConfirmation: boolean;
  /** It can be undone from here. */
  canUndo: boolean;
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
  /** How to roll this step back (shown beside it). */
  rollback: string;
  /** Step-specific facts for the report (positions, counts, names). */
  facts: Record<string, string | number | boolean | null>;
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
  /** All required steps done. */
  complete: boolean;
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
