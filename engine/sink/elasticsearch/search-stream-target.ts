// The stream into Elasticsearch/OpenSearch. Each stream batch of source transactions becomes the net
// writes of its documents (stream-actions.ts), each with the external version of its transaction's end
// position (external-version.ts), sent as bulk requests cut by bytes and count (flush-rules.ts), one after
// another. Only when every item of every request succeeded (or was already applied: a version conflict)
// is the position after the batch stored, in the state file: a crash before that replays the batch, and
// the versions make the replay change nothing that is newer. Items the cluster cannot take now (429) are
// sent again with backoff (whole requests answered 429/5xx, or not at all, are retried by http.ts); any
// other rejected item stops the job naming the index, the _id, the reason and the fix, with the position
// still before the batch.
//
// DDL: the indexes' mappings are strict and come from the copy; a statement that changes a selected table
// pauses the job (apply the mapping change by hand, then --skip-ddl), unless the job's DDL policy skips it.
import { CutoverError } from '../../../shared/errors.js';
import type { SearchSinkConfig } from '../../../shared/job-config.js';
import { ddlActionForStatement } from '../../../shared/ddl-policy.js';
import { qualified } from '../../../shared/table-selection.js';
import type { BinlogTransaction, DdlEvent } from '../../core/changes.js';
import type { ApplierTable, Checkpoint } from '../../core/checkpoint.js';
import { oneLine, pause } from '../../core/ddl-pause.js';
import type { Logger } from '../../core/logger.js';
import { comparePositions, formatPosition, readStoredPosition, type SourcePosition } from '../../core/position.js';
import { mapDdl } from '../../mysql/ddl-mapper.js';
import type { StateStore } from '../../state/store.js';
import type { StreamDdlContext, StreamTarget } from '../stream-target.js';
import { fixForRejection } from './bulk-writer.js';
import { BULK_PATH, bulkAnswer, itemOutcome, itemReason } from './bulk-items.js';
import { cutBulks, STREAM_BULK_BYTES, STREAM_BULK_DOCS, type BulkLimits } from './flush-rules.js';
import { reasonOf, SearchHttpError, type SearchClient } from './http.js';
import { indexNameOf } from './index-name.js';
import { StreamActions, type SearchAction } from './stream-actions.js';
import { SearchHeartbeat } from './heartbeat-doc.js';
import { DocumentJoins } from './joins.js';
import { joinSpecs } from './join-rules.js';
import { actionLine } from './bulk-writer.js';
import { IndexLineage } from './binlog-lineage.js';

export interface SearchStreamOptions {
  cfg: SearchSinkConfig;
  client: SearchClient;
  store: StateStore;
  jobId: number;
  /** The job's name: its heartbeat document's _id. */
  job: string;
  log: Logger;
  signal: AbortSignal;
  /** How long items answered 429 are sent again. */
  retryForMs?: number;
  /** A source table's sink name (after "rename"), for a "sink.documents" table the stream has not seen yet. */
  sinkRefOf?: (source: { db: string; table: string }) => { db: string; table: string };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class SearchStreamTarget implements StreamTarget<StreamDdlContext> {
  private readonly tables = new Map<string, ApplierTable>();
  private readonly actions: StreamActions;
  private readonly limits: BulkLimits;
  private readonly joins: DocumentJoins | null;
  private last: Checkpoint | null;
  /** Capability `heartbeatOnSink`: the source heartbeat as a document (heartbeat-doc.ts). */
  readonly heartbeat: SearchHeartbeat;
  private readonly lineage: IndexLineage;

  constructor(private readonly o: SearchStreamOptions) {
    this.heartbeat = new SearchHeartbeat(o.client, o.job);
    this.lineage = new IndexLineage(o.client);
    const specs = joinSpecs(o.cfg.documents);
    this.joins = specs.length
      ? new DocumentJoins(specs, o.client, (n) => {
          const t = this.tables.get(n);
          const ref = { db: n.slice(0, n.indexOf('.')), table: n.slice(n.indexOf('.') + 1) };
          return indexNameOf(o.cfg.index, t ? t.sink : (o.sinkRefOf?.(ref) ?? ref));
        })
      : null;
    this.actions = new StreamActions((n) => this.tables.get(n), (t) => indexNameOf(o.cfg.index, t.sink), this.joins, o.cfg.columns);
    this.limits = { maxBytes: o.cfg.batchBytes ?? STREAM_BULK_BYTES, maxDocs: STREAM_BULK_DOCS };
    this.last = this.stored();
  }

  private stored(): Checkpoint | null {
    const json = this.o.store.jobById(this.o.jobId)?.sink_checkpoint;
    if (!json) return null;
    const p = JSON.parse(json) as { gtid?: string | null };
    const position = readStoredPosition(json);
    return position ? { position, gtid: p.gtid ?? null, pendingDdl: null } : null;
  }

  private store(end: SourcePosition, gtid: string | null): void {
    this.o.store.setJob(this.o.jobId, { sink_checkpoint: JSON.stringify({ file: end.file, pos: end.pos, gtid }) });
    this.last = { position: end, gtid, pendingDdl: null };
  }

  async checkpoint(): Promise<Checkpoint | null> {
    return this.last;
  }

  async setCheckpoint(end: SourcePosition, gtid: string | null): Promise<void> {
    this.store(end, gtid);
  }

  setTable(sourceName: string, t: ApplierTable): void {
    this.tables.set(sourceName, t);
    this.actions.forget(sourceName);
  }

  table(sourceName: string): ApplierTable | undefined {
    return this.tables.get(sourceName);
  }

  async apply(txs: BinlogTransaction[]): Promise<number> {
    const pending = this.last ? txs.filter((t) => comparePositions(t.end, this.last!.position) > 0) : txs;
    if (!pending.length) return 0;
    const end = pending[pending.length - 1]!;
    const writes = this.actions.plan(pending);
    // The binlog numbering: each index's oldest write of the batch against what the index holds (binlog-lineage.ts).
    const oldest = new Map<string, string>();
    const newest = new Map<string, string>();
    for (const w of writes) {
      const o = oldest.get(w.index);
      if (o === undefined || BigInt(w.version) < BigInt(o)) oldest.set(w.index, w.version);
      const n = newest.get(w.index);
      if (n === undefined || BigInt(w.version) > BigInt(n)) newest.set(w.index, w.version);
    }
    // Each index's record is read once per run, the indexes' side by side (the first batch's fixed cost).
    await Promise.all([...oldest].map(([index, version]) => this.lineage.check(index, version)));
    // The heartbeat read in these transactions goes after their writes: everything before it is then written.
    const beat = this.heartbeat.actionFor(end.end);
    if (beat) await this.heartbeat.ensureIndex();
    if (this.joins) {
      await this.applyJoined(writes, this.joins);
      if (beat) await this.sendAll([beat]);
    } else await this.sendAll(beat ? [...writes, beat] : writes);
    if (beat) this.heartbeat.written(beat);
    this.store(end.end, end.gtid);
    // Raised only once the checkpoint is past these writes: a replay starts at or after it, never below the record.
    await Promise.all([...newest].map(([index, version]) => this.lineage.raise(index, version)));
    return pending.length;
  }

  private async sendAll(writes: SearchAction[]): Promise<void> {
    for (const bulk of cutBulks(writes, this.limits)) {
      if (this.o.signal.aborted) throw new Error('stop requested');
      await this.send(bulk);
    }
  }

  /**
   * A batch with "sink.documents": first every write but the documents of joined tables (so the
   * contributing tables' own indexes, the lookups, hold the batch's state), then those documents with their
   * groups read from the lookups, then every document whose join field holds a contributing key the batch
   * changed gets that key's state (joins.ts spread). A crash anywhere in between replays the batch, and each
   * step again brings the documents to the lookups' state.
   */
  private async applyJoined(writes: SearchAction[], joins: DocumentJoins): Promise<void> {
    await this.sendAll(writes.filter((a) => !a.joined));
    const joined = writes.filter((a) => a.joined);
    const byTable = new Map<string, SearchAction[]>();
    for (const a of joined) byTable.set(a.table, [...(byTable.get(a.table) ?? []), a]);
    for (const [table, list] of byTable) {
      const docs = await joins.embed(joins.into(table), list.map((a) => a.joined!));
      list.forEach((a, i) => (a.body = `${actionLine('index', a.index, a.id, a.version)}\n${docs[i]}\n`));
    }
    await this.sendAll(joined);
    for (const [from, keys] of this.actions.touched) {
      if (this.o.signal.aborted) throw new Error('stop requested');
      await joins.spread(joins.from(from)!, keys, this.o.signal);
    }
  }

  /** Sends one bulk request; resolves once every item is written or already applied. */
  private async send(bulk: SearchAction[]): Promise<void> {
    let todo = bulk;
    const deadline = Date.now() + (this.o.retryForMs ?? 10 * 60_000);
    let delay = 250;
    while (todo.length) {
      let items;
      try {
        const r = await this.o.client.request('POST', BULK_PATH, todo.map((a) => a.body).join(''), { contentType: 'application/x-ndjson', raw: true });
        items = bulkAnswer(r.body as string, todo.length);
        if (!items) return; // every item succeeded
      } catch (e) {
        if (e instanceof SearchHttpError)
          throw new CutoverError(
            `The search cluster refused a bulk request of ${todo.length} change(s): HTTP ${e.status} ${reasonOf(e.body)}`,
            e.status === 413 ? 'The request is larger than the cluster takes: lower "sink.batchBytes" or raise http.max_content_length on the cluster, then run the job again.' : fixForRejection(reasonOf(e.body), todo[0]!.index),
            'SINK',
          );
        throw e;
      }
      if (items.length !== todo.length) throw new CutoverError(`A bulk response has ${items.length} items for ${todo.length} changes.`, "Run the job again (the position did not move); if it repeats, check the cluster's logs.", 'SINK');
      const again: SearchAction[] = [];
      for (let k = 0; k < items.length; k++) {
        const it = items[k]!;
        const a = todo[k]!;
        const outcome = itemOutcome(it, a.op);
        if (outcome === 'done') continue;
        if (outcome === 'retry' && Date.now() < deadline && !this.o.signal.aborted) {
          again.push(a);
          continue;
        }
        throw new CutoverError(
          `The search cluster rejected the ${a.op} of _id ${JSON.stringify(a.id)} in index ${a.index} (a change of ${a.table}, version ${a.version}): ${itemReason(it)}`,
          `${fixForRejection(`${it.error?.type ?? ''} ${it.error?.caused_by?.type ?? ''}`, a.index)} The stream's position stays before this change: nothing after it is skipped.`,
          'SINK_ROW',
        );
      }
      todo = again;
      if (todo.length) {
        if (delay === 250) this.o.log.warn(`search cluster: ${todo.length} change(s) answered 429 (too many requests); sending them again with backoff`);
        await sleep(delay);
        delay = Math.min(delay * 2, 10_000);
      }
    }
  }

  async ddl(ctx: StreamDdlContext, ev: DdlEvent): Promise<void> {
    if (this.last && comparePositions(ev.end, this.last.position) <= 0) return;
    const at = formatPosition(ev.end);
    const action = mapDdl(ev.sql, ev.db, ctx.cfg);
    if (action.kind !== 'ignore') {
      const names = action.targets.flatMap((t) => [t.source, ...(t.renamedTo ? [t.renamedTo] : [])]).map((r) => qualified(r));
      const policy = ctx.skipAt === at ? 'skip' : ddlActionForStatement(ctx.cfg.ddl, names);
      if (policy !== 'skip')
        throw pause(
          ctx,
          ev,
          `a search index's mapping is not changed by the stream (${names.join(', ') || 'the statement\'s tables'}): give the index the new fields by hand (PUT /<index>/_mapping) or copy the table again (--resnapshot)`,
        );
      ctx.log.warn(`skipped ${ctx.skipAt === at ? 'on request (--skip-ddl)' : `(DDL policy "skip" for ${names.join(', ')})`} the statement at ${at}: ${oneLine(ev.sql)}`);
    }
    ctx.store.setJob(ctx.jobId, { pending_ddl: null });
    this.store(ev.end, ev.gtid);
  }

  async close(): Promise<void> {
    /* the client is the run's */
  }
}
