// The Kafka copy's byte path (engine/sink/kafka/read-event-bytes.ts, KafkaBatch.addBytes) against the string
// path (KafkaBatch.add of the same row as byte strings): every record's key, value, partition, headers,
// size and error origin must be the same, for random rows of every column kind the byte path writes, for
// every value it refuses (a byte above 0x7F, number text with '+' or leading zeros, …: those rows take the
// string path), and for tables it does not take at all (other types, other formats).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KafkaBatch } from '../../engine/sink/kafka/kafka-writer.js';
import { ReadEventWriter } from '../../engine/sink/kafka/read-event-bytes.js';
import { TableRenderer } from '../../engine/sink/kafka/table-renderer.js';
import { batchBudget, type OutRecord } from '../../engine/sink/kafka/record-sender.js';
import type { KafkaFormat, KeyMode, SourceInfo } from '../../engine/sink/kafka/formats/index.js';
import type { RawRow, RowBytes } from '../../engine/core/rows.js';
import type { ColumnInfo, CopyTable } from '../../engine/core/tables.js';
import { prng } from '../../engine/demo/prng.js';
import { sentRecords } from '../helpers/record-runs.js';

const col = (name: string, dataType: string, columnType: string, charset: string | null = null, nullable = true): ColumnInfo => ({
  name,
  dataType,
  columnType,
  charset,
  collation: null,
  nullable,
  generated: false,
});

const SOURCE: Omit<SourceInfo, 'tsMs'> = {
  serverId: null,
  file: 'mariadb-bin.000007',
  pos: 4711,
  gtid: '0-1-99',
  snapshot: true,
  row: 0,
  thread: null,
  query: null,
  xid: null,
  serverName: 'jöb "q"',
  version: '0.1.0',
  connector: 'mysql',
};

const rng = prng;

/** The row as RowBytes: the values' bytes with other bytes between them, as in a row packet. */
function rowBytes(row: RawRow): RowBytes {
  const parts: Buffer[] = [Buffer.from([0xfb, 0x03])];
  const start = new Int32Array(row.length);
  const end = new Int32Array(row.length);
  let at = 2;
  row.forEach((v, i) => {
    if (v === null) {
      start[i] = end[i] = -1;
      return;
    }
    const b = Buffer.from(v, 'latin1');
    parts.push(Buffer.from([b.length & 0xff]), b);
    start[i] = at + 1;
    end[i] = at + 1 + b.length;
    at += 1 + b.length;
  });
  return { buf: Buffer.concat(parts), start, end, count: row.length };
}

const hexOf = (v: string | Buffer | null): string | null => (v === null ? null : Buffer.isBuffer(v) ? v.toString('hex') : Buffer.from(v, 'utf8').toString('hex'));

interface Table {
  columns: ColumnInfo[];
  key: string[];
}

/** Per partition, its records in order: key, value (hex) and headers. */
function byPartition(records: { partition: number; key: string | Buffer | null; value: string | Buffer | null; headers?: Record<string, string> }[]): Map<number, unknown[]> {
  const m = new Map<number, unknown[]>();
  for (const r of records) {
    let l = m.get(r.partition);
    if (!l) m.set(r.partition, (l = []));
    l.push({ key: hexOf(r.key), value: hexOf(r.value), headers: r.headers ?? {} });
  }
  return m;
}

/**
 * Renders every row three ways with a fixed clock: the string renderer's records (TableRenderer.render of
 * the batch's read event, the reference), a batch's add() and a batch's addBytes() (both written as runs
 * of records in Kafka's record format); the runs read back must hold the reference's records, partition
 * by partition in order, and name the same row for their largest record. Returns how many rows took the
 * byte path.
 */
function compare(t: Table, rows: RawRow[], format: KafkaFormat = 'debezium', keyMode: KeyMode = 'pk', partitions = 6): number {
  const keyCols = t.key.map((k) => t.columns.find((c) => c.name === k)!);
  const topic = { name: 'cutover.shop.items', maxMessageBytes: 1 << 20, partitions };
  const opts = { format, keyMode, tombstones: true };
  const table = {} as CopyTable;
  const realNow = Date.now;
  let clock = 1_765_000_000_123;
  try {
    const reference = new TableRenderer('shop', 'items', t.columns, keyCols, topic, opts);
    const viaStrings = new KafkaBatch(table, new TableRenderer('shop', 'items', t.columns, keyCols, topic, opts), SOURCE);
    const writer = new ReadEventWriter();
    let fast = 0;
    const write = writer.write.bind(writer);
    writer.write = (...a: Parameters<ReadEventWriter['write']>): boolean => {
      const ok = write(...a);
      if (ok) fast++;
      return ok;
    };
    const viaBytes = new KafkaBatch(table, new TableRenderer('shop', 'items', t.columns, keyCols, topic, opts), SOURCE, writer);
    const expected: OutRecord[] = [];
    for (const row of rows) {
      Date.now = () => clock;
      if (rows.length > 1 && row === rows[1]) clock += 7; // a clock that moves between rows
      const source = { ...SOURCE, tsMs: clock } as SourceInfo;
      reference.render({ op: 'r', table: reference.kt, before: null, after: row, source, tsMs: clock, copyMark: 'row' }, expected);
      viaStrings.add(row);
      viaBytes.addBytes(rowBytes(row));
    }
    assert.equal(viaBytes.rows, viaStrings.rows);
    assert.equal(viaBytes.bytes, viaStrings.bytes);
    const want = byPartition(expected);
    assert.deepEqual(byPartition(sentRecords(viaStrings.records)), want);
    assert.deepEqual(byPartition(sentRecords(viaBytes.records)), want);
    // Runs may end at other records (the byte path ends a run by a record's upper bound, the string path by
    // its size), but each stays under the budget and names the same largest row of each partition.
    const budget = batchBudget(topic);
    const largest = (runs: OutRecord[]): Map<number, [number, string]> => {
      const m = new Map<number, [number, string]>();
      for (const r of runs) {
        assert.ok(r.size <= budget || r.recordCount === 1, `a run of ${r.recordCount} records is ${r.size} bytes`);
        if (!m.has(r.partition) || m.get(r.partition)![0] < r.largestRecordSize!) m.set(r.partition, [r.largestRecordSize!, r.origin()]);
      }
      return m;
    };
    assert.deepEqual(largest(viaBytes.records), largest(viaStrings.records));
    return fast;
  } finally {
    Date.now = realNow;
  }
}

const SYSBENCH: Table = {
  columns: [col('id', 'int', 'int(11)', null, false), col('k', 'int', 'int(11)', null, false), col('c', 'char', 'char(120)', 'utf8mb4', false), col('pad', 'char', 'char(60)', 'utf8mb4', false)],
  key: ['id'],
};

const digits = (r: () => number, n: number): string => Array.from({ length: n }, () => String(Math.floor(r() * 10))).join('');

test('sysbench rows: the byte path writes every record the string path writes', () => {
  const r = rng(1);
  const rows: RawRow[] = [];
  for (let i = 1; i <= 3000; i++) rows.push([String(i), String(Math.floor(r() * 1e6)), `${digits(r, 11)}-${digits(r, 11)}-${digits(r, 11)}`, `${digits(r, 11)}-${digits(r, 11)}`]);
  assert.equal(compare(SYSBENCH, rows), rows.length);
});

/** Random ASCII text, with every control byte, quotes, backslashes and DEL among it. */
function asciiText(r: () => number, max: number): string {
  const n = Math.floor(r() * max);
  let s = '';
  for (let i = 0; i < n; i++) {
    const p = r();
    s += String.fromCharCode(p < 0.1 ? Math.floor(r() * 0x20) : p < 0.15 ? 0x22 : p < 0.2 ? 0x5c : p < 0.22 ? 0x7f : 0x20 + Math.floor(r() * 0x5f));
  }
  return s;
}

const WIDE: Table = {
  columns: [
    col('id', 'bigint', 'bigint(20) unsigned', null, false),
    col('code', 'varchar', 'varchar(40)', 'latin1', false),
    col('n', 'int', 'int(11)'),
    col('y', 'year', 'year(4)'),
    col('d', 'double', 'double'),
    col('t', 'text', 'text', 'utf8mb3'),
    col('a', 'varchar', 'varchar(10)', 'ascii'),
    col('ünï', 'tinyint', 'tinyint(1)'),
  ],
  key: ['id', 'code'],
};

/** Values the byte path must refuse (the string path renders them, or refuses them with its error). */
const ODD_NUMBERS = ['+5', '007', '-0', '0', '1e5', '1.5E-3', '.5', '5.', '-', '', '1e', '00.5', '12345678901234567890123'];

function wideRow(r: () => number, i: number, odd: boolean): RawRow {
  const num = (): string | null => (r() < 0.1 ? null : odd && r() < 0.3 ? ODD_NUMBERS[Math.floor(r() * ODD_NUMBERS.length)]! : String(Math.floor((r() - 0.5) * 1e9)));
  const text = (max: number): string | null => {
    if (r() < 0.1) return null;
    const s = asciiText(r, max);
    if (!odd || r() > 0.2) return s;
    const b = Buffer.from(s, 'latin1');
    return Buffer.concat([b, Buffer.from([0x80 + Math.floor(r() * 0x7f)])]).toString('latin1'); // a byte above 0x7F
  };
  const d = r() < 0.1 ? null : odd && r() < 0.2 ? ODD_NUMBERS[Math.floor(r() * ODD_NUMBERS.length)]! : String((r() - 0.5) * 10 ** Math.floor(r() * 30 - 10));
  return [String(i), asciiText(r, 12) + (odd && r() < 0.1 ? 'é' : ''), num(), r() < 0.1 ? null : String(1901 + Math.floor(r() * 254)), d, text(300), text(10), num()];
}

test('random rows of every kind the byte path writes, composite key, both key modes, many partitions', () => {
  const r = rng(2);
  const rows = Array.from({ length: 2000 }, (_, i) => wideRow(r, i + 1, false));
  for (const keyMode of ['pk', 'table'] as const) for (const p of [1, 6, 13]) assert.equal(compare(WIDE, rows, 'debezium', keyMode, p), rows.length);
});

test('values the byte path refuses take the string path, row by row, with the same records', () => {
  const r = rng(3);
  // Rows the string path cannot render either (a number text that is no number) are left out: both throw.
  const rows: RawRow[] = [];
  for (let i = 1; rows.length < 2000; i++) {
    const row = wideRow(r, i, true);
    const probe = new KafkaBatch({} as CopyTable, new TableRenderer('shop', 'items', WIDE.columns, WIDE.key.map((k) => WIDE.columns.find((c) => c.name === k)!), { name: 'x', maxMessageBytes: 1 << 20, partitions: 6 }, { format: 'debezium', keyMode: 'pk', tombstones: true }), SOURCE);
    try {
      probe.add(row);
      rows.push(row);
    } catch {
      /* refused by both: the string path's error is what the copy reports */
    }
  }
  const fast = compare(WIDE, rows);
  assert.ok(fast > 100 && fast < rows.length, `some rows on each path (${fast} of ${rows.length} on the byte path)`);
});

test('a row the string path refuses is refused the same way from its bytes', () => {
  const keyCols = [WIDE.columns[0]!, WIDE.columns[1]!];
  const b = new KafkaBatch({} as CopyTable, new TableRenderer('shop', 'items', WIDE.columns, keyCols, { name: 'x', maxMessageBytes: 1 << 20, partitions: 6 }, { format: 'debezium', keyMode: 'pk', tombstones: true }), SOURCE, new ReadEventWriter());
  const row: RawRow = ['1', 'a', 'x1', null, null, null, null, null];
  assert.throws(() => b.addBytes(rowBytes(row)), /A row of shop\.items \(id="1", code="a"\) cannot be written as a debezium message: .*"x1" is not a number/);
  assert.equal(b.records.length, 0);
});

test('keyless tables, NULL key values and long values', () => {
  const r = rng(4);
  const keyless: Table = { columns: WIDE.columns.map((c) => ({ ...c, nullable: true })), key: [] };
  const rows = Array.from({ length: 300 }, (_, i) => wideRow(r, i, false));
  assert.equal(compare(keyless, rows), rows.length);
  const nullKey: Table = { columns: keyless.columns, key: ['n', 'a'] };
  assert.equal(compare(nullKey, rows), rows.length);
  const long: RawRow[] = [['1', 'k', '2', '2000', '1.5', 'x'.repeat(300_000), '"'.repeat(70_000), '1']];
  assert.equal(compare(WIDE, long), 1);
});

const MORE: Table = {
  columns: [
    col('id', 'int', 'int(11)', null, false),
    col('price', 'decimal', 'decimal(12,4)'),
    col('at', 'timestamp', 'timestamp(6)'),
    col('at0', 'timestamp', 'timestamp', null, false),
    col('state', 'enum', "enum('new','paid','a\"b')", 'utf8mb4'),
    col('tags', 'set', "set('x','y')", 'latin1'),
    col('u', 'uuid', 'uuid'),
    col('f', 'float', 'float(7,3)'),
  ],
  key: ['id', 'price'],
};

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const ODD_DECIMALS = ['+1.5', '007.20', '-0.00', '-0', '0', '0.000', '-0.5', '00', '-00.1', '1.', '.5', '1e5', '-', '', '12345678901234567890.123456789'];
const ODD_TIMES = ['0000-00-00 00:00:00', '2026-00-05 01:02:03', '2026-05-00', '2026-01-02T03:04:05', '2026-01-02', '2026-01-02 03:04:05.123456789', '2026-1-2', '2026-01-02 03:04:05.', '2026-01-02 3:04:05', 'x026-01-02'];

function moreRow(r: () => number, i: number, odd: boolean): RawRow {
  const dec = (): string | null => (r() < 0.1 ? null : odd && r() < 0.4 ? pick(r, ODD_DECIMALS) : `${r() < 0.3 ? '-' : ''}${Math.floor(r() * 1e6)}.${digits(r, 4)}`);
  const ts = (): string => {
    if (odd && r() < 0.4) return pick(r, ODD_TIMES);
    const p2 = (n: number): string => String(n).padStart(2, '0');
    const frac = r() < 0.5 ? '' : '.' + digits(r, 1 + Math.floor(r() * 6));
    return `${1970 + Math.floor(r() * 68)}-${p2(1 + Math.floor(r() * 12))}-${p2(1 + Math.floor(r() * 28))} ${p2(Math.floor(r() * 24))}:${p2(Math.floor(r() * 60))}:${p2(Math.floor(r() * 60))}${frac}`;
  };
  return [
    String(i),
    dec() ?? '0.0000',
    r() < 0.1 ? null : ts(),
    ts(),
    r() < 0.1 ? null : pick(r, ['new', 'paid', 'a"b', '', ...(odd ? ['caf\u00c3\u00a9'] : [])]),
    r() < 0.1 ? null : pick(r, ['', 'x', 'x,y', ...(odd ? ['\u00e9'] : [])]),
    r() < 0.1 ? null : `${digits(r, 8)}-${digits(r, 4)}-${digits(r, 4)}-${digits(r, 4)}-${digits(r, 12)}`,
    r() < 0.1 ? null : odd && r() < 0.2 ? pick(r, ODD_NUMBERS) : (r() * 1000).toFixed(3),
  ];
}

test('DECIMAL, TIMESTAMP, ENUM, SET, UUID and FLOAT(M,D) from their bytes, and the values of theirs the byte path refuses', () => {
  const r = rng(6);
  const plainRows = Array.from({ length: 1500 }, (_, i) => moreRow(r, i + 1, false));
  assert.equal(compare(MORE, plainRows), plainRows.length);
  const odd: RawRow[] = [];
  const keyCols = MORE.key.map((k) => MORE.columns.find((c) => c.name === k)!);
  for (let i = 1; odd.length < 1500; i++) {
    const row = moreRow(r, i, true);
    const probe = new KafkaBatch({} as CopyTable, new TableRenderer('shop', 'items', MORE.columns, keyCols, { name: 'x', maxMessageBytes: 1 << 20, partitions: 6 }, { format: 'debezium', keyMode: 'pk', tombstones: true }), SOURCE);
    try {
      probe.add(row);
      odd.push(row);
    } catch {
      /* refused by both */
    }
  }
  const fast = compare(MORE, odd);
  assert.ok(fast > 100 && fast < odd.length, `some rows on each path (${fast} of ${odd.length} on the byte path)`);
});

test('tables with other column types, and other formats, take the string path', () => {
  const other: Table = {
    columns: [col('id', 'int', 'int(11)', null, false), col('price', 'decimal', 'decimal(10,2)'), col('at', 'datetime', 'datetime(6)'), col('g', 'varchar', 'varchar(10)', 'gbk'), col('b', 'blob', 'blob'), col('f', 'float', 'float'), col('e', 'enum', "enum('a')", 'gbk')],
    key: ['id'],
  };
  const rows: RawRow[] = [['1', '12.50', '2026-01-02 03:04:05.000006', 'ab', '\u0000\u00ff', '1.5', 'a'], ['2', null, null, null, null, null, null]];
  for (const c of other.columns.slice(2)) assert.equal(compare({ columns: [other.columns[0]!, other.columns[1]!, c], key: ['id'] }, rows.map((x) => [x[0]!, x[1]!, x[other.columns.indexOf(c)]!])), 0, c.columnType);
  assert.equal(compare(other, rows), 0);
  const r = rng(5);
  const wide = Array.from({ length: 200 }, (_, i) => wideRow(r, i + 1, false));
  for (const f of ['canal', 'maxwell'] as const) assert.equal(compare(WIDE, wide, f), 0);
});
