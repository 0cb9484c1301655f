// How a sink turns a batch of row changes (any tables, binlog order) into statements: changes of a table
// whose plan allows it are grouped and applied as each key's net effect, the others one statement per
// change in their order. Each sink brings its own statements; the grouping is the same for all.
import type { RowChange } from './changes.js';
import type { ApplyMode } from './checkpoint.js';

export interface StatementPlanner<P extends { netEffect: boolean }, S> {
  /** The statements of one change, on its own. */
  one(plan: P, change: RowChange, mode: ApplyMode): S[];
  /** The statements of a table's changes as each key's net effect. */
  net(plan: P, changes: readonly RowChange[], mode: ApplyMode): S[];
}

/** `netEffect` false: one statement per change for every table (e.g. replaying a batch statement by statement). */
export function planBatch<P extends { netEffect: boolean }, S>(changes: readonly RowChange[], planFor: (c: RowChange) => P, mode: ApplyMode, netEffect: boolean, planner: StatementPlanner<P, S>): S[] {
  const out: S[] = [];
  const grouped = new Map<P, RowChange[]>();
  for (const change of changes) {
    const plan = planFor(change);
    if (netEffect && plan.netEffect) {
      let list = grouped.get(plan);
      if (!list) grouped.set(plan, (list = []));
      list.push(change);
    } else out.push(...planner.one(plan, change, mode));
  }
  for (const [plan, list] of grouped) out.push(...planner.net(plan, list, mode));
  return out;
}

/**
 * Consecutive parts that share an apply mode, in order, each with its changes (a part without a mode takes
 * `mode`). A sink applies each run as its own net effect, one after the other in one transaction, so the
 * changes of a lenient run never hide a strict run's divergence and per-key order holds across runs. Pure.
 */
export function modeRuns<T extends { changes: RowChange[]; mode?: ApplyMode }>(parts: readonly T[], mode: ApplyMode): { mode: ApplyMode; changes: RowChange[] }[] {
  const out: { mode: ApplyMode; changes: RowChange[] }[] = [];
  for (const p of parts) {
    const m = p.mode ?? mode;
    const last = out[out.length - 1];
    if (last && last.mode === m) {
      for (const c of p.changes) last.changes.push(c);
    } else out.push({ mode: m, changes: [...p.changes] });
  }
  return out;
}

/**
 * A partitioned source's lenient message ('reconcile') that touches a table where a replace could remove
 * another row (a unique key besides the row's key) is applied strictly instead: that other row may hold the
 * value only because its own partition is ahead of this one, and removing it would lose it for good (in one
 * binlog stream its own later change would restore it; across partitions nothing does). A conflict then
 * pauses the partition, named, rather than changing a row silently. Changes `parts` in place (the sinks
 * name a refused message by its object).
 */
export function strictWhereReplaceUnsafe(parts: readonly { changes: RowChange[]; mode?: ApplyMode }[], replaceSafe: (c: RowChange) => boolean): void {
  for (const p of parts) if (p.mode === 'reconcile' && !p.changes.every(replaceSafe)) delete p.mode;
}
