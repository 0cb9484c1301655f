// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { checkState, flattenRows, groupCatalog, NO_KEY_WARNING, searchCatalog, selectionTotals, tableWarnings } from '../catalog-model';
import { withSelection } from '../../../../../shared/wizard';
import { catalogTable } from '../../__tests__/fixtures';

const catalog = [catalogTable('shop', 'orders'), catalogTable('shop', 'users', { estimatedRows: 10 }), catalogTable('crm', 'leads')];

describe('catalog model', () => {
  it('groups by database and searches by "db.table"', () => {
    const groups = groupCatalog(catalog);
    expect(groups.map((g) => [g.db, g.tables.length])).toEqual([
      ['shop', 2],
      ['crm', 1],
    ]);
    expect(searchCatalog(groups, 'USER').map((g) => g.tables.map((t) => t.table))).toEqual([['users']]);
    expect(searchCatalog(groups, 'crm').map((g) => g.db)).toEqual(['crm']);
  });

  it('flattens into rows, leaving out collapsed databases, with full counts', () => {
    const groups = groupCatalog(catalog);
    const rows = flattenRows(searchCatalog(groups, 'orders'), groups, new Set(['crm']));
    expect(rows.map((r) => (r.kind === 'db' ? `db:${r.group.db}/${r.total}` : r.table.table))).toEqual(['db:shop/2', 'orders']);
  });

  it('tri-state per database; adds and removes in order; totals the selection', () => {
    const shop = groupCatalog(catalog)[0]!.tables;
    expect(checkState(shop, new Set())).toBe('none');
    expect(checkState(shop, new Set(['shop.orders']))).toBe('some');
    expect(checkState(shop, new Set(['shop.orders', 'shop.users']))).toBe('all');
    expect(withSelection({ selected: ['crm.leads'] }, ['shop.orders', 'crm.leads', 'shop.orders'], true).selected).toEqual(['crm.leads', 'shop.orders']);
    expect(withSelection({ selected: ['crm.leads', 'shop.orders'] }, ['crm.leads'], false).selected).toEqual(['shop.orders']);
    // The data size, the number the copy estimate uses too (indexes apart: they are rebuilt, not copied).
    expect(selectionTotals(catalog, new Set(['shop.orders', 'shop.users']))).toEqual({ tables: 2, rows: 1010, bytes: 2 * 64 * 1024, indexBytes: 2 * 16 * 1024 });
  });

  it('lists tables in natural order: t1, t2, … t10', () => {
    const groups = groupCatalog(['t10', 't2', 't1', 'T3', 't11b', 't11a'].map((n) => catalogTable('db', n)));
    expect(groups[0]!.tables.map((t) => t.table)).toEqual(['t1', 't2', 'T3', 't10', 't11a', 't11b']);
  });

  it('warns about a table without a key unless the engine did', () => {
    expect(tableWarnings(catalogTable('a', 'b', { keyColumns: [] }))).toEqual([NO_KEY_WARNING]);
    expect(tableWarnings(catalogTable('a', 'b', { keyColumns: [], warnings: ['no primary key'] }))).toEqual(['no primary key']);
    expect(tableWarnings(catalogTable('a', 'b', { warnings: ['MyISAM'] }))).toEqual(['MyISAM']);
  });
});
