// Streaming's part of the state file: lag/throughput samples, per-table change counters, the schema
// history (which definition of a table holds from which binlog position) and the live stream state.
import type { SourcePosition } from '../core/position.js';
import { comparePositions } from '../core/position.js';
import type { TableRef } from '../../shared/table-selection.js';
import type { StateStore } from './store.js';
import type { StreamState } from '../../shared/job-status.js';
import type { TableInfo } from '../core/tables.js';

export type { StreamState } from '../../shared/job-status.js';

export interface StreamSample {
  job_id: number;
  ts: number;
  lag_seconds: number | null;
  heartbeat_lag_ms: number | null;
  behind_bytes: number | null;
  behind_txs: number | null;
  txs_per_s: number;
  inserts_per_s: number;
  updates_per_s: number;
  deletes_per_s: number;
  ddl_per_s: number;
}

export interface SchemaVersion {
  source: TableRef;
  from: SourcePosition;
  ddl: string | null;
  /** null: dropped at `from`. */
  info: TableInfo | null;
}

export interface ChangeCounts {
  inserts: number;
  updates: number;
  deletes: number;
}

export class StreamStore {
  constructor(private readonly store: StateStore) {}

  private get db() {
    return this.store.db;
  }

  addSample(s: StreamSample): void {
    this.db
      .prepare(
        `INSERT INTO stream_samples (job_id, ts, lag_seconds, heartbeat_lag_ms, behind_bytes, behind_txs, txs_per_s, inserts_per_s, updates_per_s, deletes_per_s, ddl_per_s)
         VALUES (@job_id, @ts, @lag_seconds, @heartbeat_lag_ms, @behind_bytes, @behind_txs, @txs_per_s, @inserts_per_s, @updates_per_s, @deletes_per_s, @ddl_per_s)`,
      )
      .run(s);
  }

  samples(jobId: number, sinceTs = 0): StreamSample[] {
    return this.db.prepare('SELECT * FROM stream_samples WHERE job_id = ? AND ts >= ? ORDER BY ts').all(jobId, sinceTs) as StreamSample[];
  }

  setState(jobId: number, state: StreamState): void {
    this.store.setJob(jobId, { stream_state: JSON.stringify(state) });
  }

  /** Adds applied change counts to each table's counters (table ids from the state file). */
  addCounts(counts: Map<number, ChangeCounts>): void {
    const stmt = this.db.prepare('UPDATE job_tables SET inserts = inserts + ?, updates = updates + ?, deletes = deletes + ? WHERE id = ?');
    this.db.transaction(() => {
      for (const [id, c] of counts) stmt.run(c.inserts, c.updates, c.deletes, id);
    })();
  }

  recordSchema(jobId: number, v: SchemaVersion): void {
    this.db
      .prepare('INSERT INTO schema_history (job_id, src_db, src_table, file, pos, ddl, info, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(jobId, v.source.db, v.source.table, v.from.file, v.from.pos, v.ddl, v.info ? JSON.stringify(v.info) : null, Date.now());
  }

  /** Every table's definition in force at `at`: the last version recorded at or before it (dropped ones left out). */
  schemaAt(jobId: number, at: SourcePosition): Map<string, SchemaVersion> {
    const rows = this.db
      .prepare('SELECT src_db, src_table, file, pos, ddl, info FROM schema_history WHERE job_id = ? ORDER BY id')
      .all(jobId) as { src_db: string; src_table: string; file: string; pos: number; ddl: string | null; info: string | null }[];
    const out = new Map<string, SchemaVersion>();
    for (const r of rows) {
      const from: SourcePosition = { kind: 'mysql-binlog', file: r.file, pos: r.pos };
      if (comparePositions(from, at) > 0) continue;
      out.set(`${r.src_db}.${r.src_table}`, {
        source: { db: r.src_db, table: r.src_table },
        from,
        ddl: r.ddl,
        info: r.info ? (JSON.parse(r.info) as TableInfo) : null,
      });
    }
    for (const [k, v] of out) if (!v.info) out.delete(k);
    return out;
  }

  hasSchemaHistory(jobId: number): boolean {
    return !!this.db.prepare('SELECT 1 FROM schema_history WHERE job_id = ? LIMIT 1').get(jobId);
  }
}
