// One table's type preview: a row per column (its MySQL type, the PostgreSQL type, an override), and the
// sample rows' values as the source holds them → as they land. A value the sink cannot hold is marked;
// one on which the copy would stop shows the sink's message.
import type { MappingPreview, MappingPreviewColumn, MappingPreviewSample } from '../../../../shared/mapping-preview';

export interface MappingPreviewTableProps {
  preview: MappingPreview;
  /** The draft's overrides, "db.table.column" → type. */
  types: Record<string, string>;
  errors: ReadonlyMap<string, string>;
  onType(column: string, type: string): void;
}

const shown = (v: string | null) => (v === null ? <span className="muted">NULL</span> : <code>{v}</code>);

function SampleCell({ s }: { s: MappingPreviewSample }) {
  return (
    <li className={s.problem ? 'text-error' : s.unholdable ? 'text-warn' : undefined} data-testid="pg-sample" data-unholdable={s.unholdable ? 'true' : undefined}>
      {shown(s.source)} → {s.problem ? <strong>stops the copy</strong> : shown(s.sink)}
      {s.unholdable && !s.problem && <span className="badge badge-warn">cannot hold: policy applied</span>}
      {s.problem && <p className="small">{s.problem}</p>}
    </li>
  );
}

function ColumnRow({ c, preview, types, errors, onType }: { c: MappingPreviewColumn } & MappingPreviewTableProps) {
  const key = `${preview.table}.${c.name}`;
  const field = `mapping.postgres.types.${key}`;
  const error = errors.get(field);
  const stops = c.samples.some((s) => s.problem);
  const bad = c.samples.filter((s) => s.unholdable).length;
  return (
    <tr data-testid={`pg-column-${c.name}`} data-unholdable={bad ? 'true' : undefined}>
      <th scope="row">
        <code>{c.name}</code>
        {c.key && <span className="badge badge-neutral">key</span>}
        {bad > 0 && <span className={`badge ${stops ? 'badge-error' : 'badge-warn'}`}>{stops ? `${bad} value(s) stop the copy` : `${bad} value(s) cannot be held`}</span>}
      </th>
      <td>
        <code>{c.sourceType}</code>
      </td>
      <td>
        {c.error ? <span className="text-error">{c.error}</span> : <code data-testid="pg-sink-type">{types[key]?.trim() || c.sinkType}</code>}
        <p className="small muted">{c.rule}</p>
      </td>
      <td>
        <input
          type="text"
          spellCheck={false}
          aria-label={`PostgreSQL type of ${c.name}`}
          aria-invalid={error ? true : undefined}
          data-testid={`field-${field}`}
          placeholder={c.sinkType ?? 'a PostgreSQL type'}
          value={types[key] ?? ''}
          onChange={(e) => onType(key, e.target.value)}
        />
        {error && <p className="small text-error">{error}</p>}
      </td>
      <td>
        <ul className="plain-list mapping-preview-samples">
          {c.samples.map((s, i) => (
            <SampleCell key={i} s={s} />
          ))}
        </ul>
      </td>
    </tr>
  );
}

export function MappingPreviewTable(props: MappingPreviewTableProps) {
  const { preview } = props;
  const stops = preview.columns.filter((c) => c.samples.some((s) => s.problem)).length;
  return (
    <div className="stack-small" data-testid="mapping-preview">
      <p className="small">
        <code>{preview.table}</code> → <code>{preview.sinkTable}</code>: {preview.rows === 0 ? 'the table has no rows to show' : `${preview.rows} row(s) read from the source`}
        {stops > 0 && (
          <span className="text-error" data-testid="mapping-preview-stops">
            {' '}
            — {stops} column(s) hold values the copy would stop on: change the policy above, override the type, or correct the rows.
          </span>
        )}
      </p>
      <div className="table-scroll">
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">Column</th>
              <th scope="col">MySQL type</th>
              <th scope="col">PostgreSQL type</th>
              <th scope="col">Override</th>
              <th scope="col">Sample values (source → PostgreSQL)</th>
            </tr>
          </thead>
          <tbody>
            {preview.columns.map((c) => (
              <ColumnRow key={c.name} c={c} {...props} />
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
