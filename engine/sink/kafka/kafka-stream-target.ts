// The stream's Kafka target: binlog row changes published as the format's change events (create /
// update / delete, and a tombstone after a delete when asked), to each table's topic, keyed and
// partitioned by primary key, so that a consumer sees every key's changes in source order.
//
// Position, at-least-once ("exactlyOnce": false): the idempotent producer (acks=all, one request in
// flight) sends a batch of transactions; once the brokers acknowledged every record, the position after
// the batch's last transaction is stored in the state file. A crash republishes at most that batch.
//
// Position, exactly-once ("exactlyOnce": true): each batch is one Kafka transaction (transactional.id
// "cutover-<job>") that also commits the position, as the offset metadata of consumer group
// "cutover-<job>" on the schema-change topic's partition 0 (TxnOffsetCommit: atomic with the records).
// A restart first fences the earlier producer (which aborts its open transaction), then reads that
// metadata: a read_committed consumer sees each change once, across any crash.
//
// Copy chunks during the stream (chunk-gate.ts): in "snapshot+stream" the copy runs while the stream
// publishes; each chunk, read in a consistent snapshot at binlog position P, is published between the
// transactions ending at or before P and those after it, in the same request or transaction, and its
// chunk id is committed with the position (exactly-once: a chunk is never published twice). Changes of
// a table without a key are held back until its single chunk is published (the chunk holds them).
import { CutoverError } from '../../../shared/errors.js';
import type { KafkaSinkConfig } from '../../../shared/job-config.js';
import type { SourcePosition } from '../../core/position.js';
import type { TableRef } from '../../../shared/table-selection.js';
import { comparePositions, formatPosition } from '../../core/position.js';
import { ChunkGate, type ChunkSubmission } from '../../core/chunk-gate.js';
import type { Logger } from '../../core/logger.js';
import type { StreamTarget } from '../stream-target.js';
import type { StateStore } from '../../state/store.js';
import type { ChunkPayload } from '../sink.js';
import { renderSchemaChange, type ChangeEventInput, type ChangeOp, type SourceInfo } from './formats/index.js';
import { handleKafkaDdl, type KafkaDdlContext } from './kafka-ddl.js';
import { copySourceInfo, type KafkaSink, type TopicInfo } from './kafka-sink.js';
import type { KafkaBatch } from './kafka-writer.js';
import { partitionFor } from './partition.js';
import { RecordSender, type OutRecord } from './record-sender.js';
import { kafkaSecurity } from '../../kafka/client.js';
import { TableRenderer } from './table-renderer.js';
import type { RawRow } from '../../core/rows.js';
import type { BinlogTransaction, DdlEvent, RowChange } from '../../core/changes.js';
import type { ApplierTable, Checkpoint } from '../../core/checkpoint.js';

/** What an exactly-once transaction commits beside its records (offset metadata, at most 4,096 bytes). */
interface CheckpointMeta {
  v: 1;
  /** The job's started_at: a reset job (--resnapshot) does not take an earlier run's position. */
  gen: number;
  file: string;
  pos: number;
  gtid: string | null;
  /** Copy chunks committed in this transaction: [chunk id, table id, rows, bytes]. */
  chunks: [number, number, number, number][];
}

export interface KafkaStreamTargetOptions {
  sink: KafkaSink;
  store: StateStore;
  jobId: number;
  jobName: string;
  log: Logger;
  signal: AbortSignal;
}

const OPS: Record<RowChange['type'], ChangeOp> = { insert: 'c', update: 'u', delete: 'd' };

/** The published columns of a row image, in the renderer's order. */
function pick(img: RawRow | null, pos: number[]): RawRow | null {
  if (!img) return null;
  const out: RawRow = new Array(pos.length);
  for (let k = 0; k < pos.length; k++) out[k] = img[pos[k]!] ?? null;
  return out;
}

export class KafkaStreamTarget implements StreamTarget<KafkaDdlContext> {
  readonly gate = new ChunkGate<ChunkPayload>();
  private readonly sender: RecordSender;
  private readonly tables = new Map<string, ApplierTable>();
  private readonly renderers = new Map<string, { r: TableRenderer; positions: WeakMap<readonly string[], number[]> }>();
  /** Keyless tables whose copy is not published yet: their changes are in the chunk to come. */
  readonly held = new Set<string>();
  /** The copy alongside the stream (the `orderedCopy` capability). */
  readonly orderedCopy = { gate: this.gate, held: this.held };
  /** Chunks taken for publishing whose table was held: held again if publishing fails. */
  private readonly unheld = new Map<ChunkSubmission<ChunkPayload>, string>();
  private last: Checkpoint | null = null;
  private schema: TopicInfo | null = null;
  private readonly source: Omit<SourceInfo, 'tsMs' | 'file' | 'pos' | 'gtid' | 'row'>;
  readonly group: string;

  private constructor(
    private readonly o: KafkaStreamTargetOptions,
    private readonly cfg: KafkaSinkConfig,
  ) {
    this.group = `cutover-${o.jobName}`;
    this.sender = new RecordSender({
      brokers: cfg.brokers,
      ...kafkaSecurity(cfg),
      clientId: o.sink.clientId,
      log: o.log,
      signal: o.signal,
      retryForMs: o.sink.opts.retryForMs,
      transactionalId: cfg.exactlyOnce ? `cutover-${o.jobName}` : undefined,
      what: 'changes',
    });
    const { serverName, version, connector } = copySourceInfo(o.jobName, null);
    this.source = { serverId: null, snapshot: false, serverName, version, connector };
  }

  static async open(o: KafkaStreamTargetOptions): Promise<KafkaStreamTarget> {
    const cfg = o.sink.opts.config;
    const t = new KafkaStreamTarget(o, cfg);
    t.schema = await o.sink.schemaTopic();
    await t.sender.connect();
    t.last = await t.readCheckpoint();
    return t;
  }

  get schemaTopicName(): string {
    return this.schema!.name;
  }

  /** The job's generation (see CheckpointMeta.gen). */
  private generation(): number {
    return this.o.store.jobById(this.o.jobId)?.started_at ?? 0;
  }

  private async readCheckpoint(): Promise<Checkpoint | null> {
    if (!this.cfg.exactlyOnce) {
      const json = this.o.store.jobById(this.o.jobId)?.sink_checkpoint;
      if (!json) return null;
      const p = JSON.parse(json) as { file: string; pos: number; gtid: string | null };
      return { position: { kind: 'mysql-binlog', file: p.file, pos: p.pos }, gtid: p.gtid, pendingDdl: null };
    }
    const offsets = await this.o.sink.adminClient.fetchOffsets({ groupId: this.group, topics: [this.schemaTopicName] });
    const meta = offsets[0]?.partitions.find((p) => p.partition === 0)?.metadata;
    if (!meta) return null;
    let m: CheckpointMeta;
    try {
      m = JSON.parse(meta) as CheckpointMeta;
    } catch {
      throw new CutoverError(
        `The consumer group "${this.group}" holds offset metadata that is not Cutover's position: ${meta.slice(0, 200)}`,
        `Cutover keeps an exactly-once job's position in that group; delete it (kafka-consumer-groups.sh --bootstrap-server ${this.cfg.brokers[0]} --delete --group ${this.group}) or rename the job.`,
      );
    }
    if (m.gen !== this.generation()) return null;
    // The chunks of the last transaction may have been committed to Kafka after the state file last heard.
    // A table without a key is one chunk whose rows were counted as they were read (copy-runner.ts): what
    // its counts hold already is not added again.
    for (const [id, tableId, rows, bytes] of m.chunks) {
      const t = this.o.store.table(tableId);
      const counted = t?.key_columns === '[]' ? { rows: t.rows_copied, bytes: t.bytes_copied } : undefined;
      this.o.store.finishChunk({ id, table_id: tableId } as never, rows, bytes, counted);
    }
    this.o.store.setJob(this.o.jobId, { sink_checkpoint: JSON.stringify({ file: m.file, pos: m.pos, gtid: m.gtid }) });
    return { position: { kind: 'mysql-binlog', file: m.file, pos: m.pos }, gtid: m.gtid, pendingDdl: null };
  }

  async checkpoint(): Promise<Checkpoint | null> {
    return this.last;
  }

  async setCheckpoint(end: SourcePosition, gtid: string | null): Promise<void> {
    await this.publish([], [], end, gtid);
  }

  setTable(sourceName: string, t: ApplierTable): void {
    this.tables.set(sourceName, t);
    this.renderers.delete(sourceName);
  }

  dropTable(sourceName: string): void {
    this.tables.delete(sourceName);
    this.renderers.delete(sourceName);
  }

  table(sourceName: string): ApplierTable | undefined {
    return this.tables.get(sourceName);
  }

  private async renderer(name: string): Promise<{ r: TableRenderer; positions: WeakMap<readonly string[], number[]> } | null> {
    const have = this.renderers.get(name);
    if (have) return have;
    const t = this.tables.get(name);
    if (!t) return null;
    const topic = await this.o.sink.streamTopic(t.sink);
    const columns = t.info.columns.filter((c) => !c.generated);
    const keyColumns = t.info.chunkKey.map((k) => columns.find((c) => c.name === k)!).filter(Boolean);
    const r = new TableRenderer(t.info.db, t.info.table, columns, keyColumns, topic, { format: this.cfg.format, keyMode: this.cfg.key, tombstones: this.cfg.tombstones });
    const entry = { r, positions: new WeakMap<readonly string[], number[]>() };
    this.renderers.set(name, entry);
    return entry;
  }

  /** Where each published column is in a binlog row image (cached per image column list). */
  private positions(e: { r: TableRenderer; positions: WeakMap<readonly string[], number[]> }, c: RowChange): number[] {
    let p = e.positions.get(c.columns);
    if (p) return p;
    p = e.r.columns.map((col) => {
      let i = c.columns.indexOf(col.name);
      if (i < 0) i = c.columns.findIndex((n) => n.toLowerCase() === col.name.toLowerCase());
      if (i < 0)
        throw new CutoverError(
          `The binlog row image of ${c.db}.${c.table} has no column ${col.name} (its columns: ${c.columns.join(', ')}): the table's definition in the binlog differs from the one Cutover recorded.`,
          'The source table changed in a way the stream did not see (a DDL statement outside the binlog, e.g. sql_log_bin=0?). Run the job again with --resnapshot to copy it afresh.',
          'SINK_ROW',
        );
      return i;
    });
    e.positions.set(c.columns, p);
    return p;
  }

  private async renderTx(tx: BinlogTransaction, out: OutRecord[]): Promise<void> {
    const now = Date.now();
    const n = tx.changes.length;
    const base = this.source;
    for (let i = 0; i < n; i++) {
      const c = tx.changes[i]!;
      const name = c.name ?? `${c.db}.${c.table}`;
      if (this.held.has(name)) continue;
      const e = this.renderers.get(name) ?? (await this.renderer(name));
      if (!e) continue;
      const pos = this.positions(e, c);
      const ev: ChangeEventInput = {
        op: OPS[c.type],
        table: e.r.kt,
        before: c.type === 'insert' ? null : pick(c.before, pos),
        after: c.type === 'delete' ? null : pick(c.after, pos),
        source: {
          serverId: base.serverId,
          snapshot: false,
          serverName: base.serverName,
          version: base.version,
          connector: base.connector,
          file: tx.end.file,
          pos: tx.end.pos,
          gtid: tx.gtid,
          tsMs: tx.timestamp * 1000,
          row: i,
        },
        tsMs: now,
        txCommit: i === n - 1,
      };
      e.r.render(ev, out);
    }
  }

  /**
   * Takes the chunks read before `end` (at or before it, `inclusive`) into `chunks` and their records into
   * `out`; a keyless table's changes after its chunk are published from here on.
   */
  private takeChunks(end: SourcePosition, inclusive: boolean, chunks: ChunkSubmission<ChunkPayload>[], out: OutRecord[]): void {
    for (const s of this.gate.take(end, inclusive)) {
      chunks.push(s);
      for (const b of s.payload.batches) for (const r of (b as KafkaBatch).records) out.push(r);
      if (this.held.delete(s.payload.table)) this.unheld.set(s, s.payload.table);
    }
  }

  /**
   * Publishes the transactions, with the copy chunks whose snapshot lies between them, in binlog order;
   * waits while a chunk that must come first is still being read.
   */
  async apply(txs: BinlogTransaction[]): Promise<number> {
    const pending = this.last ? txs.filter((t) => comparePositions(t.end, this.last!.position) > 0) : txs;
    let i = 0;
    while (i < pending.length) {
      if (this.o.signal.aborted) throw new Error('stop requested');
      if (this.gate.unsettled) {
        await this.gate.wait(20);
        continue;
      }
      const hold = this.gate.holdPosition();
      let j = i;
      while (j < pending.length && (!hold || comparePositions(pending[j]!.end, hold) <= 0)) j++;
      if (j === i) {
        await this.gate.wait();
        continue;
      }
      const records: OutRecord[] = [];
      const chunks: ChunkSubmission<ChunkPayload>[] = [];
      for (let k = i; k < j; k++) {
        this.takeChunks(pending[k]!.end, false, chunks, records);
        await this.renderTx(pending[k]!, records);
      }
      const lastTx = pending[j - 1]!;
      await this.publish(records, chunks, lastTx.end, lastTx.gtid);
      i = j;
    }
    return pending.length;
  }

  /** Nothing more in the binlog up to `at`: publish the chunks read at or before it. */
  async idle(at: SourcePosition): Promise<void> {
    if (this.gate.unsettled) return;
    const chunks: ChunkSubmission<ChunkPayload>[] = [];
    const records: OutRecord[] = [];
    this.takeChunks(at, true, chunks, records);
    if (!chunks.length) return;
    // Everything in the binlog up to `at` is handled: the position moves there (a resumed stream must
    // not replay changes the chunks already hold after them).
    const last = this.last;
    const end = last && comparePositions(last.position, at) >= 0 ? last.position : at;
    await this.publish(records, chunks, end, last?.gtid ?? null);
  }

  /** Sends the records (and commits the position with them), then records what became durable. */
  private async publish(records: OutRecord[], chunks: ChunkSubmission<ChunkPayload>[], end: SourcePosition, gtid: string | null): Promise<void> {
    const before = this.gate.publishedUpTo;
    if (!before || comparePositions(end, before) > 0) this.gate.publishedUpTo = end;
    try {
      if (this.cfg.exactlyOnce) {
        const meta: CheckpointMeta = {
          v: 1,
          gen: this.generation(),
          file: end.file,
          pos: end.pos,
          gtid,
          chunks: chunks.map((s) => [s.payload.chunkId, s.payload.tableId, s.payload.rows, s.payload.bytes]),
        };
        await this.sender.transaction(records, { group: this.group, topic: this.schemaTopicName, metadata: JSON.stringify(meta) });
      } else if (records.length) {
        await this.sender.send(records);
      }
    } catch (e) {
      // Not published: the chunks wait again for the next attempt (the stream resumes from the last position).
      this.gate.publishedUpTo = before;
      for (const s of chunks) {
        const t = this.unheld.get(s);
        if (t) this.held.add(t);
        this.unheld.delete(s);
      }
      this.gate.restore(chunks);
      throw e;
    }
    this.o.store.setJob(this.o.jobId, { sink_checkpoint: JSON.stringify({ file: end.file, pos: end.pos, gtid }) });
    this.last = { position: end, gtid, pendingDdl: null };
    for (const s of chunks) {
      s.onDurable();
      this.unheld.delete(s);
    }
    for (const s of chunks) s.resolve();
  }

  /** Publishes one DDL statement to the schema-change topic and records the new table definitions. */
  async ddl(ctx: KafkaDdlContext, ev: DdlEvent): Promise<void> {
    if (this.last && comparePositions(ev.end, this.last.position) <= 0) return;
    // Chunks read before the statement go first: their rows have the old definition.
    const records: OutRecord[] = [];
    const chunks: ChunkSubmission<ChunkPayload>[] = [];
    this.takeChunks(ev.end, false, chunks, records);
    const publishStatement = async (tables: TableRef[], statement: boolean): Promise<void> => {
      const schema = this.schema!;
      const m = statement && renderSchemaChange(this.cfg.format, {
        db: ev.db || tables[0]?.db || '',
        ddl: ev.sql,
        position: { file: ev.end.file, pos: ev.end.pos, gtid: ev.gtid },
        tsMs: ev.timestamp * 1000,
        table: tables.length === 1 ? tables[0]!.table : null,
        producedMs: Date.now(),
        serverName: this.o.jobName,
        version: this.source.version,
      });
      if (m) {
        const key = m.key === null ? null : Buffer.from(m.key, 'utf8');
        const value = m.value === null ? null : Buffer.from(m.value, 'utf8');
        records.push({ topic: schema, key, value, partition: partitionFor(m.partitionKey, schema.partitions), size: (key?.length ?? 0) + (value?.length ?? 0) + 24, origin: () => `the DDL statement at ${formatPosition(ev.end)}` });
      }
      await this.publish(records, chunks, ev.end, ev.gtid);
    };
    await handleKafkaDdl(ctx, ev, this, publishStatement);
  }

  /** Sessions come and go (source reconnects); the producer stays until dispose(). */
  async close(): Promise<void> {}

  async dispose(): Promise<void> {
    await this.sender.close();
  }
}
