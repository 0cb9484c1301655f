import { describe, expect, it } from 'vitest';
import type { TableStatus } from '../../../../shared/job-status.js';
import { table } from './fixtures.js';
import { countStates, defaultDir, filterTables, sortTables, stateOptions, visibleRange } from './table-model.js';

const names = (ts: TableStatus[]) => ts.map((t) => t.source);

describe('sortTables', () => {
  const ts = [
    table('shop.orders', { rowsCopied: 500, state: 'copying', etaSeconds: 30 }),
    table('shop.items2', { rowsCopied: 10, state: 'failed', error: 'Lost connection' }),
    table('shop.items10', { rowsCopied: 900, state: 'done' }),
    table('app.users', { rowsCopied: 500, state: 'pending', etaSeconds: 5 }),
  ];

  it('sorts by name naturally', () => {
    expect(names(sortTables(ts, { key: 'table', dir: 'asc' }))).toEqual(['app.users', 'shop.items2', 'shop.items10', 'shop.orders']);
    expect(names(sortTables(ts, { key: 'table', dir: 'desc' }))).toEqual(['shop.orders', 'shop.items10', 'shop.items2', 'app.users']);
  });

  it('sorts by rows copied with ties broken by name', () => {
    expect(names(sortTables(ts, { key: 'rows', dir: 'desc' }))).toEqual(['shop.items10', 'app.users', 'shop.orders', 'shop.items2']);
    expect(names(sortTables(ts, { key: 'rows', dir: 'asc' }))).toEqual(['shop.items2', 'app.users', 'shop.orders', 'shop.items10']);
  });

  it('puts failed tables first when sorting by state', () => {
    expect(names(sortTables(ts, { key: 'state', dir: 'asc' }))).toEqual(['shop.items2', 'shop.orders', 'app.users', 'shop.items10']);
  });

  it('keeps unknown ETAs and missing errors last in both directions', () => {
    for (const dir of ['asc', 'desc'] as const) {
      const eta = names(sortTables(ts, { key: 'eta', dir }));
      expect(eta.slice(2).sort()).toEqual(['shop.items10', 'shop.items2']);
      const err = names(sortTables(ts, { key: 'error', dir }));
      expect(err[0]).toBe('shop.items2');
    }
    expect(names(sortTables(ts, { key: 'eta', dir: 'asc' })).slice(0, 2)).toEqual(['app.users', 'shop.orders']);
  });

  it('does not mutate its input', () => {
    const copy = [...ts];
    sortTables(ts, { key: 'rows', dir: 'desc' });
    expect(ts).toEqual(copy);
  });

  it('defaults numbers to descending and text to ascending', () => {
    expect(defaultDir('rows')).toBe('desc');
    expect(defaultDir('table')).toBe('asc');
  });
});

describe('filterTables', () => {
  const ts = [
    table('shop.orders', { state: 'copying' }),
    table('shop.users', { state: 'done', sink: 'archive.people' }),
    table('app.sessions', { state: 'failed' }),
  ];
  it('filters by name, case-insensitively, source or sink', () => {
    expect(names(filterTables(ts, 'SHOP', 'all'))).toEqual(['shop.orders', 'shop.users']);
    expect(names(filterTables(ts, 'people', 'all'))).toEqual(['shop.users']);
    expect(names(filterTables(ts, '  ', 'all'))).toHaveLength(3);
  });
  it('filters by state and combines both', () => {
    expect(names(filterTables(ts, '', 'failed'))).toEqual(['app.sessions']);
    expect(names(filterTables(ts, 'shop', 'failed'))).toEqual([]);
    expect(names(filterTables(ts, 'shop', 'done'))).toEqual(['shop.users']);
  });
});

describe('countStates and stateOptions', () => {
  it('counts and lists known states first, then others', () => {
    const c = countStates([table('a.a', { state: 'done' }), table('a.b', { state: 'done' }), table('a.c', { state: 'verifying' })]);
    expect(c.total).toBe(3);
    expect(c.byState.get('done')).toBe(2);
    expect(stateOptions(c)).toEqual(['copying', 'pending', 'streaming', 'done', 'failed', 'verifying']);
  });
});

describe('visibleRange', () => {
  it('windows a long list with overscan', () => {
    expect(visibleRange(1000, 36, 0, 600, 10)).toEqual({ start: 0, end: 27, padTop: 0, padBottom: 973 * 36 });
    const r = visibleRange(1000, 36, 3600, 600, 10);
    expect(r.start).toBe(90);
    expect(r.end).toBe(127);
    expect(r.padTop + (r.end - r.start) * 36 + r.padBottom).toBe(36_000);
  });
  it('clamps at the end and for short lists', () => {
    expect(visibleRange(1000, 36, 999_999, 600, 10)).toMatchObject({ end: 1000, padBottom: 0 });
    expect(visibleRange(5, 36, 0, 600, 10)).toEqual({ start: 0, end: 5, padTop: 0, padBottom: 0 });
    expect(visibleRange(0, 36, 0, 600, 10)).toEqual({ start: 0, end: 0, padTop: 0, padBottom: 0 });
  });
});
