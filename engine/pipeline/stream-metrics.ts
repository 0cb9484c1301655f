// Streaming's live numbers: events per second by type, lag in seconds, and how far (bytes, transactions)
// the sink is behind the source's current position; sampled every second into the state file. The source's
// position and the bytes behind it come from the source session (SourceSession.backlog; MySQL: binlog
// file sizes).
import type { SourcePosition } from '../core/position.js';
import type { SourceSession } from '../source/driver.js';
import type { SinkHeartbeat } from '../sink/stream-target.js';
import type { StreamState, StreamStore } from '../state/stream-store.js';
import { isDiskFull } from '../state/disk-space.js';

/** What the metrics read of the source (a stream session). */
export type BacklogSource = Pick<SourceSession, 'currentStatus' | 'backlog'>;

interface Counters {
  txs: number;
  inserts: number;
  updates: number;
  deletes: number;
  ddl: number;
}

const zero = (): Counters => ({ txs: 0, inserts: 0, updates: 0, deletes: 0, ddl: 0 });

/** Transactions between two MariaDB GTID positions of the same domain and server ("0-1-42"); else null. */
export function gtidDistance(applied: string | null, source: string | null): number | null {
  if (!applied || !source) return null;
  const a = /^(\d+)-(\d+)-(\d+)$/.exec(applied.trim());
  if (!a) return null;
  for (const part of source.split(',')) {
    const s = /^(\d+)-(\d+)-(\d+)$/.exec(part.trim());
    if (s && s[1] === a[1]) return Math.max(0, Number(s[3]) - Number(a[3]));
  }
  return null;
}

export class StreamMetrics {
  private readonly count = zero();
  private last = zero();
  private lastTs = Date.now();
  private timer: NodeJS.Timeout | null = null;
  private sampling = false;
  /** Commit time (unix s) of the last applied transaction, and of the oldest one read but not applied. */
  appliedAt: number | null = null;
  oldestPendingAt: number | null = null;
  applied: { file: string; pos: number; gtid: string | null } | null = null;
  target: SourcePosition | null = null;
  caughtUp = false;
  heartbeatLagMs: number | null = null;
  /**
   * A sink that keeps the heartbeat (SinkHeartbeat): each sample reads the lag from it (the record's age on
   * the sink) instead of taking what the stream measured; null: the stream's measure.
   */
  sinkHeartbeat: Pick<SinkHeartbeat, 'ageMs' | 'where'> | null = null;
  retentionSecondsLeft: number | null = null;
  /** Seconds the stream has been waiting for the sink to answer, once that is long (see sink-watch.ts). */
  sinkWaitingSeconds: () => number | null = () => null;
  /** Throws when the state file's disk is nearly full (StateStore.checkRoom). */
  checkRoom: () => void = () => undefined;
  /** The state file could not be written for lack of space: the stream stops (see disk-space.ts). */
  stateError: unknown = null;
  private lastKnown: Pick<StreamState, 'source' | 'behindBytes' | 'behindTxs'> = { source: null, behindBytes: null, behindTxs: null };

  constructor(
    private readonly streams: StreamStore,
    private readonly jobId: number,
    /** The source session the position and backlog are read from (replaced after a reconnect; null between sessions). */
    public source: BacklogSource | null,
  ) {}

  /** The source's binlog position at the last sample, if known. */
  get sourcePosition(): SourcePosition | null {
    const s = this.lastKnown.source;
    return s ? { kind: 'mysql-binlog', file: s.file, pos: s.pos } : null;
  }

  countTransaction(changes: { type: 'insert' | 'update' | 'delete' }[]): void {
    this.count.txs++;
    for (const c of changes) {
      if (c.type === 'insert') this.count.inserts++;
      else if (c.type === 'update') this.count.updates++;
      else this.count.deletes++;
    }
  }

  /** Row changes of a transaction counted apart from it (the pieces of a large one, see stream-apply.ts). */
  countChanges(n: { inserts: number; updates: number; deletes: number }): void {
    this.count.inserts += n.inserts;
    this.count.updates += n.updates;
    this.count.deletes += n.deletes;
  }

  countDdl(): void {
    this.count.ddl++;
  }

  /** Samples now (status shows the stream from its first moment), then every second. */
  start(): void {
    this.lastTs = Date.now();
    void this.sample();
    this.timer = setInterval(() => void this.sample(), 1000);
    this.timer.unref();
  }

  stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    return this.sample();
  }

  async sample(): Promise<void> {
    if (this.sampling) return;
    this.sampling = true;
    try {
      this.checkRoom();
      const nowMs = Date.now();
      const secs = Math.max(0.001, (nowMs - this.lastTs) / 1000);
      this.lastTs = nowMs;
      const c = this.count;
      const rate = (k: keyof Counters): number => (c[k] - this.last[k]) / secs;
      // Without a connection (reconnecting, or stopped) the last known values stand.
      let { source, behindBytes, behindTxs } = this.lastKnown;
      if (this.source) {
        try {
          const applied = this.applied;
          const backlog = applied ? await this.source.backlog({ kind: 'mysql-binlog', file: applied.file, pos: applied.pos }) : null;
          const status = backlog?.head ?? (await this.source.currentStatus());
          const gtid = status.gtid?.kind === 'mariadb-gtid' ? status.gtid.gtidPos : status.gtid?.kind === 'mysql-gtid' ? status.gtid.gtidSet : null;
          source = { file: status.file.file, pos: status.file.pos, gtid };
          if (applied && backlog) {
            behindBytes = backlog.bytesBehind;
            behindTxs = gtidDistance(applied.gtid, gtid);
            if (behindBytes === 0) behindTxs = 0;
          }
        } catch {
          /* the source is unreachable: the stream reconnects; the sample keeps what it knows */
        }
      }
      if (this.sinkHeartbeat) {
        try {
          this.heartbeatLagMs = await this.sinkHeartbeat.ageMs();
        } catch {
          /* the sink does not answer now: the last value stands (sink-watch.ts says how long it has waited) */
        }
      }
      const lag = this.caughtUp || behindBytes === 0 ? 0 : this.oldestPendingAt !== null ? Math.max(0, nowMs / 1000 - this.oldestPendingAt) : this.appliedAt !== null ? Math.max(0, nowMs / 1000 - this.appliedAt) : null;
      const state: StreamState = {
        applied: this.applied,
        source,
        target: this.target ? { file: this.target.file, pos: this.target.pos } : null,
        caughtUp: this.caughtUp,
        lagSeconds: lag,
        heartbeatLagMs: this.heartbeatLagMs,
        heartbeatOnSink: this.sinkHeartbeat ? `${this.sinkHeartbeat.where} on the sink` : null,
        behindBytes,
        behindTxs,
        retentionSecondsLeft: this.retentionSecondsLeft,
        sinkWaitingSeconds: this.sinkWaitingSeconds(),
        updatedAt: nowMs,
      };
      this.streams.addSample({
        job_id: this.jobId,
        ts: Math.floor(nowMs / 1000),
        lag_seconds: lag,
        heartbeat_lag_ms: this.heartbeatLagMs,
        behind_bytes: behindBytes,
        behind_txs: behindTxs,
        txs_per_s: rate('txs'),
        inserts_per_s: rate('inserts'),
        updates_per_s: rate('updates'),
        deletes_per_s: rate('deletes'),
        ddl_per_s: rate('ddl'),
      });
      this.streams.setState(this.jobId, state);
      this.lastKnown = { source, behindBytes, behindTxs };
      this.last = { ...c };
    } catch (e) {
      // Metrics are best effort; positions are not. A full disk under the state file stops the run.
      if (isDiskFull(e)) this.stateError ??= e;
    } finally {
      this.sampling = false;
    }
  }
}
