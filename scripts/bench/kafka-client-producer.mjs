// One contender of `npm run bench -- kafka-clients`, run as its own process (so GNU time measures its peak
// RSS alone): reads the pre-rendered messages file written by kafka-clients.mjs and publishes it with one
// Kafka client the way Cutover's RecordSender does (engine/sink/kafka/record-sender.ts):
//   - `producers` producers, each taking the next batch from the file (as Cutover's copy workers take the
//     next chunk), each with one request in flight: idempotent, acks=all, the partition named by every
//     message (Cutover computes it), each batch's produce requests as the file splits them (Cutover's
//     splitRequests: per partition under the topic's record-batch budget);
//   - transactional (--tx): each batch is one Kafka transaction holding its requests and an offset commit
//     of the producer's consumer group with the checkpoint as offset metadata, then commit (Cutover's
//     exactly-once transaction(records, checkpoint)).
// Reads the file as it sends (in 8 MiB blocks), so memory holds the batches in flight, not the file.
//
//   node scripts/bench/kafka-client-producer.mjs '<json: {client, file, bootstrap, topic, producers, tx,
//                                                 checkpointTopic, group, coordinatorId}>'
// Prints one JSON line: { ok, batches, requests, messages, perPartitionTx, sendSeconds } or { ok: false, error }.
import { closeSync, openSync, readSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const BLOCK = 8 * 1024 * 1024;

/**
 * The messages file: frames of 'B' u32 n (a batch of n requests), 'R' u32 n (a request of n records), and
 * records u8 partition, u32 key length, u32 value length, key, value.
 */
/** The frames of one batch (requests of { partition, key, value } with Buffer key and value), to be written in order. */
export function encodeBatch(requests) {
  const frame = (tag, count) => {
    const h = Buffer.allocUnsafe(5);
    h[0] = tag;
    h.writeUInt32LE(count, 1);
    return h;
  };
  const out = [frame(0x42, requests.length)];
  for (const req of requests) {
    out.push(frame(0x52, req.length));
    for (const r of req) {
      const h = Buffer.allocUnsafe(9);
      h[0] = r.partition;
      h.writeUInt32LE(r.key.length, 1);
      h.writeUInt32LE(r.value.length, 5);
      out.push(h, r.key, r.value);
    }
  }
  return out;
}

export class MessageFile {
  constructor(path, blockSize = BLOCK) {
    this.blockSize = blockSize;
    this.fd = openSync(path, 'r');
    this.buf = Buffer.alloc(0);
    this.at = 0;
    this.eof = false;
  }

  need(n) {
    while (this.buf.length - this.at < n) {
      if (this.eof) return false;
      // Records are subarrays of their block: a new block holds the old one's unread rest, then the file's
      // next bytes read straight into it (no second copy, no block-sized concatenation).
      const rest = this.buf.length - this.at;
      const block = Buffer.allocUnsafe(rest + this.blockSize);
      this.buf.copy(block, 0, this.at);
      const got = readSync(this.fd, block, rest, this.blockSize, null);
      if (got === 0) {
        this.eof = true;
        continue;
      }
      this.buf = block.subarray(0, rest + got);
      this.at = 0;
    }
    return true;
  }

  u8() {
    return this.buf[this.at++];
  }

  u32() {
    const v = this.buf.readUInt32LE(this.at);
    this.at += 4;
    return v;
  }

  bytes(n) {
    const b = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return b;
  }

  /** The next batch: an array of requests, each an array of { partition, key, value }; null at the end. */
  nextBatch() {
    if (!this.need(5)) {
      if (this.at < this.buf.length) throw new Error('messages file: truncated frame');
      return null;
    }
    if (this.u8() !== 0x42) throw new Error('messages file: batch frame expected');
    const nReq = this.u32();
    const batch = [];
    for (let r = 0; r < nReq; r++) {
      if (!this.need(5)) throw new Error('messages file: truncated batch');
      if (this.u8() !== 0x52) throw new Error('messages file: request frame expected');
      const n = this.u32();
      const req = new Array(n);
      for (let i = 0; i < n; i++) {
        if (!this.need(9)) throw new Error('messages file: truncated record');
        const partition = this.u8();
        const kl = this.u32();
        const vl = this.u32();
        if (!this.need(kl + vl)) throw new Error('messages file: truncated record');
        req[i] = { partition, key: this.bytes(kl), value: this.bytes(vl) };
      }
      batch.push(req);
    }
    return batch;
  }

  close() {
    closeSync(this.fd);
  }
}

/** kafkajs (patched, as engine/sink/kafka/kafka-client.ts and record-sender.ts configure it). */
async function kafkajsClient(o) {
  const m = await import('kafkajs');
  const kafkajs = m.default ?? m;
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  const kafka = new kafkajs.Kafka({
    clientId: 'cutover-bench-kafkajs',
    brokers: [o.bootstrap],
    connectionTimeout: 3000,
    requestTimeout: 30_000,
    retry: { retries: 3, initialRetryTime: 300, maxRetryTime: 5000 },
    logLevel: kafkajs.logLevel.NOTHING,
  });
  return async (index) => {
    const p = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      transactionalId: o.tx ? `${o.group}-${index}` : undefined,
      transactionTimeout: o.tx ? 60_000 : undefined,
      createPartitioner: kafkajs.Partitioners.DefaultPartitioner,
    });
    await p.connect();
    const topicMessages = (req) => [{ topic: o.topic, messages: req }];
    return {
      async send(batch) {
        for (const req of batch) await p.sendBatch({ acks: -1, timeout: 30_000, topicMessages: topicMessages(req) });
      },
      async transaction(batch, checkpoint) {
        const tx = await p.transaction();
        try {
          for (const req of batch) await tx.sendBatch({ acks: -1, timeout: 30_000, topicMessages: topicMessages(req) });
          const partitions = [{ partition: 0, offset: String(checkpoint.offset), metadata: checkpoint.metadata }];
          await tx.sendOffsets({ consumerGroupId: checkpoint.group, topics: [{ topic: o.checkpointTopic, partitions }] });
          await tx.commit();
        } catch (e) {
          if (tx.isActive()) await tx.abort().catch(() => undefined);
          throw e;
        }
      },
      close: () => p.disconnect(),
    };
  };
}

/**
 * @platformatic/kafka with the same settings: idempotent (which makes it acks=all, one request in flight
 * per connection), the partition named by every message. Its transactions commit consumer offsets through
 * a consumer (Transaction.addConsumer / addOffset take a Consumer and a consumed Message): the offset is
 * committed as a group outside any generation (-1, no member), as Cutover's job group is; the public API
 * has no field for offset metadata, so this run commits the offset without Cutover's checkpoint text.
 */
async function platformaticClient(o) {
  const { Producer } = await import('@platformatic/kafka');
  return async (index) => {
    const p = new Producer({
      clientId: 'cutover-bench-platformatic',
      bootstrapBrokers: [o.bootstrap],
      idempotent: true,
      acks: -1,
      autocreateTopics: false,
      connectTimeout: 3000,
      timeout: 30_000,
      retries: 3,
      ...(o.tx ? { transactionalId: `${o.group}-${index}` } : {}),
    });
    await p.initIdempotentProducer({});
    const messages = (req) => req.map((r) => ({ topic: o.topic, partition: r.partition, key: r.key, value: r.value }));
    return {
      async send(batch) {
        for (const req of batch) await p.send({ messages: messages(req) });
      },
      async transaction(batch, checkpoint) {
        const tx = await p.beginTransaction();
        try {
          for (const req of batch) await tx.send({ messages: messages(req) });
          await tx.addConsumer({ groupId: checkpoint.group });
          await tx.addOffset({
            topic: o.checkpointTopic,
            partition: 0,
            offset: BigInt(checkpoint.offset),
            metadata: { consumer: { groupId: checkpoint.group, generationId: -1, memberId: '', coordinatorId: o.coordinatorId } },
          });
          await tx.commit();
        } catch (e) {
          if (!tx.completed) await tx.abort().catch(() => undefined);
          throw e;
        }
      },
      close: () => p.close(),
    };
  };
}

const CLIENTS = { kafkajs: kafkajsClient, platformatic: platformaticClient };

async function main() {
  const o = JSON.parse(process.argv[2]);
  const open = await CLIENTS[o.client](o);
  const file = new MessageFile(o.file);
  const stats = { batches: 0, requests: 0, messages: 0, perPartitionTx: [], perProducerTx: new Array(o.producers).fill(0) };
  const t0 = performance.now();
  const producers = await Promise.all(Array.from({ length: o.producers }, (_, i) => open(i)));
  const connectSeconds = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  await Promise.all(
    producers.map(async (p, i) => {
      for (let b; (b = file.nextBatch()); ) {
        stats.batches++;
        stats.requests += b.length;
        let n = 0;
        const parts = new Set();
        for (const req of b) {
          n += req.length;
          for (const r of req) parts.add(r.partition);
        }
        if (o.tx) {
          await p.transaction(b, { group: `${o.group}-${i}`, offset: stats.batches, metadata: JSON.stringify({ producer: i, batch: stats.batches, messages: n }) });
          stats.perProducerTx[i]++;
          for (const q of parts) stats.perPartitionTx[q] = (stats.perPartitionTx[q] ?? 0) + 1;
        } else await p.send(b);
        stats.messages += n;
      }
    }),
  );
  const sendSeconds = (performance.now() - t1) / 1000;
  await Promise.all(producers.map((p) => p.close()));
  file.close();
  process.stdout.write(JSON.stringify({ ok: true, ...stats, connectSeconds, sendSeconds }) + '\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e) => {
    // The broker's error codes, where the client wraps them (AggregateError, cause).
    const inner = [...(e?.errors ?? []), ...(e?.cause ? [e.cause] : [])].map((x) => `${x?.name ?? 'Error'} ${x?.code ?? ''} ${x?.apiCode ?? x?.type ?? ''}: ${x?.message ?? x}`);
    process.stdout.write(JSON.stringify({ ok: false, error: `${e?.stack ?? e}${inner.length ? `\ncaused by: ${inner.join('; ')}` : ''}` }) + '\n');
    process.exit(1);
  });
}
