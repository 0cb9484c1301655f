#!/usr/bin/env node
// `npm start`: the desktop app when Electron's binary is installed, otherwise web mode (`cutover ui
// --open`) in the default browser. Extra arguments are passed through:
//   npm start -- --some-flag   → electron dist/electron/main.js --some-flag   (or cutover ui --open --some-flag)
//   CUTOVER_START=web npm start → web mode even where Electron is installed.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** The Electron executable's path, or null with the reason. */
function findElectron() {
  const require = createRequire(join(root, 'package.json'));
  try {
    // node_modules/electron/index.js exports the binary's path, and throws "Electron failed to install
    // correctly" when its postinstall could not download the binary.
    const path = require('electron');
    if (typeof path === 'string' && existsSync(path)) return { path, reason: null };
    return { path: null, reason: `the electron package points at ${String(path)}, which does not exist` };
  } catch (e) {
    return { path: null, reason: e instanceof Error ? e.message.split('\n')[0] : String(e) };
  }
}

function run(cmd, cmdArgs, what) {
  console.log(`> ${[cmd, ...cmdArgs].join(' ')}`);
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) {
    console.error(`Cutover: ${what} failed (exit ${r.status ?? r.signal}).`);
    process.exit(r.status || 1);
  }
}

/** Runs `child` in the foreground: signals go to it, its exit code becomes ours. */
function foreground(child) {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    });
  }
  child.on('error', (e) => {
    console.error(`Cutover: cannot start ${child.spawnfile}: ${e.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

function startWeb() {
  if (!existsSync(join(root, 'dist', 'engine', 'cli', 'main.js'))) run(npm, ['run', 'build'], 'the build');
  const cmd = [join(root, 'bin', 'cutover.js'), 'ui', '--open', ...args];
  console.log(`> node ${['bin/cutover.js', ...cmd.slice(1)].join(' ')}`);
  foreground(spawn(process.execPath, cmd, { cwd: root, stdio: 'inherit' }));
}

/**
 * better-sqlite3 is compiled for one Node ABI. The desktop app loads it in Electron's utility process
 * and in the `cutover run` processes (Electron's Node), so it must be built for Electron's ABI there,
 * while the CLI and tests under plain Node need Node's. Checks with Electron's own Node.
 */
function sqliteLoadsInElectron(electronPath) {
  const r = spawnSync(electronPath, ['-e', "new (require('better-sqlite3'))(':memory:').close()"], {
    cwd: root,
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    encoding: 'utf8',
  });
  return r.status === 0 ? null : (r.stderr || r.stdout || '').split('\n').find((l) => /NODE_MODULE_VERSION|Error/.test(l)) ?? 'it does not load';
}

const electron = process.env.CUTOVER_START === 'web' ? { path: null, reason: 'CUTOVER_START=web' } : findElectron();

if (!electron.path) {
  if (electron.reason !== 'CUTOVER_START=web') {
    console.log(
      `Electron's binary is not installed here (npm did not download it: run \`node node_modules/electron/install.js\` where the internet is reachable); starting the web mode instead.\n  (${electron.reason})`,
    );
  }
  startWeb();
} else {
  const built = ['dist/engine/cli/main.js', 'dist/renderer/index.html'].every((f) => existsSync(join(root, f)));
  if (!built) run(npm, ['run', 'build'], 'the build');
  run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.electron.json'], 'compiling electron/');
  const sqliteError = sqliteLoadsInElectron(electron.path);
  if (sqliteError) {
    console.error(
      [
        `Cutover: better-sqlite3 is not built for Electron's Node (${sqliteError.trim()}).`,
        '  Rebuild it for Electron:   npx electron-builder install-app-deps',
        '  and back for plain Node (CLI, tests) later:   npm rebuild better-sqlite3',
        '  Or use the web mode now:   CUTOVER_START=web npm start',
      ].join('\n'),
    );
    process.exit(1);
  }
  const env = { ...process.env };
  // Inherited from an editor's terminal, it would make Electron a plain Node and the app would not start.
  delete env.ELECTRON_RUN_AS_NODE;
  foreground(spawn(electron.path, [join(root, 'dist', 'electron', 'main.js'), ...args], { cwd: root, stdio: 'inherit', env }));
}
