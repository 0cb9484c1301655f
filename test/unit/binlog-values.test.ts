import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BinlogType as T, converterFor, formatInet4, formatInet6, formatUuid, parseInet6, type BinlogColumnDef, type ColumnHint } from '../../engine/source/mysql/binlog-values.js';
import { schemaLabels } from '../../engine/source/mysql/binlog-table-state.js';
import { fixedDouble, mariadbDouble } from '../../engine/mysql/double-text.js';

const bytes = (hex: string): string => Buffer.from(hex.replace(/[^0-9a-f]/gi, ''), 'hex').toString('latin1');
const hint = (dataType: string, columnType = dataType): ColumnHint => ({ dataType, columnType, generated: false });
const conv = (type: number, h: ColumnHint | null = null, labels: string[] | null = null) =>
  converterFor({ name: 'c', type, labels, hint: h } satisfies BinlogColumnDef);

test('doubles print as MariaDB prints them (shortest digits, its switch to exponent form)', () => {
  const cases: [number, string][] = [
    [0, '0'], [-0, '0'], [0.1, '0.1'], [-1.5, '-1.5'], [100, '100'], [1e14, '100000000000000'], [1e15, '1e15'], [1e16, '1e16'], [1234567890123456.7, '1234567890123456.8'],
    [123456789012345680000, '1.2345678901234568e20'], [1.7976931348623157e308, '1.7976931348623157e308'],
    [5e-324, '5e-324'], [1e-14, '0.00000000000001'], [1e-15, '0.000000000000001'], [1e-16, '1e-16'], [0.30000000000000004, '0.30000000000000004'],
    [Math.fround(0.1), '0.10000000149011612'], [16777217, '16777217'], [9007199254740992, '9.007199254740992e15'],
  ];
  for (const [x, s] of cases) assert.equal(mariadbDouble(x), s, String(x));
});

test('DOUBLE(M,D) prints D decimals, exactly rounded, without a sign on zero', () => {
  assert.equal(fixedDouble(0.125, 5), '0.12500');
  assert.equal(fixedDouble(0.125, 2), '0.12'); // exact tie: to even
  assert.equal(fixedDouble(0.375, 2), '0.38');
  assert.equal(fixedDouble(2.675, 2), '2.67'); // 2.67499999… in binary
  assert.equal(fixedDouble(-0, 5), '0.00000');
  assert.equal(fixedDouble(-0.000001, 5), '0.00000');
  assert.equal(fixedDouble(-0.000006, 5), '-0.00001');
  assert.equal(fixedDouble(12345678901234567, 0), '12345678901234568');
  assert.equal(fixedDouble(1e19, 0), '10000000000000000000');
  assert.equal(fixedDouble(-9999999999.99999, 5), '-9999999999.99999');
  assert.equal(fixedDouble(5e-324, 3), '0.000');
});

test('UUID, INET4 and INET6 bytes become the server text form', () => {
  assert.equal(formatUuid(bytes('123e4567e89b12d3a456426614174000')), '123e4567-e89b-12d3-a456-426614174000');
  assert.equal(formatInet4(bytes('ff000001')), '255.0.0.1');
  const v6: [string, string][] = [
    ['00000000000000000000000000000000', '::'],
    ['00000000000000000000000000000001', '::1'],
    ['00000000000000000000000000000002', '::2'],
    ['00000000000000000000000001020304', '::1.2.3.4'],
    ['00000000000000000000000000000100', '::100'],
    ['00000000000000000000ffff00000000', '::ffff:0.0.0.0'],
    ['00000000000000000000000000010000', '::0.1.0.0'],
    ['00010000000100000000000100000001', '1:0:1::1:0:1'],
    ['00010000000100010001000100010001', '1::1:1:1:1:1:1'],
    ['00010000000000010000000000010001', '1::1:0:0:1:1'],
    ['00000000000100000000000000010001', '0:0:1::1:1'],
    ['0000000000000000ffff000001020304', '::ffff:0:102:304'],
    ['0000000000000000000000010000ffff', '::1:0:ffff'],
    ['00010002000300040005000600070000', '1:2:3:4:5:6:7::'],
    ['00000000000000010000000000000000', '0:0:0:1::'],
    ['20010db8000000000000ff0000428329', '2001:db8::ff00:42:8329'],
  ];
  for (const [hex, text] of v6) assert.equal(formatInet6(bytes(hex)), text, hex);
});

test('column converters: integers, zerofill, YEAR 0000, ENUM index 0, SET members, bytes', () => {
  assert.equal(conv(T.LONGLONG)('18446744073709551615'), '18446744073709551615');
  assert.equal(conv(T.LONG)(-5), '-5');
  assert.equal(conv(T.LONG, hint('int', 'int(6) unsigned zerofill'))(42), '000042');
  assert.equal(conv(T.LONG, hint('int', 'int(6) unsigned zerofill'))(1234567), '1234567');
  assert.equal(conv(T.NEWDECIMAL, hint('decimal', 'decimal(8,3) unsigned zerofill'))('1.500'), '00001.500');
  assert.equal(conv(T.NEWDECIMAL, hint('decimal', 'decimal(5,0) unsigned zerofill'))('7'), '00007');
  assert.equal(conv(T.NEWDECIMAL)('-0.000000000000000000000000000001'), '-0.000000000000000000000000000001');
  assert.equal(conv(T.DOUBLE, hint('double', 'double unsigned zerofill'))(1.5), '00000000000000000001.5');
  assert.equal(conv(T.DOUBLE, hint('double', 'double(15,5)'))(0.125), '0.12500');
  assert.equal(conv(T.FLOAT, hint('float', 'float(7,2)'))(Math.fround(0.1)), '0.10000000149011612');
  assert.equal(conv(T.YEAR)(1900), '0000');
  assert.equal(conv(T.YEAR)(2155), '2155');
  const labels = ['a,b', '', bytes('c39c')];
  assert.equal(conv(T.ENUM, null, labels)(undefined), '');
  assert.equal(conv(T.ENUM, null, labels)(3), bytes('c39c'));
  assert.equal(conv(T.ENUM, null, labels)(null), null);
  assert.equal(conv(T.SET, null, ['red', 'green', 'blue'])('0,2'), 'red,blue');
  assert.equal(conv(T.SET, null, ['red'])(''), '');
  assert.equal(conv(T.BIT)(Buffer.from([0x1f, 0xff])), bytes('1fff'));
  assert.equal(conv(T.BLOB)(Buffer.from([0, 0x80, 0xff])), bytes('0080ff'));
  assert.equal(conv(T.STRING, hint('uuid'))(Buffer.from('123e4567e89b12d3a456426614174000', 'hex')), '123e4567-e89b-12d3-a456-426614174000');
  assert.equal(conv(T.STRING, hint('inet6'))(Buffer.from('00000000000000000000ffff01020304', 'hex')), '::ffff:1.2.3.4');
  assert.equal(conv(T.DATETIME2)('0000-00-00 00:00:00.000000'), '0000-00-00 00:00:00.000000');
  assert.equal(conv(T.VARCHAR)(bytes('e98081')), bytes('e98081'));
  assert.equal(conv(T.VARCHAR)(null), null);
});

test('IPv6 text (as zongji sends it with binlog_row_metadata=MINIMAL) parses back to the bytes the server formats', () => {
  for (const [text, canonical] of [
    ['1:0:1:1:1:1:1:1', '1:0:1:1:1:1:1:1'],
    ['1:2:3:4:5:6:7:0', '1:2:3:4:5:6:7:0'],
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
    ['::', '::'],
    ['2001:db8::ff00:42:8329', '2001:db8::ff00:42:8329'],
    ['0:0:0:0:0:0:0:1', '::1'],
  ] as const) {
    const bytes = parseInet6(text, 'c');
    assert.equal(bytes.length, 16, text);
    assert.equal(parseInet6(formatInet6(bytes), 'c'), bytes, `${text} round-trips`);
    if (canonical === '::1') assert.equal(formatInet6(bytes), '::1');
  }
  assert.throws(() => parseInet6('1::2::3', 'c'), /not an IPv6 address/);
  assert.throws(() => parseInet6('1:2:3', 'c'), /not an IPv6 address/);
});

test('ENUM/SET labels from COLUMN_TYPE (binlog_row_metadata=MINIMAL) become the stored bytes', () => {
  assert.deepEqual(schemaLabels("enum('a','it''s','x,y','é')", 'utf8mb4', 't'), ['a', "it's", 'x,y', '\xc3\xa9']);
  assert.deepEqual(schemaLabels("set('1','2')", 'latin1', 't'), ['1', '2']);
  assert.throws(() => schemaLabels("enum('é')", 'latin1', 't'), /not ASCII in character set latin1/);
});
