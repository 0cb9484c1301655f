// The integration and end-to-end files of `npm test` in lanes (scripts/run-tests.mjs): each lane is one
// `node --test --test-concurrency=1` process on servers of its own (a MariaDB source and sink and a
// PostgreSQL cluster at the lane's port base; its Kafka files start their brokers at the same base), so
// the files that restart a server or change its global settings still run alone on their servers while
// the other lane goes on. Files are dealt longest-first, each to the lane with the least expected time,
// from the measured durations in scripts/test-durations.json (refreshed with
// `node scripts/test-durations.mjs`, see there).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';

const root = new URL('..', import.meta.url).pathname;
export const DURATIONS_FILE = join(root, 'scripts/test-durations.json');
/** The measured durations of the last lanes run, for `node scripts/test-durations.mjs`. */
export const LAST_DURATIONS_FILE = join(root, 'test-artifacts/test-durations-last.json');
/** Seconds assumed for a file the table does not know yet. */
export const DEFAULT_SECONDS = 30;
/** Port distance between lanes: a lane's servers and a file's own servers stay within base … base + 99. */
export const LANE_PORT_STEP = 100;

/** A built test file's key in the durations table: its source path (dist/test/x/y.test.js → test/x/y.test.ts). */
export function durationKey(file) {
  return relative(join(root, 'dist'), file).replace(/\.js$/, '.ts');
}

/** The durations table: { "test/integration/x.test.ts": seconds }; missing or unreadable means empty. */
export function readDurations(path = DURATIONS_FILE) {
  try {
    const t = JSON.parse(readFileSync(path, 'utf8'));
    return t && typeof t === 'object' ? t : {};
  } catch {
    return {};
  }
}

/**
 * Deals files to `count` lanes: longest first, each to the lane whose expected total is smallest
 * (ties to the first lane). Returns [{ files, seconds }] per lane; unknown files count DEFAULT_SECONDS.
 */
export function dealFiles(files, count, durations = readDurations()) {
  const secondsOf = (f) => (typeof durations[durationKey(f)] === 'number' ? durations[durationKey(f)] : DEFAULT_SECONDS);
  const lanes = Array.from({ length: count }, () => ({ files: [], seconds: 0 }));
  const sorted = [...files].sort((a, b) => secondsOf(b) - secondsOf(a) || a.localeCompare(b));
  for (const f of sorted) {
    const lane = lanes.reduce((best, l) => (l.seconds < best.seconds ? l : best), lanes[0]);
    lane.files.push(f);
    lane.seconds += secondsOf(f);
  }
  return lanes.filter((l) => l.files.length);
}

/** How many lanes: CUTOVER_TEST_LANES (1 = the old single lane), else 2; never more than files. */
export function laneCount(fileCount, env = process.env) {
  const asked = env.CUTOVER_TEST_LANES === undefined ? 2 : Number(env.CUTOVER_TEST_LANES);
  if (!Number.isInteger(asked) || asked < 1) throw new Error(`CUTOVER_TEST_LANES must be a whole number ≥ 1 (got "${env.CUTOVER_TEST_LANES}")`);
  return Math.max(1, Math.min(asked, fileCount));
}

export const laneName = (i) => String.fromCharCode(65 + i); // A, B, …

/**
 * Runs one lane's `node --test` with its env; every output line is prefixed with the lane's name so two
 * lanes stay readable side by side. Resolves to the exit status. `children` collects the process so a
 * signal can stop it.
 */
export function runLane(name, args, env, children) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    const prefix = `${name} │ `;
    for (const [stream, out] of [
      [child.stdout, process.stdout],
      [child.stderr, process.stderr],
    ]) {
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => out.write(`${prefix}${line}\n`));
    }
    child.on('error', (e) => {
      process.stderr.write(`${prefix}${e.message}\n`);
      resolve(1);
    });
    child.on('close', (code) => {
      children.delete(child);
      resolve(code ?? 1);
    });
  });
}

/** A lane's timing file (written by scripts/test-timing-reporter.mjs with CUTOVER_TEST_TIMING_FILE). */
export function timingFileOf(dir, name) {
  mkdirSync(dir, { recursive: true });
  const f = join(dir, `timing-${name}.json`);
  rmSync(f, { force: true });
  return f;
}

/**
 * After the lanes: the slowest files of all lanes with their slowest tests (as the timing reporter prints
 * for one run), each lane's wall time, and the measured durations saved for scripts/test-durations.mjs.
 */
export function summarize(lanes, top = Number(process.env.CUTOVER_TEST_TIMING_TOP ?? 15)) {
  const rows = [];
  const walls = [];
  for (const l of lanes) {
    if (!existsSync(l.timingFile)) {
      walls.push(`${l.name} no timing (the lane ended early)`);
      continue;
    }
    const t = JSON.parse(readFileSync(l.timingFile, 'utf8'));
    walls.push(`${l.name} ${(t.ms / 1000).toFixed(1)} s for ${t.files.length} files`);
    for (const f of t.files) rows.push({ ...f, lane: l.name });
  }
  const measured = {};
  for (const r of rows) measured[durationKey(join(root, r.file))] = Math.round(r.ms / 100) / 10;
  mkdirSync(join(root, 'test-artifacts'), { recursive: true });
  writeFileSync(LAST_DURATIONS_FILE, `${JSON.stringify(sortKeys(measured), null, 2)}\n`);
  console.log(`\n# lanes: ${walls.join('; ')}`);
  if (!top || !rows.length) return;
  rows.sort((a, b) => b.ms - a.ms);
  const s = (ms) => `${(ms / 1000).toFixed(1)} s`.padStart(8);
  const lines = [`# the ${Math.min(top, rows.length)} slowest of ${rows.length} test files (lane, wall time)`];
  for (const r of rows.slice(0, top)) {
    lines.push(`${s(r.ms)}  ${r.lane}  ${r.file}`);
    for (const t of [...r.tests].sort((a, b) => b.ms - a.ms).slice(0, 3)) lines.push(`${s(t.ms)}         ${t.name.slice(0, 110)}`);
  }
  console.log(lines.join('\n'));
}

export function sortKeys(o) {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}
