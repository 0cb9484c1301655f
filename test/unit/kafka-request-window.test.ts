// Several idempotent produce requests in flight (engine/sink/kafka/request-window.ts) against a simulated
// broker that checks sequence numbers as Kafka does: whatever fails (a request lost before the broker, an
// acknowledgement lost after it wrote, a refusal of a batch that came early), every partition's log ends
// with every record once, in submission order; a failure retrying cannot fix fails that request and all
// later ones; the producer is replaced only when the broker lost track of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestWindow, type WindowTransport } from '../../engine/sink/kafka/request-window.js';

interface Req {
  /** partition → values (in order). */
  parts: Map<number, number[]>;
}

type Fault = 'lost-before' | 'lost-ack' | 'refuse' | null;

class ProtocolError extends Error {
  constructor(readonly type: string) {
    super(type);
  }
}

/** A broker's per-producer, per-partition sequence checks, and a producer that assigns sequence numbers. */
class SimulatedKafka implements WindowTransport<Req> {
  readonly logs = new Map<number, number[]>();
  /** Broker side: producer id → partition → next expected sequence; the last 5 batches' first sequences. */
  private readonly next = new Map<string, number>();
  private readonly recent = new Map<string, number[]>();
  /** Client side: the producer's counters. */
  private producerId = 1;
  private counters = new Map<number, number>();
  private wire: Promise<void> = Promise.resolve();
  sends = 0;
  replaced = 0;
  inflight = 0;
  maxInflight = 0;
  judged: string[] = [];

  constructor(
    private readonly fault: (n: number) => Fault,
    private readonly forgetAt = -1,
  ) {}

  send(req: Req, seq: Record<string, number>, queued: () => void): Promise<void> {
    const n = this.sends++;
    const pid = this.producerId;
    for (const [p, vs] of req.parts) {
      if (seq[p] === undefined) {
        seq[p] = this.counters.get(p) ?? 0;
        this.counters.set(p, seq[p]! + vs.length);
      }
    }
    const batches = [...req.parts].map(([p, vs]) => ({ p, vs, first: seq[p]! }));
    this.inflight++;
    this.maxInflight = Math.max(this.maxInflight, this.inflight);
    // Requests reach the broker in the order they were queued (one connection).
    const arrival = this.wire.then(async () => {
      await new Promise((r) => setImmediate(r));
      if (n === this.forgetAt) this.next.clear(); // the broker lost the producer's state
      const f = this.fault(n);
      if (f === 'lost-before') throw new ProtocolError('NOT_LEADER_OR_FOLLOWER');
      if (f === 'refuse') throw new ProtocolError('NOT_ENOUGH_REPLICAS');
      let err: ProtocolError | null = null;
      for (const b of batches) {
        const k = `${pid}/${b.p}`;
        const expected = this.next.get(k) ?? 0;
        const recent = this.recent.get(k) ?? [];
        if (b.first === expected) {
          const log = this.logs.get(b.p) ?? [];
          log.push(...b.vs);
          this.logs.set(b.p, log);
          this.next.set(k, expected + b.vs.length);
          this.recent.set(k, [...recent, b.first].slice(-5));
        } else if (recent.includes(b.first)) {
          // a duplicate of a batch it has: acknowledged, not written again
        } else err ??= new ProtocolError(this.next.has(k) || b.first === 0 ? 'OUT_OF_ORDER_SEQUENCE_NUMBER' : 'UNKNOWN_PRODUCER_ID');
      }
      if (err) throw err;
      if (f === 'lost-ack') throw new ProtocolError('REQUEST_TIMED_OUT');
    });
    this.wire = arrival.catch(() => undefined);
    setImmediate(queued);
    return arrival.finally(() => this.inflight--);
  }

  async judge(e: unknown): Promise<'retry' | 'new-producer' | Error> {
    const type = (e as ProtocolError).type;
    this.judged.push(type);
    if (type === 'MESSAGE_TOO_LARGE') return new Error('too large');
    return /OUT_OF_ORDER|UNKNOWN_PRODUCER/.test(type) ? 'new-producer' : 'retry';
  }

  async replaceProducer(): Promise<void> {
    this.replaced++;
    this.producerId++;
    this.counters = new Map();
  }
}

/** `count` requests, each with values for 1-3 of 3 partitions; the expected log per partition. */
function requests(count: number): { reqs: Req[]; expected: Map<number, number[]> } {
  const reqs: Req[] = [];
  const expected = new Map<number, number[]>();
  let v = 0;
  for (let i = 0; i < count; i++) {
    const parts = new Map<number, number[]>();
    for (let p = 0; p < 3; p++) {
      if ((i + p) % 3 === 2) continue;
      const vs = Array.from({ length: 1 + ((i * 7 + p) % 4) }, () => v++);
      parts.set(p, vs);
      expected.set(p, [...(expected.get(p) ?? []), ...vs]);
    }
    reqs.push({ parts });
  }
  return { reqs, expected };
}

async function run(k: SimulatedKafka, reqs: Req[], depth: number): Promise<PromiseSettledResult<void>[]> {
  const w = new RequestWindow(k, depth);
  const out = await Promise.allSettled(reqs.map((r) => w.submit(r)));
  await w.drain();
  assert.equal(w.pending, 0);
  return out;
}

test('without faults: every record once and in order, several requests in flight', async () => {
  const { reqs, expected } = requests(40);
  const k = new SimulatedKafka(() => null);
  const res = await run(k, reqs, 4);
  assert.ok(res.every((r) => r.status === 'fulfilled'));
  assert.deepEqual(k.logs, expected);
  assert.ok(k.maxInflight > 1, `requests were in flight together (at most ${k.maxInflight})`);
  assert.ok(k.maxInflight <= 4);
});

for (const [name, fault] of [
  ['a request lost before the broker', 'lost-before'],
  ['an acknowledgement lost after the broker wrote', 'lost-ack'],
  ['a transient refusal', 'refuse'],
] as const) {
  test(`${name}: the request and the later ones in flight are resent in order, nothing lost or doubled`, async () => {
    for (const at of [0, 3, 7, 11]) {
      const { reqs, expected } = requests(24);
      const k = new SimulatedKafka((n) => (n === at || n === at + 9 ? fault : null));
      const res = await run(k, reqs, 5);
      assert.ok(res.every((r) => r.status === 'fulfilled'), `fault at ${at}`);
      assert.deepEqual(k.logs, expected, `fault at ${at}`);
      assert.equal(k.replaced, 0, 'the producer is kept: its sequence numbers make resends safe');
    }
  });
}

test('the broker lost the producer: the waiting requests get a new producer and new sequence numbers', async () => {
  const { reqs, expected } = requests(20);
  const k = new SimulatedKafka((n) => (n === 8 ? 'lost-before' : null), 8);
  const res = await run(k, reqs, 4);
  assert.ok(res.every((r) => r.status === 'fulfilled'));
  assert.equal(k.replaced, 1);
  assert.deepEqual(k.logs, expected);
});

test('a failure retrying cannot fix fails that request and every later one; earlier ones stay acknowledged', async () => {
  const { reqs } = requests(12);
  const k = new SimulatedKafka((n) => (n >= 5 ? 'refuse' : null));
  k.judge = async (e) => {
    k.judged.push((e as ProtocolError).type);
    return new Error('refused for good');
  };
  const res = await run(k, reqs, 3);
  const firstFailed = res.findIndex((r) => r.status === 'rejected');
  assert.ok(firstFailed >= 0 && firstFailed <= 5);
  assert.ok(res.slice(0, firstFailed).every((r) => r.status === 'fulfilled'));
  assert.ok(res.slice(firstFailed).every((r) => r.status === 'rejected' && (r.reason as Error).message === 'refused for good'));
  // Nothing after the failed request reached a log out of order: each log is a prefix of the expected one.
  const done = requests(firstFailed).expected;
  for (const [p, log] of k.logs) assert.deepEqual(log.slice(0, done.get(p)?.length ?? 0), done.get(p) ?? []);
});

test('inside a transaction (no resend): the first failure fails the rest and is kept', async () => {
  const { reqs } = requests(10);
  const k = new SimulatedKafka((n) => (n === 4 ? 'lost-before' : null));
  const w = new RequestWindow(k, 4, false);
  const res = await Promise.allSettled(reqs.map((r) => w.submit(r)));
  assert.ok(res.slice(4).every((r) => r.status === 'rejected'));
  assert.equal((w.failure as ProtocolError).type, 'NOT_LEADER_OR_FOLLOWER');
  assert.ok(k.sends < reqs.length, `nothing resent, nothing sent after the failure (${k.sends} sends)`);
});

test('depth must be 1 to 5', () => {
  assert.throws(() => new RequestWindow(new SimulatedKafka(() => null), 6), /1 to 5/);
});
