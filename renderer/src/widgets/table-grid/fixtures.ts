// Test fixtures: a TableStatus with sensible defaults.
import type { TableStatus } from '../../../../shared/job-status.js';

export function table(source: string, over: Partial<TableStatus> = {}): TableStatus {
  return {
    source,
    sink: source,
    state: 'pending',
    rowsCopied: 0,
    estimatedRows: 1000,
    chunksDone: 0,
    chunksTotal: 10,
    chunksTotalExact: true,
    rowsPerSecond: 0,
    etaSeconds: null,
    inserts: 0,
    updates: 0,
    deletes: 0,
    error: null,
    ...over,
  };
}
