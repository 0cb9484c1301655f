// The PostgreSQL sink's columns read back as MySQL types (sink-table.ts), for a Kafka source that has no
// MySQL server: each PostgreSQL type as format_type() prints it maps to a MySQL type that maps forward to
// the same PostgreSQL type again (types.ts), so the values a message carries are written as a copy would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mysqlColumnOf } from '../../engine/sink/postgres/sink-table.js';
import { pgColumnType } from '../../engine/sink/postgres/types.js';
import { CutoverError } from '../../shared/errors.js';

const of = (type: string, notnull = false) => mysqlColumnOf({ name: 'c', type, notnull, generated: false }, '"s"."t"');

test('every type the sink creates maps back to a MySQL type that maps forward to it again', () => {
  // format_type() output → what pgColumnType writes for the MySQL type it maps back to
  const cases: [string, string][] = [
    ['smallint', 'smallint'],
    ['integer', 'integer'],
    ['bigint', 'bigint'],
    ['numeric(20,0)', 'numeric(20)'],
    ['numeric(12,3)', 'numeric(12,3)'],
    ['real', 'real'],
    ['double precision', 'double precision'],
    ['date', 'date'],
    ['timestamp(6) without time zone', 'timestamp(6)'],
    ['timestamp(0) without time zone', 'timestamp(0)'],
    ['timestamp(3) with time zone', 'timestamptz(3)'],
    ['interval', 'interval'],
    ['character varying(60)', 'varchar(60)'],
    ['character(3)', 'char(3)'],
    ['text', 'text'],
    ['bytea', 'bytea'],
    ['jsonb', 'jsonb'],
    ['bit varying(5)', 'bit varying(5)'],
    ['uuid', 'uuid'],
    ['inet', 'inet'],
  ];
  for (const [pg, forward] of cases) assert.equal(pgColumnType(of(pg)).sql, forward, pg);
});

test('text columns are read as utf8mb4, bytea as binary; NOT NULL and the column name are kept', () => {
  const v = of('character varying(10)', true);
  assert.equal(v.charset, 'utf8mb4');
  assert.equal(v.nullable, false);
  assert.equal(v.name, 'c');
  assert.equal(of('bytea').charset, 'binary');
  assert.equal(of('integer').charset, null);
  assert.equal(of('integer').nullable, true);
  // numeric(20,0) holds every BIGINT UNSIGNED: read as DECIMAL(20,0), which takes a message's integer exactly
  assert.equal(of('numeric(20,0)').columnType, 'decimal(20,0)');
  assert.equal(of('timestamp without time zone').columnType, 'datetime(6)');
});

test('a type no MySQL type maps to is refused naming the column, the table and the fix', () => {
  assert.throws(
    () => of('tsvector'),
    (e: unknown) => e instanceof CutoverError && /Column c of the PostgreSQL sink table "s"."t" has type tsvector/.test(e.message) && /ALTER TABLE "s"."t" ALTER COLUMN "c" TYPE/.test(e.fix ?? ''),
  );
});
