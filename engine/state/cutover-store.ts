// The cutover assistant's checklist in the state file (table cutover_steps): per job and step, the latest
// state, who ran it, when, and what it found or did (JSON), so the report can be written at any time and
// a restarted app shows where the cutover stands.
import type { CutoverStepId, CutoverStepState } from '../../shared/cutover.js';
import type { StateStore } from './store.js';

export interface CutoverStepRow<S extends string = CutoverStepId> {
  step: S;
  state: CutoverStepState;
  started_at: number;
  finished_at: number | null;
  operator: string;
  /** What the step found or did. */
  result: StepResult;
}

export interface StepResult {
  detail: string | null;
  fix?: string | null;
  facts?: Record<string, string | number | boolean | null>;
  /** Step-specific data (the deferred objects, the report text…). */
  data?: unknown;
  /** While the step runs: who runs it and what a rerun needs (engine/cutover/journal.ts). */
  journal?: StepJournal;
}

/** What a running step records before it acts (engine/cutover/journal.ts reads it). */
export interface StepJournal {
  /** The process that runs the step, and its machine. */
  pid: number;
  host: string;
  /** Read-only step: the source's read_only / super_read_only values before Cutover set them (recorded before the SET). */
  previous?: { readOnly: boolean; superReadOnly: boolean };
  /** Fence step: the fence as soon as it was written (formatted position, GTID, and the raw position). */
  fence?: { position: string; gtid: string | null; at: unknown };
}

/**
 * One checklist's steps. The cutover's are stored under their own names; another checklist kept in the same
 * table (the rollback: `prefix` "rollback:") under prefixed names, which the cutover's listing leaves out.
 */
export class CutoverStore<S extends string = CutoverStepId> {
  constructor(
    private readonly store: StateStore,
    private readonly prefix = '',
  ) {}

  steps(jobId: number): Map<S, CutoverStepRow<S>> {
    const rows = (this.store.db.prepare('SELECT step, state, started_at, finished_at, operator, result FROM cutover_steps WHERE job_id = ?').all(jobId) as (Omit<CutoverStepRow<S>, 'result'> & { result: string })[]).filter(
      (r) => (this.prefix ? r.step.startsWith(this.prefix) : !r.step.includes(':')),
    );
    return new Map(rows.map((r) => [r.step.slice(this.prefix.length) as S, { ...r, step: r.step.slice(this.prefix.length) as S, result: JSON.parse(r.result) as StepResult }]));
  }

  /** Records a step as started (replacing its earlier result). */
  begin(jobId: number, id: S, operator: string, result: StepResult = { detail: null }): void {
    const step = this.prefix + id;
    this.store.db
      .prepare(
        `INSERT INTO cutover_steps (job_id, step, state, started_at, finished_at, operator, result) VALUES (?, ?, 'running', ?, NULL, ?, ?)
         ON CONFLICT(job_id, step) DO UPDATE SET state = 'running', started_at = excluded.started_at, finished_at = NULL, operator = excluded.operator, result = excluded.result`,
      )
      .run(jobId, step, Date.now(), operator, JSON.stringify(result));
  }

  /** Records how a step ended. */
  finish(jobId: number, id: S, state: Exclude<CutoverStepState, 'pending' | 'running'>, result: StepResult, operator?: string): void {
    const step = this.prefix + id;
    const t = Date.now();
    this.store.db
      .prepare(
        `INSERT INTO cutover_steps (job_id, step, state, started_at, finished_at, operator, result) VALUES (@job, @step, @state, @t, @t, @op, @result)
         ON CONFLICT(job_id, step) DO UPDATE SET state = @state, finished_at = @t, result = @result${operator ? ', operator = @op' : ''}`,
      )
      .run({ job: jobId, step, state, t, op: operator ?? '', result: JSON.stringify(result) });
  }

  reset(jobId: number): void {
    for (const step of this.steps(jobId).keys()) this.store.db.prepare('DELETE FROM cutover_steps WHERE job_id = ? AND step = ?').run(jobId, this.prefix + step);
  }
}
