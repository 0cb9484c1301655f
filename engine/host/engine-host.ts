// The engine host: the one implementation of shared/api.ts. Web mode (engine/server) and Electron's
// engine utility process (electron/engine-process.ts) both wrap it. Jobs run as `cutover run` child
// processes (job-processes.ts), so a busy copy never blocks the API; everything shown comes from the
// state file, which the jobs write.
import { reversePairs } from '../cutover/reverse-job.js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ApiArgs, ApiEvent, ApiMethod, ApiMethods, ApiResponse, HostInfo, JobSummary } from '../../shared/api.js';
import { API_ARGS, isApiMethod } from '../../shared/api-schema.js';
import { CutoverError, formatError } from '../../shared/errors.js';
import { JobSecrets, publicJobText } from '../connections/job-secrets.js';
import { parseJobText } from '../../shared/job-config.js';
import { effectiveState, jobStatus } from '../pipeline/job-status.js';
import { DashboardStore, downsample } from '../state/dashboard-store.js';
import { StateStore, type JobRow } from '../state/store.js';
import { requestHeldTable } from '../pipeline/held-tables.js';
import { requestMessageSkip } from '../pipeline/skip-message.js';
import { parseMessageRef } from '../core/bad-messages.js';
import { operatorName } from '../core/operator-name.js';
import { EventPump } from './event-pump.js';
import { JobProcesses, type JobExit } from './job-processes.js';
import { removeJob } from './remove-job.js';
import { sinkKinds } from '../sink/registry.js';
import { recopyTable, retryTable } from './table-actions.js';
import { DemoRunner } from './demo-runner.js';
import { MIGRATION_METHODS, MigrationApi, type MigrationHandlers } from './migration-api.js';
import { DEMO_JOB_NAME } from '../demo/demo.js';

export interface EngineHostOptions {
  statePath: string;
  shell: 'electron' | 'web';
}

/** One connected renderer: it chooses which jobs' status and chart points it is pushed. */
export interface HostConnection {
  watch(jobs: string[]): void;
  close(): void;
}

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const VERSION = (JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { version: string }).version;

type Handlers = { [M in ApiMethod]: (...args: ApiArgs<M>) => Promise<ApiMethods[M]['result']> | ApiMethods[M]['result'] };

export class EngineHost {
  private readonly dash: DashboardStore;
  private readonly procs: JobProcesses;
  private readonly secrets: JobSecrets;
  private readonly pump: EventPump;
  private readonly demo: DemoRunner;
  private readonly migration: MigrationApi;
  /** Jobs this host is pausing: when their process exits on request, they are marked paused, not stopped. */
  private readonly pausing = new Set<string>();
  private readonly startedAt = new Map<string, number>();
  private closed = false;

  private constructor(
    private readonly store: StateStore,
    private readonly shell: EngineHostOptions['shell'],
  ) {
    this.dash = new DashboardStore(store);
    this.secrets = new JobSecrets(store);
    try {
      const moved = this.secrets.sealStoredPasswords();
      if (moved.length) store.log('info', null, null, `moved the passwords written in the URLs of ${moved.map((j) => `"${j}"`).join(', ')} out of the stored job files, encrypted`);
    } catch (e) {
      store.log('warn', null, null, `the passwords in stored job files could not be encrypted: ${formatError(e)}`);
    }
    this.procs = new JobProcesses(store.path, (e) => this.onJobExit(e));
    this.demo = new DemoRunner(ROOT);
    this.migration = new MigrationApi({
      store,
      jobRow: (name) => this.jobRow(name),
      openJob: (text, fileName) => this.openJob(text, fileName),
      start: (job) => this.start(job),
      stopForSwitch: async (job) => {
        const row = this.jobRow(job);
        if (this.isRunning(row)) await this.procs.stop(job, row.pid);
        this.startedAt.delete(job);
      },
      poke: () => this.pump.poke(),
    });
    this.pump = new EventPump({
      jobs: () => this.listJobs(),
      errors: () => this.dash.errors(),
      logsAfter: (id) => this.dash.logs({ afterId: id, limit: 1000 }),
      lastLogId: () => this.dash.lastLogId(),
      status: (job) => {
        const row = this.store.job(job);
        return row ? jobStatus(this.store, row) : null;
      },
      points: (job, after, until) => {
        const row = this.store.job(job);
        return row ? this.dash.points(row.id, after + 1, until) : [];
      },
    });
  }

  static open(o: EngineHostOptions): EngineHost {
    return new EngineHost(new StateStore(o.statePath), o.shell);
  }

  get statePath(): string {
    return this.store.path;
  }

  /** Validates the arguments and runs the method; errors come back as { ok: false, error }. */
  async call(method: ApiMethod | string, args: unknown): Promise<ApiResponse<ApiMethod>> {
    try {
      if (this.closed) throw new CutoverError('Cutover is shutting down.', 'Start it again.', 'SHUTDOWN');
      if (!isApiMethod(method)) throw new CutoverError(`Unknown API method "${method}".`, undefined, 'BAD_REQUEST');
      const parsed = API_ARGS[method].safeParse(args ?? []);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new CutoverError(`Invalid arguments for ${method}: ${issue?.path.join('.') || 'arguments'}: ${issue?.message}`, 'This is a bug in the caller.', 'BAD_REQUEST');
      }
      const handler = this.handlers[method] as (...a: unknown[]) => unknown;
      const result = await handler(...(parsed.data as unknown[]));
      return { ok: true, result: result as never };
    } catch (e) {
      return { ok: false, error: errorBody(e) };
    }
  }

  /** Events for one renderer, about once a second. */
  connect(send: (event: ApiEvent) => void): HostConnection {
    return this.pump.connect(send);
  }

  /** Pauses the jobs this host runs (each checkpoints its batch in flight), stops the demo load, closes the state file. */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.pump.stop();
    for (const job of this.procs.names()) this.pausing.add(job);
    await Promise.all([this.procs.stopAll(), this.demo.stop(), this.migration.shutdown()]);
    for (const job of this.pausing) this.markPaused(job, 'paused when Cutover quit; Resume to continue from where it stopped');
    this.store.close();
  }

  private readonly handlers: Handlers = {
    info: (): HostInfo => ({ version: VERSION, statePath: this.store.path, shell: this.shell, demo: this.demo.info() }),
    sinkKinds: () => sinkKinds(),
    listJobs: () => this.listJobs(),
    jobStatus: (job) => jobStatus(this.store, this.jobRow(job)),
    // Without the passwords of its URLs (stored apart, encrypted: job-secrets.ts).
    jobConfig: (job) => publicJobText(this.jobRow(job).config),
    openJob: (file) => this.openJob(file.text, file.fileName),
    start: (job) => this.start(job),
    pause: async (job) => {
      const row = this.jobRow(job);
      if (!this.isRunning(row)) throw new CutoverError(`The job "${job}" is not running.`, 'Only a running job can be paused.', 'STATE');
      this.pausing.add(job);
      await this.procs.stop(job, row.pid);
      this.markPaused(job, 'paused by the operator; Resume continues from the last stored position');
    },
    resume: (job, options) => this.start(job, options?.skipDdl ? ['--skip-ddl'] : []),
    stop: async (job) => {
      const row = this.jobRow(job);
      if (this.isRunning(row)) await this.procs.stop(job, row.pid);
      else if (row.state === 'paused') this.store.setJob(row.id, { state: 'stopped' });
      this.store.log('info', job, null, 'stopped by the operator; Start runs it again from where it stopped');
      this.pump.poke();
    },
    removeJob: async (job, options) => {
      const row = this.jobRow(job);
      const removed = await removeJob(this.store, job, { cleanSink: options?.cleanSink ?? false, running: this.isRunning(row) });
      this.startedAt.delete(job);
      this.pump.poke();
      return removed;
    },
    resumeTable: (job, table, options) => {
      const row = this.jobRow(job);
      if (!requestHeldTable(this.store, row.id, table, options?.skip ? 'skip' : 'resume'))
        throw new CutoverError(`${table} is not paused at a DDL statement in job "${job}".`, 'Reload the dashboard: the table may have been resumed already.', 'STATE');
      this.store.log('info', job, table, `${options?.skip ? 'skipped' : 'resumed'} by the operator: its held changes are applied in source order${this.isRunning(row) ? '' : ' when the job runs again'}`);
      this.pump.poke();
    },
    skipMessage: (job, message) => {
      const r = requestMessageSkip(this.store, this.jobRow(job), parseMessageRef(message), `${operatorName()} (the app)`);
      this.pump.poke();
      return r;
    },
    retryTable: async (job, table) => {
      const row = this.jobRow(job);
      retryTable(this.store, row, table, () => this.isRunning(row));
      await this.start(job);
    },
    recopyTable: async (job, table) => {
      const row = this.jobRow(job);
      const wasRunning = this.isRunning(row);
      await recopyTable(this.store, row, table, async () => {
        if (wasRunning) await this.procs.stop(job, row.pid);
      });
      await this.start(job);
    },
    history: (job, q) => downsample(this.dash.points(this.jobRow(job).id, q?.sinceTs ?? 0), q?.maxPoints ?? 2000),
    logs: (q) => this.dash.logs(q),
    errors: (job) => this.dash.errors(job),
    dismissError: (id) => {
      this.dash.dismissError(id);
      this.pump.poke();
    },
    startDemo: async () => {
      // A second demo starts from scratch: the old run and its load stop before the sink copy is dropped.
      const previous = this.store.job(DEMO_JOB_NAME);
      if (previous && this.isRunning(previous)) await this.procs.stop(previous.name, previous.pid);
      await this.demo.stop();
      const config = await this.demo.prepare((line) => this.store.log('info', null, null, `demo: ${line}`));
      const { name } = this.openJob(JSON.stringify(config), 'demo');
      this.store.resetJob(this.jobRow(name).id);
      await this.start(name);
      this.demo.startLoad();
      return { name };
    },
    // Saved connections, the wizard, verification and the cutover assistant (migration-api.ts), called
    // through: this object is built before the constructor has made `migration`.
    ...(Object.fromEntries(MIGRATION_METHODS.map((m) => [m, (...a: unknown[]) => (this.migration.handlers[m] as (...x: unknown[]) => unknown)(...a)])) as unknown as MigrationHandlers),
  };

  private listJobs(): JobSummary[] {
    const counts = new Map(
      (
        this.store.db
          .prepare('SELECT job_id, COUNT(*) AS n, SUM(rows_copied) AS copied, SUM(MAX(estimated_rows, rows_copied)) AS est FROM job_tables GROUP BY job_id')
          .all() as { job_id: number; n: number; copied: number; est: number }[]
      ).map((r) => [r.job_id, r]),
    );
    const lastLog = new Map(
      (this.store.db.prepare('SELECT job, MAX(ts) AS ts FROM logs WHERE job IS NOT NULL GROUP BY job').all() as { job: string; ts: number }[]).map((r) => [r.job, r.ts]),
    );
    const forward = reversePairs(this.store);
    const reverse = new Map([...forward].map(([f, r]) => [r, f]));
    return this.store.jobs().map((j) => {
      const c = counts.get(j.id);
      const paired = forward.get(j.name) ?? reverse.get(j.name);
      const state = effectiveState(j);
      const stream = j.stream_state ? (JSON.parse(j.stream_state) as { lagSeconds: number | null }) : null;
      return {
        name: j.name,
        mode: (JSON.parse(j.config) as { mode?: string }).mode ?? 'snapshot',
        state,
        phase: j.phase,
        error: j.error,
        rowsCopied: c?.copied ?? 0,
        estimatedRows: j.state === 'done' ? (c?.copied ?? 0) : (c?.est ?? 0),
        tables: c?.n ?? 0,
        lagSeconds: state === 'running' ? (stream?.lagSeconds ?? null) : null,
        lastActivity: Math.max(j.updated_at, lastLog.get(j.name) ?? 0),
        controllable: this.isRunning(j),
        pair: paired ? { role: forward.has(j.name) ? 'forward' : 'reverse', job: paired } : null,
      };
    });
  }

  private openJob(text: string, fileName?: string): { name: string } {
    const cfg = parseJobText(text, `job file${fileName ? ` ${fileName}` : ''}`);
    const existing = this.store.job(cfg.name);
    if (existing && this.isRunning(existing)) {
      throw new CutoverError(`The job "${cfg.name}" is running; its job file cannot be replaced now.`, 'Stop it first, or give the new job another "name".', 'STATE');
    }
    const row = this.secrets.save(cfg);
    if (!existing) this.store.setJob(row.id, { state: 'idle', phase: 'pending' });
    this.store.log('info', cfg.name, null, `job file ${existing ? 'replaced' : 'opened'}${fileName ? ` from ${fileName}` : ''}`);
    this.pump.poke();
    return { name: cfg.name };
  }

  private async start(job: string, flags: string[] = []): Promise<void> {
    let row = this.jobRow(job);
    // A run that has just finished (or failed) may still be closing its connections: let it exit.
    if (this.procs.running(job) && !this.isRunning(row)) {
      await this.procs.waitExit(job);
      row = this.jobRow(job);
    }
    if (row.state === 'done') {
      throw new CutoverError(`The job "${job}" has finished: every table is copied.`, 'Re-copy a table from its row in the table grid, or run `cutover run JOB.json --restart` to copy everything again.', 'STATE');
    }
    if (this.isRunning(row)) throw new CutoverError(`The job "${job}" is already running.`, 'Pause or stop it first.', 'STATE');
    if (row.state === 'switched')
      throw new CutoverError(
        `The job "${job}" was switched over: its stream stopped for good at the cutover fence.`,
        `The application writes to the sink now. To stream from the source again anyway, run \`cutover run JOB.json --state ${this.store.path} --force\`.`,
        'STATE',
      );
    this.pausing.delete(job);
    this.startedAt.set(job, Date.now());
    this.procs.start(job, this.secrets.runnableText(row), flags);
    this.pump.poke();
  }

  private onJobExit(e: JobExit): void {
    if (this.closed) return;
    const row = this.store.job(e.job);
    if (!row) return;
    const since = this.startedAt.get(e.job) ?? 0;
    const logged = this.store.db.prepare("SELECT 1 FROM logs WHERE job = ? AND level = 'error' AND ts >= ? LIMIT 1").get(e.job, since);
    if (e.code !== 0 && e.code !== 130 && !logged && !this.pausing.has(e.job)) {
      // It ended before it could record why (a crash, or a job file the CLI refused): show its own words.
      const text = e.stderr.replace(/^cutover: /gm, '').trim() || `the job's process ended with ${e.signal ?? `exit code ${e.code}`}`;
      this.store.log('error', e.job, null, text);
      if (row.state === 'running') this.store.setJob(row.id, { state: 'failed', error: text, pid: null });
    }
    this.pump.poke();
  }

  private markPaused(job: string, message: string): void {
    this.pausing.delete(job);
    const row = this.store.job(job);
    if (!row || (row.state !== 'stopped' && row.state !== 'running')) return;
    this.store.setJob(row.id, { state: 'paused', error: null, pid: null });
    this.store.log('info', job, null, message);
    this.pump.poke();
  }

  /**
   * Running: its process has claimed the job (state running, pid alive), or this host has just started
   * it and it has not claimed it yet. A process that recorded an end state and is exiting is not.
   */
  private isRunning(row: JobRow): boolean {
    if (effectiveState(row) === 'running') return true;
    const started = this.startedAt.get(row.name);
    return this.procs.running(row.name) && started !== undefined && row.updated_at < started;
  }

  private jobRow(job: string): JobRow {
    const row = this.store.job(job);
    if (!row) throw new CutoverError(`There is no job named "${job}" in the state file ${this.store.path}.`, 'Open its job file first.', 'NOT_FOUND');
    return row;
  }
}

function errorBody(e: unknown): { message: string; fix: string | null; code: string } {
  if (e instanceof CutoverError) return { message: e.message, fix: e.fix ?? null, code: e.code };
  const err = e as { sqlMessage?: string; code?: string; message?: string };
  return { message: err?.sqlMessage ?? err?.message ?? String(e), fix: null, code: err?.code ?? 'INTERNAL' };
}
