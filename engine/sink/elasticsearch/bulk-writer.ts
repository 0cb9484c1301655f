// Copied rows as bulk requests: each batch is one `_bulk` body (NDJSON: an `index` action with the `_id`
// from the row's key, then the document), rendered as the rows arrive. A batch is durable once the bulk
// response says every item succeeded: items the cluster could not take now (429) are sent again with
// backoff; any other rejected item stops the copy naming the index, the `_id`, the cluster's reason and a
// fix. Every row carries the external version of the copy's start position (external-version.ts): writing a
// row again (a chunk resumed after a crash) meets a version conflict, which counts as already written, and a
// change the stream applied later (a greater version) is never overwritten by a copied row.
import { CutoverError } from '../../../shared/errors.js';
import { rowByteSize, rowFromBytes, type RawRow, type RowBytes } from '../../core/rows.js';
import type { CopyTable } from '../../core/tables.js';
import type { SinkBatch, SinkWriter } from '../sink.js';
import type { SearchSinkConfig } from '../../../shared/job-config.js';
import { documentId, type FieldRule } from './fields.js';
import { tableRules } from './field-options.js';
import { reasonOf, SearchHttpError, type SearchClient } from './http.js';
import { BULK_PATH, bulkAnswer, itemOutcome, itemReason, type BulkItem } from './bulk-items.js';
import type { DocumentJoins } from './joins.js';
import type { JoinSpec } from './join-rules.js';
import type { IndexLineage } from './binlog-lineage.js';
import { byteShape, rowBound, writeRowBytes, type ByteShape } from './document-bytes.js';

/** What a table's documents need: the index, each column's rule, where the key columns are. */
export interface DocumentShape {
  index: string;
  names: string[];
  rules: FieldRule[];
  keyIdx: number[];
  /** Each column's `"name":` as JSON text, and the bulk action line up to the `_id` value. */
  fieldKeys: string[];
  /** Each column's extra field's `,"name":` (field-options.ts), or null. */
  extraKeys: (string | null)[];
  actionPrefix: string;
  /** The byte path's shape (document-bytes.ts); null or absent: the table's rows take the string path. */
  bytes?: ByteShape | null;
}

/** A table's document shape; `options` are the job's per-column choices ("sink.columns"). */
export function documentShape(t: CopyTable, index: string, options: SearchSinkConfig['columns'] = {}): DocumentShape {
  const names = t.columns.map((c) => c.name);
  const rules = tableRules(t, options);
  const shape: DocumentShape = {
    index,
    names,
    rules,
    extraKeys: rules.map((r) => (r.extra ? `,${JSON.stringify(r.extra.name)}:` : null)),
    keyIdx: t.keyColumns.map((k) => names.indexOf(k.name)),
    fieldKeys: names.map((n) => `${JSON.stringify(n)}:`),
    actionPrefix: `{"index":{"_index":${JSON.stringify(index)},"_id":`,
    bytes: null,
  };
  shape.bytes = byteShape(shape);
  return shape;
}

/**
 * The NDJSON document of a row (`_source`), by the field rules. The rules are pure: a value they refuse is
 * rendered again with its place (`where`, the column) for the error, which is built only then.
 */
export function renderDocument(s: DocumentShape, row: RawRow, where: () => string): string {
  let doc = '{';
  for (let i = 0; i < row.length; i++) {
    const raw = row[i]!;
    let v: string;
    if (raw === null) v = 'null';
    else {
      try {
        v = s.rules[i]!.render(raw, '');
      } catch {
        v = s.rules[i]!.render(raw, `${where()} column ${s.names[i]}`);
      }
    }
    doc += i ? `,${s.fieldKeys[i]}${v}` : `${s.fieldKeys[i]}${v}`;
    const extra = s.rules[i]!.extra;
    if (extra) {
      let x: string;
      if (raw === null) x = 'null';
      else {
        try {
          x = extra.render(raw, '');
        } catch {
          x = extra.render(raw, `${where()} column ${s.names[i]}`);
        }
      }
      doc += `${s.extraKeys[i]}${x}`;
    }
  }
  return `${doc}}`;
}

/** The `_id` of a row (fields.ts documentId). */
export function rowId(s: DocumentShape, row: RawRow, where: () => string): string {
  return documentId(
    s.keyIdx.map((i) => {
      const raw = row[i];
      if (raw === null || raw === undefined) throw new Error(`${where()}: key column ${s.names[i]} is NULL`);
      const rule = s.rules[i]!;
      try {
        return rule.text(raw, '');
      } catch {
        return rule.text(raw, `${where()} key column ${s.names[i]}`);
      }
    }),
  );
}

/**
 * A batch's bulk body, written as UTF-8 into one buffer as the rows arrive: no string per document is kept
 * (a document rendered piece by piece is a rope of many small strings until it is flattened, several times
 * its size), so a batch holds its body's bytes and one offset per document, and the body is sent as it is.
 */
class SearchBatch implements SinkBatch {
  rows = 0;
  bytes = 0;
  private buf: Buffer;
  private len = 0;
  /** Where each document's action line starts in the body (items answered 429 are sent again). */
  private readonly starts: number[] = [];
  /**
   * For a table other tables write fields into: each row's `_id`, document and lookup `_id`s (joins.ts),
   * kept until embedJoins() writes them into the body with their groups.
   */
  private readonly joined: { id: string; doc: string; joinIds: (string | null)[] }[] = [];

  constructor(
    readonly table: CopyTable,
    readonly shape: DocumentShape,
    /** The external version every document of the batch carries (null: the cluster's own versions). */
    readonly version: string | null = null,
    /** The buffer's first size (the writer's last body): a batch rarely grows it. */
    sizeHint = 64 * 1024,
    private readonly joins: { with: DocumentJoins; specs: JoinSpec[] } | null = null,
  ) {
    this.versionTail = version === null ? '}}' : `,"version":${version},"version_type":"external"}}`;
    this.tailBytes = Buffer.from(this.versionTail);
    this.buf = Buffer.allocUnsafe(sizeHint);
  }

  private readonly tailBytes: Buffer;

  /** The action line's end after the _id: the external version, when there is one. */
  private readonly versionTail: string;

  /** The joined tables' fields added to each document (the lookups as they are now), written into the body. */
  async embedJoins(): Promise<void> {
    if (!this.joins || !this.joined.length) return;
    const docs = await this.joins.with.embed(this.joins.specs, this.joined);
    for (let i = 0; i < docs.length; i++) {
      this.starts.push(this.len);
      this.append(`${this.shape.actionPrefix}${JSON.stringify(this.joined[i]!.id)}${this.versionTail}\n${docs[i]}\n`);
    }
    this.joined.length = 0;
  }

  add(row: RawRow): void {
    const where = (): string => `${this.table.source.db}.${this.table.source.table} (row ${this.rows + 1} of the batch)`;
    let id: string;
    let doc: string;
    try {
      id = rowId(this.shape, row, where);
      doc = renderDocument(this.shape, row, where);
    } catch (e) {
      throw new CutoverError(
        `A row of ${this.table.source.db}.${this.table.source.table} cannot be written as a search document: ${(e as Error).message}`,
        'Fix the value on the source (text: bytes valid in the column\'s character set; JSON: valid JSON), or exclude the column ("columns": {"db.table": {"exclude": [...]}}), then run the job again.',
        'SINK_ROW',
      );
    }
    if (Buffer.byteLength(id) > 512)
      throw new CutoverError(`A row of ${this.table.source.db}.${this.table.source.table} has a key whose _id is ${Buffer.byteLength(id)} bytes (${id.slice(0, 80)}…); Elasticsearch and OpenSearch take at most 512.`, 'Exclude the table, or give it a shorter primary key on the source.', 'SINK_ROW');
    if (this.joins) {
      this.joined.push({ id, doc, joinIds: this.joins.with.joinIds(this.shape, this.joins.specs, row) });
    } else {
      this.starts.push(this.len);
      this.append(`${this.shape.actionPrefix}${JSON.stringify(id)}${this.versionTail}\n${doc}\n`);
    }
    this.rows++;
    let size = row.length;
    for (const v of row) if (v !== null) size += v.length;
    this.bytes += size;
  }

  /**
   * add() from the row's bytes: written straight into the body when the table's values allow it
   * (document-bytes.ts, the same bytes add() writes); any other row takes add().
   */
  addBytes(row: RowBytes): void {
    const shape = this.shape.bytes;
    if (!shape || this.joins) return this.add(rowFromBytes(row));
    this.reserve(rowBound(shape, row));
    const end = writeRowBytes(shape, row, this.tailBytes, this.buf, this.len);
    if (end < 0) return this.add(rowFromBytes(row));
    this.starts.push(this.len);
    this.len = end;
    this.rows++;
    this.bytes += rowByteSize(row);
  }

  /** Room for `n` more bytes in the body. */
  private reserve(n: number): void {
    const need = this.len + n;
    if (need > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
      this.buf.copy(next, 0, 0, this.len);
      this.buf = next;
    }
  }

  private append(s: string): void {
    this.reserve(s.length * 3); // UTF-8 takes at most 3 bytes per UTF-16 unit
    this.len += this.buf.write(s, this.len, 'utf8');
  }

  /** Documents in the batch's body (a joined table's are written there by embedJoins()). */
  get count(): number {
    return this.starts.length;
  }

  /** Bytes of the body. */
  get size(): number {
    return this.len;
  }

  /** The body of the documents `which` (all when absent), in order. */
  body(which?: number[]): Buffer {
    if (!which) return this.buf.subarray(0, this.len);
    return Buffer.concat(which.map((i) => this.buf.subarray(this.starts[i]!, this.starts[i + 1] ?? this.len)));
  }

  /** The `_id` of document i, read back from its action line (for messages). */
  idOf(i: number): string {
    const from = this.starts[i]!;
    const line = this.buf.toString('utf8', from, this.buf.indexOf(10, from));
    return (JSON.parse(line) as { index: { _id: string } }).index._id;
  }

  /** Lets the body go once it is written. */
  release(): void {
    this.buf = Buffer.alloc(0);
    this.len = 0;
    this.starts.length = 0;
  }
}

/** A bulk action line; the version is written as its exact digits (a JSON number beyond 2^53 is not rounded here). */
export function actionLine(op: 'index' | 'delete', index: string, id: string, version: string | null): string {
  const head = `{${JSON.stringify(op)}:{"_index":${JSON.stringify(index)},"_id":${JSON.stringify(id)}`;
  return version === null ? `${head}}}` : `${head},"version":${version},"version_type":"external"}}`;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The fix for a rejected document, by the cluster's error type. */
export function fixForRejection(type: string, index: string): string {
  if (/mapper_parsing|strict_dynamic_mapping|illegal_argument/.test(type))
    return `The document does not fit the index's mapping (GET /${index}/_mapping). Give the column a mapping that takes its values in the job file ("sink": {"mappings": {"db.table.column": {"type": "keyword"}}}), delete the index (DELETE /${index}) and run the job again with --resnapshot, or exclude the column.`;
  if (/max_bytes_length|too_long|entity_too_large|content_length/.test(type))
    return 'The document is larger than the cluster takes: raise http.max_content_length on the cluster, lower "sink.batchBytes", or exclude the large column.';
  if (/cluster_block|index_closed|read_only/.test(type))
    return `The index refuses writes: PUT /${index}/_settings {"index.blocks.read_only_allow_delete": null} once the cluster has disk space again, or open the index, then run the job again.`;
  return 'Fix the cause on the cluster (the index, _id and reason above), then run the job again: finished chunks are not copied again.';
}

export class BulkWriter implements SinkWriter {
  constructor(
    private readonly client: SearchClient,
    private readonly shapeOf: (t: CopyTable) => DocumentShape,
    /** How long items the cluster rejects with 429 are sent again. */
    private readonly retryForMs = 10 * 60_000,
    /** The external version of copied rows (the copy's start position), or null when there is none. */
    private readonly versionOf: () => string | null = () => null,
    /** "sink.documents": the fields other tables write into this table's documents. */
    private readonly joins: DocumentJoins | null = null,
    /** Checks and records the binlog numbering versioned writes come from (binlog-lineage.ts). */
    private readonly lineage: IndexLineage | null = null,
  ) {}

  /** The largest body written so far, with room: the next batch's buffer starts there. */
  private sizeHint = 64 * 1024;

  newBatch(t: CopyTable): SearchBatch {
    const specs = this.joins?.into(`${t.source.db}.${t.source.table}`) ?? [];
    return new SearchBatch(t, this.shapeOf(t), this.versionOf(), this.sizeHint, specs.length ? { with: this.joins!, specs } : null);
  }

  async write(batch: SinkBatch): Promise<void> {
    const b = batch as SearchBatch;
    await b.embedJoins();
    if (b.version !== null && b.count) await this.lineage?.check(b.shape.index, b.version);
    let pending: number[] | undefined; // undefined: every document of the batch
    const deadline = Date.now() + this.retryForMs;
    let delay = 250;
    for (;;) {
      const n = pending?.length ?? b.count;
      if (!n) break;
      const items = await this.bulk(b, b.body(pending), n);
      if (!items) break; // every item succeeded
      if (items.length !== n) throw new CutoverError(`The bulk response of ${b.shape.index} has ${items.length} items for ${n} documents.`, 'Run the job again; if it repeats, check the cluster\'s logs.', 'SINK');
      const again: number[] = [];
      for (let k = 0; k < items.length; k++) {
        const it = items[k]!;
        const doc = pending ? pending[k]! : k;
        const outcome = itemOutcome(it, 'index');
        if (outcome === 'done') continue;
        if (outcome === 'retry' && Date.now() < deadline) {
          again.push(doc);
          continue;
        }
        const type = it.error?.type ?? `HTTP ${it.status}`;
        const reason = itemReason(it);
        throw new CutoverError(
          `The search cluster rejected the document _id ${JSON.stringify(b.idOf(doc))} of index ${b.shape.index} (from ${b.table.source.db}.${b.table.source.table}): ${reason}`,
          fixForRejection(`${type} ${it.error?.caused_by?.type ?? ''}`, b.shape.index),
          'SINK_ROW',
        );
      }
      if (!again.length) break;
      pending = again;
      await sleep(delay);
      delay = Math.min(delay * 2, 10_000);
    }
    if (b.version !== null && b.count) await this.lineage?.raise(b.shape.index, b.version);
    // The largest body so far and some room: a batch as large as the last one must not outgrow its buffer at
    // its last rows (growing copies the whole body into a new, untouched buffer: 11% of the copy's busy
    // samples in a profile), and a table's short last chunk must not shrink the next table's.
    this.sizeHint = Math.max(this.sizeHint, b.size + (b.size >> 4) + 64 * 1024);
    b.release();
  }

  /** One bulk request: null when every one of its `n` items succeeded, else the items. */
  private async bulk(b: SearchBatch, body: Buffer, n: number): Promise<BulkItem[] | null> {
    try {
      const r = await this.client.request('POST', BULK_PATH, body, { contentType: 'application/x-ndjson', raw: true });
      return bulkAnswer(r.body as string, n);
    } catch (e) {
      if (e instanceof SearchHttpError)
        throw new CutoverError(
          `The search cluster refused a bulk request of ${b.rows} documents for ${b.shape.index}: HTTP ${e.status} ${reasonOf(e.body)}`,
          e.status === 413 ? 'The request is larger than the cluster takes: lower "sink.batchBytes" or raise http.max_content_length on the cluster, then run the job again.' : fixForRejection(reasonOf(e.body), b.shape.index),
          'SINK',
        );
      throw e;
    }
  }

  async truncate(t: CopyTable): Promise<void> {
    const index = this.shapeOf(t).index;
    await this.client.request('POST', `${encodeURIComponent(index)}/_delete_by_query?refresh=true&conflicts=proceed`, { query: { match_all: {} } }, { ok: [404] });
  }

  async close(): Promise<void> {
    /* the client is the run's */
  }
}
