// The PostgreSQL change sink's SQL (change-plan.ts), its inlined form (change-sink.ts) and the ALTER
// clauses the stream maps (ddl-alter.ts): pure, no server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RowChange } from '../../engine/core/changes.js';
import type { TableInfo } from '../../engine/core/tables.js';
import { batchStatements, changeStatements, netEffectStatements, planPgTable, type PgTablePlan } from '../../engine/sink/postgres/change-plan.js';
import { inlineParams } from '../../engine/sink/postgres/change-sink.js';
import { translateAlter, type AlterClause } from '../../engine/sink/postgres/ddl-alter.js';
import { tokenize } from '../../engine/mysql/ddl-mapper.js';
import { column } from '../helpers/columns.js';

const info = (chunkKey: string[], names = ['id', 'u', 'v']): TableInfo => ({
  db: 'src', table: 't', columns: names.map((n) => column(n, n === 'v' ? 'varchar' : 'int')), chunkKey, chunkKeyName: chunkKey.length ? 'PRIMARY' : null,
  engine: 'InnoDB', estimatedRows: 0, dataBytes: 0, createSql: '', systemVersioned: false,
});
const plan = (chunkKey: string[], otherUniques: string[][] = [], keyIndexed = true): PgTablePlan =>
  planPgTable({ sink: { db: 'app', table: 't' }, info: info(chunkKey) }, 'app', 't', { keyIndexed, otherUniques }, () => (raw) => raw);
const cols = ['id', 'u', 'v'];
const ins = (after: string[]): RowChange => ({ db: 'src', table: 't', type: 'insert', before: null, after, columns: cols });
const upd = (before: string[], after: string[]): RowChange => ({ db: 'src', table: 't', type: 'update', before, after, columns: cols });
const del = (before: (string | null)[]): RowChange => ({ db: 'src', table: 't', type: 'delete', before, after: null, columns: cols });

test('net effect per key, strict: one DELETE of the keys that existed (each must be found), one INSERT of the final images', () => {
  const p = plan(['id']);
  const out = netEffectStatements(p, [ins(['1', '10', 'a']), upd(['1', '10', 'a'], ['1', '11', 'b']), upd(['2', '20', 'x'], ['3', '20', 'x']), del(['4', '40', 'y']), ins(['5', '50', 'z']), del(['5', '50', 'z'])], 'strict');
  assert.equal(out.length, 2);
  assert.equal(out[0]!.sql, 'DELETE FROM "app"."t" WHERE "id" IN ($1, $2)');
  assert.deepEqual(out[0]!.params, ['2', '4']);
  assert.equal(out[0]!.expect, 2);
  assert.equal(out[1]!.sql, 'INSERT INTO "app"."t" ("id", "u", "v") VALUES ($1, $2, $3), ($4, $5, $6)');
  assert.deepEqual(out[1]!.params, ['1', '11', 'b', '3', '20', 'x']);
});

test('net effect, reconcile: keys that end removed are deleted if present, final images upserted on the key', () => {
  const out = netEffectStatements(plan(['id']), [ins(['1', '10', 'a']), del(['2', '20', 'x'])], 'reconcile');
  assert.equal(out[0]!.sql, 'DELETE FROM "app"."t" WHERE "id" IN ($1)');
  assert.equal(out[0]!.expect, null);
  assert.match(out[1]!.sql, /ON CONFLICT \("id"\) DO UPDATE SET "u" = EXCLUDED\."u", "v" = EXCLUDED\."v"$/);
  // Without a unique index on the key on the sink, every touched key is deleted first and the images inserted.
  const bare = netEffectStatements(plan(['id'], [], false), [ins(['1', '10', 'a'])], 'reconcile');
  assert.deepEqual(bare.map((s) => s.sql.split(' (')[0]), ['DELETE FROM "app"."t" WHERE "id" IN', 'INSERT INTO "app"."t"']);
});

test('a composite key is matched as a row value', () => {
  const out = netEffectStatements(plan(['id', 'u']), [del(['1', '2', 'a'])], 'strict');
  assert.equal(out[0]!.sql, 'DELETE FROM "app"."t" WHERE ("id", "u") IN (($1, $2))');
});

test('strict primary-key change: an UPDATE found by the old key; reconcile: delete the old key, replace the new image', () => {
  const p = plan(['id'], [['u']]);
  const [s] = changeStatements(p, upd(['1', '10', 'a'], ['9', '10', 'a']), 'strict');
  assert.equal(s!.sql, 'UPDATE "app"."t" SET "id" = $1, "u" = $2, "v" = $3 WHERE "id" = $4');
  assert.deepEqual(s!.params, ['9', '10', 'a', '1']);
  assert.equal(s!.expect, 1);
  const r = changeStatements(p, upd(['1', '10', 'a'], ['9', '10', 'a']), 'reconcile');
  assert.deepEqual(
    r.map((x) => x.sql),
    ['DELETE FROM "app"."t" WHERE "id" = $1', 'DELETE FROM "app"."t" WHERE ("id" = $1) OR ("u" = $2)', 'INSERT INTO "app"."t" ("id", "u", "v") VALUES ($1, $2, $3)'],
  );
});

test('a table with another unique index is applied change by change, in binlog order (a swap of unique values keeps its order)', () => {
  const p = plan(['id'], [['u']]);
  assert.equal(p.netEffect, false);
  const out = batchStatements([upd(['1', '10', 'a'], ['1', '-1', 'a']), upd(['2', '20', 'b'], ['2', '10', 'b']), upd(['1', '-1', 'a'], ['1', '20', 'a'])], () => p, 'strict', true);
  assert.deepEqual(out.map((s) => s.params[1]), ['-1', '10', '20']);
});

test('keyless: one row holding the whole before image, by ctid; NULL matched with IS NULL', () => {
  const p = plan([]);
  const [d] = changeStatements(p, del(['1', null, 'a']), 'reconcile');
  assert.equal(d!.sql, 'DELETE FROM "app"."t" WHERE ctid = (SELECT ctid FROM "app"."t" WHERE "id" = $1 AND "u" IS NULL AND "v" = $2 LIMIT 1)');
  assert.deepEqual(d!.params, ['1', 'a']);
  assert.equal(d!.expect, 1);
});

test('inlined statements: quotes doubled, NULL bare, $n in a quoted identifier kept, $10 not read as $1', () => {
  const params = Array.from({ length: 10 }, (_, i) => `v${i + 1}`);
  params[0] = "it's \\ x";
  params[1] = null as unknown as string;
  assert.equal(inlineParams({ sql: 'INSERT INTO "a$1" VALUES ($1, $2, $10)', params }), `INSERT INTO "a$1" VALUES ('it''s \\ x', NULL, 'v10')`);
});

test('ALTER TABLE clauses that map: ADD (type, NOT NULL, DEFAULT), DROP, RENAME COLUMN; others say why not', () => {
  const sql = "ALTER TABLE t ADD COLUMN n INT UNSIGNED NOT NULL DEFAULT -3, ADD s VARCHAR(20) CHARACTER SET latin1 DEFAULT 'it''s' AFTER id, DROP COLUMN IF EXISTS old, RENAME COLUMN a TO b, ALGORITHM=INPLACE";
  const c = translateAlter(tokenize(sql), sql, 'utf8mb4');
  assert.ok(Array.isArray(c), String(c));
  const [n, s0, d, r] = c;
  const s = s0 as Extract<AlterClause, { kind: 'add' }>;
  assert.deepEqual(n, { kind: 'add', column: 'n', ifNotExists: false, typeWord: 'INT', notNull: true, default: '-3', info: column('n', 'int', { columnType: 'int unsigned', nullable: false }) });
  assert.equal(s.default, "it's");
  assert.equal(s.position, 'AFTER id');
  assert.equal(s.info.columnType, 'varchar(20)');
  assert.equal(s.info.charset, 'latin1');
  assert.deepEqual(d, { kind: 'drop', column: 'old', ifExists: true });
  assert.deepEqual(r, { kind: 'rename', column: 'a', to: 'b' });
  for (const [bad, why] of [
    ['ALTER TABLE t MODIFY v VARCHAR(50)', /MODIFY V/],
    ['ALTER TABLE t ADD INDEX i (v)', /ADD INDEX/],
    ['ALTER TABLE t ADD COLUMN ts TIMESTAMP DEFAULT CURRENT_TIMESTAMP', /not a plain literal/],
    ['ALTER TABLE t ADD COLUMN k INT AUTO_INCREMENT', /AUTO_INCREMENT/],
  ] as const) {
    const out = translateAlter(tokenize(bad), bad, 'utf8mb4');
    assert.equal(typeof out, 'string', bad);
    assert.match(out as string, why);
  }
});
