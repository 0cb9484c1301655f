// A job's status as the CLI and the UI show it, read from the state file.
import { ConsumerStore } from '../state/consumer-store.js';
import type { JobRow, StateStore } from '../state/store.js';
import { formatGtidPosition } from '../../shared/positions.js';
import { StreamStore } from '../state/stream-store.js';
import { HeldStore } from '../state/held-store.js';
import type { JobStatus, PendingDdl, StreamState, StreamStatus, TableStatus } from '../../shared/job-status.js';
import { readStoredStatus } from '../core/changes.js';
import { alive } from '../core/process-alive.js';

export type { JobStatus, StreamStatus, TableStatus } from '../../shared/job-status.js';

/** A job recorded as running whose process is gone was killed: it resumes when run again. */
export function effectiveState(job: JobRow): string {
  return job.state === 'running' && !alive(job.pid) ? 'interrupted' : job.state;
}

export function jobStatus(store: StateStore, job: JobRow): JobStatus {
  const cfg = JSON.parse(job.config) as { mode?: string; snapshot?: { chunkRows?: number } };
  const chunkRows = cfg.snapshot?.chunkRows ?? 20000;
  const recent = Math.floor(Date.now() / 1000) - 5;
  const running = effectiveState(job) === 'running';
  const rate = (tableId: number | null): { r: number; b: number } => {
    if (!running) return { r: 0, b: 0 };
    const s = store.samples(job.id, tableId, recent).at(-1);
    return { r: s?.rows_per_s ?? 0, b: s?.bytes_per_s ?? 0 };
  };
  const consumers = ConsumerStore.read(store, job.id, alive);
  const pausedMessages = ConsumerStore.paused(store, job.id);
  const tables = store.tables(job.id).map((t): TableStatus => {
    const est = Math.max(t.estimated_rows, t.rows_copied);
    const keyless = t.key_columns === '[]';
    const r = t.state === 'copying' ? rate(t.id).r : 0;
    const exact = t.planned_all === 1 || keyless; // a table without a key is always one chunk
    return {
      source: `${t.src_db}.${t.src_table}`,
      sink: `${t.sink_db}.${t.sink_table}`,
      state: t.state,
      rowsCopied: t.rows_copied,
      estimatedRows: t.state === 'done' ? t.rows_copied : est,
      chunksDone: t.chunks_done,
      chunksTotal: keyless ? 1 : exact ? t.chunks_planned : Math.max(t.chunks_planned, Math.ceil(est / chunkRows), 1),
      chunksTotalExact: exact,
      rowsPerSecond: r,
      etaSeconds: eta(est - t.rows_copied, r),
      inserts: t.inserts,
      updates: t.updates,
      deletes: t.deletes,
      error: t.error,
    };
  });
  const total = rate(null);
  const stream = streamStatus(store, job, running);
  const copyWait = job.sink_waiting_since == null ? null : Math.max(0, Math.floor((Date.now() - job.sink_waiting_since) / 1000));
  return {
    name: job.name,
    mode: cfg.mode ?? 'snapshot',
    state: effectiveState(job),
    phase: job.phase,
    error: job.error,
    startedAt: job.started_at,
    finishedAt: job.finished_at,
    updatedAt: job.updated_at,
    rowsCopied: tables.reduce((n, t) => n + t.rowsCopied, 0),
    estimatedRows: tables.reduce((n, t) => n + t.estimatedRows, 0),
    rowsPerSecond: total.r,
    bytesPerSecond: total.b,
    etaSeconds: eta(tables.reduce((n, t) => n + Math.max(0, t.estimatedRows - t.rowsCopied), 0), total.r),
    sinkWaitingSeconds: running ? (copyWait ?? stream?.sinkWaitingSeconds ?? null) : null,
    copyStartPosition: startPosition(job.copy_start_position),
    copyEndPosition: startPosition(job.copy_end_position),
    stream,
    tables,
    ...(consumers.length ? { consumers } : {}),
    ...(pausedMessages.length ? { pausedMessages } : {}),
  };
}

function streamStatus(store: StateStore, job: JobRow, running: boolean): StreamStatus | null {
  if (!job.stream_state && !job.pending_ddl) return null;
  const state = job.stream_state
    ? (JSON.parse(job.stream_state) as StreamState)
    : { applied: null, source: null, target: null, caughtUp: false, lagSeconds: null, heartbeatLagMs: null, behindBytes: null, behindTxs: null, retentionSecondsLeft: null, updatedAt: job.updated_at };
  const sample = running ? new StreamStore(store).samples(job.id, Math.floor(Date.now() / 1000) - 5).at(-1) : undefined;
  return {
    ...state,
    eventsPerSecond: {
      transactions: sample?.txs_per_s ?? 0,
      inserts: sample?.inserts_per_s ?? 0,
      updates: sample?.updates_per_s ?? 0,
      deletes: sample?.deletes_per_s ?? 0,
      ddl: sample?.ddl_per_s ?? 0,
    },
    pendingDdl: job.pending_ddl ? (JSON.parse(job.pending_ddl) as PendingDdl) : null,
    pausedTables: new HeldStore(store).status(job.id),
  };
}

function startPosition(json: string | null): JobStatus['copyStartPosition'] {
  const s = readStoredStatus(json);
  if (!s) return null;
  return { file: s.file.file, pos: s.file.pos, gtid: s.gtid ? formatGtidPosition(s.gtid) : null };
}

function eta(remainingRows: number, rowsPerSecond: number): number | null {
  return rowsPerSecond > 0 && remainingRows > 0 ? Math.ceil(remainingRows / rowsPerSecond) : null;
}
