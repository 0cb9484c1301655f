// When the search stream sends a bulk request. Changes reach the sink in stream batches that the change
// batcher closes after `stream.batch.maxDelayMs`; the search sink caps that at STREAM_FLUSH_MS, so while
// changes flow a bulk request leaves at least every 200 ms. A batch's writes are cut into bulk requests of
// at most `maxBytes` of NDJSON and `maxDocs` actions (sent one after another, in order); the checkpoint
// moves only after the last one's response said every item succeeded.

/** The longest a change waits in the stream before its bulk request is sent. */
export const STREAM_FLUSH_MS = 200;
/** Actions per bulk request at most (the cluster's own guidance: a few thousand). */
export const STREAM_BULK_DOCS = 5_000;
/** NDJSON bytes per bulk request at most, unless "sink.batchBytes" says otherwise. */
export const STREAM_BULK_BYTES = 4 * 1024 * 1024;

export interface BulkLimits {
  maxBytes: number;
  maxDocs: number;
}

/** Cuts actions (in order) into bulk requests within the limits; an action larger than maxBytes goes alone. */
export function cutBulks<T extends { body: string }>(actions: T[], limits: BulkLimits): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let bytes = 0;
  for (const a of actions) {
    const n = Buffer.byteLength(a.body);
    if (cur.length && (cur.length >= limits.maxDocs || bytes + n > limits.maxBytes)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(a);
    bytes += n;
  }
  if (cur.length) out.push(cur);
  return out;
}

/** The stream batch's delay under the sink's flush interval: `maxDelayMs` at most STREAM_FLUSH_MS. */
export function flushDelay(maxDelayMs: number): number {
  return Math.min(maxDelayMs, STREAM_FLUSH_MS);
}
