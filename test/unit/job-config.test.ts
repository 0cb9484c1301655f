import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJobConfig, parseJobText } from '../../shared/job-config.js';
import { CutoverError } from '../../shared/errors.js';
import { errorOf } from '../helpers/errors.js';

const minimal = {
  name: 'shop-to-new-host',
  source: { url: 'mysql://user:pass@127.0.0.1:3307' },
  sink: { type: 'mysql', url: 'mysql://user:pass@127.0.0.1:3308' },
  tables: { include: ['shop.*'] },
  mode: 'snapshot',
};


test('the documented job file is valid and keeps every field', () => {
  const full = {
    ...minimal,
    tables: { include: ['shop.*'], exclude: ['shop.audit_log'] },
    rename: { shop: 'shop_v2', 'shop.users': 'shop_v2.customers' },
    columns: { 'shop.users': { exclude: ['password_hash'] } },
    where: { 'shop.orders': "created_at >= '2024-01-01'" },
    snapshot: { parallelism: 4, chunkRows: 20000, onExisting: 'fail' },
  };
  const cfg = parseJobConfig(full);
  assert.deepEqual(cfg.rename, full.rename);
  assert.deepEqual(cfg.columns['shop.users']?.exclude, ['password_hash']);
  assert.equal(cfg.where['shop.orders'], "created_at >= '2024-01-01'");
});

test('only name, source, sink, tables and mode are required; defaults are filled in', () => {
  const cfg = parseJobConfig(minimal);
  assert.deepEqual(cfg.snapshot, { parallelism: 4, chunkRows: 20000, onExisting: 'fail', throttle: { maxThreadsRunning: 40, maxRowsPerSecond: 0 } });
  assert.deepEqual(parseJobConfig({ ...minimal, snapshot: { parallelism: 2 } }).snapshot.throttle, { maxThreadsRunning: 40, maxRowsPerSecond: 0 });
  assert.deepEqual(cfg.tables.exclude, []);
  assert.deepEqual(cfg.rename, {});
});

test('errors name the JSON path and the fix', () => {
  const e = errorOf(() => parseJobConfig({ ...minimal, snapshot: { onExisting: 'overwrite', parallelism: 0 } }));
  assert.match(e.message, /\$\.snapshot\.onExisting: .*"fail", "truncate" or "append"/);
  assert.match(e.message, /\$\.snapshot\.parallelism: /);
});

test('a missing required field is reported by path', () => {
  const { mode: _m, ...noMode } = minimal;
  const e = errorOf(() => parseJobConfig(noMode));
  assert.match(e.message, /\$\.mode: /);
});

test('unknown fields are rejected, not ignored', () => {
  const e = errorOf(() => parseJobConfig({ ...minimal, snapshto: {} }));
  assert.match(e.message, /unknown field\(s\) "snapshto"/);
});

test('bad URLs and patterns are rejected', () => {
  const e = errorOf(() => parseJobConfig({ ...minimal, source: { url: 'postgres://x' }, tables: { include: ['shop'] } }));
  assert.match(e.message, /\$\.source\.url: must be a URL like mysql:\/\//);
  assert.match(e.message, /\$\.tables\.include\[0\]: must be "db\.\*"/);
  assert.doesNotThrow(() => parseJobConfig({ ...minimal, tables: { include: ['/^shop\\.(a|b)$/'] } }));
  assert.throws(() => parseJobConfig({ ...minimal, tables: { include: ['/[unclosed/'] } }), CutoverError);
});

test('a rename must map a database to a database and a table to a table', () => {
  const e = errorOf(() => parseJobConfig({ ...minimal, rename: { shop: 'shop_v2.users' } }));
  assert.match(e.message, /\$\.rename\["shop"\]/);
});

test('invalid JSON says so', () => {
  const e = errorOf(() => parseJobText('{"name": '));
  assert.match(e.message, /not valid JSON/);
});

const kafkaJob = { ...minimal, sink: { type: 'kafka', brokers: ['127.0.0.1:9092'] } };

test('a Kafka sink: defaults are filled in', () => {
  const cfg = parseJobConfig(kafkaJob);
  assert.deepEqual(cfg.sink, {
    type: 'kafka',
    brokers: ['127.0.0.1:9092'],
    topic: 'cutover.{db}.{table}',
    format: 'debezium',
    key: 'pk',
    partitions: 6,
    replicationFactor: 1,
    exactlyOnce: false,
    tombstones: false,
    schemaTopic: 'cutover.{job}.schema-changes',
  });
  const full = parseJobConfig({ ...kafkaJob, sink: { type: 'kafka', brokers: ['k1:9092', '[::1]:9093'], topic: 'all-rows', format: 'canal', key: 'table', partitions: 12, replicationFactor: 3, tombstones: true, schemaTopic: 'ddl.{job}', clientId: 'me' } });
  assert.equal(full.sink.type === 'kafka' && full.sink.format, 'canal');
});

test('a Kafka sink: bad fields are named with their JSON path and fix', () => {
  const e = errorOf(() => parseJobConfig({ ...kafkaJob, sink: { type: 'kafka', brokers: ['localhost'], format: 'avro', key: 'id', topic: 'x.{schema}', partitions: 0 } }));
  assert.match(e.message, /\$\.sink\.brokers\[0\]: must be "host:port".* — List the bootstrap brokers/);
  assert.match(e.message, /\$\.sink\.format: .* — Use "debezium", "canal" or "maxwell"/);
  assert.match(e.message, /\$\.sink\.key: .* — Use "pk" \(partition by primary key\) or "table"/);
  assert.match(e.message, /\$\.sink\.topic: unknown placeholder \{schema\}: use \{db\} and \{table\}/);
  assert.match(e.message, /\$\.sink\.partitions: /);
  assert.match(errorOf(() => parseJobConfig({ ...kafkaJob, sink: { type: 'kafka', brokers: [] } })).message, /\$\.sink\.brokers: /);
  assert.match(errorOf(() => parseJobConfig({ ...kafkaJob, sink: { type: 'kafka', brokers: ['a:1'], url: 'mysql://x@y:1' } })).message, /\$\.sink: unknown field\(s\) "url"/);
  assert.match(errorOf(() => parseJobConfig({ ...minimal, sink: { type: 'oracle' } })).message, /\$\.sink\.type: .* — Use "mysql", "kafka", "postgres" or "elasticsearch"/);
});

test('a Kafka sink streams, and takes exactly-once only with a stream', () => {
  for (const mode of ['snapshot+stream', 'stream'] as const) {
    const cfg = parseJobConfig({ ...kafkaJob, mode, sink: { type: 'kafka', brokers: ['a:1'], exactlyOnce: true } });
    assert.equal(cfg.sink.type === 'kafka' && cfg.sink.exactlyOnce, true);
  }
  const e = errorOf(() => parseJobConfig({ ...kafkaJob, sink: { type: 'kafka', brokers: ['a:1'], exactlyOnce: true } }));
  assert.match(e.message, /\$\.sink\.exactlyOnce: exactly-once publishing needs a stream: .* — Use "mode": "snapshot\+stream" and run it with --exit-when-caught-up/);
});

test('a PostgreSQL sink: a postgres:// URL, the policy for values it cannot hold, type overrides, the password from the environment', () => {
  const cfg = parseJobConfig({ ...minimal, sink: { type: 'postgres', url: 'postgres://app:pw@pg:5432/target?sslmode=require' } });
  assert.deepEqual(cfg.sink, { type: 'postgres', url: 'postgres://app:pw@pg:5432/target?sslmode=require', unholdable: 'stop', types: {} });
  const full = parseJobConfig({ ...minimal, sink: { type: 'postgres', url: 'postgresql://app@pg/target', passwordEnv: 'PG_PW', unholdable: '-infinity', types: { 'shop.t.c': 'text' } } });
  assert.equal(full.sink.type === 'postgres' && full.sink.unholdable, '-infinity');
  assert.match(errorOf(() => parseJobConfig({ ...minimal, sink: { type: 'postgres', url: 'postgres://app@pg:5432' } })).message, /\$\.sink\.url: must be a URL like postgres:/);
  assert.match(errorOf(() => parseJobConfig({ ...minimal, sink: { type: 'postgres', url: 'postgres://a@pg/db', unholdable: 'zero' } })).message, /\$\.sink\.unholdable: .* — Use "stop", "null", "-infinity" or "text"/);
  assert.match(errorOf(() => parseJobConfig({ ...minimal, sink: { type: 'postgres', url: 'postgres://a:b@pg/db', passwordEnv: 'X' } })).message, /\$\.sink\.passwordEnv: the URL already holds a password/);
  assert.match(errorOf(() => parseJobConfig({ ...minimal, sink: { type: 'postgres', url: 'postgres://a@pg/db', types: { 'shop.t': 'text' } } })).message, /\$\.sink\.types/);
});
