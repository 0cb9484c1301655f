// Several idempotent produce requests in flight on one producer, in order.
//
// Kafka keeps a partition's order with up to 5 requests in flight per producer: every record batch carries
// its first sequence number (per producer id and partition), the broker appends a batch only when its
// sequence follows the last one it wrote, refuses without writing one that comes early
// (OUT_OF_ORDER_SEQUENCE_NUMBER), and acknowledges without writing one it already has (a duplicate among
// its last 5 batches). So:
//   - a request gets its sequence numbers once, when it is first queued, and keeps them for every resend
//     (its `seq` store, kept here and filled by the patched kafkajs); the next request starts only once
//     the one before is queued on the connection, so sequence order is submission order;
//   - after a failure nothing new starts: the window waits until every request in flight settled, then
//     sends the unacknowledged ones again one at a time in submission order with their own numbers (a
//     batch that was written but whose acknowledgement was lost is dropped as a duplicate; one refused
//     because an earlier one was missing is written now), and only then goes on in parallel;
//   - when the broker no longer knows the producer (the resend of the first unacknowledged request is
//     refused with OUT_OF_ORDER_SEQUENCE_NUMBER or UNKNOWN_PRODUCER_ID, a fenced epoch), every waiting
//     request forgets its numbers and they are sent on a new producer;
//   - a failure retrying cannot fix fails that request and every later one (nothing after it is sent).

/** What the window asks of its owner (RecordSender; the unit tests pass a scripted one). */
export interface WindowTransport<R> {
  /**
   * Sends one request with its sequence store (empty on the first send, or after a new producer);
   * calls `queued()` once the request is on its way (its sequence numbers assigned).
   */
  send(req: R, seq: Record<string, number>, queued: () => void): Promise<void>;
  /** After a failed resend: 'retry' (a transient failure; wait and resend), 'new-producer', or an error to fail with. */
  judge(e: unknown, req: R): Promise<'retry' | 'new-producer' | Error>;
  /** Drops the producer: the next send takes a new one (new producer id, sequences from 0). */
  replaceProducer(): Promise<void>;
}

interface Entry<R> {
  req: R;
  seq: Record<string, number>;
  started: boolean;
  settled: boolean;
  failed: boolean;
  error?: unknown;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class RequestWindow<R> {
  /** Submitted and not yet acknowledged (nor failed for good), in submission order. */
  private readonly queue: Entry<R>[] = [];
  private inflight = 0;
  /** A request is being queued: the next one waits for its sequence numbers. */
  private queueing = false;
  /** A request failed: nothing new starts until the recovery has sent the failed ones again. */
  private halted = false;
  private recovering = false;

  constructor(
    private readonly t: WindowTransport<R>,
    /** Requests in flight at most (Kafka: ≤ 5 per producer and partition for ordered idempotence). */
    readonly depth: number,
    /** false (inside a Kafka transaction, which is retried whole): a failure fails every waiting request, nothing is resent. */
    private readonly resend = true,
  ) {
    if (depth < 1 || depth > 5) throw new Error(`requests in flight must be 1 to 5, not ${depth}`);
  }

  /** Sends the request in order after every one submitted before; resolves once it is acknowledged. */
  submit(req: R): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ req, seq: {}, started: false, settled: false, failed: false, resolve, reject });
      this.pump();
    });
  }

  /** The error a failure ended waiting requests with (a window that must not go on after one: a transaction's). */
  failure: Error | null = null;

  /** Resolves once every submitted request is acknowledged or failed. */
  async drain(): Promise<void> {
    while (this.queue.length || this.inflight) await new Promise<void>((r) => this.drained.push(r));
  }

  private readonly drained: (() => void)[] = [];

  private wakeDrain(): void {
    if (this.queue.length || this.inflight) return;
    for (const r of this.drained.splice(0)) r();
  }

  /** Requests submitted and not yet acknowledged. */
  get pending(): number {
    return this.queue.length;
  }

  private pump(): void {
    if (this.halted || this.queueing || this.inflight >= this.depth) return;
    const e = this.queue.find((x) => !x.started);
    if (!e) return;
    e.started = true;
    this.inflight++;
    this.queueing = true;
    let queued = false;
    const onQueued = (): void => {
      if (queued) return;
      queued = true;
      this.queueing = false;
      this.pump();
    };
    this.t.send(e.req, e.seq, onQueued).then(
      () => {
        this.inflight--;
        onQueued();
        this.acknowledged(e);
        this.pump();
        this.maybeRecover();
      },
      (err: unknown) => {
        this.inflight--;
        e.failed = true;
        e.error = err;
        this.halted = true;
        onQueued();
        this.maybeRecover();
      },
    );
  }

  private acknowledged(e: Entry<R>): void {
    e.settled = true;
    const i = this.queue.indexOf(e);
    if (i >= 0) this.queue.splice(i, 1);
    e.resolve();
    this.wakeDrain();
  }

  private maybeRecover(): void {
    if (!this.halted || this.recovering || this.inflight > 0) return;
    this.recovering = true;
    void this.recover().finally(() => {
      this.recovering = false;
      this.halted = false;
      this.pump();
    });
  }

  /** Sends every unacknowledged request that was started again, one at a time, in order. */
  private async recover(): Promise<void> {
    if (!this.resend) {
      const first = this.queue.find((x) => x.failed);
      this.failAll(first?.error instanceof Error ? first.error : new Error(String(first?.error)));
      return;
    }
    while (this.queue.length) {
      const e = this.queue[0]!;
      if (!e.started) return; // the failed ones are behind us: back to parallel
      for (;;) {
        try {
          await this.t.send(e.req, e.seq, () => undefined);
          this.acknowledged(e);
          break;
        } catch (err) {
          const verdict = await this.t.judge(err, e.req);
          if (verdict instanceof Error) {
            this.failAll(verdict);
            return;
          }
          if (verdict === 'new-producer') {
            await this.t.replaceProducer();
            for (const x of this.queue) x.seq = {};
          }
        }
      }
    }
  }

  /** Fails every waiting request (nothing after a failed one may be sent: its order would be lost). */
  private failAll(err: Error): void {
    this.failure ??= err;
    const all = this.queue.splice(0);
    for (const x of all) {
      x.settled = true;
      x.reject(err);
    }
    this.wakeDrain();
  }
}
