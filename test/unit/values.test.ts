import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeKey, encodeKey, keyCompare, keyRenderer, selectExpr, valueRenderer } from '../../engine/mysql/values.js';
import { column } from '../helpers/columns.js';
import type { ColumnInfo } from '../../engine/core/tables.js';

const col = (dataType: string, extra: Partial<ColumnInfo> = {}): ColumnInfo => column('c', dataType, extra);
const b = (s: string, enc: BufferEncoding = 'latin1'): string => Buffer.from(s, enc).toString('latin1');
const bytes = (a: number[]): string => Buffer.from(a).toString('latin1');
const hexOf = (s: string): string => Buffer.from(s, 'latin1').toString('hex');

test('numbers are written as the server printed them, unquoted and unrounded', () => {
  const r = valueRenderer(col('bigint'));
  assert.equal(r(b('18446744073709551615')), '18446744073709551615');
  assert.equal(valueRenderer(col('decimal'))(b('-99999999999999999999999999999999999.999999999999999999999999999999')), '-99999999999999999999999999999999999.999999999999999999999999999999');
  assert.equal(r(null), 'NULL');
});

test('FLOAT is selected widened to DOUBLE (its text form is rounded)', () => {
  assert.equal(selectExpr(col('float')), '(`c` + 0E0)');
  assert.equal(selectExpr(col('double')), '`c`');
});

test('temporal values are quoted as text, zero dates included', () => {
  const r = valueRenderer(col('datetime'));
  assert.equal(r(b('0000-00-00 00:00:00')), "'0000-00-00 00:00:00'");
  assert.equal(r(b('2024-02-29 23:59:59.999999')), "'2024-02-29 23:59:59.999999'");
  assert.equal(valueRenderer(col('time'))(b('-838:59:59.000000')), "'-838:59:59.000000'");
});

test('plain ASCII strings are quoted; anything else is hex, so bytes never pass through a charset conversion', () => {
  const r = valueRenderer(col('varchar', { charset: 'latin1' }));
  assert.equal(r(b('hello world')), "'hello world'");
  assert.equal(r(bytes([0x80, 0x9f])), "X'809f'");
  assert.equal(r(b("it's")), "X'69742773'");
  assert.equal(r(b('back\\slash')), "X'" + hexOf(b('back\\slash')) + "'");
  assert.equal(r(b('')), "''");
  assert.equal(r(b('tab\there')), "X'" + hexOf(b('tab\there')) + "'");
});

test('wide character sets are always hex', () => {
  const r = valueRenderer(col('varchar', { charset: 'utf16' }));
  assert.equal(r(b('\u0000a')), "X'0061'");
});

test('BIT, GEOMETRY and unknown types are hex; binary strings may be quoted when plain', () => {
  assert.equal(valueRenderer(col('bit'))(bytes([1])), "X'01'");
  assert.equal(valueRenderer(col('geometry'))(bytes([0, 1, 2])), "X'000102'");
  assert.equal(valueRenderer(col('blob'))(bytes([0, 255])), "X'00ff'");
  assert.equal(valueRenderer(col('varbinary'))(b('abc')), "'abc'");
});

test('JSON is given a character set (MySQL rejects binary JSON text)', () => {
  assert.equal(valueRenderer(col('json'))(b('{"a":9223372036854775808}')), `CONVERT(X'${hexOf(b('{"a":9223372036854775808}'))}' USING utf8mb4)`);
});

test('string key literals carry charset and collation so the server compares as its index orders', () => {
  const r = keyRenderer(col('varchar', { charset: 'utf8mb4', collation: 'utf8mb4_general_ci' }));
  assert.equal(r(b('Ä', 'utf8')), "_utf8mb4 X'c384' COLLATE utf8mb4_general_ci");
  assert.equal(keyRenderer(col('int'))(b('42')), '42');
});

test('composite key comparisons are expanded for index range scans', () => {
  assert.equal(keyCompare(['a'], ['1'], '>'), 'a > 1');
  assert.equal(keyCompare(['a', 'b'], ['1', '2'], '>'), '((a > 1) OR (a = 1 AND b > 2))');
  assert.equal(keyCompare(['a', 'b'], ['1', '2'], '<='), '((a < 1) OR (a = 1 AND b <= 2))');
});

test('key values round-trip through the state file byte for byte', () => {
  const key = [bytes([0, 0xff, 0x80]), null, b('x')];
  assert.deepEqual(decodeKey(encodeKey(key)), key);
});
