#!/usr/bin/env node
// `npm run demo`: a first look at Cutover without any setup. Builds the project if needed, then runs
// `cutover ui --open --demo`: the UI starts throwaway local MariaDB servers (source and sink), fills the
// source with a sample shop (engine/demo/shop-data.ts), runs a snapshot+stream job copying it to
// `shop_copy` on the sink, and keeps a light write load (engine/demo/write-load.ts) on the source.
//
//   node scripts/demo.mjs                     the UI (Ctrl-C stops the UI, the job and the load)
//   node scripts/demo.mjs --headless          no UI: prepare, copy and catch up with the load running, print the status
//       [--rows N] [--tps N] [--prefix demo] [--port-base 33260]   (--headless only)
//
// The servers keep running after the demo ends; stop them with
//   npm run services -- stop all --prefix demo --port-base 33260
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'bin/cutover.js');

function usage(message) {
  console.error(`${message}\nusage: node scripts/demo.mjs [--headless [--rows N] [--tps N] [--prefix NAME] [--port-base N]]`);
  process.exit(2);
}

const argv = process.argv.slice(2);
const opts = { headless: false, rows: undefined, tps: undefined, prefix: 'demo', portBase: 33260 };
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const num = () => {
    const v = Number(argv[++i]);
    if (!Number.isFinite(v) || v <= 0) usage(`${a} needs a positive number`);
    return v;
  };
  if (a === '--headless') opts.headless = true;
  else if (a === '--rows') opts.rows = num();
  else if (a === '--tps') opts.tps = num();
  else if (a === '--port-base') opts.portBase = num();
  else if (a === '--prefix') opts.prefix = argv[++i] ?? usage('--prefix needs a name');
  else if (a === '--help' || a === '-h') usage('Cutover demo.');
  else usage(`unknown option ${a}`);
}
const stopServers = `npm run services -- stop all --prefix ${opts.prefix} --port-base ${opts.portBase}`;

// Debian and Ubuntu install mariadbd in /usr/sbin, which is often not on a user's PATH.
const path = (process.env.PATH ?? '').split(delimiter);
for (const d of ['/usr/sbin', '/usr/local/sbin', '/sbin']) if (!path.includes(d)) path.push(d);
process.env.PATH = path.join(delimiter);

const { requireMariadb } = await import('./test-services.mjs');
try {
  requireMariadb();
} catch (e) {
  console.error(`The demo starts two throwaway local MariaDB servers. ${e.message}`);
  process.exit(1);
}

/** Runs a command with the terminal; resolves with its exit code. Ctrl-C reaches it (same process group), not us. */
function run(cmd, args, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: 'inherit', ...options });
    child.on('error', (e) => {
      console.error(`${cmd}: ${e.message}`);
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? 130 : 1)));
  });
}

const needed = ['dist/engine/cli/main.js', 'dist/engine/demo/demo.js', 'dist/engine/demo/load-main.js', ...(opts.headless ? [] : ['dist/renderer/index.html'])];
const missing = needed.filter((f) => !existsSync(join(root, f)));
if (missing.length) {
  console.log(`Building Cutover first (${missing.join(', ')} missing): npm run build\n`);
  const code = await run(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build']);
  if (code !== 0) {
    console.error('\nThe build failed (see above). Run `npm install` first if you have not.');
    process.exit(1);
  }
}

// Ctrl-C goes to the whole process group: the children stop themselves; we wait for them and report.
let interrupted = false;
process.on('SIGINT', () => (interrupted = true));
process.on('SIGTERM', () => (interrupted = true));

if (!opts.headless) {
  console.log(`Cutover demo
  - starts two throwaway MariaDB servers: ${opts.prefix}-source (127.0.0.1:${opts.portBase + 1}) and ${opts.prefix}-sink (127.0.0.1:${opts.portBase + 2})
  - fills the source with a sample shop (about 300,000 rows) and keeps a light write load on it (about 20 transactions/s)
  - copies the shop to shop_copy on the sink, then streams every change (job "demo-shop")
  - opens the Cutover UI in your browser, on the demo's own state file (your real one is not touched)

Ctrl-C stops the UI, the job and the write load. The servers keep running until you stop them:
  ${stopServers}

$ cutover ui --open --demo
`);
  const code = await run(process.execPath, [cli, 'ui', '--open', '--demo']);
  console.log(`\nThe demo servers are still running; stop them with:\n  ${stopServers}`);
  process.exit(interrupted ? 0 : code);
}

// --headless: prepare the demo, run the job to the point it has caught up while the load runs, show the status.
const { prepareDemo } = await import(pathToFileURL(join(root, 'dist/engine/demo/demo.js')).href);
const started = Date.now();
let demo;
try {
  demo = await prepareDemo({ root, log: (l) => console.log(`  ${l}`), rows: opts.rows, tps: opts.tps, prefix: opts.prefix, portBase: opts.portBase });
} catch (e) {
  console.error(`\nThe demo could not be prepared: ${e.message}`);
  process.exit(1);
}
console.log(`  ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);

const dir = join(process.env.CUTOVER_SERVICES_DIR ?? '/tmp/cutover-services', `${opts.prefix}-job`);
mkdirSync(dir, { recursive: true });
const jobPath = join(dir, 'job.json');
const state = join(dir, 'state.db');
for (const f of [state, `${state}-wal`, `${state}-shm`]) rmSync(f, { force: true });
writeFileSync(jobPath, JSON.stringify(demo.config, null, 2) + '\n');

console.log(`\n$ node ${demo.loadArgs.map((a) => (a.startsWith(root) ? a.slice(root.length) : a)).join(' ')}   (the write load, in the background)`);
const load = spawn(process.execPath, demo.loadArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
const prefixLines = (stream, out) => {
  let pending = '';
  stream.setEncoding('utf8').on('data', (d) => {
    pending += d;
    const lines = pending.split('\n');
    pending = lines.pop();
    for (const l of lines) out.write(`[load] ${l}\n`);
  });
};
prefixLines(load.stdout, process.stdout);
prefixLines(load.stderr, process.stderr);
const loadExited = new Promise((resolve) => load.on('exit', (code, signal) => resolve({ code, signal })));

console.log(`\njob file: ${jobPath}\n$ cutover run ${jobPath} --state ${state} --exit-when-caught-up\n`);
const code = interrupted ? 130 : await run(process.execPath, [cli, 'run', jobPath, '--state', state, '--exit-when-caught-up']);

if (load.exitCode === null && load.signalCode === null) load.kill('SIGTERM');
const killer = setTimeout(() => load.kill('SIGKILL'), 10_000);
const l = await loadExited;
clearTimeout(killer);
if (l.code !== 0) console.error(`the write load exited with code ${l.code} signal ${l.signal}`);

console.log(`\n$ cutover status --state ${state}\n`);
await run(process.execPath, [cli, 'status', '--state', state]);
console.log(`
The copy is in shop_copy on the sink: mariadb -h127.0.0.1 -P${opts.portBase + 2} -ucutover -pcutover shop_copy
Stream further with:  node bin/cutover.js run ${jobPath} --state ${state}
Stop the servers:     ${stopServers}`);
process.exit(code);
