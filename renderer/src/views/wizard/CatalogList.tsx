// The source's tables grouped by database, virtualized: a fixed row height, only the rows in view (plus
// some) rendered between two spacers. A database row has a tri-state checkbox and can be collapsed.
import { memo, useCallback, useMemo, useRef, useState } from 'react';
import type { CatalogTable } from '../../../../shared/wizard';
import { qualifiedName } from '../../../../shared/wizard';
import { TriStateCheckbox } from '../../components/Checkbox';
import { formatBytes, formatNumber } from '../../format';
import { visibleRange } from '../../widgets/table-grid/table-model';
import { checkState, flattenRows, tableWarnings, type CatalogDb } from './catalog-model';
import { toggled } from './wizard-model';

export const CATALOG_ROW_HEIGHT = 34;
const VIEWPORT = 480;
const OVERSCAN = 8;

export interface CatalogListProps {
  id: string;
  groups: readonly CatalogDb[];
  all: readonly CatalogDb[];
  selected: ReadonlySet<string>;
  onToggle(names: string[], on: boolean): void;
  /** A search is narrowing the list: database checkboxes act on the tables found. */
  searching: boolean;
}

export function CatalogList({ id, groups, all, selected, onToggle, searching }: CatalogListProps) {
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(() => new Set());
  const [scrollTop, setScrollTop] = useState(0);
  const scrollRef = useRef<HTMLDivElement>(null);
  const rows = useMemo(() => flattenRows(groups, all, collapsed), [groups, all, collapsed]);
  const win = visibleRange(rows.length, CATALOG_ROW_HEIGHT, scrollTop, VIEWPORT, OVERSCAN);
  const toggleCollapsed = useCallback((db: string) => setCollapsed((c) => toggled(c, db)), []);

  if (!rows.length) return <p className="widget-empty panel">No table matches the search.</p>;
  return (
    <div className="catalog-scroll scroll-panel" ref={scrollRef} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)} style={{ maxHeight: VIEWPORT }}>
      <div className="catalog-row catalog-head" aria-hidden="true">
        <span />
        <span>Database / table</span>
        <span className="catalog-num">Rows (estimate)</span>
        <span className="catalog-num">Size</span>
        <span>Warnings</span>
      </div>
      <ul id={id} className="catalog-list" aria-label="Source tables">
        {win.padTop > 0 && <li className="catalog-spacer" aria-hidden="true" style={{ height: win.padTop }} />}
        {rows.slice(win.start, win.end).map((r, i) =>
          r.kind === 'db' ? (
            <DbRow key={`db:${r.group.db}`} group={r.group} total={r.total} selected={selected} open={!collapsed.has(r.group.db)} onToggle={onToggle} onCollapse={toggleCollapsed} searching={searching} pos={win.start + i + 1} size={rows.length} />
          ) : (
            <TableRow key={qualifiedName(r.table)} table={r.table} checked={selected.has(qualifiedName(r.table))} onToggle={onToggle} pos={win.start + i + 1} size={rows.length} />
          ),
        )}
        {win.padBottom > 0 && <li className="catalog-spacer" aria-hidden="true" style={{ height: win.padBottom }} />}
      </ul>
    </div>
  );
}

interface DbRowProps {
  group: CatalogDb;
  total: number;
  selected: ReadonlySet<string>;
  open: boolean;
  onToggle(names: string[], on: boolean): void;
  onCollapse(db: string): void;
  searching: boolean;
  pos: number;
  size: number;
}

function DbRow({ group, total, selected, open, onToggle, onCollapse, searching, pos, size }: DbRowProps) {
  const state = checkState(group.tables, selected);
  let rows = 0;
  let bytes = 0;
  for (const t of group.tables) {
    rows += t.estimatedRows;
    bytes += t.dataBytes + t.indexBytes;
  }
  const count = searching && group.tables.length !== total ? `${formatNumber(group.tables.length)} of ${formatNumber(total)} tables` : `${formatNumber(total)} ${total === 1 ? 'table' : 'tables'}`;
  return (
    <li className="catalog-row catalog-db" aria-posinset={pos} aria-setsize={size} data-testid={`catalog-db-${group.db}`}>
      <button type="button" className="catalog-expand" aria-expanded={open} aria-label={`${open ? 'Collapse' : 'Expand'} ${group.db}`} onClick={() => onCollapse(group.db)}>
        <span aria-hidden="true">{open ? '▾' : '▸'}</span>
      </button>
      <label className="catalog-name">
        <TriStateCheckbox state={state} onChange={() => onToggle(group.tables.map(qualifiedName), state !== 'all')} data-testid={`db-check-${group.db}`} />
        <strong>{group.db}</strong> <span className="muted small">{count}</span>
      </label>
      <span className="catalog-num num">~{formatNumber(rows)}</span>
      <span className="catalog-num num">{formatBytes(bytes)}</span>
      <span />
    </li>
  );
}

const TableRow = memo(function TableRow({ table, checked, onToggle, pos, size }: { table: CatalogTable; checked: boolean; onToggle(names: string[], on: boolean): void; pos: number; size: number }) {
  const name = qualifiedName(table);
  const warnings = tableWarnings(table);
  return (
    <li className="catalog-row catalog-table" aria-posinset={pos} aria-setsize={size} data-testid={`catalog-row-${name}`}>
      <span />
      <label className="catalog-name" title={name}>
        <input type="checkbox" checked={checked} onChange={(e) => onToggle([name], e.target.checked)} data-testid={`table-check-${name}`} />
        <span className="mono">{table.table}</span>
        <span className="visually-hidden"> in {table.db}</span>
      </label>
      <span className="catalog-num num" title="Estimated rows">
        ~{formatNumber(table.estimatedRows)}
      </span>
      <span className="catalog-num num" title={`Data ${formatBytes(table.dataBytes)} + indexes ${formatBytes(table.indexBytes)}`}>
        {formatBytes(table.dataBytes + table.indexBytes)}
      </span>
      <span className="catalog-warn small" title={warnings.join('\n')} data-testid={warnings.length ? `table-warning-${name}` : undefined}>
        {warnings.length > 0 && (
          <>
            <span aria-hidden="true">⚠ </span>
            {warnings.join(' · ')}
          </>
        )}
      </span>
    </li>
  );
});
