// The Mapping step: new names for databases (and tables) on the sink, columns left out and row filters
// per table, and, for Kafka, topics and message format with a sample message. Tables are listed a page
// at a time; those with problems come first and open.
import { useMemo, useState } from 'react';
import type { CatalogTable } from '../../../../shared/wizard';
import { catalogTable, sinkIsSource, sinkKind, sinkNames } from '../../../../shared/wizard';
import { Button } from '../../components/Button';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field } from '../../components/Field';
import { SearchField } from '../../components/ToolbarField';
import { toApiError } from '../../api/errors';
import type { ApiError } from '../../../../shared/api';
import { formatNumber } from '../../format';
import { endpointUi } from '../../endpoints/registry';
import { useSinkKinds } from '../../sink-kinds';
import type { StepProps } from './step-props';
import { TableMapping } from './TableMapping';
import type { ServerChecks } from './useServerChecks';
import { setEntry, toggled } from './wizard-model';

const PAGE = 25;

export function MappingStep(props: StepProps & { checks: ServerChecks }) {
  const { draft, update, errors, ctx, checks } = props;
  const [search, setSearch] = useState('');
  const [page, setPage] = useState(0);
  const [open, setOpen] = useState<ReadonlySet<string>>(() => new Set());
  const [checking, setChecking] = useState<ReadonlySet<string>>(() => new Set());
  const [checkError, setCheckError] = useState<ApiError | null>(null);
  const kind = sinkKind(draft, ctx);
  const sinkKinds = useSinkKinds(props.api);
  // Names on the sink: a sink that names things its own way (Kafka topics) has no renames.
  const canRename = sinkKinds.of(kind)?.capabilities.rename ?? true;
  const KindMapping = endpointUi(kind)?.Mapping;
  const names = useMemo(() => sinkNames(draft), [draft]);
  const dbs = useMemo(() => [...new Set(draft.tables.selected.map((n) => n.slice(0, n.indexOf('.'))))], [draft.tables.selected]);

  const errorTables = useMemo(() => {
    const keys = [...errors.keys()];
    return new Set(draft.tables.selected.filter((t) => keys.some((k) => k.endsWith(`.${t}`))));
  }, [errors, draft.tables.selected]);
  const hasError = (t: string) => errorTables.has(t);
  const tables = useMemo(() => {
    const q = search.trim().toLowerCase();
    const list = draft.tables.selected.filter((t) => !q || t.toLowerCase().includes(q));
    return [...list.filter((t) => errorTables.has(t)), ...list.filter((t) => !errorTables.has(t))];
  }, [draft.tables.selected, search, errorTables]);
  const pages = Math.max(1, Math.ceil(tables.length / PAGE));
  const current = Math.min(page, pages - 1);
  const shown = tables.slice(current * PAGE, current * PAGE + PAGE);

  const checkFilter = async (table: string, where: string) => {
    if (!draft.source.profile) return;
    setChecking((s) => new Set(s).add(table));
    setCheckError(null);
    try {
      await checks.checkFilter(draft.source.profile, table, where);
    } catch (e) {
      setCheckError(toApiError(e));
    } finally {
      setChecking((s) => new Set([...s].filter((t) => t !== table)));
    }
  };
  const toggleOpen = (t: string) => setOpen((s) => toggled(s, t));

  return (
    <section className="wizard-step stack" aria-labelledby="step-title" data-testid="wizard-panel-mapping">
      <h2 id="step-title" className="step-title">
        How should it look on the sink?
      </h2>
      <ErrorBanner error={checkError} onDismiss={() => setCheckError(null)} title="Cannot check the row filter" />
      {canRename && (
        <section className="panel stack-small" aria-labelledby="db-rename-title">
          <h3 id="db-rename-title" className="panel-title">
            Databases
          </h3>
          {sinkIsSource(draft, ctx) && (
            <p className="small" data-testid="mapping-sink-is-source">
              The sink is the source server itself: give each database a new name (a table can be renamed on its own below).
            </p>
          )}
          <div className="form-grid">
            {dbs.map((db) => (
              <Field key={db} name={`mapping.rename.${db}`} label={`Rename database ${db} to`} error={errors.get(`mapping.rename.${db}`)}>
                {(p) => (
                  <input
                    {...p}
                    type="text"
                    spellCheck={false}
                    value={draft.mapping.rename[db] ?? ''}
                    placeholder={db}
                    onChange={(e) => update((d) => ({ ...d, mapping: { ...d.mapping, rename: setEntry(d.mapping.rename, db, e.target.value) } }))}
                  />
                )}
              </Field>
            ))}
          </div>
        </section>
      )}
      {KindMapping && <KindMapping {...props} />}
      <section className="panel stack-small" aria-labelledby="table-map-title">
        <h3 id="table-map-title" className="panel-title">
          Tables <span className="muted num">({formatNumber(draft.tables.selected.length)})</span>
        </h3>
        <div className="toolbar tables-toolbar">
          <SearchField label="Find a table" value={search} placeholder="db.table" onChange={(v) => {
              setSearch(v);
              setPage(0);
            }} controls="mapping-tables" />
          <span className="toolbar-status">
            {tables.length > PAGE ? `${current * PAGE + 1}–${Math.min(tables.length, (current + 1) * PAGE)} of ${formatNumber(tables.length)}` : `${formatNumber(tables.length)} shown`}
          </span>
          {pages > 1 && (
            <>
              <Button variant="quiet" onClick={() => setPage(current - 1)} disabled={current === 0} data-testid="mapping-prev-page">
                Previous
              </Button>
              <Button variant="quiet" onClick={() => setPage(current + 1)} disabled={current >= pages - 1} data-testid="mapping-next-page">
                Next page
              </Button>
            </>
          )}
        </div>
        <ul id="mapping-tables" className="mapping-list">
          {shown.map((t) => {
            const isOpen = open.has(t) || hasError(t);
            const cat: CatalogTable | undefined = catalogTable(ctx, t);
            const excluded = draft.mapping.excludeColumns[t]?.length ?? 0;
            const filtered = !!draft.mapping.where[t]?.trim();
            return (
              <li key={t} className="mapping-item">
                <button type="button" className="mapping-toggle" aria-expanded={isOpen} onClick={() => toggleOpen(t)} data-testid={`mapping-toggle-${t}`}>
                  <span aria-hidden="true">{isOpen ? '▾' : '▸'}</span> <span className="mono">{t}</span>
                  {canRename && names.get(t) !== t && <span className="muted"> → {names.get(t)}</span>}
                  {excluded > 0 && <span className="badge badge-neutral">{excluded} excluded</span>}
                  {filtered && <span className="badge badge-info">filtered</span>}
                  {hasError(t) && <span className="badge badge-error">needs a fix</span>}
                </button>
                {isOpen && (
                  <TableMapping
                    name={t}
                    table={cat}
                    sinkName={names.get(t) ?? t}
                    draft={draft}
                    update={update}
                    errors={errors}
                    filter={checks.checks.filters[t]}
                    checking={checking.has(t)}
                    onCheckFilter={(where) => void checkFilter(t, where)}
                    canRename={canRename}
                  />
                )}
              </li>
            );
          })}
        </ul>
      </section>
    </section>
  );
}
