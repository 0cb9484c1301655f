// What a `_bulk` response's item means for the write it answers, for the copy (bulk-writer.ts) and the
// stream (search-stream-target.ts) alike. Every write carries an external version (external-version.ts):
//   2xx                                   written
//   409 version_conflict_engine_exception  the document (or its delete tombstone) already has this version
//                                         or a newer one: the change is already applied (a replay after a
//                                         crash, or a copy row older than a change the stream wrote)
//   404 on a delete, without an error     the document is not there: nothing to delete (its tombstone now
//                                         holds the delete's version)
//   429 (es_rejected_execution)           the cluster cannot take it now: sent again with backoff
//   anything else                         rejected: the job stops naming the index, _id, reason and fix
export interface BulkItem {
  status: number;
  _id?: string;
  _index?: string;
  error?: { type?: string; reason?: string; caused_by?: { type?: string; reason?: string } };
}

export type ItemOutcome = 'done' | 'retry' | 'rejected';

/** The items of a _bulk response body, in request order (each item's one action key taken off). */
export function bulkItems(body: unknown): BulkItem[] {
  const res = body as { items?: Record<string, BulkItem>[] } | null;
  return (res?.items ?? []).map((i) => Object.values(i)[0]!);
}

export function itemOutcome(it: BulkItem, op: 'index' | 'delete'): ItemOutcome {
  if (it.status < 300) return 'done';
  if (it.status === 409 && it.error?.type === 'version_conflict_engine_exception') return 'done';
  if (it.status === 404 && op === 'delete' && !it.error) return 'done';
  if (it.status === 429) return 'retry';
  return 'rejected';
}

/** The cluster's reason for a rejected item: "type: reason (caused_by)". */
export function itemReason(it: BulkItem): string {
  const type = it.error?.type ?? `HTTP ${it.status}`;
  return `${type}: ${it.error?.reason ?? ''}${it.error?.caused_by ? ` (${it.error.caused_by.type}: ${it.error.caused_by.reason})` : ''}`;
}

/**
 * The filter_path a bulk request asks for: only what the items' outcomes need (their status and error, in
 * request order; ~25 bytes an item when it succeeded, where the whole item is ~190).
 */
export const BULK_PATH = '_bulk?filter_path=errors,items.*.status,items.*.error';

/**
 * A bulk response's text (asked with BULK_PATH): null when it says every one of the `expected` items
 * succeeded (`"errors":false` and that many statuses: the common case, answered without building an object
 * per item), else its items, parsed.
 */
export function bulkAnswer(text: string, expected: number): BulkItem[] | null {
  if (text.startsWith('{"errors":false')) {
    let n = 0;
    for (let i = text.indexOf('"status":'); i >= 0; i = text.indexOf('"status":', i + 9)) n++;
    if (n === expected) return null;
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  return bulkItems(body);
}
