// The schema-change topic a Kafka-source job names (`source.schemaTopic`: Debezium's schema change topic, or
// the one a Cutover Kafka sink writes). Each process reads all of it (one partition) with a consumer of its
// own (a group of its own, nothing committed), and before a batch of rows is decided it reads up to the
// topic's end as it is then: a statement the producer wrote before the rows after it is known before they
// are applied. What to do with each row is engine/core/schema-topic-order.ts; which statements are applied
// is the sink's (its stored offset of the schema topic, moved with each statement).
import type { Admin, Consumer, Kafka } from 'kafkajs';
import { CutoverError } from '../../../shared/errors.js';
import type { Logger } from '../../core/logger.js';
import { SchemaTopicOrder, sourcePos } from '../../core/schema-topic-order.js';
import { sleepUnlessAborted } from '../../core/sleep.js';
import { debeziumSourceFields } from './formats/debezium-decode.js';
import { DecodeError } from './formats/decode-error.js';
import type { Decoded } from '../../core/bad-messages.js';

export class SchemaTopicReader {
  readonly order: SchemaTopicOrder;
  private readonly consumer: Consumer;
  private readonly admin: Admin;
  private started: Promise<void> | null = null;
  private failure: Error | null = null;
  /** Statements a row was logged waiting for (once each). */
  private readonly waitLogged = new Set<string>();

  constructor(
    kafka: Kafka,
    readonly topic: string,
    job: string,
    private readonly tables: (sql: string, db: string) => string[],
    private readonly log: Logger,
    private readonly signal: AbortSignal,
  ) {
    this.order = new SchemaTopicOrder(topic);
    this.consumer = kafka.consumer({ groupId: `cutover-${job}-schema-${process.pid}-${Date.now()}`, readUncommitted: false, allowAutoTopicCreation: false, maxWaitTimeInMs: 200, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
    this.admin = kafka.admin();
  }

  private async start(): Promise<void> {
    await this.admin.connect();
    const parts = await this.admin.fetchTopicOffsets(this.topic).catch((e: unknown) => {
      throw new CutoverError(`The schema-change topic ${this.topic} ("source.schemaTopic") cannot be read: ${e instanceof Error ? e.message : String(e)}`, 'Check its name (a Cutover Kafka sink names it in "sink.schemaTopic"; Debezium in "topic.prefix") and that the account may read it.', 'CONFIG');
    });
    if (parts.length !== 1)
      throw new CutoverError(`The schema-change topic ${this.topic} has ${parts.length} partitions: its statements have no single order.`, 'A schema-change topic has one partition (Debezium and Cutover create it so); name that topic in "source.schemaTopic".', 'CONFIG');
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [this.topic], fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        try {
          this.take(message.offset, message.value);
        } catch (e) {
          this.failure = e instanceof Error ? e : new Error(String(e));
        }
      },
    });
    this.log.info(`reading the schema-change topic ${this.topic}: its statements are applied in order with the rows by source position`);
  }

  private take(offset: string, value: Buffer | null): void {
    const f = value?.length ? debeziumSourceFields(value) : null;
    if (!f?.ddl) {
      this.order.readThrough((BigInt(offset) + 1n).toString());
      return;
    }
    const position = sourcePos(f.file, f.pos);
    if (!position)
      throw new CutoverError(
        `The schema-change record at ${this.topic}:0:${offset} carries no source position (source.file, source.pos): its order with the rows cannot be known.`,
        'Name a schema-change topic whose records carry the binlog position (Debezium\'s, or a Cutover Kafka sink\'s in Debezium form).',
        'CONFIG',
      );
    this.order.add({ offset, position, tables: this.tables(f.ddl.sql, f.ddl.db), db: f.ddl.db, sql: f.ddl.sql });
  }

  /** Reads the topic up to its end as it is now. */
  async catchUp(): Promise<void> {
    this.started ??= this.start();
    await this.started;
    const [p] = await this.admin.fetchTopicOffsets(this.topic);
    const high = BigInt(p?.high ?? '0');
    while (BigInt(this.order.readOffset) < high) {
      if (this.failure) throw this.failure;
      if (this.signal.aborted) return;
      await sleepUnlessAborted(20, this.signal);
    }
    if (this.failure) throw this.failure;
  }

  /**
   * What a row message of the job's tables waits for, decided by its source position: a statement to apply
   * first (then the message is decoded again), or another table's statement (`wait`); undefined: decode it.
   * `where` is TOPIC:PARTITION:OFFSET; `partitions`: its topic's partition count.
   */
  rowOrder(value: Buffer | null, where: string, partitions: number | null, include: (db: string, table: string) => boolean): Decoded | undefined {
    if (!value?.length) return undefined;
    const f = debeziumSourceFields(value);
    if (!f?.table || !include(f.table.db, f.table.table)) return undefined;
    const name = `${f.table.db}.${f.table.table}`;
    const position = sourcePos(f.file, f.pos);
    if (!position)
      throw new DecodeError(`a message of ${name} without a source position (source.file, source.pos): its order with the schema-change topic ${this.topic} cannot be known`, 'Produce the topic with the binlog position in "source" (Debezium and Cutover do), or remove "schemaTopic" from the job.', 'malformed', name);
    const d = this.order.decide(name, position, partitions, where);
    if (d.kind === 'go') return undefined;
    if (d.kind === 'refuse') throw new DecodeError(d.fault.reason, d.fault.fix, 'unsupported', name);
    if (d.kind === 'wait') {
      if (!this.waitLogged.has(d.statement.offset)) {
        this.waitLogged.add(d.statement.offset);
        this.log.info(`rows of ${name} (at ${where}) wait for the schema change at ${this.topic}:0:${d.statement.offset} of ${d.statement.tables.join(', ')}, which comes first in the schema-change topic and is applied when that table's rows reach it`);
      }
      return { changes: [], timestampMs: null, wait: true };
    }
    const s = d.statement;
    return { changes: [], timestampMs: null, ddl: { db: s.db, sql: s.sql, format: 'debezium schema-change topic', at: { topic: this.topic, partition: 0, offset: s.offset } } };
  }

  async close(): Promise<void> {
    await this.consumer.disconnect().catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
  }
}
