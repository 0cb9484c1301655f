// The cutover assistant: runs the checklist's steps (steps.ts) for one job, records each result in the
// state file (CutoverStore), undoes what can be undone, and writes the report (report.ts).
//
// Steps that take time run in the background of the host process and are recorded as running: the
// fence waits for the stream to apply it (up to FENCE_TIMEOUT_MS), the final verification runs as a
// `cutover verify` process whose report the state file holds. Every state() call settles what finished.
import { hostname, userInfo } from 'node:os';
import type { CutoverReportFile, CutoverRunOptions, CutoverState, CutoverStepId, DeferredObject } from '../../shared/cutover.js';
import { CutoverError, formatError } from '../../shared/errors.js';
import type { JobConfig } from '../../shared/job-config.js';
import type { VerifyReport } from '../../shared/verify.js';
import { effectiveState, jobStatus } from '../pipeline/job-status.js';
import { connect, parseMysqlUrl, queryRows } from '../mysql/connection.js';
import { loadSource, sourceOf } from '../source/registry.js';
import { mysqlSinkUrl } from '../../shared/job-config.js';
import { CutoverStore, type StepResult } from '../state/cutover-store.js';
import type { JobRow, StateStore } from '../state/store.js';
import { createDeferred, dropDeferred, listDeferred } from './deferred-objects.js';
import { fenceReached, type FenceMark } from './fence.js';
import { buildReport, describeEndpoint, type ReportInput } from './report.js';
import { blockedBy, buildSteps, definition, noDeferredObjects, type StepContext } from './steps.js';
import { sinkKind } from '../sink/registry.js';

export interface AssistantDeps {
  store: StateStore;
  /** The job's connections, resolved (profiles, environment variables, tunnels); close() when done. */
  resolve(job: JobRow): Promise<{ config: JobConfig; close(): Promise<void> }>;
  /** Starts `cutover verify` for the job; its report lands in the state file. */
  startVerification(job: string): Promise<{ id: number }>;
  verification(id: number): VerifyReport | null;
  latestVerification(jobId: number): VerifyReport | null;
}

export const DEFAULT_LAG_THRESHOLD_S = 5;
const FENCE_TIMEOUT_MS = 5 * 60_000;
const FENCE_REWRITE_MS = 5_000;

export function operatorName(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    /* no passwd entry */
  }
  return `${user}@${hostname()}`;
}

export class CutoverAssistant {
  private readonly steps: CutoverStore;
  /** Steps running in this process ("job\0step"): a running row without one was interrupted. */
  private readonly inFlight = new Set<string>();
  private readonly thresholds = new Map<string, number>();

  constructor(private readonly d: AssistantDeps) {
    this.steps = new CutoverStore(d.store);
  }

  state(job: string): CutoverState {
    const row = this.job(job);
    this.settle(row);
    const c = this.context(row);
    const status = jobStatus(this.d.store, row);
    const deferred = (c.rows.get('deferred')?.result.data as DeferredObject[] | undefined) ?? [];
    const steps = buildSteps(c);
    return {
      job,
      source: describeEndpoint((JSON.parse(row.config) as { source?: unknown }).source),
      sinkType: c.sinkType,
      lagThresholdSeconds: this.thresholds.get(job) ?? Number(c.rows.get('lag')?.result.facts?.thresholdSeconds ?? DEFAULT_LAG_THRESHOLD_S),
      lagSeconds: effectiveState(row) === 'running' ? (status.stream?.lagSeconds ?? null) : null,
      steps,
      deferred,
      complete: steps.every((s) => s.optional || s.state === 'done' || s.state === 'skipped'),
    };
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
    this.steps.begin(row.id, step, op);
    const key = `${job}\u0000${step}`;
    this.inFlight.add(key);
    const work = this.perform(row, step, c).then(
      (r) => r && this.steps.finish(row.id, step, r.state, r.result),
      (e: unknown) => this.steps.finish(row.id, step, 'failed', { detail: errorMessage(e), fix: e instanceof CutoverError ? (e.fix ?? null) : null }),
    );
    const done = work.finally(() => {
      this.inFlight.delete(key);
      const after = this.steps.steps(row.id).get(step);
      if (after && after.state !== 'running')
        this.d.store.log(after.state === 'failed' ? 'error' : 'info', job, null, `cutover: ${definition(step).title}: ${after.state}${after.result.detail ? ` — ${after.result.detail}` : ''}`);
    });
    // Long steps go on in the background; quick ones are answered with their result.
    if (step !== 'fence' && step !== 'verify') await done;
    else void done;
    return this.state(job);
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
        const previous = prev.result.facts?.previous === 'ON' ? 'ON' : 'OFF';
        const conn = await connect(parseMysqlUrl(config.source.url));
        try {
          await conn.query(`SET GLOBAL read_only = ${previous}`);
        } finally {
          await conn.end().catch(() => undefined);
        }
        this.steps.finish(row.id, step, 'undone', { ...prev.result, detail: `read_only set back to ${previous} by ${op}.` }, op);
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
    const safe = job.replace(/[^\w.-]+/g, '_');
    const stamp = new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-');
    return format === 'html'
      ? { fileName: `cutover-report-${safe}-${stamp}.html`, mime: 'text/html', text: r.html }
      : { fileName: `cutover-report-${safe}-${stamp}.md`, mime: 'text/markdown', text: r.markdown };
  }

  // ---- the steps

  /** Does a step; null when it goes on elsewhere (the verification process) and settle() records its end. */
  private async perform(row: JobRow, step: CutoverStepId, c: StepContext): Promise<{ state: 'done' | 'failed'; result: StepResult } | null> {
    switch (step) {
      case 'lag':
        return this.checkLag(row);
      case 'report': {
        const r = buildReport({ store: this.d.store, job: row, state: this.state(row.name), verification: this.d.latestVerification(row.id), generatedBy: operatorName() });
        return { state: 'done', result: { detail: 'Report written; export it as Markdown or HTML.', facts: { lines: r.markdown.split('\n').length } } };
      }
      case 'verify': {
        const { id } = await this.d.startVerification(row.name);
        this.steps.begin(row.id, 'verify', operatorName(), { detail: `Verification ${id} is running.`, facts: { verificationId: id } });
        return null;
      }
      default:
        break;
    }
    const { config, close } = await this.d.resolve(row);
    try {
      if (step === 'read-only') return await setReadOnly(config);
      if (step === 'fence') return await this.fence(row, config);
      return await createAll(config, c);
    } finally {
      await close();
    }
  }

  private checkLag(row: JobRow): { state: 'done' | 'failed'; result: StepResult } {
    const status = jobStatus(this.d.store, row);
    const threshold = this.thresholds.get(row.name) ?? DEFAULT_LAG_THRESHOLD_S;
    const lag = status.stream?.lagSeconds ?? null;
    const facts = { thresholdSeconds: threshold, lagSeconds: lag, applied: status.stream?.applied ? `${status.stream.applied.file}:${status.stream.applied.pos}` : null };
    if (lag === null) return { state: 'failed', result: { detail: 'The stream reports no lag yet.', fix: 'Wait until the job is streaming, then run this step again.', facts } };
    if (lag > threshold) return { state: 'failed', result: { detail: `The lag is ${lag.toFixed(1)} s, above ${threshold} s.`, fix: 'Wait for the stream to catch up (or raise the threshold), then run this step again.', facts } };
    return { state: 'done', result: { detail: `The lag is ${lag.toFixed(1)} s (threshold ${threshold} s).`, facts } };
  }

  private async fence(row: JobRow, config: JobConfig): Promise<{ state: 'done' | 'failed'; result: StepResult }> {
    const source = await loadSource(config);
    const conn = await source.openSession(parseMysqlUrl(config.source.url));
    try {
      if (!conn.writeFence)
        return { state: 'failed', result: { detail: `A ${sourceOf(config).title} source cannot write a fence row.`, fix: 'Stop the writes on the source, wait until the lag is 0, and switch by hand.' } };
      const writeFence = conn.writeFence.bind(conn);
      const first = await writeFence(row.name);
      const position = (await conn.currentStatus()).file;
      const mark: FenceMark = { position, gtid: first.gtid };
      const facts = { writtenAt: new Date(first.writtenAt).toISOString(), position: source.positions.format(position), gtid: first.gtid };
      this.steps.begin(row.id, 'fence', operatorName(), { detail: `Fence written at ${facts.position}${first.gtid ? ` (GTID ${first.gtid})` : ''}; waiting for the sink to apply it.`, facts });
      const deadline = Date.now() + FENCE_TIMEOUT_MS;
      let rewrittenAt = Date.now();
      for (;;) {
        const job = this.d.store.jobById(row.id)!;
        const applied = job.stream_state ? (JSON.parse(job.stream_state) as { applied: { file: string; pos: number; gtid: string | null } | null }).applied : null;
        if (applied && fenceReached(mark, applied)) {
          const waited = ((Date.now() - first.writtenAt) / 1000).toFixed(1);
          return { state: 'done', result: { detail: `The sink applied the fence after ${waited} s (applied position ${applied.file}:${applied.pos}).`, facts: { ...facts, appliedPosition: `${applied.file}:${applied.pos}`, waitedSeconds: Number(waited) } } };
        }
        if (effectiveState(job) !== 'running') return { state: 'failed', result: { detail: 'The job stopped before the sink applied the fence.', fix: 'Start the job, then run this step again.', facts } };
        if (Date.now() > deadline)
          return { state: 'failed', result: { detail: `The sink had not applied the fence after ${FENCE_TIMEOUT_MS / 60_000} min.`, fix: 'Look at the job’s lag and log, then run this step again.', facts } };
        // Another beat now and then: a transaction the stream passes, so its applied position moves on even if
        // the source writes nothing else this job follows.
        if (Date.now() - rewrittenAt > FENCE_REWRITE_MS) {
          await writeFence(row.name).catch(() => undefined);
          rewrittenAt = Date.now();
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    } finally {
      await conn.close().catch(() => undefined);
    }
  }

  // ---- bookkeeping

  /** Running rows whose work ended without recording it (the app restarted), and finished verifications. */
  private settle(row: JobRow): void {
    for (const [step, r] of this.steps.steps(row.id)) {
      if (r.state !== 'running') continue;
      if (step === 'verify') {
        const id = Number(r.result.facts?.verificationId ?? 0);
        const v = id ? this.d.verification(id) : null;
        if (v && v.state !== 'running') {
          const s = v.summary;
          const ok = v.state === 'pass';
          this.steps.finish(row.id, 'verify', ok ? 'done' : 'failed', {
            detail: ok
              ? `All ${s.tables} table(s) match (${s.rowsSource.toLocaleString('en-US')} rows).`
              : v.error
                ? v.error.message
                : `${s.mismatched} table(s) differ, ${s.mismatchedRows} row(s); ${s.errors} table(s) could not be compared.`,
            fix: ok ? null : (v.error?.fix ?? 'Repair the rows from the job view, then run this step again.'),
            facts: { verificationId: id, tables: s.tables, matched: s.matched, mismatched: s.mismatched, rows: s.rowsSource },
          });
        } else if (!v && !this.inFlight.has(`${row.name}\u0000verify`) && Date.now() - r.started_at > 10_000) {
          this.steps.finish(row.id, 'verify', 'failed', { detail: 'The verification was interrupted.', fix: 'Run this step again.' });
        }
      } else if (!this.inFlight.has(`${row.name}\u0000${step}`)) {
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
      sinkType: kind.kind,
      sink: { title: kind.title, deferredObjects: kind.capabilities.deferredObjects },
    };
  }

  private job(name: string): JobRow {
    const row = this.d.store.job(name);
    if (!row) throw new CutoverError(`There is no job named "${name}".`, 'Open its job file first.', 'NOT_FOUND');
    return row;
  }
}

async function setReadOnly(config: JobConfig): Promise<{ state: 'done' | 'failed'; result: StepResult }> {
  const conn = await connect(parseMysqlUrl(config.source.url));
  try {
    const [before] = await queryRows<{ v: number | string }>(conn, 'SELECT @@GLOBAL.read_only AS v');
    const previous = Number(before?.v) === 1 ? 'ON' : 'OFF';
    try {
      await conn.query('SET GLOBAL read_only = ON');
    } catch (e) {
      const err = e as { errno?: number; sqlMessage?: string };
      if (err.errno === 1227)
        return {
          state: 'failed',
          result: { detail: `The source refused: ${err.sqlMessage}`, fix: 'GRANT SUPER ON *.* TO the Cutover user (MySQL 8: SYSTEM_VARIABLES_ADMIN; MariaDB 10.11: READ_ONLY ADMIN), or set read_only = ON yourself and skip this step.', facts: { previous } },
        };
      throw e;
    }
    const [who] = await queryRows<{ u: string }>(conn, 'SELECT CURRENT_USER() AS u');
    return {
      state: 'done',
      result: {
        detail: `read_only is ON (it was ${previous}). Accounts with SUPER (MySQL) or READ_ONLY ADMIN (MariaDB), such as ${String(who?.u ?? 'this one')}, can still write; on MySQL, SET GLOBAL super_read_only = ON stops them too.`,
        facts: { previous, readOnly: 'ON' },
      },
    };
  } finally {
    await conn.end().catch(() => undefined);
  }
}

async function createAll(config: JobConfig, c: StepContext): Promise<{ state: 'done' | 'failed'; result: StepResult }> {
  if (!c.sink.deferredObjects) return { state: 'done', result: { detail: noDeferredObjects(c.sink.title), data: [] } };
  const src = await connect(parseMysqlUrl(config.source.url));
  let specs;
  try {
    specs = await listDeferred(src, config);
  } finally {
    await src.end().catch(() => undefined);
  }
  const sink = await connect(parseMysqlUrl(mysqlSinkUrl(config, 'Creating triggers, routines and events')));
  const objects: DeferredObject[] = [];
  try {
    for (const s of specs) objects.push(await createDeferred(sink, s));
  } finally {
    await sink.end().catch(() => undefined);
  }
  const count = (st: DeferredObject['state']): number => objects.filter((o) => o.state === st).length;
  const failed = count('failed');
  const detail = objects.length
    ? `${count('created')} created, ${count('exists')} already on the sink${failed ? `, ${failed} failed` : ''} (of ${objects.length}).`
    : 'The source has no triggers, routines or events for these tables.';
  return {
    state: failed ? 'failed' : 'done',
    result: {
      detail,
      fix: failed ? 'Create the failed objects by hand (each error is listed), or fix the cause and run this step again.' : null,
      facts: { created: count('created'), existing: count('exists'), failed },
      data: objects,
    },
  };
}

function errorMessage(e: unknown): string {
  return e instanceof CutoverError ? e.message : formatError(e);
}
