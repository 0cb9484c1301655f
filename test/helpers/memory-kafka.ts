// A Kafka sink's stream target (the real KafkaStreamTarget: rendering, positions, transactions in
// pieces) over an in-memory publisher that keeps the records as a broker's log would: committed, or in a
// transaction still open or aborted (what read_committed and read_uncommitted consumers see), and the
// exactly-once checkpoint as the group's offset metadata. For the stream unit tests (no broker runs).
import { parseJobConfig, type KafkaSinkConfig } from '../../shared/job-config.js';
import type { TableRef } from '../../shared/table-selection.js';
import type { Logger } from '../../engine/core/logger.js';
import type { StateStore } from '../../engine/state/store.js';
import type { KafkaSink } from '../../engine/sink/kafka/kafka-sink.js';
import { KafkaStreamTarget } from '../../engine/sink/kafka/kafka-stream-target.js';
import { sentRecords } from './record-runs.js';
import { openTransactionLost, type ChangePublisher, type OutRecord, type TransactionCheckpoint } from '../../engine/sink/kafka/record-sender.js';

export interface LoggedRecord {
  topic: string;
  key: string | null;
  value: string | null;
  state: 'committed' | 'open' | 'aborted';
}

const text = (b: string | Buffer | null): string | null => (b === null ? null : typeof b === 'string' ? b : b.toString('utf8'));

export class MemoryPublisher implements ChangePublisher {
  readonly log: LoggedRecord[] = [];
  /** The committed checkpoint (the group's offset metadata), exactly-once. */
  metadata: string | null = null;
  private open: LoggedRecord[] | null = null;
  begins = 0;
  commits = 0;
  opened = 0;
  /** The Nth sendOpen (1-based, counted over the run) fails as a lost broker: the open transaction is aborted. */
  failOpenAt = 0;
  /** The Nth send (1-based) fails as a lost broker (at-least-once). */
  failSendAt = 0;
  private sendOpens = 0;
  private sends = 0;
  /** Called at each send or sendOpen with the records so far, before they are added. */
  onSend: ((kind: 'send' | 'open') => void) | null = null;

  constructor(readonly transactional: boolean) {}

  private add(records: OutRecord[], state: LoggedRecord['state']): LoggedRecord[] {
    const out = sentRecords(records).map((r) => ({ topic: r.topic, key: text(r.key), value: text(r.value), state }));
    this.log.push(...out);
    return out;
  }

  async connect(): Promise<void> {}

  async send(records: OutRecord[]): Promise<void> {
    this.onSend?.('send');
    if (++this.sends === this.failSendAt) throw Object.assign(new Error('broker gone (injected)'), { code: 'ECONNRESET' });
    this.add(records, 'committed');
  }

  async transaction(records: OutRecord[], cp: TransactionCheckpoint | null): Promise<void> {
    this.add(records, 'committed');
    if (cp) this.metadata = cp.metadata;
    this.commits++;
  }

  async begin(): Promise<void> {
    if (this.open) throw new Error('a transaction is already open');
    this.open = [];
    this.begins++;
  }

  async sendOpen(records: OutRecord[]): Promise<void> {
    if (!this.open) throw new Error('no transaction is open');
    this.onSend?.('open');
    if (++this.sendOpens === this.failOpenAt) {
      await this.abortOpen();
      throw openTransactionLost(new Error('broker gone (injected)'));
    }
    this.open.push(...this.add(records, 'open'));
    this.opened++;
  }

  async commitOpen(records: OutRecord[], cp: TransactionCheckpoint | null): Promise<void> {
    await this.sendOpen(records);
    for (const r of this.open!) r.state = 'committed';
    this.open = null;
    if (cp) this.metadata = cp.metadata;
    this.commits++;
  }

  async abortOpen(): Promise<void> {
    for (const r of this.open ?? []) r.state = 'aborted';
    this.open = null;
  }

  async close(): Promise<void> {
    await this.abortOpen();
  }

  /** What a read_committed consumer reads of a topic (non-transactional records count as committed). */
  committed(topic: string): LoggedRecord[] {
    return this.log.filter((r) => r.topic === topic && r.state === 'committed');
  }
}

/** A Kafka sink config (Debezium, 3 partitions, topics "db.table") for the in-memory target. */
export function memoryKafkaConfig(exactlyOnce: boolean): KafkaSinkConfig {
  const cfg = parseJobConfig({
    name: 'mem',
    source: { url: 'mysql://u:p@127.0.0.1:1' },
    sink: { type: 'kafka', brokers: ['127.0.0.1:9'], topic: '{db}.{table}', format: 'debezium', partitions: 3, exactlyOnce },
    tables: { include: ['shop.*'] },
    mode: 'stream',
  });
  return cfg.sink as KafkaSinkConfig;
}

/** The real KafkaStreamTarget with its sink's topics and admin client in memory, publishing through `pub`. */
export async function memoryKafkaTarget(o: { pub: MemoryPublisher; store: StateStore; jobId: number; log: Logger; signal: AbortSignal; renderBudget?: number }): Promise<KafkaStreamTarget> {
  const config = memoryKafkaConfig(o.pub.transactional);
  const topic = (name: string) => ({ name, partitions: 3, maxMessageBytes: 1_048_588 });
  const sink = {
    opts: { config, jobName: 'mem', log: o.log },
    clientId: 'cutover-mem',
    schemaTopic: async () => topic('schema-changes'),
    streamTopic: async (ref: TableRef) => topic(`${ref.db}.${ref.table}`),
    adminClient: { fetchOffsets: async () => [{ partitions: [{ partition: 0, metadata: o.pub.metadata }] }] },
  } as unknown as KafkaSink;
  return KafkaStreamTarget.open({ sink, store: o.store, jobId: o.jobId, jobName: 'mem', log: o.log, signal: o.signal, sender: o.pub, renderBudget: o.renderBudget });
}
