// Who owns a MySQL sink's checkpoint row: two state files running a job of the same name into the same
// sink. The second is refused (it would have continued from the first one's position, ignoring its own
// "stream.start") with the three ways on; --adopt-checkpoint takes the row over on purpose, --restart
// starts over; a row without an owner (written by an older version) is adopted by the state file that
// streamed the job before and refused by one that never did.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describeRun, exec, q, query, runCliWithTimeout, sinkUrl, sourceUrl, writeJob, type CliResult } from '../helpers/db.js';
import { TempDirs, dropStreamTest, fmt, newStreamCase, quickJob, sinkCheckpoint, sourcePosition } from '../helpers/stream.js';
import { STACK_TRACE } from '../helpers/stream-cli.js';

const run = (args: string[]): Promise<CliResult> => runCliWithTimeout(args, 180_000);

async function ids(db: string): Promise<number[]> {
  return (await query<{ id: number }>(sinkUrl(), `SELECT id FROM ${q(db)}.t ORDER BY id`)).map((r) => Number(r.id));
}

async function owner(job: string): Promise<{ installation: string | null; instance: string | null; label: string | null }> {
  const [r] = await query<{ i: string | null; n: string | null; l: string | null }>(
    sinkUrl(),
    'SELECT owner_installation AS i, owner_instance AS n, owner_label AS l FROM _cutover.cutover_checkpoint WHERE job = ?',
    [job],
  );
  assert.ok(r, `no checkpoint row for ${job}`);
  return { installation: r.i, instance: r.n, label: r.l };
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('a sink checkpoint row belongs to one state file and job', { timeout: 10 * 60_000 }, () => {
  const dirs = new TempDirs('cutover-checkpoint-owner-');
  after(() => dirs.removeAll());

  it('a second state file is refused, then adopts on purpose; --restart starts over; an ownerless row is adopted only by the state file that streamed it', async () => {
    const { db, job: name, dir, state: stateA } = newStreamCase(dirs, 'cp-owner');
    const stateB = join(dir, 'other.db');
    const stateC = join(dir, 'third.db');
    const d = q(db);
    const insert = (from: number, to: number): Promise<unknown> => exec(sourceUrl(), `INSERT INTO ${d}.t SELECT seq, CONCAT('v', seq) FROM ${d}.seq_${from}_to_${to}`);
    try {
      await exec(sourceUrl(), `CREATE DATABASE ${d}; CREATE TABLE ${d}.t (id INT NOT NULL PRIMARY KEY, v VARCHAR(20) NOT NULL) ENGINE=InnoDB;`);
      const start = await sourcePosition();
      const jobA = writeJob(dir, quickJob(name, db, 'stream', { start: 'current' }), 'a.json');
      // B names the same job with an explicit start: the position before rows 1–10.
      const jobB = writeJob(dir, quickJob(name, db, 'stream', { start: { file: start.file, pos: start.pos } }), 'b.json');
      const a = ['run', jobA, '--state', stateA, '--exit-when-caught-up'];
      const b = ['run', jobB, '--state', stateB, '--exit-when-caught-up'];

      let r = await run(a);
      assert.equal(r.code, 0, describeRun(r));
      await insert(1, 10);
      r = await run(a);
      assert.equal(r.code, 0, describeRun(r));
      assert.deepEqual(await ids(db), range(1, 10));
      const ownerA = await owner(name);
      assert.ok(ownerA.installation && ownerA.instance, 'the row records its owner');
      assert.ok(ownerA.label?.endsWith(`:${stateA}`), `label: ${ownerA.label}`);

      // Another state file, same job name: refused before it writes anything.
      await insert(11, 20);
      const cpA = await sinkCheckpoint(name);
      r = await run(b);
      assert.equal(r.code, 1, describeRun(r));
      assert.match(r.stderr, new RegExp(`already holds a stream checkpoint for a job named "${name}"`));
      assert.ok(r.stderr.includes(`written by another state file (${ownerA.label})`), r.stderr);
      assert.match(r.stderr, /--restart/);
      assert.match(r.stderr, /another "name"/);
      assert.match(r.stderr, /--adopt-checkpoint/);
      assert.doesNotMatch(r.stderr, STACK_TRACE);
      assert.deepEqual(await sinkCheckpoint(name), cpA, 'the refused run left the checkpoint as it was');
      assert.deepEqual(await owner(name), ownerA);
      assert.deepEqual(await ids(db), range(1, 10), 'the refused run applied nothing');

      // Adopted on purpose: B continues from A's position (not from its own stream.start).
      r = await run([...b, '--adopt-checkpoint']);
      assert.equal(r.code, 0, describeRun(r));
      assert.match(r.stderr, /adopted the sink's checkpoint row/);
      assert.match(r.stderr, new RegExp(`streaming from ${fmt(cpA).replace(/\./g, '\\.')} \\(the sink checkpoint\\)`));
      assert.deepEqual(await ids(db), range(1, 20));
      const ownerB = await owner(name);
      assert.notEqual(ownerB.installation, ownerA.installation);

      // Now A's own run is the foreign one; --restart starts it over from "current" and takes the row back.
      r = await run(a);
      assert.equal(r.code, 1, describeRun(r));
      assert.match(r.stderr, /written by another state file/);
      await insert(21, 25);
      r = await run([...a, '--restart']);
      assert.equal(r.code, 0, describeRun(r));
      assert.deepEqual(await owner(name), ownerA);
      await insert(26, 30);
      r = await run(a);
      assert.equal(r.code, 0, describeRun(r));
      assert.deepEqual(await ids(db), [...range(1, 20), ...range(26, 30)], 'after --restart from "current", only later rows arrive');

      // A row from an older version (no owner): the state file that streamed the job takes it...
      await exec(sinkUrl(), `UPDATE _cutover.cutover_checkpoint SET owner_installation = NULL, owner_instance = NULL, owner_label = NULL WHERE job = '${name}'`);
      const jobC = writeJob(dir, quickJob(name, db, 'stream', { start: 'current' }), 'c.json');
      r = await run(['run', jobC, '--state', stateC, '--exit-when-caught-up']);
      assert.equal(r.code, 1, describeRun(r));
      assert.match(r.stderr, /written by an earlier version of Cutover that did not record its owner, and this state file has never streamed this job/);
      assert.equal((await owner(name)).installation, null);
      await insert(31, 35);
      r = await run(a);
      assert.equal(r.code, 0, describeRun(r));
      assert.match(r.stderr, /had no owner \(an earlier version wrote it\); this state file streamed this job before/);
      assert.deepEqual(await owner(name), ownerA);
      assert.deepEqual(await ids(db), [...range(1, 20), ...range(26, 35)]);
    } finally {
      await dropStreamTest(name, db, db, true);
    }
  });
});
