// The rollback's writable banner (which server takes writes, from the journal) and its report as HTML;
// the resume of an interrupted rollback step when the page opens the rollback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { reversePairs } from '../../engine/cutover/reverse-job.js';
import { Rollback } from '../../engine/cutover/rollback.js';
import { rollbackReportHtml, rollbackWritable, type WritableFacts } from '../../engine/cutover/rollback-summary.js';
import { CutoverStore } from '../../engine/state/cutover-store.js';
import { StateStore } from '../../engine/state/store.js';

const base: WritableFacts = { states: {}, hasReverse: true, reverseRunning: true, oldServer: 'mysql://app@old:3306', newServer: 'mysql://app@new:3306' };

test('the new server takes writes until the freeze begins; neither until the old server is writable; then the old one', () => {
  assert.equal(rollbackWritable(base).takesWrites, 'new');
  assert.match(rollbackWritable(base).detail, /reverse job keeps the old server/);
  assert.match(rollbackWritable({ ...base, reverseRunning: false }).detail, /not running: the old server .* falls behind/);
  for (const freeze of ['running', 'failed', 'done'] as const) {
    const w = rollbackWritable({ ...base, states: { freeze } });
    assert.equal(w.takesWrites, 'neither', freeze);
    assert.match(w.detail, /SET GLOBAL read_only = OFF/);
  }
  const mid = { freeze: 'done', fence: 'done', verify: 'done', triggers: 'done' } as const;
  assert.equal(rollbackWritable({ ...base, states: { ...mid, writable: 'failed' } }).takesWrites, 'neither');
  assert.equal(rollbackWritable({ ...base, states: { ...mid, writable: 'running' } }).takesWrites, 'unknown');
  const done = rollbackWritable({ ...base, states: { ...mid, writable: 'done' } });
  assert.equal(done.takesWrites, 'old');
  assert.match(done.detail, /old server \(mysql:\/\/app@old:3306\) takes the writes again/);
  assert.equal(rollbackWritable({ ...base, hasReverse: false }).takesWrites, 'unknown');
});

test('the report’s Markdown becomes an HTML page with its table, escaped', () => {
  const html = rollbackReportHtml('# Rollback of shop\n\nReverse job shop-reverse <x>.\n\n| Step | State |\n| --- | --- |\n| Freeze | done \\| proven |\n\nRolled back.\n');
  assert.match(html, /<title>Rollback of shop<\/title>/);
  assert.match(html, /<p>Reverse job shop-reverse &lt;x&gt;.<\/p>/);
  assert.match(html, /<th>Step<\/th><th>State<\/th>/);
  assert.match(html, /<td>Freeze<\/td><td>done \| proven<\/td>/);
  assert.doesNotMatch(html, /<td>---<\/td>/);
});

test('opening the rollback resumes a step whose process is gone, lists it as resumed, and pairs the jobs', async () => {
  const store = new StateStore(join(mkdtempSync(join(tmpdir(), 'cutover-rb-resume-')), 'state.db'));
  try {
    const job = store.upsertJob('shop', { name: 'shop', source: { url: 'mysql://app@old:3306' }, sink: { type: 'mysql', url: 'mysql://app@new:3306' } });
    store.upsertJob('shop-reverse', { name: 'shop-reverse' });
    new CutoverStore(store).finish(job.id, 'reverse', 'done', { detail: 'started', data: { job: 'shop-reverse', start: { file: 'b.000001', pos: 4 }, held: [], added: true, started: true } });
    const steps = new CutoverStore<string>(store, 'rollback:');
    for (const s of ['freeze', 'fence', 'verify', 'triggers', 'writable']) steps.finish(job.id, s, 'done', { detail: `${s} done` }, 'op@host');
    // A process that is gone began the report step.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    steps.begin(job.id, 'report', 'op@host', { detail: null, journal: { pid: Number(dead), host: hostname() } });
    assert.deepEqual([...reversePairs(store)], [['shop', 'shop-reverse']]);

    const rb = new Rollback({ store, resolve: () => Promise.reject(new Error('no server here')), verify: () => Promise.reject(new Error('no')), stopJob: async () => undefined });
    const opened = rb.view('shop');
    assert.deepEqual(opened.resumed.map((r) => r.step), ['report']);
    assert.equal(opened.writable.takesWrites, 'old');
    assert.equal(opened.oldServer, 'mysql://app@old:3306');
    const after = await waitFor(() => (rb.state('shop').rolledBack ? rb.state('shop') : null));
    assert.match(after.report ?? '', /Rolled back/);
    assert.equal(after.steps.find((s) => s.id === 'report')?.operator, 'op@host');
    assert.match(rb.report('shop', 'html').text, /<h1>Rollback of shop<\/h1>/);
  } finally {
    store.close();
  }
});

async function waitFor<T>(f: () => T | null): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = f();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('timed out');
}
