// The Tables step: the source's databases and tables with row estimates, sizes and warnings; a search,
// "Select by pattern" (the pattern is kept in the job, so tables created later that match are copied
// too), a tri-state checkbox per database, and the totals of the selection. The list is virtualized
// (only the rows in view are rendered), so thousands of tables stay quick.
import { useCallback, useMemo, useState } from 'react';
import type { CatalogTable } from '../../../../shared/wizard';
import { qualifiedName, tablesMatching, withPattern, withSelection } from '../../../../shared/wizard';
import { Button } from '../../components/Button';
import { ErrorBanner } from '../../components/ErrorBanner';
import { FieldErrorText } from '../../components/Field';
import { fieldDomId } from '../../components/field-errors';
import { SearchField, ToolbarField } from '../../components/ToolbarField';
import type { Loaded } from '../../components/useLoad';
import { formatBytes, formatCount, formatNumber } from '../../format';
import { CatalogList } from './CatalogList';
import { groupCatalog, searchCatalog, selectionTotals } from './catalog-model';
import type { StepProps } from './step-props';

export function TablesStep({ draft, update, errors, catalog }: StepProps & { catalog: Loaded<CatalogTable[]> }) {
  const [search, setSearch] = useState('');
  const [pattern, setPattern] = useState('');
  const [patternResult, setPatternResult] = useState<string | null>(null);
  const tables = catalog.data;
  const selected = useMemo(() => new Set(draft.tables.selected), [draft.tables.selected]);
  const groups = useMemo(() => groupCatalog(tables ?? []), [tables]);
  const shown = useMemo(() => searchCatalog(groups, search), [groups, search]);
  const totals = useMemo(() => selectionTotals(tables ?? [], selected), [tables, selected]);
  const missing = useMemo(() => {
    if (!tables) return [];
    const known = new Set(tables.map(qualifiedName));
    return draft.tables.selected.filter((n) => !known.has(n));
  }, [tables, draft.tables.selected]);

  const toggle = useCallback((names: string[], on: boolean) => update((d) => ({ ...d, tables: withSelection(d.tables, names, on) })), [update]);
  const patterns = draft.tables.patterns ?? [];

  const addPattern = () => {
    if (!tables) return;
    const names = tablesMatching(tables, pattern);
    const added = names.filter((n) => !selected.has(n)).length;
    update((d) => ({ ...d, tables: withPattern(d.tables, pattern, names) }));
    setPatternResult(
      names.length === 0
        ? `No table matches "${pattern.trim()}". Use "db.*", "db.table" or "/regex/".`
        : `${formatNumber(names.length)} ${names.length === 1 ? 'table matches' : 'tables match'}; ${formatNumber(added)} added to the selection. The job keeps the pattern: tables created later that match it are copied too.`,
    );
  };
  const shownNames = () => shown.flatMap((g) => g.tables.map(qualifiedName));

  return (
    <section className="wizard-step" aria-labelledby="step-title" data-testid="wizard-panel-tables">
      <h2 id="step-title" className="step-title">
        Which tables?
      </h2>
      <ErrorBanner error={catalog.error} title={`Cannot read the tables of ${draft.source.profile ?? 'the source'}`} />
      {catalog.loading && !tables && (
        <p className="muted" role="status">
          Reading the databases and tables of {draft.source.profile}…
        </p>
      )}
      {tables && (
        <>
          <div className="toolbar tables-toolbar">
            <SearchField label="Search" value={search} placeholder="db or table name" onChange={setSearch} controls="catalog-list" />
            <form
              className="pattern-form"
              onSubmit={(e) => {
                e.preventDefault();
                addPattern();
              }}
            >
              <ToolbarField label="Select by pattern">
                <input type="text" value={pattern} placeholder="shop.*, db.table or /regex/" onChange={(e) => setPattern(e.target.value)} spellCheck={false} data-testid="tables-pattern" />
              </ToolbarField>
              <Button type="submit" disabled={!pattern.trim()} data-testid="tables-pattern-add">
                Select matching
              </Button>
            </form>
          </div>
          {patternResult && (
            <p className="small" role="status" data-testid="tables-pattern-result">
              {patternResult}
            </p>
          )}
          {patterns.length > 0 && (
            <div className="toolbar" data-testid="tables-patterns">
              <span className="small">Patterns kept in the job (tables created later that match are copied too):</span>
              {patterns.map((p) => (
                <span key={p} className="badge badge-info">
                  <code>{p}</code>{' '}
                  <Button
                    variant="quiet"
                    aria-label={`Keep the tables ${p} matches now, without the pattern`}
                    onClick={() => update((d) => ({ ...d, tables: { ...d.tables, patterns: (d.tables.patterns ?? []).filter((x) => x !== p) } }))}
                    data-testid={`tables-pattern-remove-${p}`}
                  >
                    ✕
                  </Button>
                </span>
              ))}
            </div>
          )}
          <div className="toolbar tables-toolbar">
            <p className="toolbar-status" data-testid="tables-summary" aria-live="polite">
              <strong>{formatNumber(totals.tables)}</strong> of {formatNumber(tables.length)} tables selected · ~{formatCount(totals.rows, 'row')} · {formatBytes(totals.bytes)} of data
            </p>
            <Button variant="quiet" onClick={() => toggle(shownNames(), true)} disabled={!shown.length} data-testid="tables-select-shown">
              {search.trim() ? 'Select the tables found' : 'Select all'}
            </Button>
            <Button variant="quiet" onClick={() => update((d) => ({ ...d, tables: { selected: [] } }))} disabled={!draft.tables.selected.length} data-testid="tables-clear">
              Clear the selection
            </Button>
            <Button variant="quiet" onClick={catalog.reload} busy={catalog.loading} data-testid="tables-reload">
              Read again
            </Button>
          </div>
          <div id={fieldDomId('tables.selected')} tabIndex={-1}>
            <FieldErrorText id={`${fieldDomId('tables.selected')}-error`} name="tables.selected" error={errors.get('tables.selected')} />
            {missing.length > 0 && (
              <Button onClick={() => toggle(missing, false)} data-testid="tables-unselect-missing">
                Unselect the {formatNumber(missing.length)} {missing.length === 1 ? 'table' : 'tables'} not on this source
              </Button>
            )}
          </div>
          {tables.length === 0 ? (
            <p className="widget-empty panel">This source has no tables outside the system databases. Create them, or choose another source.</p>
          ) : (
            <CatalogList id="catalog-list" groups={shown} all={groups} selected={selected} onToggle={toggle} searching={search.trim() !== ''} />
          )}
        </>
      )}
    </section>
  );
}
