// The reverse job's configuration (renames inverted, roles swapped, the recorded start position), what
// cannot be reversed (refused with the reason), the reverse preflight's lines per server, and the
// checklist's rules for the way back (skipped for a sink without the capability or by the operator).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CutoverStepId, CutoverStepState } from '../../shared/cutover.js';
import { parseJobConfig, type JobFile } from '../../shared/job-config.js';
import { sinkName } from '../../shared/table-selection.js';
import { invertRenames, reverseJobFile, reverseRefusals } from '../../engine/cutover/reverse-config.js';
import { newServerLines, oldServerLines, readOnlyBypassPrivileges } from '../../engine/cutover/reverse-preflight.js';
import { blockedBy, stateOf, type StepContext } from '../../engine/cutover/steps.js';
import type { CutoverStepRow } from '../../engine/state/cutover-store.js';
import { CutoverStore } from '../../engine/state/cutover-store.js';
import { StateStore } from '../../engine/state/store.js';
import { parseServerVersion } from '../../engine/mysql/server-info.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MYSQL = { reverse: true, title: 'MySQL/MariaDB' };

function forward(extra: Record<string, unknown> = {}): JobFile {
  return parseJobConfig({
    name: 'shop',
    source: { url: 'mysql://app@old.example:3306', passwordEnv: 'OLD_PW' },
    sink: { type: 'mysql', url: 'mysql://cutover@new.example:3306', passwordEnv: 'NEW_PW', batchBytes: 65536 },
    tables: { include: ['shop.*', 'crm.users'] },
    mode: 'snapshot+stream',
    ...extra,
  });
}

const TABLES = [
  { db: 'shop', table: 'orders' },
  { db: 'shop', table: 'users' },
  { db: 'crm', table: 'users' },
];

test('the reverse job swaps the servers, takes the tables under their sink names, inverts each rename and starts at the recorded position', () => {
  const fwd = forward({ rename: { shop: 'shop_v2', 'shop.users': 'shop_v2.customers', 'crm.users': 'crm.people' } });
  const rev = reverseJobFile(fwd, TABLES, { file: 'mysql-bin.000007', pos: 1234 });
  assert.equal(rev.name, 'shop-reverse');
  assert.deepEqual(rev.source, { url: 'mysql://cutover@new.example:3306', passwordEnv: 'NEW_PW' });
  assert.deepEqual(rev.sink, { type: 'mysql', url: 'mysql://app@old.example:3306', passwordEnv: 'OLD_PW', batchBytes: 65536 });
  assert.deepEqual(rev.tables, { include: ['crm.people', 'shop_v2.customers', 'shop_v2.orders'], exclude: [] });
  assert.deepEqual(rev.rename, { shop_v2: 'shop', 'shop_v2.customers': 'shop.users', 'crm.people': 'crm.users' });
  assert.equal(rev.mode, 'stream');
  assert.deepEqual(rev.stream?.start, { file: 'mysql-bin.000007', pos: 1234 });
  // Every table goes back where it came from.
  for (const t of TABLES) assert.deepEqual(sinkName(rev, sinkName(fwd, t)), t);
  // The reverse job file is a valid job file.
  assert.doesNotThrow(() => parseJobConfig(JSON.parse(JSON.stringify(rev))));
});

test('without renames the reverse job renames nothing', () => {
  assert.deepEqual(invertRenames({}, TABLES), {});
  assert.deepEqual(reverseJobFile(forward(), TABLES, { file: 'b.000001', pos: 4 }).tables.include, ['crm.users', 'shop.orders', 'shop.users']);
});

test('what cannot be reversed exactly is refused with the reason', () => {
  assert.deepEqual(reverseRefusals(forward(), MYSQL, TABLES), []);
  assert.match(reverseRefusals(forward(), { reverse: false, title: 'Kafka' }).join(), /no way back from a Kafka sink/);
  assert.match(reverseRefusals(forward({ columns: { 'shop.users': { exclude: ['ssn'] } } }), MYSQL).join(), /leaves columns out \("columns" for shop\.users\)/);
  assert.match(reverseRefusals(forward({ where: { 'shop.orders': 'id > 10' } }), MYSQL).join(), /only some rows \("where" for shop\.orders\)/);
  assert.match(reverseRefusals(forward({ rename: { 'crm.users': 'shop.users' } }), MYSQL, TABLES).join(), /shop\.users and crm\.users are both written to shop\.users/);
});

test('the reverse preflight: the new server’s binlog, server_id, replication account and read-only bypass; the old server’s bypass', () => {
  const maria = parseServerVersion('10.11.6-MariaDB-log');
  const good = { log_bin: 'ON', binlog_format: 'ROW', binlog_row_image: 'FULL', server_id: '2' };
  const privs = new Set(['REPLICATION SLAVE', 'BINLOG MONITOR', 'READ_ONLY ADMIN']);
  assert.deepEqual(newServerLines(maria, good, "'c'@'%'", privs, '1').filter((l) => !l.ok), []);
  const bad = newServerLines(maria, { log_bin: 'OFF', binlog_format: 'MIXED', binlog_row_image: 'MINIMAL', binlog_row_metadata: 'NO_LOG', server_id: '1' }, "'c'@'%'", new Set(['SUPER']), '1');
  const fix = (check: string): string | null => bad.find((l) => l.check === check)!.fix;
  assert.match(fix('New server: binary log') ?? '', /--log-bin/);
  assert.match(fix('New server: binlog_format') ?? '', /SET GLOBAL binlog_format = ROW/);
  assert.match(fix('New server: binlog_row_image') ?? '', /SET GLOBAL binlog_row_image = FULL/);
  assert.match(fix('New server: server_id') ?? '', /SET GLOBAL server_id = 2/);
  assert.match(fix('New server: binlog_row_metadata') ?? '', /SET GLOBAL binlog_row_metadata = FULL/, 'MariaDB’s default NO_LOG');
  assert.equal(fix('New server: replication account'), "GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO 'c'@'%';");
  assert.equal(fix('New server: writes while read-only'), "GRANT READ_ONLY ADMIN ON *.* TO 'c'@'%';", 'MariaDB 10.11: SUPER no longer bypasses read_only');

  const mysql8 = parseServerVersion('8.0.36');
  assert.deepEqual(readOnlyBypassPrivileges(mysql8), ['SUPER', 'CONNECTION_ADMIN']);
  assert.equal(newServerLines(mysql8, good, "'c'@'%'", new Set(['REPLICATION SLAVE']), '1').find((l) => l.check === 'New server: replication account')!.fix, "GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'c'@'%';");
  const old = oldServerLines(mysql8, { server_id: '1' }, "'app'@'%'", new Set(['SUPER']));
  assert.equal(old[0]!.ok, true);
  assert.match(old[0]!.detail, /super_read_only stops even SUPER.*kept at read_only/);
  assert.equal(oldServerLines(maria, { server_id: '1' }, "'app'@'%'", new Set(['SUPER']))[0]!.fix, "GRANT READ_ONLY ADMIN ON *.* TO 'app'@'%';");
});

function ctx(states: Partial<Record<CutoverStepId, CutoverStepState>>, extra: Partial<StepContext> = {}): StepContext {
  const rows = new Map<CutoverStepId, CutoverStepRow>();
  for (const [id, state] of Object.entries(states) as [CutoverStepId, CutoverStepState][]) rows.set(id, { step: id, state, started_at: 1, finished_at: 2, operator: 'op@host', result: { detail: null } });
  return { rows, streams: true, streaming: true, running: true, switched: false, sinkType: 'mysql', sink: { title: 'MySQL/MariaDB', deferredObjects: true }, reverse: true, ...extra };
}

test('the checklist: the way back is checked before the freeze and started after the deferred objects; skipped by nature or by the operator', () => {
  assert.match(blockedBy('read-only', ctx({ lag: 'done' })) ?? '', /Way back checked/);
  assert.equal(blockedBy('read-only', ctx({ lag: 'done', 'reverse-check': 'skipped' })), null, '--no-reverse');
  assert.equal(stateOf('reverse', ctx({ 'reverse-check': 'skipped' })), 'skipped');
  assert.equal(stateOf('reverse-check', ctx({}, { reverse: false })), 'skipped', 'a sink without the capability');
  const done = { lag: 'done', 'reverse-check': 'done', 'read-only': 'done', fence: 'done', verify: 'done' } as const;
  assert.match(blockedBy('reverse', ctx(done, { switched: true })) ?? '', /Triggers, routines and events/);
  assert.equal(blockedBy('reverse', ctx({ ...done, deferred: 'done' }, { switched: true, running: false })), null);
  assert.match(blockedBy('report', ctx({ ...done, deferred: 'done' }, { switched: true })) ?? '', /Reverse job started/);
});

test('the rollback’s steps live beside the cutover’s without showing up among them', () => {
  const store = new StateStore(join(mkdtempSync(join(tmpdir(), 'cutover-rb-')), 'state.db'));
  try {
    const job = store.upsertJob('shop', { name: 'shop' });
    const cutover = new CutoverStore(store);
    const rollback = new CutoverStore<'freeze' | 'report'>(store, 'rollback:');
    cutover.finish(job.id, 'read-only', 'done', { detail: 'frozen' });
    rollback.begin(job.id, 'freeze', 'op@host', { detail: 'freezing', data: { at: 1 } });
    assert.deepEqual([...cutover.steps(job.id).keys()], ['read-only']);
    const r = rollback.steps(job.id).get('freeze');
    assert.equal(r?.state, 'running');
    assert.equal(r?.step, 'freeze');
    assert.deepEqual(r?.result.data, { at: 1 });
    rollback.finish(job.id, 'freeze', 'done', { detail: 'frozen' });
    assert.equal(rollback.steps(job.id).get('freeze')?.state, 'done');
    assert.equal(cutover.steps(job.id).get('read-only')?.result.detail, 'frozen');
  } finally {
    store.close();
  }
});
