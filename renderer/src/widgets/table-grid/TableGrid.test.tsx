import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TableStatus } from '../../../../shared/job-status.js';
import { axeViolations } from '../axe.js';
import { MAX_SCROLL_HEIGHT, MAX_VISIBLE_ROWS, ROW_HEIGHT, TableGrid } from './TableGrid.js';
import { table } from './fixtures.js';

afterEach(cleanup);

function many(n: number): TableStatus[] {
  return Array.from({ length: n }, (_, i) =>
    table(`db.t${String(i).padStart(4, '0')}`, {
      rowsCopied: (i * 7919) % 10_000,
      estimatedRows: 10_000,
      state: i % 10 === 0 ? 'failed' : i % 3 === 0 ? 'done' : 'copying',
      error: i % 10 === 0 ? `Chunk ${i} failed: Lost connection to MySQL server during query` : null,
    }),
  );
}

function renderGrid(tables: TableStatus[], over: Partial<Parameters<typeof TableGrid>[0]> = {}) {
  const onRetry = vi.fn();
  const onRecopy = vi.fn();
  const r = render(<TableGrid tables={tables} onRetry={onRetry} onRecopy={onRecopy} canRecopy={false} {...over} />);
  return { ...r, onRetry, onRecopy };
}

const rowNames = () => screen.queryAllByTestId(/^table-row-/).map((r) => r.getAttribute('data-testid')!.slice('table-row-'.length));

describe('TableGrid', () => {
  it('renders only a window of rows for 1,000 tables, with spacers for the rest', () => {
    const { container } = renderGrid(many(1000));
    const rendered = rowNames();
    expect(rendered.length).toBeGreaterThan(10);
    expect(rendered.length).toBeLessThan(60);
    expect(rendered[0]).toBe('db.t0000');
    const spacer = container.querySelector('tr.tg-spacer') as HTMLElement;
    expect(parseInt(spacer.style.height, 10)).toBe((1000 - rendered.length) * ROW_HEIGHT);
    expect(screen.getByRole('table').getAttribute('aria-rowcount')).toBe('1001');
  });

  it('fits a few rows and caps the scroll area at about 14 rows (no fixed height)', () => {
    renderGrid(many(2));
    const scroller = screen.getByRole('region', { name: 'Tables' });
    expect(scroller.style.height).toBe('');
    expect(scroller.style.maxHeight).toBe(`${MAX_SCROLL_HEIGHT}px`);
    expect(MAX_SCROLL_HEIGHT).toBe(ROW_HEIGHT * (MAX_VISIBLE_ROWS + 1) + 2);
    expect(rowNames()).toEqual(['db.t0000', 'db.t0001']);
  });

  it('shows the full table name in a tooltip', () => {
    renderGrid([table('db.a_rather_long_table_name_that_is_truncated')]);
    const cell = screen.getByTestId('table-row-db.a_rather_long_table_name_that_is_truncated').querySelector('td')!;
    expect(cell.getAttribute('title')).toBe('db.a_rather_long_table_name_that_is_truncated');
  });

  it('renders the rows further down when scrolled', () => {
    renderGrid(many(1000));
    const scroller = screen.getByRole('region', { name: 'Tables' });
    scroller.scrollTop = 500 * ROW_HEIGHT;
    fireEvent.scroll(scroller);
    const rendered = rowNames();
    expect(rendered).toContain('db.t0500');
    expect(rendered).not.toContain('db.t0000');
    expect(rendered.length).toBeLessThan(60);
    expect(screen.getByTestId('table-row-db.t0500').getAttribute('aria-rowindex')).toBe('502');
  });

  it('sorts by rows copied when the header is clicked, and toggles the direction', () => {
    const ts = [
      table('db.a', { rowsCopied: 5 }),
      table('db.b', { rowsCopied: 500 }),
      table('db.c', { rowsCopied: 50 }),
    ];
    renderGrid(ts);
    expect(rowNames()).toEqual(['db.a', 'db.b', 'db.c']);
    const button = screen.getByRole('button', { name: /Rows copied/ });
    fireEvent.click(button);
    expect(rowNames()).toEqual(['db.b', 'db.c', 'db.a']);
    expect(button.closest('th')!.getAttribute('aria-sort')).toBe('descending');
    fireEvent.click(button);
    expect(rowNames()).toEqual(['db.a', 'db.c', 'db.b']);
    expect(button.closest('th')!.getAttribute('aria-sort')).toBe('ascending');
    expect(screen.getByRole('button', { name: /^Table/ }).closest('th')!.hasAttribute('aria-sort')).toBe(false);
  });

  it('sorts 1,000 tables by rows copied and shows the largest first', () => {
    renderGrid(many(1000));
    fireEvent.click(screen.getByRole('button', { name: /Rows copied/ }));
    const first = screen.getAllByTestId('table-progress')[0]!.textContent!;
    expect(first).toMatch(/^9,99\d \//);
  });

  it('filters by state and by name, and summarizes', () => {
    renderGrid(many(1000));
    expect(screen.getByTestId('table-grid-summary').textContent).toBe('1,000 tables · 300 done · 100 failed');
    fireEvent.change(screen.getByLabelText('State'), { target: { value: 'failed' } });
    const rendered = rowNames();
    expect(rendered.length).toBeGreaterThan(0);
    for (const name of rendered) expect(screen.getByTestId(`table-row-${name}`).textContent).toContain('failed');
    expect(screen.getByTestId('table-grid-summary').textContent).toContain('showing 100');
    fireEvent.change(screen.getByLabelText('Filter'), { target: { value: 't001' } });
    expect(rowNames()).toEqual(['db.t0010']);
    fireEvent.change(screen.getByLabelText('Filter'), { target: { value: 'nothing-like-this' } });
    expect(rowNames()).toEqual([]);
    expect(screen.getByText('No table matches the filter.')).toBeTruthy();
  });

  it('calls onRetry for a failed table, and shows Retry only on failed tables', () => {
    const { onRetry } = renderGrid([table('db.ok', { state: 'copying' }), table('db.bad', { state: 'failed', error: 'boom' })]);
    expect(within(screen.getByTestId('table-row-db.ok')).queryByRole('button', { name: /Retry/ })).toBeNull();
    fireEvent.click(within(screen.getByTestId('table-row-db.bad')).getByRole('button', { name: 'Retry db.bad' }));
    expect(onRetry).toHaveBeenCalledWith('db.bad');
  });

  it('re-copies only when allowed, explaining why not otherwise', () => {
    const ts = [table('db.a', { state: 'done', rowsCopied: 1000 })];
    const first = renderGrid(ts, { canRecopy: false });
    const disabled = screen.getByRole('button', { name: 'Re-copy db.a' });
    expect(disabled.getAttribute('aria-disabled')).toBe('true');
    expect(disabled.getAttribute('title')).toMatch(/only available/);
    fireEvent.click(disabled);
    expect(first.onRecopy).not.toHaveBeenCalled();
    cleanup();
    const second = renderGrid(ts, { canRecopy: true });
    fireEvent.click(screen.getByRole('button', { name: 'Re-copy db.a' }));
    expect(second.onRecopy).toHaveBeenCalledWith('db.a');
  });

  it('shows progress, ETA, chunks and the sink name', () => {
    renderGrid([
      table('db.a', {
        sink: 'db2.a',
        state: 'copying',
        rowsCopied: 2500,
        estimatedRows: 10_000,
        etaSeconds: 200,
        chunksDone: 3,
        chunksTotal: 12,
        chunksTotalExact: false,
        rowsPerSecond: 1234,
        inserts: 1,
        updates: 22,
        deletes: 333,
      }),
    ]);
    const row = screen.getByTestId('table-row-db.a');
    expect(within(row).getByTestId('table-progress').textContent).toBe('2,500 / ~10,000 · 25%');
    expect(row.textContent).toContain('→ db2.a');
    expect(row.textContent).toContain('3m 20s');
    expect(row.textContent).toContain('3 / ~12');
    expect(row.textContent).toContain('1,234');
    expect(row.textContent).toContain('333');
  });

  it('shows the full error text on demand', () => {
    const long = 'Duplicate entry for key PRIMARY\n'.repeat(5);
    renderGrid([table('db.bad', { state: 'failed', error: long })]);
    const btn = screen.getByRole('button', { name: /Show the full error of db.bad/ });
    expect(btn.getAttribute('title')).toBe(long);
    fireEvent.click(btn);
    const region = screen.getByRole('region', { name: 'Error of db.bad' });
    expect(region.querySelector('pre')!.textContent).toBe(long);
    fireEvent.click(within(region).getByRole('button', { name: 'Close' }));
    expect(screen.queryByRole('region', { name: 'Error of db.bad' })).toBeNull();
  });

  it('passes an axe-core scan', async () => {
    const { container } = renderGrid(many(200));
    expect(await axeViolations(container)).toEqual([]);
  });
});
