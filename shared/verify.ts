// Verification: source vs. sink, per primary-key range, computed by each server; the report names the
// row keys that differ, and a repair copies only those rows again. Written by `cutover verify` (and the
// dashboard's Verify button, which runs the same command) into the state file as it goes.

/** One row key that differs. Values as display text; `hex` is the exact bytes (null for NULL), used by repair. */
export interface RowMismatch {
  /** Key column → value as text (bytes decoded as UTF-8, invalid sequences shown as \xNN). */
  key: Record<string, string | null>;
  /** The key's exact bytes per key column, hex (null: SQL NULL). */
  hex: (string | null)[];
  /** missing: on the source, not on the sink; extra: on the sink, not on the source; different: both, with other values. */
  kind: 'missing' | 'extra' | 'different';
  /** A table without a key (key {"row": hash}): how many more copies of this row one side has. */
  count?: number;
  /**
   * The row's values (column → text, long values cut) on the side that holds it: the source for
   * `missing`, the sink for `extra`; for a keyless table the row itself. Absent when not read (only the
   * first DESCRIBED_ROWS rows of a table are read back).
   */
  values?: Record<string, string | null>;
  /** A `different` row: the columns whose values differ, source and sink side by side (text, long values cut). */
  columns?: ColumnDifference[];
}

export interface ColumnDifference {
  name: string;
  source: string | null;
  sink: string | null;
}

/** How many differing rows per table have their values read back for the report. */
export const DESCRIBED_ROWS = 200;
/** Longest value text shown in a report (longer values end in "…"). */
export const VALUE_TEXT_MAX = 200;

export type VerifyTableState = 'pending' | 'running' | 'match' | 'mismatch' | 'error';

export interface VerifyTableResult {
  /** The source table, "db.table". */
  table: string;
  /** Where its rows are on the sink: "db.table" (MySQL) or the topic (Kafka). */
  sink: string;
  state: VerifyTableState;
  /** Key ranges compared (a table without a key is one range). */
  chunks: number;
  chunksDone: number;
  /** Chunks that differed at first and were compared again (the stream was still applying changes to them). */
  rechecked: number;
  /** Chunks that still differ after the re-checks. */
  mismatchedChunks: number;
  rowsSource: number;
  rowsSink: number;
  /** The differing rows, at most `maxRows` per table (see `truncated`). */
  mismatches: RowMismatch[];
  /** More rows differ than were listed. */
  truncated: boolean;
  /** A table without a key: rows are compared as a multiset; repair empties and copies it again. */
  keyless: boolean;
  error: string | null;
  /** When this table was last repaired (unix ms), and how many rows that rewrote. */
  repaired: { at: number; rows: number } | null;
}

export type VerifyState = 'running' | 'pass' | 'fail' | 'error' | 'stopped';

export interface VerifyReport {
  /** The verification's id in the state file. */
  id: number;
  job: string;
  /** The kind of the job's sink when it ran ("mysql", "kafka", …: the engine's sink registry knows what each can do). */
  sinkType: string;
  state: VerifyState;
  startedAt: number;
  finishedAt: number | null;
  /** Where the source's binlog stood when the comparison began and ended (text, e.g. "mysql-bin.000003:1234"). */
  sourcePosition: { start: string | null; end: string | null };
  /** The comparison ran while the job was streaming: differing chunks were compared again once the sink had caught up. */
  whileStreaming: boolean;
  tables: VerifyTableResult[];
  /** Totals over the tables. */
  summary: { tables: number; matched: number; mismatched: number; errors: number; rowsSource: number; rowsSink: number; mismatchedRows: number };
  /** Why the run failed as a whole (a connection, a missing privilege), with the fix. */
  error: { message: string; fix: string | null } | null;
  /** Operator and machine that ran it ("alice@laptop"). */
  operator: string;
  /** Whether `cutover verify --repair-from ID` can repair what this report found, and if not, why. */
  repair: { available: boolean; note: string | null };
  /** This verification checked the tables a repair rewrote: the id of the verification that repair started from. */
  repairOf: number | null;
  /** Which tables it compared: every table of the job, or some (named ones, or a repair's). Absent in older reports: all unless repairOf. */
  covered?: 'all' | 'some';
}

/**
 * Why Repair cannot run now, said before it is asked for (null: it can): a table without a key is
 * repaired by copying it again, which cannot be done while the job's process runs.
 */
export function keylessRepairBlock(r: Pick<VerifyReport, 'tables'>, jobRunning: boolean): string | null {
  if (!jobRunning) return null;
  const keyless = r.tables.filter((t) => t.keyless && t.state === 'mismatch').map((t) => t.table);
  if (!keyless.length) return null;
  return (
    `${keyless.join(', ')} ${keyless.length > 1 ? 'have' : 'has'} no primary or unique key: a repair copies such a table again, ` +
    'which cannot be done while the job runs (replaying an insert is not idempotent). Pause the job, then repair.'
  );
}

/** One verification run of a job's history: what it covered and what it found. */
export interface VerifyRunSummary {
  id: number;
  state: VerifyState;
  startedAt: number;
  finishedAt: number | null;
  covered: 'all' | 'some';
  repairOf: number | null;
  tables: number;
  matched: number;
  mismatched: number;
  errors: number;
  mismatchedRows: number;
}

/** Which tables a report compared (older reports lack `covered`: a repair's re-check covered some). */
export function coverageOf(r: Pick<VerifyReport, 'covered' | 'repairOf'>): 'all' | 'some' {
  return r.covered ?? (r.repairOf !== null ? 'some' : 'all');
}

export function runSummary(r: VerifyReport): VerifyRunSummary {
  const s = r.summary;
  return {
    id: r.id,
    state: r.state,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    covered: coverageOf(r),
    repairOf: r.repairOf,
    tables: s.tables,
    matched: s.matched,
    mismatched: s.mismatched,
    errors: s.errors,
    mismatchedRows: s.mismatchedRows,
  };
}

/**
 * Whether the job is verified: its newest run passed and compared every table, or it re-checked the
 * tables a repair rewrote and the run it repaired (a full one) found nothing else wrong. `runs`: newest first.
 */
export function verifiedState(runs: readonly VerifyRunSummary[]): { verified: boolean; full: VerifyRunSummary | null } {
  const latest = runs[0];
  if (!latest) return { verified: false, full: null };
  if (latest.covered === 'all') return { verified: latest.state === 'pass', full: latest };
  let run: VerifyRunSummary | undefined = latest;
  // Follow the chain of repairs back to the full run they started from.
  const byId = new Map(runs.map((r) => [r.id, r]));
  while (run && run.covered !== 'all') run = run.repairOf !== null ? byId.get(run.repairOf) : undefined;
  if (!run) return { verified: false, full: null };
  const onlyDifferences = run.errors === 0;
  return { verified: latest.state === 'pass' && latest.repairOf !== null && onlyDifferences, full: run };
}

export function emptySummary(): VerifyReport['summary'] {
  return { tables: 0, matched: 0, mismatched: 0, errors: 0, rowsSource: 0, rowsSink: 0, mismatchedRows: 0 };
}

/** Sums the per-table results into the report's summary. */
export function summarize(tables: VerifyTableResult[]): VerifyReport['summary'] {
  const s = emptySummary();
  for (const t of tables) {
    s.tables++;
    if (t.state === 'match') s.matched++;
    else if (t.state === 'mismatch') s.mismatched++;
    else if (t.state === 'error') s.errors++;
    s.rowsSource += t.rowsSource;
    s.rowsSink += t.rowsSink;
    s.mismatchedRows += t.mismatches.length;
  }
  return s;
}

/** Adds a differing row to a table's result unless it already lists `maxRows` (then marks it truncated); false when it did not. */
export function recordMismatch(r: VerifyTableResult, m: RowMismatch, maxRows: number): boolean {
  if (r.mismatches.length >= maxRows) {
    r.truncated = true;
    return false;
  }
  r.mismatches.push(m);
  return true;
}
