// The Kafka sink's partition choice and topic names (engine/sink/kafka/partition.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { legalTopicName, murmur2, partitionFor, resolveTopicTemplate } from '../../engine/sink/kafka/partition.js';

test('murmur2 is the Java client\'s (Kafka UtilsTest vectors) and agrees with kafkajs\'s implementation', () => {
  // org.apache.kafka.common.utils.UtilsTest#testMurmur2
  const cases: [Uint8Array, number][] = [
    [Buffer.from('21'), -973932308],
    [Buffer.from('foobar'), -790332482],
    [Buffer.from('a-little-bit-long-string'), -985981536],
    [Buffer.from('a-little-bit-longer-string'), -1486304829],
    [Buffer.from('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'), -58897971],
    [Buffer.from([97, 98, 99]), 479470107],
  ];
  for (const [bytes, want] of cases) assert.equal(murmur2(bytes), want, Buffer.from(bytes).toString());
  const kafkajs = createRequire(import.meta.url)('kafkajs/src/producer/partitioners/default/murmur2') as (k: Buffer) => number;
  for (let i = 0; i < 2000; i++) {
    const b = Buffer.alloc(i % 37, 0);
    for (let j = 0; j < b.length; j++) b[j] = (i * 31 + j * 17) & 0xff;
    assert.equal(murmur2(b), kafkajs(b), b.toString('hex'));
  }
  assert.equal(partitionFor('foobar', 6), (-790332482 & 0x7fffffff) % 6);
});

test('topic names: templates are filled in and made legal deterministically', () => {
  assert.equal(resolveTopicTemplate('cutover.{db}.{table}', { db: 'shop', table: 'orders' }), 'cutover.shop.orders');
  assert.equal(legalTopicName('cutover.shop.orders'), 'cutover.shop.orders');
  const weird = legalTopicName('cutover.shop.we`ird tab');
  assert.match(weird, /^cutover\.shop\.we_ird_tab-[0-9a-f]{8}$/);
  assert.equal(weird, legalTopicName('cutover.shop.we`ird tab'), 'deterministic');
  // Names that map to the same characters keep topics of their own.
  assert.match(legalTopicName('cutover.db.таблица'), /^cutover\.db\._{7}-[0-9a-f]{8}$/);
  assert.notEqual(legalTopicName('cutover.db.таблица'), legalTopicName('cutover.db.заказы_'));
  assert.notEqual(legalTopicName('a b'), legalTopicName('a_b'));
  assert.equal(legalTopicName('a_b'), 'a_b');
  assert.match(legalTopicName('..'), /^\.\.-[0-9a-f]{8}$/, '"." and ".." are not topic names');
  const long = legalTopicName(`t.${'x'.repeat(300)}`);
  assert.equal(long.length, 249);
  assert.equal(long, legalTopicName(`t.${'x'.repeat(300)}`));
  assert.notEqual(long, legalTopicName(`t.${'x'.repeat(301)}`));
  for (const n of [weird, long, legalTopicName('cutover.db.таблица')]) assert.match(n, /^[a-zA-Z0-9._-]{1,249}$/);
});
