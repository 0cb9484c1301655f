// Passwords written in a job file's URL never rest in clear in the state file, and the API never
// returns them: the job file is stored without them and each is encrypted in job_secrets (the raw bytes
// of the state file and its WAL are searched); a job opened with such a URL still runs from the
// dashboard; an older state file's clear passwords are moved on open. State files are 0600 (also when
// they were looser), one another user owns is refused, and a state file in a shared folder gets no
// secret key beside it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { StateStore } from '../../engine/state/store.js';
import { exec, query, runCli, sinkUrl, sourceUrl, tempDir, uniqueName, writeJob } from '../helpers/db.js';
import { waitFor } from '../helpers/stream-cli.js';
import { startUi, type RunningUi } from '../helpers/ui.js';
import { asProbe } from '../helpers/unix-user.js';

const DB = uniqueName('sec');
const USER = `sec_${randomBytes(3).toString('hex')}`;
const CORE = `Pw${randomBytes(8).toString('hex')}`;
const PASSWORD = `${CORE}@:/%`; // special characters: percent-encoded in the URL

function urlWith(base: string, password: string): string {
  const u = new URL(base);
  return `mysql://${USER}:${encodeURIComponent(password)}@${u.host}`;
}

function spec(name: string, renameTo: string): Record<string, unknown> {
  return {
    name,
    source: { url: urlWith(sourceUrl(), PASSWORD) },
    sink: { type: 'mysql', url: urlWith(sinkUrl(), PASSWORD) },
    tables: { include: [`${DB}.*`] },
    rename: { [DB]: renameTo },
    mode: 'snapshot',
  };
}

/** Every byte SQLite keeps for the state file. */
function rawState(path: string): string {
  return ['', '-wal', '-shm'].map((s) => (existsSync(path + s) ? readFileSync(path + s).toString('latin1') : '')).join('\n');
}

function assertNoPassword(text: string, where: string): void {
  assert.ok(!text.includes(CORE), `the password is in ${where}`);
  assert.ok(!text.includes(encodeURIComponent(PASSWORD)), `the encoded password is in ${where}`);
}

function modes(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(f)) out[f] = (statSync(f).mode & 0o777).toString(8);
  return out;
}

describe('passwords in job files and the state file', () => {
  const dir = tempDir();
  const state = join(dir, 'state.db');
  let ui: RunningUi | undefined;

  before(async () => {
    for (const url of [sourceUrl(), sinkUrl()]) await exec(url, `CREATE USER '${USER}'@'%' IDENTIFIED BY '${PASSWORD}'; GRANT ALL ON *.* TO '${USER}'@'%';`);
    await exec(sourceUrl(), `CREATE DATABASE ${DB}; USE ${DB}; CREATE TABLE ${DB}.t (id INT PRIMARY KEY, v INT); INSERT INTO ${DB}.t SELECT seq, seq FROM seq_1_to_50;`);
  });

  after(async () => {
    await ui?.stop();
    await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${DB}; DROP USER IF EXISTS '${USER}'@'%'`);
    await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${DB}_cli; DROP DATABASE IF EXISTS ${DB}_ui; DROP DATABASE IF EXISTS ${DB}_old; DROP USER IF EXISTS '${USER}'@'%'`);
  });

  it('cutover run stores no password in clear; the state file and the key are 0600', async () => {
    const file = writeJob(dir, spec(`${DB}-cli`, `${DB}_cli`));
    const r = await runCli(['run', file, '--state', state, '--skip-preflight', '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    const [n] = await query<{ n: number }>(sinkUrl(), `SELECT COUNT(*) AS n FROM ${DB}_cli.t`);
    assert.equal(Number(n?.n), 50);
    assertNoPassword(rawState(state), 'the state file');
    assert.ok(rawState(state).includes(`${USER}@`), 'the stored job file keeps the rest of the URL');
    for (const [f, mode] of Object.entries(modes(state))) assert.equal(mode, '600', f);
    assert.equal((statSync(join(dir, 'secret.key')).mode & 0o777).toString(8), '600');
  });

  it('the API returns no password, a job opened with one runs from the dashboard, and the open WAL and shm are 0600 without it', async () => {
    ui = await startUi(state);
    const cliJob = `${DB}-cli`;
    const stored = JSON.parse(await ui.call('jobConfig', cliJob)) as { source: { url: string }; sink: { url: string } };
    assert.equal(stored.source.url, `mysql://${USER}@${new URL(sourceUrl()).host}`);
    const uiJob = `${DB}-ui`;
    await ui.call('openJob', { text: JSON.stringify(spec(uiJob, `${DB}_ui`)), fileName: 'with-password.json' });
    await ui.call('start', uiJob);
    await waitFor('the job to finish', 60_000, async () => {
      const s = await ui!.call('jobStatus', uiJob);
      if (s.state === 'failed') throw new Error(`the job failed: ${s.error}`);
      return s.state === 'done';
    });
    const [n] = await query<{ n: number }>(sinkUrl(), `SELECT COUNT(*) AS n FROM ${DB}_ui.t`);
    assert.equal(Number(n?.n), 50, 'the password came back from the encrypted store');
    const answers = [
      await ui.call('jobConfig', uiJob),
      await ui.call('jobConfig', cliJob),
      await ui.call('listJobs'),
      await ui.call('jobStatus', uiJob),
      await ui.call('logs', {}),
      await ui.call('cutoverState', uiJob),
    ];
    assertNoPassword(JSON.stringify(answers), 'an API answer');
    // While the dashboard has it open, the WAL and shared-memory files exist: 0600, and no password.
    const open = modes(state);
    assert.deepEqual(Object.keys(open).sort(), [state, `${state}-shm`, `${state}-wal`].sort());
    for (const [f, mode] of Object.entries(open)) assert.equal(mode, '600', f);
    assert.ok(statSync(`${state}-wal`).size > 0, 'the WAL holds the latest writes');
    assertNoPassword(rawState(state), 'the state file and its WAL while the dashboard runs');
    await ui.stop();
    ui = undefined;
    assertNoPassword(rawState(state), 'the state file after the dashboard ran the job');
    for (const [f, mode] of Object.entries(modes(state))) assert.equal(mode, '600', f);
  });

  it('an older state file\'s clear passwords are moved into the encrypted store when it is opened', async () => {
    const old = join(tempDir(), 'old.db');
    const s = new StateStore(old);
    s.upsertJob(`${DB}-old`, spec(`${DB}-old`, `${DB}_old`)); // as a version before this one stored it
    s.close();
    assert.ok(rawState(old).includes(CORE), 'the old file holds the password (the test\'s premise)');
    ui = await startUi(old);
    const cfg = await ui.call('jobConfig', `${DB}-old`);
    assertNoPassword(cfg, 'jobConfig');
    await ui.call('start', `${DB}-old`);
    await waitFor('the job to finish', 60_000, async () => (await ui!.call('jobStatus', `${DB}-old`)).state === 'done');
    await ui.stop();
    ui = undefined;
    assertNoPassword(rawState(old), 'the old state file once opened');
  });

  it('looser modes are tightened to 0600; a state file another user owns is refused', async () => {
    chmodSync(state, 0o644);
    if (existsSync(`${state}-wal`)) chmodSync(`${state}-wal`, 0o666);
    const r = await runCli(['status', '--state', state]);
    assert.equal(r.code, 0, r.stderr);
    for (const [f, mode] of Object.entries(modes(state))) assert.equal(mode, '600', f);

    const shared = tempDir('cutover-shared-');
    chmodSync(shared, 0o1777);
    const planted = join(shared, 'state.db');
    asProbe(`touch '${planted}' && chmod 666 '${planted}'`);
    const refused = await runCli(['status', '--state', planted]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /belongs to another user \(uid \d+\), who could read and change it/);
    assert.match(refused.stderr, /--state ~\/cutover\/state\.db/);
    assert.doesNotMatch(refused.stderr, /\n\s+at /, 'no stack trace');
  });

  it('a job with a password, on a state file in a shared folder, is refused before any key lands there', async () => {
    const shared = tempDir('cutover-shared-');
    chmodSync(shared, 0o1777);
    const file = writeJob(tempDir(), spec(`${DB}-shared`, `${DB}_shared`));
    const r = await runCli(['run', file, '--state', join(shared, 'state.db'), '--skip-preflight', '--quiet'], { CUTOVER_SECRET_KEY: '' });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /is not private: other users may use it \(mode 1777\)/);
    assert.match(r.stderr, /CUTOVER_SECRET_KEY/);
    assert.equal(existsSync(join(shared, 'secret.key')), false);
    assertNoPassword(rawState(join(shared, 'state.db')), 'the state file');
  });
});
