// `npm run bench -- postgres`: MariaDB → PostgreSQL. The copy half: Cutover against pgloader copying
// the same 1,000,000 sysbench rows; the stream half: a 40,000-transaction sysbench backlog applied to
// PostgreSQL by Cutover.
//
//   npm run bench -- postgres [--rows N] [--only pgloader,cutover,stream|copy] [--events N]
//                             [--stream-table-size N] [--threads N] [--keep] [--fresh]
//
// One throwaway MariaDB source (4 sysbench tables, kept between runs) and one throwaway PostgreSQL
// cluster. pgloader copies database `sbtest` into PostgreSQL database bench_pgloader, Cutover (a
// "snapshot" job with a "postgres" sink) into bench_cutover; each becomes schema `sbtest` there. Every
// result is checked against the source by row count and the canonical checksum (canonical.mjs) computed
// by each server. A failed or different copy makes the exit code 1; missed targets are only reported.
// Results go to bench-results/postgres-*.json.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { instances, postgresInstance, postgresUrlOf, requirePostgres, socketOf, startInstance, startPostgres, stopInstance, stopPostgres, urlOf } from '../test-services.mjs';
import { postgresBinDir } from '../postgres-server.mjs';
import { compareCanonical, mariadbCanonical, pgSql, postgresCanonical, recreatePgDatabase } from './canonical.mjs';
import { cutoverBuildProblem, cutoverJob, runCutoverJob } from './cutover.mjs';
import { ROOT, checkTools, cutoverRatios, fmtInt, formatTable, hostInfo, intOption, outcome, parseOptions, reportAndSave, selectOnly, tail, timed } from './lib.mjs';
import { DB, prepareSysbenchTables } from './mariadb.mjs';
import { runStreamHalf } from './postgres-stream.mjs';

export const summary = 'MariaDB → PostgreSQL: snapshot copy, cutover vs pgloader; then a binlog backlog streamed by cutover';

const PREFIX = 'bench-pg';
const PORT_BASE = 33860; // MariaDB source 33861, the stream half's source 33863, PostgreSQL 33900
const TABLES = 4;
const CONTENDERS = ['pgloader', 'cutover', 'stream'];
const TARGET_RATIO = 1.5; // cutover throughput vs pgloader
const TARGET_RSS_MB = 300;
const PGLOADER_DB = 'bench_pgloader';
const CUTOVER_DB = 'bench_cutover';
// Without these pgloader's default batches exhaust its heap on this data (heap exhaustion, no result).
const PGLOADER_WITH = ['prefetch rows = 10000', 'batch rows = 10000'];
const INSTALL = 'sudo apt-get install -y sysbench pgloader postgresql time';

const HELP = `Usage: npm run bench -- postgres [options]

Copy half: copies ${TABLES} sysbench tables (${DB}.sbtest1..${TABLES}) from a throwaway MariaDB source (port ${PORT_BASE + 1}) into
a throwaway PostgreSQL cluster (port ${PORT_BASE + 40}), side by side:
  pgloader   pgloader ${PGLOADER_WITH.map((w) => `--with "${w}"`).join(' ')} into database ${PGLOADER_DB}
  cutover    cutover run of a mode "snapshot" job with sink {"type": "postgres", …} into database ${CUTOVER_DB}
Stream half (stream): a backlog of sysbench oltp_write_only transactions on a second, fresh source (port ${PORT_BASE + 3})
applied by cutover run of a mode "stream" job from the backlog's start, --exit-when-caught-up, onto a
baseline Cutover copied (untimed) into database bench_stream.
Each result is checked by row counts and a canonical per-table checksum computed by both servers.

Options:
  --rows N               copy half: total rows, split across ${TABLES} tables (default 1000000)
  --only LIST            from: ${CONTENDERS.join(', ')}; "copy" = pgloader,cutover (default all)
  --events N             stream half: backlog transactions (default 40000)
  --stream-table-size N  stream half: rows per table (default 100000)
  --threads N            stream half: sysbench threads writing the backlog (default 4)
  --keep                 leave the servers running (and the temp dir with logs) afterwards
  --fresh                drop and re-prepare the copy half's source rows even if they are there
  -h, --help             this help
`;

export async function main(argv) {
  const { opts, exit } = parseOptions(
    argv,
    {
      rows: { type: 'string', default: '1000000' },
      only: { type: 'string' },
      events: { type: 'string', default: '40000' },
      'stream-table-size': { type: 'string', default: '100000' },
      threads: { type: 'string', default: '4' },
      keep: { type: 'boolean', default: false },
      fresh: { type: 'boolean', default: false },
    },
    HELP,
  );
  if (!opts) return exit;
  const perTable = Math.floor(intOption(opts, 'rows', TABLES) / TABLES);
  const totalRows = perTable * TABLES;
  const streamSize = { events: intOption(opts, 'events', 1), tables: TABLES, tableSize: intOption(opts, 'stream-table-size', 1), threads: intOption(opts, 'threads', 1) };
  const selected = selectOnly(opts.only, CONTENDERS, 'contender', { copy: ['pgloader', 'cutover'] });
  if (!selected) return 1;
  if (!checkTools(['sysbench', 'mariadb', 'psql', ...(selected.includes('pgloader') ? ['pgloader'] : [])], INSTALL)) return 1;
  try {
    requirePostgres();
  } catch (e) {
    console.error(e.message);
    return 1;
  }
  // Until Cutover has a PostgreSQL sink, its halves fail with this reason and pgloader's still runs.
  const cutoverProblem = selected.some((c) => c !== 'pgloader') ? postgresSinkProblem() : null;

  const base = instances(PREFIX, PORT_BASE);
  const source = base.source;
  const streamSource = { ...base.source, name: `${PREFIX}-stream-source`, port: PORT_BASE + 3, serverId: 3 };
  const pg = postgresInstance(PREFIX, PORT_BASE);
  const sink = (database) => ({ type: 'postgres', url: postgresUrlOf(pg, database) });
  const work = mkdtempSync(join(tmpdir(), 'cutover-bench-postgres-'));
  const startedAt = new Date();
  const t0 = performance.now();
  const host = hostInfo({ mariadb: 'mariadbd', postgres: join(postgresBinDir(), 'postgres'), pgloader: 'pgloader', sysbench: 'sysbench' });
  const tables = Array.from({ length: TABLES }, (_, i) => `sbtest${i + 1}`);
  const results = [];
  let failed = false;
  try {
    if (host.loadavgAtStart[0] > host.cpus / 2) {
      console.log(`warning: load average ${host.loadavgAtStart.map((l) => l.toFixed(2)).join(' ')} on ${host.cpus} CPUs: other work is running, timings will be noisy`);
    }
    console.log(`starting PostgreSQL ${pg.name} (${pg.port})…`);
    await startPostgres(pg);
    const copiers = selected.filter((c) => c !== 'stream');
    if (copiers.length) {
      console.log(`starting MariaDB ${source.name} (${source.port})…`);
      await startInstance(source);
      const sock = socketOf(source);
      await prepareSysbenchTables(source, sock, { tables: TABLES, perTable, fresh: opts.fresh });
      const sourceSums = mariadbCanonical(sock, tables); // also warms the source's buffer pool for the first contender
      console.log(`source: ${fmtInt(totalRows)} rows in ${DB}.sbtest1..${TABLES}; ${host.cpus} CPUs; copy contenders: ${copiers.join(', ')}\n`);
      for (const who of copiers) {
        const res = await runCopy(who, { source, pg, sink, work, cutoverProblem, sourceSums, totalRows });
        if (!res.ok) failed = true;
        results.push(res);
      }
      if (!opts.keep) await stopInstance(source, { wipe: false }); // its rows are reused by the next run
    }
    if (selected.includes('stream')) {
      const res = await runStreamHalf({ source: streamSource, pg, sink, size: streamSize, work, keep: opts.keep, problem: cutoverProblem });
      if (!res.ok) failed = true;
      results.push(res);
    }
    const report = summarize(results, totalRows);
    reportAndSave({ bench: 'postgres', startedAt, totalSeconds: (performance.now() - t0) / 1000, host, report, results, ok: !failed }, {
      data: { database: DB, tables: TABLES, rowsPerTable: perTable, totalRows, stream: { workload: 'oltp_write_only', ...streamSize } },
      options: { only: selected, pgloaderWith: PGLOADER_WITH },
    });
  } finally {
    if (opts.keep) {
      console.log(`--keep: servers left running (source ${urlOf(source)}, PostgreSQL ${postgresUrlOf(pg)}); logs in ${work}`);
      console.log(`  stop them with: node scripts/test-services.mjs stop source --prefix ${PREFIX} && node scripts/test-services.mjs stop postgres --prefix ${PREFIX} --port-base ${PORT_BASE}`);
    } else {
      await stopPostgres(pg);
      await stopInstance(source, { wipe: false });
      await stopInstance(streamSource);
      console.log(`source data kept for the next run; delete it with: node scripts/test-services.mjs stop source --prefix ${PREFIX}`);
      if (!failed) rmSync(work, { recursive: true, force: true });
      else console.log(`logs kept in ${work}`);
    }
  }
  console.log(`bench took ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  if (failed) console.log('FAIL: at least one contender failed or produced different data (see above)');
  return failed ? 1 : 0;
}

/** Why Cutover cannot be benched against PostgreSQL in this checkout, or null. */
function postgresSinkProblem() {
  const build = cutoverBuildProblem();
  if (build?.fatal) return build.message;
  if (!existsSync(join(ROOT, 'engine/sink/postgres')) || !existsSync(join(ROOT, 'dist/engine/sink/postgres'))) {
    return (
      'this Cutover has no PostgreSQL sink (engine/sink/postgres/ or its build in dist/ is missing), so it cannot run a job ' +
      'with "sink": {"type": "postgres", …}; build a checkout with the sink (issue 13), or run --only pgloader'
    );
  }
  if (build) console.warn(`warning: ${build.message}`);
  return null;
}

const LABELS = { pgloader: `pgloader (${PGLOADER_WITH.join(', ')})`, cutover: 'cutover run (snapshot)' };

/** One copy contender into its own fresh database, timed under GNU time, then checked against the source. */
async function runCopy(who, { source, pg, sink, work, cutoverProblem, sourceSums, totalRows }) {
  const database = who === 'pgloader' ? PGLOADER_DB : CUTOVER_DB;
  const log = join(work, `${who}.log`);
  const res = { contender: who, label: LABELS[who], database, ok: false, seconds: null, rowsPerSec: null, peakRssMB: null };
  process.stdout.write(`${LABELS[who].padEnd(30)} … `);
  if (who === 'cutover' && cutoverProblem) {
    console.log(`FAIL: ${cutoverProblem}`);
    return { ...res, error: cutoverProblem };
  }
  recreatePgDatabase(pg, database);
  pgSql(pg, 'postgres', 'CHECKPOINT'); // untimed: the previous contender's dirty pages written
  let r;
  if (who === 'pgloader') {
    const from = `mysql://cutover:cutover@127.0.0.1:${source.port}/${DB}`;
    const to = `${postgresUrlOf(pg, database).replace(/^postgres:/, 'postgresql:')}?sslmode=disable`;
    const args = ['--root-dir', join(work, 'pgloader'), ...PGLOADER_WITH.flatMap((w) => ['--with', w]), from, to];
    r = outcome(await timed('pgloader', args, { log, rssFile: join(work, 'pgloader.rss') }));
  } else {
    r = await runCutoverJob(cutoverJob('bench-pg-copy', { source }, 'snapshot', { sink: sink(database) }), work, log);
  }
  Object.assign(res, { seconds: r.seconds, peakRssMB: r.rssKiB != null ? r.rssKiB / 1024 : null });
  if (!r.ok) {
    res.error = r.error;
    console.log(`FAIL (${r.error})\n--- last lines of ${log}:\n${tail(log)}\n---`);
    return res;
  }
  const { checksums, mismatch } = compareCanonical(sourceSums, postgresCanonical(pg, database, Object.keys(sourceSums)));
  res.checksums = checksums;
  if (mismatch) {
    res.error = mismatch;
    console.log(`FAIL ${r.seconds.toFixed(2)} s, ${mismatch}`);
  } else {
    Object.assign(res, { ok: true, rowsPerSec: totalRows / r.seconds });
    console.log(`${r.seconds.toFixed(2)} s, counts and checksums OK`);
  }
  res.logTail = tail(log, 8).split('\n');
  return res;
}

function summarize(results, totalRows) {
  const by = Object.fromEntries(results.map((r) => [r.contender, r]));
  const mb = (r) => (r.peakRssMB != null ? r.peakRssMB.toFixed(0) : '-');
  const lines = [];
  const copies = results.filter((r) => r.contender !== 'stream');
  const ratios = {};
  const targets = {};
  if (copies.length) {
    const rows = copies.map((r) => [r.label, r.ok ? r.seconds.toFixed(2) : 'FAIL', r.ok ? fmtInt(r.rowsPerSec) : '-', mb(r), r.ok ? 'OK' : r.checksums ? 'DIFFERS' : '-']);
    lines.push(formatTable(['copy', 'seconds', 'rows/s', 'peak RSS MB*', 'rows + checksums'], rows));
    lines.push(`(${fmtInt(totalRows)} rows; *largest single process, from GNU time %M)`);
    const c = by.cutover;
    const ratioLine = `target ≥ ${TARGET_RATIO}× pgloader's throughput`;
    const rssLine = `target cutover peak RSS < ${TARGET_RSS_MB} MB`;
    if (c?.ok && by.pgloader?.ok) {
      const vs = cutoverRatios(by, ['pgloader'], () => 'pgloader');
      Object.assign(ratios, vs.ratios);
      targets.ratioVsPgloader = { target: TARGET_RATIO, value: ratios.pgloader, met: ratios.pgloader >= TARGET_RATIO };
      lines.push('', ...vs.lines, `${ratioLine}: ${targets.ratioVsPgloader.met ? 'MET' : 'MISSED'} (${ratios.pgloader.toFixed(2)}×)`);
    } else {
      lines.push('', `${ratioLine}: not measured (${!c ? 'cutover not run' : !c.ok ? 'cutover failed' : 'pgloader not run or failed'})`);
    }
    if (c?.ok && c.peakRssMB != null) {
      targets.rssMB = { target: TARGET_RSS_MB, value: c.peakRssMB, met: c.peakRssMB < TARGET_RSS_MB };
      lines.push(`${rssLine}: ${targets.rssMB.met ? 'MET' : 'MISSED'} (${c.peakRssMB.toFixed(1)} MB)`);
    } else lines.push(`${rssLine}: not measured`);
  }
  const s = by.stream;
  if (s) {
    if (lines.length) lines.push('');
    const b = s.backlog;
    const rows = [[s.label, s.ok ? s.seconds.toFixed(2) : 'FAIL', s.ok ? fmtInt(s.rowEventsPerSec) : '-', s.ok ? fmtInt(s.transactionsPerSec) : '-', mb(s), s.ok ? 'OK' : s.checksums ? 'DIFFERS' : '-']];
    lines.push(formatTable(['stream into PostgreSQL', 'seconds', 'row events/s', 'transactions/s', 'peak RSS MB', 'rows + checksums'], rows));
    lines.push(b ? `(${fmtInt(b.transactions)} transactions, ${fmtInt(b.rowEvents)} row events from one binlog position, --exit-when-caught-up)` : `(not run: ${s.error})`);
  }
  return { text: lines.join('\n'), ratios, targets };
}
