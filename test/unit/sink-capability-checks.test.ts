// Settings a sink kind cannot carry out, refused before a run from the kind's capabilities
// (engine/sink/capability-checks.ts): the DDL policy "pause-table" with a sink without held changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJobConfig } from '../../shared/job-config.js';
import { CutoverError } from '../../shared/errors.js';
import { refuseUnsupportedSettings, unsupportedSettings } from '../../engine/sink/capability-checks.js';
import { sinkKind } from '../../engine/sink/registry.js';
import { errorOf } from '../helpers/errors.js';

const job = (sink: Record<string, unknown>, ddl?: unknown) =>
  parseJobConfig({
    name: 'shop-stream',
    source: { url: 'mysql://user:pass@127.0.0.1:3307' },
    sink,
    tables: { include: ['shop.*'] },
    mode: 'stream',
    ...(ddl ? { ddl } : {}),
  });
const postgres = { type: 'postgres', url: 'postgres://app@127.0.0.1:5432/target' };
const mysql = { type: 'mysql', url: 'mysql://user:pass@127.0.0.1:3308' };

test('a PostgreSQL sink (no pauseTable capability) refuses "pause-table" by default and per table, naming each setting, the reason and the alternatives', () => {
  assert.equal(sinkKind('postgres').capabilities.pauseTable, false);
  const cfg = job(postgres, { default: 'pause-table', tables: { 'shop.orders': 'pause-table', 'shop.audit_*': 'skip' } });
  assert.deepEqual(
    unsupportedSettings(cfg).map((s) => s.path),
    ['$.ddl.default', '$.ddl.tables["shop.orders"]'],
  );
  const e = errorOf(() => refuseUnsupportedSettings(cfg));
  assert.ok(e instanceof CutoverError);
  assert.equal(e.code, 'CONFIG');
  assert.match(e.message, /\$\.ddl\.default: the DDL policy "pause-table" is not available with a PostgreSQL sink/);
  assert.match(e.message, /\$\.ddl\.tables\["shop\.orders"\]: the DDL policy "pause-table"/);
  assert.doesNotMatch(e.message, /audit/, 'a table with another policy is not named');
  assert.match(e.fix ?? '', /"pause-job" .*--skip-ddl.*"skip".*"apply"/);
});

test('what a sink can do passes: other policies with PostgreSQL, "pause-table" with MySQL, no ddl section at all', () => {
  assert.doesNotThrow(() => refuseUnsupportedSettings(job(postgres, { default: 'pause-job', tables: { 'shop.orders': 'skip', 'shop.x': 'apply' } })));
  assert.doesNotThrow(() => refuseUnsupportedSettings(job(postgres)));
  assert.equal(sinkKind('mysql').capabilities.pauseTable, true);
  assert.deepEqual(unsupportedSettings(job(mysql, { default: 'pause-table' })), []);
});
