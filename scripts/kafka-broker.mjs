#!/usr/bin/env node
// A throwaway single-node Apache Kafka broker (KRaft, broker+controller in one JVM) for tests and
// benchmarks, next to the MariaDB instances of test-services.mjs.
//
//   node scripts/kafka-broker.mjs start|stop|status|fetch [--prefix NAME] [--port-base N] [--fresh] [--wipe]
//   node scripts/test-services.mjs start|stop|status kafka [--prefix NAME] [--port-base N]   (the same)
//
// No Kafka download: the broker's jars come from Maven Central (scripts/kafka/pom.xml) into a cache
// shared by every clone and run, ${XDG_CACHE_HOME:-~/.cache}/cutover/kafka-<version>/libs. The instance
// `<prefix>-kafka` lives in $CUTOVER_SERVICES_DIR (default /tmp/cutover-services)/<prefix>-kafka: its
// server.properties, its data (log.dirs, formatted once, kept across stop/start), logs/server.out and
// kafka.pid. It listens on 127.0.0.1:<portBase + 32>, its controller on 127.0.0.1:<portBase + 33>.
// Starting is idempotent (a running, answering broker is reused) and ready-checked (a metadata request
// with kafkajs); stopping is SIGTERM, then SIGKILL after 20 s, and keeps the data unless asked to wipe.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './run-command.mjs';
import { cutoverCacheBase, fetchMavenLibs } from './maven-libs.mjs';

export const KAFKA_VERSION = '3.9.1';
const HERE = dirname(fileURLToPath(import.meta.url));
const KAFKA_DIR = join(HERE, 'kafka');
const BASE_DIR = process.env.CUTOVER_SERVICES_DIR ?? '/tmp/cutover-services';
const INSTALL_HINT = 'sudo apt-get update && sudo apt-get install -y default-jdk-headless maven';
/** The broker's JVM: a small heap (2 cores, MariaDB alongside); Kafka's own GC settings otherwise. */
const BROKER_JVM = [
  '-Xms256m',
  '-Xmx512m',
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  '-XX:InitiatingHeapOccupancyPercent=35',
  '-XX:+ExplicitGCInvokesConcurrent',
  '-XX:ParallelGCThreads=2',
  '-XX:ConcGCThreads=1',
  '-Djava.awt.headless=true',
];
/** Short-lived tools (StorageTool): start fast. */
const TOOL_JVM = ['-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Djava.awt.headless=true'];
const STOP_GRACE_MS = 20_000;

/**
 * @typedef {{ name: string, port: number, controllerPort: number, dir: string, bootstrap: string }} KafkaInstance
 * @typedef {{ name: string, bootstrap: string, dir: string, pid: number | null, running: boolean, ready: boolean, formatted: boolean }} KafkaStatus
 */

/**
 * The Kafka instance of a test-services prefix and port base: broker on portBase + 32, controller on
 * portBase + 33 (33092/33093 for the default 33060).
 * @param {string} [prefix]
 * @param {number} [portBase]
 * @returns {KafkaInstance}
 */
export function kafkaInstance(prefix = 'test', portBase = 33060) {
  const name = `${prefix}-kafka`;
  const port = portBase + 32;
  return { name, port, controllerPort: portBase + 33, dir: join(BASE_DIR, name), bootstrap: `127.0.0.1:${port}` };
}

/** @param {KafkaInstance} inst */
function paths(inst) {
  const d = inst.dir;
  return {
    dir: d,
    data: join(d, 'data'),
    logs: join(d, 'logs'),
    out: join(d, 'logs', 'server.out'),
    pid: join(d, 'kafka.pid'),
    props: join(d, 'server.properties'),
    clusterId: join(d, 'cluster.id'),
  };
}

const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

/** @param {string} cmd */
function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/**
 * Throws a clear error when Java (11 or later) or, with `maven`, Maven is missing.
 * @param {{ maven?: boolean }} [o]
 */
export function requireJava({ maven = false } = {}) {
  const missing = ['java', ...(maven ? ['mvn'] : [])].filter((c) => !which(c));
  if (missing.length) {
    throw new Error(
      `The Kafka test broker needs Java 11+${maven ? ' and Maven' : ''} (missing: ${missing.join(', ')}). Install them with:\n  ${INSTALL_HINT}`,
    );
  }
  const v = spawnSync('java', ['-version'], { encoding: 'utf8' });
  const m = /version "(\d+)(?:\.(\d+))?/.exec(`${v.stderr}${v.stdout}`);
  const major = m ? (m[1] === '1' ? Number(m[2]) : Number(m[1])) : NaN;
  if (!(major >= 11)) {
    throw new Error(`The Kafka test broker needs Java 11 or later; \`java -version\` says:\n${(v.stderr || v.stdout).trim()}\nInstall one with:\n  ${INSTALL_HINT}`);
  }
}

/** The cache folder of this Kafka version's jars (shared by every clone and run). */
export function kafkaCacheDir() {
  return join(cutoverCacheBase(), `kafka-${KAFKA_VERSION}`);
}

/**
 * Makes sure the broker's jars (scripts/kafka/pom.xml) are in the cache and returns their folder
 * (maven-libs.mjs: fetched once, complete or not there at all).
 * @param {{ log?: (line: string) => void }} [o] `log` gets one line when a fetch actually runs (stderr by default)
 * @returns {Promise<string>}
 */
export function fetchKafkaJars({ log } = {}) {
  return fetchMavenLibs({
    pom: join(KAFKA_DIR, 'pom.xml'),
    dir: kafkaCacheDir(),
    what: `the Kafka ${KAFKA_VERSION} jars`,
    expect: [`kafka_2.13-${KAFKA_VERSION}.jar`, `kafka-clients-${KAFKA_VERSION}.jar`, 'reload4j-'],
    requireTools: () => requireJava({ maven: true }),
    fetchingLine: (libs) => `kafka: fetching the Kafka ${KAFKA_VERSION} broker jars from Maven Central into ${libs} (first run only)`,
    log,
  });
}

/** @returns {Promise<any>} */
async function loadKafkajs() {
  try {
    const m = await import('kafkajs');
    return m.default ?? m;
  } catch {
    throw new Error('The Kafka test broker checks readiness with kafkajs, which is not installed: npm install --no-save kafkajs@2.2.4');
  }
}

/**
 * Whether something accepts TCP connections on 127.0.0.1:port.
 * @param {number} port @param {number} [timeoutMs]
 * @returns {Promise<boolean>}
 */
export function portOpen(port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    const done = (/** @type {boolean} */ ok) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/**
 * One readiness probe: the port accepts connections, the cluster metadata names this broker and a
 * metadata request (listTopics) answers. Never throws.
 * @param {KafkaInstance} inst
 * @returns {Promise<boolean>}
 */
async function answers(inst) {
  if (!(await portOpen(inst.port))) return false;
  const { Kafka, logLevel } = await loadKafkajs();
  const kafka = new Kafka({
    clientId: 'cutover-kafka-probe',
    brokers: [inst.bootstrap],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    requestTimeout: 5000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin({ retry: { retries: 0 } });
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (!cluster.brokers.some((/** @type {{ nodeId: number }} */ b) => b.nodeId === 1)) return false;
    await admin.listTopics();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** @param {number} pid */
function alive(pid) {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // An exited child this process has not reaped yet is a zombie: gone for our purposes.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/**
 * The pid of this instance's running broker (its pid file names a live java running kafka.Kafka on
 * this instance's server.properties), or null.
 * @param {KafkaInstance} inst
 */
function brokerPid(inst) {
  const p = paths(inst);
  let pid;
  try {
    pid = Number(readFileSync(p.pid, 'utf8').trim());
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return null;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (!cmdline.includes('kafka.Kafka') || !cmdline.includes(p.props)) return null; // a reused pid
  } catch {
    /* no /proc: trust the pid file */
  }
  return pid;
}

/** @param {string} file @param {number} n */
function tail(file, n = 40) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-n).join('\n');
  } catch {
    return '(no output)';
  }
}

/** A Kafka cluster id: 16 random bytes, URL-safe base64 without padding, not starting with '-'. */
function newClusterId() {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** @param {KafkaInstance} inst */
function writeProperties(inst) {
  const p = paths(inst);
  const text = readFileSync(join(KAFKA_DIR, 'server.properties'), 'utf8')
    .replaceAll('@PORT@', String(inst.port))
    .replaceAll('@CONTROLLER_PORT@', String(inst.controllerPort))
    .replaceAll('@DATA_DIR@', p.data);
  writeFileSync(p.props, text);
}

/**
 * How long the KRaft storage format may take: a JVM start plus the tool's work, which takes a few seconds
 * on an idle machine and over a minute on 2 cores shared with other test lanes.
 */
const FORMAT_TIMEOUT_MS = 180_000;

/**
 * Starts the instance's broker (formatting its storage the first time) and waits until it answers a
 * metadata request; a running, answering broker is reused (`already: true`). With `fresh`, a running
 * broker is stopped and the instance's data deleted first. Throws (with the end of the broker's
 * output) when the broker exits or is not ready within `timeoutMs`.
 * @param {KafkaInstance} inst
 * @param {{ fresh?: boolean, timeoutMs?: number }} [o]
 * @returns {Promise<{ bootstrap: string, already: boolean }>}
 */
export async function startKafka(inst, { fresh = false, timeoutMs = 120_000 } = {}) {
  const libs = await fetchKafkaJars();
  requireJava();
  const p = paths(inst);
  if (fresh) await stopKafka(inst, { wipe: true });
  let deadline = Date.now() + timeoutMs;

  const running = brokerPid(inst);
  if (running !== null) {
    // Ours and alive: possibly still starting (another process launched it).
    while (Date.now() < deadline && brokerPid(inst) !== null) {
      if (await answers(inst)) return { bootstrap: inst.bootstrap, already: true };
      await sleep(250);
    }
    throw new Error(`${inst.name}: a broker (pid ${running}) is running but does not answer on ${inst.bootstrap}. Last lines of ${p.out}:\n${tail(p.out)}`);
  }
  for (const port of [inst.port, inst.controllerPort]) {
    if (await portOpen(port)) {
      throw new Error(`${inst.name}: port ${port} is already in use by another process (not this instance's broker); choose another --port-base`);
    }
  }

  mkdirSync(p.logs, { recursive: true });
  writeProperties(inst);
  const classpath = `${libs}/*`;
  if (!existsSync(join(p.data, 'meta.properties'))) {
    // First start (or a data folder that was never completely formatted): format the KRaft storage.
    if (!existsSync(p.clusterId)) writeFileSync(p.clusterId, `${newClusterId()}\n`);
    const clusterId = readFileSync(p.clusterId, 'utf8').trim();
    await run(
      'java',
      [
        ...TOOL_JVM,
        `-Dlog4j.configuration=file:${join(KAFKA_DIR, 'tools-log4j.properties')}`,
        '-cp',
        classpath,
        'kafka.tools.StorageTool',
        'format',
        '-t',
        clusterId,
        '-c',
        p.props,
        '--ignore-formatted',
      ],
      { timeoutMs: FORMAT_TIMEOUT_MS, cwd: p.dir },
    ).catch((e) => {
      throw new Error(`${inst.name}: formatting the KRaft storage (in ${p.dir}) failed: ${e.message}`);
    });
    // The broker's own start gets its whole time limit: a slow format (a loaded machine) does not eat it.
    deadline = Date.now() + timeoutMs;
  }

  const out = openSync(p.out, 'a');
  const child = spawn(
    'java',
    [
      ...BROKER_JVM,
      `-Dlog4j.configuration=file:${join(KAFKA_DIR, 'log4j.properties')}`,
      `-Dkafka.logs.dir=${p.logs}`,
      '-cp',
      classpath,
      'kafka.Kafka',
      p.props,
    ],
    { cwd: p.dir, detached: true, stdio: ['ignore', out, out] },
  );
  closeSync(out);
  child.unref();
  /** @type {string | null} */
  let exited = null;
  child.once('exit', (code, signal) => (exited = signal ?? String(code)));
  child.once('error', (e) => (exited = e.message));
  if (child.pid) writeFileSync(p.pid, `${child.pid}\n`);

  while (Date.now() < deadline) {
    if (exited !== null) break;
    if (await answers(inst)) return { bootstrap: inst.bootstrap, already: false };
    await sleep(250);
  }
  const why = exited !== null ? `exited (${exited})` : `was not ready within ${timeoutMs / 1000} s`;
  if (exited === null && child.pid) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  rmSync(p.pid, { force: true });
  throw new Error(`${inst.name}: the Kafka broker on ${inst.bootstrap} ${why}. Last lines of ${p.out}:\n${tail(p.out)}`);
}

/**
 * Stops the instance's broker: SIGTERM (a controlled shutdown), SIGKILL if it has not exited after
 * `graceMs`. Keeps the data (a later startKafka resumes it, unformatted) unless `wipe`.
 * @param {KafkaInstance} inst
 * @param {{ wipe?: boolean, graceMs?: number }} [o]
 * @returns {Promise<{ wasRunning: boolean, killed: boolean }>}
 */
export async function stopKafka(inst, { wipe = false, graceMs = STOP_GRACE_MS } = {}) {
  const p = paths(inst);
  const pid = brokerPid(inst);
  let killed = false;
  if (pid !== null) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
    const until = Date.now() + graceMs;
    while (alive(pid) && Date.now() < until) await sleep(100);
    if (alive(pid)) {
      killed = true;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      for (let i = 0; i < 100 && alive(pid); i++) await sleep(100);
    }
  }
  rmSync(p.pid, { force: true });
  if (wipe) rmSync(p.dir, { recursive: true, force: true });
  return { wasRunning: pid !== null, killed };
}

/**
 * The instance's state: `running` (its broker process is alive), `ready` (it answers a metadata
 * request), `formatted` (its storage holds data from an earlier start).
 * @param {KafkaInstance} inst
 * @returns {Promise<KafkaStatus>}
 */
export async function kafkaStatus(inst) {
  const p = paths(inst);
  const pid = brokerPid(inst);
  return {
    name: inst.name,
    bootstrap: inst.bootstrap,
    dir: inst.dir,
    pid,
    running: pid !== null,
    ready: pid !== null && (await answers(inst)),
    formatted: existsSync(join(p.data, 'meta.properties')),
  };
}

/**
 * The command line (also used by `test-services.mjs ... kafka`).
 * @param {string} cmd @param {string} prefix @param {number} portBase @param {string[]} [flags]
 */
export async function kafkaMain(cmd, prefix, portBase, flags = []) {
  const inst = kafkaInstance(prefix, portBase);
  if (cmd === 'fetch') {
    const t0 = Date.now();
    const libs = await fetchKafkaJars();
    console.log(`kafka ${KAFKA_VERSION} jars: ${libs} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  } else if (cmd === 'start') {
    const t0 = Date.now();
    const r = await startKafka(inst, { fresh: flags.includes('--fresh') });
    console.log(`${inst.name}: ${r.already ? 'already running' : `started in ${((Date.now() - t0) / 1000).toFixed(1)} s`} at ${r.bootstrap} (data in ${inst.dir})`);
  } else if (cmd === 'stop') {
    const wipe = flags.includes('--wipe');
    const r = await stopKafka(inst, { wipe });
    console.log(`${inst.name}: ${r.wasRunning ? (r.killed ? 'killed (did not stop within 20 s)' : 'stopped') : 'was not running'}${wipe ? ', data deleted' : ` (data kept in ${inst.dir}; --wipe deletes it)`}`);
  } else if (cmd === 'status') {
    const s = await kafkaStatus(inst);
    const state = s.ready ? 'running' : s.running ? 'running, not answering' : 'stopped';
    console.log(`${inst.name}: ${state} (${s.bootstrap}${s.pid ? `, pid ${s.pid}` : ''}${s.formatted ? ', has data' : ''})`);
  } else throw new Error(`unknown command "${cmd}" (use start, stop, status or fetch)`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [cmd = 'status', ...rest] = process.argv.slice(2);
  const opt = (/** @type {string} */ name, /** @type {string} */ dflt) => {
    const i = rest.indexOf(name);
    return i >= 0 && rest[i + 1] !== undefined ? rest[i + 1] : dflt;
  };
  kafkaMain(cmd, opt('--prefix', 'test'), Number(opt('--port-base', process.env.CUTOVER_TEST_PORT_BASE ?? '33060')), rest).catch((e) => {
    console.error(e.message);
    process.exit(1);
  });
}
