// Another local user cannot swap the job file the dashboard runs. The state file is in a folder every
// user may write (as /tmp is); the probe user (a real second Unix user) prepares a `jobs` folder there
// with its own job file of the same name (its own sink database) and keeps swapping that file in while
// the victim starts the job from the dashboard. The job hands its file to its process on standard
// input, so it runs the victim's config, and the attacker's file is never read.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { exec, jobSpec, query, sinkUrl, sourceUrl, tempDir, uniqueName } from '../helpers/db.js';
import { waitFor } from '../helpers/stream-cli.js';
import { startUi, type RunningUi } from '../helpers/ui.js';
import { asProbe, probeUser, spawnAsProbe, stopProbe } from '../helpers/unix-user.js';

const DB = uniqueName('swap');

describe('job files and another local user', () => {
  let ui: RunningUi | undefined;
  const shared = tempDir('cutover-shared-');
  const savedKey = process.env.CUTOVER_SECRET_KEY;

  before(async () => {
    await exec(sourceUrl(), `CREATE DATABASE ${DB}; USE ${DB}; CREATE TABLE ${DB}.t (id INT PRIMARY KEY, v INT); INSERT INTO ${DB}.t SELECT seq, seq FROM seq_1_to_100;`);
    chmodSync(shared, 0o1777); // like /tmp: every user may create files here
    // The key of the secrets comes from the environment: a shared folder gets no secret.key.
    process.env.CUTOVER_SECRET_KEY = randomBytes(32).toString('base64');
  });

  after(async () => {
    await ui?.stop();
    if (savedKey === undefined) delete process.env.CUTOVER_SECRET_KEY;
    else process.env.CUTOVER_SECRET_KEY = savedKey;
    await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${DB}`);
    await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${DB}_victim; DROP DATABASE IF EXISTS ${DB}_attacker`);
  });

  it('runs the victim\'s job, never a job file the other user swapped in', async () => {
    const probe = probeUser();
    const job = `${DB}-job`;
    const victim = jobSpec(job, DB, { mode: 'snapshot', rename: { [DB]: `${DB}_victim` } });
    const attacker = jobSpec(job, DB, { mode: 'snapshot', rename: { [DB]: `${DB}_attacker` } });
    const jobs = join(shared, 'jobs');
    const target = join(jobs, `${encodeURIComponent(job)}.json`);
    asProbe(`mkdir -m 777 '${jobs}' && printf '%s' '${JSON.stringify(attacker)}' > '${jobs}/.attacker' && cp '${jobs}/.attacker' '${target}'`);
    assert.equal(statSync(jobs).uid, probe.uid, 'the folder belongs to the other user');
    const swapper = spawnAsProbe(`while :; do cp '${jobs}/.attacker' '${jobs}/.next' && mv -f '${jobs}/.next' '${target}'; sleep 0.002; done`);
    try {
      ui = await startUi(join(shared, 'state.db'));
      await ui.call('openJob', { text: JSON.stringify(victim), fileName: 'victim.json' });
      await ui.call('start', job);
      await waitFor('the job to finish', 60_000, async () => {
        const s = await ui!.call('jobStatus', job);
        if (s.state === 'failed') throw new Error(`the job failed: ${s.error}`);
        return s.state === 'done';
      });
    } finally {
      await stopProbe(swapper);
    }
    const dbs = (await query<{ d: string }>(sinkUrl(), `SELECT SCHEMA_NAME AS d FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE '${DB}\\_%'`)).map((r) => r.d);
    assert.deepEqual(dbs, [`${DB}_victim`], 'the victim\'s sink database, and no other');
    const [n] = await query<{ n: number }>(sinkUrl(), `SELECT COUNT(*) AS n FROM ${DB}_victim.t`);
    assert.equal(Number(n?.n), 100);
    // The host wrote nothing into the other user's folder.
    for (const f of readdirSync(jobs)) assert.equal(statSync(join(jobs, f)).uid, probe.uid, `${f} was written by the host`);
    const config = await ui!.call('jobConfig', job);
    assert.match(config, new RegExp(`${DB}_victim`));
  });
});
