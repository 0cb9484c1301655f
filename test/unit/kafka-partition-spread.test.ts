// A table whose rows' changes are spread over partitions (partition-spread.ts): a key seen in two
// partitions, or a keyless table's update/delete once it is in two partitions, is found before the batch
// is applied; keys kept in one partition, a keyless table of inserts only, and replays are not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PartitionSpread, spreadRefusal } from '../../engine/core/partition-spread.js';
import type { PartitionBatch } from '../../engine/core/partition-offsets.js';
import type { RowChange } from '../../engine/core/changes.js';
import { keylessTouches, recordedSpread, type TablePartitionRow } from '../../engine/core/table-partitions.js';
import type { TopicPartition } from '../../engine/core/partition-offsets.js';

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

test('the remembered keys are bounded: the oldest are forgotten first, the most recent half kept', () => {
  const s = new PartitionSpread(4);
  assert.equal(s.check(batch(0, ...['1', '2', '3', '4', '5'].map((k) => change('keyed', 'insert', k))), keys), null);
  assert.ok(s.check(batch(1, change('keyed', 'update', '4')), keys), 'key 4 (of the 2 most recent before key 5) is still remembered');
  assert.ok(s.check(batch(1, change('keyed', 'update', '5')), keys), 'key 5 is still remembered');
  assert.equal(s.check(batch(1, change('keyed', 'update', '1')), keys), null, 'key 1 was forgotten');
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

// Across processes (table-partitions.ts): the sink's record of the partitions that carried each keyless
// table, shared by every member of the group; here an in-memory record stands for the sink's table.

/** What a sink does in a batch's transaction: check against the record, then record the batch's partition. */
function sinkGuard(record: Map<string, TablePartitionRow[]>, b: PartitionBatch): ReturnType<typeof recordedSpread> {
  for (const t of keylessTouches(b.messages, (table) => keys(table).length === 0)) {
    const rows = record.get(t.table) ?? [];
    const found = recordedSpread(b, t, rows);
    if (found) return found;
    const here = rows.find((r) => r.topic === b.topic && r.partition === b.partition);
    if (here) here.changed ||= t.changed;
    else rows.push({ topic: b.topic, partition: b.partition, changed: t.changed });
    record.set(t.table, rows);
  }
  return null;
}

test('keyless tables across processes: process B refuses an update in a second partition after process A applied inserts in the first', () => {
  const sink = new Map<string, TablePartitionRow[]>();
  // Two processes, each with its own per-process watcher: neither sees the other's partition.
  const a = new PartitionSpread();
  const b = new PartitionSpread();
  const pa = batch(0, change('plain', 'insert', '1'), change('keyed', 'insert', '1'));
  assert.equal(a.check(pa, keys), null);
  assert.equal(sinkGuard(sink, pa), null);
  const pb = batch(1, change('plain', 'insert', '2'), change('plain', 'update', '2'));
  assert.equal(b.check(pb, keys), null, 'the per-process watcher of B has seen only partition 1');
  const f = sinkGuard(sink, pb);
  assert.deepEqual(f, { table: 'shop.plain', key: null, first: { topic: 't', partition: 0 } as TopicPartition, then: { topic: 't', partition: 1 }, offset: '1' });
  assert.match(spreadRefusal(f!).message, /shop\.plain has no key, and its changes are spread over partitions \(t partition 0, then t partition 1 at offset 1/);
  assert.deepEqual(sink.get('shop.plain'), [{ topic: 't', partition: 0, changed: false }], 'the refused batch recorded nothing');
  assert.equal(sink.has('shop.keyed'), false, 'keyed tables are not recorded');
});

test('keyless tables across processes: inserts over partitions pass; one partition with updates passes, also after a restart; an insert after updates elsewhere is refused', () => {
  const sink = new Map<string, TablePartitionRow[]>();
  assert.equal(sinkGuard(sink, batch(0, change('plain', 'insert', '1'))), null);
  assert.equal(sinkGuard(sink, batch(1, change('plain', 'insert', '2'))), null, 'inserts alone land the same in any order');
  const solo = new Map<string, TablePartitionRow[]>();
  assert.equal(sinkGuard(solo, batch(2, change('plain', 'insert', '1'), change('plain', 'update', '1'))), null);
  assert.equal(sinkGuard(solo, batch(2, change('plain', 'delete', '1'))), null, 'the same partition again (a later run, another process)');
  assert.deepEqual(solo.get('shop.plain'), [{ topic: 't', partition: 2, changed: true }]);
  const f = sinkGuard(solo, batch(3, change('plain', 'insert', '9')));
  assert.equal(f?.first.partition, 2);
  assert.equal(f?.then.partition, 3);
});

test('keylessTouches: one entry per keyless table, the offset of its first update or delete', () => {
  const b: PartitionBatch = {
    topic: 't',
    partition: 0,
    messages: [
      { offset: '10', changes: [change('plain', 'insert', '1'), change('keyed', 'update', '1')], timestampMs: null },
      { offset: '11', changes: [change('plain', 'delete', '1')], timestampMs: null },
      { offset: '12', changes: [change('plain', 'update', '2')], timestampMs: null },
    ],
    next: '13',
  };
  assert.deepEqual(keylessTouches(b.messages, (t) => keys(t).length === 0), [{ table: 'shop.plain', changed: true, offset: '11' }]);
});
