// Streaming when things go wrong: the source or the sink restarts under a running stream (the CLI
// reconnects and the sink ends equal), the binlog the stream needs is purged while the job is stopped
// (an actionable BINLOG_PURGED error, then --resnapshot), and the sink refuses a change (the job pauses
// with the table, the statement and the position; fixing the sink and running again resumes).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { comparePositions } from '../../engine/core/position.js';
import { fileSequence } from '../../shared/positions.js';
import { ROOT, describeRun, exec, q, query, runCliWithTimeout, sinkUrl, sourceUrl, writeJob, type CliResult } from '../helpers/db.js';
import { TempDirs, assertSinkEqualsSource, dropStreamTest, fmt, newStreamCase, quickJob, sinkCheckpoint, sleep, sourcePosition } from '../helpers/stream.js';
import { STACK_TRACE, killLive, startStreaming, statusJson, stopWithSigterm, waitCaughtUp, waitUntil, type LiveCli } from '../helpers/stream-cli.js';

const RUN_TIMEOUT_MS = 180_000;
/** How long the stream may take to apply what was written before a wait (more after a restart). */
const CATCH_UP_MS = 90_000;

// ---------------------------------------------------------------------------------------------------
// The MariaDB instances behind the test URLs (for restarts)

interface Instance {
  name: string;
  port: number;
}
interface Services {
  source: Instance;
  sink: Instance;
  start: (inst: Instance) => Promise<unknown>;
  stop: (inst: Instance, o: { wipe: boolean }) => Promise<void>;
}

/** The instances `npm test` started (CUTOVER_TEST_SERVICES), checked against the test URLs. */
async function services(): Promise<Services> {
  const spec = process.env.CUTOVER_TEST_SERVICES;
  if (!spec) {
    throw new Error(
      'CUTOVER_TEST_SERVICES is not set: this test restarts the source and sink servers and must know which ' +
        'scripts/test-services.mjs instances they are (e.g. {"prefix":"test","portBase":33060}); run it with `npm test`.',
    );
  }
  let parsed: { prefix?: unknown; portBase?: unknown };
  try {
    parsed = JSON.parse(spec) as { prefix?: unknown; portBase?: unknown };
  } catch {
    throw new Error(`CUTOVER_TEST_SERVICES is not valid JSON: ${spec}`);
  }
  if (typeof parsed.prefix !== 'string' || typeof parsed.portBase !== 'number') {
    throw new Error(`CUTOVER_TEST_SERVICES must be {"prefix": string, "portBase": number}, got ${spec}`);
  }
  const mod = (await import(pathToFileURL(join(ROOT, 'scripts/test-services.mjs')).href)) as {
    instances: (prefix: string, portBase: number) => { source: Instance; sink: Instance };
    startInstance: (inst: Instance) => Promise<unknown>;
    stopInstance: (inst: Instance, o: { wipe: boolean }) => Promise<void>;
  };
  const inst = mod.instances(parsed.prefix, parsed.portBase);
  assert.equal(String(inst.source.port), new URL(sourceUrl()).port, `CUTOVER_TEST_SERVICES (${spec}) does not name the server of CUTOVER_TEST_SOURCE_URL`);
  assert.equal(String(inst.sink.port), new URL(sinkUrl()).port, `CUTOVER_TEST_SERVICES (${spec}) does not name the server of CUTOVER_TEST_SINK_URL`);
  return { source: inst.source, sink: inst.sink, start: mod.startInstance, stop: mod.stopInstance };
}

// ---------------------------------------------------------------------------------------------------
// Data

const TABLES = ['t', 'c'] as const;

function createSql(db: string): string {
  const d = q(db);
  return `CREATE DATABASE ${d} CHARACTER SET utf8mb4; USE ${d};
    CREATE TABLE ${d}.t (id INT NOT NULL PRIMARY KEY, v VARCHAR(40) NOT NULL, n BIGINT, at DATETIME(6)) ENGINE=InnoDB;
    INSERT INTO ${d}.t SELECT seq, CONCAT('v', seq), seq * 3, '2024-01-01' + INTERVAL seq SECOND FROM seq_1_to_300;
    CREATE TABLE ${d}.c (k VARCHAR(20) NOT NULL, n INT NOT NULL, amount DECIMAL(12,2), PRIMARY KEY (k, n)) ENGINE=InnoDB;
    INSERT INTO ${d}.c SELECT CONCAT('k', seq % 7), seq, seq / 4 FROM seq_1_to_200;`;
}

/** A round of inserts, updates and deletes (several transactions), distinct per `round`. */
async function writeRound(db: string, round: number): Promise<void> {
  const d = q(db);
  const base = 1000 * round;
  await exec(
    sourceUrl(),
    `USE ${d};
     INSERT INTO ${d}.t SELECT ${base} + seq, CONCAT('r${round}-', seq), seq, NOW(6) FROM seq_1_to_50;
     UPDATE ${d}.t SET v = CONCAT(v, '-u${round}'), n = n + ${round} WHERE id % 10 = ${round % 10};
     DELETE FROM ${d}.t WHERE id % 17 = ${round % 17} AND id < 300;
     BEGIN; INSERT INTO ${d}.c VALUES ('r${round}', 1, 1.5), ('r${round}', 2, 2.5); UPDATE ${d}.c SET amount = amount * 2 WHERE n % 9 = ${round % 9}; COMMIT;
     DELETE FROM ${d}.c WHERE n % 13 = ${round % 13} AND n < 200;
     UPDATE ${d}.t SET id = id + 100000 WHERE id = ${base} + 1;`,
  );
}

// ---------------------------------------------------------------------------------------------------

describe('streaming failures', { timeout: 15 * 60_000 }, () => {
  const dirs = new TempDirs('cutover-stream-fail-');
  after(() => dirs.removeAll());

  for (const side of ['source', 'sink'] as const) {
    it(`${side} restart while streaming: the CLI reconnects, keeps running, and the sink ends equal; SIGTERM → 130`, { timeout: 6 * 60_000 }, async () => {
      const svc = await services(); // fails first, with its message, when the servers are not named
      const inst = svc[side];
      const { db, job, dir, state } = newStreamCase(dirs, `sf-${side}-restart`);
      let down = false;
      let live: LiveCli | null = null;
      try {
        await exec(sourceUrl(), createSql(db));
        // Reconnect attempts at most 2 s apart: a slow server restart (a loaded machine) then costs no
        // 16 or 30 s backoff wait after the server is back.
        live = await startStreaming(writeJob(dir, quickJob(job, db)), state, { CUTOVER_RECONNECT_MAX_SECONDS: '2' });
        const l = live;
        await writeRound(db, 1);
        await waitCaughtUp(job, { live: l, ms: CATCH_UP_MS }); // the stream was live before the restart
        await writeRound(db, 2); // possibly not yet applied when the server goes away

        down = true;
        await svc.stop(inst, { wipe: false });
        // An idle stream only touches the sink when it has something to apply: give it a change.
        if (side === 'sink') await writeRound(db, 3);
        await waitUntil('a reconnect warning', () => /connection lost .*reconnecting in/i.test(l.out()), { live: l, ms: 60_000 });
        assert.equal(l.exited(), false, 'the CLI must keep running while the server is down');
        await sleep(1500); // at least one reconnect attempt fails while the server is down
        await svc.start(inst);
        down = false;
        await writeRound(db, 4);
        await writeRound(db, 5);

        await waitCaughtUp(job, { live: l, ms: 120_000 });
        await assertSinkEqualsSource(db, db, TABLES, `after the ${side} restart`);
        assert.equal(l.exited(), false, `the CLI must still be running:\n${l.out().slice(-6000)}`);
        const r = await stopWithSigterm(l);
        assert.match(r.stderr, /warn.*connection lost .*reconnecting in \d+(\.\d+)? s \(attempt 1\)/i, 'the reconnect is logged as a warning');
        assert.doesNotMatch(r.stderr, STACK_TRACE);
        const s = await statusJson(state);
        assert.equal(s.state, 'stopped', JSON.stringify(s));
        await assertSinkEqualsSource(db, db, TABLES, 'after SIGTERM');
      } finally {
        if (down) await svc.start(inst); // never leave a server down
        await killLive(live);
        await dropStreamTest(job, db, db, true);
      }
    });
  }

  it('binlog purged while the job was stopped: BINLOG_PURGED names the file, the retention and --resnapshot; --resnapshot recovers', { timeout: 6 * 60_000 }, async () => {
    const { db, job, dir, state } = newStreamCase(dirs, 'sf-purged');
    const jobPath = writeJob(dir, quickJob(job, db));
    let live: LiveCli | null = null;
    try {
      await exec(sourceUrl(), createSql(db));
      live = await startStreaming(jobPath, state);
      const l = live;
      await writeRound(db, 1);
      await waitCaughtUp(job, { live: l, ms: CATCH_UP_MS });
      await stopWithSigterm(l);
      const cp = await sinkCheckpoint(job);
      assert.ok(cp, 'the stream left a checkpoint on the sink');

      await writeRound(db, 2);
      await exec(sourceUrl(), 'FLUSH BINARY LOGS');
      const current = (await sourcePosition()).file;
      assert.notEqual(current, cp.file, 'FLUSH BINARY LOGS must start a new file');
      // MariaDB keeps a file until its binlog checkpoint has passed (InnoDB flushed): retry briefly.
      let files: string[] = [];
      await waitUntil(`PURGE BINARY LOGS TO '${current}' to remove ${cp.file}`, async () => {
        await exec(sourceUrl(), `PURGE BINARY LOGS TO '${current}'`);
        files = (await query<{ Log_name: string }>(sourceUrl(), 'SHOW BINARY LOGS')).map((r) => r.Log_name);
        return !files.includes(cp.file);
      }, { ms: 30_000 });
      await writeRound(db, 3);

      const r = await runCliWithTimeout(['run', jobPath, '--state', state, '--exit-when-caught-up'], RUN_TIMEOUT_MS);
      assert.notEqual(r.code, 0, describeRun(r));
      assert.notEqual(r.code, null, describeRun(r));
      const out = r.stdout + r.stderr;
      assert.ok(out.includes(cp.file), `the error names the missing file ${cp.file}\n${describeRun(r)}`);
      assert.ok(out.includes(current), `the error names the oldest file the source still has, ${current}\n${describeRun(r)}`);
      assert.match(out, /no longer has|purged/i, describeRun(r));
      assert.match(out, /--resnapshot/, describeRun(r));
      assert.match(out, /binlog_expire_logs_seconds|expire_logs_days/, `the error shows the retention setting\n${describeRun(r)}`);
      assert.doesNotMatch(out, STACK_TRACE);
      const s = await statusJson(state);
      assert.notEqual(s.state, 'running', JSON.stringify(s));
      assert.match(s.error ?? '', /--resnapshot/, `status shows the error: ${JSON.stringify(s)}`);

      const again = await runCliWithTimeout(['run', jobPath, '--state', state, '--resnapshot', '--exit-when-caught-up'], RUN_TIMEOUT_MS);
      assert.equal(again.code, 0, describeRun(again));
      await assertSinkEqualsSource(db, db, TABLES, 'after --resnapshot');
      const cp2 = await sinkCheckpoint(job);
      assert.ok(cp2 && fileSequence(cp2.file) >= fileSequence(current), `the new checkpoint ${fmt(cp2)} is in a file the source still has (oldest ${current})`);

      // the job streams on normally from there
      await writeRound(db, 4);
      const third = await runCliWithTimeout(['run', jobPath, '--state', state, '--exit-when-caught-up'], RUN_TIMEOUT_MS);
      assert.equal(third.code, 0, describeRun(third));
      await assertSinkEqualsSource(db, db, TABLES, 'streaming after --resnapshot');
    } finally {
      await killLive(live);
      await dropStreamTest(job, db, db, true);
    }
  });

  it('the sink refuses a change: paused with the table, statement and position; fixing the sink and running again resumes', { timeout: 6 * 60_000 }, async () => {
    const { db, job, dir, state } = newStreamCase(dirs, 'sf-refused');
    const jobPath = writeJob(dir, quickJob(job, db));
    const d = q(db);
    const run = (): Promise<CliResult> => runCliWithTimeout(['run', jobPath, '--state', state, '--exit-when-caught-up'], RUN_TIMEOUT_MS);
    try {
      await exec(sourceUrl(), createSql(db));
      const first = await run();
      assert.equal(first.code, 0, describeRun(first));
      await assertSinkEqualsSource(db, db, TABLES, 'after the copy');

      // 1. Duplicate key: a row only the sink has, with the key a later source insert uses.
      await exec(sinkUrl(), `INSERT INTO ${d}.t VALUES (5000, 'sink only', NULL, NULL)`);
      await exec(sourceUrl(), `INSERT INTO ${d}.t VALUES (4999, 'before', 1, NULL)`);
      await exec(sourceUrl(), `INSERT INTO ${d}.t VALUES (5000, 'from the source', 2, NULL)`);
      const at = await sourcePosition(); // the end of the refused transaction
      await exec(sourceUrl(), `INSERT INTO ${d}.t VALUES (5001, 'after', 3, NULL)`);

      const dup = await run();
      assert.notEqual(dup.code, 0, describeRun(dup));
      assert.notEqual(dup.code, null, describeRun(dup));
      assert.match(dup.stderr, new RegExp(`${db}\\.t\\b`), `names the table\n${describeRun(dup)}`);
      assert.match(dup.stderr, /statement: INSERT INTO [^\n]*5000/, `shows the INSERT\n${describeRun(dup)}`);
      assert.match(dup.stderr, /duplicate entry/i, describeRun(dup));
      assert.ok(dup.stderr.includes(fmt(at)), `names the source position ${fmt(at)}\n${describeRun(dup)}`);
      assert.doesNotMatch(dup.stderr, STACK_TRACE);
      let s = await statusJson(state);
      assert.equal(s.state, 'paused', JSON.stringify(s));
      assert.match(s.error ?? '', new RegExp(`${db}\\.t\\b[\\s\\S]*statement: INSERT INTO`), `status --json shows the error: ${JSON.stringify(s)}`);
      const [later] = await query<{ n: number }>(sinkUrl(), `SELECT COUNT(*) AS n FROM ${d}.t WHERE id = 5001`);
      assert.equal(Number(later!.n), 0, 'the transaction after the refused one is not applied');
      const cpPaused = await sinkCheckpoint(job);
      assert.ok(cpPaused && comparePositions(cpPaused, at) < 0, `the sink checkpoint ${fmt(cpPaused)} stays before the refused transaction's end ${fmt(at)}`);
      const [sinkRow] = await query<{ v: string }>(sinkUrl(), `SELECT v FROM ${d}.t WHERE id = 5000`);
      assert.equal(sinkRow?.v, 'sink only', 'nothing of the refused transaction was applied');

      // A retry without fixing the sink pauses again at the same transaction.
      const still = await run();
      assert.notEqual(still.code, 0, describeRun(still));
      assert.ok(still.stderr.includes(fmt(at)), describeRun(still));

      await exec(sinkUrl(), `DELETE FROM ${d}.t WHERE id = 5000`);
      const fixed = await run();
      assert.equal(fixed.code, 0, describeRun(fixed));
      await assertSinkEqualsSource(db, db, TABLES, 'after fixing the duplicate');
      s = await statusJson(state);
      assert.notEqual(s.state, 'paused', JSON.stringify(s));

      // 2. A row missing on the sink, then updated on the source.
      const [saved] = await query<{ r: string }>(sinkUrl(), `SELECT CONCAT_WS('|', id, v, n, at) AS r FROM ${d}.t WHERE id = 42`);
      assert.equal(saved?.r, '42|v42|126|2024-01-01 00:00:42.000000', 'row 42 on the sink before the test deletes it');
      await exec(sinkUrl(), `DELETE FROM ${d}.t WHERE id = 42`);
      await exec(sourceUrl(), `UPDATE ${d}.t SET v = 'updated on the source' WHERE id = 42`);
      const missing = await run();
      assert.notEqual(missing.code, 0, describeRun(missing));
      assert.match(missing.stderr, new RegExp(`update on ${db}\\.t\\b`), describeRun(missing));
      assert.match(missing.stderr, /missing on the sink/, describeRun(missing));
      assert.match(missing.stderr, /statement: UPDATE /, describeRun(missing));
      s = await statusJson(state);
      assert.equal(s.state, 'paused', JSON.stringify(s));
      assert.match(s.error ?? '', /missing on the sink/, JSON.stringify(s));

      // Put the row back as it was before the update; the retried transaction then applies.
      await exec(sinkUrl(), `INSERT INTO ${d}.t VALUES (42, 'v42', 126, '2024-01-01 00:00:42')`);
      const resumed = await run();
      assert.equal(resumed.code, 0, describeRun(resumed));
      await assertSinkEqualsSource(db, db, TABLES, 'after restoring the missing row');
    } finally {
      await dropStreamTest(job, db, db, true);
    }
  });
});
