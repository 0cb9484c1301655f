// One table's mapping: a new name on the sink, columns left out (the key is always copied), and a row
// filter checked by the source (EXPLAIN) when the field is left.
import type { CatalogTable, WizardDraft } from '../../../../shared/wizard';
import { Field, FieldErrorText } from '../../components/Field';
import { fieldDomId } from '../../components/field-errors';
import { setEntry } from './wizard-model';
import type { FilterRecord } from './useServerChecks';

export interface TableMappingProps {
  name: string;
  table: CatalogTable | undefined;
  sinkName: string;
  draft: WizardDraft;
  update(fn: (d: WizardDraft) => WizardDraft): void;
  errors: ReadonlyMap<string, string>;
  /** The last answer of the source about this table's filter. */
  filter: FilterRecord | undefined;
  checking: boolean;
  onCheckFilter(where: string): void;
  /** MySQL sinks can rename tables; Kafka names topics by template. */
  canRename: boolean;
}

export function TableMapping({ name, table, sinkName, draft, update, errors, filter, checking, onCheckFilter, canRename }: TableMappingProps) {
  const m = draft.mapping;
  const excluded = new Set(m.excludeColumns[name] ?? []);
  const where = m.where[name] ?? '';
  const setMapping = (patch: Partial<WizardDraft['mapping']>) => update((d) => ({ ...d, mapping: { ...d.mapping, ...patch } }));
  const toggleColumn = (col: string, on: boolean) => {
    const cols = (m.excludeColumns[name] ?? []).filter((c) => c !== col);
    if (on) cols.push(col);
    setMapping({ excludeColumns: setEntry(m.excludeColumns, name, cols, (v) => v.length === 0) });
  };
  const excludeKey = `mapping.excludeColumns.${name}`;
  const whereKey = `mapping.where.${name}`;
  const checked = filter && filter.where === where;

  return (
    <div className="table-mapping stack-small" data-testid={`mapping-table-${name}`}>
      {canRename && (
        <Field name={`mapping.rename.${name}`} label={`Rename ${name} to`} error={errors.get(`mapping.rename.${name}`)} hint='Empty: keeps the name. Write "db.table".'>
          {(p) => (
            <input
              {...p}
              type="text"
              spellCheck={false}
              value={m.rename[name] ?? ''}
              placeholder={sinkName}
              onChange={(e) => setMapping({ rename: setEntry(m.rename, name, e.target.value.trim() ? e.target.value : '') })}
            />
          )}
        </Field>
      )}
      <fieldset id={fieldDomId(excludeKey)} className="field column-list" aria-describedby={errors.get(excludeKey) ? `${fieldDomId(excludeKey)}-error` : undefined}>
        <legend className="field-label">Columns copied</legend>
        {!table ? (
          <p className="small muted">The source's columns are not loaded.</p>
        ) : (
          <ul className="columns">
            {table.columns.map((c) => {
              const isKey = table.keyColumns.includes(c.name);
              const id = `${fieldDomId(excludeKey)}-${c.name}`;
              return (
                <li key={c.name}>
                  <input
                    id={id}
                    type="checkbox"
                    checked={!excluded.has(c.name)}
                    disabled={isKey}
                    aria-describedby={isKey ? `${id}-why` : undefined}
                    onChange={(e) => toggleColumn(c.name, !e.target.checked)}
                    data-testid={`column-${name}-${c.name}`}
                  />{' '}
                  <label htmlFor={id} className="mono">
                    {c.name}
                  </label>{' '}
                  <span className="muted small">{c.type}</span>
                  {isKey && (
                    <span id={`${id}-why`} className="small muted">
                      {' '}
                      — key column: always copied
                    </span>
                  )}
                </li>
              );
            })}
          </ul>
        )}
        <FieldErrorText id={`${fieldDomId(excludeKey)}-error`} name={excludeKey} error={errors.get(excludeKey)} />
      </fieldset>
      <Field
        name={whereKey}
        label="Row filter (optional)"
        error={errors.get(whereKey) ?? (checked && filter.error ? `The source refused it: ${filter.error}` : undefined)}
        hint="One SQL condition, e.g. created_at >= '2024-01-01'. Only matching rows are copied and streamed."
      >
        {(p) => (
          <textarea
            {...p}
            rows={2}
            spellCheck={false}
            value={where}
            onChange={(e) => setMapping({ where: setEntry(m.where, name, e.target.value) })}
            onBlur={() => where.trim() && !checked && onCheckFilter(where)}
          />
        )}
      </Field>
      <p className="small" role="status" data-testid={`filter-check-${name}`}>
        {checking ? 'Asking the source to plan the filter…' : checked && !filter.error ? '✓ The source accepts this filter.' : ''}
      </p>
    </div>
  );
}
