// The copy's Kafka gate path: while a stream publishes alongside, each chunk is read in its own consistent
// snapshot and handed to the gate (chunk-gate.ts), which publishes it at that snapshot's binlog position;
// the chunk is recorded as done once the gate has it durable.
import type { SourceSession } from '../source/driver.js';
import type { ChunkPayload, SinkBatch, SinkWriter } from '../sink/sink.js';
import { decodeKey } from '../mysql/values.js';
import type { ChunkRow, StateStore } from '../state/store.js';
import type { Logger } from '../core/logger.js';
import type { ChunkGate } from '../core/chunk-gate.js';
import type { CopyMetrics } from './metrics.js';
import type { Throttle } from './throttle.js';
import type { TableRuntime } from './copy-schedule.js';
import { readChunkInto } from './copy-read.js';
import { chunkTally } from './chunk-tally.js';
import { failTable } from './copy-table-state.js';
import { StopRequested } from './stop-requested.js';

export interface GateCopyContext {
  store: StateStore;
  metrics: CopyMetrics;
  throttle: Throttle;
  log: Logger;
  signal: AbortSignal;
  /** Raw bytes per batch. */
  batchBytes: number;
  stopping: () => boolean;
}

/**
 * Reads the chunk in a consistent snapshot whose binlog position the gate publishes it at. A snapshot
 * that came out behind what the stream has already published is read again (rare: a commit racing it).
 */
export async function copyChunkThroughGate(
  c: GateCopyContext,
  src: SourceSession,
  writer: SinkWriter,
  rt: TableRuntime,
  chunk: ChunkRow,
  gate: ChunkGate<ChunkPayload>,
): Promise<void> {
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
        if (attempt % 10 === 0) c.log.debug(`chunk ${chunk.seq}: snapshot behind the stream ${attempt} times; reading it again`, rt.name);
        continue;
      }
      const batches: SinkBatch[] = [];
      let batch: SinkBatch | null = null;
      // A table without a key is one chunk, published whole: its rows count as each batch of it is read
      // (restartKeylessTable set its counts to zero), so its progress shows before its end.
      const tally = chunkTally(t, c.metrics, c.store);
      await readChunkInto(
        src,
        t,
        lower,
        upper,
        () => {
          if (c.stopping()) throw new StopRequested();
          if (!batch) batches.push((batch = writer.newBatch(t, at)));
          return batch;
        },
        (b) => {
          if (b.bytes >= c.batchBytes) {
            batch = null;
            tally.count(b);
            return c.throttle.admit(b.rows);
          }
        },
        c.signal,
      );
      const tail = batch as SinkBatch | null;
      if (tail) tally.count(tail);
      await src.endSnapshot();
      submitted = true;
      const { rows, bytes, perBatch } = tally;
      await res.submit({ batches, chunkId: chunk.id, tableId: t.stateId, table: rt.name, rows, bytes }, () => {
        if (!perBatch) c.metrics.add(t.stateId, rows, bytes);
        c.store.finishChunk(chunk, rows, bytes, perBatch ? { rows, bytes } : undefined);
        if (perBatch) c.store.setTable(t.stateId, { snapshot_position: JSON.stringify(at) });
      });
      return;
    } catch (e) {
      if (!submitted) {
        res.cancel();
        await src.endSnapshot().catch(() => undefined);
      }
      if (e instanceof StopRequested || c.signal.aborted) throw new StopRequested();
      failTable(c.store, rt, e);
    }
  }
}
