// What each step of the cutover checklist is: its title, what it does, how to roll it back, and which
// earlier steps it waits for. Pure, so the rules are unit-tested and the report reads the same words.
import type { CutoverStep, CutoverStepId, CutoverStepState } from '../../shared/cutover.js';
import type { CutoverStepRow } from '../state/cutover-store.js';

export interface StepDefinition {
  id: CutoverStepId;
  title: string;
  description: string;
  optional: boolean;
  needsConfirmation: boolean;
  rollback: string;
}

export const STEP_DEFINITIONS: readonly StepDefinition[] = [
  {
    id: 'lag',
    title: 'Lag under the threshold',
    description: 'The stream has applied the source’s changes up to a few seconds ago.',
    optional: false,
    needsConfirmation: false,
    rollback: 'Nothing to roll back: this step only reads the stream’s lag.',
  },
  {
    id: 'read-only',
    title: 'Source read-only',
    description: 'SET GLOBAL read_only = ON on the source, so the application can no longer change it while you switch over.',
    optional: true,
    needsConfirmation: true,
    rollback: 'Undo sets read_only back to the value it had (SET GLOBAL read_only = OFF): the application can write to the source again.',
  },
  {
    id: 'fence',
    title: 'Fence applied on the sink',
    description: 'A fence row is written on the source; the step waits until the sink has applied the transaction holding it, which proves the sink has every change committed before it.',
    optional: false,
    needsConfirmation: false,
    rollback: 'Nothing to roll back: the fence is this job’s row in `_cutover`.`heartbeat` on the source (DELETE FROM `_cutover`.`heartbeat` WHERE job = … removes it).',
  },
  {
    id: 'verify',
    title: 'Final verification',
    description: 'Every table is compared, source against sink, by checksums per key range.',
    optional: false,
    needsConfirmation: false,
    rollback: 'Nothing to roll back: verification only reads. If rows differ, repair them from the job view, then run this step again.',
  },
  {
    id: 'deferred',
    title: 'Triggers, routines and events on the sink',
    description: 'The objects held back during the copy (they would have fired on copied rows) are created on the sink, without DEFINER and under the job’s renames.',
    optional: false,
    needsConfirmation: false,
    rollback: 'Undo drops the objects this step created on the sink (DROP TRIGGER / PROCEDURE / FUNCTION / EVENT); objects that were there before are left alone.',
  },
  {
    id: 'report',
    title: 'Cutover report',
    description: 'The change record: timings, rows, positions, verification results, who and when, as Markdown and HTML.',
    optional: false,
    needsConfirmation: false,
    rollback: 'To switch back: point the application at the source again and undo “Source read-only” there. Writes made to the sink after the switch are not copied back.',
  },
];

export interface StepContext {
  rows: Map<CutoverStepId, CutoverStepRow>;
  /** The job follows the binlog (snapshot+stream or stream). */
  streams: boolean;
  /** The job's process runs and has caught up (phase streaming). */
  streaming: boolean;
  /** The job's process runs at all. */
  running: boolean;
  /** The job's sink: its title, and whether it can hold triggers, routines and events (capability `deferredObjects`). */
  sink: { title: string; deferredObjects: boolean };
  /** The sink's kind, as the assistant's state reports it. */
  sinkType: string;
}

const settled = (s: CutoverStepState): boolean => s === 'done' || s === 'skipped';

/** A step's state: as recorded, or skipped by nature when it does not apply to this job. */
export function stateOf(id: CutoverStepId, c: StepContext): CutoverStepState {
  const row = c.rows.get(id);
  if (row) return row.state;
  if (!c.streams && (id === 'lag' || id === 'fence')) return 'skipped';
  if (!c.sink.deferredObjects && id === 'deferred') return 'skipped';
  return 'pending';
}

/** Why a step is skipped by nature. */
function notApplicable(id: CutoverStepId, c: StepContext): string | null {
  if (id === 'lag' || id === 'fence') return 'A snapshot job has no stream: nothing to wait for.';
  if (id === 'deferred') return noDeferredObjects(c.sink.title);
  return null;
}

/** The deferred-objects step of a sink without the `deferredObjects` capability. */
export function noDeferredObjects(title: string): string {
  return `A ${title} sink has no triggers, routines or events.`;
}

/** Why a step cannot run yet, or null. */
export function blockedBy(id: CutoverStepId, c: StepContext): string | null {
  const st = (s: CutoverStepId): CutoverStepState => stateOf(s, c);
  const needs = (s: CutoverStepId, title: string): string | null => (settled(st(s)) ? null : `Do “${title}” first.`);
  switch (id) {
    case 'lag':
      if (!c.streams) return null;
      return c.streaming ? null : 'The job is not streaming: start it and wait until it has caught up with the source.';
    case 'read-only':
      return needs('lag', 'Lag under the threshold');
    case 'fence':
      if (!c.streams) return null;
      if (!c.running) return 'The job is not running: the fence needs its stream to apply it. Start the job.';
      return needs('lag', 'Lag under the threshold') ?? (st('read-only') === 'pending' || st('read-only') === 'undone' ? 'Set the source read-only, or skip that step, first.' : null);
    case 'verify':
      return needs('fence', 'Fence applied on the sink');
    case 'deferred':
      if (!c.sink.deferredObjects) return null;
      return (
        needs('verify', 'Final verification') ??
        (c.running && st('read-only') !== 'done' ? 'The stream still applies the source’s writes, and triggers would fire on them: set the source read-only (step 2) or stop the job first.' : null)
      );
    case 'report':
      for (const d of STEP_DEFINITIONS) if (d.id !== 'report' && !d.optional && !settled(st(d.id))) return `Do “${d.title}” first.`;
      return null;
  }
}

/** The steps as the assistant shows them. */
export function buildSteps(c: StepContext): CutoverStep[] {
  return STEP_DEFINITIONS.map((d) => {
    const row = c.rows.get(d.id);
    const state = stateOf(d.id, c);
    const detail = row?.result.detail ?? (state === 'skipped' ? notApplicable(d.id, c) : null);
    return {
      id: d.id,
      title: d.title,
      description: d.description,
      state,
      optional: d.optional,
      needsConfirmation: d.needsConfirmation,
      canUndo: state === 'done' && (d.id === 'read-only' || d.id === 'deferred'),
      blockedBy: state === 'running' ? null : blockedBy(d.id, c),
      startedAt: row?.started_at ?? null,
      finishedAt: row?.finished_at ?? null,
      operator: row?.operator || null,
      detail,
      fix: row?.result.fix ?? null,
      rollback: d.rollback,
      facts: row?.result.facts ?? {},
    };
  });
}

export function definition(id: CutoverStepId): StepDefinition {
  return STEP_DEFINITIONS.find((d) => d.id === id)!;
}
