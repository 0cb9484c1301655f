// What a chunk copied so far, and when its rows count in the table's progress.
import type { SinkBatch } from '../sink/sink.js';
import type { StateStore } from '../state/store.js';
import type { CopyTable } from '../core/tables.js';
import type { CopyMetrics } from './metrics.js';

export interface ChunkTally {
  rows: number;
  bytes: number;
  /** A table without a key: each batch counts in the table's progress and metrics as it is counted. */
  readonly perBatch: boolean;
  count(b: SinkBatch): void;
}

/**
 * A chunk's rows and bytes as its batches are counted. A table without a key (`perBatch`) counts each
 * batch in the table's progress and metrics at once; a keyed chunk counts when the chunk is finished.
 */
export function chunkTally(t: CopyTable, metrics: CopyMetrics, store: StateStore): ChunkTally {
  const { stateId } = t;
  const tally: ChunkTally = {
    rows: 0,
    bytes: 0,
    perBatch: !t.keyColumns.length,
    count: (b: SinkBatch): void => {
      tally.rows += b.rows;
      tally.bytes += b.bytes;
      if (!tally.perBatch) return;
      metrics.add(stateId, b.rows, b.bytes);
      store.addCopiedRows(stateId, b.rows, b.bytes);
    },
  };
  return tally;
}
