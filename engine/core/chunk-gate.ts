// The handoff between a copy and a stream that publish to one ordered log (Kafka), DBLog-style but
// without writes to the source: each copy chunk is read in its own consistent snapshot, whose exact
// binlog position P MariaDB reports, and its rows are published between the binlog changes that end at
// or before P and those after it. Every key's messages are then in source order: changes up to P, the
// read event (the row as it stood at P), changes after P.
//
// A copy worker `reserve()`s before it starts its snapshot; while a reservation has no position yet, or
// has one but its rows are still being read, the stream places nothing past it (it waits): checked before
// each transaction is placed in the output (advance()), not once per batch, since a snapshot can start while
// a batch is rendered. A chunk whose position turns out to be behind what the stream already placed (the
// snapshot started between a transaction's binlog write and its commit, or while a batch was rendered) is
// refused: the worker reads it again.
import type { SourcePosition } from './position.js';
import { comparePositions } from './position.js';

export interface ChunkSubmission<T> {
  at: SourcePosition;
  payload: T;
  /** Called synchronously as soon as the chunk is durable on the sink (before anything else is published). */
  onDurable: () => void;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class Reservation<T> {
  at: SourcePosition | null = null;
  submission: ChunkSubmission<T> | null = null;
  constructor(private readonly gate: ChunkGate<T>) {}

  /** Records the snapshot's position; false when it is behind the published stream (read the chunk again). */
  setPosition(at: SourcePosition): boolean {
    if (this.gate.behind(at)) {
      this.cancel();
      return false;
    }
    this.at = at;
    this.gate.changed();
    return true;
  }

  /** Hands the chunk's rows over; resolves once they are durable on the sink. */
  submit(payload: T, onDurable: () => void): Promise<void> {
    if (!this.at) throw new Error('submit before setPosition');
    return new Promise<void>((resolve, reject) => {
      this.submission = { at: this.at!, payload, onDurable, resolve, reject };
      this.gate.changed();
    });
  }

  cancel(): void {
    this.gate.remove(this);
  }
}

export class ChunkGate<T> {
  private readonly open = new Set<Reservation<T>>();
  private waiters: (() => void)[] = [];
  /**
   * The end of the last binlog transaction placed in the stream's output (rendered to be sent, in order):
   * a snapshot behind it is refused. Advanced as each transaction is placed (advance()), not when a batch
   * is sent, so a snapshot positioned while a batch is being rendered cannot land behind part of it.
   */
  publishedUpTo: SourcePosition | null = null;
  /** The start of a transaction being published in pieces (its end is not known yet): a snapshot at or before it is behind it. */
  openAfter: SourcePosition | null = null;
  private failed: unknown = null;

  reserve(): Reservation<T> {
    if (this.failed) throw this.failed;
    const r = new Reservation<T>(this);
    this.open.add(r);
    return r;
  }

  remove(r: Reservation<T>): void {
    this.open.delete(r);
    this.changed();
  }

  changed(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves at the next change (a position set, rows submitted, a reservation gone), or after `ms`. */
  wait(ms = 1000): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** Whether a snapshot at `at` lies behind what the stream has placed (its chunk must be read again). */
  behind(at: SourcePosition): boolean {
    if (this.publishedUpTo && comparePositions(at, this.publishedUpTo) < 0) return true;
    return this.openAfter !== null && comparePositions(at, this.openAfter) <= 0;
  }

  /**
   * The stream is about to place a transaction ending at `end`: false while a reservation has no position
   * yet or a chunk read at a position before `end` is still being read (it must go first); otherwise the
   * published frontier moves to `end` at once (synchronously, before the transaction is rendered), and true.
   */
  advance(end: SourcePosition): boolean {
    if (this.unsettled) return false;
    const hold = this.holdPosition();
    if (hold && comparePositions(end, hold) > 0) return false;
    if (!this.publishedUpTo || comparePositions(end, this.publishedUpTo) > 0) this.publishedUpTo = end;
    return true;
  }

  get pending(): number {
    return this.open.size;
  }

  /** Some reservation has not got its position yet: nothing may be published until it has. */
  get unsettled(): boolean {
    for (const r of this.open) if (!r.at) return true;
    return false;
  }

  /** The lowest position of a chunk still being read: binlog changes ending after it must wait. */
  holdPosition(): SourcePosition | null {
    let min: SourcePosition | null = null;
    for (const r of this.open) if (r.at && !r.submission && (!min || comparePositions(r.at, min) < 0)) min = r.at;
    return min;
  }

  /** Takes the submitted chunks whose position is before `end` (or at or before it, `inclusive`), in position order. */
  take(end: SourcePosition | null, inclusive: boolean): ChunkSubmission<T>[] {
    const out: ChunkSubmission<T>[] = [];
    for (const r of this.open) {
      const s = r.submission;
      if (!s) continue;
      const c = end ? comparePositions(s.at, end) : -1;
      if (c < 0 || (inclusive && c === 0)) out.push(s);
    }
    for (const s of out) for (const r of this.open) if (r.submission === s) this.open.delete(r);
    return out.sort((a, b) => comparePositions(a.at, b.at));
  }

  /** Puts taken chunks back (their publishing failed; they go with the next attempt). */
  restore(subs: ChunkSubmission<T>[]): void {
    for (const s of subs) {
      const r = new Reservation<T>(this);
      r.at = s.at;
      r.submission = s;
      this.open.add(r);
    }
    this.changed();
  }

  /** The sink failed for good: every waiting chunk fails with it, and so does every later reservation. */
  fail(e: unknown): void {
    this.failed = e;
    for (const r of this.open) r.submission?.reject(e);
    this.open.clear();
    this.changed();
  }
}
