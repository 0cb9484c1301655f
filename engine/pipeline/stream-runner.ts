// Follows the source's changes and keeps the sink in step, exactly once.
//
// Position: the sink's checkpoint (written in the same transaction as the data where the sink has
// transactions) is the truth; the state file mirrors it for status. A (re)start reads it and asks the
// source's change reader for the changes from there. Without a checkpoint the stream starts at `start`.
//
// Handoff after a copy: the copy recorded where the source stood before it read any row (S) and when it
// finished (H). Changes from S to H are applied in 'reconcile' mode (REPLACE / delete-if-present), so
// rows the copy already saw in their later state end as the source had them at H; from H on, in
// 'strict' mode. Tables without a key are read in one consistent snapshot whose own position is
// recorded, and their changes up to it are skipped (they are in the copy).
//
// The parts: reading (the source's change reader, stream-source.ts), batching (the pure batcher,
// change-batcher.ts) and applying (one session's apply loop, stream-apply.ts). This runner owns what
// lives across sessions: a lost source or sink connection is retried with backoff (1 s doubling to
// 30 s, or CUTOVER_RECONNECT_MAX_SECONDS), resuming from the sink's checkpoint; a change or DDL the sink refuses stops the run with the
// job paused.
import { CutoverError } from '../../shared/errors.js';
import type { SourcePosition } from '../core/position.js';
import { comparePositions, formatPosition } from '../core/position.js';
import { StreamStore } from '../state/stream-store.js';
import { HeldTables } from './held-tables.js';
import type { StreamTarget } from '../sink/stream-target.js';
import type { DdlContextBase } from './stream-ddl.js';
import { StreamMetrics } from './stream-metrics.js';
import { sleepUnlessAborted } from '../core/sleep.js';
import { SinkWatch, sinkLabel } from './sink-watch.js';
import { ApplyLoop, type ApplyLoopContext, type StreamJobOptions } from './stream-apply.js';
import type { StreamSource, StreamSourceSession } from './stream-source.js';

export interface StreamRunnerOptions extends StreamJobOptions {
  /** Where the changes come from (the source driver's stream side). */
  source: StreamSource;
  /** The position that counts as caught up (phase catching-up → streaming; --exit-when-caught-up); null: not yet known (a copy still runs alongside, see setTarget). */
  target: SourcePosition | null;
  /** Opens the sink side for one session (MySQL: a change applier; Kafka: the publisher). */
  openTarget: () => Promise<StreamTarget<DdlContextBase>>;
  /** Waits between reconnect attempts (default: a timer that a stop ends early); tests pass their own. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** The clock for batching (default Date.now). */
  now?: () => number;
}

export type StreamOutcome = 'caught-up' | 'stopped';

/** Lost connections and server restarts: worth reconnecting for. */
export function isTransient(e: unknown): boolean {
  const err = e as { code?: string; errno?: number; fatal?: boolean };
  if (err.code === 'UNREACHABLE') return true;
  if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'PROTOCOL_CONNECTION_LOST', 'ER_SERVER_SHUTDOWN', 'ER_CONNECTION_KILLED'].includes(String(err.code))) return true;
  // server shutdown, connection killed, cannot connect, gone away, lost; lock wait timeout and deadlock (retried)
  if ([1053, 1927, 2002, 2003, 2006, 2013, 1205, 1213].includes(Number(err.errno))) return true;
  return err.fatal === true && !(e instanceof CutoverError);
}

/** A sink transaction rolled back by the server (lock wait timeout, deadlock): retried like a lost connection. */
function rolledBack(e: unknown): boolean {
  const errno = (e as { errno?: number }).errno;
  return errno === 1205 || errno === 1213;
}

/** Default longest wait between reconnect attempts. CUTOVER_RECONNECT_MAX_SECONDS overrides it. */
export const DEFAULT_RECONNECT_MAX_MS = 30_000;

export function reconnectMaxMs(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.CUTOVER_RECONNECT_MAX_SECONDS);
  return Number.isFinite(v) && v > 0 ? v * 1000 : DEFAULT_RECONNECT_MAX_MS;
}

/** The wait before reconnect attempt `failures` (1, 2, …): 1 s doubling to `maxMs` (30 s). */
export function backoffMs(failures: number, maxMs = DEFAULT_RECONNECT_MAX_MS): number {
  return Math.min(maxMs, 1000 * 2 ** Math.min(failures - 1, 5));
}

export class StreamRunner {
  private readonly streams: StreamStore;
  private readonly metrics: StreamMetrics;
  private session: { loop: ApplyLoop | null; target: StreamTarget<DdlContextBase> | null; source: StreamSourceSession | null } = { loop: null, target: null, source: null };
  private heartbeat: { stop(): Promise<void> } | null = null;
  private phaseSet = false;
  /** Consecutive failed sessions (reset once a session has applied a batch or applied all it read). */
  private failures = 0;
  /** Tables paused at DDL (policy "pause-table") and their held changes. */
  private readonly held: HeldTables;
  /** Says so when a call to the sink has waited long (a hung sink), in the log and the job status. */
  private readonly sinkWatch: SinkWatch;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly maxBackoffMs = reconnectMaxMs();

  constructor(private readonly o: StreamRunnerOptions) {
    this.streams = new StreamStore(o.store);
    this.held = new HeldTables(o.store, o.jobId, o.cfg.name, o.cfg.ddl, o.log);
    this.metrics = new StreamMetrics(this.streams, o.jobId, null);
    this.metrics.target = o.target;
    this.sinkWatch = new SinkWatch(o.log, sinkLabel(o.cfg));
    this.metrics.sinkWaitingSeconds = () => this.sinkWatch.waitingSeconds;
    this.metrics.checkRoom = () => o.store.checkRoom();
    this.sleep = o.sleep ?? sleepUnlessAborted;
  }

  async run(): Promise<StreamOutcome> {
    const { log, signal } = this.o;
    this.metrics.start();
    const hb = this.o.source.heartbeat;
    if (hb && this.o.stream.heartbeat.enabled) {
      this.heartbeat = await hb.start(this.o.cfg.name, this.o.stream.heartbeat.intervalMs, (e) => log.warn(`source heartbeat: ${e.message}`));
    }
    try {
      for (;;) {
        try {
          return await this.runSession();
        } catch (e) {
          if (signal.aborted && !(e instanceof CutoverError)) return 'stopped';
          if (!isTransient(e)) throw e;
          this.failures++;
          const wait = backoffMs(this.failures, this.maxBackoffMs);
          const what = rolledBack(e) ? 'the sink transaction was rolled back' : 'connection lost';
          log.warn(`${what} (${(e as Error).message}); reconnecting in ${wait / 1000} s (attempt ${this.failures})`);
          await this.closeSession();
          await this.sleep(wait, signal);
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
    const { loop, target, source } = this.session;
    this.session = { loop: null, target: null, source: null };
    await loop?.close();
    await target?.close();
    await source?.close().catch(() => undefined);
    this.metrics.source = null;
  }

  private async runSession(): Promise<StreamOutcome> {
    // The sink and the source are independent: connect to both at once. Each is kept in the session as soon
    // as it is open, so that a failure of the other closes it (closeSession).
    const [t, s] = await Promise.allSettled([
      this.sinkWatch.around('connecting', () => this.o.openTarget()).then((x) => (this.session.target = x)),
      this.o.source.openSession().then((x) => (this.session.source = x)),
    ]);
    if (t.status === 'rejected') throw t.reason;
    if (s.status === 'rejected') throw s.reason;
    const target = t.value;
    const source = s.value;
    this.metrics.source = source;
    const loop = (this.session.loop = new ApplyLoop(this.loopContext(), target, source, this.failures > 0));
    return loop.run();
  }

  private loopContext(): ApplyLoopContext {
    const o = this.o;
    return {
      store: o.store,
      jobId: o.jobId,
      cfg: o.cfg,
      stream: o.stream,
      log: o.log,
      signal: o.signal,
      streams: this.streams,
      metrics: this.metrics,
      watch: this.sinkWatch,
      held: this.held,
      heartbeat: o.source.heartbeat,
      tablesAt: o.tablesAt,
      tableIds: o.tableIds,
      start: o.start,
      reconcileUntil: o.reconcileUntil,
      snapshotPositions: o.snapshotPositions,
      exitWhenCaughtUp: o.exitWhenCaughtUp,
      skipDdlAt: o.skipDdlAt,
      transactionPieces: o.transactionPieces,
      target: () => o.target,
      caughtUp: () => this.phaseSet,
      reachedTarget: (at) => this.reachedTarget(at),
      succeeded: () => (this.failures = 0),
      now: o.now ?? Date.now,
    };
  }

  /** The copy that ran alongside has finished: catching up ends at `at`. */
  setTarget(at: SourcePosition): void {
    this.o.target = at;
    this.metrics.target = at;
    this.o.store.setJob(this.o.jobId, { phase: 'catching-up' });
  }

  /** The applied position reached the catch-up target: phase streaming (once). */
  private reachedTarget(at: SourcePosition): void {
    if (this.phaseSet) return;
    if (this.o.target === null || comparePositions(at, this.o.target) < 0) return;
    this.phaseSet = true;
    this.o.store.setJob(this.o.jobId, { phase: 'streaming' });
    // The stream's state (lag, position, paused tables) as of this moment, not up to a second later: a
    // status read right after the phase changes (the cutover assistant's lag step) sees it.
    void this.metrics.sample();
    this.o.log.info(`caught up with the source at ${formatPosition(at)}; streaming`);
  }
}
