// Walking a keyed table chunk by chunk for a verification: the source's keyset boundaries decide the
// chunks, and the report's chunk counts (done / expected) follow the walk, so progress shows as it goes.
import type { RawRow } from '../core/rows.js';
import type { VerifyTableResult } from '../../shared/verify.js';
import { StopRequested } from './settle.js';

export interface ChunkWalk {
  estimatedRows: number;
  chunkRows: number;
  signal: AbortSignal;
  /** Called after each chunk (progress). */
  onChunk: () => void;
}

/** Calls `visit` for each chunk [lower, upper) that `next` bounds (upper null: the last chunk), counting chunks in `r`. */
export async function walkKeyChunks(
  r: VerifyTableResult,
  o: ChunkWalk,
  next: (lower: RawRow | null) => Promise<RawRow | null>,
  visit: (lower: RawRow | null, upper: RawRow | null) => Promise<void>,
): Promise<void> {
  r.chunks = Math.max(1, Math.ceil(o.estimatedRows / o.chunkRows));
  let lower: RawRow | null = null;
  for (;;) {
    if (o.signal.aborted) throw new StopRequested();
    const upper = await next(lower);
    await visit(lower, upper);
    r.chunksDone++;
    r.chunks = Math.max(r.chunks, r.chunksDone + (upper ? 1 : 0));
    o.onChunk();
    if (!upper) break;
    lower = upper;
  }
  r.chunks = r.chunksDone;
}
