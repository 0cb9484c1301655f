// `npm run bench -- apply`: applying a binlog backlog from one stored position, Cutover against
// MariaDB's own replica (single-threaded and with slave_parallel_threads=2), on throwaway MariaDB servers.
//
//   npm run bench -- apply [--transactions N[,N…]] [--tables N] [--table-size N] [--threads N]
//                          [--only cutover,native-1,native-2|native] [--keep]
//
// The source gets sysbench tables (sbtest1..4), a consistent dump of them with its binlog position P,
// then a backlog of `sysbench oltp_write_only` transactions (4 row events each) ending at position E.
// With several sizes (default 40,000 and 160,000), the backlog grows from P size after size and every
// contender applies each size from P: the small one weighs fixed costs (start-up, preflight), the large
// one the steady apply rate.
// For each contender the sink is reset to the dump (untimed), then:
//   cutover   `cutover run` of a `mode: "stream"` job starting at P with --exit-when-caught-up
//   native-N  CHANGE MASTER TO … P; START SLAVE IO_THREAD; wait until the relay log holds everything up
//             to E; then timed: START SLAVE SQL_THREAD + MASTER_POS_WAIT(E), with slave_parallel_threads=N
//             (0 for native-1) and the sink's binlog on with log_slave_updates, as Cutover's writes are.
// Every table is then compared with CHECKSUM TABLE on both sides. A checksum mismatch (or a failed
// contender) makes the exit code 1; a missed target is only reported. Results go to bench-results/apply-*.json.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { instances, socketOf, startInstance, stopInstance, urlOf } from '../test-services.mjs';
import { backlogBytes, countBinlogEvents, dumpSource, prepareSource, writeBacklog } from './backlog.mjs';
import { cutoverBuildProblem, cutoverJob, runCutoverJob } from './cutover.mjs';
import { checkTools, cutoverRatios, fmtInt, formatTable, hostInfo, intOption, parseOptions, selectOnly, sleep, sql, tail, timed, reportAndSave } from './lib.mjs';
import { DB, checksums, clientArgs, compareChecksums, settle, shellQuote } from './mariadb.mjs';
import { resetReplica, runNative } from './replica.mjs';

export const summary = 'binlog backlog applied from one position: cutover vs the native MariaDB replica (1 and 2 threads)';

const PREFIX = 'bench-apply';
// --port-base N (or CUTOVER_BENCH_PORT_BASE) moves the servers (source base+1, sink base+2) off the default ports, e.g. beside other runs.
let PORT_BASE = Number(process.env.CUTOVER_BENCH_PORT_BASE) || 33170; // source 33171, sink 33172
const CONTENDERS = ['native-1', 'native-2', 'cutover'];
const ROW_EVENTS_PER_TRX = 4; // oltp_write_only: index update, non-index update, delete, insert
/** Cutover's speed vs the single-threaded native replica, by backlog size: fixed costs count on the small one. */
const targetRatio = (transactions) => (transactions >= 100_000 ? 1.5 : 1.0);
const LOAD_WARN = 1.0; // 1-minute load average before anything starts
const BUSY_WARN = 0.25; // CPUs busy during the second before a timed phase
const INSTALL = 'sudo apt-get install -y sysbench';

const HELP = `Usage: npm run bench -- apply [options]

Applies a backlog of sysbench oltp_write_only transactions (${ROW_EVENTS_PER_TRX} row events each) from one binlog position
of a throwaway MariaDB source (port ${PORT_BASE + 1}) to a throwaway sink (port ${PORT_BASE + 2}) that holds the data as of that
position, with each contender, timing it and checking CHECKSUM TABLE:
  native-1   MariaDB's replica, single-threaded SQL thread (slave_parallel_threads=0)
  native-2   MariaDB's replica with slave_parallel_threads=2
  cutover    cutover run of a mode "stream" job from the same position, --exit-when-caught-up
The native replicas fetch the whole backlog into their relay log first; only the SQL thread's apply is timed.

Options:
  --transactions N[,N…]  backlog sizes in transactions, each applied from P by every contender
                   (default 40000,160000; targets: 1.0× native-1 below 100,000, 1.5× from there)
  --events N       the same as --transactions N (one size)
  --tables N       sysbench tables (default 4)
  --table-size N   rows per table (default 100000)
  --threads N      sysbench threads writing the backlog (default 4)
  --only LIST      comma-separated contenders, from: ${CONTENDERS.join(', ')}; "native" = both native ones
                   (default all)
  --port-base N    ports: N+1 source, N+2 sink (default ${PORT_BASE}; also CUTOVER_BENCH_PORT_BASE)
  --keep           leave the servers running (and the temp dir with the dump and logs) afterwards
  -h, --help       this help
`;

export async function main(argv) {
  const { opts, exit } = parseOptions(
    argv,
    {
      transactions: { type: 'string' },
      events: { type: 'string' },
      tables: { type: 'string', default: '4' },
      'table-size': { type: 'string', default: '100000' },
      threads: { type: 'string', default: '4' },
      only: { type: 'string' },
      keep: { type: 'boolean', default: false },
      'port-base': { type: 'string' },
    },
    HELP,
  );
  if (!opts) return exit;
  PORT_BASE = intOption(opts, 'port-base', 1024) ?? PORT_BASE;
  const int = (name) => intOption(opts, name, 1);
  const sizes = [...new Set(String(opts.transactions ?? opts.events ?? '40000,160000').split(',').map((v) => Number(v.trim())))].sort((a, b) => a - b);
  if (!sizes.length || sizes.some((n) => !Number.isInteger(n) || n < 1)) {
    console.error(`--transactions: whole numbers ≥ 1, comma-separated (got ${opts.transactions ?? opts.events})`);
    return 1;
  }
  const size = { events: sizes.at(-1), tables: int('tables'), tableSize: int('table-size'), threads: int('threads') };
  const selected = selectOnly(opts.only, CONTENDERS, 'contender', { native: ['native-1', 'native-2'] }); // always in the fixed order
  if (!selected) return 1;

  if (!checkTools(['sysbench', 'mariadb-dump', 'mariadb'], (missing) => `${INSTALL}${missing.includes('sysbench') ? '' : ' mariadb-client'}`)) return 1;
  // A missing build fails only the cutover contender: the native ones are still worth measuring.
  const buildProblem = selected.includes('cutover') ? cutoverBuildProblem() : null;
  if (buildProblem && !buildProblem.fatal) console.warn(`warning: ${buildProblem.message}`);

  // The sink replicates like a real replica: its binlog gets the replicated events (as it gets
  // Cutover's writes), and a restart (--keep, then a later run) never resumes a stale replica.
  const base = instances(PREFIX, PORT_BASE);
  const inst = {
    source: base.source,
    sink: { ...base.sink, extra: [...base.sink.extra, '--log-slave-updates=ON', '--relay-log=relay-bin', '--skip-slave-start'] },
  };
  // Two runs at once would share these servers and wreck each other's data (seen: a replica stopped
  // under MASTER_POS_WAIT, the checkpoint database dropped under Cutover).
  const lock = acquireLock();
  if (!lock.ok) {
    console.error(lock.message);
    return 1;
  }
  const srcSock = socketOf(inst.source);
  const sinkSock = socketOf(inst.sink);
  const work = mkdtempSync(join(tmpdir(), 'cutover-bench-apply-'));
  const startedAt = new Date();
  const t0 = performance.now();
  const host = hostInfo({ mariadb: 'mariadbd', sysbench: 'sysbench' }); // before anything of ours runs, so its load average is other work
  const tables = Array.from({ length: size.tables }, (_, i) => `sbtest${i + 1}`);
  const results = [];
  let failed = false;
  try {
    if (host.loadavgAtStart[0] > LOAD_WARN) {
      console.log(`warning: 1-minute load average ${host.loadavgAtStart[0].toFixed(2)} > ${LOAD_WARN} before the bench started: other work is running, timings will be noisy`);
    }
    console.log(`starting servers ${inst.source.name} (${inst.source.port}) and ${inst.sink.name} (${inst.sink.port})…`);
    await startInstance(inst.source);
    await startInstance(inst.sink);
    resetReplica(sinkSock);

    // 1. Baseline: fresh tables, their dump and the binlog position P it is consistent with.
    await prepareSource(inst.source, srcSock, size, work);
    const dumpFile = join(work, 'baseline.sql');
    const d0 = performance.now();
    const start = await dumpSource(inst.source, dumpFile, join(work, 'dump.log'));
    console.log(`baseline dump: ${(statSync(dumpFile).size / 1024 / 1024).toFixed(0)} MB at ${start.file}:${start.pos} (in ${((performance.now() - d0) / 1000).toFixed(1)} s)`);

    const sinkCpu = serverCpuReader(sinkSock);
    const backlogs = [];
    const reports = [];
    let written = 0;
    let sysbenchSeconds = 0;
    for (const transactions of sizes) {
      // 2. Backlog: sysbench writes up to `transactions` in all since P; the source is idle afterwards, so E
      // is where this size's backlog ends.
      const backlogRun = await writeBacklog(inst.source, { ...size, events: transactions - written, seed: backlogs.length + 1 }, join(work, `backlog-${transactions}.log`));
      written = transactions;
      sysbenchSeconds += backlogRun.seconds;
      const [[endFile, endPos]] = sql(srcSock, 'SHOW MASTER STATUS');
      const end = { file: endFile, pos: Number(endPos) };
      const counts = await countBinlogEvents(srcSock, start, end);
      const backlog = { start, end, bytes: backlogBytes(srcSock, start, end), ...counts, sysbenchTransactions: transactions, sysbenchSeconds };
      backlogs.push(backlog);
      const expectedRows = transactions * ROW_EVENTS_PER_TRX;
      console.log(
        `backlog: ${fmtInt(backlog.transactions)} transactions, ${fmtInt(backlog.rowEvents)} row events, ` +
          `${(backlog.bytes / 1024 / 1024).toFixed(1)} MB of binlog, ${start.file}:${start.pos} → ${end.file}:${end.pos} ` +
          `(written by sysbench in ${sysbenchSeconds.toFixed(1)} s in all)`,
      );
      if (backlog.transactions !== transactions || backlog.rowEvents !== expectedRows) {
        console.log(`  note: expected ${fmtInt(transactions)} transactions and ${fmtInt(expectedRows)} row events`);
      }
      await settle(srcSock); // the source serves the binlog to every contender: no flushing meanwhile
      const sourceSums = checksums(srcSock, tables);
      console.log(`contenders: ${selected.join(', ')}; ${host.cpus} CPUs\n`);
      for (const name of selected) {
        const res = await measure(name, { inst, sinkSock, dumpFile, work, start, end, backlog, sinkCpu, sourceSums, tables, buildProblem });
        if (!res.ok) failed = true;
        results.push({ transactions, ...res });
      }
      reports.push(summarize(results.filter((r) => r.transactions === transactions), backlog));
      console.log('');
    }

    const report = {
      text: reports.map((r) => r.text).join('\n\n'),
      ratios: Object.fromEntries(reports.map((r, i) => [sizes[i], r.ratios])),
      targets: Object.fromEntries(reports.map((r, i) => [sizes[i], r.targets])),
    };
    reportAndSave({ bench: 'apply', startedAt, totalSeconds: (performance.now() - t0) / 1000, host, report, results, ok: !failed }, {
      data: { database: DB, tables: size.tables, rowsPerTable: size.tableSize, workload: 'oltp_write_only', sysbenchThreads: size.threads },
      backlogs,
      sink: sinkSettings(sinkSock),
      options: { only: selected, transactions: sizes },
    });
  } finally {
    lock.release();
    if (opts.keep) {
      console.log(`--keep: servers left running (source ${urlOf(inst.source)}, sink ${urlOf(inst.sink)}); dump and logs in ${work}`);
      console.log(`  stop them with: node scripts/test-services.mjs stop all --prefix ${PREFIX}`);
    } else {
      await stopInstance(inst.sink);
      await stopInstance(inst.source);
      if (!failed) rmSync(work, { recursive: true, force: true });
      else {
        rmSync(join(work, 'baseline.sql'), { force: true });
        console.log(`logs kept in ${work}`);
      }
    }
  }
  console.log(`bench took ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  if (failed) console.log('FAIL: at least one contender failed or produced different data (see above)');
  return failed ? 1 : 0;
}

/** One contender applies the backlog from P to E on a sink reset to P; timed, then CHECKSUM-compared. */
async function measure(name, { inst, sinkSock, dumpFile, work, start, end, backlog, sinkCpu, sourceSums, tables, buildProblem }) {
  const log = join(work, `${name}-${backlog.sysbenchTransactions}.log`);
  process.stdout.write(`${LABELS[name].padEnd(30)} … `);
  let r;
  let resetSeconds = null;
  try {
    const r0 = performance.now();
    await resetSink(inst.sink, sinkSock, dumpFile, join(work, 'load.log'));
    resetSeconds = (performance.now() - r0) / 1000;
    const busy = await cpuBusy();
    if (busy > BUSY_WARN) process.stdout.write(`(warning: ${busy.toFixed(2)} CPUs busy before timing) `);
    if (name === 'cutover') {
      r = buildProblem?.fatal ? { ok: false, error: buildProblem.message } : await runCutover(inst, work, log, start, sinkCpu);
    } else {
      r = await runNative(inst, sinkSock, name === 'native-2' ? 2 : 0, start, end, log, sinkCpu);
    }
    r.cpuBusyBefore = busy;
  } catch (e) {
    r = { ok: false, error: e.message };
  }
  const res = {
    contender: name,
    label: LABELS[name],
    ok: r.ok,
    seconds: r.seconds ?? null,
    transactionsPerSec: r.ok ? backlog.transactions / r.seconds : null,
    rowEventsPerSec: r.ok ? backlog.rowEvents / r.seconds : null,
    ...(r.rssKiB != null ? { peakRssMB: r.rssKiB / 1024 } : {}),
    ...(r.parts ? { parts: r.parts } : {}),
    cpuBusyBefore: r.cpuBusyBefore ?? null,
    sinkResetSeconds: resetSeconds,
    checksum: null,
  };
  try {
    // What the contender made the sink write to its binlog (emptied by resetSink): both should log every row.
    res.sinkBinlogBytes = sql(sinkSock, 'SHOW BINARY LOGS').reduce((sum, [, bytes]) => sum + Number(bytes), 0);
  } catch {
    res.sinkBinlogBytes = null;
  }
  if (!r.ok) {
    res.error = r.error;
    const lines = existsSync(log) ? `\n--- last lines of ${log}:\n${tail(log)}\n---` : '';
    console.log(`failed (${r.error})${lines}`);
  } else {
    const { checksums: sums, mismatch } = compareChecksums(sinkSock, tables, sourceSums);
    res.checksums = sums;
    res.checksum = mismatch ? 'FAIL' : 'PASS';
    const split = r.parts?.fetchSeconds != null ? ` (relay log fetched before, in ${r.parts.fetchSeconds.toFixed(1)} s)` : '';
    if (mismatch) {
      res.ok = false;
      res.error = mismatch;
      console.log(`${r.seconds.toFixed(2)} s, checksum FAIL: ${res.error}`);
    } else {
      const binlog = res.sinkBinlogBytes != null ? `, sink binlog ${(res.sinkBinlogBytes / 1024 / 1024).toFixed(1)} MB` : '';
      console.log(`${r.seconds.toFixed(2)} s${split}${binlog}, checksums PASS`);
    }
  }
  if (name === 'cutover') res.logTail = tail(log, 8).split('\n');
  return res;
}


/** One bench-apply run at a time on this machine; a lock left by a dead process is taken over. */
function acquireLock() {
  const LOCK_FILE = join(tmpdir(), `cutover-${PREFIX}-${PORT_BASE}.lock`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(LOCK_FILE, `${process.pid}\n`, { flag: 'wx' });
      return { ok: true, release: () => rmSync(LOCK_FILE, { force: true }) };
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
    }
    let pid;
    try {
      pid = Number(readFileSync(LOCK_FILE, 'utf8').trim());
    } catch {
      continue; // released meanwhile
    }
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = Number.isInteger(pid) && pid > 0;
    } catch (e) {
      alive = e.code === 'EPERM';
    }
    if (alive) {
      return {
        ok: false,
        message: `Another \`bench apply\` (pid ${pid}) is using ${PREFIX}-source/sink (ports ${PORT_BASE + 1}, ${PORT_BASE + 2}): wait for it to finish (lock: ${LOCK_FILE}).`,
      };
    }
    rmSync(LOCK_FILE, { force: true });
  }
  return { ok: false, message: `Could not take the lock ${LOCK_FILE}: remove it if no bench is running.` };
}

const LABELS = {
  'native-1': 'native replica, 1 thread',
  'native-2': 'native replica, 2 threads',
  cutover: 'cutover run (stream)',
};

/** The sink as of position P: no replica, no checkpoint, `sbtest` from the dump; nothing here is timed. */
async function resetSink(sink, sock, dumpFile, log) {
  resetReplica(sock);
  sql(sock, `SET GLOBAL gtid_slave_pos = ''; DROP DATABASE IF EXISTS ${DB}; DROP DATABASE IF EXISTS _cutover; CREATE DATABASE ${DB}`);
  const r = await timed('bash', ['-c', `mariadb ${shellQuote(clientArgs(sink))} ${DB} < '${dumpFile}'`], { log });
  if (r.code !== 0) throw new Error(`loading the dump into the sink failed (exit ${r.code}):\n${tail(log)}`);
  sql(sock, 'RESET MASTER'); // the load's binlog; every contender starts with an empty one
  await settle(sock);
}

async function runCutover(inst, work, log, start, sinkCpu) {
  const job = cutoverJob('bench-apply', inst, 'stream', { stream: { start: { file: start.file, pos: start.pos } } });
  const c0 = sinkCpu();
  const r = await runCutoverJob(job, work, log, ['--exit-when-caught-up']);
  // Cutover's own CPU (user + system) beside the sink's: on a loaded machine the seconds swing with the other
  // work, the CPU much less.
  return { ...r, parts: { sinkCpuSeconds: c0 != null ? sinkCpu() - c0 : null, cutoverCpuSeconds: r.cpuSeconds ?? null } };
}

/** A function returning the CPU seconds (user + system) the server's process has used so far, or null. */
function serverCpuReader(sock) {
  let statFile = null;
  try {
    const [[pidFile]] = sql(sock, 'SELECT @@pid_file');
    statFile = `/proc/${readFileSync(pidFile, 'utf8').trim()}/stat`;
  } catch {
    /* no pid file or no /proc: not measured */
  }
  const ticks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;
  return () => {
    try {
      // Fields after the parenthesized command name: state is field 3, utime 14, stime 15.
      const f = readFileSync(statFile, 'utf8').replace(/^.*\) /s, '').split(' ');
      return (Number(f[11]) + Number(f[12])) / ticks;
    } catch {
      return null;
    }
  };
}

/** CPUs busy (user+system+…, not idle or iowait) over `ms`, from /proc/stat; null where there is none. */
async function cpuBusy(ms = 1000) {
  const read = () => {
    try {
      const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
      return { total: f.reduce((a, b) => a + b, 0), idle: f[3] + (f[4] ?? 0) };
    } catch {
      return null;
    }
  };
  const a = read();
  await sleep(ms);
  const b = read();
  if (!a || !b || b.total === a.total) return null;
  return (1 - (b.idle - a.idle) / (b.total - a.total)) * cpus().length;
}

/** The sink settings that decide how fast a replica (or Cutover) can apply, for the JSON. */
function sinkSettings(sock) {
  const names = ['log_bin', 'log_slave_updates', 'binlog_format', 'sync_binlog', 'innodb_flush_log_at_trx_commit', 'slave_parallel_mode', 'innodb_buffer_pool_size'];
  return Object.fromEntries(sql(sock, `SELECT ${names.map((n) => `@@${n}`).join(', ')}`)[0].map((v, i) => [names[i], v]));
}

function summarize(results, backlog) {
  const target = targetRatio(backlog.transactions);
  const by = Object.fromEntries(results.map((r) => [r.contender, r]));
  const n1 = by['native-1']?.ok ? by['native-1'] : null;
  const rows = results.map((r) => [
    r.label,
    r.ok || r.checksum === 'FAIL' ? r.seconds.toFixed(2) : 'FAIL',
    r.ok ? fmtInt(r.rowEventsPerSec) : '-',
    r.ok ? fmtInt(r.transactionsPerSec) : '-',
    r.checksum ?? '-',
    r.parts?.sinkCpuSeconds != null ? r.parts.sinkCpuSeconds.toFixed(1) : '-',
    r.parts?.cutoverCpuSeconds != null ? r.parts.cutoverCpuSeconds.toFixed(1) : '-',
    r.ok && n1 ? `${(n1.seconds / r.seconds).toFixed(2)}×` : '-',
  ]);
  const lines = [formatTable(['contender', 'seconds', 'row events/s', 'transactions/s', 'checksum', 'sink CPU s', 'cutover CPU s', 'vs native 1-thread'], rows)];
  lines.push(`(${fmtInt(backlog.transactions)} transactions, ${fmtInt(backlog.rowEvents)} row events, ${(backlog.bytes / 1024 / 1024).toFixed(1)} MB of binlog; native: SQL thread only, relay log fetched before;`);
  lines.push(`sink CPU s: the sink server's CPU time while timed; cutover CPU s: Cutover's own process, user + system)`);
  let ratios = {};
  const targets = {};
  const c = by.cutover;
  if (c?.ok) {
    const vs = cutoverRatios(by, ['native-1', 'native-2'], (base, r) => r.label);
    ratios = vs.ratios;
    lines.push('', ...vs.lines);
    if (c.peakRssMB != null) lines.push(`cutover peak RSS = ${c.peakRssMB.toFixed(1)} MB`);
    lines.push('');
    if (ratios['native-1'] !== undefined) {
      targets.ratioVsNative1 = { target, value: ratios['native-1'], met: ratios['native-1'] >= target };
      lines.push(`target ≥ ${target}× the single-threaded native replica at ${fmtInt(backlog.transactions)} transactions: ${targets.ratioVsNative1.met ? 'MET' : 'MISSED'} (${ratios['native-1'].toFixed(2)}×)`);
    } else {
      lines.push(`target ≥ ${target}× the single-threaded native replica: not measured (native-1 not run or failed)`);
    }
  } else if (c) {
    lines.push(`\ntarget ≥ ${target}× the single-threaded native replica: not measured (cutover failed)`);
  }
  return { text: lines.join('\n'), ratios, targets };
}
