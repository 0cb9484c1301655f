// The binlog reader's read-ahead (engine/source/mysql/read-ahead.ts): items come out in order, and reading
// pauses above either high-water mark (rows or counted bytes of row images) and resumes at half of both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReadAhead } from '../../engine/source/mysql/read-ahead.js';
import { rowBytes, type BinlogItem, type BinlogTransaction, type RowChange } from '../../engine/core/changes.js';

const change = (id: number, v: string): RowChange => ({ db: 'shop', table: 't', name: 'shop.t', type: 'insert', before: null, after: [String(id), v], columns: ['id', 'v'] });
const tx = (pos: number, ...changes: RowChange[]): BinlogTransaction => ({ kind: 'transaction', changes, gtid: null, end: { kind: 'mysql-binlog', file: 'bin.000001', pos }, timestamp: pos });
const bytesOf = (t: BinlogTransaction): number => t.changes.reduce((n, c) => n + rowBytes(c), 0);
const add = (q: ReadAhead, t: BinlogTransaction): void => q.push(t, bytesOf(t));

test('items come out in the order they went in, with their rows and bytes counted and uncounted', () => {
  const q = new ReadAhead({ rows: 1_000, bytes: 1 << 20 });
  const items = Array.from({ length: 3000 }, (_, i) => tx(i + 1, change(i, 'x'.repeat(i % 7))));
  for (const t of items) add(q, t);
  assert.equal(q.rows, 3000);
  assert.equal(q.bytes, items.reduce((n, t) => n + bytesOf(t), 0));
  const out: BinlogItem[] = [];
  for (let item = q.shift(); item; item = q.shift()) out.push(item);
  assert.deepEqual(out, items);
  assert.equal(q.length, 0);
  assert.equal(q.rows, 0);
  assert.equal(q.bytes, 0);
  assert.equal(q.shift(), undefined);
});

test('narrow rows: the row mark pauses reading, and half of it resumes', () => {
  const q = new ReadAhead({ rows: 100, bytes: 1 << 20 });
  let pos = 0;
  while (!q.full()) add(q, tx(++pos, change(pos, 'a'), change(pos, 'b')));
  assert.ok(q.rows + q.length > 100 && q.rows <= 102, `paused at ${q.rows} rows`);
  assert.ok(q.bytes < 1 << 10);
  while (!q.drained()) q.shift();
  assert.ok(q.rows + q.length <= 50);
});

test('wide rows: the byte mark pauses reading long before the row mark', () => {
  const wide = 'w'.repeat(64 * 1024);
  const q = new ReadAhead({ rows: 10_000, bytes: 1 << 20 });
  let pos = 0;
  while (!q.full()) add(q, tx(++pos, change(pos, wide)));
  const perRow = rowBytes(change(1, wide));
  assert.ok(q.bytes > 1 << 20 && q.bytes - perRow <= 1 << 20, `paused at ${q.bytes} bytes`);
  assert.equal(q.rows, Math.floor((1 << 20) / perRow) + 1, 'paused by bytes, at a few 64 KiB rows');
  q.shift();
  assert.ok(!q.drained(), 'above half of the byte mark');
  while (q.bytes > 1 << 19) q.shift();
  assert.ok(q.drained());
});

test('a run of transactions without changes keeps only its last position', () => {
  const q = new ReadAhead({ rows: 10, bytes: 1 << 20 });
  add(q, tx(1, change(1, 'x')));
  add(q, tx(2));
  assert.equal(q.last()!.kind, 'transaction');
  q.replaceLast(tx(3));
  assert.equal(q.length, 2);
  assert.equal(q.rows, 1);
  assert.equal((q.shift() as BinlogTransaction).end.pos, 1);
  assert.equal((q.shift() as BinlogTransaction).end.pos, 3);
});
