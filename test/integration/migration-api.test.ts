// A guided migration through the engine host's API (web mode, real MariaDB): saved connections and their
// tests, the wizard's draft, preflight, catalog, filter check, estimate and export, a job created by the
// wizard that copies and streams, verification that names a row changed on the sink, repair, and the
// cutover assistant from lag to report (read-only with its undo, the fence, the final verification, the
// triggers, routines and events created on the sink and dropped by undo).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CutoverState, VerifyReport } from '../../shared/api.js';
import { emptyDraft, type WizardDraft } from '../../shared/wizard.js';
import { exec, q, query, ROOT, sinkUrl, sourceUrl, tempDir, uniqueName } from '../helpers/db.js';
import { assertSinkEqualsSource } from '../helpers/stream.js';
import { waitUntil } from '../helpers/stream-cli.js';
import { startUi, type RunningUi } from '../helpers/ui.js';

const SRC_DB = uniqueName('mig');
const SINK_DB = `${SRC_DB}_new`;
const JOB = `${SRC_DB}-job`;

function server(url: string): { host: string; port: number; user: string } {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port), user: decodeURIComponent(u.username) };
}
const password = (url: string): string => decodeURIComponent(new URL(url).password);

describe('a guided migration through the API', () => {
  let ui: RunningUi;
  const dir = tempDir('cutover-migration-');
  let draft: WizardDraft;

  before(async () => {
    const sql = readFileSync(join(ROOT, 'test/fixtures/sample-shop.sql'), 'utf8');
    await exec(sourceUrl(), `CREATE DATABASE ${q(SRC_DB)} CHARACTER SET utf8mb4; USE ${q(SRC_DB)};\n${sql}\nCREATE EVENT purge_old ON SCHEDULE EVERY 1 DAY DISABLE DO DELETE FROM payment WHERE 1 = 0;`);
    ui = await startUi(join(dir, 'state.db'));
  });

  after(async () => {
    await exec(sourceUrl(), 'SET GLOBAL read_only = OFF').catch(() => undefined);
    await ui?.stop();
    await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(SRC_DB)}`).catch(() => undefined);
    await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${q(SINK_DB)}; DELETE FROM _cutover.cutover_checkpoint WHERE job = '${JOB}'`).catch(() => undefined);
  });

  it('saves and tests connections; a wrong port says which leg failed', async () => {
    const src = server(sourceUrl());
    const saved = await ui.call('saveProfile', { profile: { kind: 'mysql', name: 'source', ...src, tls: { mode: 'disabled' } }, secrets: { password: password(sourceUrl()) } });
    assert.equal(saved.has.password, true);
    assert.doesNotMatch(JSON.stringify(await ui.call('listProfiles')), /"(password|sshPassword|sshPassphrase|secrets)":"/, 'no secret comes back');
    await ui.call('saveProfile', { profile: { kind: 'mysql', name: 'sink', ...server(sinkUrl()), tls: { mode: 'disabled' } }, secrets: { password: password(sinkUrl()) } });
    // Test with the stored password (the input leaves it undefined).
    const ok = await ui.call('testProfile', { profile: { kind: 'mysql', name: 'source', ...src, tls: { mode: 'disabled' } }, secrets: {} });
    assert.equal(ok.ok, true, ok.message);
    assert.equal(ok.server?.flavor, 'mariadb');
    assert.equal((await ui.call('listProfiles')).find((p) => p.profile.name === 'source')?.lastTest?.ok, true, 'the test is recorded');
    const bad = await ui.call('testProfile', { profile: { kind: 'mysql', name: 'nowhere', host: '127.0.0.1', port: 1, user: 'root', tls: { mode: 'disabled' } }, secrets: {} });
    assert.equal(bad.ok, false);
    assert.equal(bad.stage, 'network');
    assert.ok(bad.fix, 'a failed test says how to fix it');
  });

  it('keeps the draft across a restart of the host', async () => {
    draft = emptyDraft();
    draft.source.profile = 'source';
    draft.sink.profile = 'sink';
    draft.step = 'tables';
    await ui.call('saveDraft', draft);
    await ui.stop();
    ui = await startUi(join(dir, 'state.db'));
    assert.deepEqual(await ui.call('getDraft'), draft);
    assert.ok(!readFileSync(join(dir, 'state.db')).includes(Buffer.from('"profile":"source"')), 'the draft is stored encrypted');
  });

  it('checks the source, lists its tables, checks a row filter and estimates the copy', async () => {
    const report = await ui.call('wizardPreflight', draft);
    assert.equal(report.ok, true, JSON.stringify(report.items.filter((i) => i.status === 'fail')));
    assert.ok(report.items.some((i) => i.id.startsWith('source.binlog')), 'streaming checks ran');
    draft.preflight = { report, ranAt: Date.now(), forProfile: 'source', streaming: true };
    const catalog = (await ui.call('sourceCatalog', 'source')).filter((t) => t.db === SRC_DB);
    assert.ok(catalog.length >= 10, `${catalog.length} tables`);
    assert.ok(catalog.find((t) => t.table === 'customer')!.warnings.some((w) => /trigger/i.test(w)));
    draft.tables.selected = catalog.map((t) => `${t.db}.${t.table}`);
    const badFilter = await ui.call('checkFilter', 'source', `${SRC_DB}.payment`, 'no_such_column > 1');
    assert.match(badFilter.error ?? '', /no_such_column/);
    assert.deepEqual(await ui.call('checkFilter', 'source', `${SRC_DB}.payment`, 'amount > 0'), { error: null });
    draft.mapping.rename = { [SRC_DB]: SINK_DB };
    draft.options.name = JOB;
    draft.options.parallelism = 2;
    const estimate = await ui.call('estimate', draft);
    assert.ok(estimate.sample && estimate.sample.rows > 0, estimate.basis);
    assert.ok(estimate.seconds !== null);
  });

  it('exports the job by profile or by environment variables, never with a secret', async () => {
    const byProfile = await ui.call('exportJob', draft, 'profile');
    const job = JSON.parse(byProfile.json) as { source: unknown; sink: unknown; rename: unknown };
    assert.deepEqual(job.source, { profile: 'source' });
    assert.deepEqual(job.sink, { type: 'mysql', profile: 'sink' });
    assert.match(byProfile.command, /^cutover run \S+\.json --state /);
    const byEnv = await ui.call('exportJob', draft, 'env');
    assert.doesNotMatch(byEnv.json, /:cutover@|"password"/, 'no password in the export');
    const env = JSON.parse(byEnv.json) as { sink: { url: string; passwordEnv: string } };
    assert.equal(env.sink.passwordEnv, 'CUTOVER_SINK_PASSWORD');
    assert.match(env.sink.url, /^mysql:\/\/[^:@]+@127\.0\.0\.1:\d+/, 'no password in the URL');
    assert.deepEqual(byEnv.env.map((e) => e.name), ['CUTOVER_SOURCE_PASSWORD', 'CUTOVER_SINK_PASSWORD']);
  });

  it('creates the job from the draft: it copies, streams, and the draft is gone', async () => {
    draft.step = 'review';
    const { name } = await ui.call('createJob', draft);
    assert.equal(name, JOB);
    assert.equal(await ui.call('getDraft'), null);
    await waitUntil('the job streams', async () => (await ui.call('jobStatus', JOB)).phase === 'streaming', { ms: 120_000 });
    await assert.rejects(ui.call('deleteProfile', 'source'), /job.*uses it/, 'a profile a job uses cannot be deleted');
  });

  it('verifies, names a row changed on the sink, and repairs it while the job streams', async () => {
    const pass = await verification(await ui.call('verify', JOB));
    assert.equal(pass.state, 'pass', JSON.stringify(pass.summary));
    await exec(sinkUrl(), `UPDATE ${q(SINK_DB)}.actor SET first_name = 'CHANGED' WHERE actor_id = 7`);
    const fail = await verification(await ui.call('verify', JOB, { tables: [`${SRC_DB}.actor`] }));
    assert.equal(fail.state, 'fail');
    const actor = fail.tables.find((t) => t.table === `${SRC_DB}.actor`)!;
    assert.deepEqual(actor.mismatches.map((m) => [m.kind, m.key]), [['different', { actor_id: '7' }]]);
    const repaired = await verification(await ui.call('repair', JOB, fail.id));
    assert.equal(repaired.state, 'pass', JSON.stringify(repaired.tables.map((t) => [t.table, t.state, t.error])));
    assert.equal((await ui.call('jobStatus', JOB)).state, 'running', 'the stream kept running');
  });

  it('walks the cutover assistant to its report, with read-only undone at the end', async () => {
    let s = await ui.call('cutoverRun', JOB, 'lag', { lagThresholdSeconds: 30 });
    assert.equal(step(s, 'lag').state, 'done', step(s, 'lag').detail ?? '');
    // The way back has its own test (cutover-reverse); this walk switches without one, the operator's choice.
    s = await ui.call('cutoverRun', JOB, 'reverse-check', { skip: true });
    assert.equal(step(s, 'reverse-check').state, 'skipped');
    await assert.rejects(ui.call('cutoverRun', JOB, 'read-only'), /confirm/);
    // The freeze is proven by watching the source's change stream: it runs in the background.
    await ui.call('cutoverRun', JOB, 'read-only', { confirm: true });
    s = await settled('read-only');
    assert.equal(step(s, 'read-only').state, 'done', step(s, 'read-only').detail ?? '');
    assert.equal(Number((await query<{ v: number }>(sourceUrl(), 'SELECT @@GLOBAL.read_only AS v'))[0]!.v), 1);
    await ui.call('cutoverRun', JOB, 'fence');
    s = await settled('fence');
    assert.equal(step(s, 'fence').state, 'done', `${step(s, 'fence').detail} ${step(s, 'fence').fix}`);
    assert.match(String(step(s, 'fence').facts.position), /\.\d{6}:\d+$/);
    await ui.call('cutoverRun', JOB, 'verify');
    s = await settled('verify');
    assert.equal(step(s, 'verify').state, 'done', `${step(s, 'verify').detail}`);
    s = await ui.call('cutoverRun', JOB, 'deferred');
    assert.equal(step(s, 'deferred').state, 'done', `${step(s, 'deferred').detail} ${JSON.stringify(s.deferred)}`);
    assert.deepEqual(s.deferred.map((o) => `${o.kind} ${o.sinkName} ${o.state}`).sort(), [
      `event ${SINK_DB}.purge_old created`,
      `function ${SINK_DB}.film_count created`,
      `procedure ${SINK_DB}.customer_total created`,
      `trigger ${SINK_DB}.customer_create_date created`,
      `trigger ${SINK_DB}.ins_film created`,
    ]);
    const triggers = await query<{ t: string; tbl: string }>(sinkUrl(), 'SELECT TRIGGER_NAME AS t, EVENT_OBJECT_TABLE AS tbl FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? ORDER BY 1', [SINK_DB]);
    assert.deepEqual(triggers.map((r) => `${r.t} on ${r.tbl}`), ['customer_create_date on customer', 'ins_film on film']);
    const md = await ui.call('cutoverReport', JOB, 'markdown');
    assert.match(md.fileName, /^cutover-report-.*\.md$/);
    assert.match(md.text, new RegExp(`# Cutover report: ${JOB}`));
    assert.match(md.text, /\| Final verification \| done \|/);
    const html = await ui.call('cutoverReport', JOB, 'html');
    assert.match(html.text, /^<!doctype html>/);
    s = await ui.call('cutoverState', JOB);
    assert.equal(s.complete, true, JSON.stringify(s.steps.map((x) => [x.id, x.state, x.blockedBy])));

    s = await ui.call('cutoverUndo', JOB, 'read-only');
    assert.equal(step(s, 'read-only').state, 'undone');
    assert.equal(Number((await query<{ v: number }>(sourceUrl(), 'SELECT @@GLOBAL.read_only AS v'))[0]!.v), 0);
    s = await ui.call('cutoverUndo', JOB, 'deferred');
    assert.equal(step(s, 'deferred').state, 'undone');
    assert.equal((await query(sinkUrl(), 'SELECT 1 FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?', [SINK_DB])).length, 0, 'undo dropped what it created');
    await ui.call('stop', JOB);
    await assertSinkEqualsSource(SRC_DB, SINK_DB, ['actor', 'customer', 'film', 'payment']);
  });

  async function verification(start: { id: number }): Promise<VerifyReport> {
    return waitUntil(`verification ${start.id} ends`, async () => {
      const v = await ui.call('verification', JOB);
      return v && v.id >= start.id && v.state !== 'running' ? v : null;
    }, { ms: 120_000 });
  }

  async function settled(id: string): Promise<CutoverState> {
    return waitUntil(`cutover step ${id} ends`, async () => {
      const s = await ui.call('cutoverState', JOB);
      return step(s, id).state === 'running' ? null : s;
    }, { ms: 120_000 });
  }
});

function step(s: CutoverState, id: string) {
  const found = s.steps.find((x) => x.id === id);
  assert.ok(found, `no step ${id}`);
  return found;
}
