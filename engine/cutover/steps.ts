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
    title: 'Source read-only, proven',
    description:
      'Read-only on the source (MySQL: SET GLOBAL super_read_only = ON; MariaDB: SET GLOBAL read_only = ON), then its change stream is watched: a change to the job’s tables after that point fails the step and names the sessions that write through it (accounts with READ_ONLY ADMIN, or SUPER before MariaDB 10.11).',
    optional: false,
    needsConfirmation: true,
    rollback: 'Undo sets read-only back to the value it had (SET GLOBAL read_only = OFF): the application can write to the source again.',
  },
  {
    id: 'fence',
    title: 'Fence, drain, stop',
    description:
      'Once the freeze is proven, a fence row is written on the source; the sink applies everything up to it, the change stream is read again to prove no write came after the freeze, and the job’s stream stops for good (the job is switched).',
    optional: false,
    needsConfirmation: false,
    rollback: 'The stream does not start again by itself: `cutover run JOB.json --force` (in a terminal, with the state file the app shows) streams again from the sink’s position. The fence is this job’s row in `_cutover`.`heartbeat` on the source.',
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
    description: 'The objects held back during the copy are created on the sink once its stream has stopped (a trigger would fire on the rows the stream applies), without DEFINER and under the job’s renames.',
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
  /** The job's stream stopped for good at the fence (job state `switched`). */
  switched: boolean;
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
      if (c.switched) return 'The job is switched: its stream stopped for good at the fence.';
      if (!c.running) return 'The job is not running: the fence needs its stream to apply it. Start the job.';
      return needs('lag', 'Lag under the threshold') ?? (st('read-only') === 'done' ? null : 'The freeze is not proven: run “Source read-only, proven” first (the fence is written only after it).');
    case 'verify':
      return needs('fence', 'Fence applied on the sink');
    case 'deferred':
      if (!c.sink.deferredObjects) return null;
      return (
        needs('verify', 'Final verification') ??
        (c.streams && !c.switched ? 'The job’s stream has not stopped at the fence, and triggers would fire on the rows it applies: do “Fence, drain, stop” first.' : null)
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
