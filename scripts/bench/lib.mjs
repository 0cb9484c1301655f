// Small helpers shared by the benchmarks: processes, timing, SQL through the `mariadb` client, tables,
// options, host facts and result files.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

export const ROOT = new URL('../../', import.meta.url).pathname;
export const GNU_TIME = '/usr/bin/time';

export function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/**
 * Runs a command to completion, stdout/stderr appended to `log`; with `rssFile`, under GNU time: peak RSS
 * (%M → KiB, the largest single process) and CPU seconds (%U + %S, the command and every child it waited for).
 */
export function timed(cmd, args, { log, rssFile, cwd = ROOT, env = process.env } = {}) {
  const argv = rssFile ? [GNU_TIME, '-f', '%M %U %S', '-o', rssFile, cmd, ...args] : [cmd, ...args];
  const fd = openSync(log, 'a');
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { cwd, env, stdio: ['ignore', fd, fd] });
    const done = (code, error) => {
      const seconds = (performance.now() - t0) / 1000;
      closeSync(fd);
      let rssKiB = null;
      let cpuSeconds = null;
      if (rssFile && existsSync(rssFile)) {
        // GNU time writes "Command exited with non-zero status N" before the format line on failure.
        const m = readFileSync(rssFile, 'utf8').trim().split('\n').pop()?.match(/^(\d+) ([\d.]+) ([\d.]+)$/);
        if (m) {
          rssKiB = Number(m[1]);
          cpuSeconds = Number(m[2]) + Number(m[3]);
        }
      }
      resolve({ code, seconds, rssKiB, cpuSeconds, error });
    };
    child.on('error', (e) => done(127, e.message));
    child.on('close', (code, signal) => done(code ?? 128, signal ? `killed by ${signal}` : undefined));
  });
}

/** The pid in a pid file, or null. */
export function pidInFile(file) {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/**
 * CPU seconds that long-running servers (name → pid) spend while `fn` runs: their /proc counters before
 * and after. On a shared machine the wall clock is noisy; CPU time is what each side costs.
 */
export async function withServerCpu(pids, fn) {
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, pid == null ? null : processCpuSeconds(pid)]));
  const result = await fn();
  const cpu = {};
  for (const [k, pid] of Object.entries(pids)) {
    const a = before[k];
    const b = pid == null ? null : processCpuSeconds(pid);
    cpu[k] = a == null || b == null ? null : b - a;
  }
  return { result, cpu };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `count()` (sync or async) every `pollMs` until it reaches `want`, checking `failure()` (a problem's
 * description, or null) every `failureEveryMs`; throws, saying what it waited for, when `failure()` names a
 * problem, nothing new arrives for `stallMs`, or `timeoutMs` passes.
 * @returns {Promise<{ have: number, at: number }>} the count and performance.now() when it was seen
 */
export async function waitForCount({ what, want, count, failure, timeoutMs, stallMs, pollMs = 100, failureEveryMs = 1000 }) {
  const t0 = performance.now();
  let have = 0;
  let lastChange = t0;
  let lastStatus = 0;
  for (;;) {
    const n = await count();
    const now = performance.now();
    if (n !== have) (have = n), (lastChange = now);
    if (have >= want) return { have, at: now };
    if (now - lastStatus >= failureEveryMs) {
      lastStatus = now;
      const f = await failure();
      if (f) throw new Error(`${f} (while waiting for ${what}: ${fmtInt(have)} of ${fmtInt(want)} after ${((now - t0) / 1000).toFixed(1)} s)`);
    }
    if (now - lastChange > stallMs) throw new Error(`waited for ${what}: ${fmtInt(have)} of ${fmtInt(want)}, and none new for ${stallMs / 1000} s`);
    if (now - t0 > timeoutMs) throw new Error(`waited for ${what}: ${fmtInt(have)} of ${fmtInt(want)} after ${timeoutMs / 1000} s (the time limit)`);
    await sleep(pollMs);
  }
}

/** What `timed` says of a failed run: "exit N" and, if any, why. */
export const exitError = (r) => `exit ${r.code}${r.error ? `, ${r.error}` : ''}`;

/** A `timed` run as a benchmark outcome: ok, seconds, peak RSS and, on failure, the error. */
export function outcome(r) {
  return { ok: r.code === 0, seconds: r.seconds, rssKiB: r.rssKiB, cpuSeconds: r.cpuSeconds, error: r.code === 0 ? undefined : exitError(r) };
}

/** CPU seconds (user + system) a running process has used so far, from /proc/PID/stat; null if it is gone. */
export function processCpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from the 3rd (state) on
    return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS; // utime, stime (fields 14, 15)
  } catch {
    return null;
  }
}
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

export function tail(file, lines = 15) {
  if (!existsSync(file)) return '(no output)';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/** SQL as root over the instance's unix socket; returns rows as arrays of strings (NULL → null). */
export function sql(socket, statement) {
  const r = spawnSync('mariadb', ['--no-defaults', `--socket=${socket}`, '-uroot', '-N', '-B', '-e', statement], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`SQL failed on ${socket}: ${statement}\n${r.stderr.trim()}`);
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t').map((v) => (v === 'NULL' ? null : v)));
}

export function formatTable(header, rows) {
  const all = [header, ...rows].map((r) => r.map((c) => String(c ?? '')));
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(all[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n');
}

/**
 * Cutover's speed against each of `bases` that succeeded (`by`: name → result), their time / cutover's,
 * with a report line each naming the base by `label(name, result)`.
 */
export function cutoverRatios(by, bases, label) {
  const ratios = {};
  const lines = [];
  for (const base of bases) {
    if (!by[base]?.ok) continue;
    ratios[base] = by[base].seconds / by.cutover.seconds; // speed (throughput) ratio = inverse time ratio
    lines.push(`cutover / ${label(base, by[base])} = ${ratios[base].toFixed(2)}×`);
  }
  return { ratios, lines };
}

export const fmtInt = (n) => (n == null ? '-' : Math.round(n).toLocaleString('en-US'));

/**
 * Parses a benchmark's argv (`-h`/`--help` is added to `options`): `{ opts }`, or `{ exit }` once the help
 * is printed (0) or the parse error and the help (1).
 */
export function parseOptions(argv, options, help) {
  let opts;
  try {
    ({ values: opts } = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h', default: false } } }));
  } catch (e) {
    console.error(`${e.message}\n\n${help}`);
    return { exit: 1 };
  }
  if (opts.help) {
    process.stdout.write(help);
    return { exit: 0 };
  }
  return { opts };
}

/** An integer option ≥ `min` (underscores allowed: 1_000_000), undefined when not given; throws otherwise. */
export function intOption(opts, name, min) {
  if (opts[name] === undefined) return undefined;
  const n = Number(String(opts[name]).replace(/_/g, ''));
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min} (got "${opts[name]}")`);
  return n;
}

/**
 * The names an `--only` list picks from `all`, in `all`'s fixed order, `aliases` (name → names) expanded;
 * all of them without one. Null, once printed, when it names something unknown or nothing.
 */
export function selectOnly(only, all, noun, aliases = {}) {
  const expand = (s) => (Object.hasOwn(aliases, s) ? aliases[s] : [s]);
  const asked = only ? only.split(',').map((s) => s.trim()).filter(Boolean).flatMap(expand) : all;
  const unknown = asked.filter((c) => !all.includes(c));
  if (unknown.length || !asked.length) {
    const alias = Object.keys(aliases).length ? ` or ${Object.keys(aliases).join(', ')}` : '';
    console.error(`--only: unknown ${noun}(s) ${unknown.join(', ') || '(none given)'}; use ${all.join(', ')}${alias}`);
    return null;
  }
  return all.filter((c) => asked.includes(c));
}

/** Whether the commands in `needed` and GNU time are there; if not, says how to install them (`install`: text, or missing → text). */
export function checkTools(needed, install) {
  const missing = needed.filter((c) => !which(c));
  if (missing.length) {
    console.error(`Missing ${missing.join(', ')}. Install with:\n  ${typeof install === 'function' ? install(missing) : install}`);
    return false;
  }
  if (!which(GNU_TIME)) {
    console.error(`GNU time (${GNU_TIME}) is missing. Install with:\n  sudo apt-get install -y time`);
    return false;
  }
  return true;
}

/** The machine and the tools' versions (`tools`: key → command taking --version), for the JSON. Its load average is other work if called first. */
export function hostInfo(tools) {
  const version = (cmd) => {
    const r = spawnSync(cmd, ['--version'], { encoding: 'utf8' });
    return r.status === 0 ? r.stdout.split('\n')[0].trim() : null;
  };
  return {
    cpus: cpus().length,
    loadavgAtStart: loadavg(),
    cpuModel: cpus()[0]?.model ?? null,
    memMB: Math.round(totalmem() / 1024 / 1024),
    node: process.version,
    ...Object.fromEntries(Object.entries(tools).map(([key, cmd]) => [key, version(cmd)])),
  };
}

/**
 * Prints a run's report and writes its JSON to bench-results/BENCH-STARTEDAT.json, saying where: when and
 * where it ran, then `fields` (data, options, …), the results, the report's ratios and targets, ok.
 */
export function reportAndSave({ bench, startedAt, totalSeconds, host, report, results, ok }, fields) {
  console.log('\n' + report.text + '\n');
  const json = {
    bench,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    ...(totalSeconds !== undefined ? { totalSeconds } : {}),
    host: { ...host, loadavgAtEnd: loadavg() },
    ...fields,
    results,
    ratios: report.ratios,
    targets: report.targets,
    ok,
  };
  mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
  const out = join(ROOT, 'bench-results', `${bench}-${json.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(out, JSON.stringify(json, null, 2) + '\n');
  console.log(`results: ${out.replace(ROOT, '')}`);
}
