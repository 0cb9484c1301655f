// Small helpers shared by the benchmarks: processes, timing, SQL through the `mariadb` client, tables.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export const ROOT = new URL('../../', import.meta.url).pathname;
export const GNU_TIME = '/usr/bin/time';

export function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** Runs a command to completion, stdout/stderr appended to `log`; with `rssFile`, under GNU time (%M → KiB). */
export function timed(cmd, args, { log, rssFile, cwd = ROOT, env = process.env } = {}) {
  const argv = rssFile ? [GNU_TIME, '-f', '%M', '-o', rssFile, cmd, ...args] : [cmd, ...args];
  const fd = openSync(log, 'a');
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { cwd, env, stdio: ['ignore', fd, fd] });
    const done = (code, error) => {
      const seconds = (performance.now() - t0) / 1000;
      closeSync(fd);
      let rssKiB = null;
      if (rssFile && existsSync(rssFile)) {
        // GNU time writes "Command exited with non-zero status N" before the format line on failure.
        const m = readFileSync(rssFile, 'utf8').trim().split('\n').pop()?.match(/^(\d+)$/);
        if (m) rssKiB = Number(m[1]);
      }
      resolve({ code, seconds, rssKiB, error });
    };
    child.on('error', (e) => done(127, e.message));
    child.on('close', (code, signal) => done(code ?? 128, signal ? `killed by ${signal}` : undefined));
  });
}

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

export const fmtInt = (n) => (n == null ? '-' : Math.round(n).toLocaleString('en-US'));
