// Kafka message formats (engine/sink/kafka/formats): Debezium, Canal and Maxwell JSON, checked field by
// field against the projects' published example messages, and every value type rendered exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  KAFKA_FORMATS,
  partitionKey,
  renderKey,
  renderMessage,
  renderMessages,
  renderSchemaChange,
  renderValue,
  tombstone,
  type ChangeEventInput,
  type KafkaColumn,
  type KafkaTable,
  type SourceInfo,
} from '../../engine/sink/kafka/formats/index.js';
import { asciiJson, decodeCp1252, javaNumberString, wkbToWkt } from '../../engine/sink/kafka/formats/json-values.js';
import type { RawValue } from '../../engine/core/rows.js';

// ------------------------------------------------------------------------------------------------ helpers

const col = (name: string, dataType: string, columnType = dataType, charset: string | null = null, nullable = true): KafkaColumn => ({
  name,
  dataType,
  columnType,
  charset,
  nullable,
});
/** A byte string (RawValue) of text in an encoding. */
const b = (s: string, enc: BufferEncoding = 'utf8'): string => Buffer.from(s, enc).toString('latin1');
const hex = (h: string): string => Buffer.from(h, 'hex').toString('latin1');

const source = (over: Partial<SourceInfo> = {}): SourceInfo => ({
  serverId: 223344,
  file: 'mysql-bin.000003',
  pos: 154,
  gtid: null,
  tsMs: 1465491411000,
  snapshot: false,
  row: 0,
  thread: 7,
  query: null,
  xid: null,
  serverName: 'mysql-server-1',
  version: '2.5.0.Final',
  connector: 'mysql',
  ...over,
});

const event = (table: KafkaTable, op: ChangeEventInput['op'], before: RawValue[] | null, after: RawValue[] | null, over: Partial<ChangeEventInput> = {}, src: Partial<SourceInfo> = {}): ChangeEventInput => ({
  op,
  table,
  before,
  after,
  source: source(src),
  tsMs: 1465491411815,
  ...over,
});

const typeOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/**
 * Ours and the documented message have the same field names in the same order, the same JSON types and
 * nesting, and equal values, except at the listed paths (each with the reason in the test).
 * `unordered`: compare names as sets (for documentation examples whose field order is not the output's).
 */
function sameShape(ours: unknown, doc: unknown, differ: Record<string, 'value' | 'type' | 'absent-in-doc' | 'absent-in-ours'> = {}, path = '', unordered = false): void {
  const d = differ[path];
  if (d === 'type') return;
  assert.equal(typeOf(ours), typeOf(doc), `type of ${path || '(root)'}`);
  if (typeOf(doc) === 'object') {
    const o = ours as Record<string, unknown>;
    const x = doc as Record<string, unknown>;
    const ok = Object.keys(o).filter((k) => differ[`${path}.${k}`] !== 'absent-in-doc');
    const dk = Object.keys(x).filter((k) => differ[`${path}.${k}`] !== 'absent-in-ours');
    if (unordered) assert.deepEqual([...ok].sort(), [...dk].sort(), `fields of ${path || '(root)'}`);
    else assert.deepEqual(ok, dk, `fields (and their order) of ${path || '(root)'}`);
    for (const k of dk) sameShape(o[k], x[k], differ, `${path}.${k}`, unordered);
  } else if (typeOf(doc) === 'array') {
    const o = ours as unknown[];
    const x = doc as unknown[];
    assert.equal(o.length, x.length, `length of ${path}`);
    x.forEach((v, i) => sameShape(o[i], v, differ, `${path}[${i}]`, unordered));
  } else if (d !== 'value') {
    assert.deepEqual(ours, doc, `value of ${path}`);
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed messages are checked field by field
const parse = (s: string | null): any => (s === null ? null : JSON.parse(s));

// ============================================================================================ Debezium

// The `customers` table of the Debezium MySQL connector documentation.
const customers: KafkaTable = {
  db: 'inventory',
  table: 'customers',
  keyColumns: ['id'],
  columns: [col('id', 'int', 'int(11)', null, false), col('first_name', 'varchar', 'varchar(255)', 'utf8mb4', false), col('last_name', 'varchar', 'varchar(255)', 'utf8mb4', false), col('email', 'varchar', 'varchar(255)', 'utf8mb4', false)],
};
const anne = ['1004', b('Anne'), b('Kretchmar'), b('annek@noanswer.org')];
const anneMarie = ['1004', b('Anne Marie'), b('Kretchmar'), b('annek@noanswer.org')];

// https://debezium.io/documentation/reference/stable/connectors/mysql.html#mysql-change-event-keys
// (debezium/debezium documentation/modules/ROOT/pages/connectors/mysql.adoc, "Change event keys": payload)
const DBZ_DOC_KEY = `{ "id": 1001 }`;

// https://debezium.io/documentation/reference/stable/connectors/mysql.html#mysql-create-events (payload)
const DBZ_DOC_CREATE = `{
    "op": "c",
    "ts_ms": 1465491411815,
    "before": null,
    "after": { "id": 1004, "first_name": "Anne", "last_name": "Kretchmar", "email": "annek@noanswer.org" },
    "source": {
      "version": "2.5.0.Final", "connector": "mysql", "name": "mysql-server-1", "ts_ms": 0, "snapshot": false,
      "db": "inventory", "table": "customers", "server_id": 0, "gtid": null, "file": "mysql-bin.000003",
      "pos": 154, "row": 0, "thread": 7,
      "query": "INSERT INTO customers (first_name, last_name, email) VALUES ('Anne', 'Kretchmar', 'annek@noanswer.org')"
    }
  }`;

// https://debezium.io/documentation/reference/stable/connectors/mysql.html#mysql-update-events (payload)
const DBZ_DOC_UPDATE = `{
    "before": { "id": 1004, "first_name": "Anne", "last_name": "Kretchmar", "email": "annek@noanswer.org" },
    "after": { "id": 1004, "first_name": "Anne Marie", "last_name": "Kretchmar", "email": "annek@noanswer.org" },
    "source": {
      "version": "2.5.0.Final", "name": "mysql-server-1", "connector": "mysql", "name": "mysql-server-1",
      "ts_ms": 1465581029100, "snapshot": false, "db": "inventory", "table": "customers", "server_id": 223344,
      "gtid": null, "file": "mysql-bin.000003", "pos": 484, "row": 0, "thread": 7,
      "query": "UPDATE customers SET first_name='Anne Marie' WHERE id=1004"
    },
    "op": "u",
    "ts_ms": 1465581029523
  }`;

// https://debezium.io/documentation/reference/stable/connectors/mysql.html#mysql-delete-events (payload)
const DBZ_DOC_DELETE = `{
    "before": { "id": 1004, "first_name": "Anne Marie", "last_name": "Kretchmar", "email": "annek@noanswer.org" },
    "after": null,
    "source": {
      "version": "2.5.0.Final", "connector": "mysql", "name": "mysql-server-1", "ts_ms": 1465581902300,
      "snapshot": false, "db": "inventory", "table": "customers", "server_id": 223344, "gtid": null,
      "file": "mysql-bin.000003", "pos": 805, "row": 0, "thread": 7, "query": "DELETE FROM customers WHERE id=1004"
    },
    "op": "d",
    "ts_ms": 1465581902461
  }`;

// A real connector's output, as published: https://gist.github.com/2013techsmarts/703516cc4d90b3379207ea08be62db67
// ("Debezium Insert Event", Debezium 1.4.2.Final): the envelope in JsonConverter order, "snapshot" as a
// string, "transaction" present.
const DBZ_GIST_INSERT = `{
  "before": null,
  "after": { "id": 1016, "first_name": "Smart", "last_name": "Techie", "email": "smarttechie@gmail.com" },
  "source": { "version": "1.4.2.Final", "connector": "mysql", "name": "dbserver1", "ts_ms": 1615928467000, "snapshot": "false",
    "db": "inventory", "table": "customers", "server_id": 223344, "gtid": null, "file": "mysql-bin.000003", "pos": 4015,
    "row": 0, "thread": 36, "query": null },
  "op": "c",
  "ts_ms": 1615928467236,
  "transaction": null
}`;

// https://debezium.io/documentation/reference/stable/connectors/mysql.html#mysql-schema-change-topic (payload;
// the example's tableChanges entry is reduced to what we assert on: we emit [])
const DBZ_DOC_SCHEMA_CHANGE = `{
      "source": {
        "version": "2.5.0.Final", "connector": "mysql", "name": "mysql", "ts_ms": 1651535750218, "snapshot": "false",
        "db": "inventory", "sequence": null, "table": "customers", "server_id": 223344, "gtid": null,
        "file": "mysql-bin.000003", "pos": 570, "row": 0, "thread": null, "query": null
      },
      "databaseName": "inventory",
      "schemaName": null,
      "ddl": "ALTER TABLE customers ADD middle_name varchar(255) AFTER first_name",
      "tableChanges": [ { "type": "ALTER", "id": "\\"inventory\\".\\"customers\\"" } ]
  }`;

// Differences with the documentation examples, and why:
const DBZ_SOURCE_DIFF = {
  // the 0.x-era examples show "snapshot" as a boolean; the MySQL connector's schema has been the string
  // enum io.debezium.data.Enum ("true"/"last"/"false") since 1.0 — see the gist and the schema-change example
  '.source.snapshot': 'type',
  // Debezium 1.1+ adds "sequence" (null for MySQL); the row-event examples predate it
  '.source.sequence': 'absent-in-doc',
  // the envelope ends with "transaction" (null without provide.transaction.metadata); the examples omit it
  '.transaction': 'absent-in-doc',
} as const;

test('Debezium: key of the documented customers row is {"id":1001}', () => {
  const e = event(customers, 'c', null, ['1001', b('Sally'), b('Thomas'), b('sally.thomas@acme.com')]);
  sameShape(parse(renderKey('pk', e, 'debezium')), parse(DBZ_DOC_KEY));
  assert.equal(renderKey('pk', e, 'debezium'), '{"id":1001}');
  assert.equal(renderKey('table', e, 'debezium'), '{"id":1001}', 'the key mode only picks partitions');
});

test('Debezium: create event matches the documented example field by field', () => {
  const e = event(customers, 'c', null, anne, {}, { serverId: 0, tsMs: 0, query: "INSERT INTO customers (first_name, last_name, email) VALUES ('Anne', 'Kretchmar', 'annek@noanswer.org')" });
  // the documentation lists op and ts_ms first; JsonConverter writes the Envelope schema's order (gist below)
  sameShape(parse(renderValue('debezium', e)), parse(DBZ_DOC_CREATE), DBZ_SOURCE_DIFF, '', true);
});

test('Debezium: update and delete events match the documented examples', () => {
  const u = event(customers, 'u', anne, anneMarie, { tsMs: 1465581029523 }, { tsMs: 1465581029100, pos: 484, query: "UPDATE customers SET first_name='Anne Marie' WHERE id=1004" });
  // the documented update example repeats "name" inside source (a typo), which moves it before "connector"
  // when parsed: compare that example's field names as sets
  sameShape(parse(renderValue('debezium', u)), parse(DBZ_DOC_UPDATE), DBZ_SOURCE_DIFF, '', true);
  const d = event(customers, 'd', anneMarie, null, { tsMs: 1465581902461 }, { tsMs: 1465581902300, pos: 805, query: 'DELETE FROM customers WHERE id=1004' });
  sameShape(parse(renderValue('debezium', d)), parse(DBZ_DOC_DELETE), DBZ_SOURCE_DIFF);
});

test('Debezium: a real connector message (published gist) has our exact field order and forms', () => {
  const e = event(
    customers,
    'c',
    null,
    ['1016', b('Smart'), b('Techie'), b('smarttechie@gmail.com')],
    { tsMs: 1615928467236 },
    { version: '1.4.2.Final', serverName: 'dbserver1', tsMs: 1615928467000, pos: 4015, thread: 36 },
  );
  // the gist predates "sequence" (Debezium 1.1+ for MySQL it is null)
  sameShape(parse(renderValue('debezium', e)), parse(DBZ_GIST_INSERT), { '.source.sequence': 'absent-in-doc' });
  const text = renderValue('debezium', e);
  assert.ok(text.startsWith('{"before":null,"after":{"id":1016,'), text);
});

test('Debezium: read (snapshot) events are op "r" with snapshot "true" / "last"', () => {
  const r = parse(renderValue('debezium', event(customers, 'r', null, anne, {}, { snapshot: true, thread: null, serverId: null })));
  assert.equal(r.op, 'r');
  assert.equal(r.before, null);
  assert.equal(r.source.snapshot, 'true');
  assert.equal(r.source.server_id, 0, 'server_id is a non-optional int64: 0 when unknown, as in snapshot events');
  assert.equal(r.source.thread, null);
  assert.equal(parse(renderValue('debezium', event(customers, 'r', null, anne, {}, { snapshot: 'last' }))).source.snapshot, 'last');
});

test('Debezium: the source block follows each event\'s position, file and gtid, a missing file and pos included', () => {
  // One table, events whose positions change from one to the next (the block is rendered once per table and
  // only the position put in per transaction): each must carry its own.
  const steps: Partial<SourceInfo>[] = [
    { file: null, pos: null, gtid: null },
    { file: 'mysql-bin.000003', pos: 154, gtid: '0-1-7' },
    { file: 'mysql-bin.000003', pos: 154, gtid: '0-1-7', row: 1 },
    { file: 'mysql-bin.000003', pos: 900, gtid: null },
    { file: 'mysql-bin.000004', pos: 4, gtid: '0-1-8' },
    { file: null, pos: null, gtid: null, snapshot: true, serverId: null, thread: null },
    { file: 'mysql-bin.000004', pos: 4, gtid: '0-1-8', serverName: 'other "name"' },
  ];
  for (const step of steps) {
    const r = parse(renderValue('debezium', event(customers, 'c', null, anne, {}, step)));
    const want = source(step);
    assert.equal(r.source.file, want.file ?? '');
    assert.equal(r.source.pos, want.pos ?? 0);
    assert.equal(r.source.gtid, want.gtid);
    assert.equal(r.source.row, want.row);
    assert.equal(r.source.name, want.serverName);
    assert.equal(r.source.snapshot, want.snapshot ? 'true' : 'false');
    assert.equal(r.source.server_id, want.serverId ?? 0);
  }
});

test('Debezium: a delete is followed by a tombstone with the same key; tombstones can be turned off', () => {
  const d = event(customers, 'd', anneMarie, null);
  const msgs = renderMessages('debezium', d);
  assert.equal(msgs.length, 2);
  assert.equal(msgs[1]!.value, null);
  assert.equal(msgs[1]!.key, '{"id":1004}');
  assert.equal(msgs[1]!.partitionKey, msgs[0]!.partitionKey);
  assert.deepEqual(tombstone(msgs[0]!), msgs[1]);
  assert.equal(renderMessages('debezium', d, { tombstonesOnDelete: false }).length, 1);
  // Canal and Maxwell write one record per change
  assert.equal(renderMessages('canal', d).length, 1);
  assert.equal(renderMessages('maxwell', d).length, 1);
});

test('Debezium: an update that changes the primary key is delete + tombstone + create, with key headers', () => {
  const u = event(customers, 'u', anne, ['2000', b('Anne'), b('Kretchmar'), b('annek@noanswer.org')]);
  const [del, tomb, cre, ...rest] = renderMessages('debezium', u);
  assert.equal(rest.length, 0);
  assert.equal(parse(del!.value).op, 'd');
  assert.equal(del!.key, '{"id":1004}');
  assert.deepEqual(del!.headers, { '__debezium.newkey': '{"id":2000}' });
  assert.equal(tomb!.value, null);
  assert.equal(tomb!.key, '{"id":1004}');
  assert.equal(parse(cre!.value).op, 'c');
  assert.equal(parse(cre!.value).before, null);
  assert.equal(cre!.key, '{"id":2000}');
  assert.deepEqual(cre!.headers, { '__debezium.oldkey': '{"id":1004}' });
  assert.equal(del!.partitionKey, partitionKey(u, 'pk', u.before));
  assert.equal(cre!.partitionKey, partitionKey(u, 'pk', u.after));
  assert.notEqual(del!.partitionKey, cre!.partitionKey);
});

test('Debezium: schema-change topic message matches the documented example (tableChanges left empty)', () => {
  const m = renderSchemaChange('debezium', {
    db: 'inventory',
    table: 'customers',
    ddl: 'ALTER TABLE customers ADD middle_name varchar(255) AFTER first_name',
    position: { file: 'mysql-bin.000003', pos: 570, gtid: null },
    tsMs: 1651535750218,
    producedMs: 1651535750300,
    serverName: 'mysql',
    version: '2.5.0.Final',
    serverId: 223344,
  })!;
  sameShape(parse(m.value), parse(DBZ_DOC_SCHEMA_CHANGE), {
    // Cutover does not parse DDL into column metadata: tableChanges is [] (documented subset)
    '.tableChanges': 'type',
    // the processing time (described by the documentation's callout 2) is in the real message
    '.ts_ms': 'absent-in-doc',
  });
  assert.deepEqual(parse(m.value).tableChanges, []);
  assert.equal(m.key, '{"databaseName":"inventory"}');
});

// ====================================================================================== value types

const allTypes: KafkaTable = {
  db: 'shop',
  table: 'types',
  keyColumns: ['id'],
  columns: [
    col('id', 'bigint', 'bigint(20) unsigned', null, false),
    col('dt6', 'datetime', 'datetime(6)'),
    col('dt0', 'datetime', 'datetime'),
    col('ts0', 'timestamp', 'timestamp', null, false),
    col('ts6', 'timestamp', 'timestamp(6)'),
    col('zd', 'date', 'date'),
    col('zdn', 'date', 'date', null, false),
    col('zdt', 'datetime', 'datetime(3)', null, false),
    col('d', 'date', 'date'),
    col('t', 'time', 'time'),
    col('t6', 'time', 'time(6)'),
    col('dec', 'decimal', 'decimal(65,30)'),
    col('j', 'json', 'json', 'utf8mb4'),
    col('b1', 'bit', 'bit(1)'),
    col('b10', 'bit', 'bit(10)'),
    col('e', 'enum', "enum('small','medium','large')", 'utf8mb4'),
    col('s', 'set', "set('a','b','c')", 'utf8mb4'),
    col('g', 'geometry', 'geometry'),
    col('p', 'point', 'point'),
    col('bl', 'blob', 'blob', 'binary'),
    col('l1', 'varchar', 'varchar(10)', 'latin1'),
    col('gb', 'varchar', 'varchar(10)', 'gbk'),
    col('emoji', 'text', 'text', 'utf8mb4'),
    col('nul', 'int', 'int(11)'),
    col('select', 'int', 'int(11)'),
    col('列名', 'varchar', 'varchar(10)', 'utf8mb4'),
    col('f', 'float', 'float'),
    col('dbl', 'double', 'double'),
    col('zf', 'int', 'int(5) unsigned zerofill'),
    col('y', 'year', 'year(4)'),
    col('bin', 'binary', 'binary(4)', 'binary'),
    col('ti', 'tinyint', 'tinyint(3) unsigned'),
  ],
};
const BLOB = Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString('latin1');
const POINT_WKB = '0101000000000000000000f03f0000000000000040'; // POINT(1 2)
const POLY_WKB = '01030000000100000004000000' + '0000000000000000' + '0000000000000000' + '000000000000f03f' + '0000000000000000' + '000000000000f03f' + '000000000000f03f' + '0000000000000000' + '0000000000000000';
const allRow: RawValue[] = [
  '18446744073709551615',
  '2026-01-01 00:00:00.000001',
  '2018-06-20 06:37:03',
  '2018-06-20 13:37:03',
  '2026-01-01 00:00:00.000001',
  '0000-00-00',
  '0000-00-00',
  '0000-00-00 00:00:00.000',
  '2021-01-28',
  '17:29:04',
  '-838:59:59.000000',
  '-99999999999999999999999999999999999.999999999999999999999999999999',
  b('{"big": 18446744073709551616, "neg": -9223372036854775809, "f": 2.50, "s": "é😀"}'),
  hex('01'),
  hex('0201'),
  b('medium'),
  b('a,c'),
  hex('e6100000' + POLY_WKB), // SRID 4326
  hex('00000000' + POINT_WKB),
  BLOB,
  hex('80e9'), // cp1252: € é
  hex('d6d0cec4'), // GBK: 中文
  b('😀 emoji'),
  null,
  '1',
  b('名'),
  '3.4000000953674316', // FLOAT 3.4, read widened to double
  '1.7976931348623157e308',
  '00042',
  '2024',
  hex('ab'), // BINARY(4) whose value is one byte (padded by the server; Debezium pads too)
  '200',
];
const allEvent = (): ChangeEventInput => event(allTypes, 'c', null, allRow);

test('Debezium: every value type, exact', () => {
  const text = renderValue('debezium', allEvent());
  const a = parse(text).after;
  // exactness: digits that a JavaScript Number would lose are written as they are
  assert.ok(text.includes('"id":18446744073709551615'), 'BIGINT UNSIGNED as an exact JSON number (precise + decimal.format=NUMERIC)');
  assert.ok(text.includes('"dec":"-99999999999999999999999999999999999.999999999999999999999999999999"'), 'DECIMAL(65,30) as a string');
  assert.ok(text.includes('"dt6":1767225600000001'), 'DATETIME(6) as epoch µs');
  assert.ok(text.includes(String.raw`"j":"{\"big\": 18446744073709551616, \"neg\": -9223372036854775809, \"f\": 2.50, \"s\": \"é😀\"}"`), 'JSON as its exact text');
  assert.equal(a.dt0, 1529476623000, 'DATETIME 2018-06-20 06:37:03 → 1529476623000 (documented example)');
  assert.equal(a.ts0, '2018-06-20T13:37:03Z', 'TIMESTAMP → ISO-8601 UTC (documented example)');
  assert.equal(a.ts6, '2026-01-01T00:00:00.000001Z', 'TIMESTAMP(6) keeps its 6 fraction digits');
  assert.equal(a.zd, null, 'zero date in a nullable column → null (Debezium "Temporal types")');
  assert.equal(a.zdn, 0, 'zero date in a NOT NULL column → epoch day');
  assert.equal(a.zdt, 0, 'zero DATETIME in a NOT NULL column → epoch');
  assert.equal(a.d, 18655, 'DATE 2021-01-28 → 18655 days');
  assert.equal(a.t, 62944000000, 'TIME 17:29:04 → µs');
  assert.equal(a.t6, -3020399000000, 'TIME -838:59:59 → negative µs');
  assert.equal(a.b1, true, 'BIT(1) → boolean');
  assert.equal(a.b10, Buffer.from([0x01, 0x02]).toString('base64'), 'BIT(10) b1000000001 → little-endian bytes, base64');
  assert.equal(a.e, 'medium');
  assert.equal(a.s, 'a,c');
  assert.deepEqual(a.g, { wkb: Buffer.from(POLY_WKB, 'hex').toString('base64'), srid: 4326 });
  assert.deepEqual(a.p, { x: 1, y: 2, wkb: Buffer.from(POINT_WKB, 'hex').toString('base64'), srid: null }, 'POINT: x, y, wkb, srid (0 → null)');
  assert.equal(a.bl, Buffer.from(BLOB, 'latin1').toString('base64'), 'BLOB 00..FF → base64');
  assert.equal(a.l1, '€é', 'latin1 is cp1252');
  assert.equal(a.gb, '中文');
  assert.equal(a.emoji, '😀 emoji');
  assert.equal(a.nul, null);
  assert.equal(a.select, 1);
  assert.equal(a['列名'], '名');
  assert.ok(text.includes('"f":3.4,'), 'FLOAT → FLOAT32, its shortest digits');
  assert.ok(text.includes('"dbl":1.7976931348623157e308'));
  assert.ok(text.includes('"zf":42,'), 'zerofill padding is not part of a JSON number');
  assert.equal(a.y, 2024);
  assert.equal(a.bin, Buffer.from([0xab, 0, 0, 0]).toString('base64'), 'BINARY(4) right-padded with 0x00 (DBZ-254)');
  assert.equal(a.ti, 200);
  assert.deepEqual(Object.keys(a), allTypes.columns.map((c) => c.name), 'every column, in table order, names as they are');
});

test('Canal: every value type, exact (all strings; binary as ISO-8859-1)', () => {
  const m = parse(renderValue('canal', allEvent()));
  const a = m.data[0];
  for (const [k, v] of Object.entries(a)) assert.ok(v === null || typeof v === 'string', `${k} is a string or null`);
  assert.equal(a.id, '18446744073709551615');
  assert.equal(m.sqlType.id, 3, 'an unsigned BIGINT above 2^63-1 is typed DECIMAL, as Canal does');
  assert.equal(a.dec, '-99999999999999999999999999999999999.999999999999999999999999999999');
  assert.equal(a.dt6, '2026-01-01 00:00:00.000001');
  assert.equal(a.ts6, '2026-01-01 00:00:00.000001');
  assert.equal(a.zd, '0000-00-00', 'zero dates are kept');
  assert.equal(a.zdt, '0000-00-00 00:00:00.000');
  assert.equal(a.t6, '-838:59:59.000000');
  assert.equal(a.j, '{"big": 18446744073709551616, "neg": -9223372036854775809, "f": 2.50, "s": "é😀"}');
  assert.equal(a.b1, '1');
  assert.equal(a.b10, '513', 'BIT as its unsigned value');
  assert.equal(a.e, '2', 'ENUM as its 1-based index (Canal; labels in mysqlType)');
  assert.equal(a.s, '5', 'SET as its bit mask');
  assert.equal(a.g, hex('e6100000' + POLY_WKB), 'GEOMETRY bytes as ISO-8859-1 text');
  assert.equal(a.bl, BLOB, 'BLOB 00..FF: one char per byte (ISO-8859-1)');
  assert.equal(Buffer.from(a.bl, 'latin1').toString('hex'), Buffer.from(BLOB, 'latin1').toString('hex'));
  assert.equal(a.l1, '€é');
  assert.equal(a.gb, '中文');
  assert.equal(a.emoji, '😀 emoji');
  assert.equal(a.nul, null);
  assert.equal(a['列名'], '名');
  assert.equal(a.f, '3.4', 'Float.toString');
  assert.equal(a.dbl, '1.7976931348623157E308', 'Double.toString');
  assert.equal(a.zf, '42');
  assert.equal(a.y, '2024');
  assert.equal(a.ti, '200');
  assert.deepEqual(m.sqlType, {
    id: 3, dt6: 93, dt0: 93, ts0: 93, ts6: 93, zd: 91, zdn: 91, zdt: 93, d: 91, t: 92, t6: 92, dec: 3, j: 12, b1: -7, b10: -7, e: 4, s: -7,
    g: 2004, p: 2004, bl: 2004, l1: 12, gb: 12, emoji: 2005, nul: 4, select: 4, '列名': 12, f: 7, dbl: 8, zf: 4, y: 12, bin: 2004, ti: 5,
  });
  assert.equal(m.mysqlType.id, 'bigint(20) unsigned');
  assert.equal(m.mysqlType.e, "enum('small','medium','large')");
  // with canalEnumText the labels themselves
  const t = parse(renderValue('canal', allEvent(), { canalEnumText: true })).data[0];
  assert.equal(t.e, 'medium');
  assert.equal(t.s, 'a,c');
});

test('Maxwell: every value type, exact', () => {
  const text = renderValue('maxwell', allEvent());
  const a = parse(text).data;
  assert.ok(text.includes('"id":18446744073709551615'), 'BIGINT UNSIGNED as an exact JSON number');
  assert.ok(text.includes('"dec":-99999999999999999999999999999999999.999999999999999999999999999999'), 'DECIMAL as an exact JSON number');
  assert.ok(text.includes('"j":{"big": 18446744073709551616, "neg": -9223372036854775809, "f": 2.50, "s": "é😀"}'), 'JSON embedded with its exact digits');
  assert.equal(a.dt6, '2026-01-01 00:00:00.000001');
  assert.equal(a.ts0, '2018-06-20 13:37:03', 'TIMESTAMP in UTC');
  assert.equal(a.zd, '0000-00-00', 'zero dates kept (output_null_zerodates=false)');
  assert.equal(a.zdt, '0000-00-00 00:00:00.000');
  assert.equal(a.t6, '-838:59:59.000000');
  assert.equal(a.b1, 1, 'BIT as its integer value');
  assert.equal(a.b10, 513);
  assert.equal(a.e, 'medium');
  assert.deepEqual(a.s, ['a', 'c'], 'SET as a JSON array');
  assert.equal(a.g, 'POLYGON ((0 0, 1 0, 1 1, 0 0))', 'GEOMETRY as WKT');
  assert.equal(a.p, 'POINT (1 2)');
  assert.equal(a.bl, Buffer.from(BLOB, 'latin1').toString('base64'), 'BLOB → base64');
  assert.equal(a.bin, Buffer.from([0xab]).toString('base64'));
  assert.equal(a.l1, '€é');
  assert.equal(a.gb, '中文');
  assert.equal(a.emoji, '😀 emoji');
  assert.equal(a.nul, null, 'output_nulls=true');
  assert.equal(a.select, 1);
  assert.equal(a['列名'], '名');
  assert.ok(text.includes('"f":3.4,'));
  assert.ok(text.includes('"dbl":1.7976931348623157e308'));
  assert.equal(a.zf, 42);
  assert.equal(a.y, 2024);
  assert.equal(a.ti, 200);
});

test('asciiJson: the JSON.stringify text of every ASCII value, null for any byte ≥ 0x80', () => {
  // every ASCII byte alone, at either end and amid plain text (quotes, backslashes, controls, DEL)
  for (let b = 0; b < 0x80; b++) {
    const ch = String.fromCharCode(b);
    for (const s of [ch, `a${ch}`, `${ch}b`, `12-34${ch}${ch}56`]) assert.equal(asciiJson(s), JSON.stringify(s), `byte 0x${b.toString(16)} in ${JSON.stringify(s)}`);
  }
  assert.equal(asciiJson(''), '""');
  assert.equal(asciiJson('83868641912-28773972837-60736120486-75162659906'), '"83868641912-28773972837-60736120486-75162659906"');
  // bytes ≥ 0x80 (a UTF-8 sequence, a cp1252 letter): the full decoding decides, not this fast path
  for (let b = 0x80; b < 0x100; b++) assert.equal(asciiJson(`ab${String.fromCharCode(b)}`), null, `byte 0x${b.toString(16)}`);
  // through the Debezium format: text columns in UTF-8, latin1 and ascii render as before
  const t: KafkaTable = { db: 'd', table: 't', columns: [col('id', 'int'), col('u', 'varchar', 'varchar(9)', 'utf8mb4'), col('l', 'varchar', 'varchar(9)', 'latin1'), col('a', 'char', 'char(9)', 'ascii')], keyColumns: ['id'] };
  for (const v of ['plain', 'q"u\\o', 'tab\tnl\n', '\x7f\x00']) {
    const e = event(t, 'c', null, ['1', v, v, v]);
    const after = JSON.parse(renderMessage('debezium', e).value!).after;
    assert.deepEqual(after, { id: 1, u: v, l: v, a: v });
  }
});

test('text that is not valid in its character set is an error, never a silent replacement', () => {
  const t: KafkaTable = { db: 'd', table: 't', keyColumns: [], columns: [col('c', 'varchar', 'varchar(5)', 'utf8mb4')] };
  for (const f of KAFKA_FORMATS) assert.throws(() => renderValue(f, event(t, 'c', null, [hex('c328')])), /not valid utf8mb4/);
  const u: KafkaTable = { db: 'd', table: 't', keyColumns: [], columns: [col('c', 'varchar', 'varchar(5)', 'armscii8')] };
  assert.throws(() => renderValue('debezium', event(u, 'c', null, [b('x')])), /no decoder for character set armscii8/);
  // a byte-order mark is text, and kept
  assert.equal(parse(renderValue('debezium', event(t, 'c', null, [b('\ufeffx')]))).after.c, '\ufeffx');
  // ucs2 / utf32
  const w: KafkaTable = { db: 'd', table: 't', keyColumns: [], columns: [col('a', 'varchar', 'varchar(5)', 'ucs2'), col('b', 'varchar', 'varchar(5)', 'utf32')] };
  assert.deepEqual(parse(renderValue('debezium', event(w, 'c', null, [hex('00e9'), hex('0001f600')]))).after, { a: 'é', b: '😀' });
});

// =============================================================================================== Canal

// Flink's Canal format documentation, "a simple example for an update operation captured from a MySQL
// products table": https://nightlies.apache.org/flink/flink-docs-release-1.17/docs/connectors/table/formats/canal/
const CANAL_FLINK_UPDATE = `{
  "data": [ { "id": "111", "name": "scooter", "description": "Big 2-wheel scooter", "weight": "5.18" } ],
  "database": "inventory",
  "es": 1589373560000,
  "id": 9,
  "isDdl": false,
  "mysqlType": { "id": "INTEGER", "name": "VARCHAR(255)", "description": "VARCHAR(512)", "weight": "FLOAT" },
  "old": [ { "weight": "5.15" } ],
  "pkNames": [ "id" ],
  "sql": "",
  "sqlType": { "id": 4, "name": 12, "description": 12, "weight": 7 },
  "table": "products",
  "ts": 1589373560798,
  "type": "UPDATE"
}`;

// Tencent CKafka "Canal Format of MySQL Subscription Message", DDL examples (Canal's own FlatMessage for a
// DDL): https://www.tencentcloud.com/document/product/597/52603
const CANAL_TENCENT_CREATE_DATABASE = `{
"data": null, "database": "dip_test", "es": 1655812326, "id": 0, "isDdl": true, "mysqlType": null, "old": null,
"pkNames": null, "sql": "CREATE DATABASE \`dip_test\` CHARSET utf8mb4 COLLATE utf8mb4_0900_ai_ci", "sqlType": null,
"table": "", "ts": 1655812326, "type": "QUERY"
}`;

const products: KafkaTable = {
  db: 'inventory',
  table: 'products',
  keyColumns: ['id'],
  columns: [col('id', 'int', 'int(11)', null, false), col('name', 'varchar', 'varchar(255)', 'utf8mb4', false), col('description', 'varchar', 'varchar(512)', 'utf8mb4'), col('weight', 'float', 'float')],
};

test('Canal: update matches the documented FlatMessage example field by field', () => {
  const e = event(
    products,
    'u',
    ['111', b('scooter'), b('Big 2-wheel scooter'), String(Math.fround(5.15))],
    ['111', b('scooter'), b('Big 2-wheel scooter'), String(Math.fround(5.18))],
    { tsMs: 1589373560798 },
    { tsMs: 1589373560000 },
  );
  const text = renderValue('canal', e);
  sameShape(parse(text), parse(CANAL_FLINK_UPDATE), {
    // the batch id of a Canal server; Cutover has none and writes 0
    '.id': 'value',
    // mysqlType is the column's COLUMN_TYPE as `DESC` shows it ("int(11)", "float"); the example's
    // upper-case names are Flink's illustration
    '.mysqlType.id': 'value',
    '.mysqlType.name': 'value',
    '.mysqlType.description': 'value',
    '.mysqlType.weight': 'value',
  });
  assert.ok(text.startsWith('{"data":[{"id":"111",'), 'fastjson writes the fields in alphabetical order');
  assert.deepEqual(parse(text).mysqlType, { id: 'int(11)', name: 'varchar(255)', description: 'varchar(512)', weight: 'float' });
});

test('Canal: insert, delete and read', () => {
  const ins = parse(renderValue('canal', event(products, 'c', null, ['1', b('a'), null, '1'])));
  assert.equal(ins.type, 'INSERT');
  assert.equal(ins.old, null, 'no old for INSERT');
  assert.deepEqual(ins.data, [{ id: '1', name: 'a', description: null, weight: '1.0' }]);
  const del = parse(renderValue('canal', event(products, 'd', ['1', b('a'), null, '1'], null)));
  assert.equal(del.type, 'DELETE');
  assert.deepEqual(del.data, [{ id: '1', name: 'a', description: null, weight: '1.0' }], 'DELETE data is the deleted row');
  assert.equal(del.old, null);
  const read = parse(renderValue('canal', event(products, 'r', null, ['1', b('a'), null, '1'], {}, { snapshot: true })));
  assert.equal(read.type, 'INSERT', 'Canal has no snapshot type: copied rows are INSERTs');
  const same = parse(renderValue('canal', event(products, 'u', ['1', b('a'), null, '1'], ['1', b('a'), null, '1'])));
  assert.equal(same.old, null, 'an update that changed nothing has no old');
  const toNull = parse(renderValue('canal', event(products, 'u', ['1', b('a'), b('x'), '1'], ['1', b('a'), null, '1'])));
  assert.deepEqual(toNull.old, [{ description: 'x' }]);
  const keyless = parse(renderValue('canal', event({ ...products, keyColumns: [] }, 'c', null, ['1', b('a'), null, '1'])));
  assert.equal(keyless.pkNames, null);
  assert.equal(renderKey('pk', event(products, 'c', null, ['1', b('a'), null, '1']), 'canal'), null, "Canal's producer sends no key");
});

test('Canal: unsigned values move sqlType up as Canal does; NULLs get the NULL sqlType', () => {
  const t: KafkaTable = {
    db: 'd',
    table: 't',
    keyColumns: [],
    columns: [col('a', 'int', 'int(10) unsigned'), col('b', 'tinyint', 'tinyint(3) unsigned'), col('c', 'text', 'text', 'utf8mb4'), col('s', 'set', "set('x')", 'utf8mb4'), col('v', 'varbinary', 'varbinary(4)', 'binary')],
  };
  assert.deepEqual(parse(renderValue('canal', event(t, 'c', null, ['4294967295', '127', null, null, null]))).sqlType, { a: -5, b: -6, c: -4, s: -2, v: -3 });
  assert.deepEqual(parse(renderValue('canal', event(t, 'c', null, ['1', '255', b('x'), b('x'), hex('00ff')]))).sqlType, { a: 4, b: 5, c: 2005, s: -7, v: 2004 });
});

test('Canal: DDL message matches the documented example', () => {
  const ddl = 'CREATE DATABASE `dip_test` CHARSET utf8mb4 COLLATE utf8mb4_0900_ai_ci';
  const m = renderSchemaChange('canal', { db: 'dip_test', ddl, position: { file: 'b.000001', pos: 4 }, tsMs: 1655812326000, producedMs: 1655812326000 })!;
  // es/ts: Canal writes milliseconds (executeTime = when * 1000); this provider's example shows seconds
  sameShape(parse(m.value), parse(CANAL_TENCENT_CREATE_DATABASE), { '.es': 'value', '.ts': 'value' });
  assert.equal(m.key, null);
  const types = (s: string): string => parse(renderSchemaChange('canal', { db: 'd', ddl: s, position: { file: null, pos: null }, tsMs: 0 })!.value).type;
  assert.equal(types('CREATE TABLE t (id int)'), 'CREATE');
  assert.equal(types('alter table t add c int'), 'ALTER');
  assert.equal(types('DROP TABLE t'), 'ERASE');
  assert.equal(types('RENAME TABLE a TO b'), 'RENAME');
  assert.equal(types('TRUNCATE TABLE t'), 'TRUNCATE');
  assert.equal(types('CREATE UNIQUE INDEX i ON t (c)'), 'CINDEX');
  assert.equal(types('DROP INDEX i ON t'), 'DINDEX');
});

// ============================================================================================= Maxwell

// https://maxwells-daemon.io/dataformat/ (zendesk/maxwell docs/docs/dataformat.md), INSERT
const MAXWELL_DOC_INSERT = `{
   "database":"test", "table":"e", "type":"insert", "ts":1477053217, "xid":23396, "commit":true,
   "position":"master.000006:800911", "server_id":23042, "thread_id":108,
   "data":{ "id":1, "m":4.2341, "c":"2016-10-21 05:33:37.523000", "comment":"I am a creature of light." }
}`;
// same page, UPDATE (the page elides the header fields with "...")
const MAXWELL_DOC_UPDATE_DATA = `{
   "data":{ "id":1, "m":5.444, "c":"2016-10-21 05:33:54.631000", "comment":"I am a creature of light." },
   "old":{ "m":4.2341, "c":"2016-10-21 05:33:37.523000" }
}`;
// same page, sets: "output as JSON arrays"
const MAXWELL_DOC_SET = `{ "table":"test_sets", "type":"insert", "data": { "setcol": ["b_val", "c_val"] } }`;
// https://github.com/zendesk/maxwell README (insert / update)
const MAXWELL_README_UPDATE = `{
  "database": "test", "table": "maxwell", "type": "update", "ts": 1449786341, "xid": 940786, "commit": true,
  "data": {"id":1, "daemon": "Firebus!  Firebus!"}, "old":  {"daemon": "Stanislaw Lem"}
}`;
// https://maxwells-daemon.io/bootstrapping/ (docs/docs/bootstrapping.md)
const MAXWELL_DOC_BOOTSTRAP = `{"database":"fooDB","table":"barTable","type":"bootstrap-insert","ts":1450557744,"data":{"txt":"hello"}}`;
// https://maxwells-daemon.io/kafka/ (docs/docs/kafka.md), "Kafka key"
const MAXWELL_DOC_KEY = `{ "database":"test_tb","table":"test_tbl","pk.id":4,"pk.part2":"hello"}`;
// https://maxwells-daemon.io/dataformat/ ALTER TABLE (reduced to the fields we write; "old"/"def" omitted)
const MAXWELL_DOC_ALTER = `{
   "type":"table-alter", "database":"test", "table":"e", "ts":1477053308000,
   "sql":"alter table test.e add column torvalds bigint unsigned after m", "position":"master.000006:804398"
}`;

const maxwellE: KafkaTable = {
  db: 'test',
  table: 'e',
  keyColumns: ['id'],
  columns: [col('id', 'int', 'int(10)', null, false), col('m', 'double', 'double'), col('c', 'timestamp', 'timestamp(6)'), col('comment', 'varchar', 'varchar(255)', 'latin1')],
};

test('Maxwell: insert matches the documented example exactly', () => {
  const e = event(
    maxwellE,
    'c',
    null,
    ['1', '4.2341', '2016-10-21 05:33:37.523000', b('I am a creature of light.', 'latin1')],
    { txCommit: true },
    { tsMs: 1477053217000, xid: 23396, file: 'master.000006', pos: 800911, serverId: 23042, thread: 108 },
  );
  const text = renderValue('maxwell', e);
  sameShape(parse(text), parse(MAXWELL_DOC_INSERT));
  assert.equal(text, JSON.stringify(parse(MAXWELL_DOC_INSERT)), 'byte for byte, field order included');
});

test('Maxwell: update has the full row in data and only changed columns in old', () => {
  const e = event(
    maxwellE,
    'u',
    ['1', '4.2341', '2016-10-21 05:33:37.523000', b('I am a creature of light.', 'latin1')],
    ['1', '5.444', '2016-10-21 05:33:54.631000', b('I am a creature of light.', 'latin1')],
    { txCommit: true },
    { tsMs: 1477053234000, xid: 23397 },
  );
  const m = parse(renderValue('maxwell', e));
  sameShape({ data: m.data, old: m.old }, parse(MAXWELL_DOC_UPDATE_DATA));
  assert.equal(m.type, 'update');
  const r = event(
    { db: 'test', table: 'maxwell', keyColumns: ['id'], columns: [col('id', 'int', 'int(11)', null, false), col('daemon', 'varchar', 'varchar(255)', 'utf8mb4')] },
    'u',
    ['1', b('Stanislaw Lem')],
    ['1', b('Firebus!  Firebus!')],
    { txCommit: true },
    { tsMs: 1449786341000, xid: 940786, file: null, pos: null, serverId: null, thread: null },
  );
  // the README example was produced without output_binlog_position / server_id / thread_id: with no
  // position, server or thread known, ours is exactly it
  assert.equal(renderValue('maxwell', r), JSON.stringify(parse(MAXWELL_README_UPDATE)));
});

test('Maxwell: delete carries the deleted row; commit only on the last row; sets are arrays', () => {
  const d = parse(renderValue('maxwell', event(maxwellE, 'd', ['1', '5.444', '2016-10-21 05:33:54.631000', b('x')], null, {}, { xid: 7 })));
  assert.equal(d.type, 'delete');
  assert.equal(d.data.id, 1);
  assert.equal(d.commit, undefined, 'no "commit" unless it is the transaction\'s last row');
  assert.equal(d.old, undefined);
  const sets: KafkaTable = { db: 'test', table: 'test_sets', keyColumns: [], columns: [col('id', 'int', 'int(11)'), col('setcol', 'set', "set('a_val','b_val','c_val')", 'utf8mb4')] };
  const s = parse(renderValue('maxwell', event(sets, 'c', null, [null, b('b_val,c_val')])));
  const doc = parse(MAXWELL_DOC_SET);
  assert.deepEqual(s.data.setcol, doc.data.setcol);
  assert.equal(s.type, doc.type);
});

test('Maxwell: copied rows are "bootstrap-insert" without xid or commit (documented example)', () => {
  const t: KafkaTable = { db: 'fooDB', table: 'barTable', keyColumns: [], columns: [col('txt', 'varchar', 'varchar(255)', 'utf8mb4')] };
  const e = event(t, 'r', null, [b('hello')], { txCommit: true }, { tsMs: 1450557744000, snapshot: true, xid: 99, file: null, pos: null, serverId: null, thread: null });
  assert.equal(renderValue('maxwell', e), JSON.stringify(parse(MAXWELL_DOC_BOOTSTRAP)));
});

test('Maxwell: Kafka key {"database","table","pk.<col>"} (documented example); keyless tables get a stable _uuid', () => {
  const t: KafkaTable = { db: 'test_tb', table: 'test_tbl', keyColumns: ['id', 'Part2'], columns: [col('id', 'int', 'int(11)', null, false), col('Part2', 'varchar', 'varchar(10)', 'utf8mb4', false), col('x', 'int', 'int(11)')] };
  const e = event(t, 'c', null, ['4', b('hello'), '9']);
  const key = renderKey('pk', e, 'maxwell')!;
  sameShape(parse(key), parse(MAXWELL_DOC_KEY));
  assert.equal(key, '{"database":"test_tb","table":"test_tbl","pk.id":4,"pk.part2":"hello"}', 'column names lower-cased, as Maxwell does');
  const keyless = event({ ...t, keyColumns: [] }, 'c', null, ['4', b('hello'), '9']);
  const k1 = parse(renderKey('pk', keyless, 'maxwell'));
  assert.match(k1._uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(renderKey('pk', keyless, 'maxwell'), renderKey('pk', keyless, 'maxwell'), 'the same event always gets the same key');
  const m = parse(renderValue('maxwell', e, { maxwellPrimaryKeys: true }));
  assert.deepEqual(m.primary_key, [4, 'hello'], 'output_primary_keys');
  assert.deepEqual(m.primary_key_columns, ['id', 'Part2'], 'output_primary_key_columns');
  assert.deepEqual(Object.keys(m).slice(-3), ['primary_key', 'primary_key_columns', 'data']);
});

test('Maxwell: DDL message (documented table-alter, without the parsed def/old)', () => {
  const m = renderSchemaChange('maxwell', {
    db: 'test',
    table: 'e',
    ddl: 'alter table test.e add column torvalds bigint unsigned after m',
    position: { file: 'master.000006', pos: 804398 },
    tsMs: 1477053308000,
  })!;
  assert.equal(m.value, JSON.stringify(parse(MAXWELL_DOC_ALTER)));
  const type = (ddl: string): string | null => {
    const r = renderSchemaChange('maxwell', { db: 'd', table: 't', ddl, position: { file: null, pos: null }, tsMs: 0 });
    return r && parse(r.value).type;
  };
  assert.equal(type('CREATE TABLE t (id int)'), 'table-create');
  assert.equal(type('DROP TABLE t'), 'table-drop');
  assert.equal(type('CREATE DATABASE d'), 'database-create');
  assert.equal(type('drop schema d'), 'database-drop');
  assert.equal(type('TRUNCATE t'), null, 'Maxwell has no DDL message for TRUNCATE');
  assert.equal(parse(renderSchemaChange('maxwell', { db: 'd', ddl: 'CREATE DATABASE d', position: { file: null, pos: null }, tsMs: 0 })!.value).table, undefined);
});

// ============================================================================ operations, keys, partitions

test('insert / update / delete / read for each format', () => {
  const t = customers;
  const ops: [ChangeEventInput['op'], RawValue[] | null, RawValue[] | null][] = [
    ['r', null, anne],
    ['c', null, anne],
    ['u', anne, anneMarie],
    ['d', anneMarie, null],
  ];
  const expect = {
    debezium: { r: 'r', c: 'c', u: 'u', d: 'd' },
    canal: { r: 'INSERT', c: 'INSERT', u: 'UPDATE', d: 'DELETE' },
    maxwell: { r: 'bootstrap-insert', c: 'insert', u: 'update', d: 'delete' },
  } as const;
  for (const f of KAFKA_FORMATS) {
    for (const [op, before, after] of ops) {
      const m = renderMessage(f, event(t, op, before, after, { txCommit: true }, { snapshot: op === 'r', xid: 5 }));
      const v = parse(m.value);
      const got = f === 'debezium' ? v.op : v.type;
      assert.equal(got, expect[f][op], `${f} ${op}`);
      if (f === 'debezium') {
        assert.deepEqual(v.before, before && { id: 1004, first_name: op === 'd' ? 'Anne Marie' : 'Anne', last_name: 'Kretchmar', email: 'annek@noanswer.org' });
        assert.equal(v.after === null, op === 'd');
      }
      if (f === 'maxwell') assert.equal(v.data.first_name, op === 'c' || op === 'r' ? 'Anne' : 'Anne Marie');
      if (f === 'canal') assert.equal(v.data[0].first_name, op === 'c' || op === 'r' ? 'Anne' : 'Anne Marie');
      assert.equal(m.partitionKey, partitionKey(event(t, op, before, after), 'pk'));
    }
  }
});

test('partition keys: same row → same key in every mode; table mode and keyless tables use db.table', () => {
  const a = event(customers, 'c', null, anne);
  const u = event(customers, 'u', anne, anneMarie);
  const d = event(customers, 'd', anneMarie, null);
  assert.equal(partitionKey(a, 'pk'), partitionKey(u, 'pk'));
  assert.equal(partitionKey(u, 'pk'), partitionKey(d, 'pk'));
  assert.notEqual(partitionKey(a, 'pk'), partitionKey(event(customers, 'c', null, ['1005', b('B'), b('C'), b('D')]), 'pk'));
  assert.equal(partitionKey(a, 'table'), 'inventory.customers');
  assert.equal(partitionKey(event({ ...customers, keyColumns: [] }, 'c', null, anne), 'pk'), 'inventory.customers');
  assert.equal(renderMessage('maxwell', a, { keyMode: 'table' }).partitionKey, 'inventory.customers');
  // a snapshot read and a binlog insert of the same row get the same key and partition
  const r = event(customers, 'r', null, anne, {}, { snapshot: true });
  for (const f of KAFKA_FORMATS) {
    assert.equal(renderMessage(f, r).key, renderMessage(f, a).key);
    assert.equal(renderMessage(f, r).partitionKey, renderMessage(f, a).partitionKey);
  }
  // values that differ only past 2^53 stay different
  const big: KafkaTable = { db: 'd', table: 't', keyColumns: ['id'], columns: [col('id', 'bigint', 'bigint(20) unsigned', null, false)] };
  assert.notEqual(partitionKey(event(big, 'c', null, ['18446744073709551615']), 'pk'), partitionKey(event(big, 'c', null, ['18446744073709551614']), 'pk'));
  assert.equal(renderKey('pk', event(big, 'c', null, ['18446744073709551615'])), '{"id":18446744073709551615}');
  // a keyless table has a null Debezium key and no tombstone
  const keyless = event({ ...customers, keyColumns: [] }, 'd', anneMarie, null);
  assert.equal(renderKey('pk', keyless), null);
  assert.equal(renderMessages('debezium', keyless).length, 1);
});

test('bad events are refused with a clear message', () => {
  assert.throws(() => renderValue('debezium', event(customers, 'u', null, anne)), /needs the before image/);
  assert.throws(() => renderValue('canal', event(customers, 'c', null, ['1'])), /1 values for 4 columns/);
  const n: KafkaTable = { db: 'd', table: 't', keyColumns: [], columns: [col('n', 'int', 'int(11)')] };
  assert.throws(() => renderValue('maxwell', event(n, 'c', null, ['12abc'])), /is not a number/);
});

// ============================================================================================ helpers

test('Java number strings (Canal) and WKT (Maxwell) follow their Java sources', () => {
  assert.equal(decodeCp1252(hex('80819fa0e9ff')), '€\u0081Ÿ\u00a0éÿ', 'MySQL latin1 = cp1252, undefined bytes → C1 controls');
  assert.equal(javaNumberString(1), '1.0');
  assert.equal(javaNumberString(0.001), '0.001');
  assert.equal(javaNumberString(0.0001), '1.0E-4');
  assert.equal(javaNumberString(1e7), '1.0E7');
  assert.equal(javaNumberString(1234567.5), '1234567.5');
  assert.equal(javaNumberString(-0), '-0.0');
  assert.equal(javaNumberString(-1.25e-10), '-1.25E-10');
  const w = (h: string): string => wkbToWkt(Buffer.from(h, 'hex'), 'g');
  assert.equal(w(POINT_WKB), 'POINT (1 2)');
  assert.equal(w('010400000002000000' + POINT_WKB + POINT_WKB), 'MULTIPOINT ((1 2), (1 2))', 'JTS wraps each point');
  assert.equal(w('010700000000000000'), 'GEOMETRYCOLLECTION EMPTY');
  assert.equal(w('0101000000' + Buffer.from(new Float64Array([0.1, -2.5]).buffer).toString('hex')), 'POINT (0.1 -2.5)');
  assert.throws(() => w('0101000000'), /malformed WKB/);
});
