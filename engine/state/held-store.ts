// The state file's part of the DDL policy "pause-table": which tables of a job are paused at a DDL
// statement, and their row changes held in source order until the operator resumes or skips them
// (engine/pipeline/held-tables.ts decides what is held and drains it).
import type { SourcePosition } from '../core/position.js';
import type { PausedTable } from '../../shared/job-status.js';
import { decodeKey, encodeKey } from '../mysql/values.js';
import type { StateStore } from './store.js';
import type { RowChange } from '../core/changes.js';
import type { HeldChange } from '../core/changes.js';

export interface HeldTable {
  table: string;
  /** The end of the DDL statement it paused at: its changes in later transactions are held. */
  from: SourcePosition;
  ddl: string;
  reason: string;
  request: 'resume' | 'skip' | null;
  createdAt: number;
}

/** One change to hold: its transaction's end and its place in that transaction. */
export interface HoldEntry {
  table: string;
  end: SourcePosition;
  idx: number;
  reconcile: boolean;
  change: RowChange;
}

interface HeldTableRow {
  tbl: string;
  file: string;
  pos: number;
  ddl: string;
  reason: string;
  request: string | null;
  created_at: number;
}

export class HeldStore {
  constructor(private readonly store: StateStore) {}

  private get db() {
    return this.store.db;
  }

  tables(jobId: number): HeldTable[] {
    const rows = this.db.prepare('SELECT tbl, file, pos, ddl, reason, request, created_at FROM held_tables WHERE job_id = ? ORDER BY created_at, tbl').all(jobId) as HeldTableRow[];
    return rows.map((r) => ({
      table: r.tbl,
      from: { kind: 'mysql-binlog', file: r.file, pos: r.pos },
      ddl: r.ddl,
      reason: r.reason,
      request: r.request === 'resume' || r.request === 'skip' ? r.request : null,
      createdAt: r.created_at,
    }));
  }

  /** Pauses a table at a statement (a table already paused keeps its position; the statement is added). */
  pause(jobId: number, table: string, at: SourcePosition, ddl: string, reason: string): void {
    const have = this.db.prepare('SELECT ddl FROM held_tables WHERE job_id = ? AND tbl = ?').get(jobId, table) as { ddl: string } | undefined;
    if (!have) {
      this.db
        .prepare('INSERT INTO held_tables (job_id, tbl, file, pos, ddl, reason, request, created_at) VALUES (?, ?, ?, ?, ?, ?, NULL, ?)')
        .run(jobId, table, at.file, at.pos, ddl, reason, Date.now());
    } else if (!have.ddl.split('\n').includes(ddl)) {
      this.db.prepare('UPDATE held_tables SET ddl = ? WHERE job_id = ? AND tbl = ?').run(`${have.ddl}\n${ddl}`, jobId, table);
    }
  }

  /** Records the operator's choice; false when the table is not paused. */
  request(jobId: number, table: string, request: 'resume' | 'skip'): boolean {
    return this.db.prepare('UPDATE held_tables SET request = ? WHERE job_id = ? AND tbl = ?').run(request, jobId, table).changes > 0;
  }

  /** The table streams again: forgets the pause and whatever is left of its held changes. */
  release(jobId: number, table: string): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM held_changes WHERE job_id = ? AND tbl = ?').run(jobId, table);
      this.db.prepare('DELETE FROM held_tables WHERE job_id = ? AND tbl = ?').run(jobId, table);
    })();
  }

  /**
   * Holds changes, durably (synchronous commit) and idempotently: a change already held (the same
   * transaction replayed after a crash) is not held twice. Returns how many were new.
   */
  append(jobId: number, entries: HoldEntry[]): number {
    if (!entries.length) return 0;
    let added = 0;
    const insert = this.db.prepare('INSERT OR IGNORE INTO held_changes (job_id, tbl, file, pos, idx, reconcile, change) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.db.pragma('synchronous = FULL');
    try {
      this.db.transaction(() => {
        for (const e of entries) added += insert.run(jobId, e.table, e.end.file, e.end.pos, e.idx, e.reconcile ? 1 : 0, encodeChange(e.change)).changes;
      })();
    } finally {
      this.db.pragma('synchronous = NORMAL');
    }
    return added;
  }

  /** Held changes of a table after `afterId`, in source order. */
  next(jobId: number, table: string, afterId: number, limit: number): HeldChange[] {
    const rows = this.db
      .prepare('SELECT id, file, pos, reconcile, change FROM held_changes WHERE job_id = ? AND tbl = ? AND id > ? ORDER BY id LIMIT ?')
      .all(jobId, table, afterId, limit) as { id: number; file: string; pos: number; reconcile: number; change: string }[];
    return rows.map((r) => ({ id: r.id, end: { kind: 'mysql-binlog', file: r.file, pos: r.pos }, reconcile: r.reconcile === 1, change: decodeChange(r.change) }));
  }

  /** Forgets held changes the sink has applied. */
  trim(jobId: number, table: string, throughId: number): void {
    this.db.prepare('DELETE FROM held_changes WHERE job_id = ? AND tbl = ? AND id <= ?').run(jobId, table, throughId);
  }

  counts(jobId: number): Map<string, number> {
    const rows = this.db.prepare('SELECT tbl, COUNT(*) AS n FROM held_changes WHERE job_id = ? GROUP BY tbl').all(jobId) as { tbl: string; n: number }[];
    return new Map(rows.map((r) => [r.tbl, r.n]));
  }

  total(jobId: number): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM held_changes WHERE job_id = ?').get(jobId) as { n: number }).n;
  }

  /** What status and the dashboard show. */
  status(jobId: number): PausedTable[] {
    const counts = this.counts(jobId);
    return this.tables(jobId).map((t) => ({
      table: t.table,
      position: `${t.from.file}:${t.from.pos}`,
      sql: t.ddl,
      reason: t.reason,
      heldChanges: counts.get(t.table) ?? 0,
      request: t.request,
    }));
  }

  forget(jobId: number): void {
    this.db.prepare('DELETE FROM held_changes WHERE job_id = ?').run(jobId);
    this.db.prepare('DELETE FROM held_tables WHERE job_id = ?').run(jobId);
  }
}

export function encodeChange(c: RowChange): string {
  return JSON.stringify({
    db: c.db,
    table: c.table,
    type: c.type,
    columns: c.columns,
    before: c.before ? encodeKey(c.before) : null,
    after: c.after ? encodeKey(c.after) : null,
  });
}

export function decodeChange(json: string): RowChange {
  const o = JSON.parse(json) as { db: string; table: string; type: RowChange['type']; columns: string[]; before: string | null; after: string | null };
  return { db: o.db, table: o.table, name: `${o.db}.${o.table}`, type: o.type, columns: o.columns, before: o.before ? decodeKey(o.before) : null, after: o.after ? decodeKey(o.after) : null };
}
