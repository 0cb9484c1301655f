// The local state file (SQLite, WAL): jobs, per-table progress, chunks, logs and metric samples.
import Database from 'better-sqlite3';
import { CutoverError } from '../../shared/errors.js';
import { prepareStateFile, tightenStateFiles } from './private-file.js';
import { MIGRATIONS } from './schema.js';
import { StateSpaceGuard } from './disk-space.js';
import { LOG_LEVELS } from '../core/logger.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface JobRow {
  id: number;
  name: string;
  config: string;
  phase: string;
  state: string;
  error: string | null;
  pid: number | null;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  finished_at: number | null;
  copy_start_position: string | null;
  copy_end_position: string | null;
  stream_state: string | null;
  pending_ddl: string | null;
  sink_checkpoint: string | null;
  /** When a copy write still waiting for the sink began (ms), once past the warning threshold (sink-watch.ts). */
  sink_waiting_since: number | null;
}

export interface TableRow {
  id: number;
  job_id: number;
  src_db: string;
  src_table: string;
  sink_db: string;
  sink_table: string;
  state: string;
  key_columns: string;
  estimated_rows: number;
  rows_copied: number;
  bytes_copied: number;
  chunks_done: number;
  chunks_planned: number;
  planned_all: number;
  plan_cursor: string | null;
  schema_created: number;
  deferred_indexes: string;
  snapshot_position: string | null;
  inserts: number;
  updates: number;
  deletes: number;
  error: string | null;
  started_at: number | null;
  finished_at: number | null;
}

export interface ChunkRow {
  id: number;
  table_id: number;
  seq: number;
  lower_key: string | null;
  upper_key: string | null;
  state: string;
  rows: number;
  bytes: number;
}

export interface LogRow {
  id: number;
  ts: number;
  level: LogLevel;
  job: string | null;
  tbl: string | null;
  message: string;
}

export interface MetricSample {
  job_id: number;
  table_id: number | null;
  ts: number;
  rows_per_s: number;
  bytes_per_s: number;
}

const now = (): number => Date.now();

/** How long a statement waits for another process's lock on the state file before it fails. */
const BUSY_WAIT_MS = 30_000;

export class StateStore {
  readonly db: Database.Database;
  private readonly space: StateSpaceGuard;

  constructor(readonly path: string) {
    this.space = new StateSpaceGuard(path);
    try {
      prepareStateFile(path);
      // Other processes of the same file (the job, the app, `status`) may hold its lock for a while on a
      // loaded machine: wait up to BUSY_WAIT_MS, from the first statement on (switching to WAL takes a lock).
      this.db = new Database(path, { timeout: BUSY_WAIT_MS });
      this.db.pragma('journal_mode = WAL');
      tightenStateFiles(path);
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('foreign_keys = ON');
      this.migrate();
    } catch (e) {
      if (e instanceof CutoverError) throw e;
      throw new CutoverError(
        `Cannot open the state file ${path}: ${(e as Error).message}`,
        'Check that the folder is writable and the disk is not full, or choose another file with --state FILE.',
      );
    }
  }

  /**
   * Brings the file to the newest schema, one version per IMMEDIATE transaction that reads the version
   * under the write lock: two processes opening a new file at once (a job and the dashboard, or a test
   * watching a job) must not both run the same migration.
   */
  private migrate(): void {
    const step = this.db.transaction((): boolean => {
      const v = this.db.pragma('user_version', { simple: true }) as number;
      if (v >= MIGRATIONS.length) return false;
      this.db.exec(MIGRATIONS[v]!);
      this.db.pragma(`user_version = ${v + 1}`);
      return true;
    });
    while (step.immediate()) {
      /* next version */
    }
  }

  close(): void {
    this.db.close();
  }

  /** Throws StateDiskFull when the state file's disk is nearly full (checked at most once a second). */
  checkRoom(): void {
    this.space.check();
  }

  // ---- jobs
  upsertJob(name: string, config: unknown): JobRow {
    const t = now();
    this.db
      .prepare(
        `INSERT INTO jobs (name, config, created_at, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(name) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at`,
      )
      .run(name, JSON.stringify(config), t, t);
    return this.job(name)!;
  }

  /**
   * Marks a job as running in this process, atomically (an IMMEDIATE transaction), and refuses when
   * another live process already runs it: two copies of one job would race on the same chunks. `phase` is
   * written in the same update, so no reader sees this process's pid beside the last run's phase.
   */
  claimJob(id: number, pid: number, isAlive: (pid: number) => boolean, phase?: string): void {
    this.db
      .transaction(() => {
        const row = this.db.prepare('SELECT name, state, pid FROM jobs WHERE id = ?').get(id) as Pick<JobRow, 'name' | 'state' | 'pid'>;
        if (row.state === 'running' && row.pid && row.pid !== pid && isAlive(row.pid)) {
          throw new CutoverError(
            `The job "${row.name}" is already running (process ${row.pid}) with this state file.`,
            `Wait for it, or stop it first (kill -TERM ${row.pid}); \`cutover status\` shows its progress.`,
          );
        }
        this.db.prepare("UPDATE jobs SET state = 'running', pid = ?, error = NULL, phase = COALESCE(?, phase), updated_at = ? WHERE id = ?").run(pid, phase ?? null, now(), id);
      })
      .immediate();
  }

  job(name: string): JobRow | undefined {
    return this.db.prepare('SELECT * FROM jobs WHERE name = ?').get(name) as JobRow | undefined;
  }

  /** Prepared once: a Kafka copy reads the job's copy start for every batch it renders. */
  private jobByIdStmt: Database.Statement | null = null;

  jobById(id: number): JobRow | undefined {
    this.jobByIdStmt ??= this.db.prepare('SELECT * FROM jobs WHERE id = ?');
    return this.jobByIdStmt.get(id) as JobRow | undefined;
  }

  jobs(): JobRow[] {
    return this.db.prepare('SELECT * FROM jobs ORDER BY updated_at DESC').all() as JobRow[];
  }

  setJob(
    id: number,
    fields: Partial<Pick<JobRow, 'phase' | 'state' | 'error' | 'pid' | 'started_at' | 'finished_at' | 'copy_start_position' | 'copy_end_position' | 'stream_state' | 'pending_ddl' | 'sink_checkpoint' | 'sink_waiting_since'>>,
  ): void {
    const keys = Object.keys(fields);
    if (!keys.length) return;
    const sets = keys.map((k) => `${k} = @${k}`).join(', ');
    this.db.prepare(`UPDATE jobs SET ${sets}, updated_at = @updated_at WHERE id = @id`).run({ ...fields, id, updated_at: now() });
  }

  /** Forgets a job's tables and chunks, so the next run copies from scratch. */
  resetJob(id: number): void {
    this.db.prepare('DELETE FROM job_tables WHERE job_id = ?').run(id);
    this.db.prepare('DELETE FROM schema_history WHERE job_id = ?').run(id);
    this.db.prepare('DELETE FROM held_changes WHERE job_id = ?').run(id);
    this.db.prepare('DELETE FROM held_tables WHERE job_id = ?').run(id);
    this.setJob(id, {
      phase: 'pending',
      state: 'idle',
      error: null,
      started_at: null,
      finished_at: null,
      copy_start_position: null,
      copy_end_position: null,
      stream_state: null,
      pending_ddl: null,
      sink_checkpoint: null,
    });
  }

  // ---- tables
  ensureTable(jobId: number, src: { db: string; table: string }, sink: { db: string; table: string }): TableRow {
    this.db
      .prepare(
        `INSERT INTO job_tables (job_id, src_db, src_table, sink_db, sink_table) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(job_id, src_db, src_table) DO NOTHING`,
      )
      .run(jobId, src.db, src.table, sink.db, sink.table);
    return this.db
      .prepare('SELECT * FROM job_tables WHERE job_id = ? AND src_db = ? AND src_table = ?')
      .get(jobId, src.db, src.table) as TableRow;
  }

  tables(jobId: number): TableRow[] {
    return this.db.prepare('SELECT * FROM job_tables WHERE job_id = ? ORDER BY src_db, src_table').all(jobId) as TableRow[];
  }

  table(id: number): TableRow {
    return this.db.prepare('SELECT * FROM job_tables WHERE id = ?').get(id) as TableRow;
  }

  setTable(
    id: number,
    fields: Partial<Omit<TableRow, 'id' | 'job_id' | 'src_db' | 'src_table'>>,
  ): void {
    const keys = Object.keys(fields);
    if (!keys.length) return;
    this.db.prepare(`UPDATE job_tables SET ${keys.map((k) => `${k} = @${k}`).join(', ')} WHERE id = @id`).run({ ...fields, id });
  }

  // ---- chunks
  /** Records a planned chunk and advances the table's planning cursor in one transaction. */
  addChunk(tableId: number, seq: number, lower: string | null, upper: string | null, last: boolean): ChunkRow {
    return this.db.transaction(() => {
      this.db
        .prepare('INSERT INTO chunks (table_id, seq, lower_key, upper_key) VALUES (?, ?, ?, ?) ON CONFLICT(table_id, seq) DO NOTHING')
        .run(tableId, seq, lower, upper);
      this.db
        .prepare('UPDATE job_tables SET plan_cursor = ?, planned_all = ?, chunks_planned = (SELECT COUNT(*) FROM chunks WHERE table_id = ?) WHERE id = ?')
        .run(upper, last ? 1 : 0, tableId, tableId);
      return this.db.prepare('SELECT * FROM chunks WHERE table_id = ? AND seq = ?').get(tableId, seq) as ChunkRow;
    })();
  }

  pendingChunks(tableId: number): ChunkRow[] {
    return this.db.prepare("SELECT * FROM chunks WHERE table_id = ? AND state = 'pending' ORDER BY seq").all(tableId) as ChunkRow[];
  }

  lastChunk(tableId: number): ChunkRow | undefined {
    return this.db.prepare('SELECT * FROM chunks WHERE table_id = ? ORDER BY seq DESC LIMIT 1').get(tableId) as ChunkRow | undefined;
  }

  /**
   * Rows of a chunk still being copied that the sink has committed, added to the table's counts now (a
   * table without a key is one chunk: without this its progress would show only at its end). Only for
   * chunks that restart from an empty sink table (resetCopiedRows), so a restart never counts twice.
   */
  addCopiedRows(tableId: number, rows: number, bytes: number): void {
    this.db.prepare('UPDATE job_tables SET rows_copied = rows_copied + ?, bytes_copied = bytes_copied + ? WHERE id = ?').run(rows, bytes, tableId);
  }

  /** A table restarting its only chunk from an empty sink table: its counts start again from zero. */
  resetCopiedRows(tableId: number): void {
    this.db.prepare('UPDATE job_tables SET rows_copied = 0, bytes_copied = 0 WHERE id = ?').run(tableId);
  }

  /**
   * Marks a chunk copied and adds its counts to the table, atomically; called only after the sink committed it.
   * `counted`: what addCopiedRows already added for this chunk.
   */
  finishChunk(chunk: ChunkRow, rows: number, bytes: number, counted: { rows: number; bytes: number } = { rows: 0, bytes: 0 }): void {
    this.checkRoom();
    this.db.transaction(() => {
      const r = this.db
        .prepare("UPDATE chunks SET state = 'done', rows = ?, bytes = ?, finished_at = ? WHERE id = ? AND state = 'pending'")
        .run(rows, bytes, now(), chunk.id);
      if (r.changes === 1) {
        this.db
          .prepare('UPDATE job_tables SET rows_copied = rows_copied + ?, bytes_copied = bytes_copied + ?, chunks_done = chunks_done + 1 WHERE id = ?')
          .run(rows - counted.rows, bytes - counted.bytes, chunk.table_id);
      }
    })();
  }

  /** Drops a table's chunks and counters (for tables that cannot resume mid-table, or a re-copy). */
  resetTableChunks(tableId: number): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM chunks WHERE table_id = ?').run(tableId);
      this.db
        .prepare(
          "UPDATE job_tables SET rows_copied = 0, bytes_copied = 0, chunks_done = 0, chunks_planned = 0, planned_all = 0, plan_cursor = NULL, state = 'pending', error = NULL WHERE id = ?",
        )
        .run(tableId);
    })();
  }

  // ---- logs
  log(level: LogLevel, job: string | null, tbl: string | null, message: string): void {
    this.db.prepare('INSERT INTO logs (ts, level, job, tbl, message) VALUES (?, ?, ?, ?, ?)').run(now(), level, job, tbl, message);
  }

  /** The latest `limit` lines (oldest first) at or above a level, after an id; `search` matches message or table, case-insensitively. */
  logs(opts: { job?: string; minLevel?: LogLevel; afterId?: number; limit?: number; search?: string }): LogRow[] {
    const levels = LOG_LEVELS.slice(LOG_LEVELS.indexOf(opts.minLevel ?? 'debug'));
    const where = [`level IN (${levels.map(() => '?').join(',')})`, 'id > ?'];
    const params: unknown[] = [...levels, opts.afterId ?? 0];
    if (opts.job) {
      where.push('job = ?');
      params.push(opts.job);
    }
    if (opts.search) {
      where.push("(message LIKE ? ESCAPE '\\' OR tbl LIKE ? ESCAPE '\\')");
      const like = `%${opts.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      params.push(like, like);
    }
    const rows = this.db
      .prepare(`SELECT * FROM logs WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`)
      .all(...params, opts.limit ?? 1000) as LogRow[];
    return rows.reverse();
  }

  // ---- metrics
  addSamples(samples: MetricSample[]): void {
    const stmt = this.db.prepare('INSERT INTO metric_samples (job_id, table_id, ts, rows_per_s, bytes_per_s) VALUES (?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const s of samples) stmt.run(s.job_id, s.table_id, s.ts, s.rows_per_s, s.bytes_per_s);
    })();
  }

  samples(jobId: number, tableId: number | null, sinceTs = 0): MetricSample[] {
    return (
      tableId === null
        ? this.db.prepare('SELECT * FROM metric_samples WHERE job_id = ? AND table_id IS NULL AND ts >= ? ORDER BY ts').all(jobId, sinceTs)
        : this.db.prepare('SELECT * FROM metric_samples WHERE job_id = ? AND table_id = ? AND ts >= ? ORDER BY ts').all(jobId, tableId, sinceTs)
    ) as MetricSample[];
  }
}
