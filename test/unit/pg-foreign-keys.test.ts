// Foreign keys for the PostgreSQL sink (engine/sink/postgres/foreign-keys.ts): the ALTER TABLE planned for
// each source key, renames applied, RESTRICT as NO ACTION, deferrable; and the problems named before any
// SQL runs (a referenced table outside the job, a column not copied). test/integration/postgres-schema.test.ts
// runs the statements against a real server.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { constraintName, pgAction, planForeignKeys, type SourceForeignKey } from '../../engine/sink/postgres/foreign-keys.js';
import type { ColumnInfo, CopyTable, TableInfo } from '../../engine/core/tables.js';

const col = (name: string): ColumnInfo => ({ name, dataType: 'int', columnType: 'int', charset: null, collation: null, nullable: true, generated: false });
const table = (db: string, name: string, cols: string[], sinkDb = db): CopyTable =>
  ({ stateId: 0, source: { db, table: name } as TableInfo, sink: { db: sinkDb, table: name }, columns: cols.map(col), keyColumns: [] }) as CopyTable;
const fk = (o: Partial<SourceForeignKey>): SourceForeignKey => ({
  db: 'shop', table: 'child', name: 'fk_child_parent', columns: ['parent_id'], refDb: 'shop', refTable: 'parent', refColumns: ['id'], onDelete: 'CASCADE', onUpdate: 'RESTRICT', ...o,
});
const rename = (r: { db: string; table: string }) => ({ db: r.db === 'shop' ? 'Shop2' : r.db, table: r.table });

describe('PostgreSQL foreign keys', () => {
  it('plans ALTER TABLE … DEFERRABLE INITIALLY DEFERRED on the renamed tables, RESTRICT as NO ACTION', () => {
    const tables = [table('shop', 'child', ['id', 'parent_id'], 'Shop2'), table('shop', 'parent', ['id'], 'Shop2')];
    const [p, ...rest] = planForeignKeys([fk({})], tables, rename);
    assert.equal(rest.length, 0);
    assert.equal(p!.problem, undefined);
    assert.equal(
      p!.sql,
      'ALTER TABLE "Shop2"."child" ADD CONSTRAINT "fk_child_parent" FOREIGN KEY ("parent_id") REFERENCES "Shop2"."parent" ("id") ON DELETE CASCADE ON UPDATE NO ACTION DEFERRABLE INITIALLY DEFERRED',
    );
  });

  it('keys of tables not in the job are skipped; a referenced table or a column not copied is a problem, with the SQL', () => {
    const tables = [table('shop', 'child', ['id', 'parent_id'], 'Shop2')];
    const planned = planForeignKeys([fk({}), fk({ table: 'other' })], tables, rename);
    assert.equal(planned.length, 1);
    assert.match(planned[0]!.problem!, /references shop\.parent, which this job does not copy/);
    assert.match(planned[0]!.sql, /REFERENCES "Shop2"\."parent"/);
    const noCol = planForeignKeys([fk({})], [table('shop', 'child', ['id']), table('shop', 'parent', ['id'])], rename);
    assert.match(noCol[0]!.problem!, /column\(s\) parent_id are not copied/);
    const noRefCol = planForeignKeys([fk({})], [table('shop', 'child', ['id', 'parent_id']), table('shop', 'parent', ['x'])], rename);
    assert.match(noRefCol[0]!.problem!, /referenced column\(s\) id are not copied/);
  });

  it('actions and names', () => {
    assert.deepEqual(['CASCADE', 'SET NULL', 'SET DEFAULT', 'RESTRICT', 'NO ACTION'].map(pgAction), ['CASCADE', 'SET NULL', 'SET DEFAULT', 'NO ACTION', 'NO ACTION']);
    assert.equal(constraintName('fk_a'), 'fk_a');
    const long = constraintName('é'.repeat(40));
    assert.ok(Buffer.byteLength(long) <= 63, long);
    assert.notEqual(constraintName('x'.repeat(64)), constraintName('x'.repeat(63) + 'y'));
  });
});
