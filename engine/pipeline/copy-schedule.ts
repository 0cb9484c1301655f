// Which chunk a copy worker takes next: the tables left to copy (resumed from the state file), each one's
// chunks planned one key range ahead, handed out table by table or least-busy table first.
import { qualified } from '../../shared/table-selection.js';
import type { SourceSession } from '../source/driver.js';
import { decodeKey, encodeKey } from '../mysql/values.js';
import type { ChunkRow, StateStore } from '../state/store.js';
import type { RawRow } from '../core/rows.js';
import type { CopyTable } from '../core/tables.js';

/** A table being copied in this run. */
export interface TableRuntime {
  t: CopyTable;
  name: string;
  /** Planned chunks not yet taken by a worker. */
  pending: ChunkRow[];
  plannedAll: boolean;
  /** Where the next chunk's plan starts (its lower key). */
  cursor: RawRow | null;
  nextSeq: number;
  planning: Promise<void> | null;
  /** Chunks taken by a worker and not yet recorded (or failed). */
  active: number;
  failed: boolean;
  completing: boolean;
}

export interface CopyScheduleOptions {
  store: StateStore;
  /** Rows per planned chunk. */
  chunkRows: number;
  /** The sink's choice: copy one table after another rather than the least busy table first. */
  byTable: boolean;
  /** True once the run stops taking chunks (stop requested, or a worker failed). */
  stopping: () => boolean;
}

export class CopySchedule {
  readonly tables: TableRuntime[] = [];

  constructor(private readonly o: CopyScheduleOptions) {}

  /** Takes the tables not done yet, with their chunks planned before this run, and marks them copying. */
  load(tables: CopyTable[]): void {
    const { store } = this.o;
    for (const t of tables) {
      const row = store.table(t.stateId);
      if (row.state === 'done') continue;
      const last = store.lastChunk(t.stateId);
      this.tables.push({
        t,
        name: qualified(t.source),
        pending: store.pendingChunks(t.stateId),
        plannedAll: row.planned_all === 1,
        cursor: row.plan_cursor && t.keyColumns.length ? decodeKey(row.plan_cursor) : null,
        nextSeq: last ? last.seq + 1 : 0,
        planning: null,
        active: 0,
        failed: false,
        completing: false,
      });
      if (row.state !== 'copying') store.setTable(t.stateId, { state: 'copying', started_at: Date.now() });
    }
  }

  /** Tables without a key take one worker each; keyed tables can use every worker. */
  maxUsefulWorkers(): number {
    return this.tables.some((r) => r.t.keyColumns.length > 0) ? Infinity : this.tables.length;
  }

  /** The next chunk to copy (counted active in its table), planning the next chunk when none is ready. */
  async next(src: SourceSession): Promise<{ rt: TableRuntime; chunk: ChunkRow } | null> {
    const { byTable } = this.o;
    for (;;) {
      if (this.o.stopping()) return null;
      const open = this.tables.filter((r) => !r.failed && (r.pending.length > 0 || !r.plannedAll));
      if (!open.length) return null;
      // Table by table: the first table with chunks left, waiting for its next chunk's plan rather than
      // starting another table; otherwise the least busy table first.
      if (!byTable) open.sort((a, b) => a.active - b.active);
      for (const rt of open) {
        if (rt.pending.length) {
          rt.active++;
          return { rt, chunk: rt.pending.shift()! };
        }
        if (!rt.plannedAll && !rt.planning) {
          rt.planning = this.planNext(src, rt).finally(() => (rt.planning = null));
          await rt.planning;
          break; // re-evaluate: the new chunk may be taken by this worker or another
        }
        if (byTable && rt.planning) {
          await rt.planning;
          break;
        }
      }
      const waits = open.filter((r) => r.planning).map((r) => r.planning!);
      if (waits.length && open.every((r) => !r.pending.length)) await Promise.race(waits);
    }
  }

  /** Plans a table's next chunk: the source finds its upper key; recorded in the state file before it is copied. */
  private async planNext(src: SourceSession, rt: TableRuntime): Promise<void> {
    const { t } = rt;
    let upper: RawRow | null = null;
    if (t.keyColumns.length) upper = await src.nextBoundary(t, rt.cursor, this.o.chunkRows);
    const last = upper === null;
    const chunk = this.o.store.addChunk(t.stateId, rt.nextSeq++, rt.cursor ? encodeKey(rt.cursor) : null, upper ? encodeKey(upper) : null, last);
    rt.cursor = upper;
    rt.plannedAll = last;
    rt.pending.push(chunk);
  }
}
