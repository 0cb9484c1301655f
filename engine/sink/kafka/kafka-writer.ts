// Publishes copied rows: each row becomes the format's read event as it is added to a batch (rendered
// once, kept as bytes), and write() sends the batch with an idempotent producer, acks=all, in requests
// whose per-partition record batches stay under the topic's max.message.bytes, resolving only after the
// broker acknowledged every message.
import type { Producer } from 'kafkajs';
import { CutoverError } from '../../../shared/errors.js';
import type { CopyTable, RawRow, SinkBatch, SinkWriter } from '../sink.js';
import { renderKey, renderMessages, type ChangeEventInput, type KafkaFormat, type KafkaTable, type KeyMode, type SourceInfo } from './formats/index.js';
import { AUTHZ, isTransient, kafkaClient, kafkaErrorText, kafkajs, protocolType, TOO_LARGE, unreachable } from './kafka-client.js';
import type { KafkaSink, TopicInfo } from './kafka-sink.js';
import { partitionFor } from './partition.js';

/** One record, ready to send. */
interface OutMessage {
  key: Buffer | null;
  value: Buffer | null;
  partition: number;
  headers?: Record<string, string>;
  /** Approximate bytes in a record batch (key, value, headers, record overhead). */
  size: number;
  /** The row's index in its batch (to name it in an error). */
  row: number;
}

/** How one table's rows become records. */
class TableRenderer {
  readonly kt: KafkaTable;
  readonly keyIdx: number[];
  constructor(
    readonly t: CopyTable,
    readonly topic: TopicInfo,
    readonly format: KafkaFormat,
    readonly keyMode: KeyMode,
    readonly tombstones: boolean,
    readonly source: Omit<SourceInfo, 'tsMs'>,
  ) {
    this.kt = { db: t.source.db, table: t.source.table, columns: t.columns, keyColumns: t.keyColumns.map((c) => c.name) };
    this.keyIdx = t.keyColumns.map((k) => t.columns.findIndex((c) => c.name === k.name));
  }

  keyValues(row: RawRow): RawRow {
    return this.keyIdx.map((i) => row[i] ?? null);
  }

  /** The row's key for messages: key column = value, as text (bytes decoded as UTF-8). */
  keyText(keyValues: RawRow): string {
    if (!this.keyIdx.length) return '(no key)';
    return this.t.keyColumns
      .map((c, j) => {
        const v = keyValues[j] ?? null;
        return `${c.name}=${v === null ? 'NULL' : JSON.stringify(Buffer.from(v, 'latin1').toString('utf8'))}`;
      })
      .join(', ');
  }
}

class KafkaBatch implements SinkBatch {
  rows = 0;
  bytes = 0;
  readonly messages: OutMessage[] = [];
  /** Each row's key values (to name a row in an error). */
  readonly keys: RawRow[] = [];

  constructor(
    readonly table: CopyTable,
    readonly r: TableRenderer,
  ) {}

  add(row: RawRow): void {
    let size = row.length;
    for (let i = 0; i < row.length; i++) size += row[i]?.length ?? 0;
    const r = this.r;
    const now = Date.now();
    // Copied rows are read events, snapshot "true". ("last" would need to know the copy's very last row
    // across parallel workers and resumed runs; consumers that wait for it must use the job's state.)
    const e: ChangeEventInput = { op: 'r', table: r.kt, before: null, after: row, source: { ...r.source, tsMs: now }, tsMs: now };
    let msgs;
    let canalKey: string | null = null;
    try {
      msgs = renderMessages(r.format, e, { keyMode: r.keyMode, tombstonesOnDelete: r.tombstones });
      // Canal's own producer sends no key; Cutover sends the Debezium-style primary-key JSON ({"id":1})
      // so that log compaction and per-key consumers work. The value is Canal's message unchanged.
      if (r.format === 'canal') canalKey = renderKey(r.keyMode, e, 'debezium');
    } catch (err) {
      throw new CutoverError(
        `A row of ${r.kt.db}.${r.kt.table} (${r.keyText(r.keyValues(row))}) cannot be written as a ${r.format} message: ${(err as Error).message}`,
        'Fix the value on the source (for text: bytes valid in the column\'s character set), or exclude the column ("columns": {"db.table": {"exclude": [...]}}), then run the job again.',
        'SINK_ROW',
      );
    }
    for (const m of msgs) {
      const keyText = r.format === 'canal' ? canalKey : m.key;
      const key = keyText === null ? null : Buffer.from(keyText, 'utf8');
      const value = m.value === null ? null : Buffer.from(m.value, 'utf8');
      let hsize = 0;
      if (m.headers) for (const [k, v] of Object.entries(m.headers)) hsize += k.length + Buffer.byteLength(v) + 4;
      this.messages.push({
        key,
        value,
        partition: partitionFor(m.partitionKey, r.topic.partitions),
        headers: m.headers,
        size: (key?.length ?? 0) + (value?.length ?? 0) + hsize + 24,
        row: this.rows,
      });
    }
    this.keys.push(r.keyValues(row));
    this.rows++;
    this.bytes += size;
  }
}

/** Record batch header bytes (magic v2) and a margin for varint lengths. */
const BATCH_OVERHEAD = 128;
/** At most this many bytes in one produce request (the broker's socket.request.max.bytes is 100 MiB). */
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class KafkaWriter implements SinkWriter {
  private producer: Producer | null = null;
  private readonly renderers = new Map<number, TableRenderer>();

  constructor(private readonly sink: KafkaSink) {}

  async connect(): Promise<void> {
    const o = this.sink.opts;
    const p = kafkaClient({ brokers: o.config.brokers, clientId: this.sink.clientId, log: o.log }).producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: kafkajs.Partitioners.DefaultPartitioner, // unused: every message names its partition
    });
    try {
      await p.connect();
    } catch (e) {
      await p.disconnect().catch(() => undefined);
      throw unreachable(o.config.brokers, e, 'Connecting the Kafka producer');
    }
    this.producer = p;
  }

  private renderer(t: CopyTable): TableRenderer {
    let r = this.renderers.get(t.stateId);
    if (!r) {
      const cfg = this.sink.opts.config;
      r = new TableRenderer(t, this.sink.topicOf(t), cfg.format, cfg.key, cfg.tombstones, this.sink.sourceInfo());
      this.renderers.set(t.stateId, r);
    }
    return r;
  }

  newBatch(t: CopyTable): SinkBatch {
    return new KafkaBatch(t, this.renderer(t));
  }

  /**
   * Sends the batch in requests: per partition, messages in order, each partition's share of a request
   * under the topic's max.message.bytes (a record batch the broker accepts); a message larger than that
   * goes alone, and the broker decides. Resolves once every request was acknowledged (acks=all).
   */
  async write(batch: SinkBatch): Promise<void> {
    const b = batch as KafkaBatch;
    const topic = b.r.topic;
    const budget = Math.max(1024, Math.floor(topic.maxMessageBytes * 0.9) - BATCH_OVERHEAD);
    const queues = new Map<number, OutMessage[]>();
    for (const m of b.messages) {
      let q = queues.get(m.partition);
      if (!q) queues.set(m.partition, (q = []));
      q.push(m);
    }
    const heads = new Map<number, number>([...queues.keys()].map((p) => [p, 0]));
    for (;;) {
      const send: OutMessage[] = [];
      let total = 0;
      for (const [p, q] of queues) {
        let i = heads.get(p)!;
        let part = 0;
        while (i < q.length && total < MAX_REQUEST_BYTES) {
          const m = q[i]!;
          if (part > 0 && part + m.size > budget) break;
          send.push(m);
          part += m.size;
          total += m.size;
          i++;
          if (part > budget) break; // an oversized message alone in its partition's batch
        }
        heads.set(p, i);
      }
      if (!send.length) break;
      await this.send(b, topic, send);
    }
  }

  /** One produce request, retried with backoff while the brokers are unreachable (they may be restarting). */
  private async send(b: KafkaBatch, topic: TopicInfo, messages: OutMessage[]): Promise<void> {
    const o = this.sink.opts;
    const retryFor = o.retryForMs ?? 120_000;
    const started = Date.now();
    let backoff = 500;
    let warned = false;
    for (;;) {
      try {
        if (!this.producer) await this.connect();
        await this.producer!.send({
          topic: topic.name,
          acks: -1,
          timeout: 30_000,
          messages: messages.map((m) => ({ key: m.key, value: m.value, partition: m.partition, headers: m.headers })),
        });
        if (warned) o.log.info(`Kafka brokers reachable again; publishing goes on`, `${b.r.kt.db}.${b.r.kt.table}`);
        return;
      } catch (e) {
        const type = protocolType(e);
        if (type && TOO_LARGE.has(type)) throw this.tooLarge(b, topic, messages, type);
        if (type && AUTHZ.has(type))
          throw new CutoverError(
            `Publishing to topic "${topic.name}" was refused: ${type}.`,
            `Allow Cutover's principal to write the topic (kafka-acls.sh --add --allow-principal User:<cutover> --operation Write --operation Describe --topic ${topic.name}; and --operation IdempotentWrite --cluster), then run the job again.`,
          );
        const transient = isTransient(e) || (e instanceof CutoverError && e.code === 'UNREACHABLE');
        if (!transient)
          throw new CutoverError(
            `Publishing rows of ${b.r.kt.db}.${b.r.kt.table} to topic "${topic.name}" failed: ${kafkaErrorText(e)}`,
            'Fix the cause on the Kafka side, then run the same job again: finished chunks are not published again.',
          );
        if (Date.now() - started >= retryFor || o.signal?.aborted)
          throw e instanceof CutoverError ? e : unreachable(o.config.brokers, e, `Publishing to topic "${topic.name}" (retried for ${Math.round((Date.now() - started) / 1000)} s)`);
        if (!warned) {
          o.log.warn(`Kafka brokers ${o.config.brokers.join(', ')} unavailable (${kafkaErrorText(e)}); retrying for up to ${Math.round(retryFor / 1000)} s`, `${b.r.kt.db}.${b.r.kt.table}`);
          warned = true;
        } else o.log.debug(`publishing to "${topic.name}" failed again: ${kafkaErrorText(e)}`);
        // A fresh producer (new connections, new producer id): the old one's sequence state may be stale.
        const old = this.producer;
        this.producer = null;
        await old?.disconnect().catch(() => undefined);
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  /** MESSAGE_TOO_LARGE / RECORD_LIST_TOO_LARGE: name the table and the largest row of the request. */
  private tooLarge(b: KafkaBatch, topic: TopicInfo, messages: OutMessage[], type: string): CutoverError {
    const big = messages.reduce((a, m) => (m.size > a.size ? m : a), messages[0]!);
    const keyValues = b.keys[big.row];
    const where = `${b.r.kt.db}.${b.r.kt.table}`;
    const key = keyValues ? b.r.keyText(keyValues) : '(unknown)';
    const brokers = this.sink.opts.config.brokers[0];
    return new CutoverError(
      `A row of ${where} (${key}) is too large for Kafka: its ${b.r.format} message is ${big.size.toLocaleString('en-US')} bytes, ` +
        `over the limit of topic "${topic.name}" (max.message.bytes = ${topic.maxMessageBytes.toLocaleString('en-US')}; broker said ${type}). Nothing was skipped: the job is paused.`,
      `Raise the topic's limit (kafka-configs.sh --bootstrap-server ${brokers} --alter --entity-type topics --entity-name ${topic.name} --add-config max.message.bytes=${nextPow2(big.size + 1024)}; ` +
        `above the broker's message.max.bytes, raise that too, and the consumers' fetch.max.bytes / max.partition.fetch.bytes), ` +
        `or exclude the large column ("columns": {"${where}": {"exclude": ["…"]}}); then run the job again: it resumes at this chunk.`,
      'SINK_ROW',
    );
  }

  /** A keyless table restarts its only chunk: see KafkaSink.truncateTable. */
  async truncate(t: CopyTable): Promise<void> {
    await this.sink.truncateTable(t);
  }

  async close(): Promise<void> {
    const p = this.producer;
    this.producer = null;
    await p?.disconnect().catch(() => undefined);
  }
}

function nextPow2(n: number): number {
  let p = 1024 * 1024;
  while (p < n) p *= 2;
  return p;
}
