// `npm run bench -- copy`: snapshot-copy throughput of Cutover against mariadb-dump|mariadb and
// mydumper+myloader, on sysbench tables (sbtest1..4) in throwaway MariaDB servers.
//
//   npm run bench -- copy [--rows N] [--only cutover,mydumper,mariadb-dump] [--keep]
//                         [--parallelism N] [--chunk-rows N] [--myloader-binlog] [--fresh]
//
// Each method copies database `sbtest` into an empty `sbtest` on the sink; every table is then
// compared with CHECKSUM TABLE on both sides. A checksum mismatch (or a failed method) makes the
// exit code 1; missed performance targets are only reported. Results go to bench-results/copy-*.json.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { instances, socketOf, startInstance, stopInstance, urlOf } from '../test-services.mjs';
import { cutoverBuildProblem, cutoverJob, runCutoverJob } from './cutover.mjs';
import { checkTools, cutoverRatios, exitError, fmtInt, formatTable, hostInfo, intOption, outcome, parseOptions, selectOnly, sql, tail, timed, reportAndSave } from './lib.mjs';
import { DB, clientArgs, compareChecksums, checksums, prepareSysbenchTables, settle, shellQuote } from './mariadb.mjs';

export const summary = 'snapshot copy of sysbench tables: cutover vs mariadb-dump|mariadb vs mydumper+myloader';

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
  const { opts, exit } = parseOptions(
    argv,
    {
      rows: { type: 'string', default: '1000000' },
      only: { type: 'string' },
      parallelism: { type: 'string' },
      'chunk-rows': { type: 'string' },
      'myloader-binlog': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      fresh: { type: 'boolean', default: false },
    },
    HELP,
  );
  if (!opts) return exit;
  const totalRequested = intOption(opts, 'rows', TABLES);
  const perTable = Math.floor(totalRequested / TABLES);
  const totalRows = perTable * TABLES;
  if (totalRows !== totalRequested) console.log(`note: --rows ${totalRequested} is not a multiple of ${TABLES}; using ${totalRows}`);
  const parallelism = intOption(opts, 'parallelism', 1);
  const chunkRows = intOption(opts, 'chunk-rows', 1);
  const selected = selectOnly(opts.only, METHODS, 'method'); // always in the fixed order
  if (!selected) return 1;

  // Tools. sysbench is checked up front so a missing package is reported before anything starts.
  if (!checkTools(['sysbench', ...(selected.includes('mydumper') ? ['mydumper', 'myloader'] : [])], INSTALL)) return 1;

  if (selected.includes('cutover')) {
    const problem = cutoverBuildProblem({ suggestOnly: true });
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
  const host = hostInfo({ mariadb: 'mariadbd', mydumper: 'mydumper', sysbench: 'sysbench' }); // before anything of ours runs, so its load average is other work
  const results = [];
  let failed = false;
  try {
    console.log('starting servers bench-source (33161) and bench-sink (33162)…');
    await startInstance(inst.source);
    await startInstance(inst.sink);

    await prepareSysbenchTables(inst.source, srcSock, { tables: TABLES, perTable, fresh: opts.fresh });
    const tables = Array.from({ length: TABLES }, (_, i) => `sbtest${i + 1}`);
    const sourceSums = checksums(srcSock, tables); // also warms the source buffer pool for the first method
    console.log(`source: ${fmtInt(totalRows)} rows in ${DB}.sbtest1..${TABLES}; ${host.cpus} CPUs; methods: ${selected.join(', ')}`);
    if (host.loadavgAtStart[0] > host.cpus / 2) {
      console.log(`warning: load average ${host.loadavgAtStart.map((l) => l.toFixed(2)).join(' ')} on ${host.cpus} CPUs: other work is running, timings will be noisy`);
    }
    console.log('');

    for (const method of selected) {
      sql(sinkSock, `DROP DATABASE IF EXISTS ${DB}; CREATE DATABASE ${DB}`);
      await settle(sinkSock); // untimed: the previous method's pages flushed, the sink's settings restored
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
        const { checksums: sums, mismatch } = compareChecksums(sinkSock, tables, sourceSums);
        res.checksums = sums;
        if (mismatch) {
          res.ok = false;
          res.error = mismatch;
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
    reportAndSave({ bench: 'copy', startedAt, host, report, results, ok: !failed }, {
      data: { database: DB, tables: TABLES, rowsPerTable: perTable, totalRows },
      options: { only: selected, parallelism: parallelism ?? null, chunkRows: chunkRows ?? null, myloaderBinlog: opts['myloader-binlog'] },
    });
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

async function runMariadbDump(inst, work, log) {
  const dump = `mariadb-dump ${shellQuote(clientArgs(inst.source))} --single-transaction --quick ${DB}`;
  const load = `mariadb ${shellQuote(clientArgs(inst.sink))} ${DB}`;
  return outcome(await timed('bash', ['-o', 'pipefail', '-c', `${dump} | ${load}`], { log, rssFile: join(work, 'mariadb-dump.rss') }));
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
  if (d.code !== 0) return { ok: false, seconds: d.seconds, rssKiB: d.rssKiB, parts, error: `mydumper ${exitError(d)}` };
  const l = await timed(
    'myloader',
    [...conn(inst.sink), `--directory=${dir}`, `--database=${DB}`, '--overwrite-tables', '--threads=2', '--verbose=2', ...(binlog ? ['--enable-binlog'] : [])],
    { log, rssFile: join(work, 'myloader.rss') },
  );
  rmSync(dir, { recursive: true, force: true });
  Object.assign(parts, { loadSeconds: l.seconds, loadRssMB: l.rssKiB != null ? l.rssKiB / 1024 : null });
  const rssKiB = Math.max(d.rssKiB ?? 0, l.rssKiB ?? 0) || null;
  if (l.code !== 0) return { ok: false, seconds: d.seconds + l.seconds, rssKiB, parts, error: `myloader ${exitError(l)}` };
  return { ok: true, seconds: d.seconds + l.seconds, rssKiB, parts };
}

async function runCutover(inst, work, log, { parallelism, chunkRows }) {
  const snapshot = { ...(parallelism !== undefined ? { parallelism } : {}), ...(chunkRows !== undefined ? { chunkRows } : {}) };
  return runCutoverJob(cutoverJob('bench-copy', inst, 'snapshot', Object.keys(snapshot).length ? { snapshot } : {}), work, log);
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
  let ratios = {};
  const targets = {};
  const c = by.cutover;
  if (c?.ok) {
    const vs = cutoverRatios(by, ['mariadb-dump', 'mydumper'], (base) => (base === 'mydumper' ? 'mydumper+myloader' : 'mariadb-dump|mariadb'));
    ratios = vs.ratios;
    lines.push('', ...vs.lines);
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
