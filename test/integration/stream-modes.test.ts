// Streaming modes and what an operator sees: "mode": "stream" from "current", from a file position and
// from a GTID (each with --exit-when-caught-up); `cutover status` while a stream runs and after it
// stopped (phase, applied and source positions, lag, bytes behind, per-table change counts); the
// catch-up target of a later snapshot+stream run; and job-file validation of stream start positions.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import Database from 'better-sqlite3';
import {
  checksum,
  describeRun,
  dumpDiff,
  exec,
  q,
  query,
  rowDump,
  runCli,
  runCliWithTimeout,
  sinkUrl,
  sourceUrl,
  startCli,
  tempDir,
  uniqueName,
  writeJob,
  type CliResult,
} from '../helpers/db.js';

const RUN_TIMEOUT_MS = 180_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const STACK = /^\s+at /m;

interface Pos {
  file: string;
  pos: number;
}
const seqOf = (file: string): number => Number(file.slice(file.lastIndexOf('.') + 1));
const cmpPos = (a: Pos, b: Pos): number => seqOf(a.file) - seqOf(b.file) || a.pos - b.pos;
const fmt = (p: Pos | null | undefined): string => (p ? `${p.file}:${p.pos}` : '(none)');

async function masterPos(): Promise<Pos> {
  const [r] = await query<{ File: string; Position: string | number }>(sourceUrl(), 'SHOW MASTER STATUS');
  assert.ok(r, 'the source has no binary log (SHOW MASTER STATUS is empty)');
  return { file: String(r.File), pos: Number(r.Position) };
}

async function checkpointOf(job: string): Promise<Pos | null> {
  try {
    const rows = await query<{ file: string; pos: string }>(sinkUrl(), 'SELECT file, CAST(pos AS CHAR) AS pos FROM _cutover.cutover_checkpoint WHERE job = ?', [job]);
    return rows[0] ? { file: rows[0].file, pos: Number(rows[0].pos) } : null;
  } catch (e) {
    if ([1049, 1146].includes(Number((e as { errno?: number }).errno))) return null;
    throw e;
  }
}

interface Live {
  child: ChildProcess;
  done: Promise<CliResult>;
  out: () => string;
  exited: () => boolean;
}

function startLive(args: string[]): Live {
  const { child, done } = startCli(args);
  let out = '';
  let exited = false;
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  void done.then(() => (exited = true));
  return { child, done, out: () => out, exited: () => exited };
}

async function waitFor(what: () => string, live: Live | null, pred: () => Promise<boolean> | boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await pred()) return;
    if (live?.exited()) assert.fail(`while waiting for ${what()}: the CLI exited\n${describeRun(await live.done)}`);
    if (Date.now() > end) assert.fail(`timed out waiting for ${what()}${live ? `\n--- CLI output so far ---\n${live.out().slice(-6000)}` : ''}`);
    await sleep(200);
  }
}

function peek(stateFile: string): { phase: string; state: string } | null {
  if (!existsSync(stateFile)) return null;
  let db: Database.Database | null = null;
  try {
    db = new Database(stateFile, { readonly: true, fileMustExist: true });
    return (db.prepare('SELECT phase, state FROM jobs LIMIT 1').get() as { phase: string; state: string } | undefined) ?? null;
  } catch {
    return null;
  } finally {
    db?.close();
  }
}

interface StreamPos {
  file: string;
  pos: number;
  gtid?: string | null;
}
interface StatusJob {
  name: string;
  state: string;
  phase: string;
  error: string | null;
  stream?: {
    applied: StreamPos | null;
    source: StreamPos | null;
    target: StreamPos | null;
    caughtUp: boolean;
    lagSeconds: number | null;
    behindBytes: number | null;
    behindTxs: number | null;
  } | null;
  tables: { source: string; state: string; inserts?: number; updates?: number; deletes?: number }[];
}

async function statusJson(stateFile: string): Promise<StatusJob> {
  const r = await runCli(['status', '--state', stateFile, '--json']);
  assert.equal(r.code, 0, describeRun(r));
  const s = JSON.parse(r.stdout) as { jobs: StatusJob[] };
  assert.equal(s.jobs.length, 1, r.stdout);
  return s.jobs[0]!;
}

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

function job(name: string, db: string, mode: string, stream?: Record<string, unknown>): Record<string, unknown> {
  return {
    name,
    source: { url: sourceUrl() },
    sink: { type: 'mysql', url: sinkUrl() },
    tables: { include: [`${db}.*`] },
    mode,
    snapshot: { chunkRows: 100, parallelism: 2 },
    stream: { batch: { maxDelayMs: 100 }, ...stream },
  };
}

async function dropEverything(db: string, jobName: string): Promise<void> {
  await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(db)}`).catch(() => undefined);
  await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${q(db)}`).catch(() => undefined);
  await exec(sinkUrl(), `DELETE FROM _cutover.cutover_checkpoint WHERE job = '${jobName}'`).catch(() => undefined);
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
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const newDir = (): string => {
    const d = tempDir('cutover-stream-modes-');
    dirs.push(d);
    return d;
  };
  const run = (args: string[]): Promise<CliResult> => runCliWithTimeout(args, RUN_TIMEOUT_MS);

  it('mode "stream", start "current": sink tables created empty, only later changes arrive', { timeout: 5 * 60_000 }, async () => {
    const db = uniqueName('sm_current');
    const name = uniqueName('sm-current');
    const dir = newDir();
    const d = q(db);
    try {
      await exec(sourceUrl(), `CREATE DATABASE ${d}; USE ${d}; ${TABLE_DDL(d)}
        INSERT INTO ${d}.t SELECT seq, CONCAT('old', seq), seq, NULL FROM seq_1_to_50;
        INSERT INTO ${d}.c VALUES ('old', 1, 'x');`);
      const jobPath = writeJob(dir, job(name, db, 'stream', { start: 'current' }));
      const args = ['run', jobPath, '--state', join(dir, 'state.db'), '--exit-when-caught-up'];
      const first = await run(args);
      assert.equal(first.code, 0, describeRun(first));
      for (const t of ['t', 'c']) {
        const cols = await query<{ c: string }>(sinkUrl(), 'SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION', [db, t]);
        assert.ok(cols.length > 0, `the sink table ${db}.${t} was created`);
        assert.equal(await count(sinkUrl(), db, t), 0, `${db}.${t} is created empty: the rows that existed before the stream started are not copied`);
      }
      const cp = await checkpointOf(name);
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
      await dropEverything(db, name);
    }
  });

  for (const kind of ['file', 'gtid'] as const) {
    it(`mode "stream", start ${kind === 'file' ? '{file, pos} from SHOW MASTER STATUS' : '{gtid} from @@gtid_binlog_pos'}: the writes after it arrive, earlier ones do not`, { timeout: 5 * 60_000 }, async () => {
      const db = uniqueName(`sm_${kind}`);
      const name = uniqueName(`sm-${kind}`);
      const dir = newDir();
      const d = q(db);
      try {
        await exec(sourceUrl(), `CREATE DATABASE ${d}; USE ${d}; ${TABLE_DDL(d)}
          INSERT INTO ${d}.t VALUES (1, 'before the start position', 1, NULL);`);
        let start: Record<string, unknown>;
        if (kind === 'file') {
          const p = await masterPos();
          start = { file: p.file, pos: p.pos };
        } else {
          const [g] = await query<{ g: string }>(sourceUrl(), 'SELECT @@gtid_binlog_pos AS g');
          assert.match(String(g?.g), /^\d+-\d+-\d+/, 'the source has a GTID position');
          start = { gtid: String(g!.g) };
        }
        await writesFrom(db, 100);
        await writesFrom(db, 200);
        const jobPath = writeJob(dir, job(name, db, 'stream', { start }));
        const args = ['run', jobPath, '--state', join(dir, 'state.db'), '--exit-when-caught-up'];
        const first = await run(args);
        assert.equal(first.code, 0, describeRun(first));
        await assertSinkHas(db, 't', `from ${JSON.stringify(start)}`, 'id >= 100');
        await assertSinkHas(db, 'c', `from ${JSON.stringify(start)}`);
        assert.equal(await count(sinkUrl(), db, 't', 'id = 1'), 0, 'the row written before the start position is not on the sink');
        const target = await masterPos();
        const cp = await checkpointOf(name);
        assert.ok(cp && cmpPos(cp, target) >= 0, `the checkpoint ${fmt(cp)} reached the source position ${fmt(target)}`);

        // Later runs continue from the sink checkpoint, not from the configured start again.
        await writesFrom(db, 300);
        const second = await run(args);
        assert.equal(second.code, 0, describeRun(second));
        await assertSinkHas(db, 't', 'second run', 'id >= 100');
        await assertSinkHas(db, 'c', 'second run');
      } finally {
        await dropEverything(db, name);
      }
    });
  }

  it('cutover status while streaming and after: phase, applied and source positions, lag, bytes behind, change counts', { timeout: 5 * 60_000 }, async () => {
    const db = uniqueName('sm_status');
    const name = uniqueName('sm-status');
    const dir = newDir();
    const state = join(dir, 'state.db');
    const d = q(db);
    let live: Live | null = null;
    try {
      await exec(sourceUrl(), `CREATE DATABASE ${d}; USE ${d}; ${TABLE_DDL(d)}
        INSERT INTO ${d}.t SELECT seq, CONCAT('v', seq), seq, NULL FROM seq_1_to_100;`);
      live = startLive(['run', writeJob(dir, job(name, db, 'snapshot+stream')), '--state', state]);
      const l = live;
      await waitFor(() => 'the streaming phase', l, () => peek(state)?.phase === 'streaming', 120_000);

      // 50 inserts, 20 updates, 10 deletes, each row changed exactly once
      await exec(
        sourceUrl(),
        `USE ${d};
         INSERT INTO ${d}.t SELECT 1000 + seq, 'new', seq, NOW(6) FROM seq_1_to_50;
         UPDATE ${d}.t SET v = CONCAT(v, '!') WHERE id BETWEEN 1 AND 20;
         DELETE FROM ${d}.t WHERE id BETWEEN 21 AND 30;`,
      );
      const target = await masterPos();
      let cp: Pos | null = null;
      await waitFor(() => `the checkpoint to reach ${fmt(target)} (at ${fmt(cp)})`, l, async () => {
        cp = await checkpointOf(name);
        return cp !== null && cmpPos(cp, target) >= 0;
      });
      await assertSinkHas(db, 't', 'while streaming');

      // The state file is sampled every second: wait until it shows the applied position.
      let s: StatusJob | null = null;
      await waitFor(() => `cutover status to show applied ${fmt(cp)}; last: ${JSON.stringify(s?.stream)}`, l, async () => {
        s = await statusJson(state);
        const a = s.stream?.applied;
        return !!a && cmpPos(a, cp!) >= 0 && !!s.stream?.source;
      }, 30_000);
      const live1 = s! as StatusJob;
      assert.equal(live1.state, 'running', JSON.stringify(live1));
      assert.ok(['streaming', 'catching-up'].includes(live1.phase), `phase while streaming: ${live1.phase}`);
      const st = live1.stream!;
      assert.deepEqual({ file: st.applied!.file, pos: st.applied!.pos }, cp!, 'stream.applied is the sink checkpoint');
      assert.deepEqual({ file: st.source!.file, pos: st.source!.pos }, target, 'stream.source is the source position (SHOW MASTER STATUS)');
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

      l.child.kill('SIGTERM');
      const r = await l.done;
      assert.equal(r.code, 130, describeRun(r));

      const stopped = await statusJson(state);
      assert.equal(stopped.state, 'stopped', JSON.stringify(stopped));
      assert.equal(stopped.phase, 'streaming', JSON.stringify(stopped));
      assert.ok(stopped.stream, `status after the stop still has the stream section: ${JSON.stringify(stopped)}`);
      assert.deepEqual({ file: stopped.stream.applied!.file, pos: stopped.stream.applied!.pos }, cp!, 'after the stop: stream.applied is the sink checkpoint');
      for (const k of ['lagSeconds', 'behindBytes', 'source'] as const) assert.ok(k in stopped.stream, `after the stop: stream.${k} is present`);
    } finally {
      if (live && !live.exited()) {
        live.child.kill('SIGKILL');
        await live.done;
      }
      await dropEverything(db, name);
    }
  });

  it('snapshot+stream, a later run: catches up to the source position when the run began, phase stays "streaming"', { timeout: 5 * 60_000 }, async () => {
    const db = uniqueName('sm_later');
    const name = uniqueName('sm-later');
    const dir = newDir();
    const state = join(dir, 'state.db');
    const d = q(db);
    try {
      await exec(sourceUrl(), `CREATE DATABASE ${d}; USE ${d}; ${TABLE_DDL(d)}
        INSERT INTO ${d}.t SELECT seq, CONCAT('v', seq), seq, NULL FROM seq_1_to_100;`);
      const args = ['run', writeJob(dir, job(name, db, 'snapshot+stream')), '--state', state, '--exit-when-caught-up'];
      const first = await run(args);
      assert.equal(first.code, 0, describeRun(first));
      const afterFirst = await statusJson(state);
      assert.equal(afterFirst.phase, 'streaming', JSON.stringify(afterFirst));

      await writesFrom(db, 1000);
      const begin = await masterPos();
      const second = await run(args);
      assert.equal(second.code, 0, describeRun(second));
      await assertSinkHas(db, 't', 'second run');
      await assertSinkHas(db, 'c', 'second run');
      const s = await statusJson(state);
      const target = s.stream?.target;
      assert.ok(target && cmpPos(target, begin) >= 0, `the catch-up target of a later run (${fmt(target)}) is the source position when it began (${fmt(begin)}), not the copy's end`);
      const m = /caught up at (\S+):(\d+)/.exec(second.stderr);
      assert.ok(m && cmpPos({ file: m[1]!, pos: Number(m[2]) }, begin) >= 0, `the run logs its catch-up target as at least ${fmt(begin)}\n${describeRun(second)}`);
      assert.equal(s.phase, 'streaming', 'the phase after a later run');
    } finally {
      await dropEverything(db, name);
    }
  });

  describe('job file validation of stream start positions', () => {
    const db = 'sm_valid_never_created';
    const base = (mode: string, start: unknown): Record<string, unknown> => ({ ...job('sm-valid', db, mode), stream: { start } });
    const cases: { label: string; job: Record<string, unknown>; path: RegExp }[] = [
      { label: 'mode "stream" with a malformed gtid', job: base('stream', { gtid: 'not-a-gtid' }), path: /\$\.stream\.start\.gtid: must be a MariaDB GTID position/ },
      { label: 'mode "stream" with a gtid missing its sequence', job: base('stream', { gtid: '0-1' }), path: /\$\.stream\.start\.gtid: / },
      { label: 'mode "snapshot" with a file start', job: base('snapshot', { file: 'mysql-bin.000001', pos: 4 }), path: /\$\.stream\.start: only "mode": "stream" takes a start position/ },
      { label: 'mode "snapshot+stream" with a gtid start', job: base('snapshot+stream', { gtid: '0-1-1' }), path: /\$\.stream\.start: / },
    ];
    for (const c of cases) {
      it(`${c.label}: a non-zero exit naming the JSON path, no stack trace`, async () => {
        const dir = newDir();
        const r = await runCli(['run', writeJob(dir, c.job), '--state', join(dir, 'state.db')]);
        assert.ok(r.code !== null && r.code !== 0, `must fail: ${describeRun(r)}`);
        assert.ok(r.code === 1 || r.code === 2, `exit code 1 or 2 for an invalid job file: ${describeRun(r)}`);
        assert.match(r.stderr, /is not valid/, describeRun(r));
        assert.match(r.stderr, c.path, describeRun(r));
        assert.doesNotMatch(r.stderr, STACK);
        const jobs = await query<{ n: number }>(sinkUrl(), "SELECT COUNT(*) AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'sm_valid_never_created'");
        assert.equal(Number(jobs[0]!.n), 0, 'nothing was created on the sink');
      });
    }
  });
});
