import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareFilePositions, formatPosition, parseFilePosition, parseGtid } from '../../shared/positions.js';

test('file positions parse, format and compare by file sequence, not by name', () => {
  const a = parseFilePosition('mysql-bin.999999:120')!;
  const b = parseFilePosition('mysql-bin.1000000:4')!;
  assert.deepEqual(a, { kind: 'file', file: 'mysql-bin.999999', pos: 120 });
  assert.ok(compareFilePositions(a, b) < 0);
  assert.ok(compareFilePositions(b, a) > 0);
  assert.equal(compareFilePositions(a, { ...a }), 0);
  assert.equal(formatPosition(b), 'mysql-bin.1000000:4');
  assert.equal(parseFilePosition('mysql-bin:4'), null);
  assert.equal(parseFilePosition('mysql-bin.000001:2'), null);
});

test('GTIDs are recognised by flavour', () => {
  assert.deepEqual(parseGtid('0-1-51, 1-2-7'), { kind: 'mariadb-gtid', gtidPos: '0-1-51,1-2-7' });
  const mysql = '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:11,\n 4e11fa47-71ca-11e1-9e33-c80aa9429562:7';
  assert.deepEqual(parseGtid(mysql), { kind: 'mysql-gtid', gtidSet: '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:11,4e11fa47-71ca-11e1-9e33-c80aa9429562:7' });
  assert.equal(parseGtid('binlog.000042'), null);
});
