// Kafka source formats: messages in the shapes the real Debezium MySQL connector (JsonConverter, with
// and without schemas), Canal (flatMessage) and Maxwell write, as their documentation shows them, the
// messages that are skipped, and the errors (unknown table without types, malformed JSON, a value that
// does not fit its column, a column the table lacks).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError, decodeMessage, detectFormat, type ColumnType, type DecodeContext } from '../../engine/source/kafka/formats/decode.js';
import { columnKind } from '../../engine/source/kafka/formats/column-kind.js';
import { dateOfDays, textBytes, timestampOfIso, unscaledDecimalText } from '../../engine/source/kafka/formats/raw-values.js';
import { wktToWkb } from '../../engine/source/kafka/formats/wkt.js';

const c = (name: string, columnType: string, charset: string | null = null): ColumnType => ({ name, dataType: /^[a-z]+/.exec(columnType)![0], columnType, charset });
const CUSTOMERS = [c('id', 'int(11)'), c('first_name', 'varchar(255)'), c('last_name', 'varchar(255)'), c('email', 'varchar(255)')];
const ctx = (tables: Record<string, ColumnType[]>, extra: Partial<DecodeContext> = {}): DecodeContext => ({ columns: (db, t) => tables[`${db}.${t}`] ?? null, ...extra });
const buf = (o: unknown): Buffer => Buffer.from(typeof o === 'string' ? o : JSON.stringify(o));
const NONE = ctx({});

// Debezium MySQL connector documentation, "create events" (trimmed schema: the fields that matter)
const dbzSource = { version: '2.6.0.Final', connector: 'mysql', name: 'mysql-server-1', ts_ms: 1465491411000, snapshot: false, db: 'inventory', table: 'customers', server_id: 0, gtid: null, file: 'mysql-bin.000003', pos: 154, row: 0, thread: 7, query: null };
const f = (type: string, field: string, optional = true, extra: object = {}): object => ({ type, optional, field, ...extra });
const customerFields = [f('int32', 'id', false), f('string', 'first_name', false), f('string', 'last_name', false), f('string', 'email', false)];
const dbzSchema = {
  type: 'struct',
  fields: [
    { type: 'struct', fields: customerFields, optional: true, name: 'mysql-server-1.inventory.customers.Value', field: 'before' },
    { type: 'struct', fields: customerFields, optional: true, name: 'mysql-server-1.inventory.customers.Value', field: 'after' },
    { type: 'struct', fields: [], optional: false, name: 'io.debezium.connector.mysql.Source', field: 'source' },
    f('string', 'op', false),
    f('int64', 'ts_ms'),
  ],
  optional: false,
  name: 'mysql-server-1.inventory.customers.Envelope',
};
const anne = { id: 1004, first_name: 'Anne', last_name: 'Kretchmar', email: 'annek@noanswer.org' };

test('Debezium (documentation): create with the schema envelope, the table unknown to the sink', () => {
  const key = { schema: { type: 'struct', name: 'mysql-server-1.inventory.customers.Key', optional: false, fields: [f('int32', 'id', false)] }, payload: { id: 1004 } };
  const r = decodeMessage('debezium', buf(key), buf({ schema: dbzSchema, payload: { before: null, after: anne, source: dbzSource, op: 'c', ts_ms: 1465491411815 } }), NONE);
  assert.equal(r.kind, 'rows');
  if (r.kind !== 'rows') return;
  assert.deepEqual(r.changes, [{ db: 'inventory', table: 'customers', name: 'inventory.customers', type: 'insert', before: null, after: ['1004', 'Anne', 'Kretchmar', 'annek@noanswer.org'], columns: ['id', 'first_name', 'last_name', 'email'] }]);
  assert.equal(r.timestampMs, 1465491411000);
  assert.equal(r.origin, 'mysql-bin.000003:154');
  assert.deepEqual(r.schema!.map((x) => [x.name, x.columnType, x.nullable]), [['id', 'int', false], ['first_name', 'longtext', false], ['last_name', 'longtext', false], ['email', 'longtext', false]]);
  assert.deepEqual(r.schema!.key, ['id']);
  assert.deepEqual(r.key, ['id']);
});

test('Debezium (documentation): update and delete without schemas; tombstone, heartbeat, transaction markers, truncate', () => {
  const k = ctx({ 'inventory.customers': CUSTOMERS });
  const up = decodeMessage('debezium', buf({ id: 1004 }), buf({ before: anne, after: { ...anne, first_name: 'Anne Marie' }, source: { ...dbzSource, pos: 484 }, op: 'u', ts_ms: 1465581029523, transaction: { id: 'file=mysql-bin.000003,pos=484', total_order: 1, data_collection_order: 1 } }), k);
  assert.equal(up.kind, 'rows');
  if (up.kind === 'rows') {
    assert.deepEqual(up.changes[0]!.before, ['1004', 'Anne', 'Kretchmar', 'annek@noanswer.org']);
    assert.deepEqual(up.changes[0]!.after, ['1004', 'Anne Marie', 'Kretchmar', 'annek@noanswer.org']);
    assert.deepEqual(up.transaction, { id: 'file=mysql-bin.000003,pos=484' });
  }
  const del = decodeMessage('debezium', buf({ id: 1004 }), buf({ before: anne, after: null, source: dbzSource, op: 'd', ts_ms: 1465581902461 }), k);
  assert.equal(del.kind === 'rows' && del.changes[0]!.type, 'delete');
  assert.equal(decodeMessage('debezium', buf({ id: 1004 }), null, k).kind, 'skip');
  assert.equal(decodeMessage('debezium', buf({ id: 1004 }), buf({ schema: null, payload: null }), k).kind, 'skip');
  assert.equal(decodeMessage('debezium', buf({ serverName: 'x' }), buf({ ts_ms: 1465581902461 }), k).kind, 'skip');
  assert.equal(decodeMessage('debezium', null, buf({ status: 'BEGIN', id: '571:53195829', ts_ms: 1486500577125, event_count: null, data_collections: null }), k).kind, 'skip');
  assert.equal(decodeMessage('debezium', null, buf({ status: 'END', id: '571:53195832', ts_ms: 1486500577691, event_count: 2, data_collections: [{ data_collection: 's1.a', event_count: 1 }] }), k).kind, 'skip');
  assert.deepEqual(decodeMessage('debezium', null, buf({ before: null, after: null, source: dbzSource, op: 't', ts_ms: 1 }), k), { kind: 'ddl', format: 'debezium', db: 'inventory', sql: 'TRUNCATE TABLE `inventory`.`customers`', timestampMs: 1465491411000, origin: 'mysql-bin.000003:154' });
  const ddl = decodeMessage('debezium', buf({ databaseName: 'inventory' }), buf({ source: dbzSource, databaseName: 'inventory', schemaName: null, ddl: 'CREATE TABLE t (id INT PRIMARY KEY)', tableChanges: [] }), NONE);
  assert.equal(ddl.kind === 'ddl' && ddl.sql, 'CREATE TABLE t (id INT PRIMARY KEY)');
});

test('Debezium value modes of the real connector: precise decimals, connect time, Bits, Year, Json, Enum, geometry, hex binary', () => {
  const cols = [c('id', 'bigint(20) unsigned'), c('price', 'decimal(10,2)'), c('dt', 'datetime(6)'), c('tm', 'time(3)'), c('b', 'bit(10)'), c('y', 'year'), c('j', 'json'), c('e', "enum('small','large')"), c('g', 'point'), c('bin', 'varbinary(4)'), c('ts', 'timestamp(2)'), c('neg', 'decimal(5,0)')];
  const fields = [
    f('bytes', 'id', false, { name: 'org.apache.kafka.connect.data.Decimal', parameters: { scale: '0' } }),
    f('bytes', 'price', true, { name: 'org.apache.kafka.connect.data.Decimal', parameters: { scale: '2', 'connect.decimal.precision': '10' } }),
    f('int64', 'dt', true, { name: 'org.apache.kafka.connect.data.Timestamp' }),
    f('int32', 'tm', true, { name: 'io.debezium.time.Time' }),
    f('bytes', 'b', true, { name: 'io.debezium.data.Bits', parameters: { length: '10' } }),
    f('int32', 'y', true, { name: 'io.debezium.time.Year' }),
    f('string', 'j', true, { name: 'io.debezium.data.Json' }),
    f('string', 'e', true, { name: 'io.debezium.data.Enum', parameters: { allowed: 'small,large' } }),
    f('struct', 'g', true, { name: 'io.debezium.data.geometry.Point' }),
    f('bytes', 'bin'),
    f('string', 'ts', true, { name: 'io.debezium.time.ZonedTimestamp' }),
    f('bytes', 'neg', true, { name: 'org.apache.kafka.connect.data.Decimal', parameters: { scale: '0' } }),
  ];
  const schema = { type: 'struct', fields: [{ type: 'struct', fields, optional: true, field: 'after' }], optional: false };
  const after = {
    id: Buffer.from('00ffffffffffffffff', 'hex').toString('base64'),
    price: 'AJxA', // 400.00
    dt: 1465491411815,
    tm: 45296789, // 12:34:56.789
    b: Buffer.from([0x01, 0x02]).toString('base64'), // little-endian: 0x0201
    y: 2024,
    j: '{"k": 18446744073709551615}',
    e: 'large',
    g: { x: 1, y: 2, wkb: 'AQEAAAAAAAAAAADwPwAAAAAAAABA', srid: 4326 },
    bin: 'AP8=',
    ts: '2026-12-06T21:27:55.12+01:00',
    neg: Buffer.from([0xff, 0x85]).toString('base64'), // -123
  };
  const r = decodeMessage('debezium', null, buf(`{"schema":${JSON.stringify(schema)},"payload":${JSON.stringify({ before: null, after, source: { ...dbzSource, db: 'd', table: 't' }, op: 'c', ts_ms: 1 })}}`), ctx({ 'd.t': cols }));
  assert.equal(r.kind, 'rows');
  if (r.kind !== 'rows') return;
  const point = Buffer.concat([Buffer.from([0xe6, 0x10, 0, 0]), Buffer.from('AQEAAAAAAAAAAADwPwAAAAAAAABA', 'base64')]).toString('latin1');
  assert.deepEqual(r.changes[0]!.after, ['18446744073709551615', '400.00', '2016-06-09 16:56:51.815000', '12:34:56.789', '\x02\x01', '2024', '{"k": 18446744073709551615}', 'large', point, '\x00\xff', '2026-12-06 20:27:55.12', '-123']);
  // without the envelope: the settings say how the connector wrote the values
  const hexCtx = ctx({ 'd.t': [c('bin', 'varbinary(4)'), c('price', 'decimal(10,2)'), c('tm', 'time(3)')] }, { debezium: { binaryHandling: 'hex', decimalHandling: 'precise', timePrecision: 'adaptive' } });
  const r2 = decodeMessage('debezium', null, buf({ before: null, after: { bin: '00ff', price: 'AJxA', tm: 45296789 }, source: { ...dbzSource, db: 'd', table: 't' }, op: 'r' }), hexCtx);
  assert.deepEqual(r2.kind === 'rows' && r2.changes[0]!.after, ['\x00\xff', '400.00', '12:34:56.789']);
  // decimal.handling.mode=double
  const r3 = decodeMessage('debezium', null, buf('{"before":null,"after":{"price":400.5},"source":{"db":"d","table":"t"},"op":"c"}'), ctx({ 'd.t': [c('price', 'decimal(10,2)')] }));
  assert.deepEqual(r3.kind === 'rows' && r3.changes[0]!.after, ['400.50']);
});

test('Debezium without the envelope: a precise decimal whose base64 is all digits is not read as text', () => {
  // "1234" is base64 of d7 6d f8, the unscaled bytes of -2658.824 in DECIMAL(12,3) (what the real connector
  // writes for that value with decimal.handling.mode=precise). The string mode would have written "-2658.824"
  // (the column's scale), so with a scale the shape tells; with scale 0 only the job's setting can.
  const cols = { 'd.t': [c('d', 'decimal(12,3)'), c('d0', 'decimal(20,0)')] };
  const msg = buf({ before: null, after: { d: '1234', d0: '1234' }, source: { ...dbzSource, db: 'd', table: 't' }, op: 'r' });
  const guessed = decodeMessage('debezium', null, msg, ctx(cols));
  assert.deepEqual(guessed.kind === 'rows' && guessed.changes[0]!.after, ['-2658.824', '1234']);
  const named = decodeMessage('debezium', null, msg, ctx(cols, { debezium: { decimalHandling: 'precise' } }));
  assert.deepEqual(named.kind === 'rows' && named.changes[0]!.after, ['-2658.824', '-2658824']);
  const text = decodeMessage('debezium', null, buf({ before: null, after: { d: '1234.000', d0: '1234' }, source: { ...dbzSource, db: 'd', table: 't' }, op: 'r' }), ctx(cols, { debezium: { decimalHandling: 'string' } }));
  assert.deepEqual(text.kind === 'rows' && text.changes[0]!.after, ['1234.000', '1234']);
  // BIGINT UNSIGNED as Connect Decimal bytes: never all digits (a non-negative value's first base64 character is A–g).
  const u = decodeMessage('debezium', null, buf({ before: null, after: { u: 'AP//////////' }, source: { ...dbzSource, db: 'd', table: 't' }, op: 'r' }), ctx({ 'd.t': [c('u', 'bigint(20) unsigned')] }, { debezium: { bigintUnsignedHandling: 'precise' } }));
  assert.deepEqual(u.kind === 'rows' && u.changes[0]!.after, ['18446744073709551615']);
});

test('Canal flatMessage (documentation shape): several rows per message, old with the changed columns only, mysqlType, isDdl', () => {
  const msg = {
    data: [{ id: '1', name: 'a2', c_time: '2019-05-19 15:32:04', price: '1.50', flag: '1', tags: '3', raw: 'Ã¿\u0000' }, { id: '2', name: 'b', c_time: '2019-05-19 15:32:04', price: null, flag: '2', tags: '0', raw: null }],
    database: 'test', es: 1589873524000, id: 3, isDdl: false,
    mysqlType: { id: 'bigint(20)', name: 'varchar(255)', c_time: 'datetime', price: 'decimal(10,2)', flag: "enum('y','n')", tags: "set('a','b')", raw: 'varbinary(8)' },
    old: [{ name: 'a' }, { c_time: '2019-05-19 15:32:03' }],
    pkNames: ['id'], sql: '', sqlType: { id: -5, name: 12, c_time: 93, price: 3, flag: 4, tags: -7, raw: 2004 }, table: 't', ts: 1589873524556, type: 'UPDATE',
  };
  assert.equal(detectFormat(buf(msg)), 'canal');
  const r = decodeMessage('canal', null, buf(msg), NONE);
  assert.equal(r.kind, 'rows');
  if (r.kind !== 'rows') return;
  assert.equal(r.changes.length, 2);
  assert.deepEqual(r.changes[0]!.after, ['1', 'a2', '2019-05-19 15:32:04', '1.50', 'y', 'a,b', 'Ã¿\u0000']);
  assert.deepEqual(r.changes[0]!.before, ['1', 'a', '2019-05-19 15:32:04', '1.50', 'y', 'a,b', 'Ã¿\u0000']);
  assert.deepEqual(r.changes[1]!.before, ['2', 'b', '2019-05-19 15:32:03', null, 'n', '', null]);
  assert.equal(r.beforeFromOld, true);
  assert.deepEqual(r.key, ['id']);
  assert.equal(r.timestampMs, 1589873524000);
  const ddl = decodeMessage('canal', null, buf({ data: null, database: 'test', es: 1589873524000, id: 5, isDdl: true, mysqlType: null, old: null, pkNames: null, sql: 'ALTER TABLE t ADD COLUMN x int', sqlType: null, table: 't', ts: 1, type: 'ALTER' }), NONE);
  assert.deepEqual(ddl, { kind: 'ddl', format: 'canal', db: 'test', sql: 'ALTER TABLE t ADD COLUMN x int', timestampMs: 1589873524000, origin: null });
  // a MINIMAL row image: columns missing from data
  const partial = decodeMessage('canal', null, buf({ ...msg, data: [{ id: '9' }], old: null, type: 'DELETE' }), NONE);
  assert.equal(partial.kind === 'rows' && partial.partialBefore, true);
  assert.deepEqual(partial.kind === 'rows' && partial.changes[0]!.columns, ['id']);
});

test('Maxwell (documentation): insert, update with old, delete, bootstrap, DDL; GEOMETRY as WKT, SET as an array, JSON embedded', () => {
  const k = ctx({ 'test.maxwell': [c('id', 'int(11)'), c('daemon', 'varchar(64)'), c('tags', "set('x','y')"), c('doc', 'json'), c('shape', 'geometry'), c('at', 'datetime(3)'), c('big', 'decimal(30,10)')] });
  const ins = decodeMessage('maxwell', buf({ database: 'test', table: 'maxwell', 'pk.id': 1 }), buf('{"database":"test","table":"maxwell","type":"insert","ts":1449786310,"xid":940752,"commit":true,"data":{"id":1,"daemon":"Stanislaw Lem","tags":["x","y"],"doc":{"n":12345678901234567890123,"s":[1,"é"]},"shape":"MULTIPOINT ((0 0), (1.5 -2))","at":"2015-12-10 22:25:10.1","big":1.5E+10}}'), k);
  assert.equal(ins.kind, 'rows');
  if (ins.kind !== 'rows') return;
  const wkb = wktToWkb('MULTIPOINT ((0 0), (1.5 -2))');
  assert.equal(wkb.toString('hex'), '0104000000020000000101000000000000000000000000000000000000000101000000000000000000f83f00000000000000c0');
  assert.deepEqual(ins.changes[0]!.after, ['1', 'Stanislaw Lem', 'x,y', Buffer.from('{"n":12345678901234567890123,"s":[1,"é"]}').toString('latin1'), '\0\0\0\0' + wkb.toString('latin1'), '2015-12-10 22:25:10.100', '15000000000.0000000000']);
  assert.deepEqual(ins.transaction, { id: '940752', last: true });
  assert.equal(ins.timestampMs, 1449786310000);
  const up = decodeMessage('maxwell', null, buf({ database: 'test', table: 'maxwell', type: 'update', ts: 1449786341, xid: 940786, data: { id: 1, daemon: 'Firebus!  Firebus!' }, old: { daemon: 'Stanislaw Lem' } }), k);
  assert.equal(up.kind, 'rows');
  if (up.kind === 'rows') {
    assert.deepEqual(up.changes[0]!.before, ['1', 'Stanislaw Lem']);
    assert.deepEqual(up.changes[0]!.after, ['1', 'Firebus!  Firebus!']);
    assert.equal(up.partialBefore, true, 'the message carries 2 of the 7 columns');
    assert.deepEqual(up.transaction, { id: '940786', last: false });
  }
  assert.equal(decodeMessage('maxwell', null, buf({ database: 'fooDB', table: 'barTable', type: 'bootstrap-start', ts: 1450557744, data: {} }), k).kind, 'skip');
  const ddl = decodeMessage('maxwell', null, buf({ type: 'table-alter', database: 'test', table: 'e', old: {}, def: {}, ts: 1490115785000, sql: 'ALTER TABLE e ADD COLUMN x int', position: 'master.000006:22342' }), NONE);
  assert.deepEqual(ddl, { kind: 'ddl', format: 'maxwell', db: 'test', sql: 'ALTER TABLE e ADD COLUMN x int', timestampMs: 1490115785000, origin: 'master.000006:22342' });
});

test('errors: an unknown table without types, malformed JSON, a value that does not fit, a column the table lacks', () => {
  const maxwellRow = (data: object): Buffer => buf({ database: 'shop', table: 'orders', type: 'insert', ts: 1, data });
  assert.throws(
    () => decodeMessage('maxwell', null, maxwellRow({ id: 1 }), NONE),
    (e: unknown) => e instanceof DecodeError && e.reason === 'unknown-table' && e.table === 'shop.orders' && /shop\.orders/.test(e.message) && /create it in the sink/.test(e.fix!) && /schema-change topic/.test(e.fix!) && /Debezium with the schema envelope/.test(e.fix!),
  );
  assert.throws(() => decodeMessage('debezium', null, buf({ before: null, after: { id: 1 }, source: { db: 'shop', table: 'orders' }, op: 'c' }), NONE), (e: unknown) => e instanceof DecodeError && e.reason === 'unknown-table' && /schemas\.enable=true/.test(e.fix!));
  assert.throws(() => decodeMessage('canal', null, buf('{"data":[{"id":"1"}'), NONE), (e: unknown) => e instanceof DecodeError && e.reason === 'malformed' && /not JSON/.test(e.message));
  assert.throws(() => decodeMessage('maxwell', null, buf('[1,2]'), NONE), (e: unknown) => e instanceof DecodeError && e.reason === 'malformed');
  assert.throws(() => decodeMessage('debezium', null, buf({ hello: 1 }), NONE), (e: unknown) => e instanceof DecodeError && e.reason === 'malformed');
  const k = ctx({ 'shop.orders': [c('id', 'tinyint(4)'), c('price', 'decimal(5,2)'), c('d', 'date'), c('t', 'varchar(10)', 'latin1')] });
  const bad = (data: object, column: string): void =>
    assert.throws(() => decodeMessage('maxwell', null, maxwellRow(data), k), (e: unknown) => e instanceof DecodeError && e.reason === 'bad-value' && e.column === column && e.message.startsWith(`shop.orders.${column} (`) && !!e.fix, column);
  bad({ id: 300 }, 'id');
  bad({ price: 1234.5 }, 'price');
  bad({ price: 1.555 }, 'price');
  bad({ d: 'yesterday' }, 'd');
  bad({ t: '中文' }, 't');
  assert.throws(() => decodeMessage('maxwell', null, maxwellRow({ id: 1, nope: 2 }), k), (e: unknown) => e instanceof DecodeError && e.reason === 'unknown-column' && e.column === 'nope' && /ADD COLUMN/.test(e.fix!));
  assert.equal(detectFormat(buf('not json')), null);
  assert.equal(detectFormat(buf({ hello: 1 })), null);
});

test('value rules: days before 1970, ISO offsets, negative unscaled decimals', () => {
  assert.equal(dateOfDays(-719528), '0000-01-01');
  assert.equal(dateOfDays(2932896), '9999-12-31');
  assert.equal(timestampOfIso('2026-01-01T00:30:00-01:30', columnKind(c('t', 'timestamp(6)'))), '2026-01-01 02:00:00.000000');
  assert.equal(unscaledDecimalText(Buffer.from([0x80]), 2, columnKind(c('x', 'decimal(5,2)'))), '-1.28');
  assert.equal(unscaledDecimalText(Buffer.from([0x00, 0x80]), 2, columnKind(c('x', 'decimal(5,2)'))), '1.28');
});

test('text in other character sets is encoded as the inverse of their WHATWG decoders, strictly', () => {
  const samples: [string, string, string][] = [
    ['gbk', 'gbk', '中文简体，GBK€'],
    ['big5', 'big5', '繁體中文'],
    ['sjis', 'shift_jis', 'ｶﾀｶﾅ 日本語'],
    ['ujis', 'euc-jp', '日本語テキスト'],
    ['euckr', 'euc-kr', '한국어'],
    ['cp1251', 'windows-1251', 'Привет'],
    ['latin2', 'iso-8859-2', 'Łódź'],
  ];
  for (const [charset, label, text] of samples) {
    const bytes = textBytes(text, charset);
    assert.equal(new TextDecoder(label, { fatal: true }).decode(Buffer.from(bytes, 'latin1')), text, charset);
  }
  assert.equal(textBytes('😀', 'utf16'), '\ud83d\ude00'.length === 2 ? Buffer.from('d83dde00', 'hex').toString('latin1') : '');
  assert.throws(() => textBytes('😀', 'gbk'), /no gbk bytes/);
  assert.throws(() => textBytes('中', 'latin1'), /no latin1/);
  assert.throws(() => textBytes('x', 'klingon'), /no encoder/);
});
