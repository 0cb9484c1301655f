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
    expect(selectionTotals(catalog, new Set(['shop.orders', 'shop.users']))).toEqual({ tables: 2, rows: 1010, bytes: 2 * 80 * 1024 });
  });

  it('warns about a table without a key unless the engine did', () => {
    expect(tableWarnings(catalogTable('a', 'b', { keyColumns: [] }))).toEqual([NO_KEY_WARNING]);
    expect(tableWarnings(catalogTable('a', 'b', { keyColumns: [], warnings: ['no primary key'] }))).toEqual(['no primary key']);
    expect(tableWarnings(catalogTable('a', 'b', { warnings: ['MyISAM'] }))).toEqual(['MyISAM']);
  });
});
