// DDL policy "pause-table" while streaming: a table paused at a DDL statement has its row changes
// held in the state file (HeldStore) while the other tables stream on, and once the operator resumes
// or skips it, the held changes are applied in source order before any newer change of the table.
//
// Exactly once: a batch's changes of paused tables are held (a synchronous SQLite commit, idempotent
// per transaction end and place) before the sink commits the batch and moves the checkpoint past them,
// so a crash replays the batch and holds nothing twice. Held changes are applied by the sink in
// transactions that record the last one applied (engine/sink/mysql/held-changes.ts), and only when none
// is left does the table stream again: its changes up to the checkpoint are all held and applied, those
// after it are new. The stream drains between batches, so nothing of the table runs out of order.
import { CutoverError } from '../../shared/errors.js';
import type { DdlPolicy } from '../../shared/ddl-policy.js';
import { DEFAULT_MAX_HELD_CHANGES } from '../../shared/ddl-policy.js';
import type { SourcePosition } from '../core/position.js';
import { comparePositions, formatPosition } from '../core/position.js';
import type { HeldTable, HoldEntry } from '../state/held-store.js';
import { HeldStore } from '../state/held-store.js';
import type { StateStore } from '../state/store.js';
import type { Logger } from '../core/logger.js';
import type { BinlogTransaction, RowChange } from '../core/changes.js';
import type { ApplyMode } from '../core/checkpoint.js';
import type { HeldChange } from '../core/changes.js';
import type { HeldSink } from '../sink/stream-target.js';

/**
 * Splits a batch: the changes of paused tables in transactions after their pause position become hold
 * entries; the rest stays (a transaction left without changes still moves the checkpoint). Pure.
 */
export function splitHeld(txs: BinlogTransaction[], paused: Map<string, SourcePosition>, reconcile: boolean): { apply: BinlogTransaction[]; hold: HoldEntry[] } {
  if (!paused.size) return { apply: txs, hold: [] };
  const hold: HoldEntry[] = [];
  const apply = txs.map((tx) => {
    const keep: RowChange[] = [];
    tx.changes.forEach((c, idx) => {
      const name = c.name ?? `${c.db}.${c.table}`;
      const from = paused.get(name);
      if (from && comparePositions(tx.end, from) > 0) hold.push({ table: name, end: tx.end, idx, reconcile, change: c });
      else keep.push(c);
    });
    return keep.length === tx.changes.length ? tx : { ...tx, changes: keep };
  });
  return { apply, hold };
}

/** The next run of held changes to apply together: those in one mode (the copy's reconcile window or not). Pure. */
export function sameModeRun(changes: HeldChange[]): HeldChange[] {
  const first = changes[0];
  if (!first) return [];
  const end = changes.findIndex((c) => c.reconcile !== first.reconcile);
  return end < 0 ? changes : changes.slice(0, end);
}

export class HeldTables {
  private readonly held: HeldStore;
  private paused = new Map<string, HeldTable>();
  private checkedAt = 0;
  /** Held changes of the job, counted once and then kept up to date (null: count again). */
  private heldTotal: number | null = null;

  constructor(
    store: StateStore,
    private readonly jobId: number,
    private readonly jobName: string,
    private readonly policy: DdlPolicy | undefined,
    private readonly log: Logger,
  ) {
    this.held = new HeldStore(store);
    this.reload();
  }

  private reload(): void {
    this.paused = new Map(this.held.tables(this.jobId).map((t) => [t.table, t]));
    this.checkedAt = Date.now();
  }

  isPaused(table: string): boolean {
    return this.paused.has(table);
  }

  /** Pauses tables at a DDL statement (recorded before the checkpoint moves past it). */
  pause(tables: string[], at: SourcePosition, sql: string, reason: string): void {
    for (const t of tables) this.held.pause(this.jobId, t, at, sql, reason);
    this.reload();
  }

  /** Holds the changes of paused tables (durably, before the sink commits the batch); returns what the sink applies now. */
  hold(txs: BinlogTransaction[], mode: ApplyMode): BinlogTransaction[] {
    if (!this.paused.size) return txs;
    const from = new Map([...this.paused].map(([k, v]) => [k, v.from]));
    const { apply, hold } = splitHeld(txs, from, mode === 'reconcile');
    if (!hold.length) return apply;
    const max = this.policy?.maxHeldChanges ?? DEFAULT_MAX_HELD_CHANGES;
    const total = (this.heldTotal ??= this.held.total(this.jobId));
    if (total + hold.length > max) {
      const names = [...this.paused.keys()].join(', ');
      throw new CutoverError(
        `Streaming paused: the tables paused at a DDL statement (${names}) hold ${total.toLocaleString('en-US')} changes, and the next ${hold.length.toLocaleString('en-US')} would pass the bound of ${max.toLocaleString('en-US')} ("ddl.maxHeldChanges").`,
        `Resolve the paused table(s): apply the statement to the sink by hand and run \`cutover resume-table <db.table> --job ${this.jobName}\` (add --skip to leave the sink as it is), then run the job again; or raise "ddl.maxHeldChanges" in the job file. Nothing is lost: the held changes stay, and the stream goes on from the sink's checkpoint.`,
        'DDL_PAUSED',
      );
    }
    this.heldTotal = total + this.held.append(this.jobId, hold);
    return apply;
  }

  /** Whether the operator has resolved a paused table (looked up at most every `everyMs`). */
  hasRequests(everyMs = 500): boolean {
    if (Date.now() - this.checkedAt >= everyMs) this.reload();
    return [...this.paused.values()].some((t) => t.request !== null);
  }

  /** Applies the held changes of every resolved table, then lets it stream again. Call between batches only. */
  async drain(sink: HeldSink, batchRows: number): Promise<void> {
    this.reload();
    this.heldTotal = null;
    for (const t of this.paused.values()) {
      if (!t.request) continue;
      const what = t.request === 'skip' ? 'skipped (the sink keeps its definition)' : 'resumed';
      this.log.info(`${what}: applying the changes held since ${formatPosition(t.from)}`, t.table);
      await sink.adoptDefinition(t.table, t.from, t.ddl);
      let done = await sink.heldApplied(t.table, t.from);
      let applied = 0;
      for (;;) {
        this.held.trim(this.jobId, t.table, done);
        const run = sameModeRun(this.held.next(this.jobId, t.table, done, Math.max(1, batchRows)));
        if (!run.length) break;
        done = await sink.applyHeld(t.table, t.from, run, run[0]!.reconcile ? 'reconcile' : 'strict');
        applied += run.length;
      }
      this.held.release(this.jobId, t.table);
      this.log.info(`streaming again after ${applied.toLocaleString('en-US')} held change(s) applied in source order`, t.table);
    }
    this.heldTotal = null;
    this.reload();
  }
}

/** Records the operator's choice for a paused table; the running stream (or the next run) acts on it. */
export function requestHeldTable(store: StateStore, jobId: number, table: string, request: 'resume' | 'skip'): boolean {
  return new HeldStore(store).request(jobId, table, request);
}
