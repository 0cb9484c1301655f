// The search copy's byte path (document-bytes.ts): a row written from its bytes into the bulk body must be
// byte for byte what the string path writes (rowId, renderDocument, the action line), for every value the
// byte path takes, and every row it does not take must still be written by the string path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BulkWriter, documentShape } from '../../engine/sink/elasticsearch/bulk-writer.js';
import { isJsonNumber } from '../../engine/sink/elasticsearch/document-bytes.js';
import type { SearchClient } from '../../engine/sink/elasticsearch/http.js';
import { rowFromBytes, type RawRow, type RowBytes } from '../../engine/core/rows.js';
import type { ColumnInfo, CopyTable } from '../../engine/core/tables.js';

const col = (name: string, dataType: string, columnType: string, extra: Partial<ColumnInfo> = {}): ColumnInfo => ({ name, dataType, columnType, charset: null, collation: null, nullable: true, generated: false, ...extra });
const table = (columns: ColumnInfo[], key = 0): CopyTable => ({
  stateId: 1,
  source: { db: 'shop', table: 't', columns, chunkKey: [columns[key]!.name], chunkKeyName: 'PRIMARY', engine: null, estimatedRows: 0, dataBytes: 0, createSql: '', systemVersioned: false },
  sink: { db: 'shop', table: 't' },
  columns,
  keyColumns: [columns[key]!],
});

/** A row's values (byte strings, null for NULL) as the source's RowBytes, with bytes before and between them. */
function rowBytes(row: RawRow): RowBytes {
  const parts: Buffer[] = [Buffer.from('\xff\x00', 'latin1')];
  let at = 2;
  const start = new Int32Array(row.length);
  const end = new Int32Array(row.length);
  row.forEach((v, i) => {
    if (v === null) {
      start[i] = -1;
      end[i] = -1;
      return;
    }
    const b = Buffer.from(v, 'latin1');
    start[i] = at + 1;
    end[i] = at + 1 + b.length;
    parts.push(Buffer.from([0xfe]), b);
    at += 1 + b.length;
  });
  return { buf: Buffer.concat(parts), start, end, count: row.length };
}

function bodies(t: CopyTable, rows: RawRow[], version: string | null): { bytes: Buffer; strings: Buffer } {
  const w = new BulkWriter({} as SearchClient, (x) => documentShape(x, 'shop.t'), undefined, () => version);
  const a = w.newBatch(t);
  const b = w.newBatch(t);
  for (const r of rows) {
    a.addBytes(rowBytes(r));
    b.add(r);
  }
  assert.equal(a.rows, b.rows);
  assert.equal(a.bytes, b.bytes, 'the same source bytes counted');
  assert.equal(a.count, b.count);
  return { bytes: Buffer.from(a.body()), strings: Buffer.from(b.body()) };
}

const COLUMNS = [
  col('id', 'int', 'int(11)'),
  col('k', 'int', 'int(10) unsigned'),
  col('z', 'int', 'int(5) unsigned zerofill'),
  col('big', 'bigint', 'bigint(20) unsigned'),
  col('d', 'decimal', 'decimal(20,6)'),
  col('f', 'double', 'double'),
  col('dt', 'datetime', 'datetime(6)'),
  col('c', 'char', 'char(120)', { charset: 'utf8mb4' }),
  col('l1', 'varchar', 'varchar(50)', { charset: 'latin1' }),
  col('g', 'varchar', 'varchar(50)', { charset: 'gbk' }),
  col('txt', 'text', 'text', { charset: 'utf8mb3' }),
];

test('a row written from its bytes is the string path’s bytes: numbers, escapes, control bytes, NULLs, with and without a version', () => {
  const t = table(COLUMNS);
  const every = Array.from({ length: 128 }, (_, i) => String.fromCharCode(i)).join('');
  const rows: RawRow[] = [
    ['1', '42', '00042', '18446744073709551615', '-12.500000', '1.5e-300', '2024-02-29 23:59:59.000001', 'plain text', 'caf\xe9', 'abc', 'a "quoted" \\ back\\slash'],
    ['2', '0', null, null, null, null, null, null, null, null, null],
    ['-3', '7', '00000', '0', '0.000000', '-0', '0000-00-00 00:00:00.000000', '', '', '', every],
    ['4', '9', '00001', '1', '1', '1E+10', '2000-01-01 00:00:00.000000', '\b\t\n\f\r\x00\x1f\x7f', '\x80\x9f', '\xc4\xe3', 'tab\there'],
    ['5', '1', '00002', '2', '2', '-1.25E-5', '1999-12-31 12:00:00.500000', 'caf\xc3\xa9 \xf0\x9f\x98\x80', 'x', 'y', '</script>'],
  ];
  for (const version of [null, '180388626432123']) {
    const { bytes, strings } = bodies(t, rows, version);
    assert.equal(bytes.toString('utf8'), strings.toString('utf8'));
    assert.ok(bytes.equals(strings));
  }
});

test('the byte path leaves to the string path what it does not take, with the same result', () => {
  // Numbers the source would not send as JSON numbers (they become strings by the rule), keys that are not their own _id text.
  const t = table([col('id', 'varchar', 'varchar(40)', { charset: 'utf8mb4' }), col('n', 'double', 'double'), col('i', 'int', 'int(11)')]);
  const rows: RawRow[] = [
    ['[1,2]', '1', '1'], // an _id starting with "[": the array form
    ['say "hi"\t', '1', '1'],
    ['\xc3\xa9', '01', '+1'],
    ['a', 'inf', '1.'],
    ['b', '-', '.5'],
    ['c', '1e', '1e+'],
    ['d', 'NaN', '-0'],
  ];
  const { bytes, strings } = bodies(t, rows, '4294967297');
  assert.equal(bytes.toString('utf8'), strings.toString('utf8'));
  assert.ok(bytes.equals(strings));
  // An empty key renders as the array form; a NULL or too long key is refused the same way on both paths.
  const { bytes: b2, strings: s2 } = bodies(t, [['', '1', '2']], null);
  assert.ok(b2.equals(s2));
  const w = new BulkWriter({} as SearchClient, (x) => documentShape(x, 'shop.t'));
  assert.throws(() => w.newBatch(t).addBytes(rowBytes([null, '1', '2'])), /key column id is NULL/);
  assert.throws(() => w.newBatch(t).addBytes(rowBytes(['x'.repeat(513), '1', '2'])), /513 bytes/);
});

test('random rows: the byte path equals the string path', () => {
  const t = table(COLUMNS);
  let seed = 7;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const text = (): string => Array.from({ length: rnd(12) }, () => String.fromCharCode(rnd(5) ? 32 + rnd(95) : rnd(256))).join('');
  const num = (): string => [String(rnd(1000)), `-${rnd(1000)}`, `${rnd(9)}.${rnd(99)}`, `${rnd(9)}e${rnd(30)}`, text()][rnd(5)]!;
  const rows: RawRow[] = Array.from({ length: 2000 }, (_, i) => COLUMNS.map((c, j) => (j === 0 ? String(i + 1) : rnd(10) === 0 ? null : c.dataType === 'int' || c.dataType === 'double' ? num() : text())));
  // Invalid text (bytes not valid in a column's character set) stops both paths alike: such rows are left out here.
  const w = new BulkWriter({} as SearchClient, (x) => documentShape(x, 'shop.t'));
  const outcome = (f: () => void): string => {
    try {
      f();
      return 'written';
    } catch (e) {
      return (e as Error).message;
    }
  };
  const valid = rows.filter((r) => {
    const viaBytes = outcome(() => w.newBatch(t).addBytes(rowBytes(r)));
    assert.equal(viaBytes, outcome(() => w.newBatch(t).add(r)));
    return viaBytes === 'written';
  });
  assert.ok(valid.length > 500);
  const { bytes, strings } = bodies(t, valid, '12884901888');
  assert.ok(bytes.equals(strings));
});

test('isJsonNumber follows the JSON number grammar', () => {
  const yes = ['0', '-0', '7', '-12', '1.5', '0.001', '1e5', '1E+5', '-2.5e-10', '18446744073709551615'];
  const no = ['', '-', '01', '+1', '1.', '.5', '1e', '1e+', 'inf', 'NaN', '1_000', ' 1', '1 ', '0x10'];
  for (const s of yes) assert.equal(isJsonNumber(Buffer.from(s), 0, s.length), true, s);
  for (const s of no) assert.equal(isJsonNumber(Buffer.from(s), 0, s.length), false, s);
});
