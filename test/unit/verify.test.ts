// Verification's pure parts: the per-row SQL expression per type, how differing rows are classified and
// confirmed over rounds while streaming, the report's summary and verdict, and the row images of Kafka
// messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarize, type VerifyTableResult } from '../../shared/verify.js';
import { columnTextExpr, rowHashExpr, rowTextExpr } from '../../engine/mysql/row-hash-sql.js';
import { diffKeyed, diffMultiset, displayBytes, keyId, keyOfMismatch, stableDiffs, toMismatch, type RowDiff } from '../../engine/compare/row-diff.js';
import { exitCodeOf, runVerdict, tableVerdict } from '../../engine/verify/verify-report.js';
import { ROUND_WAITS_MS, settle, type Listing } from '../../engine/compare/settle.js';
import { rawAt, rawMembers } from '../../engine/sink/kafka/json-slice.js';
import { canonicalRow, mergeRow, messageImage } from '../../engine/sink/kafka/message-image.js';
import { renderMessages, type ChangeEventInput, type KafkaFormat } from '../../engine/sink/kafka/formats/index.js';
import { copySourceInfo } from '../../engine/sink/kafka/kafka-sink.js';
import { column } from '../helpers/columns.js';

const col = column;

test('row text: each value as binary, length-prefixed, NULL as N; long kinds hashed per value', () => {
  const wrap = (v: string, body = v): string => `IFNULL(CONCAT(LENGTH(${v}), _binary':', ${body}), _binary'N')`;
  assert.equal(columnTextExpr(col('i', 'bigint')), wrap('CAST(`i` AS BINARY)'));
  assert.equal(columnTextExpr(col('d', 'decimal')), wrap('CAST(`d` AS BINARY)'));
  assert.equal(columnTextExpr(col('x', 'double')), wrap('CAST(`x` AS BINARY)'));
  // FLOAT's own text is rounded to 6 digits: widened to DOUBLE first.
  assert.equal(columnTextExpr(col('f', 'float')), wrap('CAST((`f` + 0E0) AS BINARY)'));
  // BIT as its unsigned number.
  assert.equal(columnTextExpr(col('b', 'bit')), wrap('CAST(CAST(`b` AS UNSIGNED) AS BINARY)'));
  for (const t of ['datetime', 'timestamp', 'time', 'date', 'year', 'uuid', 'inet6', 'enum', 'set']) assert.equal(columnTextExpr(col('c', t)), wrap('CAST(`c` AS BINARY)'), t);
  for (const t of ['varchar', 'char', 'longtext', 'blob', 'varbinary', 'json', 'geometry', 'point']) {
    const v = 'CAST(`c` AS BINARY)';
    assert.equal(columnTextExpr(col('c', t)), wrap(v, `MD5(${v})`), t);
  }
  assert.equal(columnTextExpr(col('we`ird', 'int')), wrap('CAST(`we``ird` AS BINARY)'));
  const two = rowTextExpr([col('a', 'int'), col('b', 'int')]);
  assert.equal(two, `CONCAT(${wrap('CAST(`a` AS BINARY)')}, _binary',', ${wrap('CAST(`b` AS BINARY)')})`);
  assert.equal(rowHashExpr([col('a', 'int')]), `MD5(CONCAT(${wrap('CAST(`a` AS BINARY)')}))`);
});

const key = (...v: (string | null)[]): (string | null)[] => v;

test('rows are matched by the exact bytes of their keys: missing, extra, different', () => {
  const src = [
    { key: key('1'), hash: 'h1' },
    { key: key('2'), hash: 'h2' },
    { key: key('a'), hash: 'ha' },
    { key: key('3', 'x'), hash: 'h3' },
  ];
  const sink = [
    { key: key('1'), hash: 'h1' },
    { key: key('2'), hash: 'h2-changed' },
    { key: key('A'), hash: 'ha' }, // a case-insensitive key stored differently is another key
    { key: key('3', 'x'), hash: 'h3' },
    { key: key('4'), hash: 'h4' },
  ];
  const d = diffKeyed(src, sink);
  assert.deepEqual(
    d.map((x) => [x.kind, x.key, x.source, x.sink]),
    [
      ['different', ['2'], 'h2', 'h2-changed'],
      ['missing', ['a'], 'ha', null],
      ['extra', ['A'], null, 'ha'],
      ['extra', ['4'], null, 'h4'],
    ],
  );
  // Composite keys cannot run together: ("ab","c") is not ("a","bc").
  assert.notEqual(keyId(['ab', 'c']), keyId(['a', 'bc']));
  assert.notEqual(keyId([null]), keyId(['N']));
  assert.notEqual(keyId(['']), keyId([null]));
});

test('a table without a key: multisets of row hashes, by how many copies differ', () => {
  const d = diffMultiset(
    new Map([
      ['x', 3],
      ['y', 1],
      ['z', 1],
    ]),
    new Map([
      ['x', 2],
      ['y', 1],
      ['w', 2],
    ]),
  );
  assert.deepEqual(
    d.map((x) => [x.kind, x.source, x.sink, x.count]),
    [
      ['missing', 'x', 'x', 1],
      ['missing', 'z', null, 1],
      ['extra', null, 'w', 2],
    ],
  );
  assert.deepEqual(toMismatch(d[0]!, []), { key: { row: 'x' }, hex: [], kind: 'missing', count: 1 });
});

test('the report names a key by its text and carries its exact bytes; BIT keys as numbers', () => {
  const d: RowDiff = { kind: 'different', key: ['caf\xc3\xa9', '\xff\x00A', '\x00\x27'], source: 'a', sink: 'b' };
  const m = toMismatch(d, [col('name', 'varchar'), col('bin', 'varbinary'), col('flag', 'bit')]);
  assert.deepEqual(m, { key: { name: 'café', bin: '\\xff\u0000A', flag: '39' }, hex: ['636166c3a9', 'ff0041', '0027'], kind: 'different' });
  assert.deepEqual(keyOfMismatch(m), d.key);
  assert.equal(displayBytes('\xe2\x82'), '\\xe2\\x82'); // a truncated sequence
  assert.equal(displayBytes('\xc0\xaf'), '\\xc0\\xaf'); // an overlong form
  assert.equal(displayBytes('\xf0\x9f\x98\x80!'), '😀!');
  assert.deepEqual(toMismatch({ kind: 'missing', key: [null], source: 'a', sink: null }, [col('k', 'int')]).hex, [null]);
});

test('while streaming, a difference counts once it is seen the same way in two consecutive rounds', () => {
  const a: RowDiff = { kind: 'different', key: ['1'], source: 's1', sink: 'k1' };
  const moved: RowDiff = { ...a, source: 's2' };
  const b: RowDiff = { kind: 'missing', key: ['2'], source: 's', sink: null };
  assert.deepEqual(stableDiffs(null, [a]), { stable: [], moving: [a] });
  assert.deepEqual(stableDiffs([a, b], [moved, b]), { stable: [b], moving: [moved] });
});

function rounds(seq: RowDiff[][]): { round: (waitMs: number) => Promise<Listing>; waits: number[] } {
  const waits: number[] = [];
  let i = 0;
  return {
    waits,
    round: async (waitMs) => {
      waits.push(waitMs);
      return { diffs: seq[Math.min(i++, seq.length - 1)]!, rowsSource: 1, rowsSink: 1 };
    },
  };
}

test('settle: at once without a stream; over rounds with growing waits while streaming', async () => {
  const signal = new AbortController().signal;
  const a: RowDiff = { kind: 'different', key: ['1'], source: 's1', sink: 'k1' };
  const once = rounds([[a]]);
  assert.deepEqual((await settle(once.round, false, signal)).diffs, [a]);
  assert.deepEqual(once.waits, [0]);
  // In flight: gone by the second round.
  const gone = rounds([[a], []]);
  const g = await settle(gone.round, true, signal);
  assert.deepEqual([g.diffs, g.moving], [[], 0]);
  // A real difference: the same twice, reported.
  const real = rounds([[a], [a]]);
  assert.deepEqual((await settle(real.round, true, signal)).diffs, [a]);
  assert.deepEqual(real.waits, ROUND_WAITS_MS.slice(0, 2));
  // A row the stream keeps changing: never reported, counted as moving after the last round.
  const busy = rounds(ROUND_WAITS_MS.map((_, i) => [{ ...a, source: `s${i}` }]));
  const b = await settle(busy.round, true, signal);
  assert.deepEqual([b.diffs, b.moving], [[], 1]);
  assert.deepEqual(busy.waits, ROUND_WAITS_MS);
});

const result = (state: VerifyTableResult['state'], mismatches = 0, rows = 10): VerifyTableResult => ({
  table: 'd.t',
  sink: 'd.t',
  state,
  chunks: 1,
  chunksDone: 1,
  rechecked: 0,
  mismatchedChunks: mismatches ? 1 : 0,
  rowsSource: rows,
  rowsSink: rows,
  mismatches: Array.from({ length: mismatches }, () => ({ key: { id: '1' }, hex: ['31'], kind: 'different' as const })),
  truncated: false,
  keyless: false,
  error: state === 'error' ? 'boom' : null,
  repaired: null,
});

test('report summary, table and run verdicts, exit codes', () => {
  const tables = [result('match'), result('mismatch', 2, 5), result('error', 0, 0), result('match', 0, 7)];
  assert.deepEqual(summarize(tables), { tables: 4, matched: 2, mismatched: 1, errors: 1, rowsSource: 22, rowsSink: 22, mismatchedRows: 2 });
  assert.equal(runVerdict(tables), 'fail');
  assert.equal(runVerdict([result('match'), result('error')]), 'error');
  assert.equal(runVerdict([result('match')]), 'pass');
  assert.equal(tableVerdict({ ...result('running'), mismatchedChunks: 0 }), 'match');
  assert.equal(tableVerdict({ ...result('running'), truncated: true }), 'mismatch');
  assert.deepEqual(['pass', 'fail', 'error', 'stopped', 'running'].map((s) => exitCodeOf(s as never)), [0, 1, 2, 130, 2]);
});

test('raw JSON slices keep every digit and every byte of the text', () => {
  const text = '{"before":null, "after": {"id":18446744073709551615,"d":"1.50","n":[1,{"x":"}"}]}, "op":"u"}';
  assert.equal(rawAt(text, ['after']), '{"id":18446744073709551615,"d":"1.50","n":[1,{"x":"}"}]}');
  assert.equal(rawAt(text, ['after', 'id']), '18446744073709551615');
  assert.equal(rawAt(text, ['after', 'n', 1, 'x']), '"}"');
  assert.equal(rawAt(text, ['before']), 'null');
  assert.equal(rawAt(text, ['nope']), undefined);
  assert.deepEqual(rawMembers('{"a\\"b": 1 , "c":[2]}'), [
    ['a"b', '1'],
    ['c', '[2]'],
  ]);
  assert.equal(canonicalRow('{ "a" : 1,"b":"x" }'), '{"a":1,"b":"x"}');
  assert.equal(mergeRow('{"a":1,"b":"new"}', '{"b":"old"}'), '{"a":1,"b":"old"}');
});

test('Kafka row images: a copied row (read event) and the same row streamed compare equal in every format', () => {
  const cols = [col('id', 'bigint', { columnType: 'bigint(20) unsigned', nullable: false }), col('v', 'varchar', { charset: 'utf8mb4' }), col('d', 'decimal', { columnType: 'decimal(65,30)' })];
  const table = { db: 'shop', table: 't', columns: cols, keyColumns: ['id'] };
  const row = ['18446744073709551615', 'h\xc3\xa9', '1.000000000000000000000000000001'];
  const old = ['18446744073709551615', 'before', '2.000000000000000000000000000000'];
  const source = { ...copySourceInfo('job', null), tsMs: 1 };
  const streamed = { ...source, snapshot: false as const, file: 'mysql-bin.000002', pos: 900, serverId: 1 };
  for (const format of ['debezium', 'canal', 'maxwell'] as KafkaFormat[]) {
    const value = (e: ChangeEventInput): string => renderMessages(format, e, { tombstonesOnDelete: false })[0]!.value!;
    const read = messageImage(format, value({ op: 'r', table, before: null, after: row, source, tsMs: 5 }))!;
    const upd = messageImage(format, value({ op: 'u', table, before: old, after: row, source: streamed, tsMs: 99 }))!;
    const del = messageImage(format, value({ op: 'd', table, before: row, after: null, source: streamed, tsMs: 99 }))!;
    assert.deepEqual([read.db, read.table, read.kind], ['shop', 't', 'put'], format);
    assert.equal(upd.after, read.after, `${format}: the row image does not depend on the envelope`);
    assert.match(read.after!, /18446744073709551615/, `${format}: every digit kept`);
    assert.equal(del.kind, 'delete');
    assert.equal(del.before, read.after, `${format}: a delete names the row it removes`);
    const oldRead = messageImage(format, value({ op: 'r', table, before: null, after: old, source, tsMs: 5 }))!;
    assert.equal(upd.before, oldRead.after, `${format}: an update's before image is the old row`);
  }
});

test('the state file keeps each verification: created running, rewritten as it goes, latest per job; a dead process reads as stopped', async () => {
  const { StateStore } = await import('../../engine/state/store.js');
  const { VerifyStore } = await import('../../engine/state/verify-store.js');
  const { newReport } = await import('../../engine/verify/verify-report.js');
  const { sinkKind } = await import('../../engine/sink/registry.js');
  const store = new StateStore(':memory:');
  try {
    const job = store.upsertJob('j', {});
    const reports = new VerifyStore(store);
    assert.equal(reports.latest(job.id), null);
    const r = newReport('j', sinkKind('mysql'), null);
    const id = reports.create(job.id, r);
    assert.equal(reports.get(id)!.id, id);
    assert.equal(reports.get(id)!.state, 'running');
    assert.equal(reports.runningPid(job.id), process.pid);
    reports.update({ ...r, id, state: 'fail', finishedAt: 5, tables: [result('mismatch', 1)] });
    assert.equal(reports.latest(job.id)!.state, 'fail');
    assert.equal(reports.latest(job.id)!.tables[0]!.mismatches.length, 1);
    const dead = reports.create(job.id, newReport('j', sinkKind('kafka'), id), 2 ** 22 + 12345);
    assert.equal(reports.latest(job.id)!.id, dead);
    assert.equal(reports.latest(job.id)!.state, 'stopped');
    assert.equal(reports.latest(job.id)!.repair.available, false);
    assert.equal(reports.latest(job.id)!.repairOf, id);
    assert.deepEqual(reports.list(job.id).map((x) => x.id), [dead, id]);
  } finally {
    store.close();
  }
});
