// The job's verification runs, newest first: what each compared (every table, selected tables, or the
// tables a repair rewrote) and what it found.
import type { VerifyRunSummary } from '../../../../shared/verify';
import { StateBadge } from '../../components/StateBadge';
import { Time } from '../../components/Time';
import { formatCount, formatNumber } from '../../format';

/** "every table (5)", "the 1 table repaired after #3", "2 selected tables". */
export function coverageText(r: VerifyRunSummary): string {
  if (r.repairOf !== null) return `the ${r.tables === 1 ? 'table' : `${formatNumber(r.tables)} tables`} repaired after #${r.repairOf}`;
  if (r.covered === 'some') return `${formatCount(r.tables, 'selected table')}`;
  return `every table (${formatNumber(r.tables)})`;
}

/** "4 of 5 match, 1 differs (3 rows)". */
export function findingText(r: VerifyRunSummary): string {
  if (r.state === 'running') return 'running';
  const parts = [`${formatNumber(r.matched)} of ${formatNumber(r.tables)} match`];
  if (r.mismatched) parts.push(`${formatNumber(r.mismatched)} ${r.mismatched === 1 ? 'differs' : 'differ'} (${formatCount(r.mismatchedRows, 'row')})`);
  if (r.errors) parts.push(`${formatNumber(r.errors)} failed`);
  return parts.join(', ');
}

export function VerifyHistory({ runs }: { runs: VerifyRunSummary[] }) {
  return (
    <details data-testid="verify-history">
      <summary>History: {formatCount(runs.length, 'run')}</summary>
      <ol className="verify-history" reversed>
        {runs.map((r) => (
          <li key={r.id} data-testid={`verify-run-${r.id}`}>
            <span className="num">#{r.id}</span> <StateBadge state={r.state} /> <Time ms={r.startedAt} /> · compared {coverageText(r)} · {findingText(r)}
          </li>
        ))}
      </ol>
    </details>
  );
}
