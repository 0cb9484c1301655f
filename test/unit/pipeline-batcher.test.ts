// The stream's pure batcher (engine/pipeline/change-batcher.ts): limits by rows, bytes and delay, one
// apply mode per batch, DDL ends a batch. The clock is a number the test moves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChangeBatcher, rowBytes, type ChangeBatch } from '../../engine/pipeline/change-batcher.js';
import type { BinlogTransaction, RowChange } from '../../engine/core/changes.js';

const change = (id: number, v = 'x'): RowChange => ({ db: 'shop', table: 't', name: 'shop.t', type: 'insert', before: null, after: [String(id), v], columns: ['id', 'v'] });
const tx = (pos: number, ...changes: RowChange[]): BinlogTransaction => ({ kind: 'transaction', changes, gtid: null, end: { kind: 'mysql-binlog', file: 'bin.000001', pos }, timestamp: pos });
const ends = (bs: ChangeBatch[]): number[][] => bs.map((b) => b.txs.map((t) => t.end.pos));
const big = 1e9;

test('a batch closes when it holds maxRows row changes, counting whole transactions', () => {
  let now = 0;
  const b = new ChangeBatcher({ maxRows: 3, maxBytes: big, maxDelayMs: big }, () => now);
  assert.deepEqual(b.add(tx(1, change(1)), 'strict'), []);
  assert.deepEqual(b.add(tx(2, change(2)), 'strict'), []);
  const out = b.add(tx(3, change(3), change(4)), 'strict'); // a transaction is never split
  assert.deepEqual(ends(out), [[1, 2, 3]]);
  assert.equal(out[0]!.rows, 4);
  assert.equal(b.pending, 0);
  assert.deepEqual(ends(b.add(tx(4, change(5), change(6), change(7), change(8)), 'strict')), [[4]], 'one transaction over the limit is one batch');
});

test('a batch closes when its row images reach maxBytes', () => {
  const c = change(1, 'abcdefgh'); // "1" (1+3) + "abcdefgh" (8+3) = 15 bytes
  assert.equal(rowBytes(c), 15);
  assert.equal(rowBytes({ ...c, type: 'update', before: ['1', null] }), 15 + 4 + 1);
  const b = new ChangeBatcher({ maxRows: big, maxBytes: 40, maxDelayMs: big }, () => 0);
  assert.deepEqual(b.add(tx(1, c), 'strict'), []);
  assert.deepEqual(b.add(tx(2, c), 'strict'), []);
  const out = b.add(tx(3, c), 'strict');
  assert.deepEqual(ends(out), [[1, 2, 3]]);
  assert.equal(out[0]!.bytes, 45);
});

test('a batch is due maxDelayMs after its first transaction, by the injected clock', () => {
  let now = 1000;
  const b = new ChangeBatcher({ maxRows: big, maxBytes: big, maxDelayMs: 200 }, () => now);
  assert.equal(b.waitMs(), null, 'no open batch: nothing to wait for');
  assert.equal(b.due(), false);
  b.add(tx(1, change(1)), 'strict');
  now = 1150;
  assert.equal(b.waitMs(), 50);
  assert.equal(b.due(), false);
  assert.deepEqual(b.add(tx(2, change(2)), 'strict'), []);
  now = 1200;
  assert.equal(b.due(), true);
  assert.equal(b.waitMs(), 0);
  assert.deepEqual(ends(b.add(tx(3, change(3)), 'strict')), [[1, 2, 3]], 'the transaction that arrives past the delay closes the batch');
  now = 5000;
  b.add(tx(4, change(4)), 'strict');
  assert.equal(b.waitMs(), 200, 'the delay counts from the first transaction of the new batch');
  assert.equal(b.oldestPendingAt, 4);
});

test('reconcile and strict transactions never share a batch', () => {
  const b = new ChangeBatcher({ maxRows: big, maxBytes: big, maxDelayMs: big }, () => 0);
  b.add(tx(1, change(1)), 'reconcile');
  b.add(tx(2, change(2)), 'reconcile');
  const out = b.add(tx(3, change(3)), 'strict');
  assert.deepEqual(ends(out), [[1, 2]]);
  assert.equal(out[0]!.mode, 'reconcile');
  const rest = b.cut()!;
  assert.deepEqual(ends([rest]), [[3]]);
  assert.equal(rest.mode, 'strict');
});

test('a DDL statement ends the open batch; cut() on an empty batcher gives nothing', () => {
  const b = new ChangeBatcher({ maxRows: big, maxBytes: big, maxDelayMs: big }, () => 0);
  assert.equal(b.beforeDdl(), null);
  b.add(tx(1, change(1)), 'strict');
  assert.deepEqual(ends([b.beforeDdl()!]), [[1]]);
  assert.equal(b.cut(), null);
  assert.equal(b.oldestPendingAt, null);
});
