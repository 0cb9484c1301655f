// The PostgreSQL sink's preflight items (pure parts) and the key form its repair reads: each failure names
// the cause and the statement that fixes it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectItem, existingRowsItem, privilegesItem, versionItem } from '../../engine/sink/postgres/preflight.js';
import { keyAsRead } from '../../engine/sink/postgres/repair.js';
import { postgresSink } from '../../engine/sink/postgres/descriptor.js';
import type { ColumnInfo } from '../../engine/core/tables.js';

const URL_ = 'postgres://app:secret@db.example:5433/shop';

test('a missing database, a refused password and an unreachable server are told apart, each with its fix', () => {
  const missing = connectItem(URL_, Object.assign(new Error('database "shop" does not exist'), { code: '3D000' }));
  assert.equal(missing.status, 'fail');
  assert.equal(missing.title, 'Database');
  assert.match(missing.detail, /"shop" does not exist on db\.example:5433/);
  assert.equal(missing.fix, 'Create it (connected to another database, e.g. postgres): CREATE DATABASE "shop" OWNER "app";');
  const auth = connectItem(URL_, Object.assign(new Error('password authentication failed for user "app"'), { code: '28P01' }));
  assert.match(auth.fix!, /ALTER ROLE "app" WITH LOGIN PASSWORD/);
  assert.doesNotMatch(auth.detail + auth.fix, /secret/, 'the password is never shown');
  const down = connectItem(URL_, Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:5433'), { code: 'ECONNREFUSED' }));
  assert.equal(down.title, 'Connection');
  assert.match(down.detail, /ECONNREFUSED/);
});

test('server version: below 10 fails, below 14 warns (verification), 14 and later pass', () => {
  assert.equal(versionItem(90624, '9.6.24').status, 'fail');
  const w = versionItem(130011, '13.11');
  assert.equal(w.status, 'warn');
  assert.match(w.detail, /verification needs PostgreSQL 14/);
  assert.equal(versionItem(150004, '15.4').status, 'pass');
});

test('privileges: a schema to create needs CREATE on the database, an existing schema USAGE and CREATE; each with its GRANT', () => {
  const none = privilegesItem({
    database: 'shop',
    user: 'app',
    canCreateSchema: false,
    schemas: [
      { name: 'sales', exists: false, create: false, usage: false },
      { name: 'Ledger', exists: true, create: false, usage: true },
      { name: 'ok', exists: true, create: true, usage: true },
    ],
  });
  assert.equal(none.status, 'fail');
  assert.match(none.detail, /cannot create the schema\(s\) "sales".*cannot create tables in the existing schema "Ledger"/);
  assert.equal(none.fix, 'GRANT CREATE ON DATABASE "shop" TO "app";\nGRANT USAGE, CREATE ON SCHEMA "Ledger" TO "app";');
  const fine = privilegesItem({ database: 'shop', user: 'app', canCreateSchema: true, schemas: [{ name: 'sales', exists: false, create: false, usage: false }] });
  assert.equal(fine.status, 'pass');
  assert.match(fine.detail, /creates "sales"/);
});

test('tables that already hold rows are a warning naming them and the ways on', () => {
  assert.equal(existingRowsItem([]).status, 'pass');
  const w = existingRowsItem([{ db: 'sales', table: 'Orders' }]);
  assert.equal(w.status, 'warn');
  assert.deepEqual(w.tables, ['"sales"."Orders"']);
  assert.match(w.fix!, /TRUNCATE TABLE "sales"\."Orders";.*"onExisting": "truncate"/);
});

test('the PostgreSQL descriptor repairs and brings its own preflight checks', () => {
  assert.equal(postgresSink.capabilities.repair, true);
  const o = postgresSink.preflightOptions?.({ type: 'postgres', url: URL_ } as never);
  assert.equal(o?.sinkCheck?.url, URL_);
  assert.deepEqual(Object.keys(o ?? {}), ['sinkCheck'], 'its own checks only, not a MySQL server\'s');
});

const col = (dataType: string, columnType: string): ColumnInfo => ({ name: 'k', dataType, columnType, charset: dataType === 'enum' ? 'utf8mb4' : null, collation: null, nullable: false, generated: false });

test('repair: ENUM and BIT keys read as numbers become the values the copy reads; other keys stay as read', () => {
  assert.equal(keyAsRead(col('enum', "enum('alpha','it''s','é')"), '2'), "it's");
  assert.equal(keyAsRead(col('enum', "enum('alpha','it''s','é')"), '3'), Buffer.from('é', 'utf8').toString('latin1'));
  assert.equal(Buffer.from(keyAsRead(col('bit', 'bit(10)'), '513')!, 'latin1').toString('hex'), '0201');
  assert.equal(Buffer.from(keyAsRead(col('bit', 'bit(64)'), '18446744073709551615')!, 'latin1').toString('hex'), 'ffffffffffffffff');
  assert.equal(keyAsRead(col('int', 'int(11)'), '42'), '42');
  assert.equal(keyAsRead(col('int', 'int(11)'), null), null);
});
