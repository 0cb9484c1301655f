// One stream session's apply loop: reads changes from the source's change reader, groups them with the
// pure batcher (change-batcher.ts), and hands each batch to the change sink, which stores the position
// with the data. Tracks the catch-up target (phase catching-up → streaming) and the stream's metrics.
// The runner around it (stream-runner.ts) reconnects after a lost connection.
//
// A large source transaction arrives in pieces when the sink can take them (capability
// `transactionPieces`): the open batch is applied first, then each piece goes to the sink inside one sink
// transaction that stays open, and the transaction's final part is applied alone, committing that sink
// transaction with the checkpoint. A failure in between loses the open sink transaction (rolled back with
// its connection) and the next session reads the whole source transaction again from the checkpoint.
import { CutoverError } from '../../shared/errors.js';
import type { JobConfig, StreamOptions } from '../../shared/job-config.js';
import type { SourcePosition } from '../core/position.js';
import { comparePositions, formatPosition } from '../core/position.js';
import { parseGtid } from '../../shared/positions.js';
import { isSelected } from '../../shared/table-selection.js';
import type { StateStore } from '../state/store.js';
import { StreamStore, type ChangeCounts } from '../state/stream-store.js';
import type { HeldTables } from './held-tables.js';
import type { Logger } from '../core/logger.js';
import type { StreamTarget } from '../sink/stream-target.js';
import type { DdlContextBase } from './stream-ddl.js';
import type { StreamMetrics } from './stream-metrics.js';
import type { SinkWatch } from './sink-watch.js';
import { StateDiskFull, isDiskFull } from '../state/disk-space.js';
import type { BinlogTransaction, RowChange, TransactionPiece } from '../core/changes.js';
import type { ApplierTable, ApplyMode } from '../core/checkpoint.js';
import { ChangeBatcher, type ChangeBatch } from './change-batcher.js';
import type { SourceHeartbeatRows, StreamSourceSession, StreamStart } from './stream-source.js';
import type { ChangeReader } from '../source/driver.js';

/** The job's stream as the runner is given it and hands it on to each session's apply loop. */
export interface StreamJobOptions {
  store: StateStore;
  jobId: number;
  cfg: JobConfig;
  stream: StreamOptions;
  log: Logger;
  signal: AbortSignal;
  /** Source tables by "db.table" as defined at a position (the schema history); null: before any. */
  tablesAt: (at: SourcePosition | null) => Map<string, ApplierTable>;
  tableIds: Map<string, number>;
  /** Where to start when the sink has no checkpoint for this job. */
  start: StreamStart;
  /** Apply in reconcile mode up to and including this position (the copy's end); null: strict throughout. */
  reconcileUntil: SourcePosition | null;
  /** Keyless tables: changes at or before their snapshot position are already in the copy. */
  snapshotPositions: Map<string, SourcePosition>;
  exitWhenCaughtUp: boolean;
  skipDdlAt: string | null;
  /** The sink takes a large source transaction in pieces, in one sink transaction (capability `transactionPieces`). */
  transactionPieces?: boolean;
}

/** A source transaction being applied in pieces: the sink transaction is open until its final part. */
interface OpenPieces {
  mode: ApplyMode;
  start: SourcePosition;
  /** Changes of tables paused at DDL, held with the transaction's end once it is known (see HeldTables). */
  held: RowChange[];
  /** Changes applied so far, by table and type, counted once the sink transaction commits. */
  counts: Map<string, ChangeCounts>;
}

/** What the apply loop needs that lives across sessions (owned by the StreamRunner). */
export interface ApplyLoopContext extends StreamJobOptions {
  streams: StreamStore;
  metrics: StreamMetrics;
  watch: SinkWatch;
  held: HeldTables;
  heartbeat: SourceHeartbeatRows | undefined;
  /** The catch-up target (null: a copy alongside has not finished yet). */
  target(): SourcePosition | null;
  /** True once the applied position has reached the target (phase streaming). */
  caughtUp(): boolean;
  reachedTarget(at: SourcePosition): void;
  /** A batch was applied (or everything read is applied): the reconnect backoff starts over. */
  succeeded(): void;
  /** The clock (ms) for batching and stall detection. */
  now: () => number;
}

export type SessionOutcome = 'caught-up' | 'stopped';

const STALL_MS = 30_000;

/** The serverId a job's change reader uses: a replica id derived from the job name, away from the small ids servers usually have. */
export function defaultServerId(job: string): number {
  let h = 2166136261;
  for (const ch of job) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return 1_000_000 + (h % 1_000_000_000);
}

/** One connected stretch: from the sink's checkpoint until caught up, stopped, or a connection fails. */
export class ApplyLoop {
  private tables = new Map<string, ApplierTable>();
  private readonly warnedKeyless = new Set<string>();
  private retentionCheckedAt = 0;
  private reader: ChangeReader | null = null;
  /** Waits for the batch being applied, if any, whatever its outcome (set by run). */
  private settle: () => Promise<void> = () => Promise.resolve();

  constructor(
    private readonly c: ApplyLoopContext,
    private readonly applier: StreamTarget<DdlContextBase>,
    private readonly source: StreamSourceSession,
    private readonly reconnecting: boolean,
  ) {}

  async close(): Promise<void> {
    await this.settle(); // the sink transaction in flight ends (committed or not) before its connection closes
    await this.reader?.close().catch(() => undefined);
    this.reader = null;
  }

  async run(): Promise<SessionOutcome> {
    const { c, applier, source } = this;
    const { cfg, log, signal, stream, watch, metrics } = c;
    metrics.sinkHeartbeat = c.heartbeat && stream.heartbeat.enabled && applier.heartbeat ? applier.heartbeat : null;
    const cp = await watch.around('reading the checkpoint', () => applier.checkpoint());
    this.tables = c.tablesAt(cp?.position ?? null);
    for (const [name, t] of this.tables) applier.setTable(name, t);
    const from: StreamStart = cp?.position ?? c.start;
    if (!cp && 'kind' in from) {
      await watch.around('writing the starting checkpoint', () => applier.setCheckpoint(from, null));
      metrics.applied = { file: from.file, pos: from.pos, gtid: null }; // the sink has everything before it
    }
    if ('gtid' in from && !parseGtid(from.gtid)) throw new CutoverError(`"${from.gtid}" is not a MariaDB GTID position or a MySQL GTID set`, 'Correct "stream.start.gtid" in the job file.', 'CONFIG');
    await source.checkAvailable(from);
    log.info(`streaming from ${'kind' in from ? formatPosition(from) : `GTID ${from.gtid}`}${cp ? ' (the sink checkpoint)' : ''}`);
    if (cp) metrics.applied = { file: cp.position.file, pos: cp.position.pos, gtid: cp.gtid };
    const heartbeat = c.heartbeat?.table;
    const reader = (this.reader = await source.openReader(from, {
      // The heartbeat table always: the cutover assistant's fence is a heartbeat row (engine/cutover/fence.ts).
      include: (db, table) => isSelected(cfg, { db, table }) || `${db}.${table}` === heartbeat,
      // Keep decoding the next batch while one is being applied: room for one more batch (a third one
      // buffered only raised the peak memory, not the speed). A target that prepares batches has the next
      // one open in the loop while it applies one: half a batch more is buffered here. By rows and by the
      // bytes the batch counts, so wide rows are bounded as narrow ones are.
      highWater: applier.prepare ? Math.max(5_000, stream.batch.maxRows >> 1) : Math.max(10_000, stream.batch.maxRows),
      highWaterBytes: applier.prepare ? stream.batch.maxBytes >> 1 : stream.batch.maxBytes,
      // A large transaction in pieces of a batch's size, when the sink takes pieces (else whole, as the sink needs).
      piece: c.transactionPieces && applier.applyPiece ? { maxRows: stream.batch.maxRows, maxBytes: stream.batch.maxBytes } : undefined,
      // Decode with the definitions of the schema history (as updated by each DDL), not the source's current ones.
      hints: (db, table) => {
        const t = applier.table(`${db}.${table}`);
        return t ? new Map(t.info.columns.map((col) => [col.name, { dataType: col.dataType, columnType: col.columnType, generated: col.generated }])) : null;
      },
    }));
    if (this.reconnecting) log.info('reconnected');
    const ddlCtx: DdlContextBase = {
      cfg,
      jobId: c.jobId,
      store: c.store,
      streams: c.streams,
      log,
      readSourceTable: (ref) => source.readTable(ref),
      tableIds: c.tableIds,
      skipAt: c.skipDdlAt,
      held: c.held,
    };

    const batcher = new ChangeBatcher(stream.batch, c.now);
    const applyNow = async (b: ChangeBatch, earlier?: Map<string, ChangeCounts>): Promise<void> => {
      // Changes of tables paused at DDL are held (durably) before the sink moves the checkpoint past them.
      const txs = c.held.hold(b.txs, b.mode);
      const last = txs[txs.length - 1]!;
      await watch.around(`applying ${txs.length} transaction(s) up to ${formatPosition(last.end)}`, () => applier.apply(txs, b.mode));
      c.succeeded(); // the sink took a batch: the next failure starts the backoff again
      this.afterApply(txs, earlier);
      if (this.atTarget(last.end)) c.reachedTarget(last.end);
    };
    // A target that prepares batches (StreamTarget.prepare) applies a full batch while the loop goes on
    // reading and batching the next one: at most one apply runs, in order; everything else the loop does
    // with the sink (a DDL, pieces, held changes, the idle position, stopping) waits for it first.
    let inflight: Promise<void> | null = null;
    const settle = async (): Promise<void> => {
      const p = inflight;
      inflight = null;
      if (p) await p;
    };
    this.settle = () => inflight?.catch(() => undefined) ?? Promise.resolve();
    const apply = async (b: ChangeBatch | null, earlier?: Map<string, ChangeCounts>): Promise<void> => {
      await settle();
      if (b) await applyNow(b, earlier);
    };
    const applyAll = async (bs: ChangeBatch[]): Promise<void> => {
      for (const b of bs) {
        if (!applier.prepare) {
          await apply(b);
          continue;
        }
        applier.prepare(b.txs, b.mode); // while the sink may still be applying the batch before it
        await settle();
        const p = applyNow(b).then(() => {
          metrics.oldestPendingAt = batcher.oldestPendingAt;
        });
        p.catch(() => undefined); // seen by the next settle(), which throws it
        inflight = p;
        metrics.oldestPendingAt = b.txs[0]?.timestamp ?? batcher.oldestPendingAt;
      }
      if (!inflight) metrics.oldestPendingAt = batcher.oldestPendingAt;
    };

    let pieces: OpenPieces | null = null;
    const modeAt = (end: SourcePosition): ApplyMode => (c.reconcileUntil && comparePositions(end, c.reconcileUntil) <= 0 ? 'reconcile' : 'strict');
    const applyPiece = async (piece: TransactionPiece): Promise<void> => {
      if (!pieces) {
        await apply(batcher.cut()); // what came before the transaction commits first, on its own
        metrics.oldestPendingAt = piece.timestamp;
        // The transaction ends at or before a boundary position exactly when it starts before it.
        const mode: ApplyMode = c.reconcileUntil && comparePositions(piece.start, c.reconcileUntil) < 0 ? 'reconcile' : 'strict';
        pieces = { mode, start: piece.start, held: [], counts: new Map() };
      }
      const open = pieces;
      const kept = this.filterChanges(piece.changes, (snap) => comparePositions(piece.start, snap) < 0);
      const changes: RowChange[] = [];
      for (const ch of kept) {
        const name = ch.name ?? `${ch.db}.${ch.table}`;
        if (c.held.isPaused(name)) open.held.push(ch); // paused before this transaction began: all its changes are held
        else changes.push(ch);
      }
      countChanges(open.counts, changes);
      await watch.around(`applying ${changes.length} row change(s) of the source transaction after ${formatPosition(piece.start)} (more follow)`, () =>
        applier.applyPiece!({ ...piece, changes }, open.mode),
      );
      c.succeeded();
    };
    const applyFinal = async (final: BinlogTransaction): Promise<void> => {
      const open = pieces!;
      const tx = this.filter(final);
      const all = open.held.length ? { ...tx, changes: [...open.held, ...tx.changes] } : tx;
      pieces = null;
      await apply({ txs: [all], mode: open.mode, rows: all.changes.length, bytes: 0 }, open.counts);
      metrics.oldestPendingAt = null;
    };

    for (;;) {
      // The state file's disk is full: stop here (the sink holds exactly what its checkpoint says).
      if (metrics.stateError) throw metrics.stateError instanceof StateDiskFull ? metrics.stateError : new StateDiskFull(c.store.path);
      if (signal.aborted) {
        await apply(batcher.cut());
        return 'stopped';
      }
      this.maybeCheckRetention();
      if (!pieces && c.held.hasRequests() && applier.heldSink) {
        await apply(batcher.cut());
        await c.held.drain(applier.heldSink(ddlCtx), stream.batch.maxRows);
      }
      // While catching up, a quiet source is looked at often (the target may lie past the last transaction).
      const wait = batcher.waitMs();
      // A ready item is taken without a promise: a backlog is hundreds of thousands of transactions, and an
      // await each (which lets no I/O in either: the item is there) was a tenth of the loop's allocations.
      const item = reader.poll?.() ?? (await reader.next(wait !== null ? Math.min(wait, 5) : c.caughtUp() ? 250 : 25));
      if (item === null) throw new CutoverError('the change reader closed unexpectedly');
      if (item === undefined) {
        await apply(batcher.cut()); // nothing more is ready: apply what is open
        metrics.oldestPendingAt = null;
        c.succeeded(); // everything read is applied
        const idle = reader.idlePosition;
        if (idle && applier.idle) await watch.around('recording the idle position', () => applier.idle!(idle));
        this.checkStalled(reader);
        if (idle && this.atTarget(idle)) {
          metrics.caughtUp = true;
          c.reachedTarget(idle);
        }
        if (c.exitWhenCaughtUp && c.caughtUp()) return 'caught-up';
        continue;
      }
      metrics.caughtUp = false;
      if (!pieces && c.exitWhenCaughtUp && c.caughtUp()) {
        await apply(batcher.cut());
        return 'caught-up';
      }
      if (item.kind === 'piece') {
        await applyPiece(item);
        continue;
      }
      if (pieces) {
        if (item.kind === 'ddl') throw new CutoverError(`a DDL statement at ${formatPosition(item.end)} inside a source transaction read in pieces`, 'Report this case; raise "stream.batch.maxRows" and "stream.batch.maxBytes" above the size of that transaction to stream it whole.');
        await applyFinal(item);
        continue;
      }
      if (item.kind === 'ddl') {
        await apply(batcher.beforeDdl());
        metrics.countDdl();
        const reconciling = c.reconcileUntil !== null && comparePositions(item.end, c.reconcileUntil) <= 0;
        await watch.around(`applying the DDL at ${formatPosition(item.end)}`, () => applier.ddl(ddlCtx, item, reconciling));
        reader.ddlHandled();
        metrics.applied = { file: item.end.file, pos: item.end.pos, gtid: item.gtid };
        if (this.atTarget(item.end)) c.reachedTarget(item.end);
        continue;
      }
      const tx = this.filter(item);
      const mode = modeAt(tx.end);
      if (!batcher.pending && !inflight) metrics.oldestPendingAt = tx.timestamp;
      const cut = batcher.add(tx, mode);
      if (cut.length) await applyAll(cut);
      else if (!inflight) metrics.oldestPendingAt = batcher.oldestPendingAt; // what applyAll([]) does, without its promise
    }
  }

  /**
   * A connection can die without an error (a network partition): when nothing has arrived for STALL_MS
   * while the source's position is past the reader's, the connection is dropped and reopened.
   */
  private checkStalled(reader: ChangeReader): void {
    if (this.c.now() - reader.lastEventAt < STALL_MS) return;
    // The server sends a heartbeat every 5 s while the binlog is quiet: once some have come, silence means
    // a dead connection; without them, only silence while the source's position moves on does.
    const source = this.c.metrics.sourcePosition;
    const at = reader.idlePosition;
    const movedOn = source !== null && at !== null && comparePositions(source, at) > 0;
    if (reader.heartbeats === 0 && !movedOn) return;
    throw Object.assign(new Error(`no change or heartbeat from the source for ${STALL_MS / 1000} s${movedOn ? ` while the source moved on to ${formatPosition(source!)}` : ''}: the connection is stalled`), {
      code: 'ECONNRESET',
    });
  }

  private atTarget(at: SourcePosition): boolean {
    const target = this.c.target();
    return target !== null && comparePositions(at, target) >= 0;
  }

  /** Drops changes the copy already holds (keyless tables) and heartbeat rows (measured, not applied). */
  private filter(tx: BinlogTransaction): BinlogTransaction {
    const keep = this.filterChanges(tx.changes, (snap) => comparePositions(tx.end, snap) <= 0, tx.end);
    return keep.length === tx.changes.length ? tx : { ...tx, changes: keep };
  }

  /**
   * The changes of a transaction (or piece) to apply; `inSnapshot`: the transaction is in a copy read at that
   * position; `at`: where the transaction ends (null for a piece). A heartbeat row is measured here, or handed
   * to a sink that keeps the heartbeat itself (SinkHeartbeat: the lag is then its record's age on the sink).
   */
  private filterChanges(changes: RowChange[], inSnapshot: (snap: SourcePosition) => boolean, at: SourcePosition | null = null): RowChange[] {
    // `changes` itself when every change is kept (the usual case): a new array only from the first one dropped.
    let keep: RowChange[] | null = null;
    const hb = this.c.heartbeat;
    for (let i = 0; i < changes.length; i++) {
      const ch = changes[i]!;
      const name = ch.name ?? `${ch.db}.${ch.table}`;
      let dropped = false;
      if (hb && name === hb.table) {
        const written = hb.time(ch, this.c.cfg.name);
        if (written !== null && this.applier.heartbeat) this.applier.heartbeat.note(written, at);
        else if (written !== null) this.c.metrics.heartbeatLagMs = Math.max(0, Date.now() - written);
        dropped = true;
      } else {
        const snap = this.c.snapshotPositions.get(name);
        dropped = snap !== undefined && inSnapshot(snap);
      }
      if (dropped) {
        keep ??= changes.slice(0, i);
        continue;
      }
      const t = this.tables.get(name);
      if (t && t.info.chunkKey.length === 0 && ch.type !== 'insert' && !this.warnedKeyless.has(name)) {
        this.warnedKeyless.add(name);
        this.c.log.warn('has no primary or unique key: updates and deletes match the whole row image with LIMIT 1', name);
      }
      keep?.push(ch);
    }
    return keep ?? changes;
  }

  /** `earlier`: the counts of the pieces applied before the batch's first transaction, in its sink transaction. */
  private afterApply(txs: BinlogTransaction[], earlier?: Map<string, ChangeCounts>): void {
    const { metrics } = this.c;
    const last = txs[txs.length - 1]!;
    metrics.applied = { file: last.end.file, pos: last.end.pos, gtid: last.gtid };
    metrics.appliedAt = last.timestamp;
    const byName = new Map(earlier ?? []);
    for (const tx of txs) countChanges(byName, tx.changes);
    const counts = new Map<number, ChangeCounts>();
    for (const [name, n] of byName) {
      const id = this.c.tableIds.get(name);
      if (id !== undefined) counts.set(id, n);
    }
    for (const tx of txs) metrics.countTransaction(tx.changes);
    if (earlier) for (const n of earlier.values()) metrics.countChanges(n);
    try {
      this.c.streams.addCounts(counts);
    } catch (e) {
      /* counters are best effort; a full disk stops the stream at the next change (see run) */
      if (isDiskFull(e)) metrics.stateError ??= e;
    }
  }

  /** Once a minute: warn when what holds the applied position is within an hour of being purged. */
  private maybeCheckRetention(): void {
    const applied = this.c.metrics.applied;
    if (!applied || this.c.now() - this.retentionCheckedAt < 60_000) return;
    this.retentionCheckedAt = this.c.now();
    this.source
      .retention({ kind: 'mysql-binlog', file: applied.file, pos: applied.pos })
      .then((r) => {
        this.c.metrics.retentionSecondsLeft = r.secondsLeft;
        if (r.secondsLeft !== null && r.secondsLeft < 3600) {
          this.c.log.warn(
            `the source may purge ${applied.file}, which the stream still needs, in ${Math.max(0, Math.round(r.secondsLeft / 60))} min (${r.settings}); ` +
              'let the stream catch up, or keep binlogs longer: SET GLOBAL binlog_expire_logs_seconds = 604800;',
          );
        }
      })
      .catch(() => undefined);
  }
}

/** Adds changes to counts by table ("db.table") and type. */
function countChanges(into: Map<string, ChangeCounts>, changes: RowChange[]): void {
  for (const ch of changes) {
    const name = ch.name ?? `${ch.db}.${ch.table}`;
    let n = into.get(name);
    if (!n) into.set(name, (n = { inserts: 0, updates: 0, deletes: 0 }));
    if (ch.type === 'insert') n.inserts++;
    else if (ch.type === 'update') n.updates++;
    else n.deletes++;
  }
}
