// Removing a job (real MariaDB): `cutover remove` refuses a running job, removes a stopped one (and its
// status, log and charts), keeps the MySQL sink's checkpoint row unless --clean-sink; through the host
// API, a connection a job used can be deleted once the job is removed, as the delete dialog says.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { StateStore } from '../../engine/state/store.js';
import { describeRun, exec, jobSpec, q, query, runCli, sinkUrl, sourceUrl, tempDir, uniqueName, writeJob } from '../helpers/db.js';
import { killLive, startStreaming, STACK_TRACE, stopWithSigterm, waitUntil, type LiveCli } from '../helpers/stream-cli.js';
import { startUi, type RunningUi } from '../helpers/ui.js';

const checkpointRows = async (job: string): Promise<number> =>
  Number((await query<{ n: number | string }>(sinkUrl(), 'SELECT COUNT(*) AS n FROM `_cutover`.`cutover_checkpoint` WHERE job = ?', [job]))[0]!.n);

function jobNames(stateFile: string): string[] {
  const store = new StateStore(stateFile);
  try {
    return store.jobs().map((j) => j.name);
  } finally {
    store.close();
  }
}

describe('removing a job', { timeout: 5 * 60_000 }, () => {
  const base = uniqueName('rm');
  const srcDb = `${base}_src`;
  const sinkDb = `${base}_sink`;
  const dir = tempDir('cutover-remove-');
  const job = `${base}-job`;

  before(async () => {
    await exec(
      sourceUrl(),
      `CREATE DATABASE ${q(srcDb)}; USE ${q(srcDb)};
       CREATE TABLE items (id INT NOT NULL PRIMARY KEY, name VARCHAR(40) NOT NULL) ENGINE=InnoDB;
       INSERT INTO items SELECT seq, CONCAT('item ', seq) FROM seq_1_to_500;`,
    );
  });
  after(async () => {
    await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(srcDb)}`);
    await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${q(sinkDb)}; DROP DATABASE IF EXISTS ${q(`${sinkDb}_b`)}; DELETE FROM _cutover.cutover_checkpoint WHERE job LIKE '${base}%'`).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  describe('cutover remove', () => {
    const stateFile = join(dir, 'cli.db');
    let jobPath: string;
    let live: LiveCli | null = null;
    before(() => {
      jobPath = writeJob(dir, jobSpec(job, srcDb, { rename: { [srcDb]: sinkDb } }), 'job.json');
    });
    after(async () => killLive(live));

    it('refuses a running job, saying how to stop it', async () => {
      live = await startStreaming(jobPath, stateFile);
      await waitUntil('its checkpoint row on the sink', async () => (await checkpointRows(job)) === 1, { ms: 60_000 });
      const r = await runCli(['remove', job, '--state', stateFile]);
      assert.equal(r.code, 1, describeRun(r));
      assert.match(r.stderr, new RegExp(`The job "${job}" is running \\(process \\d+\\); a running job cannot be removed`));
      assert.match(r.stderr, /Stop it first .*kill -TERM \d+/);
      assert.doesNotMatch(r.stderr, STACK_TRACE);
      assert.deepEqual(jobNames(stateFile), [job], 'nothing was removed');
      await stopWithSigterm(live);
      live = null;
    });

    it('removes a stopped job from the state file; the sink keeps its rows and, without --clean-sink, the checkpoint row', async () => {
      assert.equal(await checkpointRows(job), 1, 'the stream left its checkpoint row on the sink');
      const r = await runCli(['remove', job, '--state', stateFile]);
      assert.equal(r.code, 0, describeRun(r));
      assert.match(r.stdout, new RegExp(`Removed the job "${job}" from ${stateFile.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
      assert.match(r.stdout, /checkpoint row in `_cutover`.`cutover_checkpoint` on the sink is kept/);
      assert.deepEqual(jobNames(stateFile), []);
      const status = await runCli(['status', '--state', stateFile, '--json']);
      assert.equal(status.code, 0, describeRun(status));
      assert.deepEqual((JSON.parse(status.stdout) as { jobs: unknown[] }).jobs, []);
      const logs = await runCli(['logs', '--state', stateFile, '--job', job]);
      assert.equal(logs.stdout.trim(), '', 'its log lines went with it');
      assert.equal(await checkpointRows(job), 1);
      assert.equal(Number((await query<{ n: number | string }>(sinkUrl(), `SELECT COUNT(*) AS n FROM ${q(sinkDb)}.items`))[0]!.n), 500, 'the copied rows stay');
    });

    it('--clean-sink also deletes the checkpoint row, so the same name would start afresh; a job file names its job', async () => {
      const other = `${job}-b`;
      const otherPath = writeJob(dir, jobSpec(other, srcDb, { rename: { [srcDb]: `${sinkDb}_b` } }), 'other.json');
      const run = await runCli(['run', otherPath, '--state', stateFile, '--exit-when-caught-up', '--quiet']);
      assert.equal(run.code, 0, describeRun(run));
      assert.equal(await checkpointRows(other), 1);
      const r = await runCli(['remove', otherPath, '--state', stateFile, '--clean-sink']);
      assert.equal(r.code, 0, describeRun(r));
      assert.match(r.stdout, /Deleted the job's checkpoint row in `_cutover`.`cutover_checkpoint` on the sink/);
      assert.equal(await checkpointRows(other), 0);
      assert.deepEqual(jobNames(stateFile), []);
    });

    it('a job that is not there: exit 1, says where it looked', async () => {
      const r = await runCli(['remove', 'no-such-job', '--state', stateFile]);
      assert.equal(r.code, 1, describeRun(r));
      assert.match(r.stderr, /There is no job named "no-such-job" in the state file/);
      assert.match(r.stderr, /cutover status --state FILE/);
      assert.doesNotMatch(r.stderr, STACK_TRACE);
    });
  });

  describe('through the host API', () => {
    let ui: RunningUi;
    const apiJob = `${base}-api`;
    const server = (url: string) => {
      const u = new URL(url);
      return { host: u.hostname, port: Number(u.port), user: decodeURIComponent(u.username), tls: { mode: 'disabled' as const } };
    };
    before(async () => {
      ui = await startUi(join(dir, 'api.db'));
      await ui.call('saveProfile', { profile: { kind: 'mysql', name: `${base}-src`, ...server(sourceUrl()) }, secrets: { password: decodeURIComponent(new URL(sourceUrl()).password) } });
      await ui.call('saveProfile', { profile: { kind: 'mysql', name: `${base}-dst`, ...server(sinkUrl()) }, secrets: { password: decodeURIComponent(new URL(sinkUrl()).password) } });
      const file = { name: apiJob, source: { profile: `${base}-src` }, sink: { type: 'mysql', profile: `${base}-dst` }, tables: { include: [`${srcDb}.*`] }, rename: { [srcDb]: `${sinkDb}_api` }, mode: 'snapshot+stream' };
      await ui.call('openJob', { text: JSON.stringify(file), fileName: 'api.json' });
    });
    after(async () => {
      await ui?.call('stop', apiJob).catch(() => undefined);
      await ui?.stop();
      await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${q(`${sinkDb}_api`)}`);
    });

    it('refuses while the job runs; removes it once stopped, cleaning the checkpoint row; then its connections can be deleted', async () => {
      await ui.call('start', apiJob);
      await waitUntil('the job streams', async () => (await ui.call('jobStatus', apiJob)).phase === 'streaming', { ms: 120_000 });
      await waitUntil('its checkpoint row', async () => (await checkpointRows(apiJob)) === 1, { ms: 60_000 });
      const refused = await ui.raw('removeJob', [apiJob, { cleanSink: true }]);
      assert.equal(refused.ok, false);
      assert.ok(!refused.ok && refused.error.code === 'STATE' && /running job cannot be removed/.test(refused.error.message), JSON.stringify(refused));
      const inUse = await ui.raw('deleteProfile', [`${base}-dst`]);
      assert.ok(!inUse.ok && inUse.error.code === 'IN_USE', JSON.stringify(inUse));
      assert.match(inUse.ok ? '' : (inUse.error.fix ?? ''), /remove that job first \(Remove in the job's view, or `cutover remove JOB --state /);

      await ui.call('stop', apiJob);
      const removed = await ui.call('removeJob', apiJob, { cleanSink: true });
      assert.equal(removed.name, apiJob);
      assert.match(removed.sink, /Deleted the job's checkpoint row/);
      assert.equal(await checkpointRows(apiJob), 0);
      assert.ok(!(await ui.call('listJobs')).some((j) => j.name === apiJob));
      const gone = await ui.raw('jobStatus', [apiJob]);
      assert.ok(!gone.ok && gone.error.code === 'NOT_FOUND');
      await ui.call('deleteProfile', `${base}-dst`);
      await ui.call('deleteProfile', `${base}-src`);
      assert.ok(!(await ui.call('listProfiles')).some((p) => p.profile.name.startsWith(base)));
    });
  });
});
