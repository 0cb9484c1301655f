import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSelected, matchesPattern, sinkName, excludedColumns } from '../../shared/table-selection.js';

const cfg = {
  tables: { include: ['shop.*', 'crm.contacts', '/^logs\\.2024_/'], exclude: ['shop.audit_log'] },
  rename: { shop: 'shop_v2', 'shop.users': 'shop_v2.customers', 'crm.contacts': 'crm2.people' },
  columns: { 'shop.users': { exclude: ['password_hash'] } },
};

test('patterns: db.*, db.table and /regex/ against db.table', () => {
  assert.ok(matchesPattern('shop.*', { db: 'shop', table: 'x' }));
  assert.ok(!matchesPattern('shop.*', { db: 'shopping', table: 'x' }));
  assert.ok(matchesPattern('crm.contacts', { db: 'crm', table: 'contacts' }));
  assert.ok(!matchesPattern('crm.contacts', { db: 'crm', table: 'contacts2' }));
  assert.ok(matchesPattern('/^logs\\.2024_/', { db: 'logs', table: '2024_01' }));
  assert.ok(!matchesPattern('/^logs\\.2024_/', { db: 'logs', table: '2023_12' }));
});

test('exclude wins over include; system databases are never selected', () => {
  assert.ok(isSelected(cfg, { db: 'shop', table: 'orders' }));
  assert.ok(!isSelected(cfg, { db: 'shop', table: 'audit_log' }));
  assert.ok(!isSelected({ tables: { include: ['/.*/'], exclude: [] } }, { db: 'mysql', table: 'user' }));
});

test('a table rename wins over its database rename', () => {
  assert.deepEqual(sinkName(cfg, { db: 'shop', table: 'users' }), { db: 'shop_v2', table: 'customers' });
  assert.deepEqual(sinkName(cfg, { db: 'shop', table: 'orders' }), { db: 'shop_v2', table: 'orders' });
  assert.deepEqual(sinkName(cfg, { db: 'crm', table: 'contacts' }), { db: 'crm2', table: 'people' });
  assert.deepEqual(sinkName(cfg, { db: 'other', table: 't' }), { db: 'other', table: 't' });
});

test('excluded columns per table', () => {
  assert.deepEqual([...excludedColumns(cfg, { db: 'shop', table: 'users' })], ['password_hash']);
  assert.equal(excludedColumns(cfg, { db: 'shop', table: 'orders' }).size, 0);
});
