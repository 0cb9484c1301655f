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

  constructor(
    readonly table: CopyTable,
    readonly r: TableRenderer,
    private readonly source: Omit<SourceInfo, 'tsMs'>,
  ) {}

  add(row: RawRow): void {
    let size = row.length;
    for (let i = 0; i < row.length; i++) size += row[i]?.length ?? 0;
    const now = Date.now();
    // Copied rows are read events, snapshot "true". ("last" would need to know the copy's very last row
    // across parallel workers and resumed runs; consumers that wait for it must use the job's state.)
    // (Object.assign, not a spread: Node 20 builds and reads spread objects far more slowly.)
    const source = Object.assign({}, this.source) as SourceInfo;
    source.tsMs = now;
    const e: ChangeEventInput = { op: 'r', table: this.r.kt, before: null, after: row, source, tsMs: now };
    this.r.render(e, this.records);
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
