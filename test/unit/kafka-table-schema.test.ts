// Sink tables from the Debezium schema envelope: each Connect type / Debezium semantic name (and its
// parameters) → the MySQL column type (debezium-schema.ts), the table's CREATE TABLE in SHOW CREATE TABLE
// form with the key from the message key (table-definition.ts), which the MySQL sink's rewrite takes as a
// copied table's and the PostgreSQL sink maps by its type rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { columnOf, fieldSchema, keyFields, rowFields, schemaColumns } from '../../engine/source/kafka/formats/debezium-schema.js';
import { tableInfoOf, KEY_TEXT_CHARS } from '../../engine/core/table-definition.js';
import { rewriteCreateTable } from '../../engine/mysql/ddl-rewrite.js';
import { pgColumnType } from '../../engine/sink/postgres/types.js';
import type { JsonObject } from '../../engine/source/kafka/formats/exact-json.js';

const field = (type: string, name?: string, parameters?: Record<string, string>, optional = true): JsonObject => ({ type, optional, ...(name ? { name } : {}), ...(parameters ? { parameters } : {}) }) as JsonObject;
const typeOf = (f: JsonObject): string => columnOf('c', fieldSchema(f)).columnType;

test('Connect types and Debezium semantic names map to the MySQL types that hold their values exactly', () => {
  const cases: [JsonObject, string][] = [
    [field('bytes', 'org.apache.kafka.connect.data.Decimal', { scale: '3', 'connect.decimal.precision': '12' }), 'decimal(12,3)'],
    [field('bytes', 'org.apache.kafka.connect.data.Decimal', { scale: '0', 'connect.decimal.precision': '20' }), 'decimal(20,0)'],
    [field('struct', 'io.debezium.data.VariableScaleDecimal'), 'decimal(65,30)'],
    [field('int32', 'io.debezium.time.Date'), 'date'],
    [field('int64', 'io.debezium.time.MicroTime'), 'time(6)'],
    [field('int64', 'io.debezium.time.Timestamp'), 'datetime(3)'],
    [field('int64', 'io.debezium.time.MicroTimestamp'), 'datetime(6)'],
    [field('string', 'io.debezium.time.ZonedTimestamp'), 'timestamp(6)'],
    [field('int32', 'io.debezium.time.Year'), 'year'],
    [field('string', 'io.debezium.data.Json'), 'json'],
    [field('string', 'io.debezium.data.Enum', { allowed: "a,b'c" }), "enum('a','b''c')"],
    [field('string', 'io.debezium.data.EnumSet', { allowed: 'x,y' }), "set('x','y')"],
    [field('bytes', 'io.debezium.data.Bits', { length: '12' }), 'bit(12)'],
    [field('int16'), 'smallint'],
    [field('int32'), 'int'],
    [field('int64'), 'bigint'],
    [field('float32'), 'float'],
    [field('float64'), 'double'],
    [field('boolean'), 'bit(1)'],
    [field('bytes'), 'longblob'],
    [field('string'), 'longtext'],
    // column.propagate.source.type: the source's own type, exactly
    [field('string', undefined, { '__debezium.source.column.type': 'VARCHAR', '__debezium.source.column.length': '60' }), 'varchar(60)'],
    [field('bytes', 'org.apache.kafka.connect.data.Decimal', { scale: '30', '__debezium.source.column.type': 'DECIMAL', '__debezium.source.column.length': '65', '__debezium.source.column.scale': '30' }), 'decimal(65,30)'],
    [field('int64', undefined, { '__debezium.source.column.type': 'BIGINT UNSIGNED', '__debezium.source.column.length': '20' }), 'bigint(20) unsigned'],
    [field('int64', 'io.debezium.time.MicroTimestamp', { '__debezium.source.column.type': 'DATETIME', '__debezium.source.column.length': '26', '__debezium.source.column.scale': '4' }), 'datetime(4)'],
  ];
  for (const [f, want] of cases) assert.equal(typeOf(f), want, JSON.stringify(f));
  assert.equal(columnOf('c', fieldSchema(field('int32', undefined, undefined, false))).nullable, false);
});

/** A Debezium value schema with an "after" struct, and the key schema. */
const valueSchema = {
  type: 'struct',
  fields: [
    {
      field: 'before',
      type: 'struct',
      optional: true,
      fields: [
        { field: 'code', type: 'string', optional: false },
        { field: 'n', type: 'int32', optional: false },
        { field: 'amount', type: 'bytes', optional: true, name: 'org.apache.kafka.connect.data.Decimal', parameters: { scale: '3', 'connect.decimal.precision': '12' } },
        { field: 'at', type: 'int64', optional: true, name: 'io.debezium.time.MicroTimestamp' },
        { field: 'note', type: 'string', optional: true },
        { field: 'raw', type: 'bytes', optional: true },
      ],
    },
    { field: 'op', type: 'string', optional: false },
  ],
} as unknown as JsonObject;
const keySchema = { type: 'struct', fields: [{ field: 'code', type: 'string', optional: false }, { field: 'n', type: 'int32', optional: false }] } as unknown as JsonObject;

test('the envelope defines the table: columns in order, the key from the key schema, a text key column made indexable', () => {
  const cols = schemaColumns(rowFields(valueSchema)!, keyFields(keySchema));
  assert.deepEqual(cols.key, ['code', 'n']);
  const info = tableInfoOf({ db: 'shop', table: 'orders' }, { columns: cols, key: cols.key ?? [] });
  assert.deepEqual(info.chunkKey, ['code', 'n']);
  assert.deepEqual(
    info.columns.map((c) => [c.name, c.columnType, c.nullable, c.charset]),
    [
      ['code', `varchar(${KEY_TEXT_CHARS})`, false, 'utf8mb4'],
      ['n', 'int', false, null],
      ['amount', 'decimal(12,3)', true, null],
      ['at', 'datetime(6)', true, null],
      ['note', 'longtext', true, 'utf8mb4'],
      ['raw', 'longblob', true, null],
    ],
  );
  assert.equal(
    info.createSql,
    [
      'CREATE TABLE `orders` (',
      '  `code` varchar(768) NOT NULL,\n  `n` int NOT NULL,\n  `amount` decimal(12,3) DEFAULT NULL,\n  `at` datetime(6) DEFAULT NULL,\n  `note` longtext DEFAULT NULL,\n  `raw` longblob DEFAULT NULL,\n  PRIMARY KEY (`code`,`n`)',
      ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin',
    ].join('\n'),
  );
  // The MySQL sink creates it as it would a copied table's (renamed, an excluded column left out).
  const rw = rewriteCreateTable(info.createSql, { source: info, sink: { db: 'shop_copy', table: 'orders' }, excludeColumns: new Set(['raw']), mapTable: (r) => r });
  assert.match(rw.sql, /^CREATE TABLE `shop_copy`\.`orders` \(/);
  assert.doesNotMatch(rw.sql, /`raw`/);
  assert.match(rw.sql, /PRIMARY KEY \(`code`,`n`\)/);
  // The PostgreSQL sink maps each by its type rules.
  assert.deepEqual(
    info.columns.map((c) => pgColumnType(c).sql),
    ['varchar(768)', 'integer', 'numeric(12,3)', 'timestamp(6)', 'text', 'bytea'],
  );
});

test('a keyless table (no message key) is created without a key; a key naming no column is refused', () => {
  const cols = schemaColumns(rowFields(valueSchema)!, null);
  const info = tableInfoOf({ db: 'shop', table: 'log' }, { columns: cols, key: [] });
  assert.deepEqual(info.chunkKey, []);
  assert.doesNotMatch(info.createSql, /PRIMARY KEY/);
  assert.ok(info.columns.every((c) => c.name === 'n' || c.name === 'code' ? !c.nullable : c.nullable));
  assert.throws(() => tableInfoOf({ db: 'shop', table: 'log' }, { columns: cols, key: ['id'] }), /names column\(s\) id/);
});
