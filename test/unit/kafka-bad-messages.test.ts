// Bad messages of a Kafka source (engine/core/bad-messages.ts) against in-memory pieces: a decoder that
// fails on marked messages, a sink that refuses marked messages the way the MySQL offset target does
// (MessageRefused, nothing of the batch kept) and stores offsets like it (unappliedPart), a dead-letter
// list. The partition pauses at the first bad message with everything before it applied; a skip request
// passes it over into the dead-letter list and is recorded in the same "transaction" as the offset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { badMessage, consumeBatch, MessageRefused, parseMessageRef, pausedLines, RAW_LIMIT, type BatchGateDeps, type GatedBatch, type RawMessage, type SkipRequest, type SkippedMessage } from '../../engine/core/bad-messages.js';
import { unappliedPart } from '../../engine/core/partition-offsets.js';
import { deadLetterHeaders } from '../../engine/source/kafka/dead-letter.js';
import { parseJobConfig } from '../../shared/job-config.js';
import { DecodeError } from '../../engine/source/kafka/formats/decode-error.js';
import { errorOf } from '../helpers/errors.js';

const TP = { topic: 'cutover.shop.orders', partition: 2 };

/** Messages with offsets from..from+n-1, value "ok:<offset>", or "bad" / "refuse" at the given offsets. */
function msgs(from: number, n: number, marks: Record<number, 'bad' | 'refuse'> = {}): RawMessage[] {
  return Array.from({ length: n }, (_, i) => {
    const o = from + i;
    return { offset: String(o), key: Buffer.from(`k${o}`), value: Buffer.from(marks[o] ? `${marks[o]}:${o}` : `ok:${o}`), timestampMs: 1_700_000_000_000 + o };
  });
}

/** An in-memory sink: applied offsets (each once), the stored next offset, skip records written with it. */
class MemorySink {
  applied: string[] = [];
  next: string | null = null;
  skips: SkippedMessage[] = [];
  transactions = 0;
  async apply(b: GatedBatch): Promise<void> {
    const part = unappliedPart(b, this.next);
    if (!part.move) return;
    const refused = part.messages.find((m) => m.changes.some((c) => c.table === 'refuse'));
    if (refused) throw new MessageRefused(refused.offset, `The sink refused an insert on shop.refuse from the message at offset ${refused.offset}: Column 'v' cannot be null`, 'ALTER TABLE shop.refuse MODIFY v … NULL');
    this.transactions++;
    for (const m of part.messages) if (m.changes.length) this.applied.push(m.offset);
    this.skips.push(...(b.skipped ?? []));
    this.next = b.next;
  }
}

function deps(sink: MemorySink, skips: SkipRequest[] = [], dead: { offset: string; reason: string }[] | null = null): BatchGateDeps {
  return {
    async decode(m) {
      const v = m.value!.toString();
      if (v.startsWith('bad:')) throw new DecodeError('the message is not JSON (Unexpected token b)', 'check the producer', 'malformed');
      return { changes: [{ db: 'shop', table: v.startsWith('refuse:') ? 'refuse' : 'orders', name: 'shop.x', type: 'insert', before: null, after: [v], columns: ['v'] }], timestampMs: m.timestampMs };
    },
    fault: (e) => (e instanceof DecodeError ? { reason: e.message, fix: e.fix! } : null),
    skipRequest: (offset) => skips.find((s) => s.offset === offset),
    async deadLetter(m, reason) {
      if (!dead) return null;
      dead.push({ offset: m.offset, reason });
      return 'dlq';
    },
    apply: (b) => sink.apply(b),
    who: 'ops@host pid 1',
    now: () => 42,
  };
}

test('a batch without bad messages goes in whole, in one transaction', async () => {
  const sink = new MemorySink();
  const r = await consumeBatch(TP, msgs(10, 5), deps(sink));
  assert.equal(r.paused, null);
  assert.equal(r.next, '15');
  assert.deepEqual(sink.applied, ['10', '11', '12', '13', '14']);
  assert.equal(sink.transactions, 1);
});

test('a message that does not decode pauses the partition at it: the messages before it applied, none after', async () => {
  const sink = new MemorySink();
  const r = await consumeBatch(TP, msgs(10, 6, { 13: 'bad' }), deps(sink));
  assert.deepEqual(sink.applied, ['10', '11', '12']);
  assert.equal(sink.next, '13', "the sink's offset stops at the bad message");
  assert.equal(r.next, '13');
  assert.ok(r.paused);
  assert.equal(r.paused.offset, '13');
  assert.equal(r.paused.key, 'k13');
  assert.equal(r.paused.raw, 'bad:13');
  assert.match(r.paused.reason, /not JSON/);
  // The next fetch of the partition (a retry after a rebalance) pauses at it again and applies nothing twice.
  const again = await consumeBatch(TP, msgs(13, 3, { 13: 'bad' }), deps(sink));
  assert.equal(again.paused?.offset, '13');
  assert.deepEqual(sink.applied, ['10', '11', '12']);
});

test('a bad first message: nothing applied, the offset stays', async () => {
  const sink = new MemorySink();
  sink.next = '20';
  const r = await consumeBatch(TP, msgs(20, 3, { 20: 'bad' }), deps(sink));
  assert.equal(r.next, '20');
  assert.equal(r.delivered, 0);
  assert.equal(sink.transactions, 0);
  assert.equal(r.paused?.offset, '20');
});

test('a message the sink refuses: the messages before it are applied alone, the partition pauses at it', async () => {
  const sink = new MemorySink();
  const r = await consumeBatch(TP, msgs(0, 6, { 4: 'refuse', 5: 'bad' }), deps(sink));
  assert.deepEqual(sink.applied, ['0', '1', '2', '3']);
  assert.equal(sink.next, '4');
  assert.equal(r.paused?.offset, '4');
  assert.match(r.paused!.reason, /refused .* cannot be null/);
  assert.match(r.paused!.fix, /ALTER TABLE/);
});

test('a skip request passes the message over: dead-lettered with its reason, recorded with the offset, the rest applied', async () => {
  const sink = new MemorySink();
  sink.next = '13';
  const dead: { offset: string; reason: string }[] = [];
  const req: SkipRequest = { ...TP, offset: '13', requestedBy: 'ops@host pid 7', requestedAt: 1000, reason: 'the message is not JSON (recorded)' };
  const r = await consumeBatch(TP, msgs(13, 4, { 13: 'bad' }), deps(sink, [req], dead));
  assert.equal(r.paused, null);
  assert.deepEqual(sink.applied, ['14', '15', '16'], 'every other message applied once, the bad one absent');
  assert.equal(sink.next, '17');
  assert.deepEqual(dead, [{ offset: '13', reason: 'the message is not JSON (recorded)' }]);
  assert.equal(sink.skips.length, 1, 'the skip is written in the transaction that moves the offset past it');
  assert.deepEqual(sink.skips[0], { offset: '13', reason: 'the message is not JSON (recorded)', requestedBy: 'ops@host pid 7', requestedAt: 1000, skippedBy: 'ops@host pid 1', deadLetter: 'dlq' });
  assert.equal(sink.transactions, 1);
});

test('a skip without a recorded reason takes the decoder\'s; a skip of a message the sink refused says so', async () => {
  const sink = new MemorySink();
  const dead: { offset: string; reason: string }[] = [];
  const reqs: SkipRequest[] = [
    { ...TP, offset: '1', requestedBy: 'a', requestedAt: 1, reason: null },
    { ...TP, offset: '3', requestedBy: 'a', requestedAt: 1, reason: null },
  ];
  const r = await consumeBatch(TP, msgs(0, 5, { 1: 'bad', 3: 'refuse' }), deps(sink, reqs, dead));
  assert.equal(r.paused, null);
  assert.deepEqual(sink.applied, ['0', '2', '4']);
  assert.match(dead[0]!.reason, /not JSON/);
  assert.match(dead[1]!.reason, /sink refused/);
});

test('a skip before a later bad message: the skip is recorded with the offset that stops at the bad one', async () => {
  const sink = new MemorySink();
  const r = await consumeBatch(TP, msgs(0, 5, { 1: 'bad', 3: 'bad' }), deps(sink, [{ ...TP, offset: '1', requestedBy: 'a', requestedAt: 1, reason: 'x' }]));
  assert.equal(r.paused?.offset, '3');
  assert.equal(sink.next, '3');
  assert.deepEqual(sink.applied, ['0', '2']);
  assert.deepEqual(sink.skips.map((s) => s.offset), ['1']);
  assert.deepEqual(r.skipped.map((s) => s.offset), ['1']);
});

test('a failure that is not the message\'s (the sink is down) is thrown, nothing paused', async () => {
  const d = deps(new MemorySink());
  d.apply = async () => {
    throw new Error('connect ECONNREFUSED');
  };
  await assert.rejects(consumeBatch(TP, msgs(0, 3), d), /ECONNREFUSED/);
});

test('the pause record keeps the value bounded, the key and the whole size; status shows the skip command', () => {
  const big = Buffer.from('x'.repeat(RAW_LIMIT * 3));
  const b = badMessage(TP, { offset: '99', key: null, value: big, timestampMs: 0 }, { reason: 'r', fix: 'f' }, 5);
  assert.equal(b.bytes, RAW_LIMIT * 3);
  assert.ok(b.raw!.length < RAW_LIMIT + 10);
  assert.equal(b.key, null);
  const text = pausedLines(b).join('\n');
  assert.match(text, /PAUSED at cutover\.shop\.orders:2:99 \(key none\): r/);
  assert.match(text, /--skip-message cutover\.shop\.orders:2:99/);
  assert.equal(badMessage(TP, { offset: '1', key: null, value: null, timestampMs: 0 }, { reason: 'r', fix: 'f' }, 5).raw, null);
});

test('--skip-message values: TOPIC:PARTITION:OFFSET, 64-bit offsets exact, anything else refused with the form', () => {
  assert.deepEqual(parseMessageRef('cutover.shop.orders:2:1534'), { topic: 'cutover.shop.orders', partition: 2, offset: '1534' });
  assert.equal(parseMessageRef('t:0:9223372036854775806').offset, '9223372036854775806');
  for (const bad of ['t:1', 't:x:1', ':1:2', 't:1:-2', 'a b:1:2', 't:1:9223372036854775808']) {
    const e = errorOf(() => parseMessageRef(bad));
    assert.match(e.message, /TOPIC:PARTITION:OFFSET/, bad);
    assert.match(String(e.fix), /cutover status/);
  }
});

test('dead-letter headers name the source topic, partition, offset and the error', () => {
  const h = deadLetterHeaders(TP, '13', 'the message is not JSON', 'ops@host pid 1', 'orders-consumer');
  assert.deepEqual(h, { 'cutover.topic': 'cutover.shop.orders', 'cutover.partition': '2', 'cutover.offset': '13', 'cutover.error': 'the message is not JSON', 'cutover.skipped.by': 'ops@host pid 1', 'cutover.job': 'orders-consumer' });
});

test('"deadLetter": {"topic"} in a Kafka source: a topic name, nothing else', () => {
  const base = { name: 'c', source: { type: 'kafka', brokers: ['b:9092'], topics: ['t'] }, sink: { type: 'mysql', url: 'mysql://u:p@h:3306' }, tables: { include: ['shop.*'] }, mode: 'stream' };
  const cfg = parseJobConfig({ ...base, source: { ...base.source, deadLetter: { topic: 'orders.dlq' } } });
  assert.equal(cfg.source.type === 'kafka' && cfg.source.deadLetter?.topic, 'orders.dlq');
  assert.throws(() => parseJobConfig({ ...base, source: { ...base.source, deadLetter: { topic: 'bad topic' } } }), /topic name/);
  assert.throws(() => parseJobConfig({ ...base, source: { ...base.source, deadLetter: { topic: 'x', partitions: 3 } } }));
});
