// The snapshot copy: workers take chunks across and within tables, read them from the source in key
// ranges and write them to the sink in byte-bounded batches. A chunk is marked done in the state file
// only after the sink has committed every row of it, so a crash re-copies at most the chunks in flight.
// Which chunk comes next is copy-schedule.ts's; a table's state copy-table-state.ts's; the Kafka gate
// path copy-through-gate.ts's; reading a chunk into batches copy-read.ts's.
import type { SnapshotOptions } from '../../shared/job-config.js';
import type { SourceSession } from '../source/driver.js';
import type { Sink, SinkBatch, SinkWriter } from '../sink/sink.js';
import { decodeKey } from '../mysql/values.js';
import type { ChunkRow, StateStore } from '../state/store.js';
import type { Logger } from '../core/logger.js';
import type { CopyMetrics } from './metrics.js';
import type { Throttle } from './throttle.js';
import type { ChunkGate } from '../core/chunk-gate.js';
import type { ChunkPayload } from '../sink/sink.js';
import type { CopyTable } from '../core/tables.js';
import { CopySchedule, type TableRuntime } from './copy-schedule.js';
import { completeTable, failTable, restartKeylessTable } from './copy-table-state.js';
import { copyChunkThroughGate, type GateCopyContext } from './copy-through-gate.js';
import { CopySinkWaits } from './copy-sink-waits.js';
import { readChunkInto } from './copy-read.js';
import { chunkTally } from './chunk-tally.js';
import { StopRequested } from './stop-requested.js';

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
  private readonly schedule: CopySchedule;
  private readonly waits: CopySinkWaits;
  private readonly gateContext: GateCopyContext;
  private firstError: unknown = null;

  constructor(private readonly o: CopyRunnerOptions) {
    const stopping = (): boolean => this.stopping();
    this.schedule = new CopySchedule({ store: o.store, chunkRows: o.snapshot.chunkRows, byTable: o.sink.copyTableByTable === true, stopping });
    this.waits = new CopySinkWaits(o.log, o.sinkLabel ?? 'address unknown', o.onSinkWait);
    const { store, metrics, throttle, log, signal, batchBytes } = o;
    this.gateContext = { store, metrics, throttle, log, signal, batchBytes, stopping };
  }

  async run(): Promise<void> {
    this.waits.reset(); // an earlier run killed while it waited left its wait behind
    this.schedule.load(this.o.tables);
    const { tables } = this.schedule;
    if (!tables.length) return;
    const workers = Math.max(1, Math.min(this.o.snapshot.parallelism, this.schedule.maxUsefulWorkers()));
    await Promise.all(Array.from({ length: workers }, (_, i) => this.worker(i)));
    // Tables whose chunks were all done before this run (a crash between the last chunk and the end).
    if (!this.stopping()) for (const rt of tables) await this.completeTable(rt).catch((e) => (this.firstError ??= e));
    if (this.firstError) throw this.firstError;
    if (this.o.signal.aborted) throw new StopRequested();
  }

  private async worker(i: number): Promise<void> {
    let src: SourceSession | null = null;
    let writer: SinkWriter | null = null;
    // A chunk's last write goes on while the worker reads its next chunk: `lastWrite` settles with it (the
    // next chunk's first write waits for it: one write in flight per worker), `tail` once every chunk this
    // worker read is recorded (or failed) and its table completed. Neither rejects.
    let lastWrite: Promise<void> = Promise.resolve();
    let tail: Promise<void> = Promise.resolve();
    try {
      src = await this.o.openSource();
      writer = await this.o.sink.openWriter();
      this.waits.watch(writer);
      for (;;) {
        const work = await this.schedule.next(src);
        if (!work) break;
        const { rt, chunk } = work;
        let written: Promise<void>;
        try {
          ({ written } = await this.copyChunk(src, writer, rt, chunk, lastWrite));
        } catch (e) {
          rt.active--;
          throw e;
        }
        lastWrite = written.then(
          () => undefined,
          () => undefined,
        );
        const done = this.afterWrite(rt, written);
        const before = tail;
        tail = Promise.all([before, done]).then(() => undefined);
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
      await tail;
      if (writer) this.waits.release(writer);
      await src?.close().catch(() => undefined);
      await writer?.close().catch(() => undefined);
    }
  }

  /**
   * After a chunk's last write was answered (`written` recorded the chunk as done, or failed its table): the
   * chunk no longer counts as active, and its table may be complete. Never rejects: a failure is the run's.
   */
  private async afterWrite(rt: TableRuntime, written: Promise<void>): Promise<void> {
    try {
      await written;
    } catch (e) {
      if (!(e instanceof StopRequested)) this.firstError ??= e;
      return;
    } finally {
      rt.active--;
    }
    await this.completeTable(rt).catch((e: unknown) => {
      this.firstError ??= e;
    });
  }

  private completeTable(rt: TableRuntime): Promise<void> {
    return completeTable(this.o.store, this.o.sink, this.o.log, rt);
  }

  private stopping(): boolean {
    return this.o.signal.aborted || this.firstError !== null;
  }

  /**
   * Reads a chunk and writes it in batches; returns once it is read, with `written`: its last write, which
   * records the chunk as done once the sink has every row of it (it rejects with the table's failure). The
   * chunk's first write waits for `before` (the worker's previous chunk's last write). A table without a key
   * (one chunk, started from an empty sink table) and a chunk through the gate are written before this returns.
   */
  private async copyChunk(src: SourceSession, writer: SinkWriter, rt: TableRuntime, chunk: ChunkRow, before: Promise<void>): Promise<{ written: Promise<void> }> {
    const { t } = rt;
    const { store } = this.o;
    const keyless = !t.keyColumns.length;
    if (keyless || this.o.gate) await before;
    if (keyless) await restartKeylessTable(store, this.o.log, writer, rt);
    if (this.o.gate) {
      await copyChunkThroughGate(this.gateContext, src, writer, rt, chunk, this.o.gate);
      return { written: Promise.resolve() };
    }
    const lower = chunk.lower_key ? decodeKey(chunk.lower_key) : null;
    const upper = chunk.upper_key ? decodeKey(chunk.upper_key) : null;
    let batch: SinkBatch | null = null; // created on the first row after a flush
    // A table without a key is one chunk: its rows count as each batch commits, not only at its end.
    const tally = chunkTally(t, this.o.metrics, store);
    let inflight: Promise<void> = before;
    let snapshotPosition: string | null = null;
    if (keyless && this.o.recordSnapshotPositions) snapshotPosition = JSON.stringify((await src.startSnapshot()).file);
    const flush = async (): Promise<void> => {
      const b = batch!;
      batch = null;
      await inflight; // at most one batch being written while the next is read
      const watch = this.waits.of(writer);
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
      if (keyless) await inflight;
      if (snapshotPosition) await src.endSnapshot();
    } catch (e) {
      if (snapshotPosition) await src.endSnapshot().catch(() => undefined);
      await inflight.catch(() => undefined);
      if (e instanceof StopRequested || this.o.signal.aborted) throw new StopRequested();
      failTable(store, rt, e);
    }
    const record = (): void => {
      if (snapshotPosition) store.setTable(t.stateId, { snapshot_position: snapshotPosition });
      store.finishChunk(chunk, tally.rows, tally.bytes, tally.perBatch ? { rows: tally.rows, bytes: tally.bytes } : undefined);
    };
    if (keyless) {
      record();
      return { written: Promise.resolve() };
    }
    const written = inflight.then(record, (e: unknown) => {
      if (e instanceof StopRequested || this.o.signal.aborted) throw new StopRequested();
      failTable(store, rt, e);
    });
    written.catch(() => undefined); // the worker awaits it (afterWrite)
    return { written };
  }
}
