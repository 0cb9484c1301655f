#!/usr/bin/env node
// `npm test`: type-check and build everything (engine, renderer, Electron shell), run the renderer's
// component tests (Vitest, jsdom) and the unit tests, start throwaway MariaDB source and sink and a
// PostgreSQL cluster per lane, run the integration and end-to-end tests (Debian's Chromium driven by
// playwright-core) on them in two lanes side by side (scripts/test-lanes.mjs), stop the servers. A test
// that cannot reach its server or browser fails; nothing is skipped. At the end the slowest files are
// listed (per `node --test` run for the unit tests, over both lanes for the others).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  instances,
  postgresInstance,
  postgresUrlOf,
  requireMariadb,
  requirePostgres,
  startInstance,
  startPostgres,
  stopInstance,
  stopPostgres,
  tlsDirOf,
  urlOf,
} from './test-services.mjs';
import { searchInstance, stopSearch } from './search-server.mjs';
import { dealFiles, LANE_PORT_STEP, laneCount, laneName, runLane, summarize, timingFileOf } from './test-lanes.mjs';

const root = new URL('..', import.meta.url).pathname;
const only = process.argv.slice(2); // optional: substrings of test file paths to run

function run(cmd, args, env = process.env) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  return r.status ?? 1;
}

/** `run` without blocking: resolves to the exit status. */
function runAsync(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: 'inherit' });
    child.on('error', () => resolve(1));
    child.on('close', (code) => resolve(code ?? 1));
  });
}

function findTests(dir) {
  const out = [];
  let entries = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries.sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (e.endsWith('.test.js')) out.push(p);
  }
  return out;
}

// Two lanes at once (each step is one single-threaded process; the machine has two cores). The steps are
// independent: the engine build writes dist/ but dist/renderer, which only the renderer build writes; the
// two type checks write nothing.
const buildLanes = [
  [
    ['engine and tests', ['tsc', '-p', 'tsconfig.json']],
    ['renderer build', ['vite', 'build', '--logLevel', 'warn']],
  ],
  [
    ['renderer types', ['tsc', '-p', 'tsconfig.renderer.json']],
    ['Electron shell types', ['tsc', '-p', 'tsconfig.electron.json', '--noEmit']],
  ],
];
const built = await Promise.all(
  buildLanes.map(async (lane) => {
    for (const [what, args] of lane) {
      console.log(`# ${what}: ${args.join(' ')}`);
      if ((await runAsync('npx', args)) !== 0) return false;
    }
    return true;
  }),
);
if (built.includes(false)) process.exit(1);
let files = [...findTests(join(root, 'dist/test/unit')), ...findTests(join(root, 'dist/test/integration')), ...findTests(join(root, 'dist/test/e2e'))];
if (only.length) files = files.filter((f) => only.some((o) => f.includes(o)));
const vitest = !only.length || only.some((o) => 'renderer'.includes(o) || o.startsWith('renderer'));
if (vitest) {
  console.log('# renderer component tests: vitest run');
  if (run('npx', ['vitest', 'run', '--reporter=dot']) !== 0) process.exit(1);
}
// A filter that names only the renderer (or nothing that exists) must not fall through to every test:
// `node --test` without files runs them all.
if (only.length && !files.length) {
  console.log(`# no engine test file matches ${only.join(', ')}`);
  process.exit(vitest ? 0 : 1);
}
const missingTools = (tools) => tools.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
if (files.some((f) => f.includes('kafka')) && missingTools(['java', 'mvn', 'kcat']).length) {
  console.error(`The Kafka tests need ${missingTools(['java', 'mvn', 'kcat']).join(', ')}: sudo apt-get install -y default-jdk-headless maven kcat`);
  process.exit(1);
}
// The search sink's tests start OpenSearch and Elasticsearch from Maven Central's test distributions
// (scripts/search-server.mjs): Java 17, Maven and unzip; curl and python3 read the indexes back.
if (files.some((f) => f.includes('search'))) {
  const { requireSearchTools } = await import('./search-server.mjs');
  try {
    requireSearchTools();
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
  if (missingTools(['curl', 'python3']).length) {
    console.error(`The search tests read the indexes back with ${missingTools(['curl', 'python3']).join(', ')}: sudo apt-get install -y curl python3`);
    process.exit(1);
  }
}
const chromium = process.env.CUTOVER_CHROMIUM ?? '/usr/bin/chromium';
if (files.some((f) => f.includes('/e2e/')) && !existsSync(chromium)) {
  console.error(`The end-to-end tests need Debian's Chromium at ${chromium}: sudo apt-get install -y chromium (or set CUTOVER_CHROMIUM).`);
  process.exit(1);
}

// spec for every result, and at the end the slowest files and tests (scripts/test-timing-reporter.mjs).
const reporters = ['--test-reporter=spec', '--test-reporter-destination=stdout', `--test-reporter=${join(root, 'scripts/test-timing-reporter.mjs')}`, '--test-reporter-destination=stdout'];
// The unit tests use no server and share nothing (in memory, each in temporary folders of its own): two
// files at a time, before the servers start. The other files share their lane's servers, and some restart
// them or change their global settings: one at a time in each lane.
const unitDir = join(root, 'dist/test/unit/');
const unitFiles = files.filter((f) => f.startsWith(unitDir));
files = files.filter((f) => !f.startsWith(unitDir));
const unitCode = unitFiles.length ? run(process.execPath, ['--test', '--test-concurrency=2', ...reporters, ...unitFiles]) : 0;
if (!files.length) process.exit(unitCode);

try {
  requireMariadb();
  requirePostgres();
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
// The integration and end-to-end files in lanes (scripts/test-lanes.mjs): lane A on the port base
// (CUTOVER_TEST_PORT_BASE, default 33060), lane B on base + 100, each with its own servers and one file
// at a time. CUTOVER_TEST_LANES=1 runs them all in one lane as before.
const portBase = Number(process.env.CUTOVER_TEST_PORT_BASE ?? 33060);
const dealt = dealFiles(files, laneCount(files.length));
const servicesDir = process.env.CUTOVER_SERVICES_DIR ?? '/tmp/cutover-services';
const lanes = dealt.map((d, i) => {
  const base = portBase + i * LANE_PORT_STEP;
  const prefix = base === 33060 ? 'test' : `test${base}`;
  const name = laneName(i);
  return { ...d, name, base, prefix, inst: instances(prefix, base), pg: postgresInstance(prefix, base), timingFile: timingFileOf(join(servicesDir, 'timing'), name) };
});
// The search clusters (scripts/search-server.mjs) are started by the first search test file of a lane and
// kept for the lane's next one (CUTOVER_TEST_SEARCH_KEPT): stopped here, with the lane's other servers.
async function stopServers(lane) {
  await Promise.all(['opensearch', 'elasticsearch'].map((f) => stopSearch(searchInstance(f, `search${lane.base}`, lane.base))));
  await stopInstance(lane.inst.source);
  await stopInstance(lane.inst.sink);
  await stopPostgres(lane.pg);
}
const children = new Set();
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const c of children) c.kill('SIGTERM');
  });
}
let codes = [1];
try {
  for (const lane of lanes) {
    console.log(`# lane ${lane.name}: ${lane.files.length} files, ~${Math.round(lane.seconds)} s expected, servers at port base ${lane.base} (${lane.prefix}-*)`);
    await stopServers(lane);
    await startInstance(lane.inst.source);
    await startInstance(lane.inst.sink);
    await startPostgres(lane.pg);
  }
  codes = await Promise.all(
    lanes.map((lane) => {
      const env = {
        ...process.env,
        CUTOVER_TEST_SOURCE_URL: urlOf(lane.inst.source),
        CUTOVER_TEST_SINK_URL: urlOf(lane.inst.sink),
        // The PostgreSQL cluster's maintenance database; test/helpers/postgres.ts gives each test its own.
        CUTOVER_TEST_POSTGRES_URL: postgresUrlOf(lane.pg),
        // Their TLS files (ca.pem, client-cert.pem, client-key.pem, …): the servers also accept TLS.
        CUTOVER_TEST_SOURCE_TLS_DIR: tlsDirOf(lane.inst.source),
        CUTOVER_TEST_SINK_TLS_DIR: tlsDirOf(lane.inst.sink),
        // Which instances these are, for tests that restart a server (test-services.mjs instances()).
        CUTOVER_TEST_SERVICES: JSON.stringify({ prefix: lane.prefix, portBase: lane.base }),
        // The lane's port base: Kafka brokers and a file's own servers sit at offsets from it.
        CUTOVER_TEST_PORT_BASE: String(lane.base),
        CUTOVER_TEST_SEARCH_KEPT: '1',
        CUTOVER_TEST_TIMING_FILE: lane.timingFile,
        CUTOVER_TEST_TIMING_TOP: '0',
      };
      return runLane(lane.name, ['--test', '--test-concurrency=1', ...reporters, ...lane.files], env, children).then((code) => {
        console.log(`# lane ${lane.name} ${code === 0 ? 'passed' : `failed (exit ${code})`}`);
        return code;
      });
    }),
  );
  summarize(lanes);
} finally {
  if (!process.env.CUTOVER_KEEP_SERVICES) for (const lane of lanes) await stopServers(lane);
}
process.exit(codes.find((c) => c !== 0) ?? unitCode);
