// `npm run bench -- copy`: snapshot-copy throughput of Cutover against mariadb-dump|mariadb and
// mydumper+myloader, on sysbench tables (sbtest1..4) in throwaway MariaDB servers.
//
//   npm run bench -- copy [--rows N] [--only cutover,mydumper,mariadb-dump] [--keep]
//                         [--parallelism N] [--chunk-rows N] [--myloader-binlog] [--fresh]
//
// Each method copies database `sbtest` into an empty `sbtest` on the sink; every table is then
// compared with CHECKSUM TABLE on both sides. A checksum mismatch (or a failed method) makes the
// exit code 1; missed performance targets are only reported. Results go to bench-results/copy-*.json.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { instances, socketOf, startInstance, stopInstance, urlOf } from '../test-services.mjs';
import { GNU_TIME, ROOT, fmtInt, formatTable, sql, tail, timed, which } from './lib.mjs';

export const summary = 'snapshot copy of sysbench tables: cutover vs mariadb-dump|mariadb vs mydumper+myloader';

const DB = 'sbtest';
const TABLES = 4;
const METHODS = ['mariadb-dump', 'mydumper', 'cutover'];
const TARGET_RATIO = 1.2; // cutover throughput vs mydumper+myloader
const TARGET_RSS_MB = 300;
const INSTALL = 'sudo apt-get install -y sysbench mydumper';

const HELP = `Usage: npm run bench -- copy [options]

Copies ${TABLES} sysbench tables (${DB}.sbtest1..${TABLES}) from a throwaway MariaDB source (port 33161) into an
empty database on a throwaway sink (port 33162) with each method, timing it and checking CHECKSUM TABLE.

Options:
  --rows N             total rows, split across ${TABLES} tables (default 1000000)
  --only LIST          comma-separated methods to run, from: ${METHODS.join(', ')} (default all)
  --parallelism N      cutover job snapshot.parallelism (default: the job default)
  --chunk-rows N       cutover job snapshot.chunkRows (default: the job default)
  --myloader-binlog    run myloader with --enable-binlog (by default it loads with sql_log_bin=0,
                       while mariadb-dump|mariadb and cutover write the sink's binlog)
  --keep               leave the servers running (and the temp dir with logs) afterwards
  --fresh              drop and re-prepare the source data even if it is already there
  -h, --help           this help
`;

export async function main(argv) {
  let opts;
  try {
    ({ values: opts } = parseArgs({
      args: argv,
      options: {
        rows: { type: 'string', default: '1000000' },
        only: { type: 'string' },
        parallelism: { type: 'string' },
        'chunk-rows': { type: 'string' },
        'myloader-binlog': { type: 'boolean', default: false },
        keep: { type: 'boolean', default: false },
        fresh: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (e) {
    console.error(`${e.message}\n\n${HELP}`);
    return 1;
  }
  if (opts.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const intOpt = (name, min) => {
    if (opts[name] === undefined) return undefined;
    const n = Number(String(opts[name]).replace(/_/g, ''));
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min} (got "${opts[name]}")`);
    return n;
  };
  const totalRequested = intOpt('rows', TABLES);
  const perTable = Math.floor(totalRequested / TABLES);
  const totalRows = perTable * TABLES;
  if (totalRows !== totalRequested) console.log(`note: --rows ${totalRequested} is not a multiple of ${TABLES}; using ${totalRows}`);
  const parallelism = intOpt('parallelism', 1);
  const chunkRows = intOpt('chunk-rows', 1);
  const methods = opts.only ? opts.only.split(',').map((s) => s.trim()).filter(Boolean) : METHODS;
  const unknown = methods.filter((m) => !METHODS.includes(m));
  if (unknown.length || !methods.length) {
    console.error(`--only: unknown method(s) ${unknown.join(', ') || '(none given)'}; use ${METHODS.join(', ')}`);
    return 1;
  }
  const selected = METHODS.filter((m) => methods.includes(m)); // always in the fixed order

  // Tools. sysbench is checked up front so a missing package is reported before anything starts.
  const needed = ['sysbench', ...(selected.includes('mydumper') ? ['mydumper', 'myloader'] : [])];
  const missing = needed.filter((c) => !which(c));
  if (missing.length) {
    console.error(`Missing ${missing.join(', ')}. Install with:\n  ${INSTALL}`);
    return 1;
  }
  if (!which(GNU_TIME)) {
    console.error(`GNU time (${GNU_TIME}) is missing. Install with:\n  sudo apt-get install -y time`);
    return 1;
  }

  if (selected.includes('cutover')) {
    const problem = cutoverBuildProblem();
    if (problem?.fatal) {
      console.error(problem.message);
      return 1;
    }
    if (problem) console.warn(`warning: ${problem.message}`);
  }

  const inst = instances('bench', 33160);
  const srcSock = socketOf(inst.source);
  const sinkSock = socketOf(inst.sink);
  const work = mkdtempSync(join(tmpdir(), 'cutover-bench-copy-'));
  const startedAt = new Date();
  const host = hostInfo(); // before anything of ours runs, so its load average is other work
  const results = [];
  let failed = false;
  try {
    console.log('starting servers bench-source (33161) and bench-sink (33162)…');
    await startInstance(inst.source);
    await startInstance(inst.sink);

    await prepareSource(inst.source, srcSock, perTable, opts.fresh);
    const tables = Array.from({ length: TABLES }, (_, i) => `sbtest${i + 1}`);
    const sourceSums = checksums(srcSock, tables); // also warms the source buffer pool for the first method
    console.log(`source: ${fmtInt(totalRows)} rows in ${DB}.sbtest1..${TABLES}; ${host.cpus} CPUs; methods: ${selected.join(', ')}`);
    if (host.loadavgAtStart[0] > host.cpus / 2) {
      console.log(`warning: load average ${host.loadavgAtStart.map((l) => l.toFixed(2)).join(' ')} on ${host.cpus} CPUs: other work is running, timings will be noisy`);
    }
    console.log('');

    for (const method of selected) {
      sql(sinkSock, `DROP DATABASE IF EXISTS ${DB}; CREATE DATABASE ${DB}`);
      await settle(sinkSock);
      const log = join(work, `${method}.log`);
      process.stdout.write(`${method.padEnd(13)} … `);
      let r;
      if (method === 'mariadb-dump') r = await runMariadbDump(inst, work, log);
      else if (method === 'mydumper') r = await runMydumper(inst, work, log, opts['myloader-binlog']);
      else r = await runCutover(inst, work, log, { parallelism, chunkRows });
      const label = method === 'mydumper' && opts['myloader-binlog'] ? `${LABELS[method]} -e` : LABELS[method];
      const res = { method, label, ok: r.ok, seconds: r.seconds, rowsPerSec: r.ok ? totalRows / r.seconds : null, peakRssMB: r.rssKiB != null ? r.rssKiB / 1024 : null, ...(r.parts ? { parts: r.parts } : {}) };
      if (!r.ok) {
        res.error = r.error;
        console.log(`FAIL (${r.error})\n--- last lines of ${log}:\n${tail(log)}\n---`);
      } else {
        const sinkSums = checksums(sinkSock, tables);
        res.checksums = Object.fromEntries(tables.map((t) => [t, { source: sourceSums[t], sink: sinkSums[t] }]));
        const bad = tables.filter((t) => sinkSums[t] == null || sinkSums[t] !== sourceSums[t]);
        if (bad.length) {
          res.ok = false;
          res.error = `CHECKSUM TABLE mismatch: ${bad.map((t) => `${t} source=${sourceSums[t]} sink=${sinkSums[t]}`).join(', ')}`;
          console.log(`FAIL ${r.seconds.toFixed(2)} s, ${res.error}`);
        } else {
          const split = r.parts ? ` (dump ${r.parts.dumpSeconds.toFixed(2)} + load ${r.parts.loadSeconds.toFixed(2)})` : '';
          console.log(`${r.seconds.toFixed(2)} s${split}, checksums OK`);
        }
      }
      if (method === 'cutover') res.logTail = tail(log, 8).split('\n');
      if (!res.ok) failed = true;
      results.push(res);
    }

    const report = summarize(results, totalRows);
    console.log('\n' + report.text + '\n');

    mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
    const out = join(ROOT, 'bench-results', `copy-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
    const json = {
      bench: 'copy',
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      host: { ...host, loadavgAtEnd: loadavg() },
      data: { database: DB, tables: TABLES, rowsPerTable: perTable, totalRows },
      options: { only: selected, parallelism: parallelism ?? null, chunkRows: chunkRows ?? null, myloaderBinlog: opts['myloader-binlog'] },
      results,
      ratios: report.ratios,
      targets: report.targets,
      ok: !failed,
    };
    writeFileSync(out, JSON.stringify(json, null, 2) + '\n');
    console.log(`results: ${out.replace(ROOT, '')}`);
  } finally {
    if (opts.keep) {
      console.log(`--keep: servers left running (source ${urlOf(inst.source)}, sink ${urlOf(inst.sink)}); logs in ${work}`);
      console.log('  stop them with: node scripts/test-services.mjs stop all --prefix bench');
    } else {
      // The source's datadir is kept (stopped) so the next run reuses the prepared rows; the sink is wiped.
      await stopInstance(inst.sink);
      await stopInstance(inst.source, { wipe: false });
      console.log('source data kept for the next run; delete it with: node scripts/test-services.mjs stop source --prefix bench');
      if (!failed) rmSync(work, { recursive: true, force: true });
      else console.log(`logs kept in ${work}`);
    }
  }
  if (failed) console.log('FAIL: at least one method failed or produced different data (see above)');
  return failed ? 1 : 0;
}

const LABELS = { 'mariadb-dump': 'mariadb-dump | mariadb', mydumper: 'mydumper -t 2 + myloader -t 2', cutover: 'cutover run' };

/** Makes sure the source has exactly sbtest1..4 with `perTable` rows each; runs `sysbench prepare` otherwise. */
async function prepareSource(source, sock, perTable, fresh) {
  const expected = Array.from({ length: TABLES }, (_, i) => `sbtest${i + 1}`);
  if (!fresh) {
    const have = sql(sock, `SELECT table_name, table_rows FROM information_schema.tables WHERE table_schema='${DB}' ORDER BY table_name`).map((r) => r[0]);
    if (have.length === TABLES && expected.every((t) => have.includes(t))) {
      const counts = sql(sock, expected.map((t) => `SELECT COUNT(*) FROM ${DB}.${t}`).join(' UNION ALL ')).map((r) => Number(r[0]));
      if (counts.every((c) => c === perTable)) {
        console.log(`source already has ${TABLES} × ${fmtInt(perTable)} rows: reusing it`);
        return;
      }
    }
  }
  console.log(`preparing source: sysbench ${TABLES} × ${fmtInt(perTable)} rows…`);
  sql(sock, `DROP DATABASE IF EXISTS ${DB}; CREATE DATABASE ${DB}`);
  const log = join(tmpdir(), `cutover-bench-sysbench-${process.pid}.log`);
  const r = await timed(
    'sysbench',
    [
      'oltp_read_write',
      '--db-driver=mysql',
      '--mysql-host=127.0.0.1',
      `--mysql-port=${source.port}`,
      '--mysql-user=cutover',
      '--mysql-password=cutover',
      `--mysql-db=${DB}`,
      `--tables=${TABLES}`,
      `--table-size=${perTable}`,
      `--threads=${TABLES}`,
      'prepare',
    ],
    { log },
  );
  if (r.code !== 0) throw new Error(`sysbench prepare failed (exit ${r.code}):\n${tail(log)}`);
  rmSync(log, { force: true });
  sql(sock, 'RESET MASTER'); // the prepare's binlog (~400 MB per million rows) is of no use to a snapshot copy
  console.log(`  prepared in ${r.seconds.toFixed(1)} s`);
}

/** Waits (≤ 60 s) until the sink has flushed the previous method's dirty pages, so it doesn't slow the next one. */
async function settle(sock) {
  const [[pct, lwm]] = sql(sock, 'SELECT @@innodb_max_dirty_pages_pct, @@innodb_max_dirty_pages_pct_lwm');
  sql(sock, 'SET GLOBAL innodb_max_dirty_pages_pct_lwm = 0, innodb_max_dirty_pages_pct = 0');
  try {
    for (let i = 0; i < 600; i++) {
      const [[dirty]] = sql(sock, "SELECT variable_value FROM information_schema.global_status WHERE variable_name = 'INNODB_BUFFER_POOL_PAGES_DIRTY'");
      if (Number(dirty) < 100) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    sql(sock, `SET GLOBAL innodb_max_dirty_pages_pct = ${pct}, innodb_max_dirty_pages_pct_lwm = ${lwm}`);
  }
}

function checksums(sock, tables) {
  const rows = sql(sock, `CHECKSUM TABLE ${tables.map((t) => `${DB}.${t}`).join(', ')}`);
  return Object.fromEntries(rows.map(([name, sum]) => [name.replace(`${DB}.`, ''), sum]));
}

/** bin/cutover.js runs dist/; a missing or stale build would bench the wrong code. */
function cutoverBuildProblem() {
  if (!existsSync(join(ROOT, 'bin/cutover.js'))) return { fatal: true, message: 'bin/cutover.js not found: cannot run the cutover method (use --only to skip it).' };
  const entry = join(ROOT, 'dist/engine/cli/main.js');
  if (!existsSync(entry)) return { fatal: true, message: 'cutover is not built: run `npm run build` first (or use --only to skip it).' };
  const built = statSync(entry).mtimeMs;
  const newest = (dir) => {
    let m = 0;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) m = Math.max(m, newest(p));
      else if (e.name.endsWith('.ts')) m = Math.max(m, statSync(p).mtimeMs);
    }
    return m;
  };
  const src = Math.max(...['engine', 'shared'].map((d) => (existsSync(join(ROOT, d)) ? newest(join(ROOT, d)) : 0)));
  return src > built ? { fatal: false, message: 'TypeScript sources are newer than dist/: run `npm run build` to bench the current code.' } : null;
}

function clientArgs(inst) {
  return ['--no-defaults', '--host=127.0.0.1', `--port=${inst.port}`, '--user=cutover', '--password=cutover'];
}

async function runMariadbDump(inst, work, log) {
  const q = (a) => a.map((s) => `'${s}'`).join(' ');
  const dump = `mariadb-dump ${q(clientArgs(inst.source))} --single-transaction --quick ${DB}`;
  const load = `mariadb ${q(clientArgs(inst.sink))} ${DB}`;
  const r = await timed('bash', ['-o', 'pipefail', '-c', `${dump} | ${load}`], { log, rssFile: join(work, 'mariadb-dump.rss') });
  return { ok: r.code === 0, seconds: r.seconds, rssKiB: r.rssKiB, error: r.code === 0 ? undefined : `exit ${r.code}${r.error ? `, ${r.error}` : ''}` };
}

async function runMydumper(inst, work, log, binlog) {
  const dir = join(work, 'mydumper-out');
  rmSync(dir, { recursive: true, force: true });
  const conn = (i) => ['--host=127.0.0.1', `--port=${i.port}`, '--user=cutover', '--password=cutover'];
  const d = await timed('mydumper', [...conn(inst.source), `--database=${DB}`, `--outputdir=${dir}`, '--threads=2', '--verbose=2'], {
    log,
    rssFile: join(work, 'mydumper.rss'),
  });
  const parts = { dumpSeconds: d.seconds, dumpRssMB: d.rssKiB != null ? d.rssKiB / 1024 : null };
  if (d.code !== 0) return { ok: false, seconds: d.seconds, rssKiB: d.rssKiB, parts, error: `mydumper exit ${d.code}${d.error ? `, ${d.error}` : ''}` };
  const l = await timed(
    'myloader',
    [...conn(inst.sink), `--directory=${dir}`, `--database=${DB}`, '--overwrite-tables', '--threads=2', '--verbose=2', ...(binlog ? ['--enable-binlog'] : [])],
    { log, rssFile: join(work, 'myloader.rss') },
  );
  rmSync(dir, { recursive: true, force: true });
  Object.assign(parts, { loadSeconds: l.seconds, loadRssMB: l.rssKiB != null ? l.rssKiB / 1024 : null });
  const rssKiB = Math.max(d.rssKiB ?? 0, l.rssKiB ?? 0) || null;
  if (l.code !== 0) return { ok: false, seconds: d.seconds + l.seconds, rssKiB, parts, error: `myloader exit ${l.code}${l.error ? `, ${l.error}` : ''}` };
  return { ok: true, seconds: d.seconds + l.seconds, rssKiB, parts };
}

async function runCutover(inst, work, log, { parallelism, chunkRows }) {
  const cli = join(ROOT, 'bin/cutover.js');
  const job = {
    name: 'bench-copy',
    source: { url: urlOf(inst.source) },
    sink: { type: 'mysql', url: urlOf(inst.sink) },
    tables: { include: [`${DB}.*`] },
    mode: 'snapshot',
  };
  if (parallelism !== undefined || chunkRows !== undefined) {
    job.snapshot = { ...(parallelism !== undefined ? { parallelism } : {}), ...(chunkRows !== undefined ? { chunkRows } : {}) };
  }
  const jobFile = join(work, 'job.json');
  const stateFile = join(work, `state-${Date.now()}.db`);
  writeFileSync(jobFile, JSON.stringify(job, null, 2) + '\n');
  writeFileSync(log, `job: ${JSON.stringify(job)}\n`);
  const r = await timed(process.execPath, [cli, 'run', jobFile, '--state', stateFile], { log, rssFile: join(work, 'cutover.rss') });
  return { ok: r.code === 0, seconds: r.seconds, rssKiB: r.rssKiB, error: r.code === 0 ? undefined : `exit ${r.code}${r.error ? `, ${r.error}` : ''}` };
}

function summarize(results, totalRows) {
  const by = Object.fromEntries(results.map((r) => [r.method, r]));
  const rows = results.map((r) => [
    r.label,
    r.ok ? r.seconds.toFixed(2) : 'FAIL',
    r.ok ? fmtInt(r.rowsPerSec) : '-',
    r.peakRssMB != null ? r.peakRssMB.toFixed(0) : '-',
  ]);
  const lines = [formatTable(['method', 'seconds', 'rows/s', 'peak RSS MB*'], rows)];
  lines.push(`(${fmtInt(totalRows)} rows; *largest single process, from GNU time %M)`);
  const ratios = {};
  const targets = {};
  const c = by.cutover;
  if (c?.ok) {
    lines.push('');
    for (const base of ['mariadb-dump', 'mydumper']) {
      const b = by[base];
      if (!b?.ok) continue;
      ratios[base] = b.seconds / c.seconds; // throughput ratio = inverse time ratio
      lines.push(`cutover / ${base === 'mydumper' ? 'mydumper+myloader' : 'mariadb-dump|mariadb'} = ${ratios[base].toFixed(2)}×`);
    }
    lines.push(`cutover peak RSS = ${c.peakRssMB != null ? c.peakRssMB.toFixed(1) : '?'} MB`);
    lines.push('');
    if (ratios.mydumper !== undefined) {
      targets.ratioVsMydumper = { target: TARGET_RATIO, value: ratios.mydumper, met: ratios.mydumper >= TARGET_RATIO };
      lines.push(`target ratio ≥ ${TARGET_RATIO}× vs mydumper+myloader: ${targets.ratioVsMydumper.met ? 'MET' : 'MISSED'} (${ratios.mydumper.toFixed(2)}×)`);
    } else {
      lines.push(`target ratio ≥ ${TARGET_RATIO}× vs mydumper+myloader: not measured (mydumper not run or failed)`);
    }
    if (c.peakRssMB != null) {
      targets.rssMB = { target: TARGET_RSS_MB, value: c.peakRssMB, met: c.peakRssMB < TARGET_RSS_MB };
      lines.push(`target RSS < ${TARGET_RSS_MB} MB: ${targets.rssMB.met ? 'MET' : 'MISSED'} (${c.peakRssMB.toFixed(1)} MB)`);
    }
  }
  return { text: lines.join('\n'), ratios, targets };
}

function hostInfo() {
  const v = (cmd, args) => {
    try {
      const r = spawnSyncText(cmd, args);
      return r.split('\n')[0].trim();
    } catch {
      return null;
    }
  };
  return {
    cpus: cpus().length,
    loadavgAtStart: loadavg(),
    cpuModel: cpus()[0]?.model ?? null,
    memMB: Math.round(totalmem() / 1024 / 1024),
    node: process.version,
    mariadb: v('mariadbd', ['--version']),
    mydumper: v('mydumper', ['--version']),
    sysbench: v('sysbench', ['--version']),
  };
}

function spawnSyncText(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
}
