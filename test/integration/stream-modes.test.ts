// Streaming modes and what an operator sees: "mode": "stream" from "current", from a file position and
// from a GTID (each with --exit-when-caught-up); `cutover status` while a stream runs and after it
// stopped (phase, applied and source positions, lag, bytes behind, per-table change counts); the
// catch-up target of a later snapshot+stream run; and job-file validation of stream start positions.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { checksum, describeRun, dumpDiff, exec, q, query, rowDump, runCli, runCliWithTimeout, sinkUrl, sourceUrl, writeJob, type CliResult } from '../helpers/db.js';
import { TempDirs, asFilePosition, dropStreamTest, fmt, newStreamCase, quickJob, reached, sinkCheckpoint, sourcePosition } from '../helpers/stream.js';
import {
  STACK_TRACE,
  killLive,
  startStreaming,
  statusJson,
  stopWithSigterm,
  waitForCheckpoint,
  waitUntil,
  type LiveCli,
  type StatusJob,
} from '../helpers/stream-cli.js';

const RUN_TIMEOUT_MS = 180_000;

async function count(url: string, db: string, table: string, where = '1'): Promise<number> {
  const [r] = await query<{ n: number | string }>(url, `SELECT COUNT(*) AS n FROM ${q(db)}.${q(table)} WHERE ${where}`);
  return Number(r!.n);
}

/** The sink table equals the source table's rows matching `where` (all rows by default). */
async function assertSinkHas(db: string, table: string, label: string, where?: string): Promise<void> {
  const src = await rowDump(sourceUrl(), db, table, undefined, where);
  const sink = await rowDump(sinkUrl(), db, table);
  const diff = dumpDiff(src, sink);
  assert.equal(diff, null, `${label}: ${db}.${table} differs: ${diff}`);
  if (!where) assert.equal(await checksum(sinkUrl(), db, table), await checksum(sourceUrl(), db, table), `${label}: CHECKSUM TABLE ${db}.${table}`);
}

const TABLE_DDL = (d: string): string =>
  `CREATE TABLE ${d}.t (id INT NOT NULL PRIMARY KEY, v VARCHAR(40) NOT NULL, amount DECIMAL(10,2), at DATETIME(6)) ENGINE=InnoDB;
   CREATE TABLE ${d}.c (k VARCHAR(10) NOT NULL, n INT NOT NULL, note TEXT, PRIMARY KEY (k, n)) ENGINE=InnoDB;`;

/** Inserts, updates and deletes of rows with id >= `from` only (several transactions). */
async function writesFrom(db: string, from: number): Promise<void> {
  const d = q(db);
  await exec(
    sourceUrl(),
    `USE ${d};
     INSERT INTO ${d}.t SELECT ${from} + seq, CONCAT('w', seq), seq / 3, '2025-01-01' + INTERVAL seq MINUTE FROM seq_0_to_29;
     UPDATE ${d}.t SET v = CONCAT(v, '+'), amount = amount * 2 WHERE id BETWEEN ${from} AND ${from + 9};
     DELETE FROM ${d}.t WHERE id BETWEEN ${from + 20} AND ${from + 24};
     BEGIN; INSERT INTO ${d}.c VALUES ('w${from}', 1, 'one'), ('w${from}', 2, NULL); UPDATE ${d}.t SET id = id + 100000 WHERE id = ${from + 29}; COMMIT;
     UPDATE ${d}.c SET note = 'two' WHERE k = 'w${from}' AND n = 2;`,
  );
}

describe('streaming modes and status', { timeout: 15 * 60_000 }, () => {
  const dirs = new TempDirs('cutover-stream-modes-');
  after(() => dirs.removeAll());
  const run = (args: string[]): Promise<CliResult> => runCliWithTimeout(args, RUN_TIMEOUT_MS);

  it('mode "stream", start "current": sink tables created empty, only later changes arrive', { timeout: 5 * 60_000 }, async () => {
    const { db, job: name, dir, state } = newStreamCase(dirs, 'sm-current');
    const d = q(db);
    try {
      await exec(sourceUrl(), `CREATE DATABASE ${d}; USE ${d}; ${TABLE_DDL(d)}
        INSERT INTO ${d}.t SELECT seq, CONCAT('old', seq), seq, NULL FROM seq_1_to_50;
        INSERT INTO ${d}.c VALUES ('old', 1, 'x');`);
      const jobPath = writeJob(dir, quickJob(name, db, 'stream', { start: 'current' }));
      const args = ['run', jobPath, '--state', state, '--exit-when-caught-up'];
      const first = await run(args);
      assert.equal(first.code, 0, describeRun(first));
      for (const t of ['t', 'c']) {
        const cols = await query<{ c: string }>(sinkUrl(), 'SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION', [db, t]);
        assert.ok(cols.length > 0, `the sink table ${db}.${t} was created`);
        assert.equal(await count(sinkUrl(), db, t), 0, `${db}.${t} is created empty: the rows that existed before the stream started are not copied`);
      }
      const cp = await sinkCheckpoint(name);
      assert.ok(cp, 'the first run recorded its start position on the sink');

      await writesFrom(db, 1000);
      const second = await run(args);
      assert.equal(second.code, 0, describeRun(second));
      await assertSinkHas(db, 't', 'later changes', 'id >= 1000');
      await assertSinkHas(db, 'c', 'later changes', "k <> 'old'");
      assert.equal(await count(sinkUrl(), db, 't', 'id < 1000'), 0, 'no row from before the start');

      // "current" was decided by the first run: a third run with more writes continues from the checkpoint.
      await writesFrom(db, 2000);
      const third = await run(args);
      assert.equal(third.code, 0, describeRun(third));
      await assertSinkHas(db, 't', 'third run', 'id >= 1000');
      await assertSinkHas(db, 'c', 'third run', "k <> 'old'");
    } finally {
      await dropStreamTest(name, db, db, true);
    }
  });

  for (const kind of ['file', 'gtid'] as const) {
    it(`mode "stream", start ${kind === 'file' ? '{file, pos} from SHOW MASTER STATUS' : '{gtid} from @@gtid_binlog_pos'}: the writes after it arrive, earlier ones do not`, { timeout: 5 * 60_000 }, async () => {
      const { db, job: name, dir, state } = newStreamCase(dirs, `sm-${kind}`);
      const d = q(db);
      try {
        await exec(sourceUrl(), `CREATE DATABASE ${d}; USE ${d}; ${TABLE_DDL(d)}
          INSERT INTO ${d}.t VALUES (1, 'before the start position', 1, NULL);`);
        let start: Record<string, unknown>;
        if (kind === 'file') {
          const p = await sourcePosition();
          start = { file: p.file, pos: p.pos };
        } else {
          const [g] = await query<{ g: string }>(sourceUrl(), 'SELECT @@gtid_binlog_pos AS g');
          assert.match(String(g?.g), /^\d+-\d+-\d+/, 'the source has a GTID position');
          start = { gtid: String(g!.g) };
        }
        await writesFrom(db, 100);
        await writesFrom(db, 200);
        const jobPath = writeJob(dir, quickJob(name, db, 'stream', { start }));
        const args = ['run', jobPath, '--state', state, '--exit-when-caught-up'];
        const first = await run(args);
        assert.equal(first.code, 0, describeRun(first));
        await assertSinkHas(db, 't', `from ${JSON.stringify(start)}`, 'id >= 100');
        await assertSinkHas(db, 'c', `from ${JSON.stringify(start)}`);
        assert.equal(await count(sinkUrl(), db, 't', 'id = 1'), 0, 'the row written before the start position is not on the sink');
        const target = await sourcePosition();
        const cp = await sinkCheckpoint(name);
        assert.ok(reached(cp, target), `the checkpoint ${fmt(cp)} reached the source position ${fmt(target)}`);

        // Later runs continue from the sink checkpoint, not from the configured start again.
        await writesFrom(db, 300);
        const second = await run(args);
        assert.equal(second.code, 0, describeRun(second));
        await assertSinkHas(db, 't', 'second run', 'id >= 100');
        await assertSinkHas(db, 'c', 'second run');
      } finally {
        await dropStreamTest(name, db, db, true);
      }
    });
  }

  it('cutover status while streaming and after: phase, applied and source positions, lag, bytes behind, change counts', { timeout: 5 * 60_000 }, async () => {
    const { db, job: name, dir, state } = newStreamCase(dirs, 'sm-status');
    const d = q(db);
    let live: LiveCli | null = null;
    try {
      await exec(sourceUrl(), `CREATE DATABASE ${d}; USE ${d}; ${TABLE_DDL(d)}
        INSERT INTO ${d}.t SELECT seq, CONCAT('v', seq), seq, NULL FROM seq_1_to_100;`);
      live = await startStreaming(writeJob(dir, quickJob(name, db)), state);
      const l = live;

      // 50 inserts, 20 updates, 10 deletes, each row changed exactly once
      await exec(
        sourceUrl(),
        `USE ${d};
         INSERT INTO ${d}.t SELECT 1000 + seq, 'new', seq, NOW(6) FROM seq_1_to_50;
         UPDATE ${d}.t SET v = CONCAT(v, '!') WHERE id BETWEEN 1 AND 20;
         DELETE FROM ${d}.t WHERE id BETWEEN 21 AND 30;`,
      );
      const target = await sourcePosition();
      const cp = await waitForCheckpoint(name, target, 'the source position after the writes', { live: l });
      await assertSinkHas(db, 't', 'while streaming');

      // The state file is sampled every second: wait until it shows the applied position.
      let s: StatusJob | null = null;
      await waitUntil(`cutover status to show applied ${fmt(cp)}`, async () => {
        s = await statusJson(state);
        return reached(s.stream?.applied, cp) && !!s.stream?.source;
      }, { live: l, ms: 30_000, detail: () => `last: ${JSON.stringify(s?.stream)}` });
      const live1 = s! as StatusJob;
      assert.equal(live1.state, 'running', JSON.stringify(live1));
      assert.ok(['streaming', 'catching-up'].includes(live1.phase), `phase while streaming: ${live1.phase}`);
      const st = live1.stream!;
      assert.deepEqual(asFilePosition(st.applied!), cp, 'stream.applied is the sink checkpoint');
      assert.deepEqual(asFilePosition(st.source!), target, 'stream.source is the source position (SHOW MASTER STATUS)');
      assert.equal(typeof st.lagSeconds, 'number', `stream.lagSeconds: ${JSON.stringify(st)}`);
      assert.equal(st.lagSeconds, 0, 'caught up: no lag');
      assert.equal(st.behindBytes, 0, `caught up: 0 bytes behind: ${JSON.stringify(st)}`);
      assert.ok('behindTxs' in st, 'stream.behindTxs is present');
      const t = live1.tables.find((x) => x.source === `${db}.t`);
      assert.ok(t, JSON.stringify(live1.tables));
      assert.deepEqual({ inserts: t.inserts, updates: t.updates, deletes: t.deletes }, { inserts: 50, updates: 20, deletes: 10 }, 'per-table change counts');

      const text = await runCli(['status', '--state', state]);
      assert.equal(text.code, 0, describeRun(text));
      assert.match(text.stdout, /phase streaming|phase catching/, text.stdout);
      assert.ok(text.stdout.includes(`applied ${fmt(cp)}`), `the text status shows the applied position ${fmt(cp)}:\n${text.stdout}`);
      assert.ok(text.stdout.includes(fmt(target)), `the text status shows the source position ${fmt(target)}:\n${text.stdout}`);
      assert.match(text.stdout, /lag: 0(\.0)? s\b/, text.stdout);
      assert.match(text.stdout, /\b0 bytes behind/, text.stdout);

      await stopWithSigterm(l);

      const stopped = await statusJson(state);
      assert.equal(stopped.state, 'stopped', JSON.stringify(stopped));
      assert.equal(stopped.phase, 'streaming', JSON.stringify(stopped));
      assert.ok(stopped.stream, `status after the stop still has the stream section: ${JSON.stringify(stopped)}`);
      assert.deepEqual(asFilePosition(stopped.stream.applied!), cp, 'after the stop: stream.applied is the sink checkpoint');
      for (const k of ['lagSeconds', 'behindBytes', 'source'] as const) assert.ok(k in stopped.stream, `after the stop: stream.${k} is present`);
    } finally {
      await killLive(live);
      await dropStreamTest(name, db, db, true);
    }
  });

  it('the optional source heartbeat: written on the source every interval, measured as end-to-end lag, never applied to the sink', { timeout: 5 * 60_000 }, async () => {
    const { db, job: name, dir, state } = newStreamCase(dirs, 'sm-heartbeat');
    const d = q(db);
    let live: LiveCli | null = null;
    try {
      await exec(sourceUrl(), `CREATE DATABASE ${d}; USE ${d}; ${TABLE_DDL(d)}`);
      live = await startStreaming(writeJob(dir, quickJob(name, db, 'snapshot+stream', { heartbeat: { enabled: true, intervalMs: 200 } })), state);
      const l = live;
      // The source is otherwise idle: only the heartbeat moves its binlog.
      let s: StatusJob | null = null;
      await waitUntil('cutover status to show a heartbeat lag', async () => {
        s = await statusJson(state);
        return typeof s.stream?.heartbeatLagMs === 'number';
      }, { live: l, ms: 30_000, detail: () => `last: ${JSON.stringify(s?.stream)}` });
      const lag = (s! as StatusJob).stream!.heartbeatLagMs!;
      assert.ok(lag >= 0 && lag < 60_000, `heartbeat lag ${lag} ms`);
      const [beat] = await query<{ n: number }>(sourceUrl(), 'SELECT COUNT(*) AS n FROM _cutover.heartbeat WHERE job = ?', [name]);
      assert.equal(Number(beat?.n), 1, 'one heartbeat row per job on the source');
      // The lane's sink may hold a heartbeat table of its own (a reverse job streams from it in the cutover
      // tests): what matters is that none of this job's heartbeat rows reached it.
      const onSink = await query(sinkUrl(), "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = '_cutover' AND TABLE_NAME = 'heartbeat'");
      const applied = onSink.length ? await query<{ n: number }>(sinkUrl(), 'SELECT COUNT(*) AS n FROM _cutover.heartbeat WHERE job = ?', [name]) : [{ n: 0 }];
      assert.equal(Number(applied[0]?.n), 0, 'the heartbeat is measured, not applied to the sink');
      await stopWithSigterm(l);
    } finally {
      await killLive(live);
      await query(sourceUrl(), 'DELETE FROM _cutover.heartbeat WHERE job = ?', [name]).catch(() => undefined);
      await dropStreamTest(name, db, db, true);
    }
  });

  it('snapshot+stream, a later run: catches up to the source position when the run began, phase stays "streaming"', { timeout: 5 * 60_000 }, async () => {
    const { db, job: name, dir, state } = newStreamCase(dirs, 'sm-later');
    const d = q(db);
    try {
      await exec(sourceUrl(), `CREATE DATABASE ${d}; USE ${d}; ${TABLE_DDL(d)}
        INSERT INTO ${d}.t SELECT seq, CONCAT('v', seq), seq, NULL FROM seq_1_to_100;`);
      const args = ['run', writeJob(dir, quickJob(name, db)), '--state', state, '--exit-when-caught-up'];
      const first = await run(args);
      assert.equal(first.code, 0, describeRun(first));
      const afterFirst = await statusJson(state);
      assert.equal(afterFirst.phase, 'streaming', JSON.stringify(afterFirst));

      await writesFrom(db, 1000);
      const begin = await sourcePosition();
      const second = await run(args);
      assert.equal(second.code, 0, describeRun(second));
      await assertSinkHas(db, 't', 'second run');
      await assertSinkHas(db, 'c', 'second run');
      const s = await statusJson(state);
      const target = s.stream?.target;
      assert.ok(reached(target, begin), `the catch-up target of a later run (${fmt(target)}) is the source position when it began (${fmt(begin)}), not the copy's end`);
      const m = /caught up at (\S+):(\d+)/.exec(second.stderr);
      assert.ok(m && reached({ file: m[1]!, pos: Number(m[2]) }, begin), `the run logs its catch-up target as at least ${fmt(begin)}\n${describeRun(second)}`);
      assert.equal(s.phase, 'streaming', 'the phase after a later run');
    } finally {
      await dropStreamTest(name, db, db, true);
    }
  });

  describe('job file validation of stream start positions', () => {
    const db = 'sm_valid_never_created';
    const base = (mode: string, start: unknown): Record<string, unknown> => ({ ...quickJob('sm-valid', db, mode), stream: { start } });
    const cases: { label: string; job: Record<string, unknown>; path: RegExp }[] = [
      { label: 'mode "stream" with a malformed gtid', job: base('stream', { gtid: 'not-a-gtid' }), path: /\$\.stream\.start\.gtid: must be a MariaDB GTID position/ },
      { label: 'mode "stream" with a gtid missing its sequence', job: base('stream', { gtid: '0-1' }), path: /\$\.stream\.start\.gtid: / },
      { label: 'mode "snapshot" with a file start', job: base('snapshot', { file: 'mysql-bin.000001', pos: 4 }), path: /\$\.stream\.start: only "mode": "stream" takes a start position/ },
      { label: 'mode "snapshot+stream" with a gtid start', job: base('snapshot+stream', { gtid: '0-1-1' }), path: /\$\.stream\.start: / },
    ];
    for (const c of cases) {
      it(`${c.label}: a non-zero exit naming the JSON path, no stack trace`, async () => {
        const dir = dirs.make();
        const r = await runCli(['run', writeJob(dir, c.job), '--state', join(dir, 'state.db')]);
        assert.ok(r.code !== null && r.code !== 0, `must fail: ${describeRun(r)}`);
        assert.ok(r.code === 1 || r.code === 2, `exit code 1 or 2 for an invalid job file: ${describeRun(r)}`);
        assert.match(r.stderr, /is not valid/, describeRun(r));
        assert.match(r.stderr, c.path, describeRun(r));
        assert.doesNotMatch(r.stderr, STACK_TRACE);
        const jobs = await query<{ n: number }>(sinkUrl(), "SELECT COUNT(*) AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'sm_valid_never_created'");
        assert.equal(Number(jobs[0]!.n), 0, 'nothing was created on the sink');
      });
    }
  });
});
