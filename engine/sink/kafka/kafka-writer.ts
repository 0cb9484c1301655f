// Publishes copied rows: each row becomes the format's read event as it is added to a batch (rendered
// once, kept as bytes), and write() sends the batch (record-sender.ts: idempotent producer, acks=all,
// requests the brokers accept), resolving only after the broker acknowledged every message — or, for
// exactly-once jobs, once the transaction holding the batch has committed.
import type { SourcePosition } from '../../core/position.js';
import type { SinkBatch, SinkWriter } from '../sink.js';
import type { ChangeEventInput, SourceInfo } from './formats/index.js';
import type { KafkaSink } from './kafka-sink.js';
import { RecordSender, type OutRecord } from './record-sender.js';
import { kafkaSecurity } from '../../kafka/client.js';
import { TableRenderer } from './table-renderer.js';
import type { RawRow } from '../../core/rows.js';
import type { CopyTable } from '../../core/tables.js';

export class KafkaBatch implements SinkBatch {
  rows = 0;
  bytes = 0;
  readonly records: OutRecord[] = [];
  /**
   * One event and one source block per batch, refilled for each row: render() reads them synchronously and
   * keeps neither (the formats memoise the source block by value), so no object is built per row here.
   */
  private readonly source: SourceInfo;
  private readonly event: ChangeEventInput;

  constructor(
    readonly table: CopyTable,
    readonly r: TableRenderer,
    source: Omit<SourceInfo, 'tsMs'>,
  ) {
    // (Object.assign, not a spread: Node 20 builds and reads spread objects far more slowly.)
    this.source = Object.assign({}, source) as SourceInfo;
    this.source.tsMs = 0;
    // Copied rows are read events, snapshot "true". ("last" would need to know the copy's very last row
    // across parallel workers and resumed runs; consumers that wait for it must use the job's state.)
    this.event = { op: 'r', table: r.kt, before: null, after: null, source: this.source, tsMs: 0, copyMark: 'row' };
  }

  add(row: RawRow): void {
    let size = row.length;
    for (let i = 0; i < row.length; i++) size += row[i]?.length ?? 0;
    const now = Date.now();
    const e = this.event;
    this.source.tsMs = now;
    e.tsMs = now;
    e.after = row;
    try {
      this.r.render(e, this.records);
    } finally {
      e.after = null; // the batch waits for its acknowledgement: it must not keep a row image alive
    }
    this.rows++;
    this.bytes += size;
  }
}

export class KafkaWriter implements SinkWriter {
  private readonly sender: RecordSender;
  private readonly renderers = new Map<number, TableRenderer>();

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
    return new KafkaBatch(t, this.renderer(t), this.sink.sourceInfo(snapshotAt));
  }

  /** Sends the batch; resolves once every record was acknowledged (acks=all). */
  async write(batch: SinkBatch): Promise<void> {
    await this.sender.send((batch as KafkaBatch).records);
  }

  /** A keyless table restarts its only chunk: see KafkaSink.truncateTable. */
  async truncate(t: CopyTable): Promise<void> {
    await this.sink.truncateTable(t);
  }

  async close(): Promise<void> {
    await this.sender.close();
  }
}
