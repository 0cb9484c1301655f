// Verification runs in the state file (table `verifications`): one row per `cutover verify` (or per
// repair's re-check), its report rewritten as tables finish, so the dashboard shows progress and the
// latest result. A run recorded as running whose process is gone reads as stopped.
import type { VerifyReport, VerifyState } from '../../shared/verify.js';
import type { StateStore } from './store.js';
import { alive } from '../core/process-alive.js';

interface VerificationRow {
  id: number;
  job_id: number;
  state: string;
  pid: number | null;
  started_at: number;
  finished_at: number | null;
  report: string;
}

export class VerifyStore {
  constructor(private readonly store: StateStore) {}

  private get db() {
    return this.store.db;
  }

  /** Records a new run (state running, this process) and returns its id; the report's id is set to it. */
  create(jobId: number, report: VerifyReport, pid = process.pid): number {
    return this.db.transaction(() => {
      const r = this.db
        .prepare('INSERT INTO verifications (job_id, state, pid, started_at, finished_at, report) VALUES (?, ?, ?, ?, ?, ?)')
        .run(jobId, report.state, pid, report.startedAt, report.finishedAt, '{}');
      const id = Number(r.lastInsertRowid);
      this.db.prepare('UPDATE verifications SET report = ? WHERE id = ?').run(JSON.stringify({ ...report, id }), id);
      return id;
    })();
  }

  /** Rewrites a run's report (and its state and finish time, taken from the report). */
  update(report: VerifyReport): void {
    this.db
      .prepare('UPDATE verifications SET state = ?, finished_at = ?, report = ? WHERE id = ?')
      .run(report.state, report.finishedAt, JSON.stringify(report), report.id);
  }

  /** A run by id (null when there is none). */
  get(id: number): VerifyReport | null {
    const row = this.db.prepare('SELECT * FROM verifications WHERE id = ?').get(id) as VerificationRow | undefined;
    return row ? reportOf(row) : null;
  }

  /** The newest run of a job (null when it was never verified). */
  latest(jobId: number): VerifyReport | null {
    const row = this.db.prepare('SELECT * FROM verifications WHERE job_id = ? ORDER BY id DESC LIMIT 1').get(jobId) as VerificationRow | undefined;
    return row ? reportOf(row) : null;
  }

  /** A job's runs, newest first (reports included). */
  list(jobId: number, limit = 50): VerifyReport[] {
    const rows = this.db.prepare('SELECT * FROM verifications WHERE job_id = ? ORDER BY id DESC LIMIT ?').all(jobId, limit) as VerificationRow[];
    return rows.map(reportOf);
  }

  /** The process running a verification of the job, if one is (for a Stop button: SIGTERM it). */
  runningPid(jobId: number): number | null {
    const row = this.db
      .prepare("SELECT pid FROM verifications WHERE job_id = ? AND state = 'running' ORDER BY id DESC LIMIT 1")
      .get(jobId) as { pid: number | null } | undefined;
    return row?.pid && alive(row.pid) ? row.pid : null;
  }
}

/** The stored report, with a run whose process died while running shown as stopped. */
function reportOf(row: VerificationRow): VerifyReport {
  const report = JSON.parse(row.report) as VerifyReport;
  if (row.state === 'running' && !alive(row.pid)) {
    const state: VerifyState = 'stopped';
    return {
      ...report,
      state,
      error: report.error ?? { message: 'The verification process ended before it finished (it was killed).', fix: 'Run the verification again.' },
    };
  }
  return report;
}
