// Groups source transactions into sink batches: one sink transaction takes transactions until it holds
// maxRows row changes or maxBytes of row images, or maxDelayMs has passed since its first transaction.
// A batch holds one apply mode only (reconcile up to the copy's end, strict after), and a DDL statement
// ends the batch before it (the statement is applied on its own, between batches).
//
// Pure: no I/O, no timers; the clock is injected. The stream's apply loop (stream-runner.ts) feeds it
// what the change reader delivers and applies the batches it hands back.
import { rowBytes, type BinlogTransaction } from '../core/changes.js';
import type { ApplyMode } from '../core/checkpoint.js';

export interface BatchLimits {
  maxRows: number;
  maxBytes: number;
  maxDelayMs: number;
}

/** Transactions to apply in one sink transaction, in source order, all in one mode. */
export interface ChangeBatch {
  txs: BinlogTransaction[];
  mode: ApplyMode;
  rows: number;
  bytes: number;
}

export { rowBytes };

export class ChangeBatcher {
  private txs: BinlogTransaction[] = [];
  private mode: ApplyMode = 'strict';
  private rows = 0;
  private bytes = 0;
  private firstAt = 0;

  constructor(
    private readonly limits: BatchLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Transactions waiting in the open batch. */
  get pending(): number {
    return this.txs.length;
  }

  /** The commit time (unix s) of the open batch's first transaction, or null when it is empty. */
  get oldestPendingAt(): number | null {
    return this.txs[0]?.timestamp ?? null;
  }

  /**
   * Adds a transaction; returns the batches to apply now, in order: the open one when the mode changes,
   * and the batch this transaction completes when it reaches a limit.
   */
  add(tx: BinlogTransaction, mode: ApplyMode): ChangeBatch[] {
    const out: ChangeBatch[] = [];
    if (this.txs.length && mode !== this.mode) out.push(this.cut()!);
    if (!this.txs.length) {
      this.firstAt = this.now();
      this.mode = mode;
    }
    this.txs.push(tx);
    this.rows += tx.changes.length;
    for (const c of tx.changes) this.bytes += rowBytes(c);
    if (this.full() || this.due()) out.push(this.cut()!);
    return out;
  }

  /** A DDL statement arrives: the open batch (if any) must be applied before it. */
  beforeDdl(): ChangeBatch | null {
    return this.cut();
  }

  /** The open batch has waited maxDelayMs since its first transaction. */
  due(): boolean {
    return this.txs.length > 0 && this.now() - this.firstAt >= this.limits.maxDelayMs;
  }

  /** How long the reader may wait for more before the open batch is due; null when there is no open batch. */
  waitMs(): number | null {
    return this.txs.length ? Math.max(0, this.limits.maxDelayMs - (this.now() - this.firstAt)) : null;
  }

  /** Closes the open batch and returns it (null when empty): nothing more is ready, a stop, a DDL. */
  cut(): ChangeBatch | null {
    if (!this.txs.length) return null;
    const b: ChangeBatch = { txs: this.txs, mode: this.mode, rows: this.rows, bytes: this.bytes };
    this.txs = [];
    this.rows = this.bytes = 0;
    return b;
  }

  private full(): boolean {
    return this.rows >= this.limits.maxRows || this.bytes >= this.limits.maxBytes;
  }
}
