// The `cutover` CLI as an operator meets it: invalid job files, unreachable or refusing servers, check,
// status, logs (and --follow), --help, bad row filters, selections that match nothing, CUTOVER_STATE.
// Every error is a message and a fix with exit code 1, never a stack trace.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StateStore } from '../../engine/state/store.js';
import { CutoverStore } from '../../engine/state/cutover-store.js';
import { describeRun, exec, freePort, jobSpec, q, query, runCli, sinkUrl, sourceUrl, startCli, tempDir, uniqueName, writeJob, type CliResult } from '../helpers/db.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const STACK = /^\s+at /m;

/** Waits until `pred` holds for the accumulated output, or fails after `ms`. */
async function waitFor(what: string, pred: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(50);
  }
}


function withPassword(url: string, password: string): string {
  const u = new URL(url);
  u.password = password;
  return u.toString();
}

function withPort(url: string, port: number): string {
  const u = new URL(url);
  u.port = String(port);
  return u.toString();
}

interface StatusJson {
  stateFile: string;
  jobs: {
    name: string;
    state: string;
    phase: string;
    rowsCopied: number;
    estimatedRows: number;
    tables: { source: string; sink: string; state: string; rowsCopied: number; estimatedRows: number; chunksDone: number; chunksTotal: number }[];
  }[];
}

describe('cutover CLI', { timeout: 5 * 60_000 }, () => {
  const base = uniqueName('cli');
  const srcDb = `${base}_src`;
  const sinkDbs: string[] = [];
  const dir = tempDir('cutover-cli-');

  const job = (name: string, over: Record<string, unknown> = {}, sinkSuffix = name.replace(/\W/g, '_')): Record<string, unknown> => {
    const sinkDb = `${base}_${sinkSuffix}`;
    if (!sinkDbs.includes(sinkDb)) sinkDbs.push(sinkDb);
    return jobSpec(name, srcDb, { rename: { [srcDb]: sinkDb }, mode: 'snapshot', snapshot: { chunkRows: 500, parallelism: 2 }, ...over });
  };

  before(async () => {
    await exec(
      sourceUrl(),
      `CREATE DATABASE ${q(srcDb)}; USE ${q(srcDb)};
       CREATE TABLE items (id INT NOT NULL PRIMARY KEY, name VARCHAR(40) NOT NULL) ENGINE=InnoDB;
       INSERT INTO items SELECT seq, CONCAT('item ', seq) FROM seq_1_to_3000;
       CREATE TABLE nokey (a INT, b VARCHAR(10)) ENGINE=InnoDB;
       INSERT INTO nokey SELECT seq % 50, 'dup' FROM seq_1_to_200;
       ANALYZE TABLE items, nokey;`,
    );
  });

  after(async () => {
    await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(srcDb)}`);
    for (const d of sinkDbs) await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${q(d)}`);
    rmSync(dir, { recursive: true, force: true });
  });

  describe('run with an invalid job file', () => {
    const cases: { label: string; text: string; expect: RegExp[] }[] = [
      { label: 'bad JSON', text: '{"name": "x", "mode": "snapshot",', expect: [/is not valid JSON/] },
      {
        label: 'unknown field',
        text: JSON.stringify({ ...job('bad-field'), snapshot: { chunkRows: 1000, chunkSize: 5 } }),
        expect: [/\$\.snapshot: unknown field\(s\) "chunkSize"/],
      },
      {
        label: 'snapshot.onExisting "overwrite"',
        text: JSON.stringify({ ...job('bad-enum'), snapshot: { onExisting: 'overwrite' } }),
        expect: [/\$\.snapshot\.onExisting: /, /"fail", "truncate" or "append"/],
      },
    ];
    for (const c of cases) {
      it(`${c.label}: exit 1, names the problem, no stack trace`, async () => {
        const p = join(dir, `invalid-${c.label.replace(/\W+/g, '_')}.json`);
        writeFileSync(p, c.text);
        const r = await runCli(['run', p, '--state', join(dir, 'invalid.db')]);
        assert.equal(r.code, 1, describeRun(r));
        assert.match(r.stderr, /^cutover: The job file .* is not valid/);
        for (const e of c.expect) assert.match(r.stderr, e);
        assert.match(r.stderr, /\n {2}Fix: /);
        assert.doesNotMatch(r.stderr, STACK);
      });
    }
  });

  it('a wrong password: exit 1, access denied, mentions the anonymous user \'\'@\'localhost\'', async () => {
    const p = writeJob(dir, job('wrong-password', { source: { url: withPassword(sourceUrl(), 'not-the-password') } }), 'wrong-password.json');
    const r = await runCli(['run', p, '--state', join(dir, 'errors.db')]);
    assert.equal(r.code, 1, describeRun(r));
    assert.match(r.stderr, /access denied/i);
    assert.ok(r.stderr.includes("''@'localhost'"), r.stderr);
    assert.doesNotMatch(r.stderr, /not-the-password/, 'the password must not be printed');
    assert.doesNotMatch(r.stderr, STACK);
  });

  it('nothing listening: exit 1, connection refused', async () => {
    const port = await freePort();
    const p = writeJob(dir, job('refused', { source: { url: withPort(sourceUrl(), port) } }), 'refused.json');
    const r = await runCli(['run', p, '--state', join(dir, 'errors.db')]);
    assert.equal(r.code, 1, describeRun(r));
    assert.match(r.stderr, /connection refused/i);
    assert.ok(r.stderr.includes(`127.0.0.1:${port}`), r.stderr);
    assert.doesNotMatch(r.stderr, STACK);
  });

  it('check --source --sink --json: exit 0, valid JSON with ok: true and id/status/title items', async () => {
    const r = await runCli(['check', '--source', sourceUrl(), '--sink', sinkUrl(), '--json']);
    assert.equal(r.code, 0, describeRun(r));
    const report = JSON.parse(r.stdout) as { ok: boolean; items: { id: string; status: string; title: string; side: string }[] };
    assert.equal(report.ok, true);
    assert.ok(report.items.length > 3);
    for (const i of report.items) {
      assert.equal(typeof i.id, 'string');
      assert.equal(typeof i.title, 'string');
      assert.ok(['pass', 'warn', 'fail'].includes(i.status), JSON.stringify(i));
    }
    assert.ok(report.items.some((i) => i.id === 'source.connect' && i.status === 'pass'));
    assert.ok(report.items.some((i) => i.side === 'sink'));
    assert.doesNotMatch(r.stdout, /:cutover@/, 'the password must be redacted');
  });

  it('check with a wrong password: exit 2 and the failed item, no stack trace', async () => {
    const r = await runCli(['check', '--source', withPassword(sourceUrl(), 'nope')]);
    assert.equal(r.code, 2, describeRun(r));
    assert.match(r.stdout, /Access denied/);
    assert.doesNotMatch(r.stdout + r.stderr, STACK);
  });

  describe('after a small copy', () => {
    const stateFile = join(dir, 'small.db');
    let jobPath: string;
    before(async () => {
      jobPath = writeJob(dir, job('small'), 'small.json');
      const r = await runCli(['run', jobPath, '--state', stateFile]);
      assert.equal(r.code, 0, describeRun(r));
    });

    it('status --json: per table rows copied / estimated and chunks done / total', async () => {
      const r = await runCli(['status', '--state', stateFile, '--json']);
      assert.equal(r.code, 0, describeRun(r));
      const s = JSON.parse(r.stdout) as StatusJson;
      assert.equal(s.stateFile, stateFile);
      assert.equal(s.jobs.length, 1);
      const j = s.jobs[0]!;
      assert.equal(j.name, 'small');
      assert.equal(j.state, 'done');
      assert.equal(j.phase, 'done');
      assert.equal(j.rowsCopied, 3200);
      assert.equal(j.estimatedRows, 3200);
      const items = j.tables.find((t) => t.source === `${srcDb}.items`)!;
      assert.ok(items, JSON.stringify(j.tables));
      assert.equal(items.sink, `${base}_small.items`);
      assert.equal(items.state, 'done');
      assert.equal(items.rowsCopied, 3000);
      assert.equal(items.estimatedRows, 3000);
      assert.ok(items.chunksTotal >= 6, `3,000 rows in chunks of 500: ${items.chunksTotal} chunks`);
      assert.equal(items.chunksDone, items.chunksTotal);
      const nokey = j.tables.find((t) => t.source === `${srcDb}.nokey`)!;
      assert.deepEqual([nokey.rowsCopied, nokey.estimatedRows, nokey.chunksDone, nokey.chunksTotal], [200, 200, 1, 1]);
      const [n] = await query<{ n: number }>(sinkUrl(), `SELECT COUNT(*) AS n FROM ${q(`${base}_small`)}.nokey`);
      assert.equal(Number(n!.n), 200);
    });

    it('status (text): a row per table with rows copied / estimated and chunks done / total', async () => {
      const r = await runCli(['status', '--state', stateFile]);
      assert.equal(r.code, 0, describeRun(r));
      assert.ok(r.stdout.includes(`state file: ${stateFile}`), r.stdout);
      assert.match(r.stdout, /small: done, phase done — 3,200 \/ 3,200 rows \(100\.0%\)/);
      assert.match(r.stdout, /rows copied \/ estimated\s+chunks/);
      const line = r.stdout.split('\n').find((l) => l.includes(`${srcDb}.items →`));
      assert.ok(line, r.stdout);
      assert.match(line, /done\s+3,000 \/ 3,000\s+(\d+) \/ \1\b/);
      const nk = r.stdout.split('\n').find((l) => l.includes(`${srcDb}.nokey →`));
      assert.match(nk ?? '', /done\s+200 \/ 200\s+1 \/ 1\b/);
    });

    it('logs --level warn shows the keyless-table warning, and no info lines', async () => {
      const r = await runCli(['logs', '--state', stateFile, '--level', 'warn']);
      assert.equal(r.code, 0, describeRun(r));
      assert.ok(r.stdout.includes(`[${srcDb}.nokey] has no primary key`), r.stdout);
      assert.doesNotMatch(r.stdout, / INFO /);
      const all = await runCli(['logs', '--state', stateFile, '--job', 'small']);
      assert.match(all.stdout, / INFO .*done: 2 table\(s\), 3,200 rows copied/);
    });

    it('logs --follow prints lines written after it started', async () => {
      const follow = startCli(['logs', '--state', stateFile, '--follow']);
      let out = '';
      follow.child.stdout!.on('data', (d) => (out += d));
      try {
        await waitFor('the existing log lines', () => out.includes('done: 2 table(s)'));
        const before = out.length;
        // A second run of the finished job writes one new line.
        const r = await runCli(['run', jobPath, '--state', stateFile]);
        assert.equal(r.code, 0, describeRun(r));
        await waitFor('the new log line', () => out.slice(before).includes('already finished; nothing to do'));
        // And a run of another job into the same state file.
        const other = writeJob(dir, job('small-2', { tables: { include: [`${srcDb}.items`] } }), 'small-2.json');
        const r2 = await runCli(['run', other, '--state', stateFile]);
        assert.equal(r2.code, 0, describeRun(r2));
        await waitFor('the other job\'s lines', () => / small-2 .*done: 1 table\(s\), 3,000 rows copied/.test(out));
      } finally {
        follow.child.kill('SIGTERM');
      }
      const res = await follow.done;
      assert.ok(res.code === 0 || res.signal === 'SIGTERM', describeRun(res));
      assert.doesNotMatch(res.stderr, STACK);
    });
  });

  describe('--help', () => {
    const cases: [string[], RegExp[]][] = [
      [[], [/Usage: cutover/, /\bcheck\b/, /\brun\b/, /\bstatus\b/, /\blogs\b/]],
      [['check'], [/--source <url>/, /--sink <url>/, /--json/, /--streaming/]],
      [['run'], [/<job>/, /--state <file>/, /--restart/, /--skip-preflight/, /--log-level/, /--quiet/]],
      [['status'], [/--state <file>/, /--job <name>/, /--json/]],
      [['logs'], [/--state <file>/, /--level <level>/, /--follow/, /--limit <n>/, /--job <name>/]],
    ];
    for (const [cmd, expect] of cases) {
      it(`cutover ${[...cmd, '--help'].join(' ')}: exit 0 and lists the options`, async () => {
        const r = await runCli([...cmd, '--help']);
        assert.equal(r.code, 0, describeRun(r));
        for (const e of expect) assert.match(r.stdout, e);
        assert.equal(r.stderr, '');
      });
    }
  });

  it('a "where" filter with invalid SQL: exit 1, names "where" and the table', async () => {
    const p = writeJob(dir, job('bad-where', { where: { [`${srcDb}.items`]: 'id >>> 3 AND' } }), 'bad-where.json');
    const r = await runCli(['run', p, '--state', join(dir, 'errors.db')]);
    assert.equal(r.code, 1, describeRun(r));
    assert.ok(r.stderr.includes(`"where" → "${srcDb}.items"`), r.stderr);
    assert.match(r.stderr, /Fix: /);
    assert.doesNotMatch(r.stderr, STACK);
    const sinkTables = await query(sinkUrl(), 'SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [`${base}_bad_where`]);
    assert.equal(sinkTables.length, 0, 'nothing may be created on the sink when the job file is wrong');
  });

  it('a selection that matches nothing: exit 1, "No table on the source matches"', async () => {
    const p = writeJob(dir, job('no-match', { tables: { include: [`${base}_nosuchdb.*`] }, rename: {} }), 'no-match.json');
    const r = await runCli(['run', p, '--state', join(dir, 'errors.db')]);
    assert.equal(r.code, 1, describeRun(r));
    assert.match(r.stderr, /No table on the source matches "tables"/);
    assert.ok(r.stderr.includes(`${base}_nosuchdb.*`), r.stderr);
    assert.doesNotMatch(r.stderr, STACK);
  });

  it('run after the switch: the preflight no longer says triggers are created at cutover once the assistant created them', async () => {
    const stateFile = join(dir, 'after-switch.db');
    const p = writeJob(dir, job('after-switch', { tables: { include: [`${srcDb}.items`] }, snapshot: { onExisting: 'truncate' } }), 'after-switch.json');
    await exec(sourceUrl(), `CREATE TRIGGER ${q(srcDb)}.items_bi BEFORE INSERT ON ${q(srcDb)}.items FOR EACH ROW SET NEW.name = NEW.name`);
    try {
      const first = await runCli(['run', p, '--state', stateFile]);
      assert.equal(first.code, 0, describeRun(first));
      assert.match(first.stderr, /preflight: Triggers: 1 trigger\(s\) found: .*Cutover creates them at cutover/);
      // The cutover assistant's "triggers, routines and events" step has run.
      const store = new StateStore(stateFile);
      try {
        const id = store.job('after-switch')!.id;
        const steps = new CutoverStore(store);
        steps.begin(id, 'deferred', 'dba@host');
        steps.finish(id, 'deferred', 'done', { detail: 'created 1 trigger' });
      } finally {
        store.close();
      }
      const again = await runCli(['run', p, '--state', stateFile, '--restart']);
      assert.equal(again.code, 0, describeRun(again));
      assert.doesNotMatch(again.stderr, /creates them at cutover/);
      assert.doesNotMatch(again.stderr, /preflight: Triggers/);
    } finally {
      await exec(sourceUrl(), `DROP TRIGGER IF EXISTS ${q(srcDb)}.items_bi`);
    }
  });

  it('CUTOVER_STATE is used when --state is absent', async () => {
    const stateFile = join(dir, 'from-env', 'state.db');
    const p = writeJob(dir, job('env-state', { tables: { include: [`${srcDb}.nokey`] } }), 'env-state.json');
    const r = await runCli(['run', p], { CUTOVER_STATE: stateFile });
    assert.equal(r.code, 0, describeRun(r));
    assert.ok(existsSync(stateFile), 'the state file named by CUTOVER_STATE was not created');
    assert.ok(r.stderr.includes(`state file: ${stateFile}`), r.stderr);
    const s = await runCli(['status', '--json'], { CUTOVER_STATE: stateFile });
    assert.equal(s.code, 0, describeRun(s));
    const st = JSON.parse(s.stdout) as StatusJson;
    assert.equal(st.stateFile, stateFile);
    assert.deepEqual(st.jobs.map((j) => [j.name, j.state, j.rowsCopied]), [['env-state', 'done', 200]]);
    const logs = await runCli(['logs'], { CUTOVER_STATE: stateFile });
    assert.match(logs.stdout, /env-state .*done: 1 table\(s\), 200 rows copied/);
    // --state wins over the variable.
    const other = join(dir, 'flag-wins.db');
    const s2 = await runCli(['status', '--state', other, '--json'], { CUTOVER_STATE: stateFile });
    assert.equal((JSON.parse(s2.stdout) as StatusJson).stateFile, other);
  });
});
