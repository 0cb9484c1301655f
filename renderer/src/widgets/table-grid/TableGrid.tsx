// Per-table statistics of a job (in the manner of AWS DMS's table statistics): progress, ETA, rate,
// chunks, streamed changes and errors, sortable and filterable, virtualized for thousands of tables.
import { Fragment, memo, useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import type { TableStatus } from '../../../../shared/job-status.js';
import { SearchField, ToolbarField } from '../../components/ToolbarField.js';
import { formatDuration, formatNumber, formatPercent } from '../../format.js';
import {
  countStates,
  defaultDir,
  filterTables,
  sortTables,
  stateOptions,
  visibleRange,
  type SortKey,
  type SortSpec,
} from './table-model.js';
import './TableGrid.css';

export interface TableGridProps {
  tables: TableStatus[];
  onRetry(table: string): void;
  onRecopy(table: string): void;
  canRecopy: boolean;
}

/** Every row is exactly this tall (CSS keeps cells on one line), so the window can be computed. */
export const ROW_HEIGHT = 36;
const OVERSCAN = 10;
/** Used until the scroll container has been measured (and in jsdom, which has no layout). */
const DEFAULT_VIEWPORT = 600;
/** The grid grows with its rows up to this many, then scrolls (the header row comes on top). */
export const MAX_VISIBLE_ROWS = 14;
/** Header + MAX_VISIBLE_ROWS rows + the 1 px borders of the scroll area. */
export const MAX_SCROLL_HEIGHT = ROW_HEIGHT * (MAX_VISIBLE_ROWS + 1) + 2;

const RECOPY_UNAVAILABLE =
  'Re-copy empties the sink table and copies it again; it is only available before the job streams and while the job is not running.';

interface Column {
  key: SortKey | null;
  label: string;
  /** Fixed width (px); the column without one takes the rest, at least `minWidth`. */
  width?: number;
  minWidth?: number;
  numeric?: boolean;
}

const COLUMNS: readonly Column[] = [
  // Table names are the grid's key: the column takes the free width (and the full name is in a tooltip).
  { key: 'table', label: 'Table', minWidth: 300 },
  { key: 'state', label: 'State', width: 92 },
  { key: 'rows', label: 'Rows copied', width: 236, numeric: true },
  { key: 'eta', label: 'ETA', width: 70, numeric: true },
  { key: 'rate', label: 'Rows/s', width: 80, numeric: true },
  { key: 'chunks', label: 'Chunks', width: 86, numeric: true },
  { key: 'inserts', label: 'Inserts', width: 80, numeric: true },
  { key: 'updates', label: 'Updates', width: 84, numeric: true },
  { key: 'deletes', label: 'Deletes', width: 80, numeric: true },
  { key: 'error', label: 'Error', width: 140 },
  // Stays at the right edge when the grid scrolls sideways (TableGrid.css), so the actions are always in view.
  { key: null, label: 'Actions', width: 132 },
];
const TOTAL_WIDTH = COLUMNS.reduce((s, c) => s + (c.width ?? c.minWidth ?? 0), 0);

export function TableGrid({ tables, onRetry, onRecopy, canRecopy }: TableGridProps) {
  const ids = useId();
  const [text, setText] = useState('');
  const [stateFilter, setStateFilter] = useState('all');
  const [sort, setSort] = useState<SortSpec>({ key: 'table', dir: 'asc' });
  const [detail, setDetail] = useState<string | null>(null);

  const counts = useMemo(() => countStates(tables), [tables]);
  const options = useMemo(() => stateOptions(counts), [counts]);
  const filtered = useMemo(() => filterTables(tables, text, stateFilter), [tables, text, stateFilter]);
  const rows = useMemo(() => sortTables(filtered, sort), [filtered, sort]);

  // Virtualization: render only the rows in view (plus overscan); spacer rows stand in for the rest.
  const scrollRef = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(DEFAULT_VIEWPORT);
  useEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    if (el.clientHeight > 0) setViewport(el.clientHeight);
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(() => {
      if (el.clientHeight > 0) setViewport(el.clientHeight);
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  // Wider than its panel (a narrow window): say so next to the grid, beside the visible scroll bar.
  const [overflows, setOverflows] = useState(false);
  useEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const check = () => setOverflows(el.scrollWidth > el.clientWidth + 1);
    check();
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(check);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  const onScroll = useCallback((e: React.UIEvent<HTMLDivElement>) => setScrollTop(e.currentTarget.scrollTop), []);
  // The area grows with its rows, so a small measurement may predate more rows: plan for its full height.
  const win = visibleRange(rows.length, ROW_HEIGHT, scrollTop, Math.max(viewport, MAX_SCROLL_HEIGHT), OVERSCAN);

  const toggleSort = (key: SortKey) =>
    setSort((s) => (s.key === key ? { key, dir: s.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: defaultDir(key) }));

  const detailTable = detail === null ? undefined : tables.find((t) => t.source === detail);
  const done = counts.byState.get('done') ?? 0;
  const failed = counts.byState.get('failed') ?? 0;
  const filteredOut = rows.length !== tables.length;

  return (
    <div className="tg" data-testid="table-grid">
      <div className="toolbar tg-toolbar">
        <SearchField label="Filter" value={text} placeholder="Table name" onChange={setText} controls={`${ids}-table`} />
        <ToolbarField label="State">
          <select value={stateFilter} onChange={(e) => setStateFilter(e.target.value)} aria-controls={`${ids}-table`}>
            <option value="all">All ({formatNumber(counts.total)})</option>
            {options.map((s) => (
              <option key={s} value={s}>
                {s} ({formatNumber(counts.byState.get(s) ?? 0)})
              </option>
            ))}
          </select>
        </ToolbarField>
        <p className="tg-summary toolbar-status" data-testid="table-grid-summary" aria-live="polite">
          {formatNumber(counts.total)} {counts.total === 1 ? 'table' : 'tables'} · {formatNumber(done)} done ·{' '}
          {formatNumber(failed)} failed
          {filteredOut && <> · showing {formatNumber(rows.length)}</>}
        </p>
        {overflows && (
          <p className="toolbar-status tg-scroll-hint" data-testid="table-grid-scroll-hint">
            Scroll sideways for more columns →
          </p>
        )}
      </div>

      <div
        className="tg-scroll scroll-panel"
        ref={scrollRef}
        onScroll={onScroll}
        role="region"
        aria-label="Tables"
        tabIndex={0}
        style={{ maxHeight: MAX_SCROLL_HEIGHT }}
      >
        <table id={`${ids}-table`} className="tg-table" style={{ width: '100%', minWidth: TOTAL_WIDTH }} aria-rowcount={rows.length + 1}>
          <colgroup>
            {COLUMNS.map((c) => (
              <col key={c.label} style={c.width === undefined ? undefined : { width: c.width }} />
            ))}
          </colgroup>
          <thead>
            <tr aria-rowindex={1}>
              {COLUMNS.map((c) => {
                const active = c.key !== null && sort.key === c.key;
                return (
                  <th
                    key={c.label}
                    scope="col"
                    className={c.numeric ? 'tg-num' : c.key === 'table' ? 'tg-name-head' : c.key === null ? 'tg-actions-head' : undefined}
                    aria-sort={active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : undefined}
                  >
                    {c.key === null ? (
                      c.label
                    ) : (
                      <button type="button" className="tg-sort" onClick={() => toggleSort(c.key!)}>
                        {c.label}
                        <span className="tg-arrow" aria-hidden="true">
                          {active ? (sort.dir === 'asc' ? '▲' : '▼') : '↕'}
                        </span>
                      </button>
                    )}
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody>
            {win.padTop > 0 && (
              <tr className="tg-spacer" aria-hidden="true" style={{ height: win.padTop }}>
                <td colSpan={COLUMNS.length} />
              </tr>
            )}
            {rows.slice(win.start, win.end).map((t, i) => (
              <Row
                key={t.source}
                t={t}
                index={win.start + i}
                canRecopy={canRecopy}
                onRetry={onRetry}
                onRecopy={onRecopy}
                onShowError={setDetail}
              />
            ))}
            {win.padBottom > 0 && (
              <tr className="tg-spacer" aria-hidden="true" style={{ height: win.padBottom }}>
                <td colSpan={COLUMNS.length} />
              </tr>
            )}
          </tbody>
        </table>
        {rows.length === 0 && (
          <p className="widget-empty">{tables.length === 0 ? 'No tables yet.' : 'No table matches the filter.'}</p>
        )}
      </div>

      {detailTable?.error && (
        <div className="tg-detail" role="region" aria-label={`Error of ${detailTable.source}`}>
          <div className="tg-detail-head">
            <strong>{detailTable.source}</strong>
            <button type="button" className="tool-btn tool-btn-small" onClick={() => setDetail(null)}>
              Close
            </button>
          </div>
          <pre className="tg-detail-text">{detailTable.error}</pre>
        </div>
      )}
    </div>
  );
}

interface RowProps {
  t: TableStatus;
  index: number;
  canRecopy: boolean;
  onRetry(table: string): void;
  onRecopy(table: string): void;
  onShowError(table: string): void;
}

const Row = memo(function Row({ t, index, canRecopy, onRetry, onRecopy, onShowError }: RowProps) {
  const complete = t.state === 'done' || (t.state === 'streaming' && t.rowsCopied >= t.estimatedRows);
  const ratio = complete ? 1 : t.estimatedRows > 0 ? Math.min(0.99, t.rowsCopied / t.estimatedRows) : 0;
  const percent = complete ? '100%' : t.estimatedRows > 0 ? cappedPercent(t.rowsCopied, t.estimatedRows) : '—';
  const estimate = t.estimatedRows > 0 ? `${complete ? '' : '~'}${formatNumber(t.estimatedRows)}` : '—';
  return (
    <tr className={`tg-row tg-row-${stateClass(t.state)}`} data-testid={`table-row-${t.source}`} aria-rowindex={index + 2}>
      <td className="tg-name" title={t.sink !== t.source ? `${t.source} → ${t.sink}` : t.source}>
        <span className="tg-name-text">
          <Breakable name={t.source} />
          {t.sink !== t.source && (
            <span className="tg-sink">
              {' '}
              → <Breakable name={t.sink} />
            </span>
          )}
        </span>
      </td>
      <td>
        <span className={`tg-badge tone-badge tg-badge-${stateClass(t.state)}`}>{t.state}</span>
      </td>
      <td className="tg-num">
        <div className="tg-progress">
          <span className="tg-bar" aria-hidden="true">
            <span className="tg-bar-fill" style={{ width: `${Math.round(ratio * 100)}%` }} />
          </span>
          <span className="tg-progress-text" data-testid="table-progress" title={`${formatNumber(t.rowsCopied)} of ${estimate} rows · ${percent}`}>
            {formatNumber(t.rowsCopied)} / {estimate} · {percent}
          </span>
        </div>
      </td>
      <td className="tg-num">{formatDuration(t.etaSeconds)}</td>
      <td className="tg-num">{t.state === 'copying' || t.rowsPerSecond > 0 ? formatNumber(t.rowsPerSecond) : '—'}</td>
      <td className="tg-num" title={t.chunksTotalExact ? undefined : 'The number of chunks is an estimate until the table is fully planned'}>
        {formatNumber(t.chunksDone)} / {t.chunksTotalExact ? '' : '~'}
        {formatNumber(t.chunksTotal)}
      </td>
      <td className="tg-num">{formatNumber(t.inserts)}</td>
      <td className="tg-num">{formatNumber(t.updates)}</td>
      <td className="tg-num">{formatNumber(t.deletes)}</td>
      <td className="tg-error">
        {t.error ? (
          <button
            type="button"
            className="tg-error-btn"
            title={t.error}
            aria-label={`Show the full error of ${t.source}: ${t.error}`}
            onClick={() => onShowError(t.source)}
          >
            {t.error}
          </button>
        ) : (
          ''
        )}
      </td>
      <td className="tg-actions-cell">
        <div className="tg-actions">
        {t.state === 'failed' && (
          <button type="button" className="tool-btn tool-btn-small" aria-label={`Retry ${t.source}`} onClick={() => onRetry(t.source)}>
            Retry
          </button>
        )}
        <button
          type="button"
          className="tool-btn tool-btn-small"
          aria-label={`Re-copy ${t.source}`}
          aria-disabled={!canRecopy || undefined}
          title={canRecopy ? 'Empty this table on the sink and copy it again from the start' : RECOPY_UNAVAILABLE}
          onClick={() => {
            if (canRecopy) onRecopy(t.source);
          }}
        >
          Re-copy
        </button>
        </div>
      </td>
    </tr>
  );
});

/** "db.table" that may break onto a second line after the dot (and after underscores), not inside a word. */
function Breakable({ name }: { name: string }) {
  const parts = name.split(/(?<=[._])/);
  return (
    <>
      {parts.map((p, i) => (
        <Fragment key={i}>
          {p}
          {i < parts.length - 1 && <wbr />}
        </Fragment>
      ))}
    </>
  );
}

/** Percent, never 100% before the copy is complete (row estimates are approximate). */
function cappedPercent(part: number, whole: number): string {
  return part >= whole ? '99%' : formatPercent(part, whole);
}

function stateClass(state: string): string {
  return /^[a-z-]+$/.test(state) ? state : 'other';
}
