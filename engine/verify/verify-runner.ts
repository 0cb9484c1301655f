// Runs verifications and repairs of one job, recording each in the state file as it goes (table
// `verifications`, see engine/state/verify-store.ts) and in the job's log, so a dashboard sees progress:
// the report is rewritten after every table and, during a long table, at most once a second.
//
//   verify(only?)        compares the job's tables (or those named) and records a new verification
//   repairFrom(id)       copies again the rows verification `id` found different (the sink driver's repair), then
//                        verifies the repaired tables again and records that verification
//   verifyAndRepair()    verify, and when something differs, repairFrom that verification
//
// A stop request (SIGINT/SIGTERM → the signal) ends the run as state `stopped`. Problems that stop the
// whole run (a connection, the job file) end it as `error` with what to do; one table that cannot be
// compared (e.g. a missing privilege) is an `error` on that table only.
import { CutoverError, formatError } from '../../shared/errors.js';
import type { JobConfig } from '../../shared/job-config.js';
import { mysqlSourceUrl } from '../../shared/job-config.js';
import type { PositionOrder } from '../core/position.js';
import { qualified } from '../../shared/table-selection.js';
import { summarize, type VerifyReport, type VerifyTableResult } from '../../shared/verify.js';
import { createLogger, type Logger } from '../core/logger.js';
import { resolveTables } from '../pipeline/table-plan.js';
import { loadSource } from '../source/registry.js';
import type { SourceSession } from '../source/driver.js';
import type { JobRow, StateStore } from '../state/store.js';
import { VerifyStore } from '../state/verify-store.js';
import type { VerifyTable } from '../compare/chunk-checksum.js';
import { StopRequested } from '../compare/settle.js';
import { keylessRefusal, repairUnavailable, type RepairTarget } from '../compare/repair-contract.js';
import { sinkKind, sinkOf } from '../sink/registry.js';
import type { SinkVerifier } from '../compare/sink-verifier.js';
import { jobRunning, jobStreaming } from '../compare/stream-sync.js';
import { newReport, newTableResult, runVerdict, tableVerdict } from './verify-report.js';

export interface VerifyRunOptions {
  /** Source tables ("db.table") to compare; default: every table of the job. */
  tables?: string[];
  chunkRows: number;
  maxRows: number;
  signal: AbortSignal;
  /** A table has finished (terminal output). */
  onTable?: (r: VerifyTableResult, report: VerifyReport) => void;
  /** A run has started, with its id and tables (terminal output). */
  onStart?: (report: VerifyReport) => void;
}

const SAVE_EVERY_MS = 1000;

export class VerifyRunner {
  readonly job: JobRow;
  readonly log: Logger;
  private readonly reports: VerifyStore;

  constructor(
    private readonly store: StateStore,
    private readonly cfg: JobConfig,
    private readonly o: VerifyRunOptions,
  ) {
    this.job = store.job(cfg.name) ?? store.upsertJob(cfg.name, cfg);
    this.reports = new VerifyStore(store);
    this.log = createLogger(store, cfg.name);
  }

  /** Verify; if anything differs, repair it and verify the repaired tables again. Returns every report made. */
  async verifyAndRepair(): Promise<VerifyReport[]> {
    const first = await this.verify();
    if (first.state !== 'fail') return [first];
    return [first, await this.repairFrom(first.id)];
  }

  /** Repairs what verification `id` found and returns the verification of the repaired tables. */
  async repairFrom(id: number): Promise<VerifyReport> {
    const base = this.reports.get(id);
    if (!base || base.job !== this.cfg.name)
      throw new CutoverError(`There is no verification #${id} of the job "${this.cfg.name}" in ${this.store.path}.`, 'Use the id `cutover verify` printed (or --json "id"), with the same --state file.', 'NOT_FOUND');
    // The report's sink (a job file may have changed its sink since) and the job's must both repair.
    const kind = sinkOf(this.cfg);
    for (const k of [sinkKind(base.sinkType), kind]) if (!k.capabilities.repair) throw repairUnavailable(k);
    const driver = await kind.load();
    if (!driver.repair) throw repairUnavailable(kind);
    const differing = base.tables.filter((t) => t.state === 'mismatch');
    if (!differing.length) {
      this.log.info(`repair: verification #${id} found no differing rows; nothing to repair`);
      return base;
    }
    const targets = await this.repairTargets(differing);
    const running = jobRunning(this.store.jobById(this.job.id)!);
    const refusal = keylessRefusal(targets, running);
    if (refusal) {
      this.log.error(`repair of verification #${id} refused: ${refusal.message}`);
      throw refusal;
    }
    for (const t of differing) if (t.truncated) this.log.warn(`repair: more rows differed than verification #${id} listed; verify again after this repair`, t.table);
    this.log.info(`repair of verification #${id} started: ${differing.map((t) => t.table).join(', ')}${running ? ' (the job keeps running)' : ''}`);
    let done;
    try {
      const source = await loadSource(this.cfg);
      const openSource = (): Promise<SourceSession> => source.openSession(source.address(mysqlSourceUrl(this.cfg, 'Verification')), { data: true });
      done = await driver.repair({ cfg: this.cfg, store: this.store, jobId: this.job.id, targets, running, log: this.log, openSource, positions: source.positions });
    } catch (e) {
      this.log.error(`repair of verification #${id} failed: ${formatError(e)}`);
      throw e;
    }
    const at = Date.now();
    const repaired = new Map([...done.rows].map(([table, rows]) => [table, { at, rows }]));
    return this.verify(differing.map((t) => t.table), id, repaired);
  }

  /** The tables of a verification's differing results, as the source defines them now. */
  private async repairTargets(differing: VerifyTableResult[]): Promise<RepairTarget[]> {
    const source = await loadSource(this.cfg);
    const meta = await source.openSession(source.address(mysqlSourceUrl(this.cfg, 'Verification')));
    try {
      const tables = await resolveTables(meta, this.cfg);
      return differing.map((result) => {
        const table = tables.find((t) => qualified(t.source) === result.table);
        if (!table) throw new CutoverError(`${result.table} is no longer one of the job's tables on the source.`, 'Verify again.', 'STATE');
        return { table, result };
      });
    } finally {
      await meta.close().catch(() => undefined);
    }
  }

  /** Compares the job's tables (or `only`) and records the run; `repairOf`/`repaired`: a repair's re-check. */
  async verify(only = this.o.tables, repairOf: number | null = null, repaired?: Map<string, { at: number; rows: number }>): Promise<VerifyReport> {
    const kind = sinkOf(this.cfg);
    const report = newReport(this.cfg.name, kind, repairOf);
    report.covered = only?.length || repairOf !== null ? 'some' : 'all';
    report.id = this.reports.create(this.job.id, report);
    let lastSave = 0;
    const save = (force = false): void => {
      if (!force && Date.now() - lastSave < SAVE_EVERY_MS) return;
      lastSave = Date.now();
      report.summary = summarize(report.tables);
      this.reports.update(report);
    };
    let data: SourceSession | null = null;
    let meta: SourceSession | null = null;
    let sink: SinkVerifier | null = null;
    try {
      const driver = await loadSource(this.cfg);
      const address = driver.address(mysqlSourceUrl(this.cfg, 'Verification'));
      meta = await driver.openSession(address);
      data = await driver.openSession(address, { data: true });
      const sessions = { data, meta };
      const tables = selectTables(await resolveTables(sessions.meta, this.cfg), only);
      const job = this.store.jobById(this.job.id)!;
      report.whileStreaming = jobStreaming(job, this.cfg);
      if (!report.whileStreaming && jobRunning(job))
        this.log.warn(`verification #${report.id}: the job is running (phase ${job.phase}) but not streaming yet: rows it writes meanwhile may show as differences`);
      report.sourcePosition.start = await positionText(sessions.meta, driver.positions);
      const ctx = { cfg: this.cfg, store: this.store, jobId: this.job.id, log: this.log, signal: this.o.signal, chunkRows: this.o.chunkRows, maxRows: this.o.maxRows, sourceSessions: sessions, positions: driver.positions, streaming: report.whileStreaming };
      sink = await (await kind.load()).openVerifier(ctx);
      const open = sink;
      report.tables = tables.map((t) => ({ ...newTableResult(t, open.sinkName(t)), repaired: repaired?.get(qualified(t.source)) ?? null }));
      save(true);
      this.log.info(
        `verification #${report.id} started: ${tables.length} table(s)${report.whileStreaming ? ', while the job streams (differing chunks are compared again once the sink has caught up)' : ''}` +
          (repairOf !== null ? `, after repairing what #${repairOf} found` : ''),
      );
      this.o.onStart?.(report);
      for (const [i, t] of tables.entries()) {
        const r = report.tables[i]!;
        r.state = 'running';
        save(true);
        await this.verifyTable(open, t, r, () => save());
        save(true);
        this.o.onTable?.(r, report);
      }
      report.sourcePosition.end = await positionText(sessions.meta, driver.positions);
      report.state = runVerdict(report.tables);
    } catch (e) {
      if (e instanceof StopRequested || this.o.signal.aborted) report.state = 'stopped';
      else {
        report.state = 'error';
        report.error = e instanceof CutoverError ? { message: e.message, fix: e.fix ?? null } : { message: formatError(e), fix: null };
      }
      for (const r of report.tables) if (r.state === 'running') r.state = 'pending';
    } finally {
      await sink?.close();
      await data?.close().catch(() => undefined);
      await meta?.close().catch(() => undefined);
    }
    report.finishedAt = Date.now();
    save(true);
    this.logResult(report);
    return report;
  }

  private async verifyTable(sink: SinkVerifier, t: VerifyTable, r: VerifyTableResult, progress: () => void): Promise<void> {
    try {
      await sink.verifyTable(t, r, progress);
      r.state = tableVerdict(r);
    } catch (e) {
      if (e instanceof StopRequested || this.o.signal.aborted) throw new StopRequested();
      r.state = 'error';
      r.error = formatError(e);
    }
    const what =
      r.state === 'match'
        ? `match (${r.rowsSource} rows${r.rechecked ? `, ${r.rechecked} chunk(s) rechecked` : ''})`
        : r.state === 'error'
          ? `could not be compared: ${r.error}`
          : `${r.mismatches.length}${r.truncated ? '+' : ''} row(s) differ: ${r.mismatches.slice(0, 5).map((m) => `${m.kind} ${JSON.stringify(m.key)}`).join('; ')}${r.mismatches.length > 5 ? ' …' : ''}`;
    this.log.log(r.state === 'match' ? 'info' : r.state === 'error' ? 'error' : 'warn', `verify: ${what}`, r.table);
  }

  private logResult(r: VerifyReport): void {
    const s = r.summary;
    if (r.state === 'pass') this.log.info(`verification #${r.id} passed: ${s.tables} table(s), ${s.rowsSource} rows equal`);
    else if (r.state === 'fail') this.log.warn(`verification #${r.id} failed: ${s.mismatched} of ${s.tables} table(s) differ (${s.mismatchedRows} row(s) listed)`);
    else if (r.state === 'stopped') this.log.info(`verification #${r.id} stopped`);
    else this.log.error(`verification #${r.id} could not finish: ${r.error ? r.error.message : `${s.errors} table(s) could not be compared`}`);
  }
}

/** The job's tables, or those named (each must be one of the job's). */
function selectTables(tables: VerifyTable[], only: string[] | undefined): VerifyTable[] {
  if (!only?.length) return tables;
  const byName = new Map(tables.map((t) => [qualified(t.source), t]));
  const unknown = only.filter((n) => !byName.has(n));
  if (unknown.length)
    throw new CutoverError(
      `${unknown.join(', ')} ${unknown.length > 1 ? 'are not tables' : 'is not a table'} of this job.`,
      `Name source tables as "db.table": ${[...byName.keys()].slice(0, 10).join(', ')}${byName.size > 10 ? ', …' : ''}.`,
      'CONFIG',
    );
  return [...new Set(only)].map((n) => byName.get(n)!);
}

/** The source's binlog position as text, or null when it has no binlog. */
async function positionText(source: SourceSession, positions: PositionOrder): Promise<string | null> {
  try {
    return positions.format((await source.currentStatus()).file);
  } catch {
    return null;
  }
}
