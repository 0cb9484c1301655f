// The way back, headless, for the CLI tests: the lane's source as the old server, and a new server of the
// test's own (the lane's shared sink logs no row metadata, which a reverse job needs) with its binlog set up
// as a source's. A small shop database streams old → new in a `cutover run` process; `cutover switch --yes`
// under a writer that read_only stops switches it and starts `<job>-reverse` (a detached `cutover run` of the
// file it writes); the application then writes to the new server; `cutover rollback` goes back.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import { checksum, describeRun, dumpDiff, exec, forEveryTable, q, query, rowDump, runCli, sourceUrl, uniqueName, writeJob, type CliResult } from './db.js';
import { OrderWriter } from './order-writer.js';
import { startOwnMariadb, SOURCE_BINLOG, type OwnMariadb } from './own-mariadb.js';
import { killLive, startStreaming, waitUntil, type LiveCli } from './stream-cli.js';
import { TempDirs } from './stream.js';

export const TABLES = ['orders', 'click_log', 'notes'];

/** The new server: the lane's source port + 59, server_id 59, binlog as a source's. */
export function startNewServer(): Promise<OwnMariadb> {
  return startOwnMariadb('cutover-new', 59, 59, SOURCE_BINLOG);
}

export interface Pair {
  db: string;
  job: string;
  reverse: string;
  jobPath: string;
  reversePath: string;
  state: string;
  /** The new server (the forward job's sink). */
  newUrl: string;
  /** The application's account, on both servers (password "pw"; no SUPER, so read_only stops it). */
  app: string;
  run: LiveCli | null;
}

/** A small shop database with a trigger on a streamed table and a keyless table, streaming old → new. */
export async function streamingPair(dirs: TempDirs, newUrl: string, tag: string): Promise<Pair> {
  const db = uniqueName(`cb_${tag}`);
  const app = `a${db}`.slice(0, 32);
  const create = `CREATE TABLE orders (id INT AUTO_INCREMENT PRIMARY KEY, amount DECIMAL(10,2) NOT NULL, state VARCHAR(10) NOT NULL DEFAULT 'new');
     CREATE TABLE click_log (id INT AUTO_INCREMENT PRIMARY KEY, order_id INT NOT NULL);
     CREATE TABLE notes (body VARCHAR(40) NOT NULL, n INT NOT NULL);`;
  const user = `CREATE USER '${app}'@'%' IDENTIFIED BY 'pw'; GRANT SELECT, INSERT, UPDATE, DELETE ON ${q(db)}.* TO '${app}'@'%';`;
  await exec(
    sourceUrl(),
    `CREATE DATABASE ${q(db)}; USE ${q(db)}; ${create}
     CREATE TRIGGER orders_ai AFTER INSERT ON orders FOR EACH ROW INSERT INTO click_log (order_id) VALUES (NEW.id);
     INSERT INTO orders (amount) VALUES (1.25), (2.50), (3.75); INSERT INTO notes VALUES ('a', 1), ('a', 1), ('b', 2); ${user}`,
  );
  await exec(newUrl, user);
  const dir = dirs.make();
  const job = `${db}-job`;
  const jobPath = writeJob(dir, {
    name: job,
    source: { url: sourceUrl() },
    sink: { type: 'mysql', url: newUrl },
    tables: { include: [`${db}.*`] },
    mode: 'snapshot+stream',
    snapshot: { chunkRows: 100, parallelism: 1 },
    stream: { batch: { maxDelayMs: 100 } },
  });
  const state = join(dir, 'state.db');
  const run = await startStreaming(jobPath, state);
  return { db, job, reverse: `${job}-reverse`, jobPath, reversePath: join(dir, `${job}-reverse.json`), state, newUrl, app, run };
}

export const out = (r: CliResult): string => describeRun(r);

/** `cutover switch --yes` (with the way back) under a writer on the old server that read_only stops; asserts it switched and the reverse job streams. */
export async function switchUnderWriter(p: Pair): Promise<CliResult> {
  const w = new OrderWriter(p.app, p.db);
  try {
    await w.start();
    await waitUntil('the writer commits', () => w.committed > 5);
    const r = await runCli(['switch', p.jobPath, '--state', p.state, '--yes', '--lag-threshold', '30']);
    assert.equal(r.code, 0, out(r));
    assert.equal(w.error?.errno, 1290, `the writer is stopped by read_only: ${w.error?.message}`);
    assert.match(r.stdout, /writes: The sink takes the writes/, out(r));
    assert.ok(r.stdout.includes(`cutover run ${p.reversePath} --state ${p.state}`), `the switch prints the command that runs the reverse job\n${out(r)}`);
    assert.ok(existsSync(p.reversePath), 'the reverse job file is written beside the job file');
    await p.run?.done;
    await waitUntil('the reverse job streams', () => jobRow(p.state, p.reverse)?.phase === 'streaming' && pidAlive(jobRow(p.state, p.reverse)?.pid ?? 0), {
      ms: 120_000,
      detail: () => JSON.stringify(jobRow(p.state, p.reverse)),
    });
    return r;
  } finally {
    await w.stop();
  }
}

/** What the application does on the new server after the switch: inserts (its trigger writes click_log), updates, deletes, a primary-key change, a delete and re-insert of one key, and the keyless table. */
export async function writeToNewServer(p: Pair): Promise<void> {
  const u = new URL(p.newUrl);
  const c = await mysql.createConnection({ host: u.hostname, port: Number(u.port), user: p.app, password: 'pw', database: p.db, multipleStatements: true });
  try {
    await c.query(
      `INSERT INTO orders (amount) VALUES (10.00), (11.00), (12.00);
       UPDATE orders SET amount = amount + 1, state = 'paid' WHERE id <= 3;
       DELETE FROM orders WHERE id = 2;
       UPDATE orders SET id = id + 100000 WHERE id = 1;
       INSERT INTO notes VALUES ('c', 3);
       UPDATE notes SET n = 7 WHERE body = 'b';
       DELETE FROM notes WHERE body = 'a' LIMIT 1;
       BEGIN; DELETE FROM orders WHERE id = 3; INSERT INTO orders (id, amount) VALUES (3, 99.99); COMMIT;`,
    );
  } finally {
    await c.end();
  }
}

export function rollbackCli(p: Pair, env: Record<string, string> = {}): Promise<CliResult> {
  return runCli(['rollback', p.jobPath, '--state', p.state, '--yes'], env);
}

/** The old server equals the new one, row by row and by CHECKSUM TABLE. */
export async function assertOldEqualsNew(p: Pair, label: string): Promise<void> {
  await forEveryTable(TABLES, async (t) => {
    const diff = dumpDiff(await rowDump(p.newUrl, p.db, t), await rowDump(sourceUrl(), p.db, t));
    if (diff) return `${label}: new → old: ${diff}`;
    const [a, b] = [await checksum(p.newUrl, p.db, t), await checksum(sourceUrl(), p.db, t)];
    return a === b ? null : `${label}: CHECKSUM TABLE differs: new ${a}, old ${b}`;
  });
}

export async function readOnly(url: string): Promise<boolean> {
  const [r] = await query<{ ro: number }>(url, 'SELECT @@GLOBAL.read_only AS ro');
  return Number(r!.ro) === 1;
}

/** Rolled back: the old server is writable for the application (its trigger back), the new one read-only for it. */
export async function assertRolledBack(p: Pair): Promise<void> {
  assert.equal(await readOnly(sourceUrl()), false, 'the old server is writable');
  assert.equal(await readOnly(p.newUrl), true, 'the new server is read-only');
  const appConn = async (url: string): Promise<mysql.Connection> => {
    const u = new URL(url);
    return mysql.createConnection({ host: u.hostname, port: Number(u.port), user: p.app, password: 'pw', database: p.db });
  };
  const old = await appConn(sourceUrl());
  try {
    const [[before]] = (await old.query('SELECT COUNT(*) AS n FROM click_log')) as unknown as [{ n: number }[]];
    await old.query('INSERT INTO orders (amount) VALUES (5.00)');
    const [[after]] = (await old.query('SELECT COUNT(*) AS n FROM click_log')) as unknown as [{ n: number }[]];
    assert.equal(Number(after!.n), Number(before!.n) + 1, 'the old server’s trigger is back, once');
  } finally {
    await old.end();
  }
  const neu = await appConn(p.newUrl);
  try {
    await assert.rejects(neu.query('INSERT INTO orders (amount) VALUES (6.00)'), (e: { errno?: number }) => e.errno === 1290, 'the new server refuses the application’s writes');
  } finally {
    await neu.end();
  }
}

export function jobRow(state: string, name: string): { pid: number | null; phase: string; state: string } | null {
  if (!existsSync(state)) return null;
  const d = new Database(state, { readonly: true, fileMustExist: true });
  try {
    return (d.prepare('SELECT pid, phase, state FROM jobs WHERE name = ?').get(name) as { pid: number | null; phase: string; state: string } | undefined) ?? null;
  } finally {
    d.close();
  }
}

function pidAlive(pid: number): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** In a `finally`: read-only off on both servers, the processes of both jobs gone, the databases, users and checkpoints removed. */
export async function cleanUpPair(p: Pair | null, newUrl: string): Promise<void> {
  await exec(sourceUrl(), 'SET GLOBAL read_only = OFF').catch(() => undefined);
  await exec(newUrl, 'SET GLOBAL read_only = OFF').catch(() => undefined);
  if (!p) return;
  await killLive(p.run);
  // The reverse job's process was started detached by the switch: end it by the pid the state file holds.
  const pid = jobRow(p.state, p.reverse)?.pid ?? 0;
  if (pidAlive(pid)) {
    process.kill(pid, 'SIGKILL');
    await waitUntil('the reverse job’s process ends', () => !pidAlive(pid), { ms: 30_000 }).catch(() => undefined);
  }
  for (const url of [sourceUrl(), newUrl]) {
    await exec(url, `DROP DATABASE IF EXISTS ${q(p.db)}; DROP USER IF EXISTS '${p.app}'@'%'`).catch(() => undefined);
    await query(url, 'DELETE FROM _cutover.cutover_checkpoint WHERE job IN (?, ?)', [p.job, p.reverse]).catch(() => undefined);
  }
}
