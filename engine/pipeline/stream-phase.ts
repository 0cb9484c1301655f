// Sets up the streaming phase of a job from the state file: where to start, what counts as caught up,
// which definition each table has at the sink's checkpoint (schema history), and runs the stream.
import { CutoverError } from '../../shared/errors.js';
import { streamOptions, type JobConfig, type StreamOptions } from '../../shared/job-config.js';
import type { SourcePosition } from '../core/position.js';
import { formatPosition, readStoredPosition } from '../core/position.js';
import { qualified } from '../../shared/table-selection.js';
import type { StreamSource } from './stream-source.js';
import type { StateStore } from '../state/store.js';
import { StreamStore } from '../state/stream-store.js';
import type { Logger } from '../core/logger.js';
import type { DdlContextBase, PendingDdl } from './stream-ddl.js';
import { StreamRunner, type StreamOutcome } from './stream-runner.js';
import { sinkOf } from '../sink/registry.js';
import type { StreamTarget } from '../sink/stream-target.js';
import type { ApplierTable } from '../core/checkpoint.js';
import { readStoredStatus, type BinlogStatus } from '../core/changes.js';
import type { CopyTable } from '../core/tables.js';
import { applierTable } from '../core/checkpoint.js';

/** The schema history position of the definitions read when streaming was first set up. */
const INITIAL: SourcePosition = { kind: 'mysql-binlog', file: 'initial.000000', pos: 0 };

export interface StreamPhaseOptions {
  store: StateStore;
  jobId: number;
  cfg: JobConfig;
  /** The tables just copied or prepared; null when resuming a stream (the schema history has them). */
  tables: CopyTable[] | null;
  /** The source's stream side (driverStreamSource over the job's source driver; tests pass an in-memory one). */
  source: StreamSource;
  log: Logger;
  signal: AbortSignal;
  exitWhenCaughtUp: boolean;
  skipDdl: boolean;
  /** The job's phase when this run began (the run itself moves it through preflight first). */
  previousPhase: string;
  /** The sink side of the stream (the sink driver's change sink), opened per stream session. */
  openTarget: () => Promise<StreamTarget<DdlContextBase>>;
  /**
   * Kafka "snapshot+stream": the copy runs alongside the stream (its chunks are published in binlog
   * order, see chunk-gate.ts), so there is no reconcile window, and the catch-up target is set when the
   * copy ends (StreamRunner.setTarget).
   */
  copyAlongside?: boolean;
  /** The sink's cap on the row changes of a stream batch (SinkRun.streamBatchRows). */
  streamBatchRows?: number;
  /** The sink's cap on how long a stream batch waits (SinkRun.streamBatchDelayMs). */
  streamBatchDelayMs?: number;
}

/** The stream options with the batch's row limit at most `cap` (the sink's SinkRun.streamBatchRows). */
export function capBatchRows(stream: StreamOptions, cap: number | undefined, delayCap?: number): StreamOptions {
  let out = stream;
  if (cap !== undefined && out.batch.maxRows > cap) out = { ...out, batch: { ...out.batch, maxRows: cap } };
  if (delayCap !== undefined && out.batch.maxDelayMs > delayCap) out = { ...out, batch: { ...out.batch, maxDelayMs: delayCap } };
  return out;
}

export async function runStreamPhase(o: StreamPhaseOptions): Promise<StreamOutcome> {
  return (await prepareStreamPhase(o)).run();
}

export async function prepareStreamPhase(o: StreamPhaseOptions): Promise<StreamRunner> {
  const { store, jobId, cfg, log } = o;
  const streams = new StreamStore(store);
  const job = store.jobById(jobId)!;
  const stream = capBatchRows(streamOptions(cfg), o.streamBatchRows, o.streamBatchDelayMs);

  if (o.tables && !streams.hasSchemaHistory(jobId)) {
    for (const t of o.tables) streams.recordSchema(jobId, { source: t.source, from: INITIAL, ddl: null, info: t.source });
  }
  const tablesAt = (at: SourcePosition | null): Map<string, ApplierTable> => {
    const out = new Map<string, ApplierTable>();
    for (const [name, v] of streams.schemaAt(jobId, at ?? INITIAL)) out.set(name, applierTable(cfg, v.info!));
    return out;
  };
  const rows = store.tables(jobId).filter((r) => r.state !== 'dropped');
  const tableIds = new Map(rows.map((r) => [`${r.src_db}.${r.src_table}`, r.id]));
  const snapshotPositions = new Map<string, SourcePosition>();
  for (const r of rows) {
    const at = readStoredPosition(r.snapshot_position);
    if (at) snapshotPositions.set(`${r.src_db}.${r.src_table}`, at);
  }

  let start: SourcePosition | { gtid: string };
  let reconcileUntil: SourcePosition | null = null;
  let target: SourcePosition | null;
  if (cfg.mode === 'snapshot+stream' && o.copyAlongside) {
    const s = parseStatus(job.copy_start_position);
    if (!s) throw new CutoverError('The copy did not record the source binlog position streaming starts from.', 'Turn the binary log on (log_bin, binlog_format=ROW) and run again with --resnapshot.');
    start = s.file;
    target = null;
  } else if (cfg.mode === 'snapshot+stream') {
    const s = parseStatus(job.copy_start_position);
    const h = parseStatus(job.copy_end_position);
    if (!s || !h) {
      throw new CutoverError(
        'The copy did not record the source binlog positions streaming needs (the source had no binlog when the copy ran?).',
        'Turn the binary log on (log_bin, binlog_format=ROW) and run again with --resnapshot.',
      );
    }
    start = s.file;
    // An ordered copy was published between the changes, in binlog order: nothing to reconcile.
    reconcileUntil = sinkOf(cfg).capabilities.orderedCopy ? null : h.file;
    // The first catch-up ends at the copy's end; once streaming, a new run catches up with the source as it is now.
    target = o.previousPhase === 'streaming' ? (await o.source.currentPosition()).file : h.file;
  } else {
    const now = await o.source.currentPosition();
    const configured = stream.start;
    if (configured === 'current') {
      // The first run decides "current"; later runs continue from the sink's checkpoint (or from here).
      let first = parseStatus(job.copy_start_position);
      if (!first) {
        first = now;
        store.setJob(jobId, { copy_start_position: JSON.stringify(now) });
      }
      start = first.file;
    } else start = 'gtid' in configured ? { gtid: configured.gtid } : { kind: 'mysql-binlog', file: configured.file, pos: configured.pos };
    target = now.file;
  }
  const pending = job.pending_ddl ? (JSON.parse(job.pending_ddl) as PendingDdl) : null;
  if (o.skipDdl && !pending) log.warn('--skip-ddl: the job is not paused at a DDL statement; nothing to skip');
  if (!o.copyAlongside) store.setJob(jobId, { phase: o.previousPhase === 'streaming' ? 'streaming' : 'catching-up' });
  log.info(
    `streaming ${tableIds.size} table(s); ${target ? `caught up at ${formatPosition(target)}` : 'the copy is published between the changes, in binlog order'}` +
      (reconcileUntil ? ` (changes up to the copy's end${samePosition(reconcileUntil, target) ? '' : ` at ${formatPosition(reconcileUntil)}`} are reconciled with the copied rows)` : ''),
  );
  const keyless = sinkOf(cfg).keylessStreamNote;
  if (keyless) for (const t of o.tables ?? []) if (!t.keyColumns.length) log.warn(keyless, qualified(t.source));
  return new StreamRunner({
    store,
    jobId,
    cfg,
    stream,
    log,
    signal: o.signal,
    source: o.source,
    tablesAt,
    tableIds,
    start,
    reconcileUntil,
    snapshotPositions,
    target,
    exitWhenCaughtUp: o.exitWhenCaughtUp,
    skipDdlAt: o.skipDdl && pending ? pending.position : null,
    transactionPieces: sinkOf(cfg).capabilities.transactionPieces,
    openTarget: o.openTarget,
  });
}

/** Said once per line: the reconcile window's end is named only when it differs from the catch-up target. */
function samePosition(a: SourcePosition, b: SourcePosition | null): boolean {
  return b !== null && formatPosition(a) === formatPosition(b);
}

function parseStatus(json: string | null): BinlogStatus | null {
  return readStoredStatus(json);
}
