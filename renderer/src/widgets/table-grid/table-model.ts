// Pure sorting, filtering and windowing logic of the table grid (unit-tested without a DOM).
import type { TableStatus } from '../../../../shared/job-status.js';

export type SortKey =
  | 'table'
  | 'state'
  | 'rows'
  | 'eta'
  | 'rate'
  | 'chunks'
  | 'inserts'
  | 'updates'
  | 'deletes'
  | 'error';
export type SortDir = 'asc' | 'desc';
export interface SortSpec {
  key: SortKey;
  dir: SortDir;
}

/** The states a table goes through, in the order the state filter lists them. */
export const KNOWN_STATES = ['copying', 'pending', 'streaming', 'done', 'failed'] as const;

/** Sorting by state puts what needs attention first. */
const STATE_RANK: Record<string, number> = { failed: 0, copying: 1, streaming: 2, pending: 3, done: 4 };

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Text columns sort A→Z first; number columns largest first. */
export function defaultDir(key: SortKey): SortDir {
  return key === 'table' || key === 'state' || key === 'error' ? 'asc' : 'desc';
}

/** Compares two tables on one key, ascending; nulls (unknown ETA, no error) always sort last. */
function compareKey(a: TableStatus, b: TableStatus, key: SortKey): number | null {
  switch (key) {
    case 'table':
      return collator.compare(a.source, b.source);
    case 'state':
      return (STATE_RANK[a.state] ?? 5) - (STATE_RANK[b.state] ?? 5) || collator.compare(a.state, b.state);
    case 'rows':
      return a.rowsCopied - b.rowsCopied;
    case 'eta':
      return a.etaSeconds === null || b.etaSeconds === null ? null : a.etaSeconds - b.etaSeconds;
    case 'rate':
      return a.rowsPerSecond - b.rowsPerSecond;
    case 'chunks':
      return a.chunksDone - b.chunksDone;
    case 'inserts':
      return a.inserts - b.inserts;
    case 'updates':
      return a.updates - b.updates;
    case 'deletes':
      return a.deletes - b.deletes;
    case 'error':
      return a.error === null || b.error === null ? null : collator.compare(a.error, b.error);
  }
}

function nullOf(t: TableStatus, key: SortKey): boolean {
  return (key === 'eta' && t.etaSeconds === null) || (key === 'error' && t.error === null);
}

/** A new sorted array (stable; ties by table name). */
export function sortTables(tables: readonly TableStatus[], sort: SortSpec): TableStatus[] {
  const sign = sort.dir === 'asc' ? 1 : -1;
  return [...tables].sort((a, b) => {
    const an = nullOf(a, sort.key);
    const bn = nullOf(b, sort.key);
    if (an !== bn) return an ? 1 : -1;
    const c = an ? 0 : (compareKey(a, b, sort.key) ?? 0);
    return c !== 0 ? sign * c : collator.compare(a.source, b.source);
  });
}

/** Tables whose source or sink name contains `text` (case-insensitive) and whose state is `state` ('all': any). */
export function filterTables(tables: readonly TableStatus[], text: string, state: string): TableStatus[] {
  const needle = text.trim().toLowerCase();
  if (!needle && state === 'all') return tables as TableStatus[];
  return tables.filter(
    (t) =>
      (state === 'all' || t.state === state) &&
      (!needle || t.source.toLowerCase().includes(needle) || t.sink.toLowerCase().includes(needle)),
  );
}

export interface StateCounts {
  total: number;
  byState: Map<string, number>;
}

export function countStates(tables: readonly TableStatus[]): StateCounts {
  const byState = new Map<string, number>();
  for (const t of tables) byState.set(t.state, (byState.get(t.state) ?? 0) + 1);
  return { total: tables.length, byState };
}

/** The state filter's options: the known states, then any other state present. */
export function stateOptions(counts: StateCounts): string[] {
  const extra = [...counts.byState.keys()].filter((s) => !(KNOWN_STATES as readonly string[]).includes(s)).sort();
  return [...KNOWN_STATES, ...extra];
}

/** Which rows of a fixed-height list to render: [start, end) plus spacer heights above and below. */
export function visibleRange(
  count: number,
  rowHeight: number,
  scrollTop: number,
  viewportHeight: number,
  overscan: number,
): { start: number; end: number; padTop: number; padBottom: number } {
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const last = Math.ceil((Math.max(0, scrollTop) + Math.max(0, viewportHeight)) / rowHeight);
  const start = Math.max(0, Math.min(count, first - overscan));
  const end = Math.max(start, Math.min(count, last + overscan));
  return { start, end, padTop: start * rowHeight, padBottom: (count - end) * rowHeight };
}
