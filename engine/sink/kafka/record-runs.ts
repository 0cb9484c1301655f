// A copy batch's records written straight in Kafka's record format (record batch magic 2), back to back per
// partition: each partition's run of records is the body of one record batch, sent as it is (the patched
// kafkajs takes a message with `encodedRecords` + `recordCount` as that partition's whole batch, see
// DEPENDENCIES.md). The client then neither encodes a record nor keeps an object per record: a batch of
// 2,500 rows is six buffers.
//
// A record (org.apache.kafka.common.record.DefaultRecord): varint length of the rest, attributes (0),
// varlong timestamp delta (0: the client stamps the batch when it sends it, as for records without a
// timestamp), varint offset delta (0, 1, 2, … within the run), varint key length (-1: none) and key, varint
// value length (-1: none) and value, varint header count, and per header its varint key length and key,
// varint value length and value. Varints are zig-zag, as kafkajs writes them; the bytes are those kafkajs
// writes for the same messages (test/unit/kafka-record-runs.test.ts).
import { batchBudget, type OutRecord, type TopicLimits } from './out-records.js';

/** Bytes of the zig-zag varint of `v` (a 32-bit integer). */
export function varintWidth(v: number): number {
  const z = ((v << 1) ^ (v >> 31)) >>> 0;
  return z < 0x80 ? 1 : z < 0x4000 ? 2 : z < 0x200000 ? 3 : z < 0x10000000 ? 4 : 5;
}

/** The zig-zag varint of `v` at `o`; the new end. */
export function putVarint(out: Buffer, o: number, v: number): number {
  let z = ((v << 1) ^ (v >> 31)) >>> 0;
  while (z >= 0x80) {
    out[o++] = (z & 0x7f) | 0x80;
    z >>>= 7;
  }
  out[o++] = z;
  return o;
}

/**
 * Fills the `width` bytes reserved at `at` with the varint of `value`, the length of the bytes written
 * after them up to `end`. When its varint is shorter than reserved, those bytes move down to follow it.
 * Returns the new end.
 */
export function fillVarint(out: Buffer, at: number, width: number, value: number, end: number): number {
  const w = varintWidth(value);
  if (w < width) {
    out.copyWithin(at + w, at + width, end);
    end -= width - w;
  }
  putVarint(out, at, value);
  return end;
}

/** The zig-zag varint at `o`: its value and the offset after it. */
export function readVarint(buf: Buffer, o: number): { value: number; next: number } {
  let z = 0;
  let shift = 0;
  for (;;) {
    const c = buf[o++]!;
    z |= (c & 0x7f) << shift;
    if (c < 0x80) break;
    shift += 7;
  }
  return { value: (z >>> 1) ^ -(z & 1), next: o };
}

/** The key of the record that starts at `at` (null: none). */
export function recordKey(buf: Buffer, at: number): Buffer | null {
  let o = readVarint(buf, at).next + 1; // length, attributes
  o = readVarint(buf, o).next; // timestamp delta
  o = readVarint(buf, o).next; // offset delta
  const key = readVarint(buf, o);
  return key.value < 0 ? null : buf.subarray(key.next, key.next + key.value);
}

/** A record's headers as the record format writes them (count, then each key and value with their lengths). */
export function encodeHeaders(headers: Record<string, string> | undefined): Buffer {
  const keys = headers ? Object.keys(headers) : [];
  const parts: Buffer[] = [];
  const count = Buffer.alloc(5);
  parts.push(count.subarray(0, putVarint(count, 0, keys.length)));
  for (const k of keys) {
    for (const text of [k, headers![k]!]) {
      const b = Buffer.from(text, 'utf8');
      const len = Buffer.alloc(5);
      parts.push(len.subarray(0, putVarint(len, 0, b.length)), b);
    }
  }
  return Buffer.concat(parts);
}

/** One partition's run: the records of one record batch, already encoded. What the sender sends. */
export class RecordRun implements OutRecord {
  readonly key = null;
  readonly value = null;
  readonly headers = undefined;
  constructor(
    readonly topic: TopicLimits,
    readonly partition: number,
    readonly encodedRecords: Buffer,
    readonly recordCount: number,
    /** The largest record's bytes. */
    readonly largestRecordSize: number,
    /** Names the largest record's row. */
    private readonly largest: () => string,
  ) {}

  get size(): number {
    return this.encodedRecords.length;
  }

  origin(): string {
    return this.largest();
  }
}

/** A partition's run being written. */
export interface OpenRun {
  buf: Buffer;
  at: number;
  count: number;
  largestSize: number;
  largest: () => string;
}

/** Bytes a run's buffer starts with when nothing is known of the partition's share yet; capacities are multiples of it. */
const CAPACITY_STEP = 64 * 1024;

/**
 * Run buffers for reuse: a writer's batches give theirs back once the broker acknowledged them, and new
 * runs take them. Without it each run is a new buffer outside V8's heap that outlives a few young
 * collections, and V8 answers the external memory with a full collection every few batches (measured:
 * 61 mark-compacts in a 1,000,000-row copy, against 6 with reuse). At most `max` buffers wait here.
 */
export class RunBufferPool {
  private readonly free: Buffer[] = [];
  constructor(private readonly max = 16) {}

  /** A buffer of at least `min` bytes (a multiple of 64 KiB when it is new). */
  get(min: number): Buffer {
    const b = this.free.pop();
    if (b && b.length >= min) return b;
    return Buffer.allocUnsafeSlow(Math.ceil(min / CAPACITY_STEP) * CAPACITY_STEP);
  }

  give(b: Buffer): void {
    if (this.free.length < this.max) this.free.push(b);
  }
}

/**
 * The runs of one copy batch (one table, so one topic): records are appended to their partition's run; a
 * run ends when the next record might take it over the topic's record batch budget (batchBudget, as
 * splitRequests splits requests), and a record larger than the budget has a run of its own. Runs keep the
 * order in which their partition's records were appended.
 */
export class RecordRuns {
  private readonly open: (OpenRun | undefined)[] = [];
  /** Partitions in the order their open runs began. */
  private readonly opened: number[] = [];
  private readonly done: RecordRun[] = [];
  private readonly budget: number;

  /** The buffers of the runs taken, given back by release(). */
  private readonly buffers: Buffer[] = [];

  constructor(
    readonly topic: TopicLimits,
    /** The previous batch's run sizes per partition (shared by a writer's batches): a new run's first capacity. */
    private readonly sizes: number[] = [],
    private readonly pool: RunBufferPool = new RunBufferPool(0),
  ) {
    this.budget = batchBudget(topic);
  }

  /**
   * Room for a record of at most `bound` bytes at the end of partition `p`'s run, which may end the run
   * first. Returns the run; write at `run.buf` from `run.at`, then commit().
   */
  reserve(p: number, bound: number): OpenRun {
    let r = this.open[p];
    if (r && r.count > 0 && r.at + bound > this.budget) {
      this.close(p, r);
      r = undefined;
    }
    if (!r) {
      const last = this.sizes[p] ?? 0;
      r = this.open[p] = { buf: this.pool.get(Math.max(Math.min(this.budget, last + last / 8), bound)), at: 0, count: 0, largestSize: -1, largest: () => '' };
      this.opened.push(p);
    } else if (r.at + bound > r.buf.length) {
      const grown = this.pool.get(Math.max(r.buf.length * 2, r.at + bound));
      r.buf.copy(grown, 0, 0, r.at);
      this.pool.give(r.buf);
      r.buf = grown;
    }
    return r;
  }

  /**
   * The record written at `run.at` ends at `end`. True when it is the run's largest so far: the caller
   * then sets `run.largest` to name its row.
   */
  commit(run: OpenRun, end: number): boolean {
    const size = end - run.at;
    run.at = end;
    run.count++;
    if (size <= run.largestSize) return false;
    run.largestSize = size;
    return true;
  }

  /** A rendered record (key and value as strings or bytes) appended to its partition's run. */
  append(r: OutRecord): void {
    const keySize = r.key === null ? -1 : typeof r.key === 'string' ? Buffer.byteLength(r.key) : r.key.length;
    const valueSize = r.value === null ? -1 : typeof r.value === 'string' ? Buffer.byteLength(r.value) : r.value.length;
    const headers = r.headers ? encodeHeaders(r.headers) : NO_HEADERS;
    const rest = 2 + varintWidth(keySize) + Math.max(keySize, 0) + varintWidth(valueSize) + Math.max(valueSize, 0) + headers.length;
    const run = this.reserve(r.partition, 10 + rest); // with the widest varints of offset delta and length
    const body = varintWidth(run.count) + rest;
    const out = run.buf;
    let o = putVarint(out, run.at, body);
    out[o++] = 0; // attributes
    out[o++] = 0; // timestamp delta
    o = putVarint(out, o, run.count);
    o = putSized(out, o, r.key, keySize);
    o = putSized(out, o, r.value, valueSize);
    out.set(headers, o);
    o += headers.length;
    if (this.commit(run, o)) run.largest = () => r.origin();
  }

  /** Every run, the open ones ended (in the order they began): what a send takes. */
  take(): RecordRun[] {
    for (const p of this.opened) {
      const r = this.open[p];
      if (r && r.count > 0) this.close(p, r);
      else this.open[p] = undefined;
    }
    this.opened.length = 0;
    return this.done;
  }

  /**
   * Gives the runs' buffers back to the pool: only once nothing reads the runs any more (the broker
   * acknowledged them; a failed send keeps them, it may be sent again).
   */
  release(): void {
    for (const b of this.buffers) this.pool.give(b);
    this.buffers.length = 0;
  }

  private close(p: number, r: OpenRun): void {
    this.buffers.push(r.buf);
    this.done.push(new RecordRun(this.topic, p, r.buf.subarray(0, r.at), r.count, r.largestSize, r.largest));
    this.sizes[p] = r.at;
    this.open[p] = undefined;
  }
}

const NO_HEADERS = Buffer.from([0]);

/** A key or value with its varint length (-1: null), as a string's UTF-8 or a Buffer's bytes. */
function putSized(out: Buffer, o: number, v: string | Buffer | null, size: number): number {
  o = putVarint(out, o, size);
  if (v === null) return o;
  if (typeof v === 'string') out.write(v, o, size, 'utf8');
  else out.set(v, o);
  return o + size;
}
