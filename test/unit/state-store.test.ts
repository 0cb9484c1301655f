import { test } from 'node:test';
import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateStore } from '../../engine/state/store.js';
import { appDataDir, resolveStatePath } from '../../engine/state/default-path.js';

test('chunks count once even when finished twice (a resumed chunk)', () => {
  const s = new StateStore(join(mkdtempSync(join(tmpdir(), 'st-')), 'state.db'));
  const job = s.upsertJob('j', { a: 1 });
  const t = s.ensureTable(job.id, { db: 'a', table: 'b' }, { db: 'a', table: 'b' });
  const c0 = s.addChunk(t.id, 0, null, '["MQ=="]', false);
  s.addChunk(t.id, 1, '["MQ=="]', null, true);
  s.finishChunk(c0, 10, 100);
  s.finishChunk(c0, 10, 100);
  const row = s.table(t.id);
  assert.equal(row.rows_copied, 10);
  assert.equal(row.chunks_done, 1);
  assert.equal(row.chunks_planned, 2);
  assert.equal(row.planned_all, 1);
  assert.deepEqual(s.pendingChunks(t.id).map((c) => c.seq), [1]);
  s.close();
});

test('the state file reopens with its data (WAL) and logs filter by level', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'st-')), 'nested', 'state.db');
  const a = new StateStore(path);
  a.log('info', 'j', null, 'hello');
  a.log('warn', 'j', 't', 'careful');
  a.close();
  const b = new StateStore(path);
  assert.deepEqual(b.logs({ minLevel: 'warn' }).map((l) => l.message), ['careful']);
  assert.equal(b.logs({}).length, 2);
  b.close();
});

test('log search matches the message or the table, case-insensitively, with % and _ taken literally', () => {
  const s = new StateStore(':memory:');
  s.log('info', 'j', 'shop.orders', 'copied 100 rows');
  s.log('info', 'j', null, '50% done');
  s.log('info', 'j', null, '50 rows done');
  s.log('warn', 'k', 'shop.items', 'Copied slowly');
  assert.deepEqual(s.logs({ search: 'COPIED' }).map((l) => l.message), ['copied 100 rows', 'Copied slowly']);
  assert.deepEqual(s.logs({ search: 'orders' }).map((l) => l.message), ['copied 100 rows']);
  assert.deepEqual(s.logs({ search: '50%' }).map((l) => l.message), ['50% done']);
  assert.deepEqual(s.logs({ search: 'copied', job: 'k' }).map((l) => l.message), ['Copied slowly']);
  s.close();
});

test('processes opening a new state file at the same moment migrate it once (no "table already exists")', async () => {
  const store = new URL('../../engine/state/store.js', import.meta.url).href;
  const code = `const { StateStore } = await import(${JSON.stringify(store)}); new StateStore(process.argv[1]).close();`;
  for (let round = 0; round < 5; round++) {
    const path = join(mkdtempSync(join(tmpdir(), 'st-race-')), 'state.db');
    const runs = await Promise.all(
      [0, 1, 2, 3].map(
        () =>
          new Promise<{ code: number | null; err: string }>((resolve) => {
            const c = spawn(process.execPath, ['--input-type=module', '-e', code, path], { stdio: ['ignore', 'ignore', 'pipe'] });
            let err = '';
            c.stderr!.on('data', (d) => (err += d));
            c.on('close', (exit) => resolve({ code: exit, err }));
          }),
      ),
    );
    for (const r of runs) assert.equal(r.code, 0, r.err);
  }
});

test('an unwritable state path is an actionable error', () => {
  assert.throws(
    () => new StateStore('/dev/null/cutover/state.db'),
    (e: Error & { fix?: string }) => /Cannot open the state file/.test(e.message) && /--state FILE/.test(e.fix ?? ''),
  );
});

test('default state path: per-user app-data folder, overridable', () => {
  assert.match(appDataDir('linux', { XDG_CONFIG_HOME: '/x' }), /^\/x\/Cutover$/);
  assert.match(appDataDir('darwin', {}), /Library\/Application Support\/Cutover$/);
  assert.match(appDataDir('win32', { APPDATA: 'C:\\Users\\a\\AppData\\Roaming' }), /Cutover$/);
  assert.equal(resolveStatePath('/flag.db', { CUTOVER_STATE: '/env.db' }), '/flag.db');
  assert.equal(resolveStatePath(undefined, { CUTOVER_STATE: '/env.db' }), '/env.db');
});

test("claiming a job writes the new run's phase with its pid: a reader never sees the new pid beside the last run's phase", () => {
  const s = new StateStore(':memory:');
  const job = s.upsertJob('j', { a: 1 });
  s.setJob(job.id, { state: 'running', phase: 'streaming', pid: 1 });
  s.claimJob(job.id, process.pid, () => false, 'preflight');
  const row = s.jobById(job.id)!;
  assert.equal(row.pid, process.pid);
  assert.equal(row.phase, 'preflight');
  s.claimJob(job.id, process.pid, () => false);
  assert.equal(s.jobById(job.id)!.phase, 'preflight', 'no phase given: the phase is kept');
  s.close();
});
