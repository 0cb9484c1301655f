// Verification of a search sink against its source, chunk by chunk over the copy's key ranges (the
// source's nextBoundary, keyset pagination): each source row is rendered by the copy's own rules
// (bulk-writer.ts: `_id` and document), the chunk's `_id`s are fetched with `_mget` (real-time: what the
// cluster holds now, refreshed or not), and each `_source` is compared field by field with the rendered
// document (doc-compare.ts: every digit, every character, JSON by value). A row whose `_id` is not found is
// `missing`; a document with other values is `different`, with the fields that differ.
//
// Extra documents (no source row renders their `_id`): the index is refreshed and counted before the
// chunks; every source row found as a document accounts for one of them, so `count - found` documents are
// extras. Only when that is more than zero is the index scanned (a scroll sorted by `_doc`, `_id`s only)
// and each `_id` looked up in the set of the source's `_id`s kept during the chunks (a 96-bit hash per row,
// at most SOURCE_ID_LIMIT rows per table: past that the extras are counted, not named).
//
// Report shapes are the other sinks': missing and different rows carry their key's source bytes (`hex`);
// an extra document, which has no source row, carries its `_id`'s UTF-8 bytes as its one `hex` entry and
// its key as the `_id`'s texts (fields.ts keyTextsOf). repair.ts reads both back.
import { createHash } from 'node:crypto';
import { CutoverError } from '../../../shared/errors.js';
import type { SearchSinkConfig } from '../../../shared/job-config.js';
import { DESCRIBED_ROWS, recordMismatch, type RowMismatch, type VerifyTableResult } from '../../../shared/verify.js';
import type { Logger } from '../../core/logger.js';
import type { RawRow } from '../../core/rows.js';
import type { SourceSession } from '../../source/driver.js';
import { side, type VerifyTable } from '../../compare/chunk-checksum.js';
import { toMismatch } from '../../compare/row-diff.js';
import { StopRequested } from '../../compare/settle.js';
import { walkKeyChunks } from '../../compare/chunk-walk.js';
import type { SinkVerifier, SinkVerifierContext } from '../../compare/sink-verifier.js';
import { documentShape, renderDocument, rowId, type DocumentShape } from './bulk-writer.js';
import { detectCluster } from './cluster.js';
import { documentDifferences, documentValues } from './doc-compare.js';
import { isObject, parseExactJson, type ExactJson, type JsonObject } from './exact-json.js';
import { keyTextsOf } from './fields.js';
import { fetchDocuments, SearchClient, type FetchedDocument } from './http.js';
import { indexNameOf } from './index-name.js';
import { joinSpecs, ownFields, type JoinSpec } from './join-rules.js';

/** `_id`s per `_mget` request and documents per scroll page. */
export const IDS_PER_REQUEST = 1000;
/** Source rows per table whose `_id` hashes are kept to name extra documents (about 60 MB of memory). */
export const SOURCE_ID_LIMIT = 1_000_000;

const idHash = (id: string): string => createHash('sha1').update(id).digest('base64').slice(0, 16);
const enc = encodeURIComponent;

/** Every `_id` of the index, a page at a time (a scroll sorted by `_doc`, no `_source`). */
export async function scanIds(client: SearchClient, index: string, onPage: (ids: string[]) => void, signal: AbortSignal): Promise<void> {
  let r = await client.request('POST', `${enc(index)}/_search?scroll=2m`, { size: IDS_PER_REQUEST, sort: ['_doc'], _source: false });
  let scrollId: string | undefined;
  try {
    for (;;) {
      const body = r.body as { _scroll_id?: string; hits?: { hits?: { _id: string }[] } };
      scrollId = body._scroll_id ?? scrollId;
      const hits = body.hits?.hits ?? [];
      if (!hits.length) return;
      onPage(hits.map((h) => h._id));
      if (signal.aborted) throw new StopRequested();
      if (!scrollId) throw new Error(`the scroll of ${index} returned no _scroll_id`);
      r = await client.request('POST', '_search/scroll', { scroll: '2m', scroll_id: scrollId });
    }
  } finally {
    if (scrollId) await client.request('DELETE', '_search/scroll', { scroll_id: [scrollId] }, { ok: [404] }).catch(() => undefined);
  }
}

/** An extra document as the report names it: key columns → the `_id`'s texts (or `_id` itself), `hex` its `_id`'s bytes. */
export function extraMismatch(id: string, keyColumns: readonly { name: string }[]): RowMismatch {
  let key: Record<string, string | null> = { _id: id };
  try {
    const texts = keyTextsOf(id);
    if (Array.isArray(texts) && texts.length === keyColumns.length && texts.every((x) => typeof x === 'string')) key = Object.fromEntries(keyColumns.map((c, i) => [c.name, texts[i]!]));
  } catch {
    /* an _id no row renders: shown as it is */
  }
  return { key, hex: [Buffer.from(id, 'utf8').toString('hex')], kind: 'extra' };
}

export interface SearchTableCheck {
  client: SearchClient;
  source: SourceSession;
  index: string;
  chunkRows: number;
  maxRows: number;
  signal: AbortSignal;
  log: Logger;
  onChunk: () => void;
  /** "sink.documents" entries writing fields into this table's documents: those fields are not compared. */
  joined?: JoinSpec[];
  /** The job's per-column choices ("sink.columns"): the documents hold their extra fields. */
  columns?: SearchSinkConfig['columns'];
}

/** Compares one table with its index; fills `r` as the other sinks' verifiers do. */
export async function verifySearchTable(t: VerifyTable, r: VerifyTableResult, o: SearchTableCheck): Promise<void> {
  const name = `${t.source.db}.${t.source.table}`;
  if (!t.keyColumns.length)
    throw new CutoverError(`${name} has no primary or NOT NULL unique key: the search sink does not copy such tables, so there is nothing to compare.`, 'Leave the table out of the job, or give it a primary key on the source.', 'CONFIG');
  const { client, index } = o;
  if ((await client.request('HEAD', enc(index), undefined, { ok: [404] })).status === 404)
    throw new CutoverError(`The index ${index} does not exist on the search cluster.`, 'Run the job (it creates and copies its indexes), or check "sink.index" and "rename" in the job file.', 'NOT_FOUND');
  // Counting sees refreshed documents only: refresh first (the copy's refresh interval may be off).
  await client.request('POST', `${enc(index)}/_refresh`);
  const docCount = Number(((await client.request('GET', `${enc(index)}/_count`)).body as { count?: number }).count ?? 0);
  const shape: DocumentShape = documentShape({ ...t, stateId: 0 }, index, o.columns);
  if (o.joined?.length)
    o.log.warn(`verify: the fields other tables write into ${index} (${o.joined.map((j) => `"${j.as}" from ${j.from}`).join(', ')}) are not compared here; each of those tables is compared with its own index, the lookup they are written from`, name);
  const src = side(t, 'source');
  const ids = new Set<string>();
  let idsKept = true;
  let found = 0;
  let described = 0;
  const push = (m: RowMismatch): boolean => recordMismatch(r, m, o.maxRows);

  await walkKeyChunks(r, { estimatedRows: t.source.estimatedRows, chunkRows: o.chunkRows, signal: o.signal, onChunk: o.onChunk }, (lower) => o.source.nextBoundary(src, lower, o.chunkRows), async (lower, upper) => {
    const rows: { id: string; doc: string; key: RawRow }[] = [];
    let n = 0;
    await o.source.readChunk(src, lower, upper, (row) => {
      n++;
      const where = (): string => `${name} (row ${n} of the chunk)`;
      rows.push({ id: rowId(shape, row, where), doc: renderDocument(shape, row, where), key: shape.keyIdx.map((i) => row[i] ?? null) });
    });
    const docs = await fetchDocuments(client, index, rows.map((x) => x.id), { perRequest: IDS_PER_REQUEST });
    let differs = false;
    for (const row of rows) {
      if (idsKept) {
        if (ids.size < SOURCE_ID_LIMIT) ids.add(idHash(row.id));
        else idsKept = false;
      }
      const fetched = docs.get(row.id)?.source ?? null;
      const actual = fetched !== null && o.joined?.length && isObject(fetched) ? ownFields(fetched, o.joined) : fetched;
      const expected = parseExactJson(row.doc) as JsonObject;
      const base = toMismatch({ kind: 'missing', key: row.key, source: null, sink: null }, t.keyColumns);
      if (actual === null) {
        differs = true;
        if (push(base) && described++ < DESCRIBED_ROWS) base.values = documentValues(expected);
        continue;
      }
      found++;
      const columns = documentDifferences(expected, actual);
      if (!columns.length) continue;
      differs = true;
      push({ ...base, kind: 'different', columns });
    }
    r.rowsSource += rows.length;
    if (differs) r.mismatchedChunks++;
  });
  r.rowsSink = docCount;

  const extras = docCount - found;
  if (extras <= 0) return;
  r.mismatchedChunks++;
  if (!idsKept) {
    r.truncated = true;
    o.log.warn(`verify: the index holds ${extras} document(s) no source row renders; the table has more than ${SOURCE_ID_LIMIT} rows, so they are counted, not named (verify with a row filter or delete and copy the index again)`, name);
    return;
  }
  const extraIds: string[] = [];
  await scanIds(client, index, (page) => {
    for (const id of page) if (!ids.has(idHash(id))) extraIds.push(id);
  }, o.signal);
  const shown = extraIds.slice(0, Math.max(0, Math.min(DESCRIBED_ROWS - described, o.maxRows - r.mismatches.length)));
  const values = shown.length ? await fetchDocuments(client, index, shown, { perRequest: IDS_PER_REQUEST }) : new Map<string, FetchedDocument>();
  for (const id of extraIds) {
    const m = extraMismatch(id, t.keyColumns);
    const doc = values.get(id)?.source;
    if (doc !== undefined && doc !== null) m.values = documentValues(doc);
    if (!push(m)) break;
  }
}

/** The search sink side of a verification: one client for the whole run. */
export async function openSearchVerifier(ctx: SinkVerifierContext): Promise<SinkVerifier> {
  if (ctx.cfg.sink.type !== 'elasticsearch') throw new Error('not a search sink');
  const sink = ctx.cfg.sink as SearchSinkConfig;
  const client = new SearchClient(sink, ctx.log, ctx.signal);
  try {
    const cluster = await detectCluster(client);
    ctx.log.info(`verify: sink ${cluster.title} at ${client.where}`);
  } catch (e) {
    client.close();
    throw e;
  }
  const indexOf = (t: VerifyTable): string => indexNameOf(sink.index, t.sink);
  const specs = joinSpecs(sink.documents);
  return {
    sinkName: indexOf,
    verifyTable: (t, r, progress) =>
      verifySearchTable(t, r, { client, source: ctx.sourceSessions.data, index: indexOf(t), chunkRows: ctx.chunkRows, maxRows: ctx.maxRows, signal: ctx.signal, log: ctx.log, onChunk: progress, joined: specs.filter((j) => j.into === `${t.source.db}.${t.source.table}`), columns: sink.columns }),
    close: async () => client.close(),
  };
}
