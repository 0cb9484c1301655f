// The Review step: everything the job will do in words (source, sink, tables with their rows, renames,
// exclusions, filters, options), the time estimate and the job file. "Start migration" is the wizard's
// last button.
import { useMemo } from 'react';
import { sinkKind, sinkNames } from '../../../../shared/wizard';
import { KeyValue } from '../../components/KeyValue';
import { endpointUi } from '../../endpoints/registry';
import { useSinkKinds } from '../../sink-kinds';
import { formatBytes, formatCount, formatNumber } from '../../format';
import { selectionTotals } from './catalog-model';
import { EstimatePanel, ExportPanel } from './ReviewExport';
import type { StepProps } from './step-props';

const SHOWN = 20;

function Listed({ items, empty, testId }: { items: string[]; empty: string; testId: string }) {
  if (!items.length) return <span className="muted">{empty}</span>;
  return (
    <ul className="plain-list" data-testid={testId}>
      {items.slice(0, SHOWN).map((i) => (
        <li key={i}>{i}</li>
      ))}
      {items.length > SHOWN && <li className="muted">and {formatNumber(items.length - SHOWN)} more</li>}
    </ul>
  );
}

export function ReviewStep({ api, draft, ctx }: StepProps) {
  const profile = (name: string | null) => ctx.profiles.find((p) => p.profile.name === name);
  const source = profile(draft.source.profile);
  const sink = profile(draft.sink.profile);
  const kind = sinkKind(draft, ctx);
  const sinkKinds = useSinkKinds(api);
  const caps = sinkKinds.of(kind)?.capabilities;
  const KindReview = endpointUi(kind)?.Review;
  const m = draft.mapping;
  const o = draft.options;
  const totals = useMemo(() => selectionTotals(ctx.catalog ?? [], new Set(draft.tables.selected)), [ctx.catalog, draft.tables.selected]);
  const names = sinkNames(draft);
  // Database renames once each, then the tables renamed on their own.
  const dbs = new Set(draft.tables.selected.map((t) => t.slice(0, t.indexOf('.'))));
  const renames =
    caps && !caps.rename
      ? []
      : [
          ...Object.entries(m.rename)
            .filter(([from, to]) => !from.includes('.') && dbs.has(from) && to && to !== from)
            .map(([from, to]) => `database ${from} → ${to}`),
          ...Object.entries(m.rename)
            .filter(([from, to]) => from.includes('.') && names.has(from) && to && to !== from)
            .map(([from, to]) => `${from} → ${to}`),
        ];
  const exclusions = Object.entries(m.excludeColumns)
    .filter(([t, c]) => c.length && names.has(t))
    .map(([t, c]) => `${t}: ${c.join(', ')}`);
  const filters = Object.entries(m.where)
    .filter(([t, w]) => w.trim() && names.has(t))
    .map(([t, w]) => `${t}: ${w.trim()}`);

  return (
    <section className="wizard-step stack" aria-labelledby="step-title" data-testid="wizard-panel-review">
      <h2 id="step-title" className="step-title">
        Review and start
      </h2>
      <section className="panel" aria-labelledby="summary-title" data-testid="review-summary">
        <h3 id="summary-title" className="panel-title">
          What the job {o.name ? <code>{o.name}</code> : null} will do
        </h3>
        <dl className="kv-list">
          <KeyValue label="From">{source ? `${source.profile.name} — ${source.description}` : draft.source.profile ?? '—'}</KeyValue>
          <KeyValue label="To">{sink ? `${sink.profile.name} (${kind ? sinkKinds.title(kind) : '—'}) — ${sink.description}` : draft.sink.profile ?? '—'}</KeyValue>
          <KeyValue label="Tables" testId="review-tables">
            {formatNumber(draft.tables.selected.length)} {draft.tables.selected.length === 1 ? 'table' : 'tables'}
            {ctx.catalog && `, ~${formatCount(totals.rows, 'row')}, ${formatBytes(totals.bytes)} of data`}
            {(draft.tables.patterns ?? []).length > 0 && (
              <span data-testid="review-patterns">
                ; and tables created later that match {(draft.tables.patterns ?? []).join(', ')}
              </span>
            )}
          </KeyValue>
          {(caps?.rename ?? true) && (
            <KeyValue label="Renamed">
              <Listed items={renames} empty="nothing: same names on the sink" testId="review-renames" />
            </KeyValue>
          )}
          <KeyValue label="Columns left out">
            <Listed items={exclusions} empty="none" testId="review-exclusions" />
          </KeyValue>
          <KeyValue label="Row filters">
            <Listed items={filters} empty="none: every row" testId="review-filters" />
          </KeyValue>
          {KindReview && <KindReview draft={draft} />}
          <KeyValue label="Mode">{o.mode === 'snapshot+stream' ? 'copy, then stream' : o.mode === 'snapshot' ? 'copy only' : 'stream only'}</KeyValue>
          <KeyValue label="Copy">
            {o.parallelism} workers, chunks of {formatNumber(o.chunkRows)} rows, {o.maxRowsPerSecond ? `at most ${formatNumber(o.maxRowsPerSecond)} rows/s` : 'no rate cap'}
            {o.maxThreadsRunning ? `, pausing above ${o.maxThreadsRunning} Threads_running` : ''}
          </KeyValue>
          {(caps?.existingRows ?? true) && <KeyValue label="Existing rows">{o.onExisting === 'fail' ? 'stop' : o.onExisting === 'truncate' ? 'empty the table first' : 'copy into the table'}</KeyValue>}
        </dl>
      </section>
      <EstimatePanel api={api} draft={draft} />
      <ExportPanel api={api} draft={draft} />
    </section>
  );
}
