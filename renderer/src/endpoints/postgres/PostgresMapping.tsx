// The wizard's Mapping step for a PostgreSQL sink: what to do with values PostgreSQL cannot hold, and the
// type preview: per column of a selected table, the MySQL type → the PostgreSQL type by the sink's own
// rules, with a few real rows read from the source (each value as the source holds it and as it lands),
// values the sink cannot hold under the policy marked, and a type override per column.
import { useState } from 'react';
import type { MappingPreview } from '../../../../shared/mapping-preview';
import { UNHOLDABLE_POLICIES, UNHOLDABLE_TEXT, defaultPostgresMapping, type PostgresMapping as Settings, type UnholdableChoice } from '../../../../shared/wizard-postgres';
import { Button } from '../../components/Button';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field } from '../../components/Field';
import { useAction } from '../../components/useAction';
import { setEntry } from '../../views/wizard/wizard-model';
import type { StepProps } from '../../views/wizard/step-props';
import { MappingPreviewTable } from './MappingPreviewTable';

export function PostgresMapping({ api, draft, update, errors }: StepProps) {
  const m = draft.mapping.postgres ?? defaultPostgresMapping();
  const set = (patch: Partial<Settings>) => update((d) => ({ ...d, mapping: { ...d.mapping, postgres: { ...(d.mapping.postgres ?? defaultPostgresMapping()), ...patch } } }));
  const [table, setTable] = useState(draft.tables.selected[0] ?? '');
  const [preview, setPreview] = useState<MappingPreview | null>(null);
  const action = useAction();
  const show = async (t = table) => {
    const p = await action.run('preview', () => api.call('mappingPreview', draft, t));
    if (p) setPreview(p);
  };
  const setType = (column: string, type: string) => set({ types: setEntry(m.types, column, type) });
  return (
    <section className="panel stack" aria-labelledby="pg-mapping-title" data-testid="pg-mapping">
      <h3 id="pg-mapping-title" className="panel-title">
        PostgreSQL types and values
      </h3>
      <Field
        name="mapping.postgres.unholdable"
        label="Values PostgreSQL cannot hold (zero dates, NUL bytes in text)"
        hint="Never changed silently: by default the copy stops and names the row; the other choices are written to the job file."
      >
        {(p) => (
          <select {...p} value={m.unholdable} onChange={(e) => set({ unholdable: e.target.value as UnholdableChoice })}>
            {UNHOLDABLE_POLICIES.map((v) => (
              <option key={v} value={v}>
                {UNHOLDABLE_TEXT[v]}
              </option>
            ))}
          </select>
        )}
      </Field>
      <div className="form-actions">
        <Field name="pg-preview-table" label="Preview the table">
          {(p) => (
            <select {...p} value={table} onChange={(e) => setTable(e.target.value)}>
              {draft.tables.selected.slice(0, 1000).map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Button onClick={() => void show()} disabled={!table} busy={action.busy === 'preview'} data-testid="btn-mapping-preview">
          {preview?.table === table ? 'Show again' : 'Show types and sample values'}
        </Button>
      </div>
      <ErrorBanner error={action.error} onDismiss={action.clearError} title="Cannot read sample rows" />
      {preview && <MappingPreviewTable preview={preview} types={m.types} errors={errors} onType={setType} />}
    </section>
  );
}
