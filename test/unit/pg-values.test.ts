import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CutoverError } from '../../shared/errors.js';
import type { ColumnInfo } from '../../engine/core/tables.js';
import { copyEscape, holdableDate, mysqlGeometryToEwkb, pgText, type ValueContext } from '../../engine/sink/postgres/values.js';
import type { UnholdablePolicy } from '../../engine/sink/postgres/types.js';
import { column } from '../helpers/columns.js';

const ctx = (policy: UnholdablePolicy = 'stop'): ValueContext => ({ table: 'shop.t', key: () => '(id) = (7)', policy });
const col = (dataType: string, columnType = dataType, extra: Partial<ColumnInfo> = {}): ColumnInfo => column('c', dataType, { columnType, ...extra });
/** A raw value: the column's bytes as a byte string. */
const raw = (s: string, enc: BufferEncoding = 'utf8'): string => Buffer.from(s, enc).toString('latin1');
const hexRaw = (h: string): string => Buffer.from(h, 'hex').toString('latin1');

test('NULL is null for every type', () => {
  for (const t of ['int', 'date', 'varchar', 'blob', 'bit', 'json', 'geometry']) assert.equal(pgText(col(t), null, ctx()), null);
});

test('integers, decimals and floats pass as the server printed them (edge values of the fixture)', () => {
  for (const v of ['-128', '18446744073709551615', '-9223372036854775808', '000042', '9007199254740993'])
    assert.equal(pgText(col('bigint'), raw(v), ctx()), v);
  for (const v of ['99999999999999999999999999999999999.999999999999999999999999999999', '-0.00001', '0.000000000000000000000000000001'])
    assert.equal(pgText(col('decimal', 'decimal(65,30)'), raw(v), ctx()), v);
  // FLOAT is read widened to DOUBLE: real parses the double's text back to the same single.
  for (const v of ['0.10000000149011612', '3.4028234663852886e38', '1.401298464324817e-45', '-0', '1.7976931348623157e308', '5e-324'])
    assert.equal(pgText(col('double'), raw(v), ctx()), v);
  assert.equal(pgText(col('year'), raw('0000'), ctx()), '0000');
});

test('dates and datetimes that PostgreSQL holds pass; TIMESTAMP (UTC) gets +00', () => {
  assert.equal(pgText(col('date'), raw('1000-01-01'), ctx()), '1000-01-01');
  assert.equal(pgText(col('date'), raw('2024-02-29'), ctx()), '2024-02-29');
  assert.equal(pgText(col('datetime', 'datetime(6)'), raw('9999-12-31 23:59:59.999999'), ctx()), '9999-12-31 23:59:59.999999');
  assert.equal(pgText(col('datetime'), raw('0001-01-01 00:00:01'), ctx()), '0001-01-01 00:00:01');
  assert.equal(pgText(col('timestamp', 'timestamp(6)'), raw('2038-01-19 03:14:07.999999'), ctx()), '2038-01-19 03:14:07.999999+00');
  assert.ok(holdableDate('2000-02-29') && !holdableDate('1900-02-29') && !holdableDate('2023-02-29') && !holdableDate('2024-04-31'));
});

test('a zero date stops the copy by default, naming table, column, key and value', () => {
  for (const [t, v] of [
    ['date', '0000-00-00'],
    ['date', '2024-00-15'],
    ['datetime', '2024-05-00 00:00:00'],
    ['datetime', '0000-01-01 00:00:00.000'],
    ['timestamp', '0000-00-00 00:00:00'],
  ] as const) {
    assert.throws(
      () => pgText(col(t), raw(v), ctx()),
      (e: unknown) => e instanceof CutoverError && e.code === 'SINK_ROW' && e.message.includes('shop.t') && e.message.includes('(id) = (7)') && e.message.includes(`"${v}"`) && /column c\b/.test(e.message),
    );
  }
});

test('policies for a value PostgreSQL cannot hold: null, -infinity, text; null refused on NOT NULL', () => {
  assert.equal(pgText(col('date'), raw('0000-00-00'), ctx('null')), null);
  assert.equal(pgText(col('datetime'), raw('2024-00-15 10:20:30'), ctx('-infinity')), '-infinity');
  assert.equal(pgText(col('timestamp'), raw('0000-00-00 00:00:00'), ctx('-infinity')), '-infinity');
  assert.equal(pgText(col('datetime'), raw('2024-00-15 10:20:30'), ctx('text')), '2024-00-15 10:20:30');
  assert.equal(pgText(col('timestamp'), raw('2024-01-01 00:00:00'), ctx('text')), '2024-01-01 00:00:00'); // all values kept as text, unchanged
  assert.throws(() => pgText(col('date', 'date', { nullable: false }), raw('0000-00-00'), ctx('null')), /NOT NULL/);
  // -infinity and text are for dates: a NUL byte in text still stops.
  assert.throws(() => pgText(col('text', 'text', { charset: 'utf8mb4' }), raw('a\0b'), ctx('-infinity')), /NUL byte/);
});

test('TIME passes as MySQL prints it (interval reads it); UUID and INET pass as text', () => {
  for (const v of ['-838:59:59.000000', '838:59:59', '-00:00:00.5', '24:00:00.000001']) assert.equal(pgText(col('time'), raw(v), ctx()), v);
  assert.equal(pgText(col('uuid'), raw('123e4567-e89b-12d3-a456-426614174000'), ctx()), '123e4567-e89b-12d3-a456-426614174000');
  assert.equal(pgText(col('inet6'), raw('::ffff:192.0.2.1'), ctx()), '::ffff:192.0.2.1');
});

test('text in every charset of the fixture arrives as the same characters', () => {
  const utf8 = col('varchar', 'varchar(100)', { charset: 'utf8mb4' });
  assert.equal(pgText(utf8, raw('😀👍🏽 𠜎 ß'), ctx()), '😀👍🏽 𠜎 ß');
  assert.equal(pgText(utf8, raw(''), ctx()), '');
  const latin1 = col('varchar', 'varchar(255)', { charset: 'latin1' });
  // MySQL's latin1 is cp1252; 0x81 0x8D 0x8F 0x90 0x9D are the C1 controls.
  assert.equal(pgText(latin1, hexRaw('80828385'), ctx()), '€‚ƒ…');
  assert.equal(pgText(latin1, hexRaw('8D8F909D81'), ctx()), '\u008d\u008f\u0090\u009d\u0081');
  assert.equal(pgText(latin1, hexRaw('FF'), ctx()), 'ÿ');
  assert.equal(pgText(col('varchar', 'varchar(40)', { charset: 'ucs2' }), hexRaw('03A920AC'), ctx()), 'Ω€');
  assert.equal(pgText(col('varchar', 'varchar(40)', { charset: 'utf16' }), hexRaw('D83DDE00'), ctx()), '😀');
  assert.equal(pgText(col('varchar', 'varchar(40)', { charset: 'utf16le' }), hexRaw('3DD800DE'), ctx()), '😀');
  assert.equal(pgText(col('varchar', 'varchar(40)', { charset: 'utf32' }), hexRaw('0001F600'), ctx()), '😀');
  assert.throws(() => pgText(col('varchar', 'varchar(4)', { charset: 'armscii8' }), raw('x'), ctx()), /armscii8/);
  // gbk, big5, sjis, ujis, euckr…: converted by the source's own table (loadSourceCharsets), never guessed.
  assert.throws(() => pgText(col('varchar', 'varchar(4)', { charset: 'sjis' }), hexRaw('835C'), ctx()), /sjis, whose conversion table was not read from the source/);
});

test('a NUL byte in text cannot be held: stops, or NULL with policy "null"', () => {
  const t = col('text', 'text', { charset: 'utf8mb4' });
  assert.throws(() => pgText(t, raw('trail\0'), ctx()), (e: unknown) => e instanceof CutoverError && e.code === 'SINK_ROW' && e.message.includes('"trail\\u0000"'));
  assert.equal(pgText(t, raw('a\0b'), ctx('null')), null);
  assert.equal(pgText(t, raw('backslash zero: \\0'), ctx()), 'backslash zero: \\0');
});

test('binary columns and geometry become bytea hex; geometry as EWKB with its SRID inside', () => {
  assert.equal(pgText(col('blob'), hexRaw('00ff5c0a'), ctx()), '\\x00ff5c0a');
  assert.equal(pgText(col('varbinary'), '', ctx()), '\\x');
  // POINT(1 2) with SRID 4326: MySQL stores E6100000 then the WKB 01 01000000 <x> <y>.
  const wkb = '0101000000000000000000F03F0000000000000040';
  assert.equal(pgText(col('geometry'), hexRaw('E6100000' + wkb), ctx()), '\\x' + '0101000020E6100000000000000000F03F0000000000000040'.toLowerCase());
  assert.equal(pgText(col('point'), hexRaw('00000000' + wkb), ctx()), '\\x' + wkb.toLowerCase());
  // Big-endian WKB keeps its byte order.
  assert.equal(mysqlGeometryToEwkb(hexRaw('E6100000' + '00000000013FF00000000000004000000000000000')).toString('hex'), '0020000001000010e63ff00000000000004000000000000000');
});

test('BIT(n) becomes exactly n bits', () => {
  assert.equal(pgText(col('bit', 'bit(1)'), hexRaw('01'), ctx()), '1');
  assert.equal(pgText(col('bit', 'bit(7)'), hexRaw('55'), ctx()), '1010101');
  assert.equal(pgText(col('bit', 'bit(64)'), hexRaw('FFFFFFFFFFFFFFFF'), ctx()), '1'.repeat(64));
  assert.equal(pgText(col('bit', 'bit(64)'), hexRaw('0000000000000100'), ctx()), '0'.repeat(55) + '100000000');
  assert.equal(pgText(col('bit', 'bit(13)'), hexRaw('1000'), ctx()), '1000000000000');
});

test('JSON passes as text (jsonb keeps big numbers exact); \\u0000 cannot be held', () => {
  const j = col('json', 'longtext', { charset: 'utf8mb4' });
  const v = '{"max": 18446744073709551615, "min": -9223372036854775809, "s": "三 🎉 \\"q\\""}';
  assert.equal(pgText(j, raw(v), ctx()), v);
  assert.equal(pgText(j, raw('"\\\\u0000 is an escaped backslash"'), ctx()), '"\\\\u0000 is an escaped backslash"');
  assert.throws(() => pgText(j, raw('{"a": "x\\u0000"}'), ctx()), /\\u0000/);
});

test('ENUM and SET pass their labels (charset converted); ENUM\'s invalid value is the empty string', () => {
  const e = col('enum', "enum('a,b','','Ünï ✓')", { charset: 'utf8mb4' });
  assert.equal(pgText(e, raw('Ünï ✓'), ctx()), 'Ünï ✓');
  assert.equal(pgText(e, raw(''), ctx()), '');
  assert.equal(pgText(col('set', "set('red','ü')", { charset: 'utf8mb4' }), raw('red,ü'), ctx()), 'red,ü');
});

test('copyEscape escapes backslash, newline, carriage return and tab only', () => {
  assert.equal(copyEscape('plain ü 😀'), 'plain ü 😀');
  assert.equal(copyEscape('a\\b\nc\rd\te'), 'a\\\\b\\nc\\rd\\te');
  assert.equal(copyEscape('\\N'), '\\\\N');
  assert.equal(copyEscape('\\x00ff'), '\\\\x00ff');
});
