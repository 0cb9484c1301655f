// Resumability: a copy killed with SIGKILL at random moments and resumed (possibly several times) ends
// byte-for-byte equal to the source, finished chunks are never copied again, SIGTERM stops cleanly,
// onExisting behaves as documented, and a finished job is not copied again unless --restart is given.
import type { JobStatus } from '../../engine/pipeline/job-status.js';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  checksum,
  exec,
  query,
  rowDump,
  runCli,
  sinkUrl,
  sourceUrl,
  startCli,
  tempDir,
  uniqueName,
  writeJob,
  q,
  describeRun,
  runCliWithTimeout,
  type CliResult,
} from '../helpers/db.js';

const RUN_TIMEOUT_MS = 120_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const TABLES = ['t_int', 't_comp', 't_big', 't_nokey'] as const;
const KEYED = ['t_int', 't_comp', 't_big'];

/** 3 keyed tables of 60,000 rows (INT, VARCHAR ci + INT, BIGINT UNSIGNED around 2^63) and a keyless one with duplicates. */
function sourceSql(db: string): string {
  const d = q(db);
  return `
    CREATE DATABASE ${d} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
    USE ${d};
    CREATE TABLE ${d}.t_int (id INT NOT NULL PRIMARY KEY, a VARCHAR(40), b BIGINT, c DECIMAL(20,6), d DATETIME(6)) ENGINE=InnoDB;
    INSERT INTO ${d}.t_int SELECT seq, CONCAT('row-', seq, REPEAT('x', seq % 17)), CAST(seq AS SIGNED) * 7919 - 1000000000, seq / 7,
      '2020-01-01' + INTERVAL seq * 37 SECOND + INTERVAL seq MICROSECOND FROM seq_1_to_60000;
    CREATE TABLE ${d}.t_comp (k VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL, n INT NOT NULL, v VARCHAR(40),
      PRIMARY KEY (k, n)) ENGINE=InnoDB;
    INSERT INTO ${d}.t_comp SELECT CONCAT(ELT(seq % 7 + 1, 'abc', 'ABC', 'Abc', 'ébc', 'Ebc', 'ebc ', 'zz'), seq DIV 7000), seq, MD5(seq)
      FROM seq_1_to_60000;
    CREATE TABLE ${d}.t_big (id BIGINT UNSIGNED NOT NULL PRIMARY KEY, v VARCHAR(40)) ENGINE=InnoDB;
    INSERT INTO ${d}.t_big SELECT CAST(9223372036854745807 AS UNSIGNED) + seq, CONCAT('v', seq) FROM seq_1_to_60000;
    CREATE TABLE ${d}.t_nokey (a INT, b VARCHAR(20)) ENGINE=InnoDB;
    INSERT INTO ${d}.t_nokey SELECT seq % 5000, CONCAT('v', seq % 5000) FROM seq_1_to_20000;`;
}

function makeJob(name: string, srcDb: string, sinkDb: string, snapshot: Record<string, unknown> = {}, include?: string[]): unknown {
  return {
    name,
    source: { url: sourceUrl() },
    sink: { type: 'mysql', url: sinkUrl() },
    tables: { include: include ?? [`${srcDb}.*`] },
    rename: { [srcDb]: sinkDb },
    mode: 'snapshot',
    snapshot: { chunkRows: 2000, parallelism: 3, ...snapshot },
  };
}

const runToEnd = (args: string[]): Promise<CliResult> => runCliWithTimeout(args, RUN_TIMEOUT_MS);

interface Peek {
  pid: number | null;
  phase: string;
  state: string;
  chunksDone: number;
}

/** The process `pid` (not an earlier, killed run) has reached the copying phase. */
const copyingIn = (p: Peek | null, pid: number | undefined): boolean => !!p && p.pid === pid && p.phase === 'copying';

/** Reads the state file directly (read-only), for timing only; assertions use `cutover status --json`. */
function peek(stateFile: string): Peek | null {
  if (!existsSync(stateFile)) return null;
  let db: Database.Database | null = null;
  try {
    db = new Database(stateFile, { readonly: true, fileMustExist: true });
    const j = db.prepare('SELECT pid, phase, state FROM jobs LIMIT 1').get() as { pid: number | null; phase: string; state: string } | undefined;
    if (!j) return null;
    const t = db.prepare('SELECT COALESCE(SUM(chunks_done), 0) AS d FROM job_tables').get() as { d: number };
    return { pid: j.pid, phase: j.phase, state: j.state, chunksDone: t.d };
  } catch {
    return null; // being created or migrated
  } finally {
    db?.close();
  }
}

interface ChunkInfo {
  tbl: string;
  seq: number;
  lower_key: string | null;
  upper_key: string | null;
  state: string;
  rows: number;
}

function chunks(stateFile: string): ChunkInfo[] {
  const db = new Database(stateFile, { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare('SELECT t.src_table AS tbl, c.seq, c.lower_key, c.upper_key, c.state, c.rows FROM chunks c JOIN job_tables t ON t.id = c.table_id ORDER BY t.src_table, c.seq')
      .all() as ChunkInfo[];
  } finally {
    db.close();
  }
}

interface StatusJson {
  stateFile: string;
  jobs: JobStatus[];
}

async function status(stateFile: string): Promise<StatusJson> {
  const r = await runCli(['status', '--state', stateFile, '--json']);
  assert.equal(r.code, 0, describeRun(r));
  return JSON.parse(r.stdout) as StatusJson;
}

async function count(url: string, db: string, table: string): Promise<number> {
  const [r] = await query<{ n: number | string }>(url, `SELECT COUNT(*) AS n FROM ${q(db)}.${q(table)}`);
  return Number(r!.n);
}

/** Source checksums and dumps, read once per source database. */
class SourceImage {
  private readonly sums = new Map<string, string>();
  private readonly dumps = new Map<string, string[]>();
  constructor(readonly db: string) {}
  async checksum(t: string): Promise<string> {
    if (!this.sums.has(t)) this.sums.set(t, await checksum(sourceUrl(), this.db, t));
    return this.sums.get(t)!;
  }
  async dump(t: string): Promise<string[]> {
    if (!this.dumps.has(t)) this.dumps.set(t, await rowDump(sourceUrl(), this.db, t));
    return this.dumps.get(t)!;
  }
}

async function assertSinkEqualsSource(src: SourceImage, sinkDb: string, tables: readonly string[]): Promise<void> {
  for (const t of tables) {
    const want = await src.dump(t);
    assert.equal(await count(sinkUrl(), sinkDb, t), want.length, `${sinkDb}.${t}: row count differs from the source`);
    assert.equal(await checksum(sinkUrl(), sinkDb, t), await src.checksum(t), `${sinkDb}.${t}: CHECKSUM TABLE differs from the source`);
    const got = await rowDump(sinkUrl(), sinkDb, t);
    assert.equal(got.length, want.length, `${sinkDb}.${t}: dump length differs`);
    const i = got.findIndex((r, k) => r !== want[k]);
    assert.equal(i, -1, `${sinkDb}.${t}: first differing row #${i}: sink ${got[i]} vs source ${want[i]}`);
  }
}

/** Every table done, chunks done == chunks total, rows copied == source rows, and the chunk ranges tile the key space. */
async function assertStateComplete(stateFile: string, srcDb: string): Promise<void> {
  const s = await status(stateFile);
  assert.equal(s.jobs.length, 1);
  const job = s.jobs[0]!;
  assert.equal(job.state, 'done', JSON.stringify(job));
  assert.equal(job.tables.length, TABLES.length);
  for (const t of job.tables) {
    const table = t.source.split('.')[1]!;
    assert.equal(t.state, 'done', `${t.source}: ${JSON.stringify(t)}`);
    assert.equal(t.chunksDone, t.chunksTotal, `${t.source}: chunks done ${t.chunksDone} of ${t.chunksTotal}`);
    assert.equal(t.rowsCopied, await count(sourceUrl(), srcDb, table), `${t.source}: rowsCopied`);
  }
  const all = chunks(stateFile);
  for (const table of TABLES) {
    const cs = all.filter((c) => c.tbl === table);
    assert.ok(cs.length > 0, `${table}: no chunks recorded`);
    assert.deepEqual(cs.map((c) => c.seq), cs.map((_, i) => i), `${table}: chunk sequence has gaps`);
    assert.ok(cs.every((c) => c.state === 'done'), `${table}: a chunk is not done`);
    if (!KEYED.includes(table)) {
      assert.equal(cs.length, 1, `${table}: a keyless table is one chunk`);
      continue;
    }
    assert.equal(cs[0]!.lower_key, null, `${table}: first chunk must start at the beginning`);
    assert.equal(cs.at(-1)!.upper_key, null, `${table}: last chunk must run to the end`);
    for (let i = 1; i < cs.length; i++) assert.equal(cs[i]!.lower_key, cs[i - 1]!.upper_key, `${table}: chunk ${i} does not start where ${i - 1} ended`);
    assert.equal(cs.reduce((n, c) => n + c.rows, 0), await count(sourceUrl(), srcDb, table), `${table}: chunk rows`);
  }
}

/**
 * Starts a run and SIGKILLs it once the state file shows `killAtChunks` chunks done in the copying
 * phase (progress, not time, so a busy machine does not move the kill point past the end of the copy);
 * `killed` says whether it was still running.
 */
async function runAndKill(args: string[], stateFile: string, killAtChunks: number): Promise<{ r: CliResult; killed: boolean }> {
  const { child, done } = startCli(args);
  const guard = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
  let exited = false;
  void done.then(() => (exited = true));
  try {
    for (;;) {
      if (exited) break;
      const p = peek(stateFile);
      if (copyingIn(p, child.pid) && p!.chunksDone >= killAtChunks) {
        child.kill('SIGKILL');
        break;
      }
      await sleep(5);
    }
    const r = await done;
    return { r, killed: r.signal === 'SIGKILL' };
  } finally {
    clearTimeout(guard);
  }
}

describe('resume: crash, stop and re-run', { timeout: 10 * 60_000 }, () => {
  const base = uniqueName('rs');
  const srcDb = `${base}_src`;
  const sinkDbs: string[] = [];
  const dir = tempDir('cutover-resume-');
  let src: SourceImage;

  before(async () => {
    await exec(sourceUrl(), sourceSql(srcDb));
    // Statistics so estimates are sane, then warm the source image used by every comparison.
    await exec(sourceUrl(), `ANALYZE TABLE ${TABLES.map((t) => `${q(srcDb)}.${q(t)}`).join(', ')}`);
    src = new SourceImage(srcDb);
  });

  after(async () => {
    await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(srcDb)}`);
    for (const d of sinkDbs) await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${q(d)}`);
    rmSync(dir, { recursive: true, force: true });
  });

  const sinkDb = (suffix: string): string => {
    const d = `${base}_${suffix}`;
    sinkDbs.push(d);
    return d;
  };

  it('SIGKILL at random moments, then resume: every table exact, no duplicates, done chunks never re-copied', async (t) => {
    // 1. One uninterrupted copy into a throwaway sink: how many chunks the copy has.
    const measureState = join(dir, 'measure.db');
    const measureSink = sinkDb('measure');
    const mJob = writeJob(dir, makeJob('measure', srcDb, measureSink), 'measure.json');
    const m = await runToEnd(['run', mJob, '--state', measureState]);
    assert.equal(m.code, 0, describeRun(m));
    const totalChunks = chunks(measureState).length;
    await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${q(measureSink)}`);
    t.diagnostic(`uninterrupted run: ${totalChunks} chunks`);

    // 2. Kill at 10/25/45/65/85 % of the chunks (± jitter), resume (killing again in two iterations), compare.
    const fractions = [0.1, 0.25, 0.45, 0.65, 0.85];
    let reallyKilled = 0;
    let probed = false;
    for (const [i, f] of fractions.entries()) {
      const stateFile = join(dir, `crash-${i}.db`);
      const sdb = sinkDb(`k${i}`);
      const job = writeJob(dir, makeJob(`crash-${i}`, srcDb, sdb), `crash-${i}.json`);
      const args = ['run', job, '--state', stateFile];
      const jitterPct = Math.round((Math.random() * 2 - 1) * 5);
      const killAt = Math.max(1, Math.round((f + jitterPct / 100) * totalChunks));
      const first = await runAndKill(args, stateFile, killAt);
      const notes: string[] = [];
      if (first.killed) {
        const s = (await status(stateFile)).jobs[0];
        const done = s?.tables.reduce((n, x) => n + x.chunksDone, 0) ?? 0;
        const tot = s?.tables.reduce((n, x) => n + x.chunksTotal, 0) ?? 0;
        const midCopy = s?.phase === 'copying' && s.tables.some((x) => x.state !== 'done');
        const perTable = s?.tables.map((x) => `${x.source.split('.')[1]} ${x.chunksDone}`).join(', ');
        const keyless = chunks(stateFile).find((c) => c.tbl === 't_nokey');
        const keylessNote = keyless ? (keyless.state === 'done' ? 't_nokey done' : 't_nokey mid-copy') : 't_nokey not started';
        if (midCopy) {
          reallyKilled++;
          assert.equal(s!.state, 'interrupted', 'a job whose process was killed shows as interrupted');
        }
        notes.push(
          `killed at ${killAt} chunks done (${Math.round(f * 100)}%${jitterPct >= 0 ? '+' : ''}${jitterPct}%), ` +
            `phase ${s?.phase ?? '-'}, chunks ${done}/${tot} (${perTable}), ${keylessNote}${midCopy ? '' : ' (not mid-copy)'}`,
        );

        // Once: delete on the sink a row of a chunk marked done; a resume must not bring it back.
        if (!probed && midCopy) {
          const c0 = chunks(stateFile).find((c) => c.tbl === 't_int' && c.seq === 0);
          if (c0?.state === 'done') {
            await exec(sinkUrl(), `DELETE FROM ${q(sdb)}.t_int WHERE id = 1`);
            probed = true;
            notes.push('deleted sink t_int id=1 (chunk 0 done)');
          }
        }
      } else {
        assert.equal(first.r.code, 0, describeRun(first.r));
        notes.push(`finished before the kill at ${killAt} chunks`);
      }

      // Iterations 2 and 4 are killed once more while resuming.
      if (first.killed && (i === 1 || i === 3)) {
        const doneBefore = peek(stateFile)?.chunksDone ?? 0;
        const again = doneBefore + Math.max(1, Math.round(0.4 * (totalChunks - doneBefore)));
        const second = await runAndKill(args, stateFile, again);
        notes.push(second.killed ? `resume killed again at ${again} chunks done` : `resume finished before the kill at ${again} chunks`);
        if (!second.killed) assert.equal(second.r.code, 0, describeRun(second.r));
      }

      const last = await runToEnd(args);
      assert.equal(last.code, 0, describeRun(last));
      await assertStateComplete(stateFile, srcDb);
      if (probed && notes.some((n) => n.startsWith('deleted'))) {
        const gone = await query(sinkUrl(), `SELECT id FROM ${q(sdb)}.t_int WHERE id = 1`);
        assert.equal(gone.length, 0, 'a chunk marked done was copied again by the resumed run');
        const [row] = await query<Record<string, unknown>>(sourceUrl(), `SELECT id, a, b, c, d FROM ${q(srcDb)}.t_int WHERE id = 1`);
        await query(sinkUrl(), `INSERT INTO ${q(sdb)}.t_int (id, a, b, c, d) VALUES (?, ?, ?, ?, ?)`, [row!.id, row!.a, row!.b, row!.c, row!.d]);
      }
      await assertSinkEqualsSource(src, sdb, TABLES);
      t.diagnostic(`iteration ${i + 1}: ${notes.join('; ')}`);
      await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${q(sdb)}`);
    }
    assert.ok(reallyKilled >= 4, `only ${reallyKilled} of ${fractions.length} runs were killed mid-copy`);
    assert.ok(probed, 'no iteration had chunk 0 of t_int done when killed: the re-copy probe never ran');
  });

  it('SIGTERM during a copy exits 130 with state stopped; running again finishes exactly', async () => {
    const stateFile = join(dir, 'sigterm.db');
    const sdb = sinkDb('term');
    const job = writeJob(dir, makeJob('sigterm', srcDb, sdb), 'sigterm.json');
    const { child, done } = startCli(['run', job, '--state', stateFile]);
    const guard = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    let exited = false;
    void done.then(() => (exited = true));
    while (!exited) {
      const p = peek(stateFile);
      if (copyingIn(p, child.pid) && p!.chunksDone >= 5) break;
      await sleep(20);
    }
    assert.ok(!exited, 'the copy finished before SIGTERM could be sent');
    child.kill('SIGTERM');
    const r = await done;
    clearTimeout(guard);
    assert.equal(r.code, 130, describeRun(r));
    assert.match(r.stderr, /SIGTERM: stopping/);
    assert.doesNotMatch(r.stderr, /^\s+at /m);
    const s = (await status(stateFile)).jobs[0]!;
    assert.equal(s.state, 'stopped');
    assert.ok(s.tables.some((x) => x.state !== 'done'), 'SIGTERM arrived after every table was done');
    // A pause the operator asked for is logged as INFO, in those words, and is no warning.
    const logs = await runCli(['logs', '--state', stateFile, '--level', 'info']);
    assert.match(logs.stdout, / INFO +\S+ paused as requested \(Ctrl-C, SIGTERM or Pause\)/);
    assert.doesNotMatch((await runCli(['logs', '--state', stateFile, '--level', 'warn'])).stdout, /paused as requested|stopped on request/);

    const again = await runToEnd(['run', job, '--state', stateFile]);
    assert.equal(again.code, 0, describeRun(again));
    await assertStateComplete(stateFile, srcDb);
    await assertSinkEqualsSource(src, sdb, TABLES);
  });

  it(
    'a second run of a job that is still running (same state file) is refused; the sink stays exact',
    async () => {
      const stateFile = join(dir, 'concurrent.db');
      const sdb = sinkDb('conc');
      const job = writeJob(dir, makeJob('concurrent', srcDb, sdb), 'concurrent.json');
      const a = startCli(['run', job, '--state', stateFile]);
      const guard = setTimeout(() => a.child.kill('SIGKILL'), RUN_TIMEOUT_MS);
      try {
        while (!copyingIn(peek(stateFile), a.child.pid)) await sleep(10);
        const b = await runToEnd(['run', job, '--state', stateFile]);
        const ra = await a.done;
        assert.equal(ra.code, 0, describeRun(ra));
        await assertSinkEqualsSource(src, sdb, TABLES);
        assert.notEqual(b.code, 0, `the second run was not refused:\n${describeRun(b)}`);
        assert.match(b.stderr, /already running/i);
      } finally {
        clearTimeout(guard);
        a.child.kill('SIGKILL');
      }
    },
  );

  describe('onExisting with a non-empty sink table', () => {
    const ddl = (db: string): string =>
      `CREATE DATABASE IF NOT EXISTS ${q(db)} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
       CREATE TABLE ${q(db)}.t_int (id INT NOT NULL PRIMARY KEY, a VARCHAR(40), b BIGINT, c DECIMAL(20,6), d DATETIME(6)) ENGINE=InnoDB;
       INSERT INTO ${q(db)}.t_int VALUES (1, 'changed on the sink', 0, 0, '2000-01-01 00:00:00'), (999999, 'only on the sink', 1, 1, '2001-01-01 00:00:00');`;
    const only = (): string[] => [`${srcDb}.t_int`];

    it('fail: exit 1, names the table, the fix mentions TRUNCATE and onExisting; the sink is untouched', async () => {
      const sdb = sinkDb('of');
      await exec(sinkUrl(), ddl(sdb));
      const job = writeJob(dir, makeJob('on-fail', srcDb, sdb, {}, only()), 'on-fail.json');
      const r = await runToEnd(['run', job, '--state', join(dir, 'on-fail.db')]);
      assert.equal(r.code, 1, describeRun(r));
      assert.match(r.stderr, /ERROR .*already exists and has rows/);
      assert.ok(r.stderr.includes(`${q(sdb)}.\`t_int\``), `stderr does not name the table:\n${r.stderr}`);
      assert.match(r.stderr, /Fix: .*TRUNCATE TABLE/);
      assert.match(r.stderr, /onExisting/);
      assert.doesNotMatch(r.stderr, /^\s+at /m);
      assert.equal(await count(sinkUrl(), sdb, 't_int'), 2);
    });

    it('truncate: the sink ends equal to the source', async () => {
      const sdb = sinkDb('ot');
      await exec(sinkUrl(), ddl(sdb));
      const job = writeJob(dir, makeJob('on-truncate', srcDb, sdb, { onExisting: 'truncate' }, only()), 'on-truncate.json');
      const r = await runToEnd(['run', job, '--state', join(dir, 'on-truncate.db')]);
      assert.equal(r.code, 0, describeRun(r));
      assert.match(r.stderr, /emptied the existing sink table/);
      await assertSinkEqualsSource(src, sdb, ['t_int']);
    });

    // README: append keeps the existing rows; a source row whose key is already there is not copied.
    it('append: existing sink rows are kept (same key not overwritten, extra rows kept), the rest is copied', async () => {
      const sdb = sinkDb('oa');
      await exec(sinkUrl(), ddl(sdb));
      const job = writeJob(dir, makeJob('on-append', srcDb, sdb, { onExisting: 'append' }, only()), 'on-append.json');
      const r = await runToEnd(['run', job, '--state', join(dir, 'on-append.db')]);
      assert.equal(r.code, 0, describeRun(r));
      assert.match(r.stderr, /appending to the existing rows/);
      assert.equal(await count(sinkUrl(), sdb, 't_int'), 60_001);
      const [one] = await query<{ a: string }>(sinkUrl(), `SELECT a FROM ${q(sdb)}.t_int WHERE id = 1`);
      assert.equal(one?.a, 'changed on the sink', 'append must keep the sink row whose key the source also has');
      const [extra] = await query<{ a: string }>(sinkUrl(), `SELECT a FROM ${q(sdb)}.t_int WHERE id = 999999`);
      assert.equal(extra?.a, 'only on the sink');
      // Everything else is the source's: put the source's row 1 back, drop the extra row, compare.
      const [row] = await query<Record<string, unknown>>(sourceUrl(), `SELECT id, a, b, c, d FROM ${q(srcDb)}.t_int WHERE id = 1`);
      await exec(sinkUrl(), `DELETE FROM ${q(sdb)}.t_int WHERE id IN (1, 999999)`);
      await query(sinkUrl(), `INSERT INTO ${q(sdb)}.t_int (id, a, b, c, d) VALUES (?, ?, ?, ?, ?)`, [row!.id, row!.a, row!.b, row!.c, row!.d]);
      await assertSinkEqualsSource(src, sdb, ['t_int']);
    });
  });

  describe('a finished job', () => {
    const sdb = `${base}_fin`;
    const stateFile = join(dir, 'finished.db');
    let job: string;
    before(async () => {
      sinkDbs.push(sdb);
      job = writeJob(dir, makeJob('finished', srcDb, sdb, { onExisting: 'truncate' }), 'finished.json');
      const r = await runToEnd(['run', job, '--state', stateFile]);
      assert.equal(r.code, 0, describeRun(r));
    });

    it('runs again with the same state file: exit 0, nothing copied, logs say nothing to do', async () => {
      await exec(sinkUrl(), `DELETE FROM ${q(sdb)}.t_big ORDER BY id LIMIT 1; DELETE FROM ${q(sdb)}.t_nokey LIMIT 1`);
      const before = await status(stateFile);
      const r = await runToEnd(['run', job, '--state', stateFile]);
      assert.equal(r.code, 0, describeRun(r));
      assert.match(r.stderr, /nothing to do/);
      const logs = await runCli(['logs', '--state', stateFile]);
      assert.match(logs.stdout, /already finished; nothing to do/);
      assert.equal(await count(sinkUrl(), sdb, 't_big'), 59_999, 'a finished job copied rows again');
      assert.equal(await count(sinkUrl(), sdb, 't_nokey'), 19_999, 'a finished job copied rows again');
      const after = await status(stateFile);
      assert.deepEqual(after.jobs[0]!.tables.map((x) => [x.rowsCopied, x.chunksDone]), before.jobs[0]!.tables.map((x) => [x.rowsCopied, x.chunksDone]));
    });

    it('--restart copies again from the start', async () => {
      const r = await runToEnd(['run', job, '--state', stateFile, '--restart']);
      assert.equal(r.code, 0, describeRun(r));
      assert.match(r.stderr, /done: 4 table\(s\), 200,000 rows copied/);
      await assertStateComplete(stateFile, srcDb);
      await assertSinkEqualsSource(src, sdb, TABLES);
    });

    // README: "--restart forgets the job's progress (existing sink rows are then handled by onExisting)".
    it('--restart with the default onExisting (fail) refuses the sink tables it filled before', async () => {
      const sdb2 = sinkDb('rst');
      const stateFile2 = join(dir, 'restart-default.db');
      const job2 = writeJob(dir, makeJob('restart-default', srcDb, sdb2, {}, [`${srcDb}.t_big`]), 'restart-default.json');
      const r1 = await runToEnd(['run', job2, '--state', stateFile2]);
      assert.equal(r1.code, 0, describeRun(r1));
      const r2 = await runToEnd(['run', job2, '--state', stateFile2, '--restart']);
      assert.equal(r2.code, 1, describeRun(r2));
      assert.ok(r2.stderr.includes(`${q(sdb2)}.\`t_big\` already exists and has rows`), r2.stderr);
      assert.doesNotMatch(r2.stderr, /^\s+at /m);
      assert.equal(await count(sinkUrl(), sdb2, 't_big'), 60_000, 'the refused restart must leave the sink as it was');
    });
  });
});
