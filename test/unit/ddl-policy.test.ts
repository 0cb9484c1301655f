import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ddlActionFor, ddlActionForStatement, DdlPolicy } from '../../shared/ddl-policy.js';
import { parseJobConfig } from '../../shared/job-config.js';
import { errorOf } from '../helpers/errors.js';

const minimal = {
  name: 'shop-stream',
  source: { url: 'mysql://user:pass@127.0.0.1:3307' },
  sink: { type: 'mysql', url: 'mysql://user:pass@127.0.0.1:3308' },
  tables: { include: ['shop.*'] },
  mode: 'snapshot+stream',
};

test('DDL policy: an exact name wins over patterns, then the first pattern that matches, then the default', () => {
  const policy = DdlPolicy.parse({
    default: 'pause-job',
    tables: { 'shop.audit_*': 'skip', 'shop.orders': 'pause-table', '*.orders': 'apply', '/^shop\\.tmp_[0-9]+$/': 'skip', 'shop.log?': 'apply' },
  });
  assert.equal(ddlActionFor(policy, 'shop.orders'), 'pause-table', 'exact name before the earlier-listed pattern "*.orders"');
  assert.equal(ddlActionFor(policy, 'sales.orders'), 'apply');
  assert.equal(ddlActionFor(policy, 'shop.audit_2024'), 'skip');
  assert.equal(ddlActionFor(policy, 'shop.audit'), 'pause-job', '"audit_*" needs the underscore');
  assert.equal(ddlActionFor(policy, 'shop.tmp_12'), 'skip');
  assert.equal(ddlActionFor(policy, 'shop.tmp_x'), 'pause-job');
  assert.equal(ddlActionFor(policy, 'shop.log1'), 'apply');
  assert.equal(ddlActionFor(policy, 'shop.log12'), 'pause-job', '? is one character');
  assert.equal(ddlActionFor(policy, 'shopXaudit_1'), 'pause-job', 'the dot is literal');
  assert.equal(ddlActionFor(undefined, 'shop.orders'), 'apply', 'no "ddl" section: mapped statements are applied as before');
});

test('DDL policy: a statement on several tables takes the most cautious of their actions', () => {
  const policy = DdlPolicy.parse({ tables: { 'shop.a': 'skip', 'shop.b': 'pause-table', 'shop.c': 'pause-job' } });
  assert.equal(ddlActionForStatement(policy, ['shop.a']), 'skip');
  assert.equal(ddlActionForStatement(policy, ['shop.a', 'shop.x']), 'apply');
  assert.equal(ddlActionForStatement(policy, ['shop.a', 'shop.b']), 'pause-table');
  assert.equal(ddlActionForStatement(policy, ['shop.b', 'shop.c']), 'pause-job');
  assert.equal(ddlActionForStatement(policy, []), 'apply', 'no table: the default');
});

test('the job file takes a "ddl" section with defaults, and names a bad action or pattern with the fix', () => {
  const cfg = parseJobConfig({ ...minimal, ddl: { tables: { 'shop.orders': 'pause-table' } } });
  assert.deepEqual(cfg.ddl, { default: 'apply', tables: { 'shop.orders': 'pause-table' }, maxHeldChanges: 1_000_000 });
  assert.equal(parseJobConfig(minimal).ddl, undefined);
  const bad = errorOf(() => parseJobConfig({ ...minimal, ddl: { default: 'ignore', tables: { orders: 'skip' } } }));
  assert.match(bad.message, /\$\.ddl\.default: .*Use "apply", "skip", "pause-job" or "pause-table"/);
  assert.match(bad.message, /\$\.ddl\.tables(\.orders|\["orders"\])?: .*"db\.table"/);
});

test('a Kafka sink refuses "pause-table" with the reason and what to use instead', () => {
  const kafka = { ...minimal, sink: { type: 'kafka', brokers: ['127.0.0.1:9092'] } };
  assert.equal(parseJobConfig({ ...kafka, ddl: { default: 'pause-job', tables: { 'shop.audit_*': 'skip' } } }).ddl?.default, 'pause-job');
  const e = errorOf(() => parseJobConfig({ ...kafka, ddl: { tables: { 'shop.orders': 'pause-table' } } }));
  assert.match(e.message, /"pause-table" needs a MySQL or MariaDB sink/);
  assert.match(e.message, /Use "pause-job" .* or "skip"/);
  assert.match(errorOf(() => parseJobConfig({ ...kafka, ddl: { default: 'pause-table' } })).message, /\$\.ddl\.default: "pause-table" needs/);
});
