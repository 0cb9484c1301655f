// One differing row of a verification: its kind and key, then what differs — for a row on both sides,
// the columns whose values differ (source and sink side by side); for a row on one side only, or a row
// of a table without a key (named by its hash), the row's values.
import type { RowMismatch } from '../../../../shared/verify';
import { formatCount } from '../../format';

const KIND_TEXT: Record<RowMismatch['kind'], string> = { missing: 'missing on the sink', extra: 'extra on the sink', different: 'different' };

/** "id = 5, region = eu" (NULL for SQL NULL). */
export function keyText(key: RowMismatch['key']): string {
  return Object.entries(key)
    .map(([col, v]) => `${col} = ${v === null ? 'NULL' : v}`)
    .join(', ');
}

function Value({ v }: { v: string | null }) {
  return v === null ? <span className="muted">NULL</span> : <>{v}</>;
}

export function MismatchRow({ m, keyless }: { m: RowMismatch; keyless: boolean }) {
  const where = m.kind === 'extra' ? 'sink' : 'source';
  return (
    <li className="mismatch" data-testid="verify-mismatch" data-kind={m.kind}>
      <div data-testid="verify-mismatch-key" data-kind={m.kind}>
        <span className={`badge ${m.kind === 'different' ? 'badge-warn' : 'badge-error'}`}>{KIND_TEXT[m.kind]}</span>{' '}
        {keyless ? (
          <span className="small muted">
            row{m.count && m.count > 1 ? ` (${formatCount(m.count, 'copy', 'copies')} more)` : ''} <code title={`row hash ${m.key.row ?? ''}`}>#{(m.key.row ?? '').slice(0, 8)}</code>
          </span>
        ) : (
          <code>{keyText(m.key)}</code>
        )}
      </div>
      {m.columns && m.columns.length > 0 && (
        <table className="mismatch-columns" data-testid="verify-mismatch-columns">
          <thead>
            <tr>
              <th scope="col">Column</th>
              <th scope="col">Source</th>
              <th scope="col">Sink</th>
            </tr>
          </thead>
          <tbody>
            {m.columns.map((c) => (
              <tr key={c.name}>
                <th scope="row" className="mono">
                  {c.name}
                </th>
                <td className="mono">
                  <Value v={c.source} />
                </td>
                <td className="mono">
                  <Value v={c.sink} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {m.values && (
        <dl className="mismatch-values" data-testid="verify-mismatch-values" aria-label={`The row on the ${where}`}>
          {Object.entries(m.values).map(([col, v]) => (
            <div key={col}>
              <dt className="mono">{col}</dt>
              <dd className="mono">
                <Value v={v} />
              </dd>
            </div>
          ))}
        </dl>
      )}
    </li>
  );
}
