// The cutover's journal: each step's row in the state file (CutoverStore) says, before the step acts, which
// process runs it and what a rerun needs (the read-only values before the freeze, the fence position as
// soon as it is written), and after, what it did. A row still `running` whose process is gone was
// interrupted (a SIGKILL, a power cut): the assistant resumes it, and every step is idempotent on rerun, so
// the switch completes or is undone, never left half-way. Pure functions over the rows, unit-tested.
import { hostname } from 'node:os';
import type { CutoverStepId, FreezeReport, WritableSummary } from '../../shared/cutover.js';
import type { CutoverStepRow, StepJournal, StepResult } from '../state/cutover-store.js';

export type { StepJournal };

export function journalOf(result: StepResult | undefined): StepJournal | null {
  const j = result?.journal;
  return j && typeof j.pid === 'number' ? j : null;
}

/** A journal entry for this process, with what the step records before it acts. */
export function ownJournal(extra: Omit<StepJournal, 'pid' | 'host'> = {}): StepJournal {
  return { pid: process.pid, host: hostname(), ...extra };
}

/** Whether the process a journal names still runs (on another machine: assumed so, it cannot be checked). */
export function ownerAlive(j: StepJournal, alive: (pid: number) => boolean = pidAlive): boolean {
  if (j.host !== hostname()) return true;
  return alive(j.pid);
}

export function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The steps to resume: rows left `running` by a process that is gone. `inFlight`: steps this process runs
 * now. A row without a journal (written before the journal existed) is not resumed: settle() reports it
 * as interrupted.
 */
export function interruptedSteps(rows: Map<CutoverStepId, CutoverStepRow>, inFlight: (step: CutoverStepId) => boolean, alive: (pid: number) => boolean = pidAlive): CutoverStepId[] {
  const out: CutoverStepId[] = [];
  for (const [step, r] of rows) {
    if (r.state !== 'running' || inFlight(step)) continue;
    const j = journalOf(r.result);
    if (j && !ownerAlive(j, alive)) out.push(step);
  }
  return out;
}

/** The read_only values the source had before the cutover, from the journal (a rerun keeps them, even when read-only is on by then). */
export function previousReadOnly(row: Pick<CutoverStepRow, 'result'> | undefined): FreezeReport['previous'] | null {
  if (!row) return null;
  const data = row.result.data as { previous?: FreezeReport['previous'] } | undefined;
  return data?.previous ?? journalOf(row.result)?.previous ?? null;
}

export interface WritableInput {
  rows: Map<CutoverStepId, CutoverStepRow>;
  /** The source's read-only setting read now, or null when it could not be read. */
  liveReadOnly: boolean | null;
  streamRunning: boolean;
  switched: boolean;
  /** The job streams at all (a snapshot job has no stream to stop). */
  streams: boolean;
  interrupted: CutoverStepId[];
  /** How the operator completes the switch ("cutover switch job.json", or the page's words). */
  completeWith: string;
}

/** Which server takes writes now, from the journal and the live check. */
export function writableSummary(i: WritableInput): WritableSummary {
  const ro = i.rows.get('read-only');
  // What the journal says: read-only was set once the step began acting (its intent is recorded before the SET), unless it was undone.
  const journalRo = !ro ? false : ro.state === 'undone' ? (previousReadOnly(ro)?.readOnly ?? false) : ro.state === 'skipped' ? null : true;
  const sourceReadOnly = i.liveReadOnly ?? journalRo;
  const from: WritableSummary['sourceReadOnlyFrom'] = i.liveReadOnly !== null ? 'live' : journalRo !== null ? 'journal' : 'unknown';
  const base = { sourceReadOnly, sourceReadOnlyFrom: from, streamRunning: i.streamRunning, switched: i.switched, interrupted: i.interrupted };
  const resumeNote = i.interrupted.length ? ` The journal shows ${i.interrupted.map((s) => `“${s}”`).join(', ')} interrupted: it is resumed (${i.completeWith}).` : '';
  if (sourceReadOnly === null) return { ...base, takesWrites: 'unknown', detail: `The source’s read-only setting is unknown (it could not be read).${resumeNote}` };
  if (i.switched && sourceReadOnly)
    return { ...base, takesWrites: 'sink', detail: 'The sink takes the writes: the stream stopped for good at the fence, and the source is read-only.' };
  if (i.switched)
    return {
      ...base,
      takesWrites: 'both',
      detail: 'Both servers accept writes: the job is switched (the sink no longer follows the source), but the source is writable again. Point the application at one of them; to keep the source closed: SET GLOBAL read_only = ON on it.',
    };
  if (!sourceReadOnly)
    return {
      ...base,
      takesWrites: 'source',
      detail: i.streams && !i.streamRunning ? 'The source takes the writes; the job’s stream is not running, so the sink falls behind until it is started.' : 'The source takes the writes; the sink follows it.',
    };
  if (i.streams && i.streamRunning)
    return {
      ...base,
      takesWrites: 'neither',
      detail: `Neither server takes the application’s writes: the source is read-only and the sink still applies the stream up to the fence. Complete the switch (${i.completeWith}), or undo “Source read-only” to go back.${resumeNote}`,
    };
  return {
    ...base,
    takesWrites: 'neither',
    detail: `Neither server takes the application’s writes: the source is read-only${i.streams ? ' and the sink’s stream has stopped' : ''}, but the switch is not complete. Complete it (${i.completeWith}), or undo “Source read-only” (SET GLOBAL read_only = OFF on the source) to go back.${resumeNote}`,
  };
}
