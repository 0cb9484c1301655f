// The search sink's pure rules: _id (reversible), FLOAT text, BIT digits, index names, the flavour from the
// root endpoint, mappings from source types, and the job file's "elasticsearch" sink.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bitDigits, dateFormat, documentId, fieldRule, float32Text, keyTextsOf } from '../../engine/sink/elasticsearch/fields.js';
import { indexNameProblem } from '../../engine/sink/elasticsearch/index-name.js';
import { clusterInfoOf } from '../../engine/sink/elasticsearch/cluster.js';
import { decodeText } from '../../engine/mysql/column-text.js';
import { parseJobConfig } from '../../shared/job-config.js';
import type { ColumnInfo } from '../../engine/core/tables.js';

const col = (dataType: string, columnType: string, charset: string | null = null): ColumnInfo => ({ name: 'c', dataType, columnType, charset, collation: null, nullable: true, generated: false });

test('_id: one key column as its text, composite / empty / "[" keys as a JSON array, and back', () => {
  for (const key of [['42'], ['abc'], [''], ['[x'], ['1', 'Ab'], ['a"b', '']]) {
    const id = documentId(key);
    assert.deepEqual(keyTextsOf(id), key, id);
  }
  assert.equal(documentId(['42']), '42');
  assert.equal(documentId(['1', 'Ab']), '["1","Ab"]');
  assert.equal(documentId(['']), '[""]');
});

test('FLOAT: the shortest decimal of the same 32-bit float', () => {
  assert.equal(float32Text('3.140000104904175'), '3.14');
  assert.equal(float32Text('-1.1754943508222875e-38'), '-1.1754944e-38');
  assert.equal(float32Text('0'), '0');
  assert.equal(Math.fround(Number(float32Text('16777217'))), Math.fround(16777217));
});

test('BIT digits, date formats, the _source tokens of numbers', () => {
  assert.equal(bitDigits('\xff\xff\xff\xff\xff\xff\xff\xff'), '18446744073709551615');
  assert.equal(dateFormat('datetime', 'datetime(6)'), 'yyyy-MM-dd HH:mm:ss.SSSSSS');
  assert.equal(dateFormat('date', 'date'), 'yyyy-MM-dd');
  assert.equal(fieldRule(col('int', 'int(11)')).render('-5', ''), '-5');
  assert.equal(fieldRule(col('int', 'int(6) unsigned zerofill')).render('999999', ''), '"999999"');
  assert.equal(fieldRule(col('year', 'year(4)')).render('0000', ''), '"0000"');
  assert.equal(fieldRule(col('bigint', 'bigint(20)')).render('9223372036854775807', ''), '"9223372036854775807"');
  assert.deepEqual(fieldRule(col('bigint', 'bigint(20) unsigned')).mapping, { type: 'keyword' });
  assert.equal(fieldRule(col('json', 'json')).render('{"a": 12345678901234567890}', ''), '{"a": 12345678901234567890}');
  assert.throws(() => fieldRule(col('json', 'json')).render('{bad', ''));
  assert.equal(fieldRule(col('varbinary', 'varbinary(4)')).render('\x00\xff', ''), '"AP8="');
});

test('text: latin1 as cp1252, sjis as MySQL maps it, invalid bytes refused', () => {
  assert.equal(decodeText('\x80\x81', 'latin1', 'x'), '€\x81');
  assert.equal(decodeText('\x83\x5c\x81\x5f', 'sjis', 'x'), 'ソ\\');
  assert.throws(() => decodeText('\xff\xfe', 'utf8mb4', 'the value'), /not valid utf8mb4/);
});

test('index names the clusters refuse are named, not changed', () => {
  assert.equal(indexNameProblem('shop.orders'), null);
  assert.match(indexNameProblem('shop.Orders')!, /upper-case/);
  assert.match(indexNameProblem('we`ird tab')!, /space/);
  assert.match(indexNameProblem('_x')!, /starts with/);
});

test('the flavour from the root endpoint', () => {
  assert.deepEqual(clusterInfoOf({ version: { distribution: 'opensearch', number: '2.19.1' } }), { flavour: 'opensearch', version: '2.19.1', major: 2, title: 'OpenSearch 2.19.1' });
  assert.equal(clusterInfoOf({ version: { number: '7.17.10', build_flavor: 'oss' } }).title, 'Elasticsearch 7.17.10');
  assert.throws(() => clusterInfoOf({ tagline: 'x' }));
});

test('job file: an "elasticsearch" sink, its defaults, and what it refuses', () => {
  const base = { name: 'j', source: { url: 'mysql://u@h:3306' }, tables: { include: ['shop.*'] }, mode: 'snapshot' };
  const f = parseJobConfig({ ...base, sink: { type: 'elasticsearch', url: 'http://127.0.0.1:9200' } });
  assert.equal(f.sink.type === 'elasticsearch' && f.sink.index, '{db}.{table}');
  for (const mode of ['snapshot+stream', 'stream']) assert.equal(parseJobConfig({ ...base, mode, sink: { type: 'elasticsearch', url: 'http://127.0.0.1:9200' } }).mode, mode);
  assert.throws(() => parseJobConfig({ ...base, sink: { type: 'elasticsearch', url: 'http://u:p@127.0.0.1:9200' } }), /credentials/);
  assert.throws(() => parseJobConfig({ ...base, sink: { type: 'elasticsearch', url: 'http://h:9200', passwordEnv: 'P' } }), /user name and a password/);
  assert.throws(() => parseJobConfig({ ...base, sink: { type: 'elasticsearch', url: 'http://h:9200', index: '{schema}' } }), /unknown placeholder/);
});
