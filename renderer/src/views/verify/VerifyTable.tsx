// One table of a verification: its state, progress in key ranges, re-checks, row counts, and the rows
// that differ (missing on the sink, extra on the sink, or different, with what differs); the first
// SHOWN are listed, the rest open on request.
import { useState } from 'react';
import type { VerifyTableResult } from '../../../../shared/verify';
import { ProgressBar } from '../../components/ProgressBar';
import { StateBadge } from '../../components/StateBadge';
import { Time } from '../../components/Time';
import { formatCount, formatNumber } from '../../format';
import { MismatchRow } from './MismatchRow';

export { keyText } from './MismatchRow';
const SHOWN = 10;

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
  const [all, setAll] = useState(false);
  const shown = all ? t.mismatches : t.mismatches.slice(0, SHOWN);
  const more = t.mismatches.length - shown.length;
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
          {formatNumber(t.chunksDone)} / {formatCount(t.chunks, 'key range')}
          {t.rechecked > 0 && ` · ${formatNumber(t.rechecked)} re-checked`} · {formatCount(t.rowsSource, 'row')} on the source, {formatNumber(t.rowsSink)} on the sink
        </span>
      </div>
      {t.state === 'running' && <ProgressBar value={t.chunksDone} max={t.chunks} label={`${t.table}: ${t.chunksDone} of ${t.chunks} key ranges compared`} />}
      {t.error && <p className="field-error">{t.error}</p>}
      {t.keyless && <p className="small muted">No key: rows are compared as a whole (each named by a hash of its values, shown with the row); a repair empties the table on the sink and copies it again.</p>}
      {t.repaired && (
        <p className="small muted">
          Repaired <Time ms={t.repaired.at} relative />: {formatCount(t.repaired.rows, 'row')} written again.
        </p>
      )}
      {t.mismatches.length > 0 && (
        <ul className="mismatch-list" aria-label={`Rows of ${t.table} that differ`}>
          {shown.map((m, i) => (
            <MismatchRow key={i} m={m} keyless={t.keyless} />
          ))}
        </ul>
      )}
      {(more > 0 || t.truncated || all) && (
        <p className="small muted mismatch-more">
          {more > 0 && (
            <button type="button" className="btn btn-quiet" onClick={() => setAll(true)} data-testid="verify-show-all">
              Show {formatNumber(more)} more {more === 1 ? 'row' : 'rows'}
            </button>
          )}
          {all && t.mismatches.length > SHOWN && (
            <button type="button" className="btn btn-quiet" onClick={() => setAll(false)}>
              Show the first {SHOWN} only
            </button>
          )}
          {t.truncated && ' More rows differ than the report lists: repair these, then verify again to list the rest.'}
        </p>
      )}
    </li>
  );
}
