// The snapshot copy: workers take chunks across and within tables, read them from the source in key
// ranges and write them to the sink in byte-bounded batches. A chunk is marked done in the state file
// only after the sink has committed every row of it, so a crash re-copies at most the chunks in flight.
import { CutoverError } from '../../shared/errors.js';
import type { SnapshotOptions } from '../../shared/job-config.js';
import { qualified } from '../../shared/table-selection.js';
import type { SourceSession } from '../source/driver.js';
import type { Sink, SinkBatch, SinkWriter } from '../sink/sink.js';
import { decodeKey, encodeKey } from '../mysql/values.js';
import type { ChunkRow, StateStore } from '../state/store.js';
import type { Logger } from '../core/logger.js';
import type { CopyMetrics } from './metrics.js';
import type { Throttle } from './throttle.js';
import type { ChunkGate } from '../core/chunk-gate.js';
import type { ChunkPayload } from '../sink/sink.js';
import { isDiskFull } from '../state/disk-space.js';
import { SinkWatch } from './sink-watch.js';
import { rowFromBytes, type RawRow } from '../core/rows.js';
import type { CopyTable } from '../core/tables.js';

interface TableRuntime {
  t: CopyTable;
  name: string;
  pending: ChunkRow[];
  plannedAll: boolean;
  cursor: RawRow | null;
  nextSeq: number;
  planning: Promise<void> | null;
  active: number;
  failed: boolean;
  completing: boolean;
}

export class StopRequested extends Error {
  constructor() {
    super('stop requested');
  }
}

export interface CopyRunnerOptions {
  store: StateStore;
  /** Opens a data session on the source (raw-bytes reads), one per worker: the source driver's, or a test's. */
  openSource: () => Promise<SourceSession>;
  sink: Sink;
  tables: CopyTable[];
  snapshot: SnapshotOptions;
  /** Raw bytes per sink batch; the sink splits statements further if needed. */
  batchBytes: number;
  log: Logger;
  metrics: CopyMetrics;
  throttle: Throttle;
  signal: AbortSignal;
  /** Streaming follows: read keyless tables in a consistent snapshot and record its binlog position. */
  recordSnapshotPositions?: boolean;
  /**
   * A stream publishes alongside (Kafka): every chunk is read in its own consistent snapshot and handed
   * to the gate, which publishes it at its binlog position (chunk-gate.ts); done once durable there.
   */
  gate?: ChunkGate<ChunkPayload>;
  /** Where the sink is, for the warning when a write waits long (see sink-watch.ts). */
  sinkLabel?: string;
  /**
   * Told when the oldest batch write still unanswered began, once one has waited past the warning
   * threshold, and null once the sink answered every such write (job-runner.ts records it for the status).
   */
  onSinkWait?: (since: number | null) => void;
}

export class CopyRunner {
  private readonly runtimes: TableRuntime[] = [];
  private firstError: unknown = null;
  /** Per worker's writer: says so when a batch write waits long (a hung sink). */
  private readonly watches = new Map<SinkWriter, SinkWatch>();
  /** Writes waiting past the threshold, by watch: when each began. */
  private readonly waiting = new Map<SinkWatch, number>();
  private reportedWait: number | null = null;

  constructor(private readonly o: CopyRunnerOptions) {}

  async run(): Promise<void> {
    const { store } = this.o;
    this.report(null, true); // an earlier run killed while it waited left its wait behind
    for (const t of this.o.tables) {
      const row = store.table(t.stateId);
      if (row.state === 'done') continue;
      const last = store.lastChunk(t.stateId);
      this.runtimes.push({
        t,
        name: qualified(t.source),
        pending: store.pendingChunks(t.stateId),
        plannedAll: row.planned_all === 1,
        cursor: row.plan_cursor && t.keyColumns.length ? decodeKey(row.plan_cursor) : null,
        nextSeq: last ? last.seq + 1 : 0,
        planning: null,
        active: 0,
        failed: false,
        completing: false,
      });
      if (row.state !== 'copying') store.setTable(t.stateId, { state: 'copying', started_at: Date.now() });
    }
    if (!this.runtimes.length) return;
    const workers = Math.max(1, Math.min(this.o.snapshot.parallelism, this.maxUsefulWorkers()));
    await Promise.all(Array.from({ length: workers }, (_, i) => this.worker(i)));
    // Tables whose chunks were all done before this run (a crash between the last chunk and the end).
    if (!this.stopping()) for (const rt of this.runtimes) await this.completeTable(rt).catch((e) => (this.firstError ??= e));
    if (this.firstError) throw this.firstError;
    if (this.o.signal.aborted) throw new StopRequested();
  }

  /** Tables without a key take one worker each; keyed tables can use every worker. */
  private maxUsefulWorkers(): number {
    return this.runtimes.some((r) => r.t.keyColumns.length > 0) ? Infinity : this.runtimes.length;
  }

  private async worker(i: number): Promise<void> {
    let src: SourceSession | null = null;
    let writer: SinkWriter | null = null;
    try {
      src = await this.o.openSource();
      writer = await this.o.sink.openWriter();
      const watch = new SinkWatch(this.o.log, this.o.sinkLabel ?? 'address unknown');
      watch.onWaiting = (since) => this.sinkWaiting(watch, since);
      this.watches.set(writer, watch);
      for (;;) {
        const work = await this.next(src);
        if (!work) break;
        const { rt, chunk } = work;
        try {
          await this.copyChunk(src, writer, rt, chunk);
        } finally {
          rt.active--;
        }
        await this.completeTable(rt);
      }
    } catch (e) {
      if (!(e instanceof StopRequested) && !this.firstError) {
        this.firstError = e;
        this.o.log.debug(`worker ${i} stopped: ${(e as Error).message}`);
      }
      // A failed or stopped worker's connections may be mid-statement: destroy, don't reuse.
      src?.destroy?.();
      if (src && !src.destroy) void src.close().catch(() => undefined);
      src = null;
    } finally {
      const watch = writer ? this.watches.get(writer) : undefined;
      if (watch) {
        watch.stop();
        this.sinkWaiting(watch, null);
        this.watches.delete(writer!);
      }
      await src?.close().catch(() => undefined);
      await writer?.close().catch(() => undefined);
    }
  }

  /** One worker's write started or stopped waiting past the threshold: the job's wait is the oldest one. */
  private sinkWaiting(watch: SinkWatch, since: number | null): void {
    if (since === null) this.waiting.delete(watch);
    else this.waiting.set(watch, since);
    this.report(this.waiting.size ? Math.min(...this.waiting.values()) : null);
  }

  private report(since: number | null, always = false): void {
    if (since === this.reportedWait && !always) return;
    this.reportedWait = since;
    try {
      this.o.onSinkWait?.(since);
    } catch {
      /* status only, best effort (a full state disk is said where the copy writes its progress) */
    }
  }

  private stopping(): boolean {
    return this.o.signal.aborted || this.firstError !== null;
  }

  /** The next chunk to copy: the least-busy table first, planning its next chunk when none is ready. */
  private async next(src: SourceSession): Promise<{ rt: TableRuntime; chunk: ChunkRow } | null> {
    for (;;) {
      if (this.stopping()) return null;
      const open = this.runtimes.filter((r) => !r.failed && (r.pending.length > 0 || !r.plannedAll));
      if (!open.length) return null;
      open.sort((a, b) => a.active - b.active);
      for (const rt of open) {
        if (rt.pending.length) {
          rt.active++;
          return { rt, chunk: rt.pending.shift()! };
        }
        if (!rt.plannedAll && !rt.planning) {
          rt.planning = this.planNext(src, rt).finally(() => (rt.planning = null));
          await rt.planning;
          break; // re-evaluate: the new chunk may be taken by this worker or another
        }
      }
      const waits = open.filter((r) => r.planning).map((r) => r.planning!);
      if (waits.length && open.every((r) => !r.pending.length)) await Promise.race(waits);
    }
  }

  private async planNext(src: SourceSession, rt: TableRuntime): Promise<void> {
    const { t } = rt;
    let upper: RawRow | null = null;
    if (t.keyColumns.length) upper = await src.nextBoundary(t, rt.cursor, this.o.snapshot.chunkRows);
    const last = upper === null;
    const chunk = this.o.store.addChunk(t.stateId, rt.nextSeq++, rt.cursor ? encodeKey(rt.cursor) : null, upper ? encodeKey(upper) : null, last);
    rt.cursor = upper;
    rt.plannedAll = last;
    rt.pending.push(chunk);
  }

  private async copyChunk(src: SourceSession, writer: SinkWriter, rt: TableRuntime, chunk: ChunkRow): Promise<void> {
    const { t } = rt;
    if (!t.keyColumns.length) await this.restartKeylessTable(writer, rt);
    if (this.o.gate) return this.copyChunkThroughGate(src, writer, rt, chunk, this.o.gate);
    const lower = chunk.lower_key ? decodeKey(chunk.lower_key) : null;
    const upper = chunk.upper_key ? decodeKey(chunk.upper_key) : null;
    let batch: SinkBatch | null = null; // created on the first row after a flush
    // A table without a key is one chunk: its rows count as each batch commits, not only at its end.
    const tally = this.chunkTally(rt);
    let inflight: Promise<void> = Promise.resolve();
    let snapshotPosition: string | null = null;
    if (!t.keyColumns.length && this.o.recordSnapshotPositions) snapshotPosition = JSON.stringify((await src.startSnapshot()).file);
    const flush = async (): Promise<void> => {
      const b = batch!;
      batch = null;
      await inflight; // at most one batch being written while the next is read
      const watch = this.watches.get(writer);
      inflight = (watch ? watch.around(`writing ${b.rows} row(s) of ${rt.name}`, () => writer.write(b)) : writer.write(b)).then(() => {
        tally.count(b);
        if (!tally.perBatch) this.o.metrics.add(t.stateId, b.rows, b.bytes);
      });
      inflight.catch(() => undefined); // awaited below; avoid an unhandled rejection meanwhile
    };
    try {
      await readChunkInto(
        src,
        t,
        lower,
        upper,
        () => {
          if (this.stopping()) throw new StopRequested();
          return (batch ??= writer.newBatch(t));
        },
        (b) => {
          if (b.bytes >= this.o.batchBytes) return this.o.throttle.admit(b.rows).then(flush);
        },
        this.o.signal,
      );
      const last = batch as SinkBatch | null; // assigned in the callback above
      if (last?.rows) await this.o.throttle.admit(last.rows).then(flush);
      await inflight;
      if (snapshotPosition) await src.endSnapshot();
    } catch (e) {
      if (snapshotPosition) await src.endSnapshot().catch(() => undefined);
      await inflight.catch(() => undefined);
      if (e instanceof StopRequested || this.o.signal.aborted) throw new StopRequested();
      this.failTable(rt, e);
    }
    if (snapshotPosition) this.o.store.setTable(t.stateId, { snapshot_position: snapshotPosition });
    this.o.store.finishChunk(chunk, tally.rows, tally.bytes, tally.perBatch ? { rows: tally.rows, bytes: tally.bytes } : undefined);
  }

  /**
   * Reads the chunk in a consistent snapshot whose binlog position the gate publishes it at. A snapshot
   * that came out behind what the stream has already published is read again (rare: a commit racing it).
   */
  private async copyChunkThroughGate(src: SourceSession, writer: SinkWriter, rt: TableRuntime, chunk: ChunkRow, gate: ChunkGate<ChunkPayload>): Promise<void> {
    const { t } = rt;
    const lower = chunk.lower_key ? decodeKey(chunk.lower_key) : null;
    const upper = chunk.upper_key ? decodeKey(chunk.upper_key) : null;
    for (let attempt = 1; ; attempt++) {
      const res = gate.reserve();
      let submitted = false;
      try {
        const at = (await src.startSnapshot()).file;
        if (!res.setPosition(at)) {
          await src.endSnapshot();
          if (attempt % 10 === 0) this.o.log.debug(`chunk ${chunk.seq}: snapshot behind the stream ${attempt} times; reading it again`, rt.name);
          continue;
        }
        const batches: SinkBatch[] = [];
        let batch: SinkBatch | null = null;
        // A table without a key is one chunk, published whole: its rows count as each batch of it is read
        // (restartKeylessTable set its counts to zero), so its progress shows before its end.
        const tally = this.chunkTally(rt);
        await readChunkInto(
          src,
          t,
          lower,
          upper,
          () => {
            if (this.stopping()) throw new StopRequested();
            if (!batch) batches.push((batch = writer.newBatch(t, at)));
            return batch;
          },
          (b) => {
            if (b.bytes >= this.o.batchBytes) {
              batch = null;
              tally.count(b);
              return this.o.throttle.admit(b.rows);
            }
          },
          this.o.signal,
        );
        const tail = batch as SinkBatch | null;
        if (tail) tally.count(tail);
        await src.endSnapshot();
        submitted = true;
        const { rows, bytes, perBatch } = tally;
        await res.submit({ batches, chunkId: chunk.id, tableId: t.stateId, table: rt.name, rows, bytes }, () => {
          if (!perBatch) this.o.metrics.add(t.stateId, rows, bytes);
          this.o.store.finishChunk(chunk, rows, bytes, perBatch ? { rows, bytes } : undefined);
          if (perBatch) this.o.store.setTable(t.stateId, { snapshot_position: JSON.stringify(at) });
        });
        return;
      } catch (e) {
        if (!submitted) {
          res.cancel();
          await src.endSnapshot().catch(() => undefined);
        }
        if (e instanceof StopRequested || this.o.signal.aborted) throw new StopRequested();
        this.failTable(rt, e);
      }
    }
  }

  /**
   * A chunk's rows and bytes as its batches are counted. A table without a key (`perBatch`) counts each
   * batch in the table's progress and metrics at once; a keyed chunk counts when the chunk is finished.
   */
  private chunkTally(rt: TableRuntime): { rows: number; bytes: number; perBatch: boolean; count(b: SinkBatch): void } {
    const { stateId } = rt.t;
    const tally = {
      rows: 0,
      bytes: 0,
      perBatch: !rt.t.keyColumns.length,
      count: (b: SinkBatch): void => {
        tally.rows += b.rows;
        tally.bytes += b.bytes;
        if (!tally.perBatch) return;
        this.o.metrics.add(stateId, b.rows, b.bytes);
        this.o.store.addCopiedRows(stateId, b.rows, b.bytes);
      },
    };
    return tally;
  }

  /** Marks the table failed with what went wrong and throws (a full disk is the state file's, not the table's). */
  private failTable(rt: TableRuntime, e: unknown): never {
    if (isDiskFull(e)) throw e; // the state file's disk: not this table's fault (job-runner.ts says what to do)
    rt.failed = true;
    const msg = e instanceof CutoverError ? e.message : `Copying ${rt.name} failed: ${(e as Error).message}`;
    this.o.store.setTable(rt.t.stateId, { state: 'failed', error: msg });
    throw e instanceof CutoverError ? e : new CutoverError(msg, 'Fix the cause, then run the same job again: finished chunks are not copied again.');
  }

  /**
   * A table without a unique key cannot be re-copied idempotently, so its single chunk always starts
   * from an empty sink table: emptied when Cutover created it, refused when it held rows of its own.
   */
  private async restartKeylessTable(writer: SinkWriter, rt: TableRuntime): Promise<void> {
    const row = this.o.store.table(rt.t.stateId);
    if (row.schema_created === 1) {
      await writer.truncate(rt.t);
    } else if (row.plan_cursor === 'started') {
      const sinkName = `${rt.t.sink.db}.${rt.t.sink.table}`;
      throw new CutoverError(
        `${rt.name} has no primary or unique key, and its copy into the existing sink table ${sinkName} (onExisting: append) was interrupted: resuming would duplicate rows.`,
        `Empty the sink table (TRUNCATE TABLE ${sinkName};) and run again, or add a primary key on the source.`,
      );
    }
    this.o.store.resetCopiedRows(rt.t.stateId);
    this.o.store.setTable(rt.t.stateId, { plan_cursor: 'started' });
    this.o.log.warn('has no primary key or NOT NULL unique key on whole columns: copied in one pass; an interrupted copy restarts this table from the beginning', rt.name);
  }

  /** Once every chunk of a table is copied: add its deferred indexes, then mark it done. */
  private async completeTable(rt: TableRuntime): Promise<void> {
    if (rt.failed || rt.completing || !rt.plannedAll || rt.pending.length || rt.active || rt.planning) return;
    const s = this.o.store;
    const row = s.table(rt.t.stateId);
    if (row.state === 'done') return;
    rt.completing = true;
    const deferred = JSON.parse(row.deferred_indexes) as string[];
    if (deferred.length) {
      s.setTable(rt.t.stateId, { state: 'indexing' });
      const started = Date.now();
      try {
        await this.o.sink.finishTable(rt.t, deferred);
      } catch (e) {
        rt.failed = true;
        s.setTable(rt.t.stateId, { state: 'failed', error: (e as Error).message });
        throw e;
      }
      this.o.log.info(`added ${deferred.length} secondary index(es) after the copy in ${((Date.now() - started) / 1000).toFixed(1)} s`, rt.name);
    }
    s.setTable(rt.t.stateId, { state: 'done', finished_at: Date.now(), error: null, deferred_indexes: '[]' });
    this.o.log.info(`copied ${row.rows_copied.toLocaleString('en-US')} rows in ${row.chunks_done} chunk(s)`, rt.name);
  }
}

/**
 * Streams a chunk's rows into the batch `target()` returns, then calls `after` with it (its promise is
 * awaited before more rows are read). Rows travel as bytes when the source can read them so
 * (readChunkBytes): a batch that takes bytes gets them as they are, any other the same values as byte strings.
 */
function readChunkInto(
  src: SourceSession,
  t: CopyTable,
  lower: RawRow | null,
  upper: RawRow | null,
  target: () => SinkBatch,
  after: (b: SinkBatch) => Promise<void> | void,
  signal: AbortSignal,
): Promise<void> {
  if (src.readChunkBytes) {
    return src.readChunkBytes(
      t,
      lower,
      upper,
      (row) => {
        const b = target();
        if (b.addBytes) b.addBytes(row);
        else b.add(rowFromBytes(row));
        return after(b);
      },
      signal,
    );
  }
  return src.readChunk(
    t,
    lower,
    upper,
    (row) => {
      const b = target();
      b.add(row);
      return after(b);
    },
    signal,
  );
}
