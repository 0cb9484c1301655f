// `cutover verify` against a MySQL/MariaDB sink, with the real CLI on the test servers (no stream here;
// verify-stream.test.ts verifies and repairs while a job streams):
//   - every type family (test/fixtures/types.sql) and the other projects' edge cases
//     (other-projects-edge-cases.sql) copied by a snapshot job verify equal, with the default chunks and
//     with 100-row chunks (keys of every kind span chunk bounds: DESC, BIT, ENUM, case-insensitive…);
//   - one row changed, one deleted and one added on the sink: exit 1, exactly those keys named with kinds
//     different / missing / extra; --repair rewrites them and the re-check passes; source and sink dumps equal;
//   - a table without a key, one of its duplicated rows changed on the sink: found as one copy missing and
//     one extra row; --repair-from ID copies the table again (the job is not running) and it passes;
//   - the runs and their results are in the state file (verifications) and the job's log.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { VerifyReport } from '../../shared/verify.js';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ROOT, describeRun, dumpDiff, exec, q, rowDump, runCli, runCliWithTimeout, sinkUrl, sourceUrl, startCli, tempDir, uniqueName, writeJob, type CliResult } from '../helpers/db.js';
import { STACK_TRACE, waitFor } from '../helpers/stream-cli.js';
import { runVerify, verifyReport } from '../helpers/verify.js';

const SRC = sourceUrl();
const SINK = sinkUrl();


describe('cutover verify: a snapshot copy into MariaDB', { timeout: 300_000 }, () => {
  const types = uniqueName('vf_types');
  const edge = uniqueName('vf_edge');
  const dir = tempDir('cutover-verify-');
  const state = join(dir, 'state.db');
  const name = uniqueName('verify');
  const jobPath = join(dir, 'job.json');
  const verify = (...args: string[]): Promise<CliResult> => runVerify(jobPath, state, args);

  before(async () => {
    await exec(SRC, `CREATE DATABASE ${q(types)} CHARACTER SET utf8mb4; USE ${q(types)};\n${readFileSync(join(ROOT, 'test/fixtures/types.sql'), 'utf8')}`);
    await exec(SRC, `CREATE DATABASE ${q(edge)} CHARACTER SET utf8mb4; USE ${q(edge)};\n${readFileSync(join(ROOT, 'test/fixtures/other-projects-edge-cases.sql'), 'utf8')}`);
    writeJob(dir, { name, source: { url: SRC }, sink: { type: 'mysql', url: SINK }, tables: { include: [`${types}.*`, `${edge}.*`] }, mode: 'snapshot' }, 'job.json');
    const run = await runCliWithTimeout(['run', jobPath, '--state', state, '--quiet'], 180_000);
    assert.equal(run.code, 0, describeRun(run));
  }, { timeout: 240_000 });

  after(async () => {
    await exec(SRC, `DROP DATABASE IF EXISTS ${q(types)}; DROP DATABASE IF EXISTS ${q(edge)}`).catch(() => {});
    await exec(SINK, `DROP DATABASE IF EXISTS ${q(types)}; DROP DATABASE IF EXISTS ${q(edge)}`).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  it('every table of every type family matches: exit 0, with default chunks and with 100-row chunks', async () => {
    const human = await verify();
    assert.equal(human.code, 0, describeRun(human));
    assert.match(human.stdout, /verdict: PASS — (\d+) table\(s\)/);
    const small = await verify('--chunk-rows', '100', '--json');
    assert.equal(small.code, 0, describeRun(small));
    const r = verifyReport(small);
    assert.equal(r.state, 'pass');
    assert.ok(r.tables.length >= 85, `only ${r.tables.length} tables verified`);
    const notMatching = r.tables.filter((t) => t.state !== 'match').map((t) => `${t.table}: ${t.state} ${t.error ?? JSON.stringify(t.mismatches.slice(0, 3))}`);
    assert.deepEqual(notMatching, []);
    assert.ok(r.tables.filter((t) => t.chunks > 3).length >= 20, 'keyed tables should span several 100-row chunks');
    assert.equal(r.whileStreaming, false);
    assert.equal(r.summary.rowsSource, r.summary.rowsSink);
  });

  it('one row changed, one deleted, one added on the sink: exit 1 naming exactly those keys; --repair fixes them', async () => {
    await exec(
      SINK,
      `UPDATE ${q(types)}.t_composite_pk SET val = val + 1 WHERE name = 'Beta' AND seq = 3;
       DELETE FROM ${q(types)}.t_big_unsigned_pk WHERE id = 18446744073709551615;
       INSERT INTO ${q(edge)}.x_pk_bit64 VALUES (b'101010', 4242);`,
    );
    const found = await verify('--json');
    assert.equal(found.code, 1, describeRun(found));
    const r = verifyReport(found);
    assert.equal(r.state, 'fail');
    const differing = r.tables.filter((t) => t.state !== 'match');
    assert.deepEqual(
      differing.map((t) => [t.table, t.mismatches.map((m) => [m.kind, m.key, m.hex])]).sort(),
      [
        [`${edge}.x_pk_bit64`, [['extra', { b: '42' }, ['000000000000002a']]]],
        [`${types}.t_big_unsigned_pk`, [['missing', { id: '18446744073709551615' }, ['3138343436373434303733373039353531363135']]]],
        [`${types}.t_composite_pk`, [['different', { name: 'Beta', seq: '3' }, ['42657461', '33']]]],
      ],
    );
    assert.equal(r.summary.mismatchedRows, 3);
    assert.equal(r.repair.available, true);
    assert.equal(r.covered, 'all');
    // What differs, read back from both servers: the changed column with both values, and the values of
    // a row on one side only (the source's for a missing row, the sink's for an extra one).
    const first = new Map(differing.map((t) => [t.table, t.mismatches[0]!]));
    const changed = first.get(`${types}.t_composite_pk`)!;
    assert.deepEqual(changed.columns?.map((c) => c.name), ['val']);
    assert.equal(Number(changed.columns![0]!.sink) - Number(changed.columns![0]!.source), 1);
    assert.match(changed.columns![0]!.source!, /^-?\d+\.\d{6}$/, 'DECIMAL keeps its scale');
    assert.deepEqual(first.get(`${types}.t_big_unsigned_pk`)!.values, { id: '18446744073709551615', label: 'max' });
    assert.deepEqual(first.get(`${edge}.x_pk_bit64`)!.values, { b: '42', n: '4242' });

    const three = [`${types}.t_composite_pk`, `${types}.t_big_unsigned_pk`, `${edge}.x_pk_bit64`].flatMap((t) => ['--table', t]);
    const human = await verify(...three);
    assert.equal(human.code, 1, describeRun(human));
    assert.match(human.stdout, /different +name="Beta", seq="3"/);
    assert.match(human.stdout, /missing +id="18446744073709551615"/);
    assert.match(human.stdout, /extra +b="42"/);
    assert.match(human.stdout, new RegExp(`--repair-from ${r.id + 1}`));
    assert.equal(verifyReport(await verify('--json', ...three)).covered, 'some', 'named tables only');

    const repaired = await verify('--repair', '--json', ...three);
    assert.equal(repaired.code, 0, describeRun(repaired));
    const after = verifyReport(repaired);
    assert.equal(after.state, 'pass');
    assert.deepEqual(after.tables.map((t) => [t.table, t.repaired?.rows]).sort(), [
      [`${edge}.x_pk_bit64`, 1],
      [`${types}.t_big_unsigned_pk`, 1],
      [`${types}.t_composite_pk`, 1],
    ]);
    assert.equal(after.repairOf, r.id + 3);
    assert.equal(after.covered, 'some');
    for (const [db, t] of [
      [types, 't_composite_pk'],
      [types, 't_big_unsigned_pk'],
      [edge, 'x_pk_bit64'],
    ] as const)
      assert.equal(dumpDiff(await rowDump(SRC, db, t), await rowDump(SINK, db, t)), null, `${db}.${t}`);
  });

  it('a table without a key: a changed duplicate is found, and repaired by copying the table again', async () => {
    await exec(SINK, `UPDATE ${q(types)}.t_no_key SET b = 'changed' WHERE a = 1 AND b = 'dup' LIMIT 1`);
    const found = await verify('--table', `${types}.t_no_key`, '--json');
    assert.equal(found.code, 1, describeRun(found));
    const r = verifyReport(found);
    assert.equal(r.tables.length, 1);
    const t = r.tables[0]!;
    assert.equal(t.keyless, true);
    assert.deepEqual(t.mismatches.map((m) => [m.kind, m.count, m.hex]).sort(), [
      ['extra', 1, []],
      ['missing', 1, []],
    ]);
    assert.ok(t.mismatches.every((m) => /^[0-9a-f]{32}$/.test(String(m.key.row))), JSON.stringify(t.mismatches));
    // Each row, named only by its hash, comes with its values.
    assert.deepEqual(t.mismatches.map((m) => [m.kind, m.values]).sort(), [
      ['extra', { a: '1', b: 'changed', c: '2024-01-01 00:00:00.000001' }],
      ['missing', { a: '1', b: 'dup', c: '2024-01-01 00:00:00.000001' }],
    ]);
    const fixed = await verify('--repair-from', String(r.id), '--json');
    assert.equal(fixed.code, 0, describeRun(fixed));
    assert.equal(verifyReport(fixed).tables[0]!.repaired?.rows, 1506);
    assert.equal(dumpDiff(await rowDump(SRC, types, 't_no_key'), await rowDump(SINK, types, 't_no_key')), null);
  });

  it('SIGTERM stops a verification in progress: exit 130, recorded as stopped with the tables done so far', async () => {
    const { child, done } = startCli(['verify', jobPath, '--state', state, '--chunk-rows', '10', '--json']);
    const progress = (): VerifyReport | null => {
      const db = new Database(state, { readonly: true });
      try {
        const row = db.prepare("SELECT v.report FROM verifications v JOIN jobs j ON j.id = v.job_id WHERE j.name = ? AND v.pid = ? ORDER BY v.id DESC LIMIT 1").get(name, child.pid) as { report: string } | undefined;
        return row ? (JSON.parse(row.report) as VerifyReport) : null;
      } finally {
        db.close();
      }
    };
    const running = await waitFor('a verification in progress with a finished table', 60_000, () => {
      const r = progress();
      return r && r.state === 'running' && r.tables.some((t) => t.state === 'match') ? r : null;
    });
    assert.ok(running.tables.some((t) => t.state === 'pending'), 'tables still to do');
    child.kill('SIGTERM');
    const r = await done;
    assert.equal(r.code, 130, describeRun(r));
    const stopped = progress()!;
    assert.equal(stopped.state, 'stopped');
    assert.ok(stopped.finishedAt);
    assert.ok(stopped.tables.some((t) => t.state === 'match') && stopped.tables.some((t) => t.state === 'pending'));
    assert.ok(stopped.tables.every((t) => t.state !== 'running'));
  });

  it('runs are recorded in the state file and the job log; bad input exits 2 with the fix and no stack trace', async () => {
    const db = new Database(state, { readonly: true });
    try {
      const rows = db.prepare("SELECT v.state, v.pid, v.report FROM verifications v JOIN jobs j ON j.id = v.job_id WHERE j.name = ? ORDER BY v.id").all(name) as { state: string; pid: number; report: string }[];
      assert.ok(rows.length >= 8, `${rows.length} verifications recorded`);
      assert.deepEqual([...new Set(rows.map((x) => x.state))].sort(), ['fail', 'pass', 'stopped']);
      const last = JSON.parse(rows.filter((x) => x.state === 'pass').at(-1)!.report) as VerifyReport;
      assert.equal(last.state, 'pass');
      assert.ok(last.finishedAt! >= last.startedAt);
      const logs = db.prepare("SELECT message FROM logs WHERE job = ? AND (message LIKE '%verif%' OR message LIKE 'repair%')").all(name) as { message: string }[];
      assert.ok(logs.some((l) => /verification #\d+ failed: 3 of \d+ table/.test(l.message)), 'the failed run is logged');
      assert.ok(logs.some((l) => /^repair: 1 row\(s\) copied again at source position/.test(l.message)), 'the repair is logged');
    } finally {
      db.close();
    }
    const unknown = await verify('--table', 'nope.nothing');
    assert.equal(unknown.code, 2, describeRun(unknown));
    assert.match(unknown.stdout + unknown.stderr, /nope\.nothing is not a table of this job/);
    const noSuch = await verify('--repair-from', '99999');
    assert.equal(noSuch.code, 2, describeRun(noSuch));
    assert.match(noSuch.stderr, /There is no verification #99999/);
    const badJob = writeJob(dir, { name: 'x', source: { url: 'mysql://cutover:cutover@127.0.0.1:1' }, sink: { type: 'mysql', url: SINK }, tables: { include: ['a.*'] }, mode: 'snapshot' }, 'bad.json');
    const down = await runCli(['verify', badJob, '--state', state]);
    assert.equal(down.code, 2, describeRun(down));
    assert.match(down.stdout, /Nothing is listening at 127\.0\.0\.1:1/);
    for (const r of [unknown, noSuch, down]) assert.doesNotMatch(r.stdout + r.stderr, STACK_TRACE);
  });
});
