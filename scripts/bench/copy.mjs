// `npm run bench -- copy`: snapshot-copy throughput of Cutover against mariadb-dump|mariadb and
// mydumper+myloader, on sysbench tables (sbtest1..4) in throwaway MariaDB servers, into a sink with its
// binlog on and into one with its binlog off.
//
//   npm run bench -- copy [--rows N] [--only cutover,mydumper,mariadb-dump] [--sink-binlog on,off] [--keep]
//                         [--parallelism N] [--chunk-rows N] [--port-base N] [--fresh]
//
// Each method copies database `sbtest` into an empty `sbtest` on each sink; every table is then
// compared with CHECKSUM TABLE on both sides. A checksum mismatch (or a failed method) makes the
// exit code 1; missed performance targets are only reported. Beside the seconds, the CPU time of each
// method is printed: the tool's own processes (GNU time, user + system) and the source's and the sink's
// mariadbd (user + system from /proc/PID/stat, before and after), so runs on a loaded machine can be
// compared by the work done. Results go to bench-results/copy-*.json.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { instances, pidOf, socketOf, startInstance, stopInstance, urlOf } from '../test-services.mjs';
import { cutoverBuildProblem, cutoverJob, runCutoverJob } from './cutover.mjs';
import { checkTools, cutoverRatios, exitError, fmtInt, formatTable, hostInfo, outcome, parseOptions, processCpuSeconds, selectOnly, sql, tail, timed, reportAndSave } from './lib.mjs';
import { sharedHelp, sharedOptions, readSharedOptions } from './options.mjs';
import { DB, clientArgs, compareChecksums, checksums, prepareSysbenchTables, settle, shellQuote } from './mariadb.mjs';

export const summary = 'snapshot copy of sysbench tables: cutover vs mariadb-dump|mariadb vs mydumper+myloader, sink binlog on and off';

const TABLES = 4;
const METHODS = ['mariadb-dump', 'mydumper', 'cutover'];
const BINLOG_MODES = ['on', 'off'];
const TARGET_RATIO = 1.2; // cutover throughput vs mydumper+myloader
const TARGET_RSS_MB = 300;
const INSTALL = 'sudo apt-get install -y sysbench mydumper';
const DEFAULT_PORT_BASE = 33160;

const HELP = `Usage: npm run bench -- copy [options]

Copies ${TABLES} sysbench tables (${DB}.sbtest1..${TABLES}) from a throwaway MariaDB source (port base + 1, default
${DEFAULT_PORT_BASE + 1}) into an empty database on a throwaway sink with its binlog on (port base + 2) and on one
with its binlog off (port base + 3), with each method, timing it, measuring the CPU time of the method and
of both servers, and checking CHECKSUM TABLE. Into the binlog-on sink myloader runs with --enable-binlog,
so every method writes the sink's binlog there.

Options:
${sharedHelp(['rows'], { what: `rows, split across ${TABLES} tables` })}
  --only LIST          comma-separated methods to run, from: ${METHODS.join(', ')} (default all)
  --sink-binlog LIST   which sinks: on, off or on,off (default on,off)
${sharedHelp(['parallelism', 'chunk-rows'])}
  --cutover-args ARGS  extra arguments for \`cutover run\`, space-separated
${sharedHelp(['port-base', 'keep', 'fresh'], { ports: 'N+1 source, N+2 sink (binlog on), N+3 sink (binlog off)', defaultPortBase: DEFAULT_PORT_BASE })}
  -h, --help           this help
`;

export async function main(argv) {
  const { opts, exit } = parseOptions(
    argv,
    {
      ...sharedOptions(['rows', 'parallelism', 'chunk-rows', 'port-base', 'keep', 'fresh']),
      only: { type: 'string' },
      'sink-binlog': { type: 'string', default: 'on,off' },
      'cutover-args': { type: 'string' },
    },
    HELP,
  );
  if (!opts) return exit;
  const { perTable, totalRows, parallelism, chunkRows, portBase } = readSharedOptions(opts, { tables: TABLES, portBaseDefault: DEFAULT_PORT_BASE });
  const selected = selectOnly(opts.only, METHODS, 'method'); // always in the fixed order
  if (!selected) return 1;
  const modes = selectOnly(opts['sink-binlog'], BINLOG_MODES, 'sink binlog mode');
  if (!modes) return 1;
  const cutoverArgs = opts['cutover-args'] ? opts['cutover-args'].split(' ').filter(Boolean) : [];

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

  const inst = instances('bench', portBase);
  // The same server without its binlog (a sink nothing replicates from, or one whose binlog is turned on later).
  const sinks = {
    on: inst.sink,
    off: { ...inst.sink, name: `${inst.sink.name}-nobinlog`, port: portBase + 3, serverId: 3, extra: [] },
  };
  const srcSock = socketOf(inst.source);
  const work = mkdtempSync(join(tmpdir(), 'cutover-bench-copy-'));
  const startedAt = new Date();
  const host = hostInfo({ mariadb: 'mariadbd', mydumper: 'mydumper', sysbench: 'sysbench' }); // before anything of ours runs, so its load average is other work
  const results = [];
  let failed = false;
  try {
    console.log(`starting servers bench-source (${inst.source.port}) and ${modes.map((m) => `${sinks[m].name} (${sinks[m].port}, binlog ${m})`).join(', ')}…`);
    await startInstance(inst.source);
    for (const m of modes) await startInstance(sinks[m]);

    await prepareSysbenchTables(inst.source, srcSock, { tables: TABLES, perTable, fresh: opts.fresh });
    const tables = Array.from({ length: TABLES }, (_, i) => `sbtest${i + 1}`);
    const sourceSums = checksums(srcSock, tables); // also warms the source buffer pool for the first method
    console.log(`source: ${fmtInt(totalRows)} rows in ${DB}.sbtest1..${TABLES}; ${host.cpus} CPUs; methods: ${selected.join(', ')}`);
    if (host.loadavgAtStart[0] > host.cpus / 2) {
      console.log(`warning: load average ${host.loadavgAtStart.map((l) => l.toFixed(2)).join(' ')} on ${host.cpus} CPUs: other work is running, timings will be noisy`);
    }
    console.log('');

    for (const mode of modes) {
      const sink = sinks[mode];
      const sinkSock = socketOf(sink);
      const target = { source: inst.source, sink };
      console.log(`into the sink with its binlog ${mode} (${sink.name}):`);
      for (const method of selected) {
        sql(sinkSock, `DROP DATABASE IF EXISTS ${DB}; CREATE DATABASE ${DB}`);
        if (mode === 'on') sql(sinkSock, 'RESET MASTER'); // the previous method's binlog
        await settle(sinkSock); // untimed: the previous method's pages flushed, the sink's settings restored
        await settle(srcSock);
        const log = join(work, `${method}-binlog-${mode}.log`);
        process.stdout.write(`  ${method.padEnd(13)} … `);
        const servers = { source: pidOf(inst.source), sink: pidOf(sink) };
        const cpu0 = { source: processCpuSeconds(servers.source), sink: processCpuSeconds(servers.sink) };
        let r;
        if (method === 'mariadb-dump') r = await runMariadbDump(target, work, log);
        else if (method === 'mydumper') r = await runMydumper(target, work, log, mode === 'on');
        else r = await runCutover(target, work, log, { parallelism, chunkRows, args: cutoverArgs });
        const cpu = {
          tool: r.cpuSeconds ?? null,
          source: cpuDelta(cpu0.source, processCpuSeconds(servers.source)),
          sink: cpuDelta(cpu0.sink, processCpuSeconds(servers.sink)),
        };
        const label = method === 'mydumper' && mode === 'on' ? `${LABELS[method]} -e` : LABELS[method];
        const res = { method, sinkBinlog: mode, label, ok: r.ok, seconds: r.seconds, rowsPerSec: r.ok ? totalRows / r.seconds : null, peakRssMB: r.rssKiB != null ? r.rssKiB / 1024 : null, cpu, ...(r.parts ? { parts: r.parts } : {}) };
        if (mode === 'on') res.sinkBinlogMB = binlogMB(sinkSock);
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
            console.log(`${r.seconds.toFixed(2)} s${split}, CPU ${fmtCpu(cpu)}, checksums OK`);
          }
        }
        if (method === 'cutover') res.logTail = tail(log, 8).split('\n');
        if (!res.ok) failed = true;
        results.push(res);
      }
    }

    const report = summarize(results, totalRows);
    reportAndSave({ bench: 'copy', startedAt, host, report, results, ok: !failed }, {
      data: { database: DB, tables: TABLES, rowsPerTable: perTable, totalRows },
      options: { only: selected, sinkBinlog: modes, parallelism: parallelism ?? null, chunkRows: chunkRows ?? null, cutoverArgs, portBase },
    });
  } finally {
    if (opts.keep) {
      console.log(`--keep: servers left running (source ${urlOf(inst.source)}, ${modes.map((m) => `sink binlog ${m} ${urlOf(sinks[m])}`).join(', ')}); logs in ${work}`);
    } else {
      // The source's datadir is kept (stopped) so the next run reuses the prepared rows; the sink is wiped.
      for (const m of modes) await stopInstance(sinks[m]);
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

const cpuDelta = (a, b) => (a != null && b != null ? b - a : null);
const fmtCpu = (c) => `${['tool', 'source', 'sink'].map((k) => `${k} ${c[k] != null ? c[k].toFixed(2) : '?'}`).join(' + ')} s`;
const cpuTotal = (c) => (c && c.tool != null && c.source != null && c.sink != null ? c.tool + c.source + c.sink : null);

/** Size of the sink's binlog files in MB. */
function binlogMB(sock) {
  return sql(sock, 'SHOW BINARY LOGS').reduce((a, r) => a + Number(r[1]), 0) / 1024 / 1024;
}

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
  if (d.code !== 0) return { ok: false, seconds: d.seconds, rssKiB: d.rssKiB, cpuSeconds: d.cpuSeconds, parts, error: `mydumper ${exitError(d)}` };
  const l = await timed(
    'myloader',
    [...conn(inst.sink), `--directory=${dir}`, `--database=${DB}`, '--overwrite-tables', '--threads=2', '--verbose=2', ...(binlog ? ['--enable-binlog'] : [])],
    { log, rssFile: join(work, 'myloader.rss') },
  );
  rmSync(dir, { recursive: true, force: true });
  Object.assign(parts, { loadSeconds: l.seconds, loadRssMB: l.rssKiB != null ? l.rssKiB / 1024 : null });
  const rssKiB = Math.max(d.rssKiB ?? 0, l.rssKiB ?? 0) || null;
  const cpuSeconds = d.cpuSeconds != null && l.cpuSeconds != null ? d.cpuSeconds + l.cpuSeconds : null;
  if (l.code !== 0) return { ok: false, seconds: d.seconds + l.seconds, rssKiB, cpuSeconds, parts, error: `myloader ${exitError(l)}` };
  return { ok: true, seconds: d.seconds + l.seconds, rssKiB, cpuSeconds, parts };
}

async function runCutover(inst, work, log, { parallelism, chunkRows, args }) {
  const snapshot = { ...(parallelism !== undefined ? { parallelism } : {}), ...(chunkRows !== undefined ? { chunkRows } : {}) };
  return runCutoverJob(cutoverJob('bench-copy', inst, 'snapshot', Object.keys(snapshot).length ? { snapshot } : {}), work, log, args);
}

function summarize(results, totalRows) {
  const lines = [];
  const ratios = {};
  const targets = {};
  for (const mode of BINLOG_MODES) {
    const rs = results.filter((r) => r.sinkBinlog === mode);
    if (!rs.length) continue;
    const by = Object.fromEntries(rs.map((r) => [r.method, r]));
    const rows = rs.map((r) => [
      r.label,
      r.ok ? r.seconds.toFixed(2) : 'FAIL',
      r.ok ? fmtInt(r.rowsPerSec) : '-',
      r.cpu?.tool != null ? r.cpu.tool.toFixed(2) : '-',
      r.cpu?.source != null ? r.cpu.source.toFixed(2) : '-',
      r.cpu?.sink != null ? r.cpu.sink.toFixed(2) : '-',
      cpuTotal(r.cpu) != null ? cpuTotal(r.cpu).toFixed(2) : '-',
      r.peakRssMB != null ? r.peakRssMB.toFixed(0) : '-',
    ]);
    lines.push(`sink binlog ${mode.toUpperCase()}:`);
    lines.push(formatTable(['method', 'seconds', 'rows/s', 'CPU tool', 'CPU source', 'CPU sink', 'CPU total', 'peak RSS MB*'], rows));
    const c = by.cutover;
    if (!c?.ok) {
      lines.push('');
      continue;
    }
    const vs = cutoverRatios(by, ['mariadb-dump', 'mydumper'], (base) => (base === 'mydumper' ? 'mydumper+myloader' : 'mariadb-dump|mariadb'));
    ratios[mode] = vs.ratios;
    lines.push(...vs.lines.map((l) => `${l} (wall clock)`));
    const m = by.mydumper;
    if (m?.ok && cpuTotal(m.cpu) != null && cpuTotal(c.cpu) != null) {
      ratios[mode].mydumperCpu = cpuTotal(m.cpu) / cpuTotal(c.cpu);
      lines.push(`cutover / mydumper+myloader = ${ratios[mode].mydumperCpu.toFixed(2)}× by CPU time (all processes, both servers)`);
    }
    if (ratios[mode].mydumper !== undefined) {
      const t = (targets[`ratioVsMydumperBinlog${mode === 'on' ? 'On' : 'Off'}`] = { target: TARGET_RATIO, value: ratios[mode].mydumper, met: ratios[mode].mydumper >= TARGET_RATIO });
      lines.push(`target ratio ≥ ${TARGET_RATIO}× vs mydumper+myloader, sink binlog ${mode}: ${t.met ? 'MET' : 'MISSED'} (${t.value.toFixed(2)}×)`);
    } else lines.push(`target ratio ≥ ${TARGET_RATIO}× vs mydumper+myloader, sink binlog ${mode}: not measured (mydumper not run or failed)`);
    if (c.peakRssMB != null) {
      const t = (targets[`rssMBBinlog${mode === 'on' ? 'On' : 'Off'}`] = { target: TARGET_RSS_MB, value: c.peakRssMB, met: c.peakRssMB < TARGET_RSS_MB });
      lines.push(`target cutover RSS < ${TARGET_RSS_MB} MB: ${t.met ? 'MET' : 'MISSED'} (${c.peakRssMB.toFixed(1)} MB)`);
    }
    lines.push('');
  }
  lines.push(`(${fmtInt(totalRows)} rows; CPU in seconds, user + system; *largest single process, from GNU time %M)`);
  return { text: lines.join('\n'), ratios, targets };
}
