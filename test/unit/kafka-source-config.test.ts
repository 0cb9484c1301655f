// The job file's Kafka source (issue 14's contract), its refusals, its resolution, and the pure offset logic
// that makes a partitioned source exactly-once (engine/core/partition-offsets.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJobConfig } from '../../shared/job-config.js';
import { resolveJob } from '../../engine/connections/resolve.js';
import { sourceOf } from '../../engine/source/registry.js';
import { topicSubscription } from '../../engine/source/kafka/topics.js';
import { compareOffsets, messageLag, partitionKey, unappliedPart, type PartitionBatch } from '../../engine/core/partition-offsets.js';
import { errorOf } from '../helpers/errors.js';

const contract = {
  name: 'orders-consumer',
  source: { type: 'kafka', brokers: ['127.0.0.1:9092'], topics: ['cutover.shop.orders', '/cutover\\.shop\\..*/'], format: 'debezium', group: 'orders-consumer', start: 'earliest' },
  sink: { type: 'mysql', url: 'mysql://u:p@127.0.0.1:3306' },
  tables: { include: ['shop.*'] },
  rename: { shop: 'shop_copy' },
  mode: 'stream',
};

test("the issue's contract example is valid; format, start, group and topicRefreshMs have their defaults", async () => {
  const cfg = parseJobConfig(contract);
  assert.equal(cfg.source.type, 'kafka');
  assert.equal(sourceOf(cfg).kind, 'kafka');
  assert.equal(sourceOf(cfg).capabilities.partitionOffsets, true);
  assert.equal(sourceOf({ source: { url: 'mysql://x@h:1' } }).capabilities.partitionOffsets, false);
  const bare = parseJobConfig({ ...contract, source: { type: 'kafka', brokers: ['b:9092'], topics: ['t'] } });
  assert.equal(bare.source.type === 'kafka' && bare.source.format, 'auto');
  assert.equal(bare.source.type === 'kafka' && bare.source.start, 'earliest');
  assert.equal(bare.source.type === 'kafka' && bare.source.topicRefreshMs, 30_000);
  assert.throws(() => parseJobConfig({ ...contract, source: { ...contract.source, topicRefreshMs: 10 } }), /topicRefreshMs/);
  const ts = parseJobConfig({ ...contract, source: { ...contract.source, start: { timestamp: '2026-12-01T00:00:00Z' } } });
  assert.deepEqual(ts.source.type === 'kafka' && ts.source.start, { timestamp: '2026-12-01T00:00:00Z' });
  const r = await resolveJob(parseJobConfig(contract));
  assert.deepEqual(r.config.source, { ...contract.source, brokers: ['127.0.0.1:9092'], topicRefreshMs: 30_000 });
  await r.close();
});

test('SASL and TLS of a Kafka source resolve as for the Kafka sink (the password from the environment)', async () => {
  const f = parseJobConfig({ ...contract, source: { ...contract.source, sasl: { mechanism: 'scram-sha-256', username: 'app', passwordEnv: 'KPW' } } });
  const r = await resolveJob(f, { env: { KPW: 's3cret' } });
  assert.deepEqual(r.config.source.type === 'kafka' && r.config.source.sasl, { mechanism: 'scram-sha-256', username: 'app', password: 's3cret' });
  await r.close();
  await assert.rejects(resolveJob(f, { env: {} }), /KPW is not set/);
});

test('refusals: snapshot modes, a Kafka sink, a binlog start, bad topics, no brokers', () => {
  for (const mode of ['snapshot', 'snapshot+stream']) {
    const e = errorOf(() => parseJobConfig({ ...contract, mode }));
    assert.match(e.message, /\$\.mode: a Kafka source has no consistent snapshot/);
  }
  assert.match(errorOf(() => parseJobConfig({ ...contract, sink: { type: 'kafka', brokers: ['b:1'] } })).message, /not back to Kafka/);
  assert.match(errorOf(() => parseJobConfig({ ...contract, stream: { start: { file: 'mysql-bin.000001', pos: 4 } } })).message, /source\.start/);
  assert.match(errorOf(() => parseJobConfig({ ...contract, source: { ...contract.source, topics: ['/(unclosed/'] } })).message, /source\.topics.*regular expression/);
  assert.match(errorOf(() => parseJobConfig({ ...contract, source: { ...contract.source, topics: ['has space'] } })).message, /topic name/);
  assert.match(errorOf(() => parseJobConfig({ ...contract, source: { ...contract.source, topics: [] } })).message, /source\.topics/);
  const { brokers: _b, ...noBrokers } = contract.source;
  void _b;
  assert.match(errorOf(() => parseJobConfig({ ...contract, source: noBrokers })).message, /source\.brokers: is required/);
  assert.match(errorOf(() => parseJobConfig({ ...contract, source: { ...contract.source, start: 'yesterday' } })).message, /source\.start/);
  assert.match(errorOf(() => parseJobConfig({ ...contract, source: { ...contract.source, format: 'avro' } })).message, /source\.format/);
});

test('a topics entry is a name or an anchored regular expression', () => {
  assert.equal(topicSubscription('cutover.shop.orders'), 'cutover.shop.orders');
  const re = topicSubscription('/cutover\\.shop\\..*/') as RegExp;
  assert.ok(re.test('cutover.shop.orders'));
  assert.ok(!re.test('x.cutover.shop.orders'), 'anchored at the start');
  assert.ok(!topicSubscription('/a|b/').toString().includes('undefined'));
  assert.ok(!(topicSubscription('/a|b/') as RegExp).test('ab'), 'alternatives are anchored as a whole');
});

const batch = (offsets: number[], next: number): PartitionBatch => ({
  topic: 't',
  partition: 2,
  messages: offsets.map((o) => ({ offset: String(o), changes: [], timestampMs: null })),
  next: String(next),
});

test('exactly-once: the part of a batch below the sink offset is dropped; a batch wholly below leaves it', () => {
  assert.deepEqual(unappliedPart(batch([5, 6, 7], 8), null).messages.length, 3);
  const mid = unappliedPart(batch([5, 6, 7], 8), '7');
  assert.deepEqual([mid.messages.map((m) => m.offset), mid.skipped, mid.move], [['7'], 2, true]);
  const old = unappliedPart(batch([5, 6], 7), '9');
  assert.deepEqual([old.messages.length, old.skipped, old.move], [0, 2, false], 'a zombie batch from before a rebalance changes nothing');
  const gap = unappliedPart(batch([], 12), '10');
  assert.deepEqual([gap.messages.length, gap.move], [0, true], 'an empty batch (control records) still moves the offset');
  assert.equal(compareOffsets('9007199254740993', '9007199254740992'), 1, 'offsets beyond 2^53 compare exactly');
  assert.equal(messageLag('10', '15'), 5);
  assert.equal(messageLag('15', '10'), 0);
  assert.equal(messageLag(null, '10'), null);
  assert.equal(partitionKey({ topic: 'a.b', partition: 3 }), 'a.b/3');
});
