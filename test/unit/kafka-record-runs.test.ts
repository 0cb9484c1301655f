// Runs of records written in Kafka's record format (engine/sink/kafka/record-runs.ts) and sent as a
// partition's pre-encoded batch (the kafkajs patch's `encodedRecords`): the produce request must be byte for
// byte the one kafkajs encodes from the same messages one by one; runs end at the topic's record batch
// budget; splitRequests keeps a run alone in its partition's batch and each partition's order; reused
// buffers (RunBufferPool) hold the next batch's records intact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { fillVarint, putVarint, readVarint, RecordRuns, RunBufferPool, varintWidth } from '../../engine/sink/kafka/record-runs.js';
import { batchBudget, splitRequests, type OutRecord } from '../../engine/sink/kafka/record-sender.js';
import { decodeRun } from '../helpers/record-runs.js';
import { prng } from '../../engine/demo/prng.js';

const require = createRequire(import.meta.url);
const Long = require('kafkajs/src/utils/long');
const produce = require('kafkajs/src/protocol/requests/produce/v7/request');

type Msg = { key: string | Buffer | null; value: string | Buffer | null; headers?: Record<string, string> };

async function requestBytes(partitions: { partition: number; messages: unknown[] }[]): Promise<Buffer> {
  const req = produce({ acks: -1, timeout: 30000, producerId: Long.fromInt(7), producerEpoch: 1, compression: 0, topicData: [{ topic: 't', partitions: partitions.map((p) => ({ ...p, firstSequence: 3 })) }] });
  return Buffer.from((await req.encode()).buffer);
}

function record(m: Msg, partition: number, topic = { name: 't', maxMessageBytes: 1 << 20 }): OutRecord {
  const size = (m.key === null ? 0 : Buffer.byteLength(m.key)) + (m.value === null ? 0 : Buffer.byteLength(m.value)) + 24;
  return { topic, partition, key: m.key, value: m.value, headers: m.headers, size, origin: () => `row ${String(m.key)}` };
}

function messages(r: () => number, n: number): Msg[] {
  const out: Msg[] = [];
  for (let i = 0; i < n; i++) {
    const p = r();
    const len = p < 0.05 ? 9000 + Math.floor(r() * 20000) : Math.floor(r() * 700);
    const value = p < 0.1 ? null : p < 0.3 ? Buffer.from('v'.repeat(len)) : 'é€'.repeat(Math.floor(len / 5)) + 'x'.repeat(len % 5);
    const key = r() < 0.2 ? null : r() < 0.5 ? `{"id":${i}}` : Buffer.from(`{"id":"${'k'.repeat(Math.floor(r() * 80))}"}`);
    const headers: Record<string, string> | undefined = r() < 0.3 ? undefined : r() < 0.5 ? { 'cutover.copy': 'row' } : { a: 'ü', 'cutover.copy': 'pending' };
    out.push({ key, value, headers });
  }
  return out;
}

test('varints: widths, fixed-width fills that move the bytes after them, and reading back', () => {
  const b = Buffer.alloc(16);
  for (const v of [-1, 0, 1, 63, 64, 8191, 8192, 1048575, 1048576, 134217727, 134217728, 2 ** 31 - 1, -(2 ** 31)]) {
    const end = putVarint(b, 0, v);
    assert.equal(end, varintWidth(v), `width of ${v}`);
    assert.deepEqual(readVarint(b, 0), { value: v, next: end });
  }
  const out = Buffer.from([0, 0, 0, 1, 2, 3, 9]);
  assert.equal(fillVarint(out, 0, 3, 3, 6), 4); // reserved 3 bytes, the varint of 3 takes 1: the bytes move down
  assert.deepEqual([...out.subarray(0, 4)], [6, 1, 2, 3]);
});

test('a run of records is the request kafkajs encodes from the same messages one by one', async () => {
  const r = prng(11);
  const realNow = Date.now;
  Date.now = () => 1_765_000_000_123;
  try {
    for (const n of [1, 2, 63, 64, 65, 300]) {
      const ms = messages(r, n);
      const runs = new RecordRuns({ name: 't', maxMessageBytes: 64 << 20 });
      for (const m of ms) runs.append(record(m, 4));
      const [run, ...more] = runs.take();
      assert.equal(more.length, 0);
      assert.equal(run!.recordCount, n);
      const expected = await requestBytes([{ partition: 4, messages: ms }]);
      assert.deepEqual(await requestBytes([{ partition: 4, messages: [run] }]), expected, `${n} record(s)`);
      assert.deepEqual(decodeRun(run!).map((d) => [d.key?.toString('hex') ?? null, d.value?.toString('hex') ?? null]), ms.map((m) => [m.key === null ? null : Buffer.from(m.key).toString('hex'), m.value === null ? null : Buffer.from(m.value).toString('hex')]));
    }
  } finally {
    Date.now = realNow;
  }
});

test('a pre-encoded run must be its partition\'s only message in a request', async () => {
  const runs = new RecordRuns({ name: 't', maxMessageBytes: 1 << 20 });
  runs.append(record({ key: 'a', value: 'b' }, 0));
  const [run] = runs.take();
  await assert.rejects(requestBytes([{ partition: 0, messages: [run, { key: 'c', value: 'd' }] }]), /only message of their partition/);
});

test('runs end at the record batch budget, a larger record alone; splitRequests sends a run alone in its partition, in order', () => {
  const topic = { name: 't', maxMessageBytes: 8192 };
  const budget = batchBudget(topic);
  const r = prng(12);
  const runs = new RecordRuns(topic);
  const ms = messages(r, 400);
  const parts = ms.map(() => Math.floor(r() * 3));
  ms.forEach((m, i) => runs.append(record(m, parts[i]!, topic)));
  // a plain record after the runs (as the stream's changes after a copied chunk)
  const all: OutRecord[] = [...runs.take(), record({ key: 'z', value: 'last' }, 1, topic)];
  for (const run of all) if (run.encodedRecords && run.recordCount! > 1) assert.ok(run.size <= budget, `run of ${run.recordCount} records, ${run.size} bytes`);
  assert.ok(all.filter((x) => x.encodedRecords && x.size > budget).every((x) => x.recordCount === 1));
  const requests = splitRequests(all);
  const seen = new Map<number, string[]>();
  for (const req of requests) {
    const perPartition = new Map<number, OutRecord[]>();
    for (const x of req) perPartition.set(x.partition, [...(perPartition.get(x.partition) ?? []), x]);
    for (const xs of perPartition.values()) if (xs.some((x) => x.encodedRecords)) assert.equal(xs.length, 1, 'a run is alone in its partition\'s batch');
    for (const x of req) {
      const l = seen.get(x.partition) ?? [];
      for (const d of x.encodedRecords ? decodeRun(x) : [x]) l.push(String(d.value === null ? null : Buffer.from(d.value).toString('hex')));
      seen.set(x.partition, l);
    }
  }
  for (const p of [0, 1, 2]) {
    const want = ms.filter((_, i) => parts[i] === p).map((m) => String(m.value === null ? null : Buffer.from(m.value).toString('hex')));
    if (p === 1) want.push(Buffer.from('last').toString('hex'));
    assert.deepEqual(seen.get(p), want, `partition ${p} in order`);
  }
});

test('buffers given back after a batch serve the next batch, whose records stay intact', () => {
  const pool = new RunBufferPool(4);
  const sizes: number[] = [];
  const r = prng(13);
  let previous: Buffer[] = [];
  for (let batch = 0; batch < 5; batch++) {
    const runs = new RecordRuns({ name: 't', maxMessageBytes: 1 << 20 }, sizes, pool);
    const ms = messages(r, 200);
    ms.forEach((m, i) => runs.append(record(m, i % 3)));
    const taken = runs.take();
    if (batch > 0) assert.ok(taken.some((x) => previous.some((b) => b.buffer === x.encodedRecords!.buffer)), 'a buffer is reused');
    const got = taken.flatMap((x) => decodeRun(x).map((d) => d.value?.toString('hex') ?? null));
    const want = [0, 1, 2].flatMap((p) => ms.filter((_, i) => i % 3 === p).map((m) => (m.value === null ? null : Buffer.from(m.value).toString('hex'))));
    assert.deepEqual(got, want);
    previous = taken.map((x) => x.encodedRecords!);
    runs.release();
  }
});
