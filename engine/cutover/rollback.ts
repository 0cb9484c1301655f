// The rollback checklist (shared/rollback.ts): back to the old server after a switch, through the reverse
// job the switch started (reverse-job.ts). It reuses the cutover's proofs with the roles swapped — the
// reverse job is an ordinary job whose source is the new server — so the new server's freeze is proven by
// freezeStep on the reverse job, and fenceStep drains and stops the reverse job. Then the reverse job's
// verification (old against new), the old server's held triggers created again (before it takes writes, so
// no application write misses them), and read-only lifted on the old server.
//
// Each step is recorded (as "rollback:<step>" of the forward job) before it acts, with what it found as it
// goes, and is idempotent: a rerun after a crash reuses the recorded freeze point, finds a reverse job that
// already stopped at its fence, creates only the triggers that are missing, and lifts a read-only that may
// already be off.
import type { CutoverReportFile, CutoverStepState, DeferredObject } from '../../shared/cutover.js';
import { CutoverError, formatError } from '../../shared/errors.js';
import { mysqlSourceUrl, type JobConfig } from '../../shared/job-config.js';
import { ROLLBACK_STEPS, type RollbackRunOptions, type RollbackState, type RollbackStep, type RollbackStepId } from '../../shared/rollback.js';
import { connect, parseMysqlUrl } from '../mysql/connection.js';
import { effectiveState } from '../pipeline/job-status.js';
import { CutoverStore, type CutoverStepRow, type StepResult } from '../state/cutover-store.js';
import type { JobRow, StateStore } from '../state/store.js';
import { operatorName } from '../core/operator.js';
import { createDeferred } from './deferred-objects.js';
import { fenceStep, freezeStep, JOB_SWITCHED, thawStep, type FreezeData, type Outcome } from './freeze-step.js';
import type { ReverseData } from './reverse-job.js';
import { noCrash, type CrashHook } from './crash-point.js';
import { journalOf, ownerAlive, ownJournal, previousReadOnly } from './journal.js';
import { describeEndpoint } from './report.js';
import { rollbackReport, rollbackReportHtml, rollbackWritable } from './rollback-summary.js';
import { rollbackWritable as liveWritable } from './rollback-writable.js';
import { readOnlyNow } from './freeze-step.js';
import type { RollbackLiveWritable } from '../../shared/rollback.js';

export interface RollbackDeps {
  store: StateStore;
  /** A job's connections, resolved; close() when done. */
  resolve(job: JobRow): Promise<{ config: JobConfig; close(): Promise<void> }>;
  /** Verifies a job (source against sink) to the end: its verdict. */
  verify(job: string): Promise<{ id: number; pass: boolean; detail: string; fix: string | null }>;
  /** Stops a job's process and waits until it has exited. */
  stopJob(job: string): Promise<void>;
  /** How long the freeze of the new server is watched (ms; default 3 s). */
  freezeWatchMs?: number;
  /** Where a test kills the process (crash-point.ts, points named `rollback:…`); only `cutover rollback` sets one. */
  crash?: CrashHook;
  /** How the operator completes an unfinished rollback, as the writable summary says it. */
  completeWith?: string;
}

const DEFS: Record<RollbackStepId, { title: string; description: string; confirm: boolean }> = {
  freeze: {
    title: 'New server read-only, proven',
    description: 'Read-only on the new server, then its binlog is watched: a change to the job’s tables after that point fails the step and names the sessions that write through it.',
    confirm: true,
  },
  fence: { title: 'Reverse job: fence, drain, stop', description: 'A fence row on the new server; the reverse job applies everything up to it on the old server and stops for good.', confirm: false },
  verify: { title: 'Old server verified against the new', description: 'The reverse job’s verification: every table compared by checksums per key range.', confirm: false },
  triggers: { title: 'Old server’s triggers back', description: 'The triggers held while the reverse job applied rows are created again on the old server, before it takes writes.', confirm: false },
  writable: { title: 'Old server writable', description: 'Read-only lifted on the old server (as it was before the cutover): the application may write there again.', confirm: true },
  report: { title: 'Rollback report', description: 'What each step proved, who ran it and when.', confirm: false },
};

export class Rollback {
  private readonly steps: CutoverStore<RollbackStepId>;
  private readonly cutover: CutoverStore;
  private readonly inFlight = new Set<string>();
  /** Steps resumed after a crash (job → step → when), until the operator runs them again. */
  private readonly resumed = new Map<string, Map<RollbackStepId, number>>();
  /** Which server takes writes as last read live (job → summary). */
  private readonly writable = new Map<string, RollbackLiveWritable>();

  constructor(private readonly d: RollbackDeps) {
    this.steps = new CutoverStore<RollbackStepId>(d.store, 'rollback:');
    this.cutover = new CutoverStore(d.store);
  }

  state(job: string): RollbackState {
    const row = this.job(job);
    this.settle(row);
    const rows = this.steps.steps(row.id);
    const reverse = this.reverseData(row);
    const steps: RollbackStep[] = ROLLBACK_STEPS.map((id) => {
      const r = rows.get(id);
      const state: CutoverStepState = r?.state ?? 'pending';
      return {
        id,
        title: DEFS[id].title,
        description: DEFS[id].description,
        state,
        needsConfirmation: DEFS[id].confirm,
        blockedBy: state === 'running' ? null : this.blockedBy(row, id),
        startedAt: r?.started_at ?? null,
        finishedAt: r?.finished_at ?? null,
        operator: r?.operator || null,
        detail: r?.result.detail ?? null,
        fix: r?.result.fix ?? null,
        facts: r?.result.facts ?? {},
      };
    });
    const cfg = JSON.parse(row.config) as { source?: unknown; sink?: unknown };
    const oldServer = describeEndpoint(cfg.source);
    const newServer = describeEndpoint(cfg.sink);
    const rev = reverse?.started ? this.d.store.job(reverse.job) : undefined;
    return {
      job,
      oldServer,
      newServer,
      reverseJob: reverse?.job ?? null,
      steps,
      rolledBack: steps.every((s) => s.state === 'done'),
      report: rows.get('report')?.state === 'done' ? String(rows.get('report')!.result.data ?? '') : null,
      writable: rollbackWritable({
        states: Object.fromEntries(steps.map((s) => [s.id, s.state])),
        hasReverse: !!reverse?.started,
        reverseRunning: !!rev && effectiveState(rev) === 'running',
        oldServer,
        newServer,
      }),
      resumed: [...(this.resumed.get(job) ?? new Map<RollbackStepId, number>())].map(([step, at]) => ({ step, at })),
      live: this.writable.get(job) ?? null,
    };
  }

  /**
   * The state as the page opens it: steps the journal shows as begun by a process that is gone (a crash mid-
   * rollback) are run again from what they recorded — each step is idempotent — in the background, like a
   * run; the state lists them as resumed. A step that cannot run now (its reverse job stopped) is settled as
   * interrupted, with its fix.
   */
  view(job: string): RollbackState {
    const row = this.job(job);
    for (const [step, r] of this.steps.steps(row.id)) {
      if (r.state !== 'running' || this.inFlight.has(`${job}\u0000${step}`) || this.ownedElsewhere(r.result)) continue;
      if (this.blockedBy(row, step)) continue;
      this.d.store.log('warn', job, null, `rollback: ${DEFS[step].title} was interrupted (its process is gone): resuming it`);
      const at = new Map(this.resumed.get(job) ?? []);
      this.resumed.set(job, at.set(step, Date.now()));
      void this.execute(row, step, r.result, r.operator || operatorName());
    }
    return this.state(job);
  }

  /** The report as a file, once its step ran. */
  report(job: string, format: 'markdown' | 'html'): CutoverReportFile {
    const s = this.state(job);
    if (s.report === null) throw new CutoverError('The rollback report has not been written yet.', 'Run the rollback’s steps to “Rollback report”.', 'STATE');
    const safe = job.replace(/[^\w.-]+/g, '_');
    return format === 'html'
      ? { fileName: `rollback-report-${safe}.html`, mime: 'text/html', text: rollbackReportHtml(s.report) }
      : { fileName: `rollback-report-${safe}.md`, mime: 'text/markdown', text: s.report };
  }


  /** Reads both servers' read-only settings now, for the writable summary (state() uses the last reading). */
  async checkWritable(job: string): Promise<RollbackState> {
    const row = this.job(job);
    const reverse = this.reverseData(row);
    const rev = reverse ? this.d.store.job(reverse.job) : undefined;
    const live = async (r: JobRow | undefined): Promise<boolean | null> => {
      if (!r) return null;
      try {
        return await this.withValue(r, (cfg) => readOnlyNow(cfg));
      } catch {
        return null;
      }
    };
    const [oldReadOnly, newReadOnly] = [await live(row), await live(rev)];
    const rolledBack = [...this.steps.steps(row.id).values()].filter((r) => r.state === 'done').length === ROLLBACK_STEPS.length;
    this.writable.set(job, liveWritable({ oldReadOnly, newReadOnly, reverseRunning: !!rev && effectiveState(rev) === 'running', rolledBack, completeWith: this.d.completeWith ?? 'run the rollback’s remaining steps' }));
    return this.state(job);
  }

  /** Runs a step to its end (`cutover rollback`): the state once its result is recorded. */
  async run(job: string, step: RollbackStepId, opts: RollbackRunOptions = {}): Promise<RollbackState> {
    const { row, earlier } = this.admit(job, step, opts);
    await this.execute(row, step, earlier?.result, operatorName());
    return this.state(job);
  }

  /**
   * Starts a step (the API's rollbackRun) and answers as soon as it is recorded as running: a long step (the
   * verification) goes on in the background and the page follows it through rollbackState.
   */
  start(job: string, step: RollbackStepId, opts: RollbackRunOptions = {}): RollbackState {
    const { row, earlier } = this.admit(job, step, opts);
    // execute() records the step as running before its first await, so the answer shows it running.
    void this.execute(row, step, earlier?.result, operatorName()).catch((e: unknown) => this.d.store.log('error', job, null, `rollback: ${DEFS[step].title}: ${formatError(e)}`));
    return this.state(job);
  }

  /** Whether the step may run now (else a CutoverError saying why); the step's earlier row. */
  private admit(job: string, step: RollbackStepId, opts: RollbackRunOptions): { row: JobRow; earlier: CutoverStepRow<RollbackStepId> | null } {
    const row = this.job(job);
    this.settle(row);
    const earlier = this.steps.steps(row.id).get(step) ?? null;
    if (earlier?.state === 'running') throw new CutoverError(`“${DEFS[step].title}” is running.`, 'Wait for it to finish.', 'STATE');
    const blocked = this.blockedBy(row, step);
    if (blocked) throw new CutoverError(blocked, 'Do the earlier steps first (cutover rollback runs them in order).', 'STATE');
    if (DEFS[step].confirm && !opts.confirm) throw new CutoverError(`“${DEFS[step].title}” changes a server: confirm it first.`, 'Confirm it (or pass --yes).', 'CONFIRM');
    this.resumed.get(job)?.delete(step);
    return { row, earlier };
  }

  /** Records the step as begun (with this process's journal), does it, records how it ended. */
  private async execute(row: JobRow, step: RollbackStepId, earlier: StepResult | undefined, op: string): Promise<void> {
    const key = `${row.name}\u0000${step}`;
    this.inFlight.add(key);
    try {
      // What the earlier run journaled (read-only before the freeze, a fence written) stays for this one.
      const { pid: _p, host: _h, ...recorded } = journalOf(earlier) ?? { pid: 0, host: '' };
      this.steps.begin(row.id, step, op, { detail: null, journal: ownJournal(recorded), ...(earlier?.data !== undefined ? { data: earlier.data } : {}) });
      this.crash(`${step}:before`);
      const r = await this.perform(row, step, earlier?.data);
      if (r.state === 'done' && step === 'writable') this.crash('writable:after');
      this.steps.finish(row.id, step, r.state, r.result);
    } catch (e) {
      this.steps.finish(row.id, step, 'failed', { detail: e instanceof CutoverError ? e.message : formatError(e), fix: e instanceof CutoverError ? (e.fix ?? null) : null });
    } finally {
      this.inFlight.delete(key);
    }
    const after = this.steps.steps(row.id).get(step)!;
    this.d.store.log(after.state === 'failed' ? 'error' : 'info', row.name, null, `rollback: ${DEFS[step].title}: ${after.state}${after.result.detail ? ` — ${after.result.detail}` : ''}`);
  }

  /** A running step whose journal names a live process other than this one (the CLI, another app). */
  private ownedElsewhere(result: StepResult): boolean {
    const j = journalOf(result);
    return !!j && j.pid !== process.pid && ownerAlive(j);
  }

  private blockedBy(row: JobRow, id: RollbackStepId): string | null {
    const reverse = this.reverseData(row);
    if (!reverse?.started) return `The switch of "${row.name}" started no reverse job: there is no way back to roll through.`;
    const rows = this.steps.steps(row.id);
    const i = ROLLBACK_STEPS.indexOf(id);
    for (const prev of ROLLBACK_STEPS.slice(0, i)) if (rows.get(prev)?.state !== 'done') return `Do “${DEFS[prev].title}” first.`;
    if (id === 'freeze' || id === 'fence') {
      const rev = this.d.store.job(reverse.job);
      if (!rev) return `The reverse job ${reverse.job} is not in this state file.`;
      if (id === 'fence' && rev.state === JOB_SWITCHED) return null;
      // An interrupted run wrote a fence and may have stopped the reverse job after it drained: the step finds out.
      if (id === 'fence' && journalOf(rows.get('fence')?.result)?.fence) return null;
      if (effectiveState(rev) !== 'running') return `The reverse job ${reverse.job} is not running: start it (\`cutover run ${reverse.job}.json\`) so that it applies the new server's writes, then roll back.`;
    }
    return null;
  }

  private async perform(row: JobRow, step: RollbackStepId, earlier: unknown): Promise<Outcome> {
    const reverse = this.reverseData(row)!;
    const rev = this.d.store.job(reverse.job)!;
    const rows = this.steps.steps(row.id);
    const freeze = (rows.get('freeze')?.result.data as FreezeData | undefined) ?? null;
    switch (step) {
      case 'freeze':
        return this.withConfig(rev, (cfg) =>
          freezeStep(this.d.store, rev, cfg, this.d.freezeWatchMs ?? 3_000, previousReadOnly(rows.get('freeze')) ?? (earlier as FreezeData | undefined)?.previous ?? null, {
            record: (previous) => this.steps.begin(row.id, 'freeze', operatorName(), { detail: 'Setting read-only on the new server.', journal: ownJournal({ previous }) }),
            crash: (p) => this.crash(p),
          }),
        );
      case 'fence':
        if (rev.state === JOB_SWITCHED) return { state: 'done', result: { detail: `The reverse job ${rev.name} had already drained to its fence and stopped for good.`, facts: { reverseJob: rev.name } } };
        if (!freeze) throw new CutoverError('The new server’s freeze has not been proven.', 'Run the freeze step first.', 'STATE');
        return this.withConfig(rev, (cfg) => {
          let fence = journalOf(rows.get('fence')?.result)?.fence ?? null;
          const earlierFence = fence;
          const progress = (r: StepResult, written?: typeof fence): void => {
            fence = written ?? fence;
            this.steps.begin(row.id, 'fence', operatorName(), { ...r, journal: ownJournal(fence ? { fence } : {}) });
          };
          return fenceStep({ store: this.d.store, progress, stopJob: (j) => this.d.stopJob(j), crash: (p) => this.crash(p), earlier: earlierFence }, rev, cfg, freeze);
        });
      case 'verify': {
        const v = await this.d.verify(rev.name);
        return { state: v.pass ? 'done' : 'failed', result: { detail: v.detail, fix: v.fix, facts: { verificationId: v.id, reverseJob: rev.name } } };
      }
      case 'triggers':
        return this.withConfig(row, (cfg) => recreateTriggers(cfg, reverse.held ?? [], (p) => this.crash(p)));
      case 'writable':
        return this.withConfig(row, async (cfg) => {
          const fwd = this.cutover.steps(row.id).get('read-only')?.result.data as FreezeData | undefined;
          const previous = fwd?.previous ?? { readOnly: false, superReadOnly: false };
          const ran = await thawStep(cfg, previous);
          return { state: 'done', result: { detail: `${ran.length ? ran.join('; ') : 'Read-only was on before the cutover: left on'} on the old server. The application may write to the old server again; the new server stays read-only.`, facts: { statements: ran.join('; ') || null } } };
        });
      case 'report': {
        const text = rollbackReport(row.name, reverse, this.state(row.name).steps);
        return { state: 'done', result: { detail: 'Report written.', facts: { lines: text.split('\n').length }, data: text } };
      }
    }
  }

  /** The test hook, with the rollback's points named `rollback:<point>`. */
  private crash(point: string): void {
    (this.d.crash ?? noCrash)(`rollback:${point}`);
  }

  private withConfig(row: JobRow, f: (cfg: JobConfig) => Promise<Outcome>): Promise<Outcome> {
    return this.withValue(row, f);
  }

  private async withValue<T>(row: JobRow, f: (cfg: JobConfig) => Promise<T>): Promise<T> {
    const { config, close } = await this.d.resolve(row);
    try {
      return await f(config);
    } finally {
      await close();
    }
  }

  /** A step recorded as running that no run of this process owns was interrupted. */
  private settle(row: JobRow): void {
    for (const [step, r] of this.steps.steps(row.id))
      if (r.state === 'running' && !this.inFlight.has(`${row.name}\u0000${step}`) && !this.ownedElsewhere(r.result))
        this.steps.finish(row.id, step, 'failed', { ...r.result, detail: `Interrupted${r.result.detail ? ` (${r.result.detail})` : ''}.`, fix: 'Run this step again: it continues from what it recorded.' });
  }

  private reverseData(row: JobRow): ReverseData | null {
    const r = this.cutover.steps(row.id).get('reverse');
    return r?.state === 'done' ? (r.result.data as ReverseData) : null;
  }

  private job(name: string): JobRow {
    const row = this.d.store.job(name);
    if (!row) throw new CutoverError(`There is no job named "${name}".`, 'Open its job file first.', 'NOT_FOUND');
    return row;
  }
}

async function recreateTriggers(config: JobConfig, held: ReverseData['held'] & object, crash: CrashHook): Promise<Outcome> {
  const old = await connect(parseMysqlUrl(mysqlSourceUrl(config, 'The way back')));
  const objects: DeferredObject[] = [];
  try {
    for (const o of held) {
      objects.push(await createDeferred(old, { ...o, state: 'pending' }));
      if (objects[objects.length - 1]!.state === 'created') crash('triggers:during');
    }
  } finally {
    await old.end().catch(() => undefined);
  }
  const failed = objects.filter((o) => o.state === 'failed');
  const result: StepResult = {
    detail: held.length
      ? `${objects.filter((o) => o.state === 'created').length} trigger(s) created again on the old server, ${objects.filter((o) => o.state === 'exists').length} already there${failed.length ? `; ${failed.length} failed: ${failed.map((o) => `${o.name}: ${o.error}`).join('; ')}` : ''}.`
      : 'The old server had no triggers on the job’s tables.',
    fix: failed.length ? 'Create the failed triggers by hand (their statements are in the cutover’s “Reverse job started” step), then run this step again.' : null,
    facts: { triggers: held.length, failed: failed.length },
    data: objects,
  };
  return { state: failed.length ? 'failed' : 'done', result };
}
