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

import type { ChecklistStep } from './cutover.js';

export const ROLLBACK_STEPS = ['freeze', 'fence', 'verify', 'triggers', 'writable', 'report'] as const;
export type RollbackStepId = (typeof ROLLBACK_STEPS)[number];

export type RollbackStep = ChecklistStep<RollbackStepId>;

/**
 * Which server takes the application's writes while the rollback runs, from its journal: the new server until
 * the freeze began, neither between the freeze and the old server's read-only lifted, the old one after.
 */
export interface RollbackWritable {
  takesWrites: 'new' | 'old' | 'neither' | 'unknown';
  /** One or two sentences: who takes writes, and what to do when it is neither. */
  detail: string;
}

export interface RollbackState {
  /** The forward job. */
  job: string;
  /** The forward job's source (the old server) and sink (the new one), as the operator knows them, without a secret. */
  oldServer: string;
  newServer: string;
  /** Its reverse job (`<job>-reverse`), null before the switch started it. */
  reverseJob: string | null;
  steps: RollbackStep[];
  /** Every step done: the application may write to the old server. */
  rolledBack: boolean;
  /** The report's Markdown once its step ran. */
  report: string | null;
  writable: RollbackWritable;
  /** Steps the journal showed as begun by a process that is gone, resumed when the rollback was opened here (with when). */
  resumed: { step: RollbackStepId; at: number }[];
  /** Which server takes writes, from both servers’ read-only settings read live (by checkWritable; null until read). */
  live?: RollbackLiveWritable | null;
}

/**
 * Which server takes writes during a rollback, from both servers' read-only settings read live: `neither`
 * and `both` are what a half-done rollback leaves (a crash between the new server's freeze and the old
 * server's read-only lifted): the operator is told which, and how to complete it.
 */
export interface RollbackLiveWritable {
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
