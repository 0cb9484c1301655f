#!/usr/bin/env node
// A throwaway PostgreSQL cluster for tests and benchmarks, next to the MariaDB instances of
// test-services.mjs.
//
//   node scripts/test-services.mjs start|stop|status postgres [--prefix NAME] [--port-base N]
//
// The binaries are Debian's `postgresql` package: initdb, pg_ctl and postgres from the newest
// /usr/lib/postgresql/<version>/bin (or $CUTOVER_PG_BIN), psql from the PATH. Extensions are those of
// the same major version (`postgresql-<version>-postgis-3` gives `CREATE EXTENSION postgis`, which the
// PostGIS test runs in its own database); the cluster needs no setting for them. The instance
// `<prefix>-postgres` lives in $CUTOVER_SERVICES_DIR (default /tmp/cutover-services)/<prefix>-postgres:
// data/ (the cluster), sock/ (its Unix socket), server.log. It listens on 127.0.0.1:<portBase + 40>
// (33100 for the default port base). The superuser is `cutover` with password `cutover`: TCP logins
// need the password (scram-sha-256), the socket is trusted. Made for speed, never for safety: fsync,
// synchronous_commit and full_page_writes are off, so the data survives a killed server but not a
// crash of the machine; nothing here is meant to outlive the run.
// initdb and postgres refuse to run as root: as root the cluster belongs to the Debian package's
// `postgres` user, or to a system user `cutover-pg` created when that is missing.
// Starting is idempotent (a running, answering cluster is left alone) and ready-checked; stopping is a
// fast shutdown (SIGINT) that waits for the server to exit, then SIGKILL after 30 s.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';

const BASE_DIR = process.env.CUTOVER_SERVICES_DIR ?? '/tmp/cutover-services';
const PG_ROOT = '/usr/lib/postgresql';
const INSTALL_HINT = 'sudo apt-get update && sudo apt-get install -y postgresql';
const SUPERUSER = 'cutover';
const PASSWORD = 'cutover';
const FALLBACK_OS_USER = 'cutover-pg';
const STOP_GRACE_MS = 30_000;

/**
 * The PostgreSQL instance of a test-services prefix and port base: port portBase + 40.
 * @param {string} [prefix]
 * @param {number} [portBase]
 */
export function postgresInstance(prefix = 'test', portBase = 33060) {
  return { name: `${prefix}-postgres`, port: portBase + 40 };
}

function paths(inst) {
  const dir = join(BASE_DIR, inst.name);
  return { dir, data: join(dir, 'data'), sock: join(dir, 'sock'), log: join(dir, 'server.log'), pwfile: join(dir, 'pwfile') };
}

/** `postgres://cutover:cutover@127.0.0.1:PORT/DATABASE` (the maintenance database `postgres` by default). */
export function postgresUrlOf(inst, database = 'postgres') {
  return `postgres://${SUPERUSER}:${PASSWORD}@127.0.0.1:${inst.port}/${encodeURIComponent(database)}`;
}

/** The directory holding the instance's Unix socket (`.s.PGSQL.<port>`), for `psql -h DIR -p PORT`. */
export function postgresSocketDirOf(inst) {
  return paths(inst).sock;
}

/** The newest version's bin directory with initdb, pg_ctl and postgres in it ($CUTOVER_PG_BIN wins), or null. */
export function postgresBinDir() {
  const has = (dir) => ['initdb', 'pg_ctl', 'postgres'].every((b) => existsSync(join(dir, b)));
  if (process.env.CUTOVER_PG_BIN) return has(process.env.CUTOVER_PG_BIN) ? process.env.CUTOVER_PG_BIN : null;
  let versions = [];
  try {
    versions = readdirSync(PG_ROOT).filter((v) => /^\d+(\.\d+)?$/.test(v));
  } catch {
    return null;
  }
  versions.sort((a, b) => Number(b) - Number(a));
  for (const v of versions) if (has(join(PG_ROOT, v, 'bin'))) return join(PG_ROOT, v, 'bin');
  return null;
}

function onPath(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/** Throws, saying how to install them, when the server binaries or psql are missing. */
export function requirePostgres() {
  const missing = [];
  if (!postgresBinDir()) missing.push(`initdb/pg_ctl/postgres (looked in ${process.env.CUTOVER_PG_BIN ?? `${PG_ROOT}/<version>/bin`})`);
  if (!onPath('psql')) missing.push('psql');
  if (missing.length) throw new Error(`PostgreSQL not found: ${missing.join(', ')}. Install it with:\n  ${INSTALL_HINT}`);
}

/** The OS user that owns and runs the cluster: ourselves, or (as root) `postgres` or `cutover-pg`, created when missing. */
function serverUser() {
  if (process.getuid?.() !== 0) return null;
  const exists = (u) => spawnSync('id', ['-u', u]).status === 0;
  if (exists('postgres')) return 'postgres';
  if (!exists(FALLBACK_OS_USER)) {
    const r = spawnSync('useradd', ['-M', '-r', '-s', '/usr/sbin/nologin', FALLBACK_OS_USER], { encoding: 'utf8' });
    if (r.status !== 0 && !exists(FALLBACK_OS_USER)) throw new Error(`useradd ${FALLBACK_OS_USER} failed (initdb refuses to run as root): ${r.stderr || r.error?.message}`);
  }
  return FALLBACK_OS_USER;
}

/** Runs a server binary as the cluster's owner. */
function asOwner(user, cmd, args) {
  const [c, a] = user ? ['runuser', ['-u', user, '--', cmd, ...args]] : [cmd, args];
  return spawnSync(c, a, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function chown(user, path) {
  if (!user) return;
  const r = spawnSync('chown', ['-R', `${user}:`, path], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`chown ${user} ${path} failed: ${r.stderr}`);
}

/** Whether the server answers a query on its socket (as the superuser, trusted there). */
function answers(inst) {
  const p = paths(inst);
  if (!existsSync(join(p.sock, `.s.PGSQL.${inst.port}`))) return false;
  const r = spawnSync('psql', ['-X', '-A', '-t', '-h', p.sock, '-p', String(inst.port), '-U', SUPERUSER, '-d', 'postgres', '-c', 'SELECT 1'], {
    encoding: 'utf8',
    env: { ...process.env, PGCONNECT_TIMEOUT: '2' },
  });
  return r.status === 0 && r.stdout.trim() === '1';
}

/** The settings appended to postgresql.conf at initdb: where it listens, and speed over durability. */
function settings(inst, p) {
  return [
    `port = ${inst.port}`,
    "listen_addresses = '127.0.0.1'",
    `unix_socket_directories = '${p.sock}'`,
    'max_connections = 200',
    'shared_buffers = 256MB',
    'maintenance_work_mem = 256MB',
    'max_wal_size = 4GB',
    // Throwaway data: no flush to disk (a killed server keeps its data, a crashed machine does not).
    'fsync = off',
    'synchronous_commit = off',
    'full_page_writes = off',
    "timezone = 'UTC'",
    "log_timezone = 'UTC'",
    // Server messages in English whatever this machine's locale (initdb: UTF-8, byte-order collation).
    "lc_messages = 'C'",
  ].join('\n');
}

function initCluster(inst, user) {
  const p = paths(inst);
  rmSync(p.data, { recursive: true, force: true });
  mkdirSync(p.data, { recursive: true });
  mkdirSync(p.sock, { recursive: true });
  writeFileSync(p.pwfile, `${PASSWORD}\n`);
  chown(user, p.dir);
  chmodSync(p.data, 0o700);
  const bin = postgresBinDir();
  const r = asOwner(user, join(bin, 'initdb'), [
    '-D',
    p.data,
    '-U',
    SUPERUSER,
    `--pwfile=${p.pwfile}`,
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    '--encoding=UTF8',
    '--locale=C',
    '--no-sync',
  ]);
  rmSync(p.pwfile, { force: true });
  if (r.status !== 0) {
    const reach = user ? ` (the cluster's owner, ${user}, must be able to reach ${p.dir}: every folder above it needs o+x)` : '';
    throw new Error(`initdb failed for ${inst.name}${reach}:\n${r.stdout}\n${r.stderr}`);
  }
  appendFileSync(join(p.data, 'postgresql.conf'), `\n# scripts/postgres-server.mjs\n${settings(inst, p)}\n`);
}

/** Starts the cluster (initdb on first use); a running, answering one is left alone. */
export async function startPostgres(inst) {
  requirePostgres();
  const p = paths(inst);
  if (answers(inst)) return { ...inst, url: postgresUrlOf(inst), already: true };
  const user = serverUser();
  mkdirSync(p.dir, { recursive: true });
  if (!existsSync(join(p.data, 'PG_VERSION'))) initCluster(inst, user);
  mkdirSync(p.sock, { recursive: true });
  chown(user, p.sock);
  if (!existsSync(p.log)) writeFileSync(p.log, '');
  chown(user, p.log);
  // -w: pg_ctl returns once the server accepts connections (or fails); -t bounds the wait.
  const r = asOwner(user, join(postgresBinDir(), 'pg_ctl'), ['-D', p.data, '-l', p.log, '-w', '-t', '60', 'start']);
  if (r.status === 0) {
    for (let i = 0; i < 50; i++) {
      if (answers(inst)) {
        writeFileSync(join(p.dir, 'url'), postgresUrlOf(inst));
        return { ...inst, url: postgresUrlOf(inst), already: false };
      }
      await sleep(100);
    }
  }
  const log = existsSync(p.log) ? readFileSync(p.log, 'utf8').split('\n').slice(-20).join('\n') : '(no server log)';
  throw new Error(`${inst.name} did not become ready on port ${inst.port}:\n${r.stdout}${r.stderr}\nLast lines of ${p.log}:\n${log}`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function postmasterPid(p) {
  try {
    const pid = Number(readFileSync(join(p.data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

/** Fast shutdown (SIGINT: open sessions are ended), waiting for the postmaster to exit; wipes the dir unless asked not to. */
export async function stopPostgres(inst, { wipe = true } = {}) {
  const p = paths(inst);
  const pid = postmasterPid(p);
  if (pid && alive(pid)) {
    try {
      process.kill(pid, 'SIGINT');
    } catch {
      /* gone meanwhile */
    }
    const deadline = Date.now() + STOP_GRACE_MS;
    while (alive(pid) && Date.now() < deadline) await sleep(100);
    if (alive(pid)) {
      process.kill(pid, 'SIGKILL');
      while (alive(pid)) await sleep(100);
    }
  }
  if (wipe) rmSync(p.dir, { recursive: true, force: true });
}

export function postgresStatus(inst) {
  return answers(inst) ? 'running' : 'stopped';
}

/** `test-services.mjs start|stop|status postgres`. */
export async function postgresMain(cmd, prefix, portBase) {
  const inst = postgresInstance(prefix, portBase);
  if (cmd === 'start') {
    const r = await startPostgres(inst);
    console.log(`${inst.name}: ${r.already ? 'already running' : 'started'} at ${r.url}`);
  } else if (cmd === 'stop') {
    await stopPostgres(inst);
    console.log(`${inst.name}: stopped`);
  } else if (cmd === 'status') {
    console.log(`${inst.name}: ${postgresStatus(inst)} (${postgresUrlOf(inst)})`);
  } else throw new Error(`unknown command "${cmd}" (use start, stop or status)`);
}
