// Helpers for integration tests: the real servers started by `npm test`, SQL, checksums and the CLI.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import mysql from 'mysql2/promise';

export const ROOT = new URL('../../../', import.meta.url).pathname; // dist/test/helpers → repo root
export const CLI = join(ROOT, 'bin/cutover.js');

function requireEnv(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run integration tests with \`npm test\`, which starts the MariaDB servers.`);
  return v;
}

export const sourceUrl = (): string => requireEnv('CUTOVER_TEST_SOURCE_URL');
export const sinkUrl = (): string => requireEnv('CUTOVER_TEST_SINK_URL');

/**
 * The port base of the suite's lane (CUTOVER_TEST_PORT_BASE, set by `npm test` for each lane), or
 * `fallback` when a file runs on its own. A test that starts servers of its own puts them at an offset
 * from it (the lane's servers use +1, +2, +32, +33, +40, +50, +51; offsets stay below 100, where the next
 * lane begins), so two lanes never share a port or a services folder.
 */
export function lanePortBase(fallback: number): number {
  const v = process.env.CUTOVER_TEST_PORT_BASE;
  return v ? Number(v) : fallback;
}

/** A connection that allows several statements per call and permissive sql_mode (zero dates). */
export async function admin(url: string): Promise<mysql.Connection> {
  const u = new URL(url);
  const conn = await mysql.createConnection({
    host: u.hostname,
    port: Number(u.port),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    multipleStatements: true,
    charset: 'utf8mb4',
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  await conn.query("SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION', time_zone = '+00:00'");
  return conn;
}

export async function exec(url: string, sql: string): Promise<void> {
  const c = await admin(url);
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

export async function query<T = Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = await admin(url);
  try {
    const [rows] = await c.query(sql, params);
    return rows as T[];
  } finally {
    await c.end();
  }
}

/** A quoted identifier. */
export const q = (s: string): string => '`' + s.replace(/`/g, '``') + '`';

export async function checksum(url: string, db: string, table: string): Promise<string> {
  const rows = await query<{ Checksum: string | null }>(url, `CHECKSUM TABLE ${q(db)}.${q(table)} EXTENDED`);
  return String(rows[0]?.Checksum);
}

/**
 * Every row as text that is exact for every type, sorted, so two tables can be compared byte by byte
 * regardless of key order or charset: numbers as their decimal text (FLOAT widened to DOUBLE first,
 * which is exact; HEX() of a number would drop its fraction), ENUM/SET with their index, TIMESTAMP with
 * its epoch value, everything else as hex of its bytes.
 */
export async function rowDump(url: string, db: string, table: string, only?: string[], where?: string): Promise<string[]> {
  let cols = await query<{ c: string; t: string }>(
    url,
    'SELECT COLUMN_NAME AS c, DATA_TYPE AS t FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
    [db, table],
  );
  if (only) cols = cols.filter((c) => only.includes(c.c));
  const expr = ({ c, t }: { c: string; t: string }): string => {
    const col = q(c);
    if (t === 'float') return `CAST(CAST(${col} AS DOUBLE) AS CHAR)`;
    if (['double', 'decimal', 'tinyint', 'smallint', 'mediumint', 'int', 'bigint', 'year'].includes(t)) return `CAST(${col} AS CHAR)`;
    if (t === 'enum' || t === 'set') return `CONCAT(HEX(${col}), '#', ${col} + 0)`;
    if (t === 'timestamp') return `CONCAT(HEX(${col}), '#', UNIX_TIMESTAMP(${col}))`;
    return `HEX(${col})`;
  };
  const exprs = cols.map((c) => `IFNULL(${expr(c)}, 'NULL')`);
  const rows = await query<{ r: string }>(
    url,
    `SELECT CONCAT_WS('|', ${exprs.join(', ')}) AS r FROM ${q(db)}.${q(table)}${where ? ` WHERE ${where}` : ''}`,
  );
  return rows.map((r) => String(r.r)).sort();
}

export function tempDir(prefix = 'cutover-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A job copying/streaming `db.*` from the test source to the test sink; `extra` adds or overrides keys (mode defaults to snapshot+stream). */
export function jobSpec(name: string, db: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    source: { url: sourceUrl() },
    sink: { type: 'mysql', url: sinkUrl() },
    tables: { include: [`${db}.*`] },
    mode: 'snapshot+stream',
    ...extra,
  };
}

export function writeJob(dir: string, job: unknown, name = 'job.json'): string {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify(job, null, 2));
  return p;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function startCli(args: string[], env: Record<string, string> = {}): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<CliResult>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

export async function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return startCli(args, env).done;
}

/** Runs the CLI, killing it if it has not finished after `ms` (a hung copy fails the test instead of CI). */
export async function runCliWithTimeout(args: string[], ms = 10 * 60_000, env: Record<string, string> = {}): Promise<CliResult> {
  const { child, done } = startCli(args, env);
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  try {
    return await done;
  } finally {
    clearTimeout(timer);
  }
}

/** Exit status and the tails of both streams, for assertion messages. */
export function describeRun(r: CliResult): string {
  return `exit code ${r.code} signal ${r.signal}\n--- stdout ---\n${r.stdout.slice(-6000)}\n--- stderr ---\n${r.stderr.slice(-6000)}`;
}

/** How two sorted row dumps differ (as multisets), readable in a failure message; null when equal. */
export function dumpDiff(src: string[], sink: string[]): string | null {
  const count = new Map<string, number>();
  for (const r of src) count.set(r, (count.get(r) ?? 0) + 1);
  const extra: string[] = [];
  for (const r of sink) {
    const n = count.get(r);
    if (n) count.set(r, n - 1);
    else extra.push(r);
  }
  const missing: string[] = [];
  for (const [r, n] of count) for (let i = 0; i < n; i++) missing.push(r);
  if (!missing.length && !extra.length) return null;
  const cut = (s: string): string => (s.length > 300 ? `${s.slice(0, 300)}…(${s.length} chars)` : s);
  return (
    `source ${src.length} rows, sink ${sink.length} rows; ${missing.length} source rows missing/different, ${extra.length} unexpected sink rows\n` +
    missing.slice(0, 3).map((r) => `    source only: ${cut(r)}`).join('\n') +
    '\n' +
    extra.slice(0, 3).map((r) => `    sink only:   ${cut(r)}`).join('\n')
  );
}

/** A unique database-name prefix per test, so tests sharing the servers never collide. */
export function uniqueName(base: string): string {
  return `${base}_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
}

/** Runs `check` for every table and fails once, naming every table that failed and why. */
export async function forEveryTable(tables: string[], check: (t: string) => Promise<string | null>): Promise<void> {
  const failures: string[] = [];
  for (const t of tables) {
    try {
      const f = await check(t);
      if (f) failures.push(`  ${t}: ${f}`);
    } catch (e) {
      failures.push(`  ${t}: ${(e as Error).message}`);
    }
  }
  assert.equal(failures.length, 0, `${failures.length} of ${tables.length} tables differ:\n${failures.join('\n')}`);
}

/** A TCP port on 127.0.0.1 nothing listens on: bound by the OS, then released. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}
