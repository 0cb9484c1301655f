// The PostgreSQL cluster `npm test` starts (scripts/postgres-server.mjs): a database of a test's own on
// it, and psql as the reader. psql is a client independent of whatever driver the PostgreSQL sink uses,
// so what a test reads with it is what the server holds, not what that driver believes it wrote.
// Anything that goes wrong here throws: a test that cannot reach the cluster fails, never skips.
import { spawn } from 'node:child_process';
import { sourceUrl, uniqueName, writeJob } from './db.js';

/** The cluster's maintenance database, `postgres://cutover:cutover@127.0.0.1:PORT/postgres`. */
export function postgresUrl(): string {
  const v = process.env.CUTOVER_TEST_POSTGRES_URL;
  if (!v) throw new Error('CUTOVER_TEST_POSTGRES_URL is not set: run the tests with `npm test`, which starts the PostgreSQL cluster.');
  return v;
}

/** The URL of `database` on the same cluster, as the same user. */
export function pgDatabaseUrl(database: string, base = postgresUrl()): string {
  const u = new URL(base);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/** A quoted identifier (case kept). */
export const pgIdent = (s: string): string => `"${s.replace(/"/g, '""')}"`;

/** A string literal (standard_conforming_strings is on: backslashes are plain characters). */
export const pgLiteral = (s: string): string => `'${s.replace(/'/g, "''")}'`;

const FIELD_SEP = '\x1f';
const RECORD_SEP = '\x1e';
/** How psql prints NULL here; a text value of exactly this one character would read as NULL. */
const NULL_MARK = '\x1a';
const PSQL_TIMEOUT_MS = 5 * 60_000;

export interface PsqlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs psql against `url` with `sql` on its standard input; never throws (see psqlRows for that). */
export function runPsql(url: string, sql: string, args: string[] = []): Promise<PsqlResult> {
  return new Promise((resolve, reject) => {
    // -X: no ~/.psqlrc; ON_ERROR_STOP: the first failing statement ends the script with exit code 3.
    const child = spawn('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', ...args, '-f', '-', url], {
      env: { ...process.env, PGCONNECT_TIMEOUT: '10', PGAPPNAME: 'cutover-test-reader' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), PSQL_TIMEOUT_MS);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`psql could not be started (${e.message}): sudo apt-get install -y postgresql-client`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(sql);
  });
}

/**
 * The rows `sql` returns, each an array of column texts as PostgreSQL prints them (NULL → null). `sql`
 * may hold several statements, but only one of them may return rows (psql ends each result with a
 * newline, which a value may contain too). Throws with psql's message when a statement fails or the
 * server cannot be reached. Values must not contain the ASCII separators \x1e or \x1f (select
 * encode(…, 'hex') for arbitrary bytes).
 */
export async function psqlRows(url: string, sql: string): Promise<(string | null)[][]> {
  const args = ['-A', '-t', '-F', FIELD_SEP, '-R', RECORD_SEP, '-P', `null=${NULL_MARK}`];
  let r = await runPsql(url, sql, args);
  // A connection that could not be made ran nothing: tried again twice (a loaded machine can take longer
  // than PGCONNECT_TIMEOUT to start a backend); a statement that failed is never run again.
  for (let tries = 1; tries < 3 && r.code === 2 && /connection to server .* failed/.test(r.stderr); tries++) r = await runPsql(url, sql, args);
  if (r.code !== 0) throw new Error(`psql failed (exit ${r.code}) on ${redact(url)}:\n${r.stderr.trim()}\nSQL: ${sql.slice(0, 2000)}`);
  if (r.stdout === '') return [];
  return r.stdout
    .replace(/\n$/, '')
    .split(RECORD_SEP)
    .map((rec) => rec.split(FIELD_SEP).map((v) => (v === NULL_MARK ? null : v)));
}

/** The single value `sql` returns (one row, one column); throws otherwise. */
export async function psqlValue(url: string, sql: string): Promise<string | null> {
  const rows = await psqlRows(url, sql);
  if (rows.length !== 1 || rows[0]!.length !== 1) throw new Error(`expected one value from ${sql}, got ${JSON.stringify(rows).slice(0, 500)}`);
  return rows[0]![0]!;
}

/** `url` with its password replaced, for messages. */
function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

export interface PgTestDatabase {
  /** The database name (lower case, so it needs no quoting in hand-written SQL). */
  name: string;
  /** Its URL, as the cluster's superuser `cutover`. */
  url: string;
  rows(sql: string): Promise<(string | null)[][]>;
  value(sql: string): Promise<string | null>;
  /** Drops it, ending any session still connected to it; safe to call twice. */
  drop(): Promise<void>;
}

/** Whether `name` exists on the cluster. */
export async function pgDatabaseExists(name: string): Promise<boolean> {
  return (await psqlValue(postgresUrl(), `SELECT count(*) FROM pg_database WHERE datname = ${pgLiteral(name)}`)) === '1';
}

export async function dropPgDatabase(name: string): Promise<void> {
  await psqlRows(postgresUrl(), `DROP DATABASE IF EXISTS ${pgIdent(name)} WITH (FORCE)`);
}

/** A new, empty database of the test's own, named `<base>_<pid>_<random>` so tests sharing the cluster never collide. */
export async function createPgDatabase(base: string): Promise<PgTestDatabase> {
  const name = uniqueName(base.toLowerCase());
  if (Buffer.byteLength(name) > 63) throw new Error(`database name ${name} is longer than PostgreSQL's 63 bytes: use a shorter base than "${base}"`);
  await psqlRows(postgresUrl(), `CREATE DATABASE ${pgIdent(name)}`);
  const url = pgDatabaseUrl(name);
  return {
    name,
    url,
    rows: (sql) => psqlRows(url, sql),
    value: (sql) => psqlValue(url, sql),
    drop: () => dropPgDatabase(name),
  };
}

/** Runs `fn` with a database of its own, dropped afterwards whether `fn` succeeds or not. */
export async function withPgDatabase<T>(base: string, fn: (db: PgTestDatabase) => Promise<T>): Promise<T> {
  const db = await createPgDatabase(base);
  try {
    return await fn(db);
  } finally {
    await db.drop();
  }
}

/**
 * A job file copying the source database `src` (every table) into the PostgreSQL database at `sinkUrl`,
 * renamed to the schema "app"; `job` holds the name, mode and any other settings.
 */
export function writePgJob(dir: string, sinkUrl: string, src: string, { name, ...job }: { name: string } & Record<string, unknown>): string {
  return writeJob(dir, { name, source: { url: sourceUrl() }, sink: { type: 'postgres', url: sinkUrl }, tables: { include: [`${src}.*`] }, rename: { [src]: 'app' }, ...job });
}
