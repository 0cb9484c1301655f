// A row larger than the sink's max_allowed_packet: `cutover check` measures the largest row and fails
// with the SQL that fixes it; the copy and the stream pause at the row, naming the table, the key, the
// row's size and `SET GLOBAL max_allowed_packet`, instead of failing with ECONNRESET or reconnecting for
// ever; raising the limit and running again resumes, and the sink ends equal to the source.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeRun, exec, q, query, runCli, runCliWithTimeout, sinkUrl, sourceUrl, writeJob, type CliResult } from '../helpers/db.js';
import { TempDirs, assertSinkEqualsSource, dropStreamTest, newStreamCase, quickJob } from '../helpers/stream.js';
import { STACK_TRACE, statusJson } from '../helpers/stream-cli.js';

const SMALL_PACKET = 1024 * 1024;
/** A row of about 1.4 MiB: over SMALL_PACKET, well under the servers' default 16 MiB. */
const BIG = 1_400_000;

async function sinkPacket(): Promise<number> {
  const [r] = await query<{ p: number | string }>(sinkUrl(), 'SELECT @@GLOBAL.max_allowed_packet AS p');
  return Number(r!.p);
}

describe('a row larger than the sink max_allowed_packet', () => {
  const dirs = new TempDirs('cutover-packet-');
  after(() => dirs.removeAll());

  it('check fails naming it; the copy and the stream pause at it with the key, size and fix; raising the limit resumes, sink = source', { timeout: 6 * 60_000 }, async () => {
    const { db, job, dir, state } = newStreamCase(dirs, 'big-row');
    const d = q(db);
    const jobPath = writeJob(dir, quickJob(job, db));
    const run = (): Promise<CliResult> => runCliWithTimeout(['run', jobPath, '--state', state, '--exit-when-caught-up', '--skip-preflight'], 180_000);
    const original = await sinkPacket();
    try {
      await exec(
        sourceUrl(),
        `CREATE DATABASE ${d}; USE ${d}; CREATE TABLE ${d}.t (id INT PRIMARY KEY, note VARCHAR(20), body MEDIUMTEXT) ENGINE=InnoDB;
         INSERT INTO ${d}.t SELECT seq, CONCAT('n', seq), REPEAT('s', 100) FROM seq_1_to_300;
         UPDATE ${d}.t SET body = REPEAT('b', ${BIG}) WHERE id = 207;`,
      );
      await exec(sinkUrl(), `SET GLOBAL max_allowed_packet = ${SMALL_PACKET}`);

      // Preflight: the largest row is measured and compared with the sink's limit.
      const u = new URL(sourceUrl());
      u.pathname = `/${db}`;
      const check = await runCli(['check', '--source', u.toString(), '--sink', sinkUrl()]);
      assert.notEqual(check.code, 0, describeRun(check));
      const out = check.stdout + check.stderr;
      assert.match(out, /Largest row/, describeRun(check));
      assert.match(out, new RegExp(`${db}\\.t has a row of 1\\.3 MiB \\(measured\\)`), describeRun(check));
      assert.match(out, /SET GLOBAL max_allowed_packet = 16777216;/, describeRun(check));

      // The copy pauses at the row.
      const copy = await run();
      assert.notEqual(copy.code, 0, describeRun(copy));
      assert.match(copy.stderr, new RegExp(`A row of ${db}\\.t with key \\(id\\) = \\(207\\) is 1\\.3 MiB when written \\(copy\\)`), describeRun(copy));
      assert.match(copy.stderr, /max_allowed_packet of 1\.0 MiB/, describeRun(copy));
      assert.match(copy.stderr, /SET GLOBAL max_allowed_packet = 16777216;/, describeRun(copy));
      assert.doesNotMatch(copy.stderr, /ECONNRESET/, describeRun(copy));
      assert.doesNotMatch(copy.stderr, STACK_TRACE, describeRun(copy));
      let s = await statusJson(state);
      assert.equal(s.state, 'paused', JSON.stringify(s));
      assert.match(s.error ?? '', /max_allowed_packet/, JSON.stringify(s));

      await exec(sinkUrl(), `SET GLOBAL max_allowed_packet = ${original}`);
      const resumed = await run();
      assert.equal(resumed.code, 0, describeRun(resumed));
      await assertSinkEqualsSource(db, db, ['t'], 'after the copy resumed');

      // The stream pauses at a large row: no reconnect loop.
      await exec(sinkUrl(), `SET GLOBAL max_allowed_packet = ${SMALL_PACKET}`);
      await exec(sourceUrl(), `UPDATE ${d}.t SET note = 'before' WHERE id = 1; INSERT INTO ${d}.t VALUES (5000, 'big', REPEAT('z', ${BIG})); UPDATE ${d}.t SET note = 'after' WHERE id = 2;`);
      const stream = await run();
      assert.notEqual(stream.code, 0, describeRun(stream));
      assert.match(stream.stderr, new RegExp(`A row of ${db}\\.t with key \\(id\\) = \\(5000\\) is 1\\.3 MiB when written \\(the insert of the source transaction ending at `), describeRun(stream));
      assert.match(stream.stderr, /SET GLOBAL max_allowed_packet = 16777216;/, describeRun(stream));
      assert.doesNotMatch(stream.stderr, /reconnecting in/, describeRun(stream));
      assert.doesNotMatch(stream.stderr, STACK_TRACE, describeRun(stream));
      s = await statusJson(state);
      assert.equal(s.state, 'paused', JSON.stringify(s));
      const [after2] = await query<{ note: string }>(sinkUrl(), `SELECT note FROM ${d}.t WHERE id = 2`);
      assert.equal(after2?.note, 'n2', 'nothing after the large row was applied');

      await exec(sinkUrl(), `SET GLOBAL max_allowed_packet = ${original}`);
      const streamed = await run();
      assert.equal(streamed.code, 0, describeRun(streamed));
      await assertSinkEqualsSource(db, db, ['t'], 'after the stream resumed');
    } finally {
      await exec(sinkUrl(), `SET GLOBAL max_allowed_packet = ${original}`).catch(() => undefined);
      await dropStreamTest(job, db, db, true);
    }
  });
});
