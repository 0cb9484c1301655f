// Follows the source's binlog and keeps the sink in step, exactly once.
//
// Position: the sink's checkpoint row (written in the same transaction as the data, see
// change-applier.ts) is the truth; the state file mirrors it for status. A (re)start reads it and asks
// the source for the binlog from there. Without a checkpoint the stream starts at `start`.
//
// Handoff after a copy: the copy recorded where the binlog stood before it read any row (S) and when it
// finished (H). Changes from S to H are applied in 'reconcile' mode (REPLACE / delete-if-present), so
// rows the copy already saw in their later state end as the source had them at H; from H on, in
// 'strict' mode. Tables without a key are read in one consistent snapshot whose own position is
// recorded, and their changes up to it are skipped (they are in the copy).
//
// Batching: transactions are grouped into one sink transaction until maxRows row changes, maxBytes, or
// maxDelayMs since the first one, or until the reader has nothing more ready. DDL ends a batch.
//
// Failures: a lost source or sink connection is retried with backoff (1 s doubling to 30 s), resuming
// from the sink's checkpoint; a change or DDL the sink refuses stops the run with the job paused.
import { CutoverError } from '../../shared/errors.js';
import type { JobConfig, StreamOptions } from '../../shared/job-config.js';
import type { SourcePosition } from '../core/position.js';
import { comparePositions, formatPosition } from '../core/position.js';
import { parseGtid } from '../../shared/positions.js';
import { isSelected } from '../../shared/table-selection.js';
import { BinlogReader } from '../source/mysql/binlog-reader.js';
import { checkPositionAvailable, readRetention } from '../source/mysql/binlog-retention.js';
import { connect, parseMysqlUrl, type Connection } from '../mysql/connection.js';
import { HEARTBEAT_DB, HEARTBEAT_TABLE, SourceHeartbeat, heartbeatTime } from '../source/mysql/heartbeat.js';
import { isRetryable } from '../sink/mysql/change-applier.js';
import type { StateStore } from '../state/store.js';
import { StreamStore, type ChangeCounts } from '../state/stream-store.js';
import { HeldTables } from './held-tables.js';
import type { Logger } from '../core/logger.js';
import type { StreamTarget } from '../sink/stream-target.js';
import { sourceTableReader, type DdlContextBase } from './stream-ddl.js';
import { StreamMetrics } from './stream-metrics.js';
import { sleepUnlessAborted as sleep } from '../core/sleep.js';
import { SinkWatch, sinkLabel } from './sink-watch.js';
import { StateDiskFull, isDiskFull } from '../state/disk-space.js';
import type { BinlogTransaction, RowChange } from '../core/changes.js';
import type { ApplierTable, ApplyMode } from '../core/checkpoint.js';

export interface StreamRunnerOptions {
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
  start: SourcePosition | { gtid: string };
  /** Apply in reconcile mode up to and including this position (the copy's end); null: strict throughout. */
  reconcileUntil: SourcePosition | null;
  /** Keyless tables: changes at or before their snapshot position are already in the copy. */
  snapshotPositions: Map<string, SourcePosition>;
  /** The position that counts as caught up (phase catching-up → streaming; --exit-when-caught-up); null: not yet known (a copy still runs alongside, see setTarget). */
  target: SourcePosition | null;
  exitWhenCaughtUp: boolean;
  skipDdlAt: string | null;
  /** Opens the sink side for one session (MySQL: a change applier; Kafka: the publisher). */
  openTarget: () => Promise<StreamTarget<DdlContextBase>>;
}

export type StreamOutcome = 'caught-up' | 'stopped';

const STALL_MS = 30_000;



/** Lost connections and server restarts: worth reconnecting for. */
export function isTransient(e: unknown): boolean {
  const err = e as { code?: string; errno?: number; fatal?: boolean };
  if (err.code === 'UNREACHABLE') return true;
  if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'PROTOCOL_CONNECTION_LOST', 'ER_SERVER_SHUTDOWN', 'ER_CONNECTION_KILLED'].includes(String(err.code))) return true;
  // server shutdown, connection killed, cannot connect, gone away, lost; lock wait timeout and deadlock (retried)
  if ([1053, 1927, 2002, 2003, 2006, 2013, 1205, 1213].includes(Number(err.errno))) return true;
  return err.fatal === true && !(e instanceof CutoverError);
}

export class StreamRunner {
  private readonly streams: StreamStore;
  private readonly metrics: StreamMetrics;
  private applier: StreamTarget<DdlContextBase> | null = null;
  private reader: BinlogReader | null = null;
  private source: Connection | null = null;
  private heartbeat: SourceHeartbeat | null = null;
  private phaseSet = false;
  private retentionCheckedAt = 0;
  private warnedKeyless = new Set<string>();
  private tables = new Map<string, ApplierTable>();
  /** Consecutive failed sessions (reset once a session has applied a batch or applied all it read). */
  private failures = 0;
  /** Tables paused at DDL (policy "pause-table") and their held changes. */
  private readonly held: HeldTables;
  /** Says so when a call to the sink has waited long (a hung sink), in the log and the job status. */
  private readonly sinkWatch: SinkWatch;

  constructor(private readonly o: StreamRunnerOptions) {
    this.streams = new StreamStore(o.store);
    this.held = new HeldTables(o.store, o.jobId, o.cfg.name, o.cfg.ddl, o.log);
    this.metrics = new StreamMetrics(this.streams, o.jobId, null);
    this.metrics.target = o.target;
    this.sinkWatch = new SinkWatch(o.log, sinkLabel(o.cfg));
    this.metrics.sinkWaitingSeconds = () => this.sinkWatch.waitingSeconds;
    this.metrics.checkRoom = () => o.store.checkRoom();
  }

  async run(): Promise<StreamOutcome> {
    const { log, signal } = this.o;
    this.metrics.start();
    if (this.o.stream.heartbeat.enabled) {
      this.heartbeat = await SourceHeartbeat.start(this.o.cfg.source.url, {
        job: this.o.cfg.name,
        intervalMs: this.o.stream.heartbeat.intervalMs,
        onError: (e) => log.warn(`source heartbeat: ${e.message}`),
      });
    }
    try {
      for (;;) {
        try {
          const outcome = await this.session();
          return outcome;
        } catch (e) {
          if (signal.aborted && !(e instanceof CutoverError)) return 'stopped';
          if (!isTransient(e)) throw e;
          this.failures++;
          const wait = Math.min(30_000, 1000 * 2 ** Math.min(this.failures - 1, 5));
          const what = isRetryable(e) ? 'the sink transaction was rolled back' : 'connection lost';
          log.warn(`${what} (${(e as Error).message}); reconnecting in ${wait / 1000} s (attempt ${this.failures})`);
          await this.closeSession();
          await sleep(wait, signal);
          if (signal.aborted) return 'stopped';
        }
      }
    } finally {
      this.sinkWatch.stop();
      await this.metrics.stop();
      await this.closeSession();
      await this.heartbeat?.stop();
    }
  }

  private async closeSession(): Promise<void> {
    await this.reader?.close().catch(() => undefined);
    await this.applier?.close();
    await this.source?.end().catch(() => undefined);
    this.reader = null;
    this.applier = null;
    this.source = null;
    this.metrics.source = null;
  }

  /** One connected stretch: from the sink's checkpoint until caught up, stopped, or a connection fails. */
  private async session(): Promise<StreamOutcome> {
    const { cfg, log, signal, stream } = this.o;
    const watch = this.sinkWatch;
    const applier = (this.applier = await watch.around('connecting', () => this.o.openTarget()));
    const cp = await watch.around('reading the checkpoint', () => applier.checkpoint());
    this.tables = this.o.tablesAt(cp?.position ?? null);
    for (const [name, t] of this.tables) applier.setTable(name, t);
    const source = (this.source = await connect(parseMysqlUrl(cfg.source.url)));
    this.metrics.source = source;
    let from: SourcePosition | { gtid: string } = cp?.position ?? this.o.start;
    if (!cp && 'file' in from) {
      await watch.around('writing the starting checkpoint', () => applier.setCheckpoint(from as SourcePosition, null));
      this.metrics.applied = { file: from.file, pos: from.pos, gtid: null }; // the sink has everything before it
    }
    const gtid = 'file' in from ? null : parseGtid(from.gtid);
    if ('gtid' in from && !gtid) throw new CutoverError(`"${from.gtid}" is not a MariaDB GTID position or a MySQL GTID set`, 'Correct "stream.start.gtid" in the job file.', 'CONFIG');
    await checkPositionAvailable(source, 'file' in from ? from : gtid!);
    log.info(`streaming from ${'file' in from ? formatPosition(from) : `GTID ${from.gtid}`}${cp ? ' (the sink checkpoint)' : ''}`);
    if (cp) this.metrics.applied = { file: cp.position.file, pos: cp.position.pos, gtid: cp.gtid };
    const heartbeatName = `${HEARTBEAT_DB}.${HEARTBEAT_TABLE}`;
    const reader = (this.reader = await BinlogReader.open(cfg.source.url, from, {
      serverId: stream.serverId ?? defaultServerId(cfg.name),
      // The heartbeat table always: the cutover assistant's fence is a heartbeat row (engine/cutover/fence.ts).
      include: (db, table) => isSelected(cfg, { db, table }) || `${db}.${table}` === heartbeatName,
      // Keep decoding while a batch is being applied: room for two batches.
      highWater: Math.max(10_000, 2 * stream.batch.maxRows),
      // Decode with the definitions of the schema history (as updated by each DDL), not the source's current ones.
      hints: (db, table) => {
        const t = applier.table(`${db}.${table}`);
        return t ? new Map(t.info.columns.map((c) => [c.name, { dataType: c.dataType, columnType: c.columnType, generated: c.generated }])) : null;
      },
      pauseAfterDdl: true,
    }));
    if (this.failures) log.info('reconnected');
    const ddlCtx: DdlContextBase = { cfg, jobId: this.o.jobId, store: this.o.store, streams: this.streams, log, source, readSourceTable: sourceTableReader(source), tableIds: this.o.tableIds, skipAt: this.o.skipDdlAt, held: this.held };

    let batch: BinlogTransaction[] = [];
    let batchMode: ApplyMode = 'strict';
    let rows = 0;
    let bytes = 0;
    let firstAt = 0;
    const flush = async (): Promise<void> => {
      if (!batch.length) return;
      // Changes of tables paused at DDL are held (durably) before the sink moves the checkpoint past them.
      const txs = this.held.hold(batch, batchMode);
      batch = [];
      rows = bytes = 0;
      await watch.around(`applying ${txs.length} transaction(s) up to ${formatPosition(txs[txs.length - 1]!.end)}`, () => applier.apply(txs, batchMode));
      this.failures = 0; // the sink took a batch: the next failure starts the backoff again
      this.afterApply(txs);
      if (this.atTarget(txs[txs.length - 1]!.end)) this.reachedTarget(txs[txs.length - 1]!.end);
    };

    for (;;) {
      // The state file's disk is full: stop here (the sink holds exactly what its checkpoint says).
      if (this.metrics.stateError) throw this.metrics.stateError instanceof StateDiskFull ? this.metrics.stateError : new StateDiskFull(this.o.store.path);
      if (signal.aborted) {
        await flush();
        return 'stopped';
      }
      this.maybeCheckRetention(source);
      if (this.held.hasRequests() && applier.heldSink) {
        await flush();
        await this.held.drain(applier.heldSink(ddlCtx), stream.batch.maxRows);
      }
      // While catching up, a quiet binlog is looked at often (the target may lie past the last transaction).
      const wait = batch.length ? Math.max(0, stream.batch.maxDelayMs - (Date.now() - firstAt)) : this.phaseSet ? 250 : 25;
      const item = await reader.next(batch.length ? Math.min(wait, 5) : wait);
      if (item === null) throw new CutoverError('the binlog reader closed unexpectedly');
      if (item === undefined) {
        await flush();
        this.failures = 0; // everything read is applied
        const idle = reader.idlePosition;
        if (idle && applier.idle) await watch.around('recording the idle position', () => applier.idle!(idle));
        this.metrics.oldestPendingAt = null;
        this.checkStalled(reader);
        if (idle && this.atTarget(idle)) {
          this.metrics.caughtUp = true;
          this.reachedTarget(idle);
        }
        if (this.o.exitWhenCaughtUp && this.phaseSet) return 'caught-up';
        continue;
      }
      this.metrics.caughtUp = false;
      if (this.o.exitWhenCaughtUp && this.phaseSet) {
        await flush();
        return 'caught-up';
      }
      if (item.kind === 'ddl') {
        await flush();
        this.metrics.countDdl();
        await watch.around(`applying the DDL at ${formatPosition(item.end)}`, () => applier.ddl(ddlCtx, item, this.o.reconcileUntil !== null && comparePositions(item.end, this.o.reconcileUntil) <= 0));
        reader.ddlHandled();
        this.metrics.applied = { file: item.end.file, pos: item.end.pos, gtid: item.gtid };
        if (this.atTarget(item.end)) this.reachedTarget(item.end);
        continue;
      }
      const tx = this.filter(item);
      const mode: ApplyMode = this.o.reconcileUntil && comparePositions(tx.end, this.o.reconcileUntil) <= 0 ? 'reconcile' : 'strict';
      if (batch.length && mode !== batchMode) await flush();
      if (!batch.length) {
        firstAt = Date.now();
        batchMode = mode;
        this.metrics.oldestPendingAt = tx.timestamp;
      }
      batch.push(tx);
      rows += tx.changes.length;
      for (const c of tx.changes) bytes += rowBytes(c);
      if (rows >= stream.batch.maxRows || bytes >= stream.batch.maxBytes || Date.now() - firstAt >= stream.batch.maxDelayMs) await flush();
    }
  }

  /**
   * A binlog connection can die without an error (a network partition): when nothing has arrived for
   * STALL_MS while the source's position is past the reader's, the connection is dropped and reopened.
   */
  private checkStalled(reader: BinlogReader): void {
    if (Date.now() - reader.lastEventAt < STALL_MS) return;
    // The server sends a heartbeat every 5 s while the binlog is quiet: once some have come, silence means
    // a dead connection; without them, only silence while the source's position moves on does.
    const source = this.metrics.sourcePosition;
    const at = reader.idlePosition;
    const movedOn = source !== null && at !== null && comparePositions(source, at) > 0;
    if (reader.heartbeats === 0 && !movedOn) return;
    throw Object.assign(new Error(`no binlog event or heartbeat for ${STALL_MS / 1000} s${movedOn ? ` while the source moved on to ${formatPosition(source!)}` : ''}: the connection is stalled`), {
      code: 'ECONNRESET',
    });
  }

  /** The copy that ran alongside has finished: catching up ends at `at`. */
  setTarget(at: SourcePosition): void {
    this.o.target = at;
    this.metrics.target = at;
    this.o.store.setJob(this.o.jobId, { phase: 'catching-up' });
  }

  private atTarget(at: SourcePosition): boolean {
    return this.o.target !== null && comparePositions(at, this.o.target) >= 0;
  }

  /** The applied position reached the catch-up target: phase streaming (once). */
  private reachedTarget(at: SourcePosition): void {
    if (this.phaseSet) return;
    this.phaseSet = true;
    this.o.store.setJob(this.o.jobId, { phase: 'streaming' });
    this.o.log.info(`caught up with the source at ${formatPosition(at)}; streaming`);
  }

  /** Drops changes the copy already holds (keyless tables) and heartbeat rows (measured, not applied). */
  private filter(tx: BinlogTransaction): BinlogTransaction {
    const keep: RowChange[] = [];
    for (const c of tx.changes) {
      const name = c.name ?? `${c.db}.${c.table}`;
      if (c.db === HEARTBEAT_DB && c.table === HEARTBEAT_TABLE) {
        this.onHeartbeat(c);
        continue;
      }
      const snap = this.o.snapshotPositions.get(name);
      if (snap && comparePositions(tx.end, snap) <= 0) continue;
      const t = this.tables.get(name);
      if (t && t.info.chunkKey.length === 0 && c.type !== 'insert' && !this.warnedKeyless.has(name)) {
        this.warnedKeyless.add(name);
        this.o.log.warn('has no primary or unique key: updates and deletes match the whole row image with LIMIT 1', name);
      }
      keep.push(c);
    }
    return keep.length === tx.changes.length ? tx : { ...tx, changes: keep };
  }

  private onHeartbeat(c: RowChange): void {
    const written = heartbeatTime(c, this.o.cfg.name);
    if (written !== null) this.metrics.heartbeatLagMs = Math.max(0, Date.now() - written);
  }

  private afterApply(txs: BinlogTransaction[]): void {
    const last = txs[txs.length - 1]!;
    this.metrics.applied = { file: last.end.file, pos: last.end.pos, gtid: last.gtid };
    this.metrics.appliedAt = last.timestamp;
    const counts = new Map<number, ChangeCounts>();
    for (const tx of txs) {
      this.metrics.countTransaction(tx.changes);
      for (const c of tx.changes) {
        const id = this.o.tableIds.get(c.name ?? `${c.db}.${c.table}`);
        if (id === undefined) continue;
        let n = counts.get(id);
        if (!n) counts.set(id, (n = { inserts: 0, updates: 0, deletes: 0 }));
        if (c.type === 'insert') n.inserts++;
        else if (c.type === 'update') n.updates++;
        else n.deletes++;
      }
    }
    try {
      this.streams.addCounts(counts);
    } catch (e) {
      /* counters are best effort; a full disk stops the stream at the next change (see session) */
      if (isDiskFull(e)) this.metrics.stateError ??= e;
    }
  }

  /** Once a minute: warn when the binlog file holding the applied position is within an hour of expiry. */
  private maybeCheckRetention(source: Connection): void {
    const applied = this.metrics.applied;
    if (!applied || Date.now() - this.retentionCheckedAt < 60_000) return;
    this.retentionCheckedAt = Date.now();
    readRetention(source, { kind: 'mysql-binlog', file: applied.file, pos: applied.pos })
      .then((r) => {
        this.metrics.retentionSecondsLeft = r.secondsLeft;
        if (r.secondsLeft !== null && r.secondsLeft < 3600) {
          this.o.log.warn(
            `the source may purge ${applied.file}, which the stream still needs, in ${Math.max(0, Math.round(r.secondsLeft / 60))} min (${r.settings}); ` +
              'let the stream catch up, or keep binlogs longer: SET GLOBAL binlog_expire_logs_seconds = 604800;',
          );
        }
      })
      .catch(() => undefined);
  }
}

function rowBytes(c: RowChange): number {
  let n = 0;
  for (const img of [c.before, c.after]) if (img) for (const v of img) n += v === null ? 1 : v.length + 3;
  return n;
}


/** A replica server id derived from the job name, away from the small ids servers usually have. */
export function defaultServerId(job: string): number {
  let h = 2166136261;
  for (const ch of job) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return 1_000_000 + (h % 1_000_000_000);
}

