// Building a verification report (shared/verify.ts) as a run goes, its verdict, and its text for a
// terminal. Pure apart from reading the operator's user and host names.
import { operatorName } from '../core/operator.js';
import { summarize, type VerifyReport, type VerifyState, type VerifyTableResult } from '../../shared/verify.js';
import type { SinkDescriptor } from '../sink/driver.js';
import type { VerifyTable } from '../compare/chunk-checksum.js';
import { repairNote } from '../compare/repair-contract.js';

/** A new report of a job whose sink is of this kind (`repairOf`: the verification a repair started from). */
export function newReport(job: string, kind: SinkDescriptor, repairOf: number | null): VerifyReport {
  return {
    id: 0,
    job,
    sinkType: kind.kind,
    state: 'running',
    startedAt: Date.now(),
    finishedAt: null,
    sourcePosition: { start: null, end: null },
    whileStreaming: false,
    tables: [],
    summary: summarize([]),
    error: null,
    operator: operatorName(),
    repair: repairNote(kind),
    repairOf,
  };
}

export function newTableResult(t: VerifyTable, sink: string): VerifyTableResult {
  return {
    table: `${t.source.db}.${t.source.table}`,
    sink,
    state: 'pending',
    chunks: 0,
    chunksDone: 0,
    rechecked: 0,
    mismatchedChunks: 0,
    rowsSource: 0,
    rowsSink: 0,
    mismatches: [],
    truncated: false,
    keyless: !t.keyColumns.length,
    error: null,
    repaired: null,
  };
}

/** A finished table's state from what was found. */
export function tableVerdict(r: VerifyTableResult): VerifyTableResult['state'] {
  return r.mismatches.length || r.mismatchedChunks || r.truncated ? 'mismatch' : 'match';
}

/** The run's state once every table is done: any difference fails it; else any table error makes it an error. */
export function runVerdict(tables: VerifyTableResult[]): VerifyState {
  if (tables.some((t) => t.state === 'mismatch')) return 'fail';
  if (tables.some((t) => t.state === 'error' || t.state === 'pending' || t.state === 'running')) return 'error';
  return 'pass';
}

/** The exit code of `cutover verify` for a report's state. */
export function exitCodeOf(state: VerifyState): number {
  return state === 'pass' ? 0 : state === 'fail' ? 1 : state === 'stopped' ? 130 : 2;
}

const n = (x: number): string => x.toLocaleString('en-US');

function keyText(m: VerifyTableResult['mismatches'][number]): string {
  return Object.entries(m.key)
    .map(([k, v]) => `${k}=${v === null ? 'NULL' : JSON.stringify(v)}`)
    .join(', ');
}

/** One table's lines for a terminal. */
export function formatTable(r: VerifyTableResult, maxKeys = 20): string {
  const name = r.table === r.sink ? r.table : `${r.table} → ${r.sink}`;
  const chunks = `${n(r.chunks)} chunk${r.chunks === 1 ? '' : 's'}${r.rechecked ? `, ${n(r.rechecked)} rechecked` : ''}`;
  if (r.state === 'error') return `  ${name}: ERROR ${r.error ?? ''}`;
  if (r.state === 'match') return `  ${name}: match (${n(r.rowsSource)} rows, ${chunks})${r.repaired ? `; repaired ${n(r.repaired.rows)} row(s)` : ''}`;
  if (r.state !== 'mismatch') return `  ${name}: ${r.state}`;
  const count = `${n(r.mismatches.length)}${r.truncated ? '+' : ''} row${r.mismatches.length === 1 && !r.truncated ? '' : 's'} differ`;
  const lines = [`  ${name}: ${count} (source ${n(r.rowsSource)} rows, sink ${n(r.rowsSink)}; ${chunks}${r.keyless ? '; no key: compared as a multiset' : ''})`];
  for (const m of r.mismatches.slice(0, maxKeys)) lines.push(`      ${m.kind.padEnd(9)} ${keyText(m)}${m.count && m.count > 1 ? ` (${m.count} copies)` : ''}`);
  if (r.mismatches.length > maxKeys) lines.push(`      … and ${n(r.mismatches.length - maxKeys)} more (--json lists them all)`);
  if (r.truncated) lines.push('      (more rows differ than --max-rows lists)');
  return lines.join('\n');
}

/** The heading of a run, before its tables. */
export function formatHeading(r: VerifyReport): string {
  return `verification #${r.id} of job "${r.job}"${r.repairOf !== null ? ` (after repairing what #${r.repairOf} found)` : ''}${r.whileStreaming ? ' while the job streams' : ''}: ${r.tables.length} table(s)`;
}

/** The verdict line, with what to do next. */
export function formatVerdict(r: VerifyReport, jobPath: string): string {
  const s = r.summary;
  switch (r.state) {
    case 'pass':
      return `verdict: PASS — ${n(s.tables)} table(s), ${n(s.rowsSource)} rows, source and sink equal`;
    case 'fail':
      return (
        `verdict: FAIL — ${n(s.mismatched)} of ${n(s.tables)} table(s) differ (${n(s.mismatchedRows)} row(s) listed)` +
        (r.repair.available ? `; repair them with: cutover verify ${jobPath} --repair-from ${r.id}` : `; ${r.repair.note ?? ''}`)
      );
    case 'stopped':
      return 'verdict: STOPPED before every table was compared';
    default:
      return `verdict: ERROR — ${r.error ? r.error.message + (r.error.fix ? `\n  Fix: ${r.error.fix}` : '') : `${n(s.errors)} table(s) could not be compared`}`;
  }
}
