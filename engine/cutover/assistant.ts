// The cutover assistant: runs the checklist's steps (steps.ts) for one job, records each result in the
// state file (CutoverStore), undoes what can be undone, and writes the report (report.ts).
//
// Steps that take time run in the background of the host process and are recorded as running: the freeze
// watches the source's change stream (freeze-step.ts), the fence waits for the stream to apply it and stops
// the job, the final verification runs as a `cutover verify` process whose report the state file holds.
// Every state() call settles what finished. view() is what the page opens: it also lists the deferred
// objects from the source before their step ran.
import type { CutoverReportFile, CutoverRunOptions, CutoverState, CutoverStepId, DeferredObject, SourceSessionInfo } from '../../shared/cutover.js';
import { CutoverError, formatError } from '../../shared/errors.js';
import type { JobConfig } from '../../shared/job-config.js';
import { mysqlSourceUrl } from '../../shared/job-config.js';
import type { VerifyReport } from '../../shared/verify.js';
import { effectiveState, jobStatus } from '../pipeline/job-status.js';
import { connect, parseMysqlUrl } from '../mysql/connection.js';
import { mysqlSinkUrl } from '../../shared/job-config.js';
import { CutoverStore, type StepResult } from '../state/cutover-store.js';
import type { JobRow, StateStore } from '../state/store.js';
import { dropDeferred, listDeferred, type DeferredSpec } from './deferred-objects.js';
import { createAll } from './deferred-step.js';
import { fenceStep, freezeHolds, freezeStep, JOB_SWITCHED, killStep, readOnlyNow, thawStep, type FreezeData, type Outcome } from './freeze-step.js';
import { noCrash, type CrashHook } from './crash-point.js';
import { interruptedSteps, journalOf, ownJournal, previousReadOnly, writableSummary } from './journal.js';
import { verdictOf } from './verdict.js';
import { buildReport, describeEndpoint, type ReportInput } from './report.js';
import { reportFileName, reportStep } from './report-step.js';
import { blockedBy, buildSteps, definition, type StepContext } from './steps.js';
import { sinkKind } from '../sink/registry.js';
import { reverseCheckStep } from './reverse-preflight.js';
import { DEFAULT_LAG_THRESHOLD_S, lagStep } from './lag-step.js';
import { operatorName } from '../core/operator.js';
import { forwardTables, reverseStep, type ReverseData, type ReverseJobDeps } from './reverse-job.js';

export interface AssistantDeps {
  store: StateStore;
  /** The job's connections, resolved (profiles, environment variables, tunnels); close() when done. */
  resolve(job: JobRow): Promise<{ config: JobConfig; close(): Promise<void> }>;
  /** Starts `cutover verify` for the job; its report lands in the state file. */
  startVerification(job: string): Promise<{ id: number }>;
  verification(id: number): VerifyReport | null;
  latestVerification(jobId: number): VerifyReport | null;
  /** Stops the job's process and waits until it has exited (fence, drain, stop). */
  stopJob(job: string): Promise<void>;
  /** How long the freeze step watches the source's change stream (ms; default 3 s). */
  freezeWatchMs?: number;
  /** Where a test kills the process (crash-point.ts); only `cutover switch` sets one. */
  crash?: CrashHook;
  /** How the operator completes an unfinished switch, as the writable summary says it (default: the page's words). */
  completeWith?: string;
  /**
   * Where the report step writes the report as a Markdown file (0600), headless (`cutover switch`: beside the
   * state file); absent, the step records it and the page exports it.
   */
  reportDir?: string;
  /** What the 'reverse' step needs of the host: the job file with its secrets, adding and starting the reverse job. */
  reverse?: Omit<ReverseJobDeps, 'store' | 'progress'>;
}

const FREEZE_WATCH_MS = 3_000;
/** How long the source's listing of the deferred objects is reused before it is read again. */
const DEFERRED_PREVIEW_MS = 30_000;

export class CutoverAssistant {
  private readonly steps: CutoverStore;
  /** Steps running in this process ("job\0step"): a running row without one was interrupted. */
  private readonly inFlight = new Set<string>();
  private readonly thresholds = new Map<string, number>();
  /** The deferred objects as the source lists them, before the step ran (job → listing). */
  private readonly preview = new Map<string, { at: number; objects: DeferredObject[]; error: string | null }>();
  /** The source's read-only setting as last read (job → value, null when it could not be read). */
  private readonly liveReadOnly = new Map<string, boolean | null>();

  constructor(private readonly d: AssistantDeps) {
    this.steps = new CutoverStore(d.store);
  }

  state(job: string): CutoverState {
    const row = this.job(job);
    this.settle(row);
    const c = this.context(row);
    const status = jobStatus(this.d.store, row);
    const stepped = c.rows.get('deferred')?.result.data as DeferredObject[] | undefined;
    const preview = this.preview.get(job);
    const deferred = stepped ?? preview?.objects ?? [];
    const steps = buildSteps(c);
    const freeze = c.rows.get('read-only')?.result.data as FreezeData | undefined;
    const lagData = c.rows.get('lag')?.result.data as { openTransactions?: SourceSessionInfo[] } | undefined;
    return {
      job,
      source: describeEndpoint((JSON.parse(row.config) as { source?: unknown }).source),
      sinkType: c.sinkType,
      lagThresholdSeconds: this.thresholds.get(job) ?? Number(c.rows.get('lag')?.result.facts?.thresholdSeconds ?? DEFAULT_LAG_THRESHOLD_S),
      lagSeconds: effectiveState(row) === 'running' ? (status.stream?.lagSeconds ?? null) : null,
      steps,
      deferred,
      deferredSource: stepped ? 'step' : !c.sink.deferredObjects || (preview && !preview.error) ? 'source' : 'unknown',
      deferredError: stepped ? null : (preview?.error ?? null),
      openTransactions: freeze?.openTransactions ?? lagData?.openTransactions ?? [],
      bypass: c.rows.get('read-only')?.state === 'failed' ? (freeze?.bypass ?? null) : null,
      switched: c.switched,
      complete: steps.every((s) => s.optional || s.state === 'done' || s.state === 'skipped'),
      writable: writableSummary({
        rows: c.rows,
        liveReadOnly: this.liveReadOnly.get(job) ?? null,
        streamRunning: c.running,
        switched: c.switched,
        streams: c.streams,
        interrupted: interruptedSteps(c.rows, (s) => this.inFlight.has(`${job}\u0000${s}`)),
        completeWith: this.d.completeWith ?? 'open the cutover page: it resumes the interrupted step',
      }),
    };
  }

  /** Reads the source's read-only setting now, for the writable summary (state() uses the last reading). */
  async checkWritable(job: string): Promise<void> {
    const row = this.job(job);
    try {
      const { config, close } = await this.d.resolve(row);
      try {
        this.liveReadOnly.set(job, await readOnlyNow(config));
      } finally {
        await close();
      }
    } catch {
      this.liveReadOnly.set(job, null);
    }
  }

  /**
   * Resumes the steps the journal shows as begun by a process that is gone (a crash mid-switch): each is run
   * again from what its journal recorded, and every step is idempotent, so the switch completes (or the
   * rerun fails with its fix) instead of staying half-way. Returns the steps resumed; they run on in the
   * background like run()'s.
   */
  async resume(job: string): Promise<CutoverStepId[]> {
    const row = this.job(job);
    this.settle(row);
    const c = this.context(row);
    const steps = interruptedSteps(c.rows, (s) => this.inFlight.has(`${job}\u0000${s}`));
    for (const step of steps) {
      this.d.store.log('warn', job, null, `cutover: ${definition(step).title} was interrupted (its process is gone): resuming it`);
      this.launch(row, step, c, c.rows.get(step)?.operator || operatorName());
    }
    return steps;
  }

  /** The state as the page opens it: the deferred objects are listed from the source before their step ran (what the preflight finds). */
  async view(job: string): Promise<CutoverState> {
    const row = this.job(job);
    await this.resume(job);
    await this.checkWritable(job);
    const c = this.context(row);
    const cached = this.preview.get(job);
    if (c.sink.deferredObjects && !c.rows.get('deferred')?.result.data && (!cached || Date.now() - cached.at > DEFERRED_PREVIEW_MS)) {
      try {
        const specs = await this.listSpecs(row);
        this.preview.set(job, { at: Date.now(), objects: specs.map(({ sql: _s, sqlMode: _m, charsetClient: _c, collationConnection: _k, ...o }) => o), error: null });
      } catch (e) {
        this.preview.set(job, { at: Date.now(), objects: cached?.objects ?? [], error: errorMessage(e) });
      }
    }
    return this.state(job);
  }

  /** Ends sessions the failed freeze step named (the operator confirmed them by name); then run the step again to re-check. */
  async kill(job: string, ids: number[]): Promise<CutoverState> {
    const row = this.job(job);
    const r = this.steps.steps(row.id).get('read-only');
    const named = new Set(((r?.state === 'failed' ? (r.result.data as FreezeData | undefined)?.bypass?.sessions : undefined) ?? []).map((s) => s.id));
    const unknown = ids.filter((id) => !named.has(id));
    if (!ids.length || unknown.length)
      throw new CutoverError(`Session${unknown.length === 1 ? '' : 's'} ${unknown.join(', ') || '(none)'} ${unknown.length === 1 ? 'is' : 'are'} not among those the freeze step named.`, 'Run “Source read-only, proven” again to list the sessions that write through read-only.', 'STATE');
    const { config, close } = await this.d.resolve(row);
    try {
      const done = await killStep(config, ids);
      this.d.store.log('warn', job, null, `cutover: sessions ${ids.join(', ')} on the source killed by ${operatorName()} (${done.gone.length} had ended already)`);
    } finally {
      await close();
    }
    return this.state(job);
  }

  async run(job: string, step: CutoverStepId, opts: CutoverRunOptions = {}): Promise<CutoverState> {
    const row = this.job(job);
    this.settle(row);
    const c = this.context(row);
    if (c.rows.get(step)?.state === 'running') throw new CutoverError(`“${definition(step).title}” is running.`, 'Wait for it to finish.', 'STATE');
    const blocked = blockedBy(step, c);
    if (blocked) throw new CutoverError(blocked, null as unknown as undefined, 'STATE');
    const op = operatorName();
    if (opts.skip) {
      if (!definition(step).optional) throw new CutoverError(`“${definition(step).title}” cannot be skipped.`, undefined, 'STATE');
      this.steps.finish(row.id, step, 'skipped', { detail: 'Skipped by the operator.' }, op);
      this.d.store.log('info', job, null, `cutover: ${definition(step).title} skipped by ${op}`);
      return this.state(job);
    }
    if (definition(step).needsConfirmation && !opts.confirm) throw new CutoverError(`“${definition(step).title}” changes the source: confirm it first.`, undefined, 'CONFIRM');
    if (opts.lagThresholdSeconds !== undefined) this.thresholds.set(job, opts.lagThresholdSeconds);
    const done = this.launch(row, step, c, op);
    // Long steps go on in the background; quick ones are answered with their result.
    if (step !== 'fence' && step !== 'verify' && step !== 'read-only') await done;
    return this.state(job);
  }

  /** Journals the step as begun by this process, then does it; the promise settles once its result is recorded. */
  private launch(row: JobRow, step: CutoverStepId, c: StepContext, op: string): Promise<void> {
    const job = row.name;
    this.steps.begin(row.id, step, op, { detail: null, journal: ownJournal() });
    const key = `${job}\u0000${step}`;
    this.inFlight.add(key);
    const work = Promise.resolve()
      .then(() => (this.d.crash ?? noCrash)(`${step}:before`))
      .then(() => this.perform(row, step, c, op))
      .then(
      (r) => r && this.steps.finish(row.id, step, r.state, r.result),
      (e: unknown) => this.steps.finish(row.id, step, 'failed', { detail: errorMessage(e), fix: e instanceof CutoverError ? (e.fix ?? null) : null }),
    );
    return work.then(() => undefined).finally(() => {
      this.inFlight.delete(key);
      const after = this.steps.steps(row.id).get(step);
      if (after && after.state !== 'running')
        this.d.store.log(after.state === 'failed' ? 'error' : 'info', job, null, `cutover: ${definition(step).title}: ${after.state}${after.result.detail ? ` — ${after.result.detail}` : ''}`);
    });
  }

  async undo(job: string, step: CutoverStepId): Promise<CutoverState> {
    const row = this.job(job);
    const prev = this.steps.steps(row.id).get(step);
    if (!prev || prev.state !== 'done' || (step !== 'read-only' && step !== 'deferred'))
      throw new CutoverError(`“${definition(step).title}” has nothing to undo.`, undefined, 'STATE');
    const op = operatorName();
    const { config, close } = await this.d.resolve(row);
    try {
      if (step === 'read-only') {
        const data = prev.result.data as FreezeData | undefined;
        const previous = data?.previous ?? { readOnly: prev.result.facts?.previous === 'ON', superReadOnly: false };
        const ran = await thawStep(config, previous);
        this.steps.finish(row.id, step, 'undone', { ...prev.result, detail: `${ran.length ? ran.join('; ') : 'read-only was already on before the cutover: left on'} (by ${op}).` }, op);
      } else {
        const objects = (prev.result.data as DeferredObject[] | undefined) ?? [];
        const conn = await connect(parseMysqlUrl(mysqlSinkUrl(config, 'Dropping triggers, routines and events')));
        const after: DeferredObject[] = [];
        try {
          for (const o of objects) after.push(o.state === 'created' ? await dropDeferred(conn, o) : o);
        } finally {
          await conn.end().catch(() => undefined);
        }
        const failed = after.filter((o) => o.state === 'created');
        this.steps.finish(row.id, step, failed.length ? 'failed' : 'undone', { detail: `${after.filter((o) => o.state === 'dropped').length} object(s) dropped from the sink${failed.length ? `; ${failed.length} could not be dropped` : ''}.`, data: after }, op);
      }
    } finally {
      await close();
    }
    this.d.store.log('info', job, null, `cutover: ${definition(step).title} undone by ${op}`);
    return this.state(job);
  }

  report(job: string, format: 'markdown' | 'html'): CutoverReportFile {
    const row = this.job(job);
    // Writing the report once every other step is done completes the checklist (so the report says so).
    const c = this.context(row);
    if (!blockedBy('report', c) && c.rows.get('report')?.state !== 'done')
      this.steps.finish(row.id, 'report', 'done', { detail: `Report written as ${format === 'html' ? 'HTML' : 'Markdown'}.`, facts: { format } }, operatorName());
    const input: ReportInput = { store: this.d.store, job: row, state: this.state(job), verification: this.d.latestVerification(row.id), generatedBy: operatorName() };
    const r = buildReport(input);
    return format === 'html' ? { fileName: reportFileName(job, 'html'), mime: 'text/html', text: r.html } : { fileName: reportFileName(job, 'markdown'), mime: 'text/markdown', text: r.markdown };
  }

  // ---- the steps

  /** Does a step; null when it goes on elsewhere (the verification process) and settle() records its end. */
  private async perform(row: JobRow, step: CutoverStepId, c: StepContext, op: string): Promise<Outcome | null> {
    const crash = this.d.crash ?? noCrash;
    switch (step) {
      case 'report':
        return this.reportStep(row, c, op);
      case 'verify': {
        const { id } = await this.d.startVerification(row.name);
        this.steps.begin(row.id, 'verify', op, { detail: `Verification ${id} is running.`, facts: { verificationId: id }, journal: ownJournal() });
        return null;
      }
      default:
        break;
    }
    const { config, close } = await this.d.resolve(row);
    try {
      if (step === 'lag') return await lagStep(this.d.store, row, config, this.thresholds.get(row.name) ?? DEFAULT_LAG_THRESHOLD_S);
      if (step === 'reverse-check') return await reverseCheckStep(config, { reverse: c.reverse ?? false, title: c.sink.title }, forwardTables(this.d.store, row));
      if (step === 'reverse') {
        if (!this.d.reverse) throw new CutoverError('This host cannot start a reverse job.', 'Run `cutover run JOB-reverse.json` by hand.', 'STATE');
        const progress = (r: StepResult): void => this.steps.begin(row.id, 'reverse', op, { ...r, journal: ownJournal() });
        return await reverseStep({ ...this.d.reverse, store: this.d.store, progress, crash }, row, config, (c.rows.get('reverse')?.result.data as Partial<ReverseData> | undefined) ?? null);
      }
      const freeze = (c.rows.get('read-only')?.result.data as FreezeData | undefined) ?? null;
      if (step === 'read-only')
        return await freezeStep(this.d.store, row, config, this.d.freezeWatchMs ?? FREEZE_WATCH_MS, previousReadOnly(c.rows.get('read-only')), {
          record: (previous) => this.steps.begin(row.id, 'read-only', op, { detail: 'Setting read-only on the source.', journal: ownJournal({ previous }) }),
          crash,
        });
      if (step === 'fence') {
        if (!freeze) throw new CutoverError('The freeze has not been proven.', 'Run “Source read-only, proven” first.', 'STATE');
        let fence = journalOf(c.rows.get('fence')?.result)?.fence ?? null;
        const earlier = fence;
        const progress = (r: StepResult, written?: typeof fence): void => {
          fence = written ?? fence;
          this.steps.begin(row.id, 'fence', op, { ...r, journal: ownJournal(fence ? { fence } : {}) });
        };
        return await fenceStep({ store: this.d.store, progress, stopJob: (j) => this.d.stopJob(j), crash, earlier }, row, config, freeze);
      }
      if (freeze && c.streams) {
        const proof = await freezeHolds(config, row.name, freeze);
        if (!proof.holds) {
          const w = proof.watch.after[0]!;
          return { state: 'failed', result: { detail: `Not created: the source took a write on ${w.table} at ${w.position}, after the freeze; the stream has stopped, so the sink lacks it.`, fix: 'Find and stop the writer (run “Source read-only, proven” again to name it), repair the sink from a verification, then run this step again.' } };
        }
      }
      return await createAll(config, c, c.sink.deferredObjects ? await this.listSpecs(row, config) : [], crash);
    } finally {
      await close();
    }
  }

  private reportStep(row: JobRow, c: StepContext, op: string): Outcome {
    const earlier = c.rows.get('report')?.result.facts?.file;
    return reportStep({
      store: this.d.store,
      job: row,
      state: this.state(row.name),
      verification: this.d.latestVerification(row.id),
      generatedBy: operatorName(),
      dir: this.d.reportDir ?? null,
      earlierPath: typeof earlier === 'string' && earlier ? earlier : null,
      journal: (path) => this.steps.begin(row.id, 'report', op, { detail: `Writing the report to ${path}.`, facts: { file: path }, journal: ownJournal() }),
      crash: this.d.crash ?? noCrash,
    });
  }

  private async listSpecs(row: JobRow, resolved?: JobConfig): Promise<DeferredSpec[]> {
    const r = resolved ? { config: resolved, close: async () => undefined } : await this.d.resolve(row);
    try {
      const src = await connect(parseMysqlUrl(mysqlSourceUrl(r.config, 'The cutover assistant')));
      try {
        return await listDeferred(src, r.config);
      } finally {
        await src.end().catch(() => undefined);
      }
    } finally {
      await r.close();
    }
  }

  // ---- bookkeeping

  /** Running rows whose work ended without recording it (the app restarted), and finished verifications. */
  private settle(row: JobRow): void {
    for (const [step, r] of this.steps.steps(row.id)) {
      if (r.state !== 'running') continue;
      // A journaled step belongs to the process that runs it: still running (elsewhere), or resumed by resume().
      const journal = journalOf(r.result);
      if (step === 'verify') {
        const id = Number(r.result.facts?.verificationId ?? 0);
        const v = id ? this.d.verification(id) : null;
        if (v && v.state !== 'running') {
          const s = v.summary;
          const { pass, detail, fix } = verdictOf(v);
          this.steps.finish(row.id, 'verify', pass ? 'done' : 'failed', {
            detail,
            fix,
            facts: { verificationId: id, tables: s.tables, matched: s.matched, mismatched: s.mismatched, rows: s.rowsSource },
          });
        } else if (!v && !journal && !this.inFlight.has(`${row.name}\u0000verify`) && Date.now() - r.started_at > 10_000) {
          this.steps.finish(row.id, 'verify', 'failed', { detail: 'The verification was interrupted.', fix: 'Run this step again.' });
        }
      } else if (!journal && !this.inFlight.has(`${row.name}\u0000${step}`)) {
        this.steps.finish(row.id, step, 'failed', { ...r.result, detail: 'Interrupted (Cutover was restarted while it ran).', fix: 'Run this step again.' });
      }
    }
  }

  private context(row: JobRow): StepContext {
    const cfg = JSON.parse(row.config) as { mode?: string; sink: { type: string } };
    const kind = sinkKind(cfg.sink.type);
    const running = effectiveState(row) === 'running';
    return {
      rows: this.steps.steps(row.id),
      streams: cfg.mode !== 'snapshot',
      running,
      streaming: running && row.phase === 'streaming',
      switched: row.state === JOB_SWITCHED,
      sinkType: kind.kind,
      sink: { title: kind.title, deferredObjects: kind.capabilities.deferredObjects },
      reverse: kind.capabilities.reverse,
    };
  }

  private job(name: string): JobRow {
    const row = this.d.store.job(name);
    if (!row) throw new CutoverError(`There is no job named "${name}".`, 'Open its job file first.', 'NOT_FOUND');
    return row;
  }
}

function errorMessage(e: unknown): string {
  return e instanceof CutoverError ? e.message : formatError(e);
}
