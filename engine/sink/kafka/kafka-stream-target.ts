// The stream's Kafka target: binlog row changes published as the format's change events (create /
// update / delete, and a tombstone after a delete when asked), to each table's topic, keyed and
// partitioned by primary key, so that a consumer sees every key's changes in source order.
//
// Position (stream-checkpoint.ts): at-least-once, the idempotent producer sends a batch of transactions and
// the position after it is stored in the state file once the brokers acknowledged every record (a crash
// republishes at most that batch); exactly-once, each batch is one Kafka transaction that also commits the
// position as offset metadata, and a restart fences the earlier producer before it reads it.
//
// Copy chunks during the stream (chunk-gate.ts, stream-chunks.ts): in "snapshot+stream" the copy runs while the stream
// publishes; each chunk, read in a consistent snapshot at binlog position P, is published between the
// transactions ending at or before P and those after it, in the same request or transaction, and its
// chunk id is committed with the position (exactly-once: a chunk is never published twice). Changes of
// a table without a key are held back until its single chunk is published (the chunk holds them).
// While a table still has chunks to publish, its changes carry the record header cutover.copy: pending
// (engine/core/copy-mark.ts): a read of the same key may follow, and a consumer applies them leniently.
//
// A large source transaction in pieces (capability `transactionPieces`: the change reader hands it out
// in pieces of a stream batch's size, so memory stays bounded whatever its size): the copy chunks read
// before it are published first, on their own; then, exactly-once, every piece is sent in ONE Kafka
// transaction that stays open, and the final part commits it together with the position (a crash
// aborts it: a read_committed consumer sees the whole source transaction once or not at all). At-least-
// once, each piece is sent and acknowledged as it comes, and the position moves only after the final
// part: a crash inside the transaction publishes its earlier pieces again on resume (the same keys and
// values), as at-least-once replays a batch. A piece's change events carry the position the transaction
// starts at (its end is not known yet), the final part's the end; `row` counts on across the pieces.
import type { KafkaSinkConfig } from '../../../shared/job-config.js';
import type { SourcePosition } from '../../core/position.js';
import type { TableRef } from '../../../shared/table-selection.js';
import { comparePositions } from '../../core/position.js';
import type { ChunkSubmission } from '../../core/chunk-gate.js';
import type { Logger } from '../../core/logger.js';
import type { StreamTarget } from '../stream-target.js';
import type { StateStore } from '../../state/store.js';
import type { ChunkPayload } from '../sink.js';
import type { SourceInfo } from './formats/index.js';
import { ChangeEvents } from './change-events.js';
import { handleKafkaDdl, schemaChangeRecord, type KafkaDdlContext } from './kafka-ddl.js';
import { copySourceInfo, type KafkaSink, type TopicInfo } from './kafka-sink.js';
import { RecordSender, type ChangePublisher, type OutRecord } from './record-sender.js';
import { kafkaSecurity } from '../../kafka/client.js';
import type { BinlogTransaction, DdlEvent, TransactionPiece } from '../../core/changes.js';
import type { ApplierTable, Checkpoint } from '../../core/checkpoint.js';
import { checkpointMetadata, readStreamCheckpoint, type StreamCheckpointOptions } from './stream-checkpoint.js';
import { StreamChunks } from './stream-chunks.js';

export interface KafkaStreamTargetOptions {
  sink: KafkaSink;
  store: StateStore;
  jobId: number;
  jobName: string;
  log: Logger;
  signal: AbortSignal;
  /** How records reach the brokers (default: a RecordSender; the unit tests pass an in-memory one). */
  sender?: ChangePublisher;
  /** Rendered bytes of a batch sent ahead of its end (default RENDER_BUDGET). */
  renderBudget?: number;
}

/**
 * A batch whose rendered records pass this many bytes is sent in parts as it is rendered (the next part
 * rendered while the previous one is in flight), in the one Kafka transaction of the batch when
 * exactly-once; the position still moves only with its last part. Memory then holds two parts, not the
 * batch's every record. 1 MiB: a stream batch (at most 5,000 row changes, 3-6 MB rendered for sysbench
 * rows) goes out in several parts, so rendering overlaps with the broker's work on the part before
 * (with 4 MiB, most batches were one part, rendered while nothing was in flight, then waited for).
 */
export const RENDER_BUDGET = 1024 * 1024;

/** Parts of a batch in flight at once, when the publisher keeps concurrent sends in order (inFlight > 1). */
const PARTS_IN_FLIGHT = 3;

/** Produce requests in flight on the stream's producer (Kafka keeps order with up to 5 per partition). */
const STREAM_IN_FLIGHT = 4;

/** Waits for every promise; throws the first failure once all settled (nothing is left running behind an error). */
async function settleAll(ps: Promise<void>[]): Promise<void> {
  const failed = (await Promise.allSettled(ps)).find((r) => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
}

export class KafkaStreamTarget implements StreamTarget<KafkaDdlContext> {
  private readonly chunks = new StreamChunks();
  private readonly sender: ChangePublisher;
  private readonly tables = new Map<string, ApplierTable>();
  private readonly events: ChangeEvents;
  /** The source transaction being published in pieces (skip: the checkpoint is past it). */
  private pieces: { skip: boolean; start: SourcePosition; rows: number } | null = null;
  /** Exactly-once: a Kafka transaction is open (a transaction in pieces, or a batch sent in parts). */
  private txOpen = false;
  /** The copy alongside the stream (the `orderedCopy` capability). */
  readonly orderedCopy = { gate: this.chunks.gate, held: this.chunks.held, copying: this.chunks.copying };
  private last: Checkpoint | null = null;
  private schema: TopicInfo | null = null;
  private readonly source: Omit<SourceInfo, 'tsMs' | 'file' | 'pos' | 'gtid' | 'row'>;
  readonly group: string;
  private readonly position: StreamCheckpointOptions;

  private constructor(
    private readonly o: KafkaStreamTargetOptions,
    private readonly cfg: KafkaSinkConfig,
  ) {
    this.group = `cutover-${o.jobName}`;
    this.position = { sink: o.sink, cfg, store: o.store, jobId: o.jobId, group: this.group, signal: o.signal };
    this.sender = o.sender ?? new RecordSender({
      brokers: cfg.brokers,
      ...kafkaSecurity(cfg),
      clientId: o.sink.clientId,
      log: o.log,
      signal: o.signal,
      retryForMs: o.sink.opts.retryForMs,
      transactionalId: cfg.exactlyOnce ? `cutover-${o.jobName}` : undefined,
      what: 'changes',
      inFlight: STREAM_IN_FLIGHT,
    });
    const { serverName, version, connector } = copySourceInfo(o.jobName, null);
    this.source = { serverId: null, snapshot: false, serverName, version, connector };
    this.events = new ChangeEvents(cfg, this.source, this.tables, (ref) => o.sink.streamTopic(ref));
  }

  static async open(o: KafkaStreamTargetOptions): Promise<KafkaStreamTarget> {
    const cfg = o.sink.opts.config;
    const t = new KafkaStreamTarget(o, cfg);
    t.schema = await o.sink.schemaTopic();
    await t.sender.connect();
    t.last = await readStreamCheckpoint(t.position, t.schemaTopicName);
    return t;
  }

  get schemaTopicName(): string {
    return this.schema!.name;
  }

  async checkpoint(): Promise<Checkpoint | null> {
    return this.last;
  }

  async setCheckpoint(end: SourcePosition, gtid: string | null): Promise<void> {
    await this.publish([], [], end, gtid);
  }

  setTable(sourceName: string, t: ApplierTable): void {
    this.tables.set(sourceName, t);
    this.events.forget(sourceName);
  }

  dropTable(sourceName: string): void {
    this.tables.delete(sourceName);
    this.events.forget(sourceName);
  }

  table(sourceName: string): ApplierTable | undefined {
    return this.tables.get(sourceName);
  }

  /**
   * Publishes the transactions, with the copy chunks whose snapshot lies between them, in binlog order;
   * waits while a chunk that must come first is still being read.
   */
  async apply(txs: BinlogTransaction[]): Promise<number> {
    this.chunks.forgetCopied();
    let done = 0;
    if (this.pieces) {
      // The first transaction is the final part of the one published in pieces: it commits it.
      done += await this.finishPieces(txs[0]!);
      txs = txs.slice(1);
    }
    const pending = this.last ? txs.filter((t) => comparePositions(t.end, this.last!.position) > 0) : txs;
    const gate = this.chunks.gate;
    let i = 0;
    while (i < pending.length) {
      if (this.o.signal.aborted) throw new Error('stop requested');
      // Where the frontier stood before this part: restored if the part is not published.
      const frontier = gate.publishedUpTo;
      if (!gate.advance(pending[i]!.end)) {
        await gate.wait(gate.unsettled ? 20 : 1000);
        continue;
      }
      let j = i + 1;
      let records: OutRecord[] = [];
      const chunks: ChunkSubmission<ChunkPayload>[] = [];
      // Parts sent ahead, in flight while the next ones render: as many as the publisher keeps in order.
      const inflight: Promise<void>[] = [];
      const partsInFlight = Math.min(PARTS_IN_FLIGHT, this.sender.inFlight ?? 1);
      try {
        let bytes = 0;
        for (let k = i; ; k++) {
          const tx = pending[k]!;
          const from = records.length;
          this.chunks.take(tx.end, false, chunks, records);
          await this.events.render({ changes: tx.changes, at: tx.end, gtid: tx.gtid, timestamp: tx.timestamp, firstRow: 0, commits: true }, this.chunks.held, records, this.chunks.copying);
          for (let r = from; r < records.length; r++) bytes += records[r]!.size;
          // The next transaction joins this part only while no chunk must come before it (checked now, after
          // the render's await, during which a snapshot may have started).
          if (k + 1 >= pending.length || !gate.advance(pending[k + 1]!.end)) {
            j = k + 1;
            break;
          }
          if (bytes >= this.renderBudget) {
            // Sent ahead while the next part is rendered. With one part in flight the next waits for it;
            // with more, the publisher sends them in the order of these calls (request-window.ts).
            if (inflight.length >= partsInFlight) await inflight.shift();
            if (this.cfg.exactlyOnce) await this.openTx();
            const part = this.sendPart(records);
            part.catch(() => undefined); // awaited above or in publish()
            inflight.push(part);
            records = [];
            bytes = 0;
          }
        }
        if (partsInFlight <= 1) while (inflight.length) await inflight.shift();
      } catch (e) {
        await Promise.allSettled(inflight);
        await this.abortTx();
        gate.publishedUpTo = frontier;
        this.chunks.restore(chunks);
        throw e;
      }
      const lastTx = pending[j - 1]!;
      await this.publish(records, chunks, lastTx.end, lastTx.gtid, inflight, frontier);
      i = j;
    }
    return done + pending.length;
  }

  /**
   * A piece of a source transaction (more follows): the first one publishes the copy chunks read before the
   * transaction and, exactly-once, opens the Kafka transaction the pieces go into; each piece is sent as it
   * comes (see the header). A failure aborts the open transaction: the stream reads the whole source
   * transaction again from the checkpoint.
   */
  async applyPiece(piece: TransactionPiece): Promise<void> {
    if (!this.pieces) {
      const skip = this.last !== null && comparePositions(piece.start, this.last.position) < 0;
      if (!skip) await this.beforePieces(piece.start);
      if (!skip && this.cfg.exactlyOnce) await this.openTx();
      this.pieces = { skip, start: piece.start, rows: 0 };
    }
    const open = this.pieces;
    if (open.skip) return;
    const records: OutRecord[] = [];
    await this.events.render({ changes: piece.changes, at: open.start, gtid: piece.gtid, timestamp: piece.timestamp, firstRow: open.rows, commits: false }, this.chunks.held, records, this.chunks.copying);
    open.rows += piece.changes.length;
    try {
      if (this.cfg.exactlyOnce) await this.sendOpenTx(records);
      else await this.sender.send(records);
    } catch (e) {
      await this.endPieces();
      throw e;
    }
  }

  /**
   * A part of a batch sent ahead of its end (exactly-once: into the batch's Kafka transaction, opened by the
   * caller before the first part). The records are handed to the publisher synchronously: calls keep their order.
   */
  private sendPart(records: OutRecord[]): Promise<void> {
    if (!this.cfg.exactlyOnce) return this.sender.send(records);
    return this.sendOpenTx(records);
  }

  private get renderBudget(): number {
    return this.o.renderBudget ?? RENDER_BUDGET;
  }

  private async openTx(): Promise<void> {
    if (this.txOpen) return;
    await this.sender.begin();
    this.txOpen = true;
  }

  private async sendOpenTx(records: OutRecord[]): Promise<void> {
    try {
      await this.sender.sendOpen(records);
    } catch (e) {
      this.txOpen = false; // aborted by the sender
      throw e;
    }
  }

  /** Aborts the open Kafka transaction, if any. */
  private async abortTx(): Promise<void> {
    if (!this.txOpen) return;
    this.txOpen = false;
    await this.sender.abortOpen();
  }

  /** Before a transaction in pieces: waits for the chunks that must come first and publishes them on their own. */
  private async beforePieces(start: SourcePosition): Promise<void> {
    for (;;) {
      if (this.o.signal.aborted) throw new Error('stop requested');
      if (this.chunks.gate.unsettled) {
        await this.chunks.gate.wait(20);
        continue;
      }
      // A chunk read at a position before the transaction's end (i.e. at or before its start) goes first.
      const hold = this.chunks.gate.holdPosition();
      if (hold && comparePositions(start, hold) >= 0) {
        await this.chunks.gate.wait();
        continue;
      }
      break;
    }
    // From here a snapshot at or before the transaction's start is behind it (its end is not known yet).
    this.chunks.gate.openAfter = start;
    const chunks: ChunkSubmission<ChunkPayload>[] = [];
    const records: OutRecord[] = [];
    this.chunks.take(start, true, chunks, records);
    if (!chunks.length) return;
    const last = this.last;
    const end = last && comparePositions(last.position, start) >= 0 ? last.position : start;
    await this.publish(records, chunks, end, last?.gtid ?? null);
  }

  /** The final part of the transaction published in pieces: its records, then the commit with the position. Returns 1 (0: skipped). */
  private async finishPieces(final: BinlogTransaction): Promise<number> {
    const open = this.pieces!;
    if (open.skip) {
      this.pieces = null;
      return 0;
    }
    const records: OutRecord[] = [];
    try {
      await this.events.render({ changes: final.changes, at: final.end, gtid: final.gtid, timestamp: final.timestamp, firstRow: open.rows, commits: true }, this.chunks.held, records, this.chunks.copying);
      await this.publish(records, [], final.end, final.gtid);
    } finally {
      await this.endPieces();
    }
    return 1;
  }

  /** Forgets the transaction in pieces; an open Kafka transaction is aborted (a committed one is already closed). */
  private async endPieces(): Promise<void> {
    this.pieces = null;
    this.chunks.gate.openAfter = null;
    await this.abortTx();
  }

  /** Nothing more in the binlog up to `at`: publish the chunks read at or before it. */
  async idle(at: SourcePosition): Promise<void> {
    if (this.chunks.gate.unsettled || this.pieces) return;
    const chunks: ChunkSubmission<ChunkPayload>[] = [];
    const records: OutRecord[] = [];
    this.chunks.take(at, true, chunks, records);
    if (!chunks.length) return;
    // Everything in the binlog up to `at` is handled: the position moves there (a resumed stream must
    // not replay changes the chunks already hold after them).
    const last = this.last;
    const end = last && comparePositions(last.position, at) >= 0 ? last.position : at;
    await this.publish(records, chunks, end, last?.gtid ?? null);
  }

  /**
   * Sends the records (and commits the position with them), then records what became durable. `earlier`:
   * parts of the same batch still in flight (sent before these records, in order); the position moves only
   * once they are acknowledged too.
   */
  private async publish(
    records: OutRecord[],
    chunks: ChunkSubmission<ChunkPayload>[],
    end: SourcePosition,
    gtid: string | null,
    earlier: Promise<void>[] = [],
    before: SourcePosition | null = this.chunks.gate.publishedUpTo,
  ): Promise<void> {
    const placed = this.chunks.gate.publishedUpTo;
    if (!placed || comparePositions(end, placed) > 0) this.chunks.gate.publishedUpTo = end;
    try {
      if (this.cfg.exactlyOnce) {
        const cp = { group: this.group, topic: this.schemaTopicName, metadata: checkpointMetadata(this.position, end, gtid, chunks) };
        // The last part of a batch sent in parts (or of a transaction in pieces) commits the open transaction.
        if (this.txOpen) {
          this.txOpen = false; // committed, or aborted by the sender
          await settleAll([...earlier, this.sender.commitOpen(records, cp)]);
        } else await this.sender.transaction(records, cp);
      } else {
        await settleAll([...earlier, ...(records.length ? [this.sender.send(records)] : [])]);
      }
    } catch (e) {
      // Not published: the chunks wait again for the next attempt (the stream resumes from the last position).
      this.chunks.gate.publishedUpTo = before;
      this.chunks.restore(chunks);
      throw e;
    }
    this.o.store.setJob(this.o.jobId, { sink_checkpoint: JSON.stringify({ file: end.file, pos: end.pos, gtid }) });
    this.last = { position: end, gtid, pendingDdl: null };
    this.chunks.published(chunks);
  }

  /** Publishes one DDL statement to the schema-change topic and records the new table definitions. */
  async ddl(ctx: KafkaDdlContext, ev: DdlEvent): Promise<void> {
    if (this.last && comparePositions(ev.end, this.last.position) <= 0) return;
    // Chunks read before the statement go first: their rows have the old definition.
    const records: OutRecord[] = [];
    const chunks: ChunkSubmission<ChunkPayload>[] = [];
    this.chunks.take(ev.end, false, chunks, records);
    const publishStatement = async (tables: TableRef[], statement: boolean): Promise<void> => {
      const r = statement && schemaChangeRecord(this.cfg.format, this.schema!, ev, tables, this.o.jobName, this.source.version);
      if (r) records.push(r);
      await this.publish(records, chunks, ev.end, ev.gtid);
    };
    await handleKafkaDdl(ctx, ev, this, publishStatement);
  }

  /** Sessions come and go (source reconnects); the producer stays until dispose(). A transaction in pieces ends with the session. */
  async close(): Promise<void> {
    await this.endPieces();
  }

  async dispose(): Promise<void> {
    await this.endPieces();
    await this.sender.close();
  }
}
