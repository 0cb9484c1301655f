// `npm run bench -- consume`: Debezium-format messages of a sysbench table consumed from the test broker
// into a MariaDB sink and into a PostgreSQL sink, Cutover's Kafka source (1 and 2 `cutover run` processes in
// one consumer group) against Kafka Connect standalone with Debezium's JDBC sink connector (into MariaDB),
// in one run.
//
//   npm run bench -- consume [--rows N] [--processes 1,2] [--no-jdbc] [--no-postgres] [--port-base N] [--keep] [--fresh]
//                            [--baseline DIR] [--repeat N] [--profile DIR]
//
// Prepare (untimed): sysbench table sbtest.sbtest1 with N rows on a throwaway MariaDB source (port base +1,
// datadir kept across runs), a fresh broker (port base +32/+33) and the topic
// bench_consume.sbtest.sbtest1 (6 partitions) produced once by Debezium's MariaDB connector (Kafka Connect
// standalone, snapshot.mode=initial_only, JsonConverter WITH the schema envelope: the JDBC sink needs the schemas; Cutover's Kafka sink
// writes the payload alone, so it cannot produce this topic). Every contender then reads that one topic.
// The sink is a second throwaway MariaDB (port base +2, binlog on); before each contender the table
// sbtest.sbtest1 is dropped and created empty with the source's definition, and `_cutover` is dropped.
//   cutover  P processes of `node bin/cutover.js run job.json --skip-preflight --quiet` (one job file, one
//            state file, one group), a "mode": "stream" job with "source": {"type": "kafka", "format":
//            "debezium", "start": "earliest"}. Timed from the first spawn until the sink table holds N rows
//            (SELECT COUNT(*) polled every 500 ms); then the processes' CPU time (user + sys, /proc) and
//            peak RSS (VmHWM) are read and they are stopped (SIGTERM).
//   jdbc     Kafka Connect standalone (one worker JVM, tasks.max=1) with io.debezium.connector.jdbc.
//            JdbcSinkConnector: insert.mode=upsert, primary.key.mode=record_key, delete.enabled=true,
//            schema.evolution=basic, the table named sbtest1 in the sink's sbtest database, other settings
//            at their defaults. Timed from the JVM's spawn (start and plugin loading included, as node's
//            start is in Cutover's time) until the sink table holds N rows; the JVM's CPU time and peak RSS
//            likewise.
// Every wait is bounded: a Connect connector or task that FAILED (checked every second through Connect's
// REST status, its trace summarized), a worker or cutover process that exited, no new row or message for
// 5 minutes, or 60 minutes in all, ends that contender (or the topic's production) with what it waited for.
// PostgreSQL column: a throwaway cluster (port base +40), database bench_consume. Its sink table
// sbtest.sbtest1 is created once (untimed) by a Cutover "mode": "snapshot" job MariaDB → PostgreSQL of the
// source table (Cutover's type rules, as a user would create it); before each contender it is TRUNCATEd and
// the schema "_cutover" (the partitions' offsets) is dropped. The same cutover job with "sink": {"type":
// "postgres", …}, timed the same way (count(*) polled every 500 ms).
// Checks: each contender must end with exactly N rows and, in MariaDB, the sink table's CHECKSUM TABLE
// equal to the source's; in PostgreSQL, the row count and canonical checksum (canonical.mjs, computed by
// each server) equal to the source's (a mismatch fails the bench). Target: cutover (1 process, MariaDB sink)
// ≥ 2× the JDBC sink's messages/s.
// --baseline DIR also runs the cutover contenders with the build of another checkout (e.g. main's), and
// --repeat N runs every cutover contender N times (the JDBC sink once), the builds alternating, so a change is
// compared with what it changes on one topic under the same load; --profile DIR starts each cutover process
// with node's --cpu-prof, its profile written there. The target is judged on the first run of this build.
// Results go to bench-results/consume-*.json.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { kafkaInstance, startKafka, stopKafka } from '../kafka-broker.mjs';
import { connectFailure, connectInstance, connectLogTail, connectPaths, cpuSeconds, debeziumMariadbConnector, fetchConnectJars, startConnect, stopConnect } from '../kafka-connect.mjs';
import { instances, postgresInstance, postgresUrlOf, requirePostgres, socketOf, startInstance, startPostgres, stopInstance, stopPostgres, urlOf } from '../test-services.mjs';
import { compareCanonical, mariadbCanonical, pgSql, postgresCanonical, recreatePgDatabase } from './canonical.mjs';
import { cutoverBuildProblem, cutoverJob, runCutoverJob } from './cutover.mjs';
import { ROOT, checkTools, fmtInt, formatTable, hostInfo, intOption, parseOptions, reportAndSave, sql, tail, waitForCount } from './lib.mjs';
import { DB, prepareSysbenchTables } from './mariadb.mjs';

export const summary = 'Debezium messages from Kafka into MySQL and PostgreSQL: cutover (1 and 2 consumer processes) vs Debezium\'s JDBC sink connector';

const PREFIX = 'bench-consume';
const PORT_BASE = 33760; // source +1, sink +2, broker +32/+33, PostgreSQL +40, Connect REST +60
const PG_DB = 'bench_consume';
const TABLE = 'sbtest1';
const PARTITIONS = 6;
const TOPIC_PREFIX = 'bench_consume';
const TOPIC = `${TOPIC_PREFIX}.${DB}.${TABLE}`;
const TARGET_JDBC = 2; // cutover (one process) vs the JDBC sink connector
const POLL_MS = 500;
const JDBC_CONNECTOR = 'bench_consume_jdbc';
const TIMEOUT_MS = 60 * 60_000;
const STALL_MS = 5 * 60_000; // no new row (or message) for this long ends a contender's wait

const HELP = `Usage: npm run bench -- consume [options]

Consumes ${TOPIC} (${PARTITIONS} partitions, Debezium messages with the schema envelope, produced once by
Debezium's MariaDB connector from the sysbench table ${DB}.${TABLE}) into a throwaway MariaDB sink with Cutover's
Kafka source (1 and 2 processes, one group) and with Kafka Connect + Debezium's JDBC sink connector (upsert
by record key), and into a throwaway PostgreSQL cluster with Cutover's Kafka source (1 and 2 processes),
timing each until the sink table holds every row. See the top of scripts/bench/consume.mjs.

Options:
  --rows N          rows in ${DB}.${TABLE} = messages in the topic (default 1000000)
  --processes LIST  cutover consumer process counts to run, comma-separated (default 1,2)
  --no-jdbc         leave out the JDBC sink connector
  --no-postgres     leave out the PostgreSQL sink
  --port-base N     source N+1, sink N+2, broker N+32/N+33, PostgreSQL N+40, Connect REST N+60 (default ${PORT_BASE})
  --keep            leave the servers running and the temp dir in place
  --fresh           re-prepare the source table even if it already has N rows
  --baseline DIR    also run the cutover contenders with DIR's build (DIR/bin/cutover.js, e.g. a checkout of main)
  --repeat N        run each cutover contender N times (default 1), alternating with the baseline's
  --profile DIR     node --cpu-prof for each cutover process, profiles written to DIR
  -h, --help        this help
`;

export async function main(argv) {
  const { opts, exit } = parseOptions(
    argv,
    {
      rows: { type: 'string', default: '1000000' },
      processes: { type: 'string', default: '1,2' },
      'no-jdbc': { type: 'boolean', default: false },
      'no-postgres': { type: 'boolean', default: false },
      'port-base': { type: 'string', default: String(PORT_BASE) },
      keep: { type: 'boolean', default: false },
      fresh: { type: 'boolean', default: false },
      baseline: { type: 'string' },
      repeat: { type: 'string', default: '1' },
      profile: { type: 'string' },
    },
    HELP,
  );
  if (!opts) return exit;
  const rows = intOption(opts, 'rows', 1);
  const portBase = intOption(opts, 'port-base', 1024);
  const counts = String(opts.processes).split(',').map((s) => Number(s.trim()));
  if (!counts.length || counts.some((n) => !Number.isInteger(n) || n < 1 || n > PARTITIONS)) {
    console.error(`--processes must list integers 1..${PARTITIONS} (got "${opts.processes}")`);
    return 1;
  }
  const withPg = !opts['no-postgres'];
  const repeat = intOption(opts, 'repeat', 1);
  const builds = [{ root: ROOT, tag: '' }, ...(opts.baseline ? [{ root: opts.baseline, tag: 'baseline ' }] : [])];
  if (opts.baseline && !existsSync(join(opts.baseline, 'dist/engine/cli/main.js'))) {
    console.error(`--baseline ${opts.baseline}: no build there (dist/engine/cli/main.js); run \`npx tsc -p tsconfig.json\` in it first`);
    return 1;
  }
  if (!checkTools(['sysbench', ...(withPg ? ['psql'] : [])], 'sudo apt-get install -y sysbench postgresql')) return 1;
  if (withPg) {
    try {
      requirePostgres();
    } catch (e) {
      console.error(e.message);
      return 1;
    }
  }
  const problem = cutoverBuildProblem();
  if (problem?.fatal) {
    console.error(problem.message);
    return 1;
  }
  if (problem) console.warn(`warning: ${problem.message}`);

  const inst = instances(PREFIX, portBase);
  const kinst = kafkaInstance(PREFIX, portBase);
  const cinst = connectInstance(PREFIX, portBase);
  const pg = postgresInstance(PREFIX, portBase);
  const srcSock = socketOf(inst.source);
  const sinkSock = socketOf(inst.sink);
  const work = mkdtempSync(join(tmpdir(), 'cutover-bench-consume-'));
  const startedAt = new Date();
  const host = hostInfo({ mariadb: 'mariadbd', sysbench: 'sysbench', java: 'java' });
  const results = [];
  let failed = false;
  let admin = null;
  try {
    console.log(`starting ${inst.source.name} (${inst.source.port}), ${inst.sink.name} (${inst.sink.port}) and ${kinst.name} (${kinst.bootstrap}, fresh)…`);
    await startInstance(inst.source);
    await prepareSysbenchTables(inst.source, srcSock, { tables: 1, perTable: rows, fresh: opts.fresh });
    await startInstance(inst.sink);
    await fetchConnectJars();
    await startKafka(kinst, { fresh: true });
    admin = await kafkaAdmin(kinst.bootstrap);
    const [[, createTable]] = sql(srcSock, `SHOW CREATE TABLE ${DB}.${TABLE}`);
    const [[, sourceSum]] = sql(srcSock, `CHECKSUM TABLE ${DB}.${TABLE}`);

    process.stdout.write(`producing ${TOPIC} once (Debezium MariaDB connector, schema envelope, untimed)… `);
    const p = await produceTopic({ cinst, kinst, inst, admin, rows });
    console.log(`${p.seconds.toFixed(1)} s, ${fmtInt(p.messages)} messages`);
    let sourceCanon = null;
    if (withPg) {
      process.stdout.write(`starting PostgreSQL ${pg.name} (${pg.port}) and creating its sink table with a cutover snapshot (untimed)… `);
      await startPostgres(pg);
      const s = await preparePgSink({ inst, pg, work });
      console.log(`${s.seconds.toFixed(1)} s`);
      sourceCanon = mariadbCanonical(srcSock, [TABLE]);
    }

    const load = host.loadavgAtStart[0];
    if (load > host.cpus / 2) console.log(`warning: load average ${load.toFixed(2)} on ${host.cpus} CPUs at start: other work is running, wall times will be noisy (CPU times less so)`);

    // Each round runs the builds in turn (the order flipped every round), the JDBC sink after the first round.
    const cutovers = (sinkKind, round) => counts.flatMap((n) => (round % 2 ? [...builds].reverse() : builds).map((b) => ({ who: 'cutover', sink: sinkKind, processes: n, build: b, round })));
    const contenders = [];
    for (let round = 0; round < repeat; round++) {
      contenders.push(...cutovers('mysql', round));
      if (round === 0 && !opts['no-jdbc']) contenders.push({ who: 'jdbc', sink: 'mysql', processes: 1 });
      if (withPg) contenders.push(...cutovers('postgres', round));
    }
    const sinks = {
      mysql: { spec: { type: 'mysql', url: urlOf(inst.sink) }, count: () => sinkCount(sinkSock), reset: () => resetSink(sinkSock, createTable) },
      postgres: { spec: { type: 'postgres', url: postgresUrlOf(pg, PG_DB) }, count: () => pgSinkCount(pg), reset: () => resetPgSink(pg) },
    };
    for (const c of contenders) {
      const sink = sinks[c.sink];
      sink.reset();
      const label = `${c.who === 'cutover' ? `${c.build.tag}cutover ×${c.processes}` : 'debezium jdbc sink'} → ${c.sink === 'mysql' ? 'MariaDB' : 'PostgreSQL'}`;
      const loadAtStart = loadavg()[0];
      process.stdout.write(`  ${label.padEnd(39)} … `);
      const r =
        c.who === 'cutover'
          ? await runCutover({ kinst, sink, rows, processes: c.processes, work, root: c.build.root, profile: opts.profile, tag: `${c.build.tag ? 'baseline-' : ''}r${c.round}` })
          : await runJdbcSink({ cinst, kinst, inst, count: sink.count, rows });
      r.label = label;
      r.who = c.who;
      r.sink = c.sink;
      r.processes = c.processes;
      r.loadAtStart = loadAtStart;
      if (c.who === 'cutover') {
        r.baseline = c.build.tag !== '';
        r.round = c.round;
      }
      if (r.ok && c.sink === 'mysql') {
        const [[, sum]] = sql(sinkSock, `CHECKSUM TABLE ${DB}.${TABLE}`);
        r.checksumEqual = sum === sourceSum;
        if (!r.checksumEqual) {
          r.ok = false;
          r.error = `sink CHECKSUM TABLE ${sum} ≠ source ${sourceSum}`;
        }
      } else if (r.ok) {
        const { checksums, mismatch } = compareCanonical(sourceCanon, postgresCanonical(pg, PG_DB, [TABLE]));
        r.checksums = checksums;
        r.checksumEqual = !mismatch;
        if (mismatch) {
          r.ok = false;
          r.error = mismatch;
        }
      }
      r.messagesPerSec = r.ok ? rows / r.seconds : null;
      if (r.ok) console.log(`${r.seconds.toFixed(2)} s, ${fmtInt(r.messagesPerSec)} messages/s, CPU ${r.cpuSeconds?.toFixed(1) ?? '?'} s, peak RSS ${r.rssMB?.toFixed(0) ?? '?'} MB, load ${loadAtStart.toFixed(1)}, ${r.sink === 'mysql' ? 'CHECKSUM TABLE' : 'count + canonical checksum'} = source`);
      else console.log(`FAIL (${r.error})${r.log ? `\n--- last lines:\n${r.log}\n---` : ''}`);
      if (!r.ok) failed = true;
      results.push(r);
    }
    const report = summarize(results, rows);
    reportAndSave({ bench: 'consume', startedAt, host, report, results, ok: !failed }, { data: { database: DB, table: TABLE, rows, partitions: PARTITIONS, topic: TOPIC, produceSeconds: p.seconds }, options: { processes: counts, jdbc: !opts['no-jdbc'], postgres: withPg, portBase, repeat, baseline: opts.baseline ?? null } });
  } finally {
    await admin?.disconnect().catch(() => undefined);
    if (opts.keep) console.log(`--keep: left running: source ${urlOf(inst.source)}, sink ${urlOf(inst.sink)}, broker ${kinst.bootstrap}${withPg ? `, PostgreSQL ${postgresUrlOf(pg, PG_DB)}` : ''}; files in ${work}`);
    else {
      await stopConnect(cinst, { wipe: true });
      if (withPg) await stopPostgres(pg);
      await stopKafka(kinst, { wipe: true });
      await stopInstance(inst.sink, { wipe: true });
      await stopInstance(inst.source, { wipe: false }); // prepared rows kept for the next run
      rmSync(work, { recursive: true, force: true });
      console.log(`servers stopped; source data kept for the next run (delete it with: node scripts/test-services.mjs stop source --prefix ${PREFIX})`);
    }
  }
  if (failed) console.log('FAIL: a contender failed or its sink table differs from the source (see above)');
  return failed ? 1 : 0;
}

/** An empty sink table with the source's definition, and no `_cutover` offsets of an earlier contender. */
function resetSink(sock, createTable) {
  sql(sock, `DROP DATABASE IF EXISTS _cutover; DROP DATABASE IF EXISTS ${DB}; CREATE DATABASE ${DB}; USE ${DB}; ${createTable}`);
}

/** The PostgreSQL sink table emptied, and no "_cutover" offsets of an earlier contender. */
function resetPgSink(pg) {
  pgSql(pg, PG_DB, `TRUNCATE "${DB}"."${TABLE}"; DROP SCHEMA IF EXISTS "_cutover" CASCADE; CHECKPOINT`);
}

function pgSinkCount(pg) {
  try {
    return Number(pgSql(pg, PG_DB, `SELECT count(*) FROM "${DB}"."${TABLE}"`)[0][0]);
  } catch {
    return 0;
  }
}

/**
 * Creates the PostgreSQL sink table as a user would: a Cutover snapshot of the source table into a fresh
 * database (schema DB, Cutover's type rules). Its rows are removed before each contender.
 */
async function preparePgSink({ inst, pg, work }) {
  recreatePgDatabase(pg, PG_DB);
  const log = join(work, 'pg-schema.log');
  const job = cutoverJob('bench-consume-pg-schema', inst, 'snapshot', { sink: { type: 'postgres', url: postgresUrlOf(pg, PG_DB) }, tables: { include: [`${DB}.${TABLE}`] } });
  const r = await runCutoverJob(job, work, log);
  if (!r.ok) throw new Error(`the snapshot creating the PostgreSQL sink table failed (${r.error}):\n${tail(log)}`);
  return r;
}

function sinkCount(sock) {
  try {
    return Number(sql(sock, `SELECT COUNT(*) FROM ${DB}.${TABLE}`)[0][0]);
  } catch {
    return 0;
  }
}

/**
 * Polls the sink table until it holds `rows` rows; seconds since t0. `failure()` names what stopped the
 * contender (checked every second); no new row for STALL_MS or none complete within TIMEOUT_MS ends the
 * wait too, with what it waited for.
 */
async function waitForRows(count, rows, t0, failure) {
  const w = await waitForCount({ what: 'rows in the sink table', want: rows, count, failure, timeoutMs: TIMEOUT_MS, stallMs: STALL_MS, pollMs: POLL_MS });
  return { seconds: (w.at - t0) / 1000, have: w.have };
}

/** Peak RSS (VmHWM) of a live process in KiB, or null. */
function peakRssKiB(pid) {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** The topic, once: Debezium's MariaDB connector snapshots the table with the schema envelope. */
async function produceTopic({ cinst, kinst, inst, admin, rows }) {
  const connector = debeziumMariadbConnector(cinst, {
    name: 'bench_consume_producer',
    port: inst.source.port,
    user: 'cutover',
    password: 'cutover',
    serverId: 5600,
    topicPrefix: TOPIC_PREFIX,
    databases: [DB],
    partitions: PARTITIONS,
    extra: { 'snapshot.mode': 'initial_only', 'table.include.list': `${DB}.${TABLE}`, 'max.batch.size': 8192, 'max.queue.size': 32768, 'decimal.handling.mode': 'string', 'bigint.unsigned.handling.mode': 'precise' },
  });
  const t0 = performance.now();
  try {
    const { pid } = await startConnect(cinst, { bootstrap: kinst.bootstrap, connectors: [connector], schemas: true });
    const { have } = await waitForCount({
      what: `messages in ${TOPIC}`,
      want: rows,
      count: () => topicTotal(admin, TOPIC),
      failure: () => connectFailure(cinst, [String(connector.name)], pid),
      timeoutMs: TIMEOUT_MS,
      stallMs: STALL_MS,
      pollMs: 200,
    });
    if (have !== rows) throw new Error(`${TOPIC} holds ${have} messages, expected ${rows}`);
    return { seconds: (performance.now() - t0) / 1000, messages: have };
  } finally {
    await stopConnect(cinst, { wipe: true });
  }
}

async function runCutover({ kinst, sink, rows, processes, work, root = ROOT, profile, tag = '' }) {
  const name = `bench-consume-${sink.spec.type}-p${processes}${tag ? `-${tag}` : ''}`;
  const job = {
    name,
    source: { type: 'kafka', brokers: [kinst.bootstrap], topics: [TOPIC], format: 'debezium', group: name, start: 'earliest' },
    sink: sink.spec,
    tables: { include: [`${DB}.${TABLE}`] },
    mode: 'stream',
  };
  const jobFile = join(work, `${name}.json`);
  writeFileSync(jobFile, JSON.stringify(job, null, 2) + '\n');
  const state = join(work, `${name}.db`);
  const logs = [];
  const children = [];
  const t0 = performance.now();
  for (let i = 0; i < processes; i++) {
    const log = join(work, `${name}-${i}.log`);
    logs.push(log);
    const prof = profile ? ['--cpu-prof', '--cpu-prof-dir', profile, '--cpu-prof-name', `${name}-${i}.cpuprofile`] : [];
    const child = spawn(process.execPath, [...prof, join(root, 'bin/cutover.js'), 'run', jobFile, '--skip-preflight', '--quiet', '--state', state], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.exitInfo = null;
    child.on('exit', (code, sig) => {
      child.exitInfo = sig ?? String(code);
      writeFileSync(log, out);
    });
    child.outText = () => out;
    children.push(child);
  }
  try {
    const w = await waitForRows(sink.count, rows, t0, () => {
      const d = children.find((c) => c.exitInfo !== null);
      return d ? `a cutover process exited (${d.exitInfo}): ${d.outText().trim().split('\n').slice(-5).join(' | ')}` : null;
    });
    const cpu = children.map((c) => cpuSeconds(c.pid));
    const rss = children.map((c) => peakRssKiB(c.pid));
    return {
      ok: w.have === rows,
      seconds: w.seconds,
      cpuSeconds: cpu.every((x) => x != null) ? cpu.reduce((a, b) => a + b, 0) : null,
      cpuPerProcess: cpu,
      rssMB: rss.every((x) => x != null) ? Math.max(...rss) / 1024 : null,
      rssPerProcessMB: rss.map((x) => (x == null ? null : x / 1024)),
      error: w.have === rows ? undefined : `the sink holds ${w.have} rows, expected ${rows}`,
    };
  } catch (e) {
    return { ok: false, seconds: (performance.now() - t0) / 1000, error: e instanceof Error ? e.message : String(e), log: children.map((c) => c.outText().trim().split('\n').slice(-8).join('\n')).join('\n') };
  } finally {
    await Promise.all(
      children.map(
        (c) =>
          new Promise((resolve) => {
            if (c.exitInfo !== null) return resolve();
            const kill = setTimeout(() => c.kill('SIGKILL'), 30_000);
            c.once('exit', () => (clearTimeout(kill), resolve()));
            c.kill('SIGTERM');
          }),
      ),
    );
  }
}

/** The JDBC sink connector's properties: upsert by the record key into the sink's sbtest.sbtest1. */
function jdbcSinkConnector(inst) {
  return {
    name: JDBC_CONNECTOR,
    'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector',
    'tasks.max': 1,
    topics: TOPIC,
    'connection.url': `jdbc:mariadb://127.0.0.1:${inst.sink.port}/${DB}`,
    'connection.username': 'cutover',
    'connection.password': 'cutover',
    'insert.mode': 'upsert',
    'primary.key.mode': 'record_key',
    'delete.enabled': true,
    'schema.evolution': 'basic',
    'collection.name.format': TABLE,
    'consumer.override.auto.offset.reset': 'earliest',
  };
}

async function runJdbcSink({ cinst, kinst, inst, count, rows }) {
  const t0 = performance.now();
  let pid = null;
  try {
    ({ pid } = await startConnect(cinst, { bootstrap: kinst.bootstrap, connectors: [jdbcSinkConnector(inst)], schemas: true }));
    const running = (performance.now() - t0) / 1000;
    const w = await waitForRows(count, rows, t0, () => connectFailure(cinst, [JDBC_CONNECTOR], pid));
    const cpu = cpuSeconds(pid);
    const rss = peakRssKiB(pid);
    return { ok: w.have === rows, seconds: w.seconds, runningAfter: running, cpuSeconds: cpu, rssMB: rss == null ? null : rss / 1024, error: w.have === rows ? undefined : `the sink holds ${w.have} rows, expected ${rows}` };
  } catch (e) {
    return { ok: false, seconds: (performance.now() - t0) / 1000, error: e instanceof Error ? e.message : String(e), log: connectLogTail(connectPaths(cinst).out, 20) };
  } finally {
    await stopConnect(cinst, { wipe: true });
  }
}

function summarize(results, rows) {
  const table = results.map((r) => [r.label, fmtInt(rows), r.ok ? r.seconds.toFixed(2) : 'FAIL', r.ok ? fmtInt(r.messagesPerSec) : '-', r.cpuSeconds != null ? r.cpuSeconds.toFixed(1) : '-', r.rssMB != null ? r.rssMB.toFixed(0) : '-']);
  const lines = [formatTable(['method → sink', 'messages', 'seconds', 'messages/s', 'CPU s*', 'peak RSS MB**'], table)];
  lines.push('(*user + sys of the consumer processes alone (sum over cutover processes; the Connect JVM): MariaDB, PostgreSQL and the broker not included;');
  lines.push(' **cutover: the largest of its processes; JDBC sink: the Connect JVM)');
  const find = (sink, processes) => results.find((r) => r.who === 'cutover' && !r.baseline && r.sink === sink && r.processes === processes);
  const one = find('mysql', 1);
  const jdbc = results.find((r) => r.who === 'jdbc');
  const targets = {};
  const ratios = {};
  if (one?.ok && jdbc?.ok) {
    const ratio = jdbc.seconds / one.seconds;
    ratios.cutoverVsJdbc = ratio;
    targets.ratioVsJdbc = { target: TARGET_JDBC, value: ratio, met: ratio >= TARGET_JDBC };
    lines.push(`cutover (1 process) / Debezium JDBC sink throughput into MariaDB = ${ratio.toFixed(2)}× — target ≥ ${TARGET_JDBC}×: ${ratio >= TARGET_JDBC ? 'MET' : 'MISSED'} (JDBC sink timed from the Connect JVM's spawn)`);
    if (one.cpuSeconds != null && jdbc.cpuSeconds != null) lines.push(`CPU time per message: cutover ×1 ${((one.cpuSeconds / rows) * 1e6).toFixed(1)} µs, JDBC sink ${((jdbc.cpuSeconds / rows) * 1e6).toFixed(1)} µs (ratio ${(jdbc.cpuSeconds / one.cpuSeconds).toFixed(2)}×)`);
  } else if (jdbc) lines.push(`target ≥ ${TARGET_JDBC}× vs the JDBC sink: not measured (a contender failed)`);
  for (const [sink, name] of [['mysql', 'MariaDB'], ['postgres', 'PostgreSQL']]) {
    const a = find(sink, 1);
    const b = find(sink, 2);
    if (a?.ok && b?.ok) {
      ratios[sink === 'mysql' ? 'twoVsOne' : 'postgresTwoVsOne'] = a.seconds / b.seconds;
      lines.push(`cutover → ${name}: 2 processes / 1 process throughput = ${(a.seconds / b.seconds).toFixed(2)}× (both processes on this machine's ${hostCpus()} CPUs, beside the broker and the sink's server)`);
    }
  }
  const mean = (rs, f) => rs.reduce((a, r) => a + f(r), 0) / rs.length;
  for (const sink of ['mysql', 'postgres'])
    for (const n of new Set(results.filter((r) => r.who === 'cutover' && r.sink === sink).map((r) => r.processes))) {
      const runs = (baseline) => results.filter((r) => r.who === 'cutover' && r.ok && r.sink === sink && r.processes === n && r.baseline === baseline && r.cpuSeconds != null);
      const [mine, base] = [runs(false), runs(true)];
      if (!mine.length || !base.length) continue;
      lines.push(`cutover ×${n} → ${sink === 'mysql' ? 'MariaDB' : 'PostgreSQL'}, this build vs the baseline (mean of ${mine.length} / ${base.length} run(s)): ${mean(mine, (r) => r.seconds).toFixed(2)} s vs ${mean(base, (r) => r.seconds).toFixed(2)} s wall, CPU ${((mean(mine, (r) => r.cpuSeconds) / rows) * 1e6).toFixed(1)} vs ${((mean(base, (r) => r.cpuSeconds) / rows) * 1e6).toFixed(1)} µs per message`);
    }
  const pgOne = find('postgres', 1);
  if (one?.ok && pgOne?.ok) {
    ratios.postgresVsMysql = one.seconds / pgOne.seconds;
    const cpu = one.cpuSeconds != null && pgOne.cpuSeconds != null ? `; cutover's CPU per message ${((pgOne.cpuSeconds / rows) * 1e6).toFixed(1)} µs into PostgreSQL, ${((one.cpuSeconds / rows) * 1e6).toFixed(1)} µs into MariaDB` : '';
    lines.push(`cutover ×1 into PostgreSQL / into MariaDB throughput = ${ratios.postgresVsMysql.toFixed(2)}×${cpu}`);
  } else if (!results.some((r) => r.sink === 'postgres')) lines.push('PostgreSQL sink: not run (--no-postgres).');
  return { text: lines.join('\n'), ratios, targets };
}

const hostCpus = () => hostInfo({}).cpus;

async function kafkaAdmin(bootstrap) {
  const m = await import('kafkajs');
  const { Kafka, logLevel } = m.default ?? m;
  const admin = new Kafka({ clientId: 'cutover-bench-consume', brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  return admin;
}

/** Sum of a topic's high − low watermarks (0 while it does not exist). */
async function topicTotal(admin, topic) {
  try {
    const offs = await admin.fetchTopicOffsets(topic);
    return offs.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  } catch {
    return 0;
  }
}
