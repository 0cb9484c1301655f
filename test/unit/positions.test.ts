import { test } from 'node:test';
import assert from 'node:assert/strict';
import { comparePositions, formatPosition, laterPosition, positionFromJson, readStoredPosition, type SourcePosition } from '../../engine/core/position.js';
import { formatGtidPosition, parseFilePosition, parseGtid } from '../../shared/positions.js';
import { loadSource, sourceOf } from '../../engine/source/registry.js';

const binlog = (file: string, pos: number): SourcePosition => ({ kind: 'mysql-binlog', file, pos });

test('binlog positions format and compare by file sequence, not by name', () => {
  const a = binlog('mysql-bin.999999', 120);
  const b = binlog('mysql-bin.1000000', 4);
  assert.ok(comparePositions(a, b) < 0);
  assert.ok(comparePositions(b, a) > 0);
  assert.equal(comparePositions(a, { ...a }), 0);
  assert.ok(comparePositions(binlog('mysql-bin.000007', 900), binlog('mysql-bin.000007', 1000)) < 0);
  assert.equal(formatPosition(b), 'mysql-bin.1000000:4');
  assert.equal(laterPosition(a, b), b);
  assert.equal(laterPosition(null, a), a);
  assert.equal(laterPosition(a, null), a);
});

test('positions of several files compare by sequence whatever file was compared last', () => {
  const files = ['mysql-bin.000009', 'mysql-bin.000010', 'mysql-bin.999999', 'mysql-bin.1000000'];
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < files.length - 1; i++) {
      assert.ok(comparePositions(binlog(files[i]!, 500), binlog(files[i + 1]!, 4)) < 0, `${files[i]} before ${files[i + 1]}`);
      assert.ok(comparePositions(binlog(files[i + 1]!, 4), binlog(files[i]!, 500)) > 0);
      assert.equal(comparePositions(binlog(files[i]!, 7), binlog(files[i]!, 7)), 0);
    }
  }
  assert.ok(Number.isNaN(comparePositions(binlog('no-sequence', 4), binlog('mysql-bin.000001', 4))), 'a name without a sequence does not order');
});

test('a job file position text parses to its file and offset', () => {
  assert.deepEqual(parseFilePosition('mysql-bin.999999:120'), { file: 'mysql-bin.999999', pos: 120 });
  assert.equal(parseFilePosition('mysql-bin:4'), null);
  assert.equal(parseFilePosition('mysql-bin.000001:2'), null);
});

test('stored positions of every version read back in the tagged form', () => {
  const want = binlog('mysql-bin.000042', 1234);
  // today's tagged JSON
  assert.deepEqual(readStoredPosition(JSON.stringify(want)), want);
  // older versions: `{kind:'file',file,pos}` (state file snapshot positions, copy start position's `file`)
  assert.deepEqual(readStoredPosition('{"kind":"file","file":"mysql-bin.000042","pos":1234}'), want);
  // and untagged `{file,pos}` (stream state's applied/target, with a gtid beside them)
  assert.deepEqual(positionFromJson({ file: 'mysql-bin.000042', pos: 1234, gtid: '0-1-5' }), want);
  // a checkpoint row's offset read back as a string (BIGINT as text)
  assert.deepEqual(positionFromJson({ file: 'mysql-bin.000042', pos: '1234' }), want);
  // not positions
  assert.equal(readStoredPosition(null), null);
  assert.equal(readStoredPosition(''), null);
  assert.equal(readStoredPosition('not json'), null);
  assert.equal(readStoredPosition('{"kind":"kafka-offsets","topic":"t"}'), null);
  assert.equal(positionFromJson({ file: '', pos: 4 }), null);
  assert.equal(positionFromJson({ file: 'mysql-bin.000001', pos: -1 }), null);
  assert.equal(positionFromJson({ kind: 'mysql-gtid', gtidSet: 'x' }), null);
});

test('positions of different kinds never compare silently', () => {
  const other = { kind: 'other', file: 'x.1', pos: 4 } as unknown as SourcePosition;
  assert.throws(() => comparePositions(binlog('mysql-bin.000001', 4), other), /cannot order/);
});

test('GTIDs are recognised by flavour', () => {
  assert.deepEqual(parseGtid('0-1-51, 1-2-7'), { kind: 'mariadb-gtid', gtidPos: '0-1-51,1-2-7' });
  const mysql = '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:11,\n 4e11fa47-71ca-11e1-9e33-c80aa9429562:7';
  const set = parseGtid(mysql)!;
  assert.deepEqual(set, { kind: 'mysql-gtid', gtidSet: '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:11,4e11fa47-71ca-11e1-9e33-c80aa9429562:7' });
  assert.equal(formatGtidPosition(set), set.kind === 'mysql-gtid' ? set.gtidSet : '');
  assert.equal(parseGtid('binlog.000042'), null);
});

test('the source registry gives a job its source kind and that kind orders its positions', async () => {
  const d = sourceOf({ source: { url: 'mysql://u@h:3306' } });
  assert.equal(d.kind, 'mysql');
  assert.ok(d.positions.compare(binlog('b.000002', 4), binlog('b.000010', 4)) < 0);
  assert.deepEqual(d.positions.parse({ file: 'b.000002', pos: 4 }), binlog('b.000002', 4));
  assert.throws(() => sourceOf({ source: { type: 'oracle' } }), /Unknown source type "oracle"/);
  const driver = await loadSource({ source: {} });
  assert.equal(driver.kind, 'mysql');
  assert.equal(driver.positions.format(binlog('b.000002', 4)), 'b.000002:4');
});
