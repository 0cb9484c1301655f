// A source transaction larger than a batch, published into Kafka in pieces, through the stream pipeline
// between the in-memory source and the real KafkaStreamTarget over an in-memory publisher (the broker's
// log: committed, open and aborted records). Exactly-once: every piece in one Kafka transaction that the
// final part commits with the checkpoint, nothing committed before; a failure between pieces aborts it and
// the rerun leaves each change committed once. At-least-once: pieces are acknowledged as they come, the
// position moves only with the final part, and a crash inside the transaction publishes its first pieces
// again (each change at least once, every key ending as the source has it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemorySink } from '../helpers/memory-sink.js';
import { streamHarness, type Harness } from '../helpers/memory-stream.js';
import { T, newSource } from '../helpers/memory-table.js';
import { MemoryPublisher, memoryKafkaTarget, type LoggedRecord } from '../helpers/memory-kafka.js';
import type { MemorySource } from '../helpers/memory-source.js';
import type { SourcePosition } from '../../engine/core/position.js';
import type { KafkaStreamTarget } from '../../engine/sink/kafka/kafka-stream-target.js';

const TOPIC = 'shop.t';

interface Event {
  key: string;
  op: string;
  after: { id: number; v: string } | null;
  pos: number;
  row: number;
}

function events(records: LoggedRecord[]): Event[] {
  return records
    .filter((r) => r.value !== null)
    .map((r) => {
      const v = JSON.parse(r.value!) as { op: string; after: { id: number; v: string } | null; source: { pos: number; row: number } };
      return { key: r.key!, op: v.op, after: v.after, pos: v.source.pos, row: v.source.row };
    });
}

/** Per key the last after image, as a consumer of the topic rebuilds the table. */
function rebuild(evs: Event[]): [string, string][] {
  const by = new Map<number, string>();
  for (const e of evs) {
    const id = Number(JSON.parse(e.key).id);
    if (e.after) by.set(id, e.after.v);
    else by.delete(id);
  }
  return [...by].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(k), v]);
}

function sourceRows(source: MemorySource): [string, string][] {
  return [...source.tables.get(T)!.rows.values()].map((r) => [r[0]!, r[1]!] as [string, string]).sort((a, b) => Number(a[0]) - Number(b[0]));
}

/** One source transaction that updates every row of `keys` to `value`. */
function updateAll(source: MemorySource, keys: number[], value: string): SourcePosition {
  return source.commit(...keys.map((k) => ({ table: T, type: 'update' as const, after: [String(k), value] })));
}

/** The harness's runner with the Kafka target (one target for the run, as the Kafka driver opens it). */
async function kafkaRun(h: Harness, pub: MemoryPublisher, start: SourcePosition, renderBudget?: number): Promise<{ outcome: string; target: KafkaStreamTarget }> {
  const target = await memoryKafkaTarget({ pub, store: h.store, jobId: h.jobId, log: h.log, signal: h.stop.signal, renderBudget });
  const outcome = await h.runner({ start, transactionPieces: true, openTarget: async () => target }).run();
  await target.dispose();
  return { outcome, target };
}

test('kafka pieces, exactly-once: every piece in one Kafka transaction, committed with the checkpoint by the final part', async () => {
  const source = newSource(0);
  const h = streamHarness(source, new MemorySink(), { maxRows: 3 });
  const start = source.position;
  source.insert(T, ['1', 'a']);
  const beforeBig = source.insert(T, ['2', 'b']);
  const big = source.commit(...Array.from({ length: 10 }, (_, i) => ({ table: T, type: 'insert' as const, after: [String(i + 10), 'big'] })));
  source.insert(T, ['3', 'c']);
  const pub = new MemoryPublisher(true);
  const seen: { committed: number; open: number; metadata: string | null }[] = [];
  pub.onSend = (kind) => {
    if (kind === 'open') seen.push({ committed: pub.committed(TOPIC).length, open: pub.log.filter((r) => r.state === 'open').length, metadata: pub.metadata });
  };
  const { outcome } = await kafkaRun(h, pub, start);
  assert.equal(outcome, 'caught-up');
  assert.equal(pub.begins, 1, 'one Kafka transaction for the pieces');
  assert.equal(seen.length, 4, 'ten changes in pieces of three: three pieces, then the final part');
  for (const s of seen) {
    assert.equal(s.committed, 2, 'while pieces are sent only the two transactions before it are committed');
    assert.deepEqual(JSON.parse(s.metadata!).pos, beforeBig.pos, 'and the checkpoint stays before the transaction');
  }
  const evs = events(pub.committed(TOPIC));
  assert.equal(evs.length, 13, 'every change committed once');
  const bigEvents = evs.filter((e) => e.after?.v === 'big');
  assert.deepEqual(bigEvents.map((e) => e.row), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'source.row counts on across the pieces');
  assert.deepEqual(bigEvents.map((e) => e.pos), [...Array<number>(9).fill(beforeBig.pos), big.pos], "the pieces' events carry the transaction's start, the final part's its end");
  assert.deepEqual(rebuild(evs), sourceRows(source));
  assert.equal(JSON.parse(pub.metadata!).pos, source.position.pos);
});

test('kafka pieces, exactly-once: a failure between pieces aborts the Kafka transaction; the rerun commits each change once', async () => {
  const source = newSource(8);
  const h = streamHarness(source, new MemorySink(), { maxRows: 2 });
  const start = source.position;
  const beforeBig = source.insert(T, ['9', 'v9']);
  updateAll(source, [1, 2, 3, 4, 5, 6, 7, 8, 9], 'big');
  source.insert(T, ['10', 'v10']);
  const pub = new MemoryPublisher(true);
  pub.failOpenAt = 3; // the third piece of the first attempt: the broker is lost
  const { outcome } = await kafkaRun(h, pub, start);
  assert.equal(outcome, 'caught-up');
  assert.equal(h.sleeps.length, 1, 'one reconnect');
  assert.equal(pub.begins, 2);
  assert.ok(pub.log.some((r) => r.state === 'aborted'), 'the first attempt is aborted, not committed');
  const evs = events(pub.committed(TOPIC));
  const big = evs.filter((e) => e.after?.v === 'big');
  assert.equal(big.length, 9, 'a read_committed consumer sees each change of the transaction once');
  assert.equal(new Set(big.map((e) => e.key)).size, 9);
  assert.equal(evs.length, 11);
  assert.deepEqual(rebuild(evs), sourceRows(source));
  void beforeBig;
});

test('kafka pieces, at-least-once: pieces acknowledged as they come, the position moved by the final part; a crash inside publishes the first pieces again', async () => {
  const source = newSource(8);
  const h = streamHarness(source, new MemorySink(), { maxRows: 2 });
  const start = source.position;
  const beforeBig = source.insert(T, ['9', 'v9']);
  updateAll(source, [1, 2, 3, 4, 5, 6, 7, 8, 9], 'big');
  source.insert(T, ['10', 'v10']);
  const pub = new MemoryPublisher(false);
  const checkpoints: (number | null)[] = [];
  pub.onSend = () => {
    const cp = h.store.jobById(h.jobId)?.sink_checkpoint;
    checkpoints.push(cp ? (JSON.parse(cp) as { pos: number }).pos : null);
  };
  pub.failSendAt = 4; // the first batch (one transaction), two pieces, then the third piece fails
  const { outcome } = await kafkaRun(h, pub, start);
  assert.equal(outcome, 'caught-up');
  assert.equal(h.sleeps.length, 1, 'one reconnect');
  assert.deepEqual(checkpoints.slice(1, 4), [beforeBig.pos, beforeBig.pos, beforeBig.pos], 'while pieces are sent the position stays before the transaction');
  const evs = events(pub.committed(TOPIC));
  const big = evs.filter((e) => e.after?.v === 'big');
  assert.equal(big.length, 9 + 4, 'the two pieces acknowledged before the crash are published again');
  assert.equal(new Set(big.map((e) => e.key)).size, 9, 'every change at least once');
  assert.deepEqual(rebuild(evs), sourceRows(source));
  assert.equal((JSON.parse(h.store.jobById(h.jobId)!.sink_checkpoint!) as { pos: number }).pos, source.position.pos);
});

test('kafka pieces: the stream gives the Kafka target pieces only when asked (capability), whole transactions otherwise', async () => {
  const source = newSource(6);
  const h = streamHarness(source, new MemorySink(), { maxRows: 2 });
  const start = source.position;
  updateAll(source, [1, 2, 3, 4, 5, 6], 'big');
  const pub = new MemoryPublisher(true);
  const target = await memoryKafkaTarget({ pub, store: h.store, jobId: h.jobId, log: h.log, signal: h.stop.signal });
  assert.equal(await h.runner({ start, transactionPieces: false, openTarget: async () => target }).run(), 'caught-up');
  await target.dispose();
  assert.equal(pub.begins, 0);
  assert.equal(pub.commits, 2, 'the starting checkpoint, then the whole transaction in one');
  assert.deepEqual(rebuild(events(pub.committed(TOPIC))), sourceRows(source));
});

test('kafka batch in parts: a batch past the render budget is sent as it is rendered, in one Kafka transaction the last part commits', async () => {
  const source = newSource(0);
  const h = streamHarness(source, new MemorySink(), { maxRows: 100 });
  const start = source.position;
  for (let i = 1; i <= 6; i++) source.insert(T, [String(i), `v${i}`]);
  const pub = new MemoryPublisher(true);
  const seen: { committed: number; metadata: string | null }[] = [];
  pub.onSend = () => void seen.push({ committed: pub.committed(TOPIC).length, metadata: pub.metadata });
  const { outcome } = await kafkaRun(h, pub, start, 1); // every transaction's records pass the budget
  assert.equal(outcome, 'caught-up');
  assert.equal(pub.begins, 1, 'one Kafka transaction for the batch');
  assert.equal(seen.length, 6, 'five parts sent ahead, then the last one with the commit');
  assert.ok(seen.every((s) => s.committed === 0), 'nothing committed before the last part');
  assert.deepEqual(rebuild(events(pub.committed(TOPIC))), sourceRows(source));
  assert.equal(JSON.parse(pub.metadata!).pos, source.position.pos);
});

test('kafka batch in parts: a failure of a part aborts the batch; the rerun commits each change once', async () => {
  const source = newSource(0);
  const h = streamHarness(source, new MemorySink(), { maxRows: 100 });
  const start = source.position;
  for (let i = 1; i <= 6; i++) source.insert(T, [String(i), `v${i}`]);
  const pub = new MemoryPublisher(true);
  pub.failOpenAt = 3;
  const { outcome } = await kafkaRun(h, pub, start, 1);
  assert.equal(outcome, 'caught-up');
  assert.equal(h.sleeps.length, 1, 'one reconnect');
  assert.ok(pub.log.some((r) => r.state === 'aborted'));
  const evs = events(pub.committed(TOPIC));
  assert.equal(evs.length, 6, 'each change committed once');
  assert.deepEqual(rebuild(evs), sourceRows(source));
});

test('kafka batch in parts, at-least-once: parts acknowledged as they are rendered, the position stored after the last', async () => {
  const source = newSource(0);
  const h = streamHarness(source, new MemorySink(), { maxRows: 100 });
  const start = source.position;
  for (let i = 1; i <= 6; i++) source.insert(T, [String(i), `v${i}`]);
  const pub = new MemoryPublisher(false);
  const checkpoints: (number | null)[] = [];
  pub.onSend = () => {
    const cp = h.store.jobById(h.jobId)?.sink_checkpoint;
    checkpoints.push(cp ? (JSON.parse(cp) as { pos: number }).pos : null);
  };
  assert.equal((await kafkaRun(h, pub, start, 1)).outcome, 'caught-up');
  assert.equal(checkpoints.length, 6);
  assert.ok(checkpoints.every((c) => c === start.pos), 'the position stays at the start while the parts go out');
  assert.deepEqual(rebuild(events(pub.committed(TOPIC))), sourceRows(source));
  assert.equal((JSON.parse(h.store.jobById(h.jobId)!.sink_checkpoint!) as { pos: number }).pos, source.position.pos);
});

test("a sink's cap on stream batch rows lowers the job's maxRows, never raises it", async () => {
  const { capBatchRows } = await import('../../engine/pipeline/stream-phase.js');
  const h = streamHarness(newSource(0), new MemorySink());
  const stream = (await import('../../shared/job-config.js')).streamOptions(h.cfg);
  assert.equal(capBatchRows(stream, 5_000).batch.maxRows, 1000, 'the harness job asks 1,000: kept');
  assert.equal(capBatchRows({ ...stream, batch: { ...stream.batch, maxRows: 20_000 } }, 5_000).batch.maxRows, 5_000);
  assert.equal(capBatchRows(stream, undefined), stream);
});
