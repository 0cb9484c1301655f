// Writing single documents outside the copy: a repair's re-indexed rows and deleted extras. Every such write
// goes through writeDocuments, one `_bulk` request per group, so how a write is versioned is decided in one
// place: `versionOf` gives a write an external version (`version_type: external_gte`, e.g. one derived from
// the source position, as the stream writes them) or none (the cluster's internal version: the document is
// simply replaced). With a version, a document the cluster already holds at a newer version is left as it
// is (409 version_conflict: newer data wins). Items the cluster cannot take now (429) are sent again with
// backoff; any other rejected item throws naming the index, the `_id` and the cluster's reason.
import { CutoverError } from '../../../shared/errors.js';
import { fixForRejection } from './bulk-writer.js';
import type { SearchClient } from './http.js';

/** One write: the document's JSON text (rendered by the copy's rules), or null to delete the `_id`. */
export interface DocumentWrite {
  id: string;
  doc: string | null;
}

/** The external version of a write (a decimal integer), or null for none. */
export type VersionOf = (w: DocumentWrite) => string | null;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The `_bulk` lines of one write. */
export function bulkLines(index: string, w: DocumentWrite, version: string | null): string {
  const meta: Record<string, unknown> = { _index: index, _id: w.id };
  if (version !== null) Object.assign(meta, { version: Number.isSafeInteger(Number(version)) ? Number(version) : version, version_type: 'external_gte' });
  return w.doc === null ? `${JSON.stringify({ delete: meta })}\n` : `${JSON.stringify({ index: meta })}\n${w.doc}\n`;
}

interface Item {
  status: number;
  error?: { type?: string; reason?: string };
}

/** Writes (and deletes) these documents of one index; returns once the cluster took every one. */
export async function writeDocuments(client: SearchClient, index: string, writes: DocumentWrite[], versionOf: VersionOf = () => null, retryForMs = 10 * 60_000): Promise<void> {
  let pending = writes;
  const deadline = Date.now() + retryForMs;
  let delay = 250;
  while (pending.length) {
    const body = pending.map((w) => bulkLines(index, w, versionOf(w))).join('');
    const r = await client.request('POST', '_bulk?refresh=true&filter_path=items.*.status,items.*.error', body, { contentType: 'application/x-ndjson' });
    const items = ((r.body as { items?: Record<string, Item>[] }).items ?? []).map((i) => Object.values(i)[0]!);
    if (items.length !== pending.length) throw new CutoverError(`The bulk response of ${index} has ${items.length} items for ${pending.length} writes.`, 'Run the repair again; if it repeats, check the cluster\'s logs.', 'SINK');
    const again: DocumentWrite[] = [];
    for (const [k, it] of items.entries()) {
      const w = pending[k]!;
      if (it.status < 300 || (it.status === 404 && w.doc === null) || (it.status === 409 && it.error?.type === 'version_conflict_engine_exception')) continue;
      if (it.status === 429 && Date.now() < deadline) {
        again.push(w);
        continue;
      }
      const type = it.error?.type ?? `HTTP ${it.status}`;
      throw new CutoverError(
        `The search cluster rejected the ${w.doc === null ? 'deletion' : 'document'} of _id ${JSON.stringify(w.id)} in index ${index}: ${type}: ${it.error?.reason ?? ''}`,
        fixForRejection(type, index),
        'SINK_ROW',
      );
    }
    pending = again;
    if (pending.length) {
      await sleep(delay);
      delay = Math.min(delay * 2, 10_000);
    }
  }
}
