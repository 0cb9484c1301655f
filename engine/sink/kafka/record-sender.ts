// Sends rendered records to Kafka: one idempotent producer (acks=all, one request in flight, so
// per-partition order holds through retries), requests split so that each partition's record batch stays
// under its topic's max.message.bytes, and retries with backoff while the brokers cannot be reached.
//
// At-least-once sends keep the same producer through an outage: its producer id, epoch and
// per-partition sequence numbers survive the lost connections (kafkajs rewinds a sequence whose request
// failed), so a batch the broker wrote but whose acknowledgement was lost is sent again with the same
// sequence and the broker drops it as a duplicate. Only a producer the broker no longer knows
// (UNKNOWN_PRODUCER_ID, OUT_OF_ORDER_SEQUENCE_NUMBER, a fenced epoch) is replaced by a new one.
//
// Two ways to send:
//   send(records)             at-least-once: resolves once the brokers acknowledged every record.
//   transaction(records, cp)  exactly-once: a Kafka transaction holding the records and the checkpoint
//                             (committed as this job's consumer-group offset metadata, atomically with
//                             the records); retried whole on a new producer after a failure, so a
//                             read_committed consumer sees each record once.
//   begin() / sendOpen(records) / commitOpen(records, cp) / abortOpen()
//                             exactly-once, a Kafka transaction kept open across calls (a large source
//                             transaction published in pieces). It cannot be retried piece by piece: a
//                             failure aborts it and throws an error the stream takes as a lost connection
//                             (it reads the source transaction again from the checkpoint, which has not
//                             moved), and a read_committed consumer never sees the aborted records.
import type { Producer, Transaction } from 'kafkajs';
import { CutoverError } from '../../../shared/errors.js';
import type { Logger } from '../../core/logger.js';
import { RequestWindow, type WindowTransport } from './request-window.js';
import { splitRequests, tooLarge, topicMessages, type OutRecord } from './out-records.js';

export { BATCH_OVERHEAD, batchBudget, splitRequests, type OutRecord, type TopicLimits } from './out-records.js';
import { AUTHZ, isTransient, kafkaClient, kafkaErrorText, kafkajs, protocolType, TOO_LARGE, unreachable, type KafkaClientOptions } from '../../kafka/client.js';

/** What a transaction commits beside its records: the consumer-group offset whose metadata is the checkpoint. */
export interface TransactionCheckpoint {
  group: string;
  topic: string;
  /** Offset metadata (at most offset.metadata.max.bytes, 4,096 by default). */
  metadata: string;
}

export interface RecordSenderOptions extends Pick<KafkaClientOptions, 'tls' | 'sasl'> {
  brokers: string[];
  clientId: string;
  log: Logger;
  signal?: AbortSignal;
  /** How long a send keeps retrying while the brokers cannot be reached (default 120 s). */
  retryForMs?: number;
  /** Kafka transactions with this transactional.id (exactly-once); none: idempotent only. */
  transactionalId?: string;
  /** Names the thing being published, in log lines ("rows of db.table", "changes"). */
  what?: string;
  /** How connections to the brokers are opened (kafkajs socketFactory; default: plain or TLS sockets). */
  socketFactory?: KafkaClientOptions['socketFactory'];
  /**
   * Produce requests in flight at once on the producer (1 to 5; default 1). Above 1, requests are
   * pipelined in order with sequence numbers kept across resends (request-window.ts), and concurrent
   * send() / sendOpen() calls are sent in the order they were made.
   */
  inFlight?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What a change sink publishes through (RecordSender; the unit tests pass an in-memory one). */
export interface ChangePublisher {
  readonly transactional: boolean;
  /** Requests kept in flight, in the order of concurrent send() / sendOpen() calls; absent or 1: one call at a time. */
  readonly inFlight?: number;
  connect(): Promise<void>;
  send(records: OutRecord[]): Promise<void>;
  transaction(records: OutRecord[], cp: TransactionCheckpoint | null): Promise<void>;
  begin(): Promise<void>;
  sendOpen(records: OutRecord[]): Promise<void>;
  commitOpen(records: OutRecord[], cp: TransactionCheckpoint | null): Promise<void>;
  abortOpen(): Promise<void>;
  close(): Promise<void>;
}

/** A failure inside an open transaction: aborted; the stream reconnects and publishes the source transaction again. */
export function openTransactionLost(e: unknown): Error {
  return Object.assign(new Error(`the open Kafka transaction failed (${kafkaErrorText(e)}): it is aborted, and the source transaction is published again from its start`), { code: 'ECONNRESET' });
}

/**
 * Whether records hold a copy run (pre-encoded records, record-runs.ts). A run is its partition's whole
 * batch in a request, so the partition's records before and after it go in other requests of the same
 * call: inside a Kafka transaction those are sent one at a time, each after the one before is acknowledged,
 * not pipelined. A pipelined transaction was seen to commit a chunk's run after stream changes that came
 * after it in the records (a Debezium topic with a delete of a row before that row's earlier read).
 */
function hasRuns(records: OutRecord[]): boolean {
  for (let i = 0; i < records.length; i++) if (records[i]!.encodedRecords !== undefined) return true;
  return false;
}

/** kafkajs's sendBatch as patched (patches/kafkajs+2.2.4.patch): `sequences` and `onQueued` pipeline idempotent requests. */
type PipelinedSendBatch = (b: { acks: number; timeout: number; topicMessages: { topic: string; messages: OutRecord[] }[]; sequences?: Record<string, number>; onQueued?: () => void }) => Promise<unknown>;

export class RecordSender implements ChangePublisher {
  private producer: Producer | null = null;
  /** The transaction kept open by begin() until commitOpen() or abortOpen(). */
  private open: Transaction | null = null;
  /** inFlight > 1: at-least-once requests in flight in order (send()). */
  private readonly window: RequestWindow<OutRecord[]> | null;
  /** inFlight > 1: the open transaction's requests in flight (sendOpen()). */
  private openWindow: RequestWindow<OutRecord[]> | null = null;
  /** A sendOpen() of records with copy runs still sending: later sendOpen() calls wait for it. */
  private openSequential: Promise<void> | null = null;
  /** The current outage (a resend in the window failed): when it began and the next wait. */
  private outage: { started: number; backoff: number } | null = null;

  constructor(private readonly o: RecordSenderOptions) {
    const depth = o.inFlight ?? 1;
    this.window = depth > 1 ? new RequestWindow(this.idempotentTransport(), depth) : null;
  }

  private get depth(): number {
    return this.o.inFlight ?? 1;
  }

  get inFlight(): number {
    return this.depth;
  }

  /** At-least-once requests on the kept producer, resent with their own sequence numbers after a failure. */
  private idempotentTransport(): WindowTransport<OutRecord[]> {
    return {
      send: async (req, seq, queued) => {
        if (!this.producer) await this.connect();
        await (this.producer!.sendBatch as unknown as PipelinedSendBatch)({ acks: -1, timeout: 30_000, topicMessages: topicMessages(req), sequences: seq, onQueued: queued });
        if (this.outage) {
          this.outage = null;
          this.o.log.info(`Kafka brokers reachable again; publishing goes on`);
        }
      },
      judge: async (e, req) => {
        const o = this.o;
        const refused = this.classify(e, req);
        if (refused) return refused;
        const retryFor = o.retryForMs ?? 120_000;
        if (!this.outage) {
          this.outage = { started: Date.now(), backoff: 500 };
          o.log.warn(`Kafka brokers ${o.brokers.join(', ')} unavailable (${kafkaErrorText(e)}); retrying for up to ${Math.round(retryFor / 1000)} s`);
        } else o.log.debug(`publishing failed again: ${kafkaErrorText(e)}`);
        const out = this.outage;
        if (Date.now() - out.started >= retryFor || o.signal?.aborted)
          return e instanceof CutoverError ? e : unreachable(o.brokers, e, `Publishing ${o.what ?? 'to Kafka'} (retried for ${Math.round((Date.now() - out.started) / 1000)} s)`);
        await sleep(out.backoff);
        out.backoff = Math.min(out.backoff * 2, 5000);
        return needsNewProducer(e) ? 'new-producer' : 'retry';
      },
      replaceProducer: () => this.close(),
    };
  }

  /** Requests inside a Kafka transaction: in flight in order; any failure fails the rest (the transaction is aborted and retried whole). */
  private transactionWindow(tx: Transaction): RequestWindow<OutRecord[]> {
    return new RequestWindow<OutRecord[]>(
      {
        send: async (req, seq, queued) => {
          await (tx.sendBatch as unknown as PipelinedSendBatch)({ acks: -1, timeout: 30_000, topicMessages: topicMessages(req), sequences: seq, onQueued: queued });
        },
        judge: async (e) => (e instanceof Error ? e : new Error(String(e))),
        replaceProducer: async () => undefined,
      },
      this.depth,
      false,
    );
  }

  /** Sends the requests through a window, resolving once every one is acknowledged; the first failure, after all settled. */
  private static async through(w: RequestWindow<OutRecord[]>, reqs: OutRecord[][]): Promise<void> {
    const results = await Promise.allSettled(reqs.map((r) => w.submit(r)));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }

  get transactional(): boolean {
    return this.o.transactionalId !== undefined;
  }

  async connect(): Promise<void> {
    const o = this.o;
    const p = kafkaClient({ brokers: o.brokers, clientId: o.clientId, log: o.log, tls: o.tls, sasl: o.sasl, socketFactory: o.socketFactory }).producer({
      idempotent: true,
      maxInFlightRequests: this.depth,
      allowAutoTopicCreation: false,
      transactionalId: o.transactionalId,
      // Long enough for a broker restart inside one transaction; the coordinator aborts it after this.
      transactionTimeout: o.transactionalId ? 60_000 : undefined,
      createPartitioner: kafkajs.Partitioners.DefaultPartitioner, // unused: every message names its partition
    });
    try {
      // For a transactional producer this also fences an earlier instance of the job and waits until its
      // open transaction is aborted (InitProducerId), so checkpoints read after it are final.
      await p.connect();
    } catch (e) {
      await p.disconnect().catch(() => undefined);
      throw this.classify(e, null) ?? unreachable(o.brokers, e, 'Connecting the Kafka producer');
    }
    this.producer = p;
  }

  /** At-least-once: sends every record, resolving once the brokers acknowledged them all. */
  async send(records: OutRecord[]): Promise<void> {
    if (this.window) return RecordSender.through(this.window, splitRequests(records));
    for (const req of splitRequests(records)) {
      await this.retrying(req, async () => {
        if (!this.producer) await this.connect();
        await this.producer!.sendBatch({ acks: -1, timeout: 30_000, topicMessages: topicMessages(req) });
      });
    }
  }

  /**
   * Exactly-once: the records and the checkpoint in one Kafka transaction. A failure aborts it (or the
   * broker does, after the transaction timeout) and the whole transaction is sent again on a new producer.
   */
  async transaction(records: OutRecord[], cp: TransactionCheckpoint | null): Promise<void> {
    const reqs = splitRequests(records);
    await this.retrying(records, async () => {
      if (!this.producer) await this.connect();
      let tx: Transaction | null = null;
      try {
        tx = await this.producer!.transaction();
        if (this.depth > 1 && !hasRuns(records)) await RecordSender.through(this.transactionWindow(tx), reqs);
        else for (const req of reqs) await tx.sendBatch({ acks: -1, timeout: 30_000, topicMessages: topicMessages(req) });
        if (cp) await tx.sendOffsets({ consumerGroupId: cp.group, topics: [{ topic: cp.topic, partitions: checkpointPartitions(cp) }] });
        await tx.commit();
      } catch (e) {
        if (tx?.isActive()) await tx.abort().catch(() => undefined);
        throw e;
      }
    });
  }

  /** Opens a Kafka transaction that stays open across sendOpen() calls until commitOpen() or abortOpen(). */
  async begin(): Promise<void> {
    if (this.open) throw new Error('a Kafka transaction is already open');
    try {
      if (!this.producer) await this.connect();
      this.open = await this.producer!.transaction();
      this.openWindow = this.depth > 1 ? this.transactionWindow(this.open) : null;
    } catch (e) {
      throw await this.failOpen(e, null);
    }
  }

  /** Sends records inside the open transaction (acknowledged, not yet committed). */
  async sendOpen(records: OutRecord[]): Promise<void> {
    const tx = this.open;
    if (!tx) throw new Error('no Kafka transaction is open');
    const w = this.openWindow;
    // Records with copy runs go one request at a time, after every earlier part is acknowledged, and later
    // parts wait for them (see hasRuns).
    const runs = hasRuns(records);
    const before = this.openSequential;
    let done = (): void => undefined;
    if (runs) this.openSequential = new Promise<void>((r) => (done = r));
    try {
      if (before) await before;
      if (w && !runs) await RecordSender.through(w, splitRequests(records));
      else {
        if (w) {
          await w.drain();
          if (w.failure) throw w.failure;
        }
        for (const req of splitRequests(records)) await tx.sendBatch({ acks: -1, timeout: 30_000, topicMessages: topicMessages(req) });
      }
      done();
    } catch (e) {
      done();
      // (Concurrent sendOpen calls fail together: the first one aborts the transaction.)
      if (this.open !== tx) throw openTransactionLost(e);
      throw await this.failOpen(e, records);
    }
  }

  /** Sends the last records and the checkpoint in the open transaction and commits it. */
  async commitOpen(records: OutRecord[], cp: TransactionCheckpoint | null): Promise<void> {
    await this.sendOpen(records);
    const tx = this.open!;
    try {
      // Every part sent before (concurrent sendOpen calls) acknowledged before the commit.
      await this.openWindow?.drain();
      if (this.openWindow?.failure) throw this.openWindow.failure;
      if (cp) await tx.sendOffsets({ consumerGroupId: cp.group, topics: [{ topic: cp.topic, partitions: checkpointPartitions(cp) }] });
      await tx.commit();
      this.open = null;
    } catch (e) {
      throw await this.failOpen(e, records);
    }
  }

  /** Aborts the open transaction, if any (the broker aborts it anyway once its producer is fenced or times out). */
  async abortOpen(): Promise<void> {
    const tx = this.open;
    this.open = null;
    await this.openWindow?.drain();
    this.openWindow = null;
    if (tx?.isActive()) await tx.abort().catch(() => undefined);
  }

  /** The open transaction failed: aborted, the producer replaced; the error to throw (refused, or a lost connection). */
  private async failOpen(e: unknown, records: OutRecord[] | null): Promise<Error> {
    await this.abortOpen();
    await this.close();
    return this.classify(e, records) ?? openTransactionLost(e);
  }

  private async retrying(records: OutRecord[], attempt: () => Promise<void>): Promise<void> {
    const o = this.o;
    const retryFor = o.retryForMs ?? 120_000;
    const started = Date.now();
    let backoff = 500;
    let warned = false;
    for (;;) {
      try {
        await attempt();
        if (warned) o.log.info(`Kafka brokers reachable again; publishing goes on`);
        return;
      } catch (e) {
        const refused = this.classify(e, records);
        if (refused) throw refused;
        if (Date.now() - started >= retryFor || o.signal?.aborted)
          throw e instanceof CutoverError ? e : unreachable(o.brokers, e, `Publishing ${o.what ?? 'to Kafka'} (retried for ${Math.round((Date.now() - started) / 1000)} s)`);
        if (!warned) {
          o.log.warn(`Kafka brokers ${o.brokers.join(', ')} unavailable (${kafkaErrorText(e)}); retrying for up to ${Math.round(retryFor / 1000)} s`);
          warned = true;
        } else o.log.debug(`publishing failed again: ${kafkaErrorText(e)}`);
        // A transaction is retried whole on a fresh producer; an idempotent producer is kept (its id and
        // sequence numbers let the broker drop a batch it already wrote) unless the broker lost track of it.
        if (this.transactional || needsNewProducer(e)) await this.close();
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  /** A failure that retrying cannot fix, as the error to stop with; null when it is worth retrying. */
  private classify(e: unknown, records: OutRecord[] | null): CutoverError | null {
    const type = protocolType(e);
    if (type && TOO_LARGE.has(type) && records?.length) return tooLarge(records, type, this.o.brokers[0] ?? 'HOST:PORT');
    if (type && AUTHZ.has(type)) {
      const topics = [...new Set((records ?? []).map((r) => r.topic.name))].join(', ') || '(the job\'s topics)';
      return new CutoverError(
        `Publishing to Kafka was refused: ${type} (topics ${topics}${this.o.transactionalId ? `, transactional id ${this.o.transactionalId}` : ''}).`,
        `Allow Cutover's principal to write the topics (kafka-acls.sh --add --allow-principal User:<cutover> --operation Write --operation Describe --topic <topic>; and --operation IdempotentWrite --cluster` +
          (this.o.transactionalId ? `; for exactlyOnce also --operation Write --operation Describe --transactional-id ${this.o.transactionalId} and --operation Read --group <the job's group>` : '') +
          `), then run the job again.`,
      );
    }
    if (type === 'INVALID_TRANSACTION_TIMEOUT')
      return new CutoverError(
        `The brokers refused Cutover's transaction timeout of 60 s (${type}).`,
        'Raise transaction.max.timeout.ms on the brokers to at least 60000, or set "exactlyOnce": false.',
      );
    const transient = isTransient(e) || (e instanceof CutoverError && e.code === 'UNREACHABLE') || /PRODUCER_FENCED|INVALID_PRODUCER_EPOCH|INVALID_TXN_STATE|CONCURRENT_TRANSACTIONS|TRANSACTION_COORDINATOR/.test(type ?? '');
    if (transient) return null;
    return new CutoverError(
      `Publishing ${this.o.what ?? 'to Kafka'} failed: ${kafkaErrorText(e)}`,
      'Fix the cause on the Kafka side, then run the same job again: it resumes from its last acknowledged position.',
    );
  }

  async close(): Promise<void> {
    const p = this.producer;
    this.producer = null;
    this.open = null;
    await p?.disconnect().catch(() => undefined);
  }
}

/** The checkpoint as the offset of partition 0 of its topic, its metadata the position (kafkajs types have no metadata field). */
function checkpointPartitions(cp: TransactionCheckpoint): { partition: number; offset: string }[] {
  return [{ partition: 0, offset: String(Date.now()), metadata: cp.metadata }] as unknown as { partition: number; offset: string }[];
}

/** Broker answers that the producer's identity or sequence is no longer valid: only a new producer id helps. */
const PRODUCER_STATE_LOST = /UNKNOWN_PRODUCER_ID|OUT_OF_ORDER_SEQUENCE_NUMBER|INVALID_PRODUCER_EPOCH|PRODUCER_FENCED|INVALID_PRODUCER_ID_MAPPING/;

export function needsNewProducer(e: unknown): boolean {
  return PRODUCER_STATE_LOST.test(protocolType(e) ?? '');
}
