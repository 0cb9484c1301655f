#!/usr/bin/env node
// Throwaway MariaDB instances for tests, benchmarks and the demo.
//
//   node scripts/test-services.mjs start [source|sink|all] [--prefix NAME] [--port-base N]
//   node scripts/test-services.mjs stop  [source|sink|all] [--prefix NAME]
//   node scripts/test-services.mjs status
//   node scripts/test-services.mjs start|stop|status kafka [--prefix NAME] [--port-base N] [--fresh] [--wipe]
//   node scripts/test-services.mjs start|stop|status postgres [--prefix NAME] [--port-base N]
//   node scripts/test-services.mjs start|stop|status search|opensearch|elasticsearch [--prefix NAME] [--port-base N]
//
// `kafka` is a single-node Apache Kafka broker on 127.0.0.1:<port-base + 32> (scripts/kafka-broker.mjs;
// its stop keeps the data unless --wipe). `postgres` is a PostgreSQL cluster on 127.0.0.1:<port-base + 40>
// (scripts/postgres-server.mjs, whose helpers are re-exported here). `search` is OpenSearch 2.19 on
// <port-base + 80> and Elasticsearch 7.17 on <port-base + 82> (scripts/search-server.mjs; the search tests
// start them themselves, as the Kafka tests start their broker). `all` means the MariaDB source and
// sink only. Without --port-base the port base is $CUTOVER_TEST_PORT_BASE (default 33060), as in the tests.
// Each instance has its own temporary datadir under $CUTOVER_SERVICES_DIR (default
// /tmp/cutover-services), its own port on 127.0.0.1 and its own socket. The source has the binlog on
// in ROW format with FULL images and FULL row metadata. Starting is idempotent (a running, answering
// instance is left alone) and ready-checked; stopping waits for the server to exit.
// Root has no password; a user `cutover`/`cutover` with all privileges exists for TCP tests.
// TLS is on (clients may still connect without it): each instance dir gets, once, a CA, a server
// certificate for IP:127.0.0.1 and DNS:localhost, and a client certificate, made with openssl
// (tls/ca.pem, server-cert.pem, server-key.pem, client-cert.pem, client-key.pem; see tlsDirOf).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, openSync } from 'node:fs';
import { join } from 'node:path';

export { postgresInstance, postgresSocketDirOf, postgresUrlOf, requirePostgres, startPostgres, stopPostgres } from './postgres-server.mjs';

const BASE_DIR = process.env.CUTOVER_SERVICES_DIR ?? '/tmp/cutover-services';

export function instances(prefix = 'test', portBase = 33060) {
  return {
    source: {
      name: `${prefix}-source`,
      port: portBase + 1,
      serverId: 1,
      extra: [
        '--log-bin=mysql-bin',
        '--binlog-format=ROW',
        '--binlog-row-image=FULL',
        '--binlog-row-metadata=FULL',
        // A non-UTC server time zone proves TIMESTAMPs are read and written in UTC.
        '--default-time-zone=+05:30',
      ],
    },
    sink: { name: `${prefix}-sink`, port: portBase + 2, serverId: 2, extra: ['--log-bin=mysql-bin', '--binlog-format=ROW'] },
  };
}

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

export function requireMariadb() {
  const missing = ['mariadbd', 'mariadb-install-db', 'mariadb-admin', 'mariadb'].filter((c) => !which(c));
  if (missing.length) {
    throw new Error(
      `MariaDB server binaries not found (${missing.join(', ')}). Install them with:\n` +
        `  sudo apt-get update && sudo apt-get install -y mariadb-server mariadb-client`,
    );
  }
}

function paths(inst) {
  const dir = join(BASE_DIR, inst.name);
  return { dir, data: join(dir, 'data'), tmp: join(dir, 'tmp'), sock: join(dir, 'mysqld.sock'), pid: join(dir, 'mysqld.pid'), log: join(dir, 'error.log'), tls: join(dir, 'tls') };
}

/** The instance's TLS files: ca.pem, server-cert.pem, server-key.pem, client-cert.pem, client-key.pem. */
export function tlsDirOf(inst) {
  return paths(inst).tls;
}

function openssl(args, cwd) {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (r.error?.code === 'ENOENT') throw new Error('openssl not found (the test servers get TLS certificates): sudo apt-get install -y openssl');
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed:\n${r.stderr}`);
}

/** A CA and a server and a client certificate it signed (EC P-256, 10 years), once per instance dir. */
export function makeTlsFiles(dir, { serverNames = 'IP:127.0.0.1,DNS:localhost', cn = 'Cutover test CA' } = {}) {
  if (existsSync(join(dir, 'client-key.pem'))) return dir;
  mkdirSync(dir, { recursive: true });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '3650', '-subj', `/CN=${cn}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  for (const [name, subject, ext] of [
    ['server', '/CN=localhost', `subjectAltName=${serverNames}\nextendedKeyUsage=serverAuth\n`],
    ['client', '/CN=cutover', 'extendedKeyUsage=clientAuth\n'],
  ]) {
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(['req', ...ec, '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', subject], dir);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', `${name}-cert.pem`, '-days', '3650', '-extfile', `${name}.ext`], dir);
  }
  return dir;
}

function ping(inst) {
  const p = paths(inst);
  const r = spawnSync('mariadb-admin', ['--no-defaults', `--socket=${p.sock}`, '-uroot', '--connect-timeout=2', 'ping'], {
    encoding: 'utf8',
  });
  return r.status === 0 && /alive/.test(r.stdout);
}

function sql(inst, statement) {
  const p = paths(inst);
  const r = spawnSync('mariadb', ['--no-defaults', `--socket=${p.sock}`, '-uroot', '-e', statement], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${inst.name}: ${statement}: ${r.stderr}`);
  return r.stdout;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function startInstance(inst) {
  requireMariadb();
  const p = paths(inst);
  if (existsSync(p.sock) && ping(inst)) return { ...inst, url: urlOf(inst), already: true };
  mkdirSync(p.tmp, { recursive: true });
  makeTlsFiles(p.tls);
  if (!existsSync(join(p.data, 'mysql'))) {
    rmSync(p.data, { recursive: true, force: true });
    const r = spawnSync(
      'mariadb-install-db',
      // Its own temporary directory here too: a cleanup of /tmp by anything else failed the bootstrap ("Could not remove temporary table").
      ['--no-defaults', `--datadir=${p.data}`, `--tmpdir=${p.tmp}`, '--user=root', '--auth-root-authentication-method=normal', '--skip-test-db'],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`mariadb-install-db failed for ${inst.name}:\n${r.stdout}\n${r.stderr}`);
  }
  const args = [
    '--no-defaults',
    `--datadir=${p.data}`,
    `--socket=${p.sock}`,
    `--pid-file=${p.pid}`,
    `--log-error=${p.log}`,
    // Its own temporary directory: a cleanup of /tmp by anything else must not break a running query.
    `--tmpdir=${p.tmp}`,
    `--port=${inst.port}`,
    '--bind-address=127.0.0.1',
    '--user=root',
    `--server-id=${inst.serverId}`,
    '--innodb-buffer-pool-size=512M',
    '--innodb-log-file-size=256M',
    '--innodb-flush-log-at-trx-commit=2',
    '--max-connections=500',
    '--max-allowed-packet=64M',
    '--skip-name-resolve',
    '--local-infile=1',
    `--ssl-ca=${join(p.tls, 'ca.pem')}`,
    `--ssl-cert=${join(p.tls, 'server-cert.pem')}`,
    `--ssl-key=${join(p.tls, 'server-key.pem')}`,
    ...inst.extra,
  ];
  const out = openSync(join(p.dir, 'stdout.log'), 'a');
  const child = spawn('mariadbd', args, { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  for (let i = 0; i < 300; i++) {
    if (existsSync(p.sock) && ping(inst)) {
      sql(
        inst,
        "CREATE USER IF NOT EXISTS 'cutover'@'%' IDENTIFIED BY 'cutover'; GRANT ALL ON *.* TO 'cutover'@'%' WITH GRANT OPTION;",
      );
      writeFileSync(join(p.dir, 'url'), urlOf(inst));
      return { ...inst, url: urlOf(inst), already: false };
    }
    if (child.exitCode !== null) break;
    await sleep(100);
  }
  const log = existsSync(p.log) ? readFileSync(p.log, 'utf8').split('\n').slice(-20).join('\n') : '(no error log)';
  throw new Error(`${inst.name} did not become ready on port ${inst.port}. Last lines of ${p.log}:\n${log}`);
}

export async function stopInstance(inst, { wipe = true } = {}) {
  const p = paths(inst);
  if (existsSync(p.pid)) {
    const pid = Number(readFileSync(p.pid, 'utf8').trim());
    try {
      process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 300; i++) {
        try {
          process.kill(pid, 0);
        } catch {
          break;
        }
        await sleep(100);
      }
    } catch {
      /* not running */
    }
  }
  if (wipe) rmSync(p.dir, { recursive: true, force: true });
}

export function urlOf(inst) {
  return `mysql://cutover:cutover@127.0.0.1:${inst.port}`;
}

export function socketOf(inst) {
  return paths(inst).sock;
}

/** The process id of a running instance (from its pid file), or null. */
export function pidOf(inst) {
  try {
    return Number(readFileSync(paths(inst).pid, 'utf8').trim()) || null;
  } catch {
    return null;
  }
}

async function main() {
  const [cmd = 'status', which_ = 'all', ...rest] = process.argv.slice(2);
  const opt = (name, dflt) => {
    const i = rest.indexOf(name);
    return i >= 0 ? rest[i + 1] : dflt;
  };
  // --port-base, else CUTOVER_TEST_PORT_BASE (as the tests use it), else 33060.
  const portBase = Number(opt('--port-base', process.env.CUTOVER_TEST_PORT_BASE ?? '33060'));
  if (which_ === 'kafka') {
    const { kafkaMain } = await import('./kafka-broker.mjs');
    return kafkaMain(cmd, opt('--prefix', 'test'), portBase, rest);
  }
  if (which_ === 'search' || which_ === 'opensearch' || which_ === 'elasticsearch') {
    const { searchMain } = await import('./search-server.mjs');
    return searchMain(cmd, which_ === 'search' ? 'all' : which_, opt('--prefix', 'test'), portBase);
  }
  if (which_ === 'postgres') {
    const { postgresMain } = await import('./postgres-server.mjs');
    return postgresMain(cmd, opt('--prefix', 'test'), portBase);
  }
  const all = instances(opt('--prefix', 'test'), portBase);
  const chosen = which_ === 'all' ? Object.values(all) : [all[which_]].filter(Boolean);
  if (!chosen.length) throw new Error(`unknown instance "${which_}" (use source, sink, all, postgres, kafka, search, opensearch or elasticsearch)`);
  for (const inst of chosen) {
    if (cmd === 'start') {
      const r = await startInstance(inst);
      console.log(`${inst.name}: ${r.already ? 'already running' : 'started'} at ${r.url}`);
    } else if (cmd === 'stop') {
      await stopInstance(inst);
      console.log(`${inst.name}: stopped`);
    } else if (cmd === 'status') {
      console.log(`${inst.name}: ${existsSync(paths(inst).sock) && ping(inst) ? 'running' : 'stopped'} (${urlOf(inst)})`);
    } else throw new Error(`unknown command "${cmd}" (use start, stop or status)`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e) => {
    console.error(e.message);
    process.exit(1);
  });
}
