// Publishes copied rows: each row becomes the format's read event as it is added to a batch, written once
// as a Kafka record into its partition's run (record-runs.ts), and write() sends the batch (record-sender.ts: idempotent producer, acks=all,
// requests the brokers accept), resolving only after the broker acknowledged every message — or, for
// exactly-once jobs, once the transaction holding the batch has committed.
import type { SourcePosition } from '../../core/position.js';
import type { SinkBatch, SinkWriter } from '../sink.js';
import type { ChangeEventInput, SourceInfo } from './formats/index.js';
import type { KafkaSink } from './kafka-sink.js';
import { RecordSender, type OutRecord } from './record-sender.js';
import { kafkaSecurity } from '../../kafka/client.js';
import { TableRenderer } from './table-renderer.js';
import { rowByteSize, rowFromBytes, type RawRow, type RowBytes } from '../../core/rows.js';
import { readEventFrame, ReadEventWriter, type ReadEventFrame } from './read-event-bytes.js';
import { RecordRuns, RunBufferPool } from './record-runs.js';
import type { CopyTable } from '../../core/tables.js';

export class KafkaBatch implements SinkBatch {
  rows = 0;
  bytes = 0;
  /** The batch's records, in Kafka's record format per partition (record-runs.ts). */
  private readonly runs: RecordRuns;
  /** render()'s records of the current row, before they join their runs. */
  private readonly rendered: OutRecord[] = [];
  /**
   * One event and one source block per batch, refilled for each row: render() reads them synchronously and
   * keeps neither (the formats memoise the source block by value), so no object is built per row here.
   */
  private readonly source: SourceInfo;
  private readonly event: ChangeEventInput;

  /** The byte path's frame of this batch's source (null: rows take add()). */
  private readonly frame: ReadEventFrame | null;

  constructor(
    readonly table: CopyTable,
    readonly r: TableRenderer,
    source: Omit<SourceInfo, 'tsMs'>,
    private readonly bytesWriter?: ReadEventWriter,
    runSizes?: number[],
    pool?: RunBufferPool,
  ) {
    this.runs = new RecordRuns(r.topic, runSizes, pool);
    // (Object.assign, not a spread: Node 20 builds and reads spread objects far more slowly.)
    this.source = Object.assign({}, source) as SourceInfo;
    this.source.tsMs = 0;
    // Copied rows are read events, snapshot "true". ("last" would need to know the copy's very last row
    // across parallel workers and resumed runs; consumers that wait for it must use the job's state.)
    this.event = { op: 'r', table: r.kt, before: null, after: null, source: this.source, tsMs: 0, copyMark: 'row' };
    this.frame = r.readShape && bytesWriter ? readEventFrame(this.event) : null;
  }

  /**
   * add() from the row's bytes: written straight into the writer's slab when the table's values allow it
   * (read-event-bytes.ts, the same bytes add() renders); any other row takes add().
   */
  addBytes(row: RowBytes): void {
    if (!this.frame) return this.add(rowFromBytes(row));
    const now = Date.now();
    this.source.tsMs = now;
    this.event.tsMs = now;
    if (!this.r.renderBytes(this.bytesWriter!, this.frame, this.event, row, this.runs)) return this.add(rowFromBytes(row));
    this.rows++;
    this.bytes += rowByteSize(row);
  }

  /** The records to send: one per partition run (a run holds up to a record batch of its partition's records). */
  get records(): OutRecord[] {
    return this.runs.take();
  }

  /** Once the records were acknowledged (nothing reads them any more): their buffers serve the next batches. */
  release(): void {
    this.runs.release();
  }

  add(row: RawRow): void {
    let size = row.length;
    for (let i = 0; i < row.length; i++) size += row[i]?.length ?? 0;
    const now = Date.now();
    const e = this.event;
    this.source.tsMs = now;
    e.tsMs = now;
    e.after = row;
    const out = this.rendered;
    try {
      this.r.render(e, out);
    } finally {
      e.after = null; // the batch waits for its acknowledgement: it must not keep a row image alive
    }
    for (let i = 0; i < out.length; i++) this.runs.append(out[i]!);
    out.length = 0;
    this.rows++;
    this.bytes += size;
  }
}

export class KafkaWriter implements SinkWriter {
  private readonly sender: RecordSender;
  private readonly renderers = new Map<number, TableRenderer>();
  /** The slabs copied rows are written into from their bytes (batches are filled one row at a time). */
  private readonly bytesWriter = new ReadEventWriter();
  /** Per table, the sizes of the last batch's partition runs: a new batch's runs start that large. */
  private readonly runSizes = new Map<number, number[]>();
  /** The run buffers of acknowledged batches, for the next ones. */
  private readonly pool = new RunBufferPool();

  constructor(private readonly sink: KafkaSink) {
    const o = sink.opts;
    this.sender = new RecordSender({ brokers: o.config.brokers, ...kafkaSecurity(o.config), clientId: sink.clientId, log: o.log, signal: o.signal, retryForMs: o.retryForMs, what: 'copied rows' });
  }

  async connect(): Promise<void> {
    await this.sender.connect();
  }

  renderer(t: CopyTable): TableRenderer {
    let r = this.renderers.get(t.stateId);
    if (!r) {
      const cfg = this.sink.opts.config;
      r = new TableRenderer(t.source.db, t.source.table, t.columns, t.keyColumns, this.sink.topicOf(t), { format: cfg.format, keyMode: cfg.key, tombstones: cfg.tombstones });
      this.renderers.set(t.stateId, r);
    }
    return r;
  }

  /** A batch of read events; `snapshotAt`: the binlog position the rows were read at (else the copy's start). */
  newBatch(t: CopyTable, snapshotAt?: SourcePosition): KafkaBatch {
    let sizes = this.runSizes.get(t.stateId);
    if (!sizes) this.runSizes.set(t.stateId, (sizes = []));
    return new KafkaBatch(t, this.renderer(t), this.sink.sourceInfo(snapshotAt), this.bytesWriter, sizes, this.pool);
  }

  /** Sends the batch; resolves once every record was acknowledged (acks=all). */
  async write(batch: SinkBatch): Promise<void> {
    const b = batch as KafkaBatch;
    await this.sender.send(b.records);
    b.release();
  }

  /** A keyless table restarts its only chunk: see KafkaSink.truncateTable. */
  async truncate(t: CopyTable): Promise<void> {
    await this.sink.truncateTable(t);
  }

  async close(): Promise<void> {
    await this.sender.close();
  }
}
