// The rollback checklist (engine/cutover/rollback.ts): after a switch with a reverse job, back to the old
// server without losing the writes the application made on the new one. Recorded in the state file beside
// the cutover's steps (as "rollback:<step>" of the forward job), each step before and after it acts.
//
//   freeze     read-only on the new server, proven by watching its binlog (the cutover's freeze, roles swapped)
//   fence      fence, drain, stop the reverse job (it ends `switched`)
//   verify     the reverse job's verification: old server against new
//   triggers   the old server's triggers, held while the reverse job ran, created again
//   writable   read-only lifted on the old server: the application may write there again
//   report     what was proven, step by step

import type { CutoverStepState } from './cutover.js';

export const ROLLBACK_STEPS = ['freeze', 'fence', 'verify', 'triggers', 'writable', 'report'] as const;
export type RollbackStepId = (typeof ROLLBACK_STEPS)[number];

export interface RollbackStep {
  id: RollbackStepId;
  title: string;
  description: string;
  state: CutoverStepState;
  /** The operator must confirm before it runs (it changes a server). */
  needsConfirmation: boolean;
  blockedBy: string | null;
  startedAt: number | null;
  finishedAt: number | null;
  operator: string | null;
  detail: string | null;
  fix: string | null;
  facts: Record<string, string | number | boolean | null>;
}

export interface RollbackState {
  /** The forward job. */
  job: string;
  /** Its reverse job (`<job>-reverse`), null before the switch started it. */
  reverseJob: string | null;
  steps: RollbackStep[];
  /** Every step done: the application may write to the old server. */
  rolledBack: boolean;
  /** The report's Markdown once its step ran. */
  report: string | null;
  /** Which server takes writes now (read live by checkWritable, else null). */
  writable?: RollbackWritable | null;
}

/**
 * Which server takes writes during a rollback, from both servers' read-only settings read live: `neither`
 * and `both` are what a half-done rollback leaves (a crash between the new server's freeze and the old
 * server's read-only lifted): the operator is told which, and how to complete it.
 */
export interface RollbackWritable {
  takesWrites: 'old' | 'new' | 'neither' | 'both' | 'unknown';
  /** Read-only on the old server (the forward job's source) and on the new one (its sink); null when unreadable. */
  oldReadOnly: boolean | null;
  newReadOnly: boolean | null;
  /** The reverse job's process runs (the old server follows the new one). */
  reverseRunning: boolean;
  detail: string;
}

export interface RollbackRunOptions {
  /** Steps that change a server (freeze, writable): the operator confirmed. */
  confirm?: boolean;
}
