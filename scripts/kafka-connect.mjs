#!/usr/bin/env node
// Kafka Connect standalone with Debezium's connectors, beside the test broker (scripts/kafka-broker.mjs):
// the producer of "real Debezium" topics in tests and the Debezium peer in `npm run bench -- kafka`.
//
//   node scripts/kafka-connect.mjs fetch
//
// No download but Maven Central: the jars are fetched by scripts/kafka-connect-jars.mjs (re-exported here,
// and run by `fetch`) into ${XDG_CACHE_HOME:-~/.cache}/cutover/kafka-connect-<pom hash>/libs. A worker
// `<prefix>-connect` lives in $CUTOVER_SERVICES_DIR (default /tmp/cutover-services)/<prefix>-connect: worker.properties, one
// .properties file per connector, the offsets file (offset.storage.file.filename), the schema history
// files and logs/connect.out. Its REST listener is 127.0.0.1:<portBase + 60>. Converters are JsonConverter
// (schemas on or off per worker), plugins are found by service loading (plugin.discovery=service_load,
// everything on one classpath).
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { portOpen, requireJava } from './kafka-broker.mjs';
import { fetchConnectJars } from './kafka-connect-jars.mjs';

export { connectCacheDir, fetchConnectJars } from './kafka-connect-jars.mjs';

const BASE_DIR = process.env.CUTOVER_SERVICES_DIR ?? '/tmp/cutover-services';
/** Connect 4.x runs on Java 17; the JDK the broker uses is taken unless CUTOVER_CONNECT_JAVA_HOME names one. */
const JAVA_HOMES = [process.env.CUTOVER_CONNECT_JAVA_HOME, '/usr/lib/jvm/java-17-openjdk-amd64'].filter(Boolean);
const CONNECT_JVM = ['-Xms256m', '-Xmx1g', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:ParallelGCThreads=2', '-XX:ConcGCThreads=1', '-Djava.awt.headless=true'];
const STOP_GRACE_MS = 20_000;

/**
 * @typedef {{ name: string, restPort: number, dir: string }} ConnectInstance
 * @typedef {Record<string, string | number | boolean>} Props
 */

/**
 * The Connect worker of a test-services prefix and port base: REST on portBase + 60.
 * @param {string} [prefix] @param {number} [portBase]
 * @returns {ConnectInstance}
 */
export function connectInstance(prefix = 'test', portBase = 33060) {
  const name = `${prefix}-connect`;
  return { name, restPort: portBase + 60, dir: join(BASE_DIR, name) };
}

/** @param {Props} props */
const propertiesText = (props) =>
  Object.entries(props)
    .map(([k, v]) => `${k}=${String(v).replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`)
    .join('\n') + '\n';

/** @param {ConnectInstance} inst */
export function connectPaths(inst) {
  return {
    dir: inst.dir,
    logs: join(inst.dir, 'logs'),
    out: join(inst.dir, 'logs', 'connect.out'),
    pid: join(inst.dir, 'connect.pid'),
    worker: join(inst.dir, 'worker.properties'),
    offsets: join(inst.dir, 'offsets.dat'),
  };
}

/** @param {number} pid */
function alive(pid) {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/** @param {string} file @param {number} [n] */
export function connectLogTail(file, n = 40) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-n).join('\n');
  } catch {
    return '(no output)';
  }
}

/**
 * The worker's configuration: the broker, JsonConverter for keys and values (schema envelope on or off),
 * offsets in a file of the instance, the REST listener on the instance's port, service-loaded plugins.
 * @param {ConnectInstance} inst @param {string} bootstrap @param {{ schemas?: boolean, worker?: Props }} o
 * @returns {Props}
 */
export function workerProperties(inst, bootstrap, { schemas = false, worker = {} } = {}) {
  const p = connectPaths(inst);
  return {
    'bootstrap.servers': bootstrap,
    'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'key.converter.schemas.enable': schemas,
    'value.converter.schemas.enable': schemas,
    'offset.storage.file.filename': p.offsets,
    'offset.flush.interval.ms': 1000,
    'plugin.path': '',
    'plugin.discovery': 'service_load',
    listeners: `http://127.0.0.1:${inst.restPort}`,
    'connector.client.config.override.policy': 'All',
    ...worker,
  };
}

/**
 * A Debezium MariaDB source connector's properties: snapshot then binlog, no locks, the schema history in
 * a file of the instance, topics `<topicPrefix>.<db>.<table>` created by Connect with `partitions`.
 * @param {ConnectInstance} inst
 * @param {{ name: string, host?: string, port: number, user?: string, password?: string, serverId: number, topicPrefix: string, databases: string[], partitions?: number, extra?: Props }} o
 * @returns {Props}
 */
export function debeziumMariadbConnector(inst, o) {
  return {
    name: o.name,
    'connector.class': 'io.debezium.connector.mariadb.MariaDbConnector',
    'tasks.max': 1,
    'database.hostname': o.host ?? '127.0.0.1',
    'database.port': o.port,
    'database.user': o.user ?? 'root',
    'database.password': o.password ?? '',
    'database.server.id': o.serverId,
    'database.ssl.mode': 'disable',
    'topic.prefix': o.topicPrefix,
    'database.include.list': o.databases.join(','),
    'snapshot.mode': 'initial',
    'snapshot.locking.mode': 'none',
    'schema.history.internal': 'io.debezium.storage.file.history.FileSchemaHistory',
    'schema.history.internal.file.filename': join(inst.dir, `${o.name}.history`),
    'schema.history.internal.store.only.captured.tables.ddl': true,
    'topic.creation.default.replication.factor': 1,
    'topic.creation.default.partitions': o.partitions ?? 1,
    ...o.extra,
  };
}

/**
 * The pid of the instance's running worker (its pid file names a live java running ConnectStandalone
 * on this instance's worker.properties), or null.
 * @param {ConnectInstance} inst
 */
export function connectPid(inst) {
  const p = connectPaths(inst);
  let pid;
  try {
    pid = Number(readFileSync(p.pid, 'utf8').trim());
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return null;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (!cmdline.includes(p.worker)) return null;
  } catch {
    /* no /proc: trust the pid file */
  }
  return pid;
}

/**
 * GET a path of the worker's REST API; null when it does not answer.
 * @param {ConnectInstance} inst @param {string} path
 * @returns {Promise<any>}
 */
export async function connectRest(inst, path) {
  try {
    const r = await fetch(`http://127.0.0.1:${inst.restPort}${path}`, { signal: AbortSignal.timeout(5000) });
    if (!r.ok) return null;
    return await r.json();
  } catch {
    return null;
  }
}

const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

/**
 * A Connect trace without its stack frames: its first line and its "Caused by:" lines (the last `max` − 1
 * of them when there are more: the root cause comes last).
 */
export function traceSummary(trace, max = 8) {
  const lines = String(trace ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
  if (!lines.length) return '(no trace)';
  const causes = lines.slice(1).filter((l) => l.startsWith('Caused by:'));
  const kept = causes.length > max - 1 ? ['…', ...causes.slice(-(max - 1))] : causes;
  return [lines[0], ...kept].join('\n  ');
}

/**
 * What stops the instance's connectors from working, or null: its worker `pid` exited, or a connector or
 * one of its tasks is FAILED (named, with its trace summarized). `null` also while the REST API does not
 * answer (the worker is still starting).
 * @param {ConnectInstance} inst @param {string[]} names @param {number | null} pid
 */
export async function connectFailure(inst, names, pid) {
  if (pid != null && !alive(pid)) return `the Kafka Connect worker (pid ${pid}) exited`;
  for (const name of names) {
    const s = await connectRest(inst, `/connectors/${encodeURIComponent(name)}/status`);
    if (!s) continue;
    if (s.connector?.state === 'FAILED') return `connector ${name} FAILED: ${traceSummary(s.connector.trace)}`;
    const t = s.tasks?.find((/** @type {any} */ x) => x.state === 'FAILED');
    if (t) return `connector ${name}, task ${t.id} FAILED: ${traceSummary(t.trace)}`;
  }
  return null;
}

/**
 * Waits until every named connector and its tasks are RUNNING (no names: until the REST API answers).
 * Throws with the end of the worker's log when the worker exits, a connector or task FAILED, or
 * `timeoutMs` passes (saying which states it last saw).
 * @param {ConnectInstance} inst @param {string[]} names @param {{ pid: number, timeoutMs: number, what?: string }} o
 */
export async function waitConnectorsRunning(inst, names, { pid, timeoutMs, what = 'Kafka Connect' }) {
  const p = connectPaths(inst);
  const deadline = Date.now() + timeoutMs;
  let last = '(the REST API did not answer)';
  for (;;) {
    const failure = await connectFailure(inst, names, pid);
    if (failure) throw new Error(`${inst.name}: ${failure}\nLast lines of ${p.out}:\n${connectLogTail(p.out)}`);
    if (!names.length) {
      if (await connectRest(inst, '/')) return;
    } else {
      const states = await Promise.all(names.map((n) => connectRest(inst, `/connectors/${encodeURIComponent(n)}/status`)));
      if (states.every((s) => s && s.connector?.state === 'RUNNING' && s.tasks?.length && s.tasks.every((/** @type {any} */ t) => t.state === 'RUNNING'))) return;
      last = JSON.stringify(states.map((s, i) => ({ name: names[i], connector: s?.connector?.state ?? null, tasks: s?.tasks?.map((/** @type {any} */ t) => t.state) ?? null })));
    }
    if (Date.now() > deadline) {
      throw new Error(`${inst.name}: ${what}: ${names.length ? `not every connector RUNNING (${names.join(', ')})` : "the worker's REST API did not answer"} within ${timeoutMs / 1000} s (last status ${last}). Last lines of ${p.out}:\n${connectLogTail(p.out)}`);
    }
    await sleep(250);
  }
}

/**
 * Starts a fresh standalone worker (an earlier one of the instance is stopped and its folder emptied:
 * offsets and schema history start anew) with the given connectors (none: an empty worker, whose
 * connectors `createConnector` adds), and waits until every connector and its tasks are RUNNING (or,
 * without connectors, until its REST API answers). Throws with the end of the worker's log when it exits,
 * a connector or task FAILED, or that did not happen within `timeoutMs`.
 * @param {ConnectInstance} inst
 * @param {{ bootstrap: string, connectors: Props[], schemas?: boolean, worker?: Props, timeoutMs?: number, javaHome?: string }} o
 * @returns {Promise<{ pid: number, startedAt: number }>}
 */
export async function startConnect(inst, { bootstrap, connectors, schemas = false, worker = {}, timeoutMs = 180_000, javaHome }) {
  const libs = await fetchConnectJars();
  await stopConnect(inst, { wipe: true });
  if (await portOpen(inst.restPort)) throw new Error(`${inst.name}: port ${inst.restPort} (Connect's REST listener) is in use by another process; choose another port base`);
  const p = connectPaths(inst);
  mkdirSync(p.logs, { recursive: true });
  writeFileSync(p.worker, propertiesText(workerProperties(inst, bootstrap, { schemas, worker })));
  const files = connectors.map((c) => {
    const f = join(inst.dir, `${c.name}.properties`);
    writeFileSync(f, propertiesText(c));
    return f;
  });
  const home = javaHome ?? JAVA_HOMES.find((h) => existsSync(join(h, 'bin', 'java')));
  const java = home ? join(home, 'bin', 'java') : 'java';
  if (!home) requireJava();
  const out = openSync(p.out, 'a');
  const startedAt = Date.now();
  const child = spawn(
    java,
    [...CONNECT_JVM, '-Dorg.slf4j.simpleLogger.defaultLogLevel=info', '-Dorg.slf4j.simpleLogger.showDateTime=true', '-cp', `${libs}/*`, 'org.apache.kafka.connect.cli.ConnectStandalone', p.worker, ...files],
    { cwd: inst.dir, detached: true, stdio: ['ignore', out, out] },
  );
  closeSync(out);
  child.unref();
  if (!child.pid) throw new Error(`${inst.name}: ${java} did not start`);
  writeFileSync(p.pid, `${child.pid}\n`);
  try {
    await waitConnectorsRunning(inst, connectors.map((c) => String(c.name)), { pid: child.pid, timeoutMs, what: `Kafka Connect against ${bootstrap}` });
  } catch (e) {
    await stopConnect(inst);
    throw e;
  }
  return { pid: child.pid, startedAt };
}

/**
 * Adds a connector to a running worker (POST /connectors) and returns when the worker accepted it (the
 * moment its work starts); `waitConnectorsRunning` then waits for its tasks. Throws with Connect's answer
 * when it is refused.
 * @param {ConnectInstance} inst @param {Props} props
 */
export async function createConnector(inst, props) {
  const { name, ...config } = props;
  const body = JSON.stringify({ name: String(name), config: Object.fromEntries(Object.entries(config).map(([k, v]) => [k, String(v)])) });
  const r = await fetch(`http://127.0.0.1:${inst.restPort}/connectors`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(60_000) });
  if (!r.ok) throw new Error(`${inst.name}: Kafka Connect refused connector ${name} (HTTP ${r.status}): ${(await r.text()).slice(0, 2000)}`);
}

/**
 * Stops the instance's worker: SIGTERM, SIGKILL after `graceMs`. With `wipe`, deletes its folder
 * (offsets, schema history, logs).
 * @param {ConnectInstance} inst @param {{ wipe?: boolean, graceMs?: number }} [o]
 */
export async function stopConnect(inst, { wipe = false, graceMs = STOP_GRACE_MS } = {}) {
  const p = connectPaths(inst);
  const pid = connectPid(inst);
  if (pid !== null) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      /* gone */
    }
    const until = Date.now() + graceMs;
    while (alive(pid) && Date.now() < until) await sleep(100);
    if (alive(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      for (let i = 0; i < 100 && alive(pid); i++) await sleep(100);
    }
  }
  rmSync(p.pid, { force: true });
  if (wipe) rmSync(inst.dir, { recursive: true, force: true });
  return { wasRunning: pid !== null };
}

/** CPU time (user + sys, seconds) of a running process, from /proc; null when unreadable. */
export function cpuSeconds(/** @type {number} */ pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const tck = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
    return (Number(f[11]) + Number(f[12])) / tck;
  } catch {
    return null;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [cmd = 'fetch'] = process.argv.slice(2);
  if (cmd !== 'fetch') {
    console.error(`unknown command "${cmd}" (use fetch; tests and benchmarks start workers themselves)`);
    process.exit(1);
  }
  const t0 = Date.now();
  fetchConnectJars()
    .then((libs) => console.log(`kafka connect + debezium jars: ${libs} (${((Date.now() - t0) / 1000).toFixed(1)} s)`))
    .catch((e) => {
      console.error(e.message);
      process.exit(1);
    });
}
