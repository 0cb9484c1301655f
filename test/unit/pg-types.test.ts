import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ColumnInfo } from '../../engine/core/tables.js';
import { pgColumnType } from '../../engine/sink/postgres/types.js';
import { column } from '../helpers/columns.js';

const t = (dataType: string, columnType = dataType, extra: Partial<ColumnInfo> = {}): string => pgColumnType(column('c', dataType, { columnType, ...extra })).sql;

test('integers map by range; UNSIGNED widens to the next type that holds every value', () => {
  assert.equal(t('tinyint', 'tinyint(4)'), 'smallint');
  assert.equal(t('tinyint', 'tinyint(3) unsigned'), 'smallint');
  assert.equal(t('tinyint', 'tinyint(1)'), 'smallint'); // BOOLEAN: kept a number, by range
  assert.equal(t('smallint', 'smallint(6)'), 'smallint');
  assert.equal(t('smallint', 'smallint(5) unsigned'), 'integer');
  assert.equal(t('mediumint', 'mediumint(9)'), 'integer');
  assert.equal(t('mediumint', 'mediumint(8) unsigned'), 'integer');
  assert.equal(t('int', 'int(11)'), 'integer');
  assert.equal(t('int', 'int(10) unsigned'), 'bigint');
  assert.equal(t('int', 'int(6) unsigned zerofill'), 'bigint');
  assert.equal(t('bigint', 'bigint(20)'), 'bigint');
  assert.equal(t('bigint', 'bigint(20) unsigned'), 'numeric(20)');
  assert.equal(pgColumnType(column('c', 'bigint', { columnType: 'bigint(20) unsigned' })).rule, 'BIGINT UNSIGNED → numeric(20)');
});

test('decimals keep precision and scale; floats keep their width', () => {
  assert.equal(t('decimal', 'decimal(65,30)'), 'numeric(65,30)');
  assert.equal(t('decimal', 'decimal(65,0)'), 'numeric(65)');
  assert.equal(t('decimal', 'decimal(10,2) unsigned'), 'numeric(10,2)');
  assert.equal(t('decimal', 'decimal(5,5)'), 'numeric(5,5)');
  assert.equal(t('float', 'float'), 'real');
  assert.equal(t('float', 'float(7,2)'), 'real');
  assert.equal(t('double', 'double'), 'double precision');
  assert.equal(t('double', 'double(15,5)'), 'double precision');
});

test('temporal types: DATETIME → timestamp(n), TIMESTAMP → timestamptz(n), TIME → interval, YEAR → smallint', () => {
  assert.equal(t('date'), 'date');
  assert.equal(t('datetime', 'datetime'), 'timestamp(0)');
  assert.equal(t('datetime', 'datetime(6)'), 'timestamp(6)');
  assert.equal(t('datetime', 'datetime(3)'), 'timestamp(3)');
  assert.equal(t('timestamp', 'timestamp(6)'), 'timestamptz(6)');
  assert.equal(t('timestamp', 'timestamp'), 'timestamptz(0)');
  assert.equal(t('time', 'time(6)'), 'interval');
  assert.equal(t('year', 'year(4)'), 'smallint');
});

test('policy "text": date and timestamp columns become text holding MySQL\'s text', () => {
  const c = column('c', 'datetime', { columnType: 'datetime(6)' });
  assert.equal(pgColumnType(c, { unholdable: 'text' }).sql, 'text');
  assert.equal(pgColumnType(column('c', 'timestamp'), { unholdable: 'text' }).sql, 'text');
  assert.equal(pgColumnType(column('c', 'date'), { unholdable: 'text' }).sql, 'text');
  assert.equal(pgColumnType(column('c', 'time'), { unholdable: 'text' }).sql, 'interval');
  assert.equal(pgColumnType(c, { unholdable: 'null' }).sql, 'timestamp(6)');
});

test('strings, binaries, JSON, ENUM, SET, BIT, geometry, MariaDB UUID and INET', () => {
  assert.equal(t('char', 'char(10)', { charset: 'utf8mb4' }), 'char(10)');
  assert.equal(t('varchar', 'varchar(255)', { charset: 'latin1' }), 'varchar(255)');
  for (const x of ['tinytext', 'text', 'mediumtext', 'longtext']) assert.equal(t(x), 'text');
  for (const x of ['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob']) assert.equal(t(x), 'bytea');
  assert.equal(t('json', 'longtext'), 'jsonb');
  assert.equal(t('enum', "enum('a','b')"), 'text');
  assert.equal(t('set', "set('a','b')"), 'text');
  assert.equal(t('bit', 'bit(1)'), 'bit varying(1)');
  assert.equal(t('bit', 'bit(64)'), 'bit varying(64)');
  for (const g of ['geometry', 'point', 'polygon', 'geometrycollection', 'multipolygon']) assert.equal(t(g), 'bytea');
  assert.equal(t('uuid'), 'uuid');
  assert.equal(t('inet6'), 'inet');
  assert.equal(t('inet4'), 'inet');
});

test('a type override is taken as written; a type without a rule is refused naming the column', () => {
  assert.deepEqual(pgColumnType(column('c', 'int', { columnType: 'int(11)' }), { override: 'bigint' }), { sql: 'bigint', rule: 'job file: int(11) → bigint' });
  assert.throws(() => pgColumnType(column('weird', 'vector', { columnType: 'vector(3)' })), /weird.*vector\(3\)/);
});
