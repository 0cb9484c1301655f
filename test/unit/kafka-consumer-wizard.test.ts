// The Kafka source in the app, its pure parts: a message described for the topic sample (format as "auto"
// detects it, the Debezium schema envelope, the table, the kind of message) and the consumer wizard's
// draft → the job file the CLI runs (parsed by the job-file schema) and its problems.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeMessage } from '../../engine/source/kafka/formats/describe.js';
import { consumerJobFile, consumerProblems, emptyConsumerDraft, startTimestamp, type ConsumerDraft } from '../../shared/kafka-consumer-job.js';
import { JobFile } from '../../shared/job-config.js';

const buf = (v: unknown): Buffer => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

test('a Debezium message with and without the schema envelope: format, envelope, table and kind', () => {
  const payload = { before: null, after: { id: 1 }, source: { db: 'shop', table: 'orders' }, op: 'c', ts_ms: 1 };
  assert.deepEqual(describeMessage(buf({ schema: { type: 'struct', fields: [] }, payload })), { format: 'debezium', envelope: true, table: 'shop.orders', kind: 'a row change (op "c")' });
  assert.deepEqual(describeMessage(buf(payload)), { format: 'debezium', envelope: false, table: 'shop.orders', kind: 'a row change (op "c")' });
  const ddl = describeMessage(buf({ source: { db: 'shop' }, databaseName: 'shop', ddl: 'ALTER TABLE t ADD c INT', tableChanges: [] }));
  assert.equal(ddl.format, 'debezium');
  assert.equal(ddl.kind, 'a schema change (DDL statement)');
});

test('Canal and Maxwell messages, a tombstone and a message of no known format', () => {
  assert.deepEqual(describeMessage(buf({ data: [{ id: '1' }], database: 'shop', table: 'items', isDdl: false, type: 'INSERT', pkNames: ['id'], mysqlType: { id: 'int' } })), {
    format: 'canal',
    envelope: null,
    table: 'shop.items',
    kind: 'a row change (INSERT)',
  });
  assert.equal(describeMessage(buf({ data: null, database: 'shop', table: 'items', isDdl: true, type: 'ALTER', sql: 'ALTER …' })).kind, 'a schema change (DDL statement)');
  assert.deepEqual(describeMessage(buf({ database: 'shop', table: 'items', type: 'update', data: { id: 1 }, old: { v: 2 } })), { format: 'maxwell', envelope: null, table: 'shop.items', kind: 'a row change (update)' });
  assert.equal(describeMessage(null).format, null);
  assert.match(describeMessage(null).kind, /tombstone/);
  assert.deepEqual(describeMessage(buf('plain text')), { format: null, envelope: null, table: null, kind: 'not a Debezium, Canal or Maxwell message' });
  // Numbers beyond double precision do not disturb the description.
  assert.equal(describeMessage(buf('{"op":"u","before":{"id":18446744073709551615},"after":{"id":18446744073709551615},"source":{"db":"d","table":"t"}}')).table, 'd.t');
});

const draft = (over: Partial<ConsumerDraft> = {}): ConsumerDraft => ({ ...emptyConsumerDraft('cluster'), name: 'orders-consumer', topics: ['cutover.shop.orders'], sink: 'target', include: 'shop.*', ...over });

test('the consumer draft becomes a job file the CLI accepts', () => {
  const file = consumerJobFile(draft({ format: 'debezium', include: 'shop.*, /^shop\\.o.*/' }), 'mysql');
  assert.deepEqual(file, {
    name: 'orders-consumer',
    source: { type: 'kafka', profile: 'cluster', topics: ['cutover.shop.orders'], format: 'debezium', group: 'cutover-orders-consumer', start: 'earliest' },
    sink: { type: 'mysql', profile: 'target' },
    tables: { include: ['shop.*', '/^shop\\.o.*/'] },
    mode: 'stream',
  });
  assert.equal(JobFile.safeParse(file).success, true, JSON.stringify(JobFile.safeParse(file).error?.issues));
  const timed = consumerJobFile(draft({ start: 'timestamp', timestamp: '2026-12-01T08:30', group: ' g1 ' }), 'postgres');
  assert.deepEqual((timed['source'] as Record<string, unknown>)['start'], { timestamp: '2026-12-01T08:30:00Z' });
  assert.equal((timed['source'] as Record<string, unknown>)['group'], 'g1');
  assert.deepEqual(timed['tables'], { include: ['shop.*'] });
  assert.equal(JobFile.safeParse(timed).success, true, JSON.stringify(JobFile.safeParse(timed).error?.issues));
});

test('the consumer draft names what is missing or wrong', () => {
  assert.deepEqual(consumerProblems(draft(), []), []);
  const fields = (d: ConsumerDraft, jobs: string[] = []) => consumerProblems(d, jobs).map((p) => p.field);
  assert.deepEqual(fields({ ...emptyConsumerDraft(), name: '' }), ['source', 'topics', 'sink', 'name', 'include']);
  // The job file's tables.include is required: an empty one is refused here, not by the engine later.
  assert.deepEqual(fields(draft({ include: ' , ' })), ['include']);
  assert.equal(JobFile.safeParse(consumerJobFile(draft({ include: '' }), 'mysql')).success, false);
  assert.deepEqual(fields(draft(), ['orders-consumer']), ['name']);
  assert.deepEqual(fields(draft({ start: 'timestamp', timestamp: 'yesterday' })), ['timestamp']);
  assert.deepEqual(fields(draft({ include: 'shop' })), ['include']);
  assert.equal(startTimestamp('2026-12-01T00:00:00+02:00'), '2026-12-01T00:00:00+02:00');
  assert.equal(startTimestamp('2026-13-45T00:00'), null);
});
