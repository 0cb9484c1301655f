// One table of a verification: its state, progress in key ranges, re-checks, row counts, and the row
// keys that differ (missing on the sink, extra on the sink, or different).
import type { RowMismatch, VerifyTableResult } from '../../../../shared/verify';
import { ProgressBar } from '../../components/ProgressBar';
import { StateBadge } from '../../components/StateBadge';
import { Time } from '../../components/Time';
import { formatNumber } from '../../format';

const KIND_TEXT: Record<RowMismatch['kind'], string> = { missing: 'missing on the sink', extra: 'extra on the sink', different: 'different' };
const SHOWN = 50;

/** "id = 5, region = eu" (NULL for SQL NULL). */
export function keyText(key: RowMismatch['key']): string {
  return Object.entries(key)
    .map(([col, v]) => `${col} = ${v === null ? 'NULL' : v}`)
    .join(', ');
}

export function tableVerdict(t: VerifyTableResult): string {
  switch (t.state) {
    case 'match':
      return 'match';
    case 'mismatch': {
      const n = t.mismatches.length;
      return `${t.truncated ? 'more than ' : ''}${formatNumber(n)} ${n === 1 && !t.truncated ? 'row differs' : 'rows differ'}`;
    }
    case 'error':
      return 'error';
    case 'running':
      return 'comparing…';
    default:
      return 'waiting';
  }
}

export function VerifyTable({ t }: { t: VerifyTableResult }) {
  return (
    <li className={`verify-table verify-${t.state}`} data-testid={`verify-table-${t.table}`} data-state={t.state}>
      <div className="verify-table-head">
        <span className="mono">{t.table}</span>
        {t.sink !== t.table && <span className="muted small"> → {t.sink}</span>}
        <StateBadge state={t.state} />
        <span className="verify-verdict" data-testid="verify-verdict">
          {tableVerdict(t)}
        </span>
        <span className="small muted num">
          {formatNumber(t.chunksDone)} / {formatNumber(t.chunks)} key ranges
          {t.rechecked > 0 && ` · ${formatNumber(t.rechecked)} re-checked`} · {formatNumber(t.rowsSource)} rows on the source, {formatNumber(t.rowsSink)} on the sink
        </span>
      </div>
      {t.state === 'running' && <ProgressBar value={t.chunksDone} max={t.chunks} label={`${t.table}: ${t.chunksDone} of ${t.chunks} key ranges compared`} />}
      {t.error && <p className="field-error">{t.error}</p>}
      {t.keyless && <p className="small muted">No key: rows are compared as a whole; a repair empties the table on the sink and copies it again.</p>}
      {t.repaired && (
        <p className="small muted">
          Repaired <Time ms={t.repaired.at} relative />: {formatNumber(t.repaired.rows)} rows written again.
        </p>
      )}
      {t.mismatches.length > 0 && (
        <ul className="mismatch-list" aria-label={`Rows of ${t.table} that differ`}>
          {t.mismatches.slice(0, SHOWN).map((m, i) => (
            <li key={i} data-testid="verify-mismatch-key" data-kind={m.kind}>
              <span className={`badge ${m.kind === 'different' ? 'badge-warn' : 'badge-error'}`}>{KIND_TEXT[m.kind]}</span> <code>{keyText(m.key)}</code>
            </li>
          ))}
          {(t.mismatches.length > SHOWN || t.truncated) && (
            <li className="small muted">
              {t.mismatches.length > SHOWN && `and ${formatNumber(t.mismatches.length - SHOWN)} more listed`}
              {t.truncated && ' — more rows differ than the report lists'}
            </li>
          )}
        </ul>
      )}
    </li>
  );
}
