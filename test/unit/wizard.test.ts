// The migration wizard's validation, one test per rule, and the job file a draft becomes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProfileSummary } from '../../shared/profiles.js';
import { parseJobConfig } from '../../shared/job-config.js';
import { isSelected } from '../../shared/table-selection.js';
import { sinkKinds } from '../../engine/sink/registry.js';
import {
  copyOnlyWouldPass,
  draftToJobFile,
  isStreamingOnlyCheck,
  withPattern,
  withSelection,
  emptyDraft,
  firstInvalidStep,
  identifierProblem,
  sinkNames,
  tablePattern,
  tablesMatching,
  validateStep,
  type CatalogTable,
  type WizardContext,
  type WizardDraft,
  type WizardStep,
} from '../../shared/wizard.js';

const profile = (name: string, kind: 'mysql' | 'kafka'): ProfileSummary => ({
  profile:
    kind === 'mysql'
      ? { kind, name, host: '127.0.0.1', port: 3306, user: 'root', tls: { mode: 'disabled' } }
      : { kind, name, brokers: ['127.0.0.1:9092'], tls: { mode: 'disabled' } },
  has: { password: false, sshPassword: false, sshPassphrase: false },
  updatedAt: 0,
  lastTest: null,
  description: name,
});

const table = (db: string, t: string, extra: Partial<CatalogTable> = {}): CatalogTable => ({
  db,
  table: t,
  engine: 'InnoDB',
  estimatedRows: 10,
  dataBytes: 16384,
  indexBytes: 0,
  keyColumns: ['id'],
  columns: [
    { name: 'id', type: 'int(11)', nullable: false, generated: false },
    { name: 'name', type: 'varchar(10)', nullable: true, generated: false },
    { name: 'secret', type: 'varchar(10)', nullable: true, generated: false },
  ],
  warnings: [],
  ...extra,
});

const ctx: WizardContext = {
  profiles: [profile('src', 'mysql'), profile('dst', 'mysql'), profile('bus', 'kafka')],
  catalog: [table('shop', 'orders'), table('shop', 'users'), table('crm', 'leads'), table('crm', 'log', { keyColumns: [] })],
  jobNames: ['existing'],
  sinkKinds: sinkKinds(),
};

/** A draft that passes every step. */
function good(): WizardDraft {
  const d = emptyDraft();
  d.source.profile = 'src';
  d.preflight = { report: { ok: true, source: { url: 'mysql://root@127.0.0.1' }, items: [] }, ranAt: 1, forProfile: 'src', streaming: true };
  d.tables.selected = ['shop.orders', 'shop.users'];
  d.sink.profile = 'dst';
  d.options.name = 'shop-move';
  return d;
}

const fields = (step: WizardStep, d: WizardDraft, c: WizardContext = ctx): string[] => validateStep(step, d, c).map((e) => e.field);

test('a complete draft passes every step', () => {
  assert.equal(firstInvalidStep(good(), ctx), null);
  assert.deepEqual(validateStep('review', good(), ctx), []);
});

test('source: a profile is required, must exist and must be MySQL', () => {
  const d = good();
  d.source.profile = null;
  assert.deepEqual(fields('source', d), ['source.profile']);
  d.source.profile = 'nope';
  assert.match(validateStep('source', d, ctx)[0]!.message, /no saved connection named "nope"/);
  d.source.profile = 'bus';
  assert.match(validateStep('source', d, ctx)[0]!.message, /not Kafka/);
});

test('preflight: must have run on this source and not failed', () => {
  const d = good();
  d.preflight.report = null;
  assert.deepEqual(fields('preflight', d), ['preflight']);
  d.preflight = { ...good().preflight, forProfile: 'other' };
  assert.match(validateStep('preflight', d, ctx)[0]!.message, /Run the preflight/);
  d.preflight = {
    ...good().preflight,
    report: { ok: false, source: { url: '' }, items: [{ id: 'x', side: 'source', title: 'X', status: 'fail', detail: '' }] },
  };
  assert.match(validateStep('preflight', d, ctx)[0]!.message, /1 check\(s\) failed/);
});

test('tables: at least one, and each still on the source', () => {
  const d = good();
  d.tables.selected = [];
  assert.deepEqual(fields('tables', d), ['tables.selected']);
  d.tables.selected = ['shop.orders', 'shop.gone'];
  assert.match(validateStep('tables', d, ctx)[0]!.message, /shop\.gone/);
  assert.deepEqual(fields('tables', d, { ...ctx, catalog: null }), [], 'not judged before the catalog is loaded');
});

test('sink: required and must exist; the source itself is allowed, and Mapping (then reachable) asks for new names', () => {
  const d = good();
  d.sink.profile = null;
  assert.deepEqual(fields('sink', d), ['sink.profile']);
  d.sink.profile = 'src';
  assert.deepEqual(fields('sink', d), [], 'the sink step lets it through: the renames are made in the next step');
  assert.equal(firstInvalidStep(d, ctx), 'mapping', 'so the Mapping step can be opened');
  d.tables.selected = ['shop.orders', 'shop.users', 'crm.leads'];
  const errs = validateStep('mapping', d, ctx);
  assert.deepEqual(errs.map((e) => e.field), ['mapping.rename.shop', 'mapping.rename.crm']);
  assert.match(errs[0]!.message, /The sink is the source itself, so 2 tables of shop would be copied onto themselves: give shop a new name here/);
  assert.match(errs[1]!.message, /crm\.leads would be copied onto itself/);
  d.mapping.rename = { shop: 'shop_copy', 'crm.leads': 'crm.leads_copy' };
  assert.deepEqual(fields('mapping', d), []);
  assert.equal(firstInvalidStep(d, ctx), null);
  d.mapping.rename = { shop: 'SHOP' };
  assert.ok(fields('mapping', d).includes('mapping.rename.shop'), 'a change of case only is the same table');
  d.sink.profile = 'bus';
  d.mapping.rename = {};
  assert.deepEqual(fields('sink', d), [], 'Kafka is a valid sink');
  assert.deepEqual(fields('mapping', d), []);
});

test('preflight: a report that failed only on what streaming needs can continue as a copy-only job', () => {
  const report = (items: [string, 'pass' | 'warn' | 'fail'][]) => ({
    ok: !items.some(([, s]) => s === 'fail'),
    source: { url: '' },
    items: items.map(([id, status]) => ({ id, side: 'source' as const, title: id, status, detail: '' })),
  });
  assert.equal(copyOnlyWouldPass(report([['source.binlog.log_bin', 'fail'], ['source.privilege.replication-slave', 'fail'], ['source.server_id', 'fail'], ['source.version', 'pass']])), true);
  assert.equal(copyOnlyWouldPass(report([['source.binlog.log_bin', 'fail'], ['source.connect', 'fail']])), false, 'a failure the copy needs too');
  assert.equal(copyOnlyWouldPass(report([['source.binlog.log_bin', 'warn']])), false, 'nothing failed');
  assert.equal(copyOnlyWouldPass(null), false);
  assert.equal(isStreamingOnlyCheck({ id: 'source.binlog.format', side: 'source' }), true);
  assert.equal(isStreamingOnlyCheck({ id: 'source.binlog.format', side: 'sink' }), false);
});

test('mapping: renames must be valid names of the same shape and never merge two tables', () => {
  const d = good();
  d.mapping.rename = { shop: 'shop.v2' };
  assert.match(validateStep('mapping', d, ctx)[0]!.message, /database maps to a database/);
  d.mapping.rename = { 'shop.orders': 'shop.' };
  assert.match(validateStep('mapping', d, ctx)[0]!.message, /is empty/);
  d.mapping.rename = { 'shop.orders': 'shop.users' };
  assert.match(validateStep('mapping', d, ctx).map((e) => e.message).join('\n'), /would both become shop\.users/);
  d.mapping.rename = { 'shop.orders': 'shop.USERS' };
  assert.match(validateStep('mapping', d, ctx).map((e) => e.message).join('\n'), /would both become/, 'case-insensitive file systems merge them too');
  d.mapping.rename = { shop: 'x'.repeat(65) };
  assert.match(validateStep('mapping', d, ctx)[0]!.message, /longer than 64/);
});

test('identifier rules', () => {
  assert.equal(identifierProblem('shop_v2'), null);
  assert.equal(identifierProblem('ünïcødé'), null);
  assert.match(identifierProblem('a ') ?? '', /ends with a space/);
  assert.match(identifierProblem('a/b') ?? '', /"\/"/);
  assert.match(identifierProblem('') ?? '', /empty/);
});

test('mapping: excluded columns must exist, may not be key columns, and may not be all of them', () => {
  const d = good();
  d.mapping.excludeColumns = { 'shop.orders': ['id'] };
  assert.match(validateStep('mapping', d, ctx)[0]!.message, /part of the key/);
  d.mapping.excludeColumns = { 'shop.orders': ['nope'] };
  assert.match(validateStep('mapping', d, ctx)[0]!.message, /no column nope/);
  d.mapping.excludeColumns = { 'crm.log': ['id', 'name', 'secret'] };
  assert.match(validateStep('mapping', d, ctx)[0]!.message, /Every column/);
  d.mapping.excludeColumns = { 'shop.orders': ['secret'] };
  assert.deepEqual(fields('mapping', d), []);
});

test('mapping: a row filter is one non-empty condition', () => {
  const d = good();
  d.mapping.where = { 'shop.orders': '   ' };
  assert.match(validateStep('mapping', d, ctx)[0]!.message, /empty row filter/);
  d.mapping.where = { 'shop.orders': 'id > 1; DROP TABLE x' };
  assert.match(validateStep('mapping', d, ctx)[0]!.message, /without ";"/);
  d.mapping.where = { 'shop.orders': "note <> ';'" };
  assert.deepEqual(fields('mapping', d), [], 'a ";" at the end of a literal is not a second statement');
});

test('mapping: Kafka topic template, partitions and replication factor', () => {
  const d = good();
  d.sink.profile = 'bus';
  d.mapping.kafka.topic = 'cdc.{schema}.{table}';
  assert.match(validateStep('mapping', d, ctx)[0]!.message, /Unknown placeholder \{schema\}/);
  d.mapping.kafka.topic = '';
  assert.deepEqual(fields('mapping', d), ['mapping.kafka.topic']);
  d.mapping.kafka.topic = 'cdc.{db}.{table}';
  d.mapping.kafka.partitions = 0;
  d.mapping.kafka.replicationFactor = 40;
  assert.deepEqual(fields('mapping', d), ['mapping.kafka.partitions', 'mapping.kafka.replicationFactor']);
});

test('options: name, numbers, exactly-once needs a stream, streaming needs its preflight', () => {
  const d = good();
  d.options.name = 'has space';
  assert.deepEqual(fields('options', d), ['options.name']);
  d.options.name = 'existing';
  assert.match(validateStep('options', d, ctx)[0]!.message, /exists already/);
  d.options.name = 'ok';
  d.options.parallelism = 0;
  d.options.chunkRows = 50;
  d.options.maxRowsPerSecond = -1;
  d.options.maxThreadsRunning = 1.5;
  assert.deepEqual(fields('options', d), ['options.parallelism', 'options.chunkRows', 'options.maxRowsPerSecond', 'options.maxThreadsRunning']);

  const k = good();
  k.sink.profile = 'bus';
  k.mapping.kafka.exactlyOnce = true;
  k.options.mode = 'snapshot';
  assert.match(validateStep('options', k, ctx)[0]!.message, /Exactly-once publishing needs a stream/);

  const s = good();
  s.preflight.streaming = false;
  assert.match(validateStep('options', s, ctx)[0]!.message, /ran for a copy only/);
  s.options.mode = 'snapshot';
  assert.deepEqual(fields('options', s), []);
  const b = good();
  b.preflight.report = { ok: true, source: { url: '' }, items: [{ id: 'source.binlog.format', side: 'source', title: 'Binlog format', status: 'fail', detail: '' }] };
  assert.match(validateStep('options', b, ctx)[0]!.message, /Streaming needs: Binlog format/);
});

test('a pattern stays a pattern in the job file: tables created later are taken too; unselected matches are excluded', () => {
  const cat = ctx.catalog!;
  let t = withPattern({ selected: ['crm.leads'] }, 'shop', tablesMatching(cat, 'shop'));
  assert.deepEqual(t, { selected: ['crm.leads', 'shop.orders', 'shop.users'], patterns: ['shop.*'] });
  assert.deepEqual(withPattern(t, '/^nothing$/', []).patterns, ['shop.*'], 'a pattern that matched nothing is not kept');
  t = withSelection(t, ['shop.users'], false);
  assert.deepEqual(t, { selected: ['crm.leads', 'shop.orders'], patterns: ['shop.*'], excluded: ['shop.users'] });
  const d = good();
  d.tables = t;
  const job = draftToJobFile(d);
  assert.deepEqual(job.tables, { include: ['shop.*', 'crm.leads'], exclude: ['shop.users'] });
  const cfg = parseJobConfig(job);
  assert.equal(isSelected(cfg, { db: 'shop', table: 'created_later' }), true, 'a table created after the export matches the pattern');
  assert.equal(isSelected(cfg, { db: 'shop', table: 'users' }), false);
  t = withSelection(t, ['shop.users'], true);
  assert.deepEqual(t, { selected: ['crm.leads', 'shop.orders', 'shop.users'], patterns: ['shop.*'] });
  d.tables = t;
  assert.deepEqual(draftToJobFile(d).tables, { include: ['shop.*', 'crm.leads'] });
});

test("Cutover's own _cutover database is never selected by a job file", () => {
  const cfg = parseJobConfig(draftToJobFile({ ...good(), tables: { selected: [], patterns: ['/.*/'] } }));
  assert.equal(isSelected(cfg, { db: '_cutover', table: 'cutover_checkpoint' }), false);
  assert.equal(isSelected(cfg, { db: '_cutover', table: 'heartbeat' }), false);
  assert.equal(isSelected(cfg, { db: 'shop', table: 'orders' }), true);
});

test('select by pattern', () => {
  const cat = ctx.catalog!;
  assert.deepEqual(tablesMatching(cat, 'shop.*'), ['shop.orders', 'shop.users']);
  assert.deepEqual(tablesMatching(cat, 'crm'), ['crm.leads', 'crm.log'], 'a bare database name means all its tables');
  assert.deepEqual(tablesMatching(cat, '/^(shop|crm)\\.l/'), ['crm.leads', 'crm.log']);
  assert.deepEqual(tablesMatching(cat, '/[/'), [], 'a bad regular expression matches nothing');
  assert.deepEqual(tablesMatching(cat, '  '), []);
});

test('the job file: selected tables, renames and filters of selected tables only, options', () => {
  const d = good();
  d.mapping.rename = { shop: 'shop_v2', 'shop.users': 'shop_v2.customers', crm: 'crm2' };
  d.mapping.excludeColumns = { 'shop.users': ['secret'], 'crm.leads': ['secret'], 'shop.orders': [] };
  d.mapping.where = { 'shop.orders': ' id > 5 ', 'crm.leads': 'id > 1' };
  d.options.parallelism = 2;
  d.options.maxRowsPerSecond = 1000;
  const job = draftToJobFile(d);
  assert.deepEqual(job, {
    name: 'shop-move',
    source: { profile: 'src' },
    sink: { type: 'mysql', profile: 'dst' },
    tables: { include: ['shop.orders', 'shop.users'] },
    rename: { shop: 'shop_v2', 'shop.users': 'shop_v2.customers' },
    columns: { 'shop.users': { exclude: ['secret'] } },
    where: { 'shop.orders': 'id > 5' },
    mode: 'snapshot+stream',
    snapshot: { parallelism: 2, chunkRows: 20000, onExisting: 'fail', throttle: { maxThreadsRunning: 40, maxRowsPerSecond: 1000 } },
  });
  assert.deepEqual([...sinkNames(d)], [
    ['shop.orders', 'shop_v2.orders'],
    ['shop.users', 'shop_v2.customers'],
  ]);
});

test('the job file of a Kafka draft carries the mapping', () => {
  const d = good();
  d.sink.profile = 'bus';
  d.mapping.kafka = { topic: 'cdc.{db}.{table}', format: 'canal', key: 'table', partitions: 3, replicationFactor: 1, exactlyOnce: true, tombstones: false };
  const job = draftToJobFile(d, { source: { profile: 'src' }, sink: { profile: 'bus' } }, 'kafka');
  assert.deepEqual(job.sink, { type: 'kafka', profile: 'bus', topic: 'cdc.{db}.{table}', format: 'canal', key: 'table', partitions: 3, replicationFactor: 1, exactlyOnce: true, tombstones: false });
});

test('a table name with a dot becomes an anchored pattern that matches only it', () => {
  assert.equal(tablePattern('shop.orders'), 'shop.orders');
  const p = tablePattern('shop.v1.orders');
  assert.equal(p, '/^shop\\.v1\\.orders$/');
  assert.ok(new RegExp(p.slice(1, -1)).test('shop.v1.orders'));
  assert.ok(!new RegExp(p.slice(1, -1)).test('shopxv1.orders'));
});

test('the job file a draft becomes passes the job file check', () => {
  const job = draftToJobFile(good(), { source: { url: 'mysql://root@127.0.0.1:3306' }, sink: { url: 'mysql://root@127.0.0.1:3307' } });
  const cfg = parseJobConfig(job);
  assert.equal(cfg.name, 'shop-move');
  assert.deepEqual(cfg.tables.include, ['shop.orders', 'shop.users']);
});
