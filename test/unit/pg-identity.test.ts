// Identity sequences during the stream into PostgreSQL (engine/sink/postgres/identity.ts): which values a
// batch moves each sequence past, and the statement that moves it only forward. Pure, no server (the
// statement against a real sequence: test/integration/postgres-stream-identity.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RowChange } from '../../engine/core/changes.js';
import type { TableInfo } from '../../engine/core/tables.js';
import { planPgTable, type PgTablePlan } from '../../engine/sink/postgres/change-plan.js';
import { advanceSql, advanceStatements, identityMaxima } from '../../engine/sink/postgres/identity.js';
import { column } from '../helpers/columns.js';

const info = (table: string, names: string[]): TableInfo => ({
  db: 'src', table, columns: names.map((n) => column(n, n === 'v' ? 'varchar' : 'bigint')), chunkKey: [names[0]!], chunkKeyName: 'PRIMARY',
  engine: 'InnoDB', estimatedRows: 0, dataBytes: 0, createSql: '', systemVersioned: false,
});
const planOf = (table: string, names: string[], identities: { column: string; sequence: string }[]): PgTablePlan =>
  planPgTable({ sink: { db: 'app', table }, info: info(table, names) }, 'app', table, { keyIndexed: true, otherUniques: [] }, () => (raw) => raw, identities);

const withId = planOf('t', ['id', 'v'], [{ column: 'id', sequence: 'app.t_id_seq' }]);
const noId = planOf('plain', ['id', 'v'], []);
const planFor = (c: RowChange): PgTablePlan => (c.table === 't' ? withId : noId);
const change = (table: string, type: RowChange['type'], before: string[] | null, after: string[] | null, columns = ['id', 'v']): RowChange => ({ db: 'src', table, type, before, after, columns });

test('the largest identity value among the new images of inserts and updates, per table; deletes and tables without identity add nothing', () => {
  const maxima = identityMaxima(
    [
      change('t', 'insert', null, ['5', 'a']),
      change('t', 'insert', null, ['1000000000000000000', 'b']),
      change('t', 'insert', null, ['999', 'c']),
      change('t', 'delete', ['2000000000000000000', 'x'], null),
      change('plain', 'insert', null, ['9000', 'z']),
    ],
    planFor,
  );
  assert.deepEqual([...maxima.keys()], [withId]);
  assert.equal(maxima.get(withId)!.get(0), 1000000000000000000n, 'compared as integers, not as text ("999" > "1000…" as text)');
  const upd = identityMaxima([change('t', 'insert', null, ['7', 'a']), change('t', 'update', ['7', 'a'], ['70', 'a'])], planFor);
  assert.equal(upd.get(withId)!.get(0), 70n, 'an update that raises the key moves the sequence too');
});

test('the identity column is found by name in the row image, whatever its position', () => {
  const maxima = identityMaxima([change('t', 'insert', null, ['b', '41'], ['v', 'id']), change('t', 'insert', null, [null as unknown as string, '3'], ['v', 'id'])], planFor);
  assert.equal(maxima.get(withId)!.get(0), 41n);
  assert.equal(identityMaxima([change('t', 'insert', null, [null as unknown as string, 'x'])], planFor).size, 0, 'a NULL identity value moves nothing');
});

test('one forward-only setval per touched identity column, with the sequence named as the catalog gives it', () => {
  const moves = advanceStatements(identityMaxima([change('t', 'insert', null, ['12', 'a']), change('t', 'insert', null, ['30', 'b'])], planFor));
  assert.equal(moves.length, 1);
  assert.equal(moves[0]!.column, 'id');
  assert.equal(moves[0]!.sql, advanceSql('app.t_id_seq', 30n));
  assert.equal(
    advanceSql('"My Schema"."T_id_seq"', 30n),
    `SELECT setval('"My Schema"."T_id_seq"'::regclass, 30::bigint) FROM "My Schema"."T_id_seq" WHERE CASE WHEN is_called THEN last_value < 30::bigint ELSE last_value <= 30::bigint END`,
  );
});
