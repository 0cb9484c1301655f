// A table without a key is copied as one chunk: its rows must count as each batch commits, not only at
// its end, so the dashboard's rows copied, copy rate and ETA move while it is copied (a throttled copy
// of 12,000 rows in 4 KiB batches is watched through `cutover status --json`), and a finished copy
// counts every row exactly once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { JobStatus } from '../../shared/job-status.js';
import { checksum, describeRun, exec, runCli, sinkUrl, sourceUrl, startCli, tempDir, uniqueName, writeJob } from '../helpers/db.js';
import { waitFor } from '../helpers/stream-cli.js';

const db = uniqueName('keyless_progress');
const ROWS = 12_000;

before(async () => {
  await exec(sourceUrl(), `CREATE DATABASE ${db}; USE ${db}; CREATE TABLE events (kind VARCHAR(20), n INT, note VARCHAR(60));
    INSERT INTO events SELECT CONCAT('k', seq % 7), seq, REPEAT('x', 40) FROM seq_1_to_${ROWS};`);
});

after(async () => {
  await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${db}`);
  await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${db}`);
});

test('a keyless table counts its rows per batch while it is copied, and exactly once at the end', async () => {
  const dir = tempDir();
  const state = join(dir, 'state.db');
  const name = uniqueName('keyless');
  const job = writeJob(dir, {
    name,
    source: { url: sourceUrl() },
    // Copy batches are half the statement size: 4 KiB, about 80 rows each.
    sink: { type: 'mysql', url: sinkUrl(), batchBytes: 8192 },
    tables: { include: [`${db}.*`] },
    mode: 'snapshot',
    snapshot: { parallelism: 1, throttle: { maxRowsPerSecond: 1000 } },
  });
  const status = async (): Promise<JobStatus | null> => {
    const r = await runCli(['status', '--job', name, '--state', state, '--json']);
    if (r.code !== 0) return null;
    return (JSON.parse(r.stdout) as { jobs: JobStatus[] }).jobs[0] ?? null;
  };
  const run = startCli(['run', job, '--state', state, '--quiet']);
  const midway = await waitFor(
    'the keyless table to show rows copied before its copy ends',
    60_000,
    async () => {
      const s = await status();
      const t = s?.tables.find((x) => x.source === `${db}.events`);
      return t && t.state === 'copying' && t.rowsCopied > 0 && t.rowsCopied < ROWS ? { s: s!, t } : null;
    },
    undefined,
    200,
  );
  assert.ok(midway.s.rowsCopied > 0, 'the job total moves too');
  assert.equal(midway.t.chunksDone, 0, 'the one chunk is still being copied');
  const done = await run.done;
  assert.equal(done.code, 0, describeRun(done));
  const end = (await status())!;
  const t = end.tables.find((x) => x.source === `${db}.events`)!;
  assert.equal(t.state, 'done');
  assert.equal(t.rowsCopied, ROWS, 'every row counted once');
  assert.equal(end.rowsCopied, ROWS);
  assert.equal(await checksum(sinkUrl(), db, 'events'), await checksum(sourceUrl(), db, 'events'));
});
