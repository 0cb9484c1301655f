// Kafka source formats (engine/source/kafka/formats): every MySQL type rendered by Cutover's own Kafka
// formats (engine/sink/kafka/formats) and decoded back to the very byte strings the snapshot reader
// produces, for Debezium (with and without the schema envelope), Canal and Maxwell.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeCp1252 } from '../../engine/sink/kafka/formats/json-values.js';
import { KAFKA_FORMATS, renderMessages, renderSchemaChange, type ChangeEventInput, type KafkaColumn, type KafkaTable } from '../../engine/sink/kafka/formats/index.js';
import { decodeMessage, detectFormat, type ColumnType, type DecodeContext, type DecodedMessage } from '../../engine/source/kafka/formats/decode.js';
import { mariadbDouble } from '../../engine/mysql/double-text.js';
import type { RawValue } from '../../engine/core/rows.js';
import type { RowChange } from '../../engine/core/changes.js';
import { withSchemaEnvelope } from './kafka-decode-envelope.js';

const col = (name: string, dataType: string, columnType = dataType, charset: string | null = null, nullable = true): KafkaColumn => ({ name, dataType, columnType, charset, nullable });
const bytes = (s: string, enc: BufferEncoding = 'utf8'): string => Buffer.from(s, enc).toString('latin1');
const hex = (h: string): string => Buffer.from(h, 'hex').toString('latin1');
const le32 = (n: number): string => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b.toString('latin1');
};
const point = (x: number, y: number): string => {
  const b = Buffer.alloc(21);
  b[0] = 1;
  b.writeUInt32LE(1, 1);
  b.writeDoubleLE(x, 5);
  b.writeDoubleLE(y, 13);
  return b.toString('latin1');
};
/** POLYGON ((0 0, 10 0, 10 10, 0 0)) in WKB. */
const polygon = (): string => {
  const pts = [[0, 0], [10, 0], [10, 10.5], [0, 0]];
  const b = Buffer.alloc(1 + 4 + 4 + 4 + pts.length * 16);
  b[0] = 1;
  b.writeUInt32LE(3, 1);
  b.writeUInt32LE(1, 5);
  b.writeUInt32LE(pts.length, 9);
  pts.forEach(([x, y], i) => (b.writeDoubleLE(x!, 13 + i * 16), b.writeDoubleLE(y!, 21 + i * 16)));
  return b.toString('latin1');
};

const COLUMNS: KafkaColumn[] = [
  col('id', 'bigint', 'bigint(20) unsigned', null, false),
  col('select', 'int', 'int(11)'),
  col('名前', 'varchar', 'varchar(20)', 'utf8mb4'),
  col('tiny', 'tinyint', 'tinyint(4)'),
  col('zf', 'int', 'int(6) unsigned zerofill'),
  col('dec', 'decimal', 'decimal(65,30)'),
  col('money', 'decimal', 'decimal(10,2)'),
  col('f', 'float', 'float'),
  col('dbl', 'double', 'double'),
  col('dbl2', 'double', 'double(10,3)'),
  col('dt6', 'datetime', 'datetime(6)'),
  col('dt0', 'datetime', 'datetime'),
  col('ts3', 'timestamp', 'timestamp(3)'),
  col('ts0', 'timestamp', 'timestamp'),
  col('d', 'date', 'date'),
  col('tm', 'time', 'time(6)'),
  col('tm0', 'time', 'time'),
  col('y', 'year', 'year(4)'),
  col('j', 'json', 'json'),
  col('b1', 'bit', 'bit(1)'),
  col('b12', 'bit', 'bit(12)'),
  col('e', 'enum', "enum('a','b''q','c')", 'utf8mb4'),
  col('s', 'set', "set('x','y','z')", 'utf8mb4'),
  col('g', 'geometry', 'geometry'),
  col('p', 'point', 'point'),
  col('blob', 'longblob', 'longblob'),
  col('bin', 'binary', 'binary(4)'),
  col('lat', 'varchar', 'varchar(40)', 'latin1'),
  col('gbk', 'varchar', 'varchar(40)', 'gbk'),
  col('emoji', 'text', 'text', 'utf8mb4'),
  col('n', 'int', 'int(11)'),
];

const allBytes = String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i));

/** A row as the snapshot reader returns it. */
const ROW: RawValue[] = [
  '18446744073709551615',
  '-2147483648',
  bytes('名前の値'),
  '-128',
  '000042',
  '12345678901234567890123456789012345.123456789012345678901234567890',
  '-0.05',
  mariadbDouble(Math.fround(3.14)),
  mariadbDouble(Number.MAX_VALUE),
  '-12345.679',
  '2026-12-06 20:27:55.123456',
  '1000-01-01 00:00:00',
  '2038-01-19 03:14:07.999',
  '1970-01-01 00:00:01',
  '0001-01-01',
  '-838:59:59.000000',
  '838:59:59',
  '2155',
  bytes('{"a": [1, 2.50, "€"], "big": 18446744073709551615, "neg": -9223372036854775809}'),
  '\x01',
  hex('0abc'),
  "b'q",
  'x,z',
  le32(4326) + polygon(),
  le32(0) + point(1.5, -2.25),
  allBytes,
  hex('00ff0000'),
  hex('8075726f20636166e92089'), // "€uro café ‰" in MySQL's latin1 (cp1252)
  hex('d6d0cec4bcf2cce5a3ac47424b'), // "中文简体，GBK" in GBK
  bytes('😀 ñ 한국어 \u0000 "quoted" \\'),
  null,
];

const TABLE: KafkaTable = { db: 'shop été', table: 'order', columns: COLUMNS, keyColumns: ['id'] };
const KEYLESS: KafkaTable = { db: 'shop', table: 'log', columns: [col('msg', 'varchar', 'varchar(10)', 'utf8mb4'), col('n', 'int', 'int(11)')], keyColumns: [] };

const asColumns = (t: KafkaTable): ColumnType[] => t.columns.map((c) => ({ name: c.name, dataType: c.dataType, columnType: c.columnType, charset: c.charset, nullable: c.nullable }));
const ctxOf = (...tables: KafkaTable[]): DecodeContext => ({ columns: (db, table) => { const t = tables.find((x) => x.db === db && x.table === table); return t ? asColumns(t) : null; } });
const NO_TABLES: DecodeContext = { columns: () => null };

const source = { serverId: 1, file: 'bin.000003', pos: 154, gtid: '0-1-42', tsMs: 1765052875000, snapshot: false as const, row: 0, thread: 7, query: null, xid: 99, serverName: 'job', version: '1.0', connector: 'mysql' as const };
const event = (table: KafkaTable, op: ChangeEventInput['op'], before: RawValue[] | null, after: RawValue[] | null): ChangeEventInput => ({ op, table, before, after, source, tsMs: 1765052876000, txCommit: true });

/** Decodes every record one event renders into; the row changes in order, the other results kept. */
function roundTrip(format: (typeof KAFKA_FORMATS)[number], e: ChangeEventInput, ctx: DecodeContext, envelope = false): { changes: RowChange[]; results: DecodedMessage[] } {
  const results: DecodedMessage[] = [];
  for (const m of renderMessages(format, e, { canalEnumText: false })) {
    const value = m.value === null ? null : envelope ? withSchemaEnvelope(e.table, m.value) : m.value;
    if (value !== null) assert.equal(detectFormat(Buffer.from(value)), format, 'detectFormat');
    results.push(decodeMessage(format, m.key === null ? null : Buffer.from(m.key), value === null ? null : Buffer.from(value), ctx));
  }
  return { changes: results.flatMap((r) => (r.kind === 'rows' ? r.changes : [])), results };
}

const show = (row: RawValue[] | null): unknown => row?.map((v) => (v === null ? null : Buffer.from(v, 'latin1').toString('hex')));

function assertRows(actual: RawValue[] | null, expected: RawValue[] | null, t: KafkaTable, what: string): void {
  assert.equal(actual?.length, expected?.length, `${what}: length`);
  expected?.forEach((v, i) => assert.equal(actual![i], v, `${what}: column ${t.columns[i]!.name} (${JSON.stringify(show([actual![i] ?? null]))} vs ${JSON.stringify(show([v]))})`));
}

/** Debezium loses what its documented mappings lose: nothing in ROW (zero dates are tested on their own). */
const VARIANTS: { name: string; format: (typeof KAFKA_FORMATS)[number]; ctx: DecodeContext; envelope: boolean }[] = [
  { name: 'debezium', format: 'debezium', ctx: ctxOf(TABLE, KEYLESS), envelope: false },
  { name: 'debezium with the schema envelope, table unknown', format: 'debezium', ctx: NO_TABLES, envelope: true },
  { name: 'debezium with the schema envelope, table known', format: 'debezium', ctx: ctxOf(TABLE, KEYLESS), envelope: true },
  { name: 'canal', format: 'canal', ctx: ctxOf(TABLE, KEYLESS), envelope: false },
  { name: 'canal, types from mysqlType', format: 'canal', ctx: NO_TABLES, envelope: false },
  { name: 'maxwell', format: 'maxwell', ctx: ctxOf(TABLE, KEYLESS), envelope: false },
];

/** What a variant without the sink's charsets decodes text as (utf8mb4): the latin1/GBK columns then differ. */
const charsetBlind = (v: (typeof VARIANTS)[number]): boolean => v.ctx === NO_TABLES;
const expectFor = (v: (typeof VARIANTS)[number], row: RawValue[]): RawValue[] => {
  const out = [...row];
  // Maxwell writes GEOMETRY as WKT without its SRID: it reads back with SRID 0
  if (v.format === 'maxwell') out[23] = le32(0) + row[23]!.slice(4);
  if (!charsetBlind(v)) return out;
  for (const name of ['lat', 'gbk']) {
    const i = COLUMNS.findIndex((c) => c.name === name);
    const c = COLUMNS[i]!;
    const text = c.charset === 'gbk' ? new TextDecoder('gbk').decode(Buffer.from(row[i]!, 'latin1')) : decodeCp1252(row[i]!);
    out[i] = Buffer.from(text, 'utf8').toString('latin1');
  }
  return out;
};

for (const v of VARIANTS) {
  test(`${v.name}: insert, update, delete of every type come back byte for byte`, () => {
    const ins = roundTrip(v.format, event(TABLE, 'c', null, ROW), v.ctx, v.envelope);
    assert.equal(ins.changes.length, 1);
    const c = ins.changes[0]!;
    assert.equal(c.type, 'insert');
    assert.equal(c.db, TABLE.db);
    assert.equal(c.table, TABLE.table);
    assert.deepEqual(c.columns, COLUMNS.map((x) => x.name));
    assertRows(c.after, expectFor(v, ROW), TABLE, 'insert');

    const changed = [...ROW];
    changed[1] = '7';
    changed[6] = '99999999.99';
    changed[30] = '5';
    const up = roundTrip(v.format, event(TABLE, 'u', ROW, changed), v.ctx, v.envelope);
    assert.equal(up.changes.length, 1);
    assert.equal(up.changes[0]!.type, 'update');
    assertRows(up.changes[0]!.before, expectFor(v, ROW), TABLE, 'update before');
    assertRows(up.changes[0]!.after, expectFor(v, changed), TABLE, 'update after');
    const r = up.results[0]!;
    assert.equal(r.kind, 'rows');
    if (r.kind === 'rows') {
      assert.equal(r.beforeFromOld === true, v.format !== 'debezium');
      assert.equal(r.partialBefore, undefined);
      if (v.format === 'debezium') assert.equal(r.origin, 'bin.000003:154 GTID 0-1-42');
      if (v.format === 'maxwell') assert.deepEqual(r.transaction, { id: '99', last: true });
      assert.equal(r.timestampMs, v.format === 'maxwell' ? 1765052875000 : 1765052875000);
      if (v.envelope) {
        assert.ok(r.schema, 'the envelope gives the table definition');
        assert.deepEqual(r.schema!.key, ['id']);
      }
    }

    const del = roundTrip(v.format, event(TABLE, 'd', changed, null), v.ctx, v.envelope);
    assert.equal(del.changes.length, 1);
    assert.equal(del.changes[0]!.type, 'delete');
    assertRows(del.changes[0]!.before, expectFor(v, changed), TABLE, 'delete');
    if (v.format === 'debezium') assert.deepEqual(del.results[1], { kind: 'skip', reason: 'tombstone (a null value: the delete before it carried the row)' });
  });

  test(`${v.name}: a key change and a keyless table`, () => {
    const moved = [...ROW];
    moved[0] = '1';
    const { changes } = roundTrip(v.format, event(TABLE, 'u', ROW, moved), v.ctx, v.envelope);
    if (v.format === 'debezium') {
      // Debezium: delete under the old key, tombstone, create under the new key
      assert.deepEqual(changes.map((c) => c.type), ['delete', 'insert']);
      assert.equal(changes[0]!.before![0], '18446744073709551615');
      assert.equal(changes[1]!.after![0], '1');
    } else {
      assert.deepEqual(changes.map((c) => c.type), ['update']);
      assert.equal(changes[0]!.before![0], '18446744073709551615');
      assert.equal(changes[0]!.after![0], '1');
    }
    const before = [bytes('a'), '1'];
    const after = [bytes('a'), '2'];
    const up = roundTrip(v.format, event(KEYLESS, 'u', before, after), v.ctx, v.envelope);
    if (v.ctx === NO_TABLES && v.format === 'canal') {
      assert.deepEqual(up.changes[0]!.before, before);
    } else {
      assert.deepEqual(up.changes[0]!.before, before);
      assert.deepEqual(up.changes[0]!.after, after);
    }
    const del = roundTrip(v.format, event(KEYLESS, 'd', after, null), v.ctx, v.envelope);
    assert.deepEqual(del.changes.map((c) => c.before), [after]);
  });
}

test('schema-change records of every format decode to their DDL', () => {
  for (const format of KAFKA_FORMATS) {
    const m = renderSchemaChange(format, { db: 'shop', ddl: 'ALTER TABLE `order` ADD COLUMN note TEXT', position: { file: 'bin.000003', pos: 900 }, tsMs: 1765052875000, table: 'order' })!;
    const r = decodeMessage(format, m.key === null ? null : Buffer.from(m.key), Buffer.from(m.value!), NO_TABLES);
    assert.deepEqual({ ...r, origin: undefined }, { kind: 'ddl', format, db: 'shop', sql: 'ALTER TABLE `order` ADD COLUMN note TEXT', timestampMs: 1765052875000, origin: undefined, ...(format === 'debezium' ? { schemaTopic: true } : {}) });
  }
});

test('Canal with ENUM and SET as text (canalEnumText) decodes the same', () => {
  const e = event(TABLE, 'c', null, ROW);
  const [m] = renderMessages('canal', e, { canalEnumText: true });
  const r = decodeMessage('canal', null, Buffer.from(m!.value!), ctxOf(TABLE));
  assert.equal(r.kind, 'rows');
  if (r.kind === 'rows') assertRows(r.changes[0]!.after, ROW, TABLE, 'canal enum text');
});

test('Debezium zero dates: null for a nullable column (as the connector documents), the epoch when NOT NULL', () => {
  const t: KafkaTable = { db: 'z', table: 'd', columns: [col('id', 'int', 'int(11)', null, false), col('a', 'date'), col('b', 'datetime', 'datetime', null, false), col('c', 'timestamp')], keyColumns: ['id'] };
  const row = ['1', '0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00'];
  const { changes } = roundTrip('debezium', event(t, 'c', null, row), ctxOf(t));
  assert.deepEqual(changes[0]!.after, ['1', null, '1970-01-01 00:00:00', null]);
  for (const format of ['canal', 'maxwell'] as const) {
    const r = roundTrip(format, event(t, 'c', null, row), ctxOf(t));
    assert.deepEqual(r.changes[0]!.after, row, `${format} keeps zero dates`);
  }
});
