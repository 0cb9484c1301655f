// Helpers for the streaming integration tests: the source's binlog position, the sink's checkpoint row
// and the state file, comparisons of sink and source, job files, names and directories for a test, and
// clean-up. The source schema and its concurrent writer are in source-schema.ts and source-writer.ts,
// CLI runs and waits in stream-cli.ts.
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { SourcePosition } from '../../engine/core/position.js';
import type { StreamState } from '../../shared/job-status.js';
import { comparePositions } from '../../engine/core/position.js';
import { checksum, dumpDiff, exec, forEveryTable, jobSpec, q, query, rowDump, sinkUrl, sourceUrl, tempDir, uniqueName } from './db.js';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------------
// Positions, the state file, the sink checkpoint

export async function sourcePosition(): Promise<SourcePosition> {
  const [row] = await query<{ File: string; Position: number | string }>(sourceUrl(), 'SHOW MASTER STATUS');
  assert.ok(row, 'the source has no binlog (SHOW MASTER STATUS is empty)');
  return { kind: 'mysql-binlog', file: String(row.File), pos: Number(row.Position) };
}

/**
 * The sink's checkpoint row of `job`; null while there is none (no row yet, or the `_cutover` database
 * or its table not created yet). Any other error (e.g. the sink is unreachable) is thrown.
 */
export async function sinkCheckpoint(job: string): Promise<SourcePosition | null> {
  try {
    const [r] = await query<{ file: string; pos: string }>(
      sinkUrl(),
      'SELECT file, CAST(pos AS CHAR) AS pos FROM _cutover.cutover_checkpoint WHERE job = ?',
      [job],
    );
    return r ? { kind: 'mysql-binlog', file: r.file, pos: Number(r.pos) } : null;
  } catch (e) {
    if ([1049, 1146].includes(Number((e as { errno?: number }).errno))) return null; // unknown database / table
    throw e;
  }
}

/** A file and offset as found in the sink checkpoint, `cutover status --json` or a log line. */
export interface FileAndPos {
  file: string;
  pos: number;
}

/** `file:pos` for messages ('none' for no position). */
export const fmt = (p: FileAndPos | null | undefined): string => (p ? `${p.file}:${p.pos}` : 'none');

/** Just the file and offset of `p` as a SourcePosition (drops anything else, such as a status entry's gtid), for deepEqual and comparisons. */
export const asFilePosition = (p: FileAndPos): SourcePosition => ({ kind: 'mysql-binlog', file: p.file, pos: p.pos });

/** Whether `p` is at or past `target` in the binlog (false when there is no `p`). */
export const reached = (p: FileAndPos | null | undefined, target: FileAndPos): boolean =>
  !!p && comparePositions(asFilePosition(p), asFilePosition(target)) >= 0;

export interface JobPeek {
  pid: number | null;
  phase: string;
  state: string;
  error: string | null;
  copyStart: SourcePosition | null;
  copyEnd: SourcePosition | null;
  chunksDone: number;
  /** The stream's live state as `status` shows it (stream_state), null before the stream wrote one. */
  stream: StreamState | null;
}

/** Reads the job row of a state file (read-only; null while it is being created). For timing, not assertions. */
export function peekJob(stateFile: string): JobPeek | null {
  if (!existsSync(stateFile)) return null;
  let db: Database.Database | null = null;
  try {
    db = new Database(stateFile, { readonly: true, fileMustExist: true });
    const j = db.prepare('SELECT pid, phase, state, error, copy_start_position AS s, copy_end_position AS e, stream_state AS st FROM jobs LIMIT 1').get() as
      | { pid: number | null; phase: string; state: string; error: string | null; s: string | null; e: string | null; st: string | null }
      | undefined;
    if (!j) return null;
    const t = db.prepare('SELECT COALESCE(SUM(chunks_done), 0) AS d FROM job_tables').get() as { d: number };
    const pos = (s: string | null): SourcePosition | null => (s ? ((JSON.parse(s) as { file: SourcePosition }).file ?? null) : null);
    return { pid: j.pid, phase: j.phase, state: j.state, error: j.error, copyStart: pos(j.s), copyEnd: pos(j.e), chunksDone: t.d, stream: j.st ? (JSON.parse(j.st) as StreamState) : null };
  } catch {
    return null;
  } finally {
    db?.close();
  }
}

/** finished_at of every done chunk, per table (Date.now() values). */
export function chunkFinishTimes(stateFile: string): { table: string; at: number }[] {
  const db = new Database(stateFile, { readonly: true, fileMustExist: true });
  try {
    return (
      db
        .prepare("SELECT t.src_table AS tbl, c.finished_at AS at FROM chunks c JOIN job_tables t ON t.id = c.table_id WHERE c.state = 'done' ORDER BY c.finished_at")
        .all() as { tbl: string; at: number }[]
    ).map((r) => ({ table: r.tbl, at: r.at }));
  } finally {
    db.close();
  }
}

/** Transactions (Xid events) committed in the source binlog between two positions. */
export async function transactionsBetween(from: SourcePosition, to: SourcePosition): Promise<number> {
  const files = (await query<{ Log_name: string }>(sourceUrl(), 'SHOW BINARY LOGS')).map((r) => String(r.Log_name));
  let n = 0;
  for (const file of files) {
    if (comparePositions({ kind: 'mysql-binlog', file, pos: 0 }, { kind: 'mysql-binlog', file: from.file, pos: 0 }) < 0) continue;
    if (comparePositions({ kind: 'mysql-binlog', file, pos: 0 }, { kind: 'mysql-binlog', file: to.file, pos: 0 }) > 0) break;
    let pos = file === from.file ? from.pos : 4;
    for (;;) {
      const rows = await query<{ Event_type: string; End_log_pos: number | string; Pos: number | string }>(
        sourceUrl(),
        `SHOW BINLOG EVENTS IN '${file}' FROM ${pos} LIMIT 5000`,
      );
      if (!rows.length) break;
      let past = false;
      for (const r of rows) {
        const end = Number(r.End_log_pos);
        if (file === to.file && end > to.pos) {
          past = true;
          break;
        }
        if (r.Event_type === 'Xid') n++;
      }
      if (past || rows.length < 5000) break;
      pos = Number(rows[rows.length - 1]!.End_log_pos);
    }
  }
  return n;
}

// ---------------------------------------------------------------------------------------------------
// Sink and source compared

/**
 * Every table: row dumps equal as multisets and CHECKSUM TABLE equal; fails once naming every table that
 * differs (each prefixed with `label`, when given, to say at which step).
 */
export async function assertSinkEqualsSource(srcDb: string, sinkDb: string, tables: readonly string[], label?: string): Promise<void> {
  const at = label ? `${label}: ` : '';
  await forEveryTable([...tables], async (t) => {
    const diff = dumpDiff(await rowDump(sourceUrl(), srcDb, t), await rowDump(sinkUrl(), sinkDb, t));
    if (diff) return `${at}${diff}`;
    const [a, b] = [await checksum(sourceUrl(), srcDb, t), await checksum(sinkUrl(), sinkDb, t)];
    return a === b ? null : `${at}CHECKSUM TABLE differs: source ${a}, sink ${b}`;
  });
}

// ---------------------------------------------------------------------------------------------------
// Job files, set-up and clean-up

export { jobSpec } from './db.js';

/** jobSpec with 100-row chunks on two workers and batches applied within 100 ms, so a short test sees its changes quickly. */
export function quickJob(name: string, db: string, mode = 'snapshot+stream', stream: Record<string, unknown> = {}): Record<string, unknown> {
  return jobSpec(name, db, { mode, snapshot: { chunkRows: 100, parallelism: 2 }, stream: { batch: { maxDelayMs: 100 }, ...stream } });
}

/**
 * Removes what a streaming test left on the servers: the source and sink databases and the job's sink
 * checkpoint row (a missing checkpoint table is fine). `bestEffort` ignores every error, for `finally`
 * blocks where a failed clean-up must not hide the test's own failure.
 */
export async function dropStreamTest(job: string, srcDb: string, sinkDb = srcDb, bestEffort = false): Promise<void> {
  const step = (p: Promise<unknown>): Promise<unknown> => (bestEffort ? p.catch(() => undefined) : p);
  await step(exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(srcDb)}`));
  await step(exec(sinkUrl(), `DROP DATABASE IF EXISTS ${q(sinkDb)}`));
  await query(sinkUrl(), 'DELETE FROM _cutover.cutover_checkpoint WHERE job = ?', [job]).catch(() => undefined);
}

/** Temporary directories for a suite; call `removeAll` from its `after`. */
export class TempDirs {
  private readonly dirs: string[] = [];
  constructor(private readonly prefix: string) {}
  /** A new empty directory. */
  make(): string {
    const d = tempDir(this.prefix);
    this.dirs.push(d);
    return d;
  }
  removeAll(): void {
    for (const d of this.dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}

/** What one streaming test works with: unique database and job names, a new directory and the state file in it. */
export interface StreamCase {
  db: string;
  job: string;
  dir: string;
  state: string;
}

/** A StreamCase for the test `name`: job uniqueName(name), database uniqueName of `name` with '_' for '-', a new directory of `dirs`. */
export function newStreamCase(dirs: TempDirs, name: string): StreamCase {
  const dir = dirs.make();
  return { db: uniqueName(name.replace(/-/g, '_')), job: uniqueName(name), dir, state: join(dir, 'state.db') };
}

/** The names a concurrent-writer test uses: a unique job name, its source database and the sink database it is renamed to. */
export interface WriterTestNames {
  jobName: string;
  srcDb: string;
  sinkDb: string;
}

export function writerTestNames(tag: string): WriterTestNames {
  const jobName = uniqueName(tag);
  return { jobName, srcDb: `${jobName}_src`, sinkDb: `${jobName}_sink` };
}

/** A snapshot+stream job for a concurrent-writer test: its source database renamed to its sink database, with these snapshot settings. */
export function writerTestJob(n: WriterTestNames, snapshot: Record<string, unknown>): Record<string, unknown> {
  return jobSpec(n.jobName, n.srcDb, { rename: { [n.srcDb]: n.sinkDb }, snapshot });
}
