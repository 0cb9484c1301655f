#!/usr/bin/env node
// Throwaway single-node search clusters for tests and benchmarks: OpenSearch 2.x and Elasticsearch 7.x,
// next to the MariaDB instances of test-services.mjs.
//
//   node scripts/search-server.mjs start|stop|status|fetch [opensearch|elasticsearch|all] [--prefix NAME] [--port-base N]
//   node scripts/test-services.mjs start|stop|status search [--prefix NAME] [--port-base N]   (both flavours)
//
// No download from the vendors: the servers are Maven Central's integration-test distributions,
// org.opensearch.distribution.integ-test-zip:opensearch:2.19.1:zip and
// org.elasticsearch.distribution.integ-test-zip:elasticsearch:7.17.10:zip (no security plugin, no ML, no
// bundled JDK), fetched once with `mvn dependency:copy` and unzipped into a cache shared by every clone and
// run: $CUTOVER_SEARCH_CACHE, by default /var/cache/cutover/search as root (the servers' own user must read
// it, and root's home is closed to it) or ${XDG_CACHE_HOME:-~/.cache}/cutover/search otherwise.
// They run on the machine's Java 17 (JAVA_HOME, ES_JAVA_HOME and OPENSEARCH_JAVA_HOME set to
// $CUTOVER_SEARCH_JAVA_HOME, default /usr/lib/jvm/java-17-openjdk-amd64), with a 512 MB heap not touched
// up front, no GC log, single-node discovery, bound to 127.0.0.1, the disk watermarks off (a full test disk
// must not turn the indexes read-only), Elasticsearch's x-pack security off. The tests start them `quick`
// (javaOptions: C1 compiler only and the serial collector: fewer threads competing for the two cores,
// and their data is small); benchmarks start them with the full JIT. Both refuse to run as root: as root
// they run as the system user `cutover-search`, created with useradd when missing.
// The instance `<prefix>-opensearch` listens on 127.0.0.1:<portBase + 80> (transport + 81), and
// `<prefix>-elasticsearch` on <portBase + 82> (transport + 83). Each lives in
// $CUTOVER_SERVICES_DIR (default /tmp/cutover-services)/<name>: config/ (a copy of the distribution's,
// with the settings above), data/, logs/ (console.out: the launcher's output), tmp/ and server.pid.
// Starting is idempotent (a running, answering server is left alone) and ready-checked (the cluster's
// health is at least yellow, polled every 250 ms); a server whose launcher ends, or that does not answer
// within the limit, is an error with its log's last lines. Stopping is SIGTERM, then SIGKILL
// after 30 s, and wipes the instance folder.
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, closeSync, cpSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { run } from './run-command.mjs';

const BASE_DIR = process.env.CUTOVER_SERVICES_DIR ?? '/tmp/cutover-services';
const JAVA_HOME = process.env.CUTOVER_SEARCH_JAVA_HOME ?? '/usr/lib/jvm/java-17-openjdk-amd64';
const OS_USER = 'cutover-search';
const INSTALL_HINT = 'sudo apt-get update && sudo apt-get install -y openjdk-17-jdk-headless maven unzip';
const STOP_GRACE_MS = 30_000;
const READY_MS = Number(process.env.CUTOVER_SEARCH_READY_MS ?? 240_000);

/** The two distributions: Maven coordinates, the folder the zip unpacks to, the start script and its env names. */
export const FLAVOURS = {
  opensearch: {
    artifact: 'org.opensearch.distribution.integ-test-zip:opensearch:2.19.1:zip',
    version: '2.19.1',
    folder: 'opensearch-2.19.1',
    bin: 'bin/opensearch',
    confEnv: 'OPENSEARCH_PATH_CONF',
    optsEnv: 'OPENSEARCH_JAVA_OPTS',
    offset: 80,
  },
  elasticsearch: {
    artifact: 'org.elasticsearch.distribution.integ-test-zip:elasticsearch:7.17.10:zip',
    version: '7.17.10',
    folder: 'elasticsearch-7.17.10',
    bin: 'bin/elasticsearch',
    confEnv: 'ES_PATH_CONF',
    optsEnv: 'ES_JAVA_OPTS',
    offset: 82,
    // The distribution carries x-pack-security (off by default in 7.17 without a license, but initialised).
    settings: ['xpack.security.enabled: false'],
  },
};

/**
 * @typedef {'opensearch' | 'elasticsearch'} Flavour
 * @typedef {{ flavour: Flavour, name: string, port: number, transportPort: number, dir: string, url: string }} SearchInstance
 */

/**
 * The search instance of a flavour for a test-services prefix and port base.
 * @param {Flavour} flavour @param {string} [prefix] @param {number} [portBase]
 * @returns {SearchInstance}
 */
export function searchInstance(flavour, prefix = 'test', portBase = 33060) {
  const f = FLAVOURS[flavour];
  if (!f) throw new Error(`unknown search flavour "${flavour}" (use opensearch or elasticsearch)`);
  const name = `${prefix}-${flavour}`;
  const port = portBase + f.offset;
  return { flavour, name, port, transportPort: port + 1, dir: join(BASE_DIR, name), url: `http://127.0.0.1:${port}` };
}

/** @param {SearchInstance} inst */
function paths(inst) {
  const d = inst.dir;
  return { dir: d, conf: join(d, 'config'), data: join(d, 'data'), logs: join(d, 'logs'), tmp: join(d, 'tmp'), out: join(d, 'logs', 'console.out'), pid: join(d, 'server.pid') };
}

const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

/** @param {string} cmd */
function which(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/** Throws, saying how to install them, when Java 17, Maven or unzip is missing. */
export function requireSearchTools() {
  const missing = [];
  if (!existsSync(join(JAVA_HOME, 'bin', 'java'))) missing.push(`Java 17 at ${JAVA_HOME} (or set CUTOVER_SEARCH_JAVA_HOME)`);
  for (const c of ['mvn', 'unzip']) if (!which(c)) missing.push(c);
  if (missing.length) throw new Error(`The search test servers need ${missing.join(', ')}. Install them with:\n  ${INSTALL_HINT}`);
}

/** The cache holding the unpacked distributions. */
export function searchCacheDir() {
  if (process.env.CUTOVER_SEARCH_CACHE) return process.env.CUTOVER_SEARCH_CACHE;
  if (process.getuid?.() === 0) return '/var/cache/cutover/search';
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'cutover', 'search');
}

/**
 * Makes sure the flavour's distribution is unpacked in the cache and returns its home. The first call runs
 * Maven (dependency:copy of the zip) and unzip into a temporary folder, then renames it into place, so an
 * interrupted or concurrent fetch never leaves a half-filled folder that looks complete.
 * @param {Flavour} flavour
 * @returns {Promise<string>}
 */
export async function fetchSearch(flavour, { log = (/** @type {string} */ l) => console.error(l) } = {}) {
  const f = FLAVOURS[flavour];
  const cache = searchCacheDir();
  const home = join(cache, f.folder);
  if (existsSync(join(home, '.complete'))) return home;
  requireSearchTools();
  log(`search: fetching ${f.artifact} from Maven Central into ${cache} (first run only)`);
  mkdirSync(cache, { recursive: true });
  const tmp = join(cache, `${f.folder}.partial-${process.pid}-${Date.now()}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    await run('mvn', ['-B', '-q', 'org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy', `-Dartifact=${f.artifact}`, `-DoutputDirectory=${tmp}`], { timeoutMs: 20 * 60_000, cwd: tmp });
    const zip = readdirSync(tmp).find((n) => n.endsWith('.zip'));
    if (!zip) throw new Error(`Maven finished but no zip is in ${tmp}`);
    await run('unzip', ['-q', zip], { cwd: tmp, timeoutMs: 10 * 60_000 });
    if (!existsSync(join(tmp, f.folder, f.bin))) throw new Error(`the zip has no ${f.folder}/${f.bin}`);
    writeFileSync(join(tmp, f.folder, '.complete'), `${f.artifact}\n`);
    if (existsSync(join(home, '.complete'))) return home; // another process finished first
    rmSync(home, { recursive: true, force: true });
    renameSync(join(tmp, f.folder), home);
    // The servers' own user reads (and runs) the distribution.
    spawnSync('chmod', ['-R', 'a+rX', cache]);
    return home;
  } catch (e) {
    throw new Error(`Could not fetch ${f.artifact} with Maven: ${/** @type {Error} */ (e).message}\n(needs: ${INSTALL_HINT})`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The OS user that runs the servers: ourselves, or (as root) `cutover-search`, created when missing. */
function serverUser() {
  if (process.getuid?.() !== 0) return null;
  const exists = () => spawnSync('id', ['-u', OS_USER]).status === 0;
  if (!exists()) {
    const r = spawnSync('useradd', ['-M', '-r', '-s', '/usr/sbin/nologin', OS_USER], { encoding: 'utf8' });
    if (r.status !== 0 && !exists()) throw new Error(`useradd ${OS_USER} failed (OpenSearch and Elasticsearch refuse to run as root): ${r.stderr || r.error?.message}`);
  }
  return OS_USER;
}

/**
 * The cluster's root answer and health, or null when it does not answer.
 * @param {SearchInstance} inst
 */
export async function searchAnswer(inst, timeoutMs = 3000) {
  try {
    const root = await fetch(`${inst.url}/`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!root.ok) return null;
    const info = await root.json();
    const h = await fetch(`${inst.url}/_cluster/health?wait_for_status=yellow&timeout=2s`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!h.ok) return null;
    const health = await h.json();
    if (health.status !== 'green' && health.status !== 'yellow') return null;
    return { info, health };
  } catch {
    return null;
  }
}

/** @param {SearchInstance} inst */
function settings(inst, p) {
  return [
    `cluster.name: ${inst.name}`,
    `node.name: ${inst.name}`,
    `path.data: ${p.data}`,
    `path.logs: ${p.logs}`,
    'network.host: 127.0.0.1',
    `http.port: ${inst.port}`,
    `transport.port: ${inst.transportPort}`,
    'discovery.type: single-node',
    // A nearly full test disk must not make the indexes read-only (flood stage) or unassigned.
    'cluster.routing.allocation.disk.threshold_enabled: false',
    // Tests delete indexes by pattern when they clean up.
    'action.destructive_requires_name: false',
    ...(FLAVOURS[inst.flavour].settings ?? []),
  ].join('\n');
}

/** @param {string | null} user @param {string} path */
function chown(user, path) {
  if (!user) return;
  const r = spawnSync('chown', ['-R', `${user}:`, path], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`chown ${user} ${path} failed: ${r.stderr}`);
}

/** @param {SearchInstance} inst */
function pidOf(inst) {
  try {
    const pid = Number(readFileSync(paths(inst).pid, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** @param {number} pid */
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return /** @type {NodeJS.ErrnoException} */ (e).code === 'EPERM';
  }
}

/** @param {SearchInstance} inst */
function logTail(inst) {
  const p = paths(inst);
  const files = [p.out, join(p.logs, `${inst.name}.log`)].filter((f) => existsSync(f));
  return files.map((f) => `${f}:\n${readFileSync(f, 'utf8').split('\n').slice(-25).join('\n')}`).join('\n') || '(no server log)';
}

/**
 * The JVM options beside the copied jvm.options: a 512 MB heap, not touched up front, and two processors.
 * `quick` (the tests: small data, servers started often) trades the server's top speed for a cheaper
 * start: the C1 compiler only (no C2 compilations competing for the two cores) and the serial collector
 * (no G1 threads) — a benchmark starts without it.
 * @param {boolean} quick
 */
export function javaOptions(quick) {
  const base = ['-Xms512m', '-Xmx512m', '-XX:-AlwaysPreTouch', '-XX:ActiveProcessorCount=2'];
  return (quick ? [...base, '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'] : base).join(' ');
}

/**
 * Starts the flavour's server (fetching the distribution on first use); a running, answering one is left
 * alone. The launcher runs in the foreground of a detached process whose output goes to logs/console.out,
 * and the cluster is polled until its health is at least yellow; ES_TMPDIR / OPENSEARCH_TMPDIR are set so
 * the launcher starts no JVM of its own to pick a temporary folder. `quick`: see javaOptions.
 * @param {SearchInstance} inst @param {{ quick?: boolean }} [o]
 * @returns {Promise<{ url: string, already: boolean, version: string }>}
 */
export async function startSearch(inst, { quick = false } = {}) {
  const up = await searchAnswer(inst);
  if (up) return { url: inst.url, already: true, version: up.info.version?.number ?? '' };
  requireSearchTools();
  const f = FLAVOURS[inst.flavour];
  const home = await fetchSearch(inst.flavour);
  const user = serverUser();
  const p = paths(inst);
  const old = pidOf(inst);
  if (old && alive(old)) await stopSearch(inst);
  rmSync(p.dir, { recursive: true, force: true });
  mkdirSync(p.logs, { recursive: true });
  mkdirSync(p.data, { recursive: true });
  mkdirSync(p.tmp, { recursive: true });
  cpSync(join(home, 'config'), p.conf, { recursive: true });
  appendFileSync(join(p.conf, `${inst.flavour}.yml`), `\n# scripts/search-server.mjs\n${settings(inst, p)}\n`);
  // jvm.options names logs/ and data/ relative to the distribution (which the server's user cannot write),
  // a 1 GB heap and GC logging: the instance's own folders, the heap from the environment, no GC log (and,
  // quick, no G1 for the serial collector).
  const jvm = join(p.conf, 'jvm.options');
  writeFileSync(
    jvm,
    readFileSync(jvm, 'utf8')
      .replace(/^-Xm[sx]\S+$/gm, '')
      .replace(/^\S*-Xlog:gc\S*$/gm, '')
      .replace(quick ? /^\S*-XX:(\+UseG1GC|G1\S+|InitiatingHeapOccupancyPercent\S+)$/gm : /$^/, '')
      .replace(/(=|file=|:)logs\//g, `$1${p.logs}/`)
      .replace(/HeapDumpPath=data/g, `HeapDumpPath=${p.data}`),
  );
  writeFileSync(p.out, '');
  chown(user, p.dir);
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    JAVA_HOME,
    ES_JAVA_HOME: JAVA_HOME,
    OPENSEARCH_JAVA_HOME: JAVA_HOME,
    ES_TMPDIR: p.tmp,
    OPENSEARCH_TMPDIR: p.tmp,
    [f.confEnv]: p.conf,
    [f.optsEnv]: javaOptions(quick),
    LANG: 'C.UTF-8',
  };
  const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  const cmd = [join(home, f.bin), '-p', p.pid];
  const [c, a] = user ? ['runuser', ['-u', user, '--', 'env', '-i', ...envArgs, ...cmd]] : ['env', ['-i', ...envArgs, ...cmd]];
  const out = openSync(p.out, 'a');
  let exited = null;
  try {
    const child = spawn(c, a, { cwd: p.dir, detached: true, stdio: ['ignore', out, out] });
    child.on('exit', (code, signal) => (exited = signal ?? `exit ${code}`));
    child.on('error', (e) => (exited = e.message));
    child.unref();
  } finally {
    closeSync(out);
  }
  const deadline = Date.now() + READY_MS;
  while (Date.now() < deadline && exited === null) {
    const ok = await searchAnswer(inst);
    if (ok) return { url: inst.url, already: false, version: ok.info.version?.number ?? '' };
    await sleep(250);
  }
  const pid = pidOf(inst);
  if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
  const why = exited !== null ? `its launcher ended (${exited})` : `it did not become ready on ${inst.url} within ${READY_MS / 1000} s`;
  throw new Error(`${inst.name} did not start: ${why} (${c} ${a.join(' ')}):\n${logTail(inst)}`);
}

/**
 * Stops the server (SIGTERM, SIGKILL after 30 s) and, unless asked not to, wipes its folder.
 * @param {SearchInstance} inst
 */
export async function stopSearch(inst, { wipe = true } = {}) {
  const pid = pidOf(inst);
  if (pid && alive(pid)) {
    try {
      process.kill(pid, 'SIGTERM');
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
  if (wipe) rmSync(inst.dir, { recursive: true, force: true });
}

/** `search-server.mjs start|stop|status|fetch [flavour|all]` (and `test-services.mjs … search`). */
export async function searchMain(cmd, which = 'all', prefix = 'test', portBase = 33060) {
  const flavours = which === 'all' ? /** @type {Flavour[]} */ (['opensearch', 'elasticsearch']) : [/** @type {Flavour} */ (which)];
  for (const fl of flavours) {
    const inst = searchInstance(fl, prefix, portBase);
    if (cmd === 'start') {
      const r = await startSearch(inst);
      console.log(`${inst.name}: ${r.already ? 'already running' : 'started'} at ${r.url} (${fl} ${r.version})`);
    } else if (cmd === 'stop') {
      await stopSearch(inst);
      console.log(`${inst.name}: stopped`);
    } else if (cmd === 'status') {
      const a = await searchAnswer(inst);
      console.log(`${inst.name}: ${a ? `running (${a.health.status})` : 'stopped'} (${inst.url})`);
    } else if (cmd === 'fetch') {
      console.log(`${fl}: ${await fetchSearch(fl)}`);
    } else throw new Error(`unknown command "${cmd}" (use start, stop, status or fetch)`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const opt = (name, dflt) => {
    const i = args.indexOf(name);
    if (i < 0) return dflt;
    const v = args[i + 1];
    args.splice(i, 2);
    return v;
  };
  const prefix = opt('--prefix', 'test');
  const portBase = Number(opt('--port-base', process.env.CUTOVER_TEST_PORT_BASE ?? '33060'));
  const [cmd = 'status', which = 'all'] = args;
  searchMain(cmd, which, prefix, portBase).catch((e) => {
    console.error(e.message);
    process.exit(1);
  });
}
