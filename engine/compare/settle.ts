// Confirming differences while the job streams: the two sides are read at different moments, so a
// difference may only be a change in flight. A chunk that differs is listed again in rounds, each waiting
// a little longer for the sink; a row counts when it differs the same way in two consecutive rounds.
// Used by every sink's verifier.
import { stableDiffs, type RowDiff } from './row-diff.js';

/** Listing rounds of a chunk that differs while streaming, and how long each waits for the sink. */
export const ROUND_WAITS_MS = [5_000, 10_000, 20_000, 30_000, 30_000];

/** One listing round's result. */
export interface Listing {
  diffs: RowDiff[];
  rowsSource: number;
  rowsSink: number;
}

export class StopRequested extends Error {
  constructor() {
    super('stop requested');
  }
}

/**
 * The differences that hold: at once without a stream; while streaming, those seen the same way in two
 * consecutive rounds (`round(waitMs)` lists both sides, waiting up to waitMs for the sink in between).
 */
export async function settle(round: (waitMs: number) => Promise<Listing>, streaming: boolean, signal: AbortSignal): Promise<Listing & { moving: number }> {
  if (!streaming) return { ...(await round(0)), moving: 0 };
  let prev: RowDiff[] | null = null;
  let last: Listing | null = null;
  let stable: RowDiff[] = [];
  let moving = 0;
  for (const waitMs of ROUND_WAITS_MS) {
    if (signal.aborted) throw new StopRequested();
    last = await round(waitMs);
    if (!last.diffs.length) return { ...last, moving: 0 };
    const s = stableDiffs(prev, last.diffs);
    stable = s.stable;
    moving = s.moving.length;
    if (prev && !moving) break;
    prev = last.diffs;
  }
  return { ...last!, diffs: stable, moving };
}

