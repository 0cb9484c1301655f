// A table whose rows' changes are spread over partitions (partition-spread.ts): a key seen in two
// partitions, or a keyless table's update/delete once it is in two partitions, is found before the batch
// is applied; keys kept in one partition, a keyless table of inserts only, and replays are not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PartitionSpread, spreadRefusal } from '../../engine/core/partition-spread.js';
import type { PartitionBatch } from '../../engine/core/partition-offsets.js';
import type { RowChange } from '../../engine/core/changes.js';

const change = (table: string, type: RowChange['type'], id: string, v = 'x'): RowChange => ({
  db: 'shop',
  table,
  name: `shop.${table}`,
  type,
  columns: ['id', 'v'],
  before: type === 'insert' ? null : [id, v],
  after: type === 'delete' ? null : [id, v],
});
const batch = (partition: number, ...changes: RowChange[]): PartitionBatch => ({
  topic: 't',
  partition,
  messages: changes.map((c, i) => ({ offset: String(i), changes: [c], timestampMs: null })),
  next: String(changes.length),
});
const keys = (t: string): string[] => (t === 'shop.keyed' ? ['id'] : []);

test('a keyed table: each key in one partition passes; a key seen in a second partition is found', () => {
  const s = new PartitionSpread();
  assert.equal(s.check(batch(0, change('keyed', 'insert', '1'), change('keyed', 'insert', '3')), keys), null);
  assert.equal(s.check(batch(1, change('keyed', 'insert', '2'), change('keyed', 'update', '2')), keys), null);
  assert.equal(s.check(batch(0, change('keyed', 'update', '1'), change('keyed', 'delete', '3')), keys), null, 'same partitions again, replays included');
  const f = s.check(batch(1, change('keyed', 'insert', '4'), change('keyed', 'update', '1')), keys);
  assert.deepEqual(f, { table: 'shop.keyed', key: 'id="1"', first: { topic: 't', partition: 0 }, then: { topic: 't', partition: 1 }, offset: '1' });
  const r = spreadRefusal(f!);
  assert.match(r.message, /one row of shop\.keyed \(id="1"\) are in two partitions: t partition 0, then t partition 1 at offset 1/);
  assert.match(r.fix, /canal\.mq\.partitionHash=db\.table:pk_column/);
  assert.match(r.fix, /producer_partition_by=primary_key/);
});

test('a keyless table: inserts over partitions pass; an update or delete once it is in two partitions is found', () => {
  const s = new PartitionSpread();
  assert.equal(s.check(batch(0, change('log', 'insert', '1')), keys), null);
  assert.equal(s.check(batch(1, change('log', 'insert', '2')), keys), null, 'inserts alone: any order is the same rows');
  const f = s.check(batch(1, change('log', 'update', '2')), keys);
  assert.equal(f?.key, null);
  assert.deepEqual([f?.first.partition, f?.then.partition], [0, 1]);
  assert.match(spreadRefusal(f!).message, /shop\.log has no key, and its changes are spread over partitions/);
  assert.match(spreadRefusal(f!).fix, /canal\.mq\.partitionHash=db\.table \(by table\)/);
  // In one partition, updates and deletes are in order.
  const one = new PartitionSpread();
  assert.equal(one.check(batch(2, change('log', 'insert', '1'), change('log', 'update', '1'), change('log', 'delete', '1')), keys), null);
  // An update first, then the table shows up in another partition: found too.
  const late = new PartitionSpread();
  assert.equal(late.check(batch(0, change('log', 'delete', '1')), keys), null);
  assert.ok(late.check(batch(3, change('log', 'insert', '9')), keys));
});

test('the remembered keys are bounded: the oldest is forgotten first', () => {
  const s = new PartitionSpread(2);
  assert.equal(s.check(batch(0, change('keyed', 'insert', '1'), change('keyed', 'insert', '2'), change('keyed', 'insert', '3')), keys), null);
  assert.equal(s.check(batch(1, change('keyed', 'update', '1')), keys), null, 'key 1 was forgotten');
  assert.ok(s.check(batch(1, change('keyed', 'update', '3')), keys), 'key 3 is still remembered');
});

test('a primary-key change (one Canal/Maxwell message, in the partition of either key) is not taken for a spread', () => {
  const s = new PartitionSpread();
  assert.equal(s.check(batch(0, change('keyed', 'insert', '1')), keys), null);
  // Canal partitions it by the old key (partition 0), the new key's later changes are in partition 1.
  const pk: RowChange = { db: 'shop', table: 'keyed', name: 'shop.keyed', type: 'update', columns: ['id', 'v'], before: ['1', 'x'], after: ['5', 'x'] };
  assert.equal(s.check(batch(0, pk), keys), null);
  assert.equal(s.check(batch(1, change('keyed', 'update', '5'), change('keyed', 'insert', '1')), keys), null);
  assert.ok(s.check(batch(0, change('keyed', 'delete', '5')), keys), 'then the new key is followed again');
});
