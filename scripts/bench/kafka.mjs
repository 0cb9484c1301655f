// `npm run bench -- kafka`: snapshot copy of a sysbench table into Kafka, Cutover against kcat -P
// publishing the same pre-rendered messages, on a throwaway MariaDB source and a throwaway broker.
//
//   npm run bench -- kafka [--rows N] [--format debezium|canal|maxwell] [--runs R] [--keep]
//                          [--parallelism N] [--kcat-inflight N] [--profile] [--fresh]
//                          [--no-debezium] [--port-base N]
//
// Prepare (untimed): sysbench table sbtest.sbtest1 with N rows on the source (prefix bench-kafka, port
// 33661; its datadir is kept across runs and reused when it already has exactly N rows), a fresh
// single-node broker (Kafka 3.9.1 KRaft, 127.0.0.1:33692, scripts/kafka-broker.mjs), and every row
// pre-rendered into files for kcat (below). Then, for each run (the order alternates between runs:
// odd runs Cutover first, even runs kcat first):
//   cutover  `node bin/cutover.js run job.json --skip-preflight --quiet --state …` of a "mode": "snapshot"
//            job with "sink": {"type": "kafka", "topic": <fresh topic A>, "format": F, "key": "pk",
//            "partitions": 6}, defaults otherwise (4 workers, 20,000-row chunks). The whole command is
//            timed (wall clock, under GNU time for the peak RSS): node start, topic creation, reading,
//            rendering and publishing, until the broker acknowledged every message.
//   kcat     kcat -P of the pre-rendered messages into a fresh topic B (6 partitions, created untimed):
//            one kcat process per partition, all in parallel; timed from the first spawn to the last exit
//            (kcat exits once every message is acknowledged).
//   debezium Kafka Connect standalone + Debezium's MariaDB connector (scripts/bench/kafka-debezium.mjs:
//            batch 8192, queue 32768, linger 5 ms, 6 partitions, snapshot.mode=initial_only) snapshots the
//            same table into a fresh topic prefix, timed from the connector's creation on an already started
//            worker to the broker's append of the topic's last message; every id must be there once; a
//            failed task, a stall or a time limit ends it with the reason. It runs after the other two in
//            every run (--no-debezium leaves it out). Target: cutover ≥ 5×.
// Checks: topic A must hold exactly N messages (sum of high − low offsets; a mismatch fails the bench),
// and every message of A is read back (kcat -C) and compared with the pre-rendered one of the same key:
// same partition (a mismatch fails: the baseline would not be the same traffic), same value length
// (differences are only reported). Topic B must hold each partition file's line count.
//
// How the baseline is made comparable:
// - Same messages: the pre-render reads the table with Cutover's own reader (dist/: streamChunk, raw bytes)
//   and renders each row exactly as engine/sink/kafka/kafka-writer.ts does (renderMessages of dist/…/formats
//   with the same read-event input: op "r", snapshot true, the binlog position the copy starts from, the
//   job name and version; Canal gets Cutover's Debezium-style key). Only the timestamps differ in value
//   (same length). Keys and values are written as `key<TAB>value` lines (JSON has no raw tab or newline).
// - Same partitions: computed with Cutover's own partitionFor (murmur2 of the *partition string* "db.table
//   \0len:pk…", not of the message key), one file per partition, `kcat -P -p N`. kcat's own partitioner
//   (-K with partitioner=murmur2_random, Java-compatible) cannot be used: it hashes the message key
//   ({"id":1}), which is not the string Cutover hashes; the bench prints how many of a 1,000-row sample
//   would land elsewhere that way. The per-partition files are checked against topic A (above).
// - Same delivery: acks=all, enable.idempotence=true, max.in.flight.requests.per.connection = 1 (Cutover's
//   kafkajs producer: idempotent, acks -1, maxInFlightRequests 1), compression none on both.
// - Comparable batching: Cutover collects a 512 KiB batch of source rows (KafkaSink.batchBytes; a 20,000-row
//   chunk ends its last batch early), renders it, and sends it per partition in record batches of at most
//   budget = 0.9 × max.message.bytes − 128 bytes (943,601 with the broker default), all partitions in one
//   request. kcat's batch.size is set to the bytes one partition gets from one such batch (computed from
//   the rendered sizes, capped at the budget), batch.num.messages high enough for bytes to decide, and
//   linger.ms=5 (librdkafka's default; kcat reads a file much faster than it can send, so its batches are
//   full anyway, as Cutover's are). message.max.bytes (librdkafka's request limit) stays at its default
//   1,000,000 > budget.
// - Concurrency is not identical and cannot be: Cutover runs 4 producers (one per copy worker), each with one
//   request in flight carrying all 6 partitions' record batches; kcat runs 6 producers (one per partition),
//   each with one single-partition request in flight (--kcat-inflight 5 lets librdkafka pipeline 5, which
//   its idempotence keeps ordered). Bytes in flight: Cutover ≤ 4 × 6 batches, kcat ≤ 6 × 1 batch.
// - What the baseline does not do: read MariaDB (mysql2), decode and render rows, run Node. The source
//   MariaDB server competes with Cutover and the broker for the machine's CPUs during Cutover's run only.
//
// A small untimed warm-up (kcat, 20,000 messages per partition into a throwaway topic) runs first, so
// neither contender meets a cold broker JVM. --profile runs Cutover under node --cpu-prof (its timing is
// then not comparable) and prints where its CPU time went. The stream half of the issue's benchmark (a
// 40,000-transaction backlog streamed into Kafka) runs afterwards: scripts/bench/kafka-stream.mjs.
// Results go to bench-results/kafka-*.json.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { kafkaInstance, startKafka, stopKafka } from '../kafka-broker.mjs';
import { instances, socketOf, startInstance, stopInstance, urlOf } from '../test-services.mjs';
import { cutoverBuildProblem } from './cutover.mjs';
import { ROOT, checkTools, exitError, fmtInt, formatTable, hostInfo, intOption, parseOptions, pidInFile, reportAndSave, sleep, sql, tail, timed, withServerCpu } from './lib.mjs';
import { DB, sysbenchArgs } from './mariadb.mjs';
import { defaultPortBase } from './options.mjs';
import { DEBEZIUM_SETTINGS, prepareDebezium, runDebezium } from './kafka-debezium.mjs';

export const summary = 'snapshot copy of a sysbench table into Kafka: cutover vs kcat -P of the same pre-rendered messages';

const PREFIX = 'bench-kafka';
// MariaDB source N+1, broker N+32, its controller N+33 (N = --port-base; by default 33660 or CUTOVER_BENCH_PORT_BASE);
// the stream half runs with N+50.
const PORT_BASE = defaultPortBase(33660);
const TABLE = 'sbtest1';
const PARTITIONS = 6;
const FORMATS = ['debezium', 'canal', 'maxwell'];
const TARGET_RATIO = 0.8; // cutover throughput vs kcat -P of the same messages
const TARGET_DEBEZIUM = 5; // cutover throughput vs Debezium (Kafka Connect standalone) snapshotting the same table
const JOB_NAME = 'bench-kafka';
const BATCH_BYTES = 512 * 1024; // KafkaSink.batchBytes
const DEFAULT_PARALLELISM = 4; // SnapshotOptions defaults (shared/job-config.ts)
const DEFAULT_CHUNK_ROWS = 20_000;
const BATCH_OVERHEAD = 128; // kafka-writer.ts
const WARMUP_PER_PARTITION = 20_000;
const INSTALL = 'sudo apt-get install -y sysbench kcat';
const STREAM_NOTE = 'The stream half (a 40,000-transaction backlog streamed into Kafka, against kcat -P of the same messages) follows (scripts/bench/kafka-stream.mjs; --no-stream skips it).';

const HELP = `Usage: npm run bench -- kafka [options]

Copies the sysbench table ${DB}.${TABLE} from a throwaway MariaDB source (port ${PORT_BASE + 1}) into a throwaway
Kafka broker (127.0.0.1:${PORT_BASE + 32}) with \`cutover run\` (topic A, ${PARTITIONS} partitions, key pk), and publishes the
same messages, pre-rendered with Cutover's formats into one file per partition, with kcat -P (topic B),
timing both and checking the message counts and partitions. See the top of scripts/bench/kafka.mjs.

Options:
  --rows N            rows in ${DB}.${TABLE} (default 1000000)
  --format F          ${FORMATS.join(', ')} (default debezium)
  --runs R            timed runs of both contenders (default 1); the order alternates
  --parallelism N     cutover job snapshot.parallelism (default: the job default, ${DEFAULT_PARALLELISM})
  --kcat-inflight N   kcat max.in.flight.requests.per.connection, 1..5 (default 1, as Cutover's producer)
  --profile           run cutover under node --cpu-prof and print where its time went (timing not comparable)
  --no-stream         skip the stream half (npm run bench -- kafka-stream, run with --port-base N+50)
  --no-debezium       leave out the Debezium peer (Kafka Connect standalone + Debezium's MariaDB connector)
  --port-base N       ports of the source (N+1), the broker (N+32, N+33) and Connect's REST API (N+60); default ${PORT_BASE}
  --keep              leave the broker and the source running (and the temp dir with files and logs)
  --fresh             drop and re-prepare the source table even if it is already there
  -h, --help          this help
`;

export async function main(argv) {
  const { opts, exit } = parseOptions(
    argv,
    {
      rows: { type: 'string', default: '1000000' },
      format: { type: 'string', default: 'debezium' },
      runs: { type: 'string', default: '1' },
      parallelism: { type: 'string' },
      'kcat-inflight': { type: 'string', default: '1' },
      profile: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      'no-stream': { type: 'boolean', default: false },
      'no-debezium': { type: 'boolean', default: false },
      'port-base': { type: 'string', default: String(PORT_BASE) },
      fresh: { type: 'boolean', default: false },
    },
    HELP,
  );
  if (!opts) return exit;
  const rows = intOption(opts, 'rows', 1);
  const runs = intOption(opts, 'runs', 1);
  const parallelism = intOption(opts, 'parallelism', 1);
  const inflight = intOption(opts, 'kcat-inflight', 1);
  if (inflight > 5) {
    console.error('--kcat-inflight must be 1..5 (librdkafka\'s idempotent producer allows at most 5)');
    return 1;
  }
  const format = opts.format;
  if (!FORMATS.includes(format)) {
    console.error(`--format must be one of ${FORMATS.join(', ')} (got "${format}")`);
    return 1;
  }
  if (!checkTools(['sysbench', 'kcat'], INSTALL)) return 1;
  const problem = cutoverBuildProblem();
  if (problem?.fatal) {
    console.error(problem.message);
    return 1;
  }
  if (problem) console.warn(`warning: ${problem.message}`);

  const portBase = intOption(opts, 'port-base', 1024);
  const debezium = !opts['no-debezium'];
  const inst = instances(PREFIX, portBase);
  const kinst = kafkaInstance(PREFIX, portBase);
  const srcSock = socketOf(inst.source);
  const work = mkdtempSync(join(tmpdir(), 'cutover-bench-kafka-'));
  const startedAt = new Date();
  const host = { ...hostInfo({ mariadb: 'mariadbd', sysbench: 'sysbench', java: 'java' }), kcat: kcatVersion() };
  const results = [];
  let failed = false;
  let admin = null;
  let prepared = null;
  let profile = null;
  let reported = false;
  try {
    console.log(`starting ${inst.source.name} (${inst.source.port}) and ${kinst.name} (${kinst.bootstrap}, fresh)…`);
    await startInstance(inst.source);
    await prepareSource(inst.source, srcSock, rows, opts.fresh);
    if (debezium) await prepareDebezium();
    const t0 = performance.now();
    await startKafka(kinst, { fresh: true });
    console.log(`  broker started in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    admin = await kafkaAdmin(kinst.bootstrap);

    // Cutover's per-partition budget for this broker's topics (KafkaWriter.write).
    await createTopic(admin, 'bench.warmup');
    const maxMessageBytes = await topicMaxMessageBytes(admin, 'bench.warmup');
    const budget = Math.max(1024, Math.floor(maxMessageBytes * 0.9) - BATCH_OVERHEAD);

    process.stdout.write(`pre-rendering ${fmtInt(rows)} rows as ${format} messages (Cutover's formats and partitioner)… `);
    prepared = await prerender({ source: inst.source, format, work, rows });
    const pr = prepared;
    console.log(`${pr.seconds.toFixed(1)} s (render+encode ${pr.renderSeconds.toFixed(1)} s = ${((pr.renderSeconds / pr.rows) * 1e6).toFixed(1)} µs/row)`);
    if (pr.rows !== rows) throw new Error(`the source table has ${pr.rows} rows, expected ${rows}`);
    const batching = cutoverBatching(pr, parallelism ?? DEFAULT_PARALLELISM, budget);
    const kcatConf = kcatSettings(batching, inflight);
    console.log(`  ${fmtInt(pr.messages)} messages, avg key+value ${pr.avgMessageBytes.toFixed(0)} B; per partition: ${pr.perPartition.map(fmtInt).join(' / ')}`);
    console.log(
      `  cutover batches ≈ ${fmtInt(batching.rowsPerBatch)} rows → ≈ ${fmtInt(batching.partitionBatchBytes)} B per partition record batch (budget ${fmtInt(budget)}), ` +
        `${batching.requestsPerBatch} request(s) per batch, ${batching.producers} producers × 1 in flight`,
    );
    console.log(`  kcat: ${PARTITIONS} processes (-p 0..${PARTITIONS - 1}), ${Object.entries(kcatConf).map(([k, v]) => `${k}=${v}`).join(' ')}`);
    console.log(`  kcat's own murmur2_random partitioner on the message key would put ${pr.keyHashDisagree} of ${pr.keyHashSample} sampled rows in another partition than Cutover: per-partition files instead`);

    process.stdout.write('warming the broker up (kcat, untimed)… ');
    const w = await runKcat(kinst.bootstrap, 'bench.warmup', pr.warmFiles, kcatConf, work, 'warmup');
    console.log(w.ok ? `${w.seconds.toFixed(1)} s` : `FAIL (${w.error})`);
    if (!w.ok) throw new Error(`kcat warm-up failed: ${w.error}\n${tail(w.log)}`);

    const load = host.loadavgAtStart[0];
    if (load > host.cpus / 2) console.log(`warning: load average ${load.toFixed(2)} on ${host.cpus} CPUs at start: other work is running, timings will be noisy`);
    console.log('');

    for (let run = 1; run <= runs; run++) {
      const order = run % 2 === 1 ? ['cutover', 'kcat'] : ['kcat', 'cutover'];
      if (debezium) order.push('debezium');
      const res = { run, order, cutover: null, kcat: null, debezium: null };
      console.log(`run ${run}/${runs} (${order[0]} first, then ${order.slice(1).join(', then ')})`);
      for (const who of order) {
        spawnSync('sync'); // the other contender's topic out of the page cache's dirty list first
        await sleep(1000);
        if (who === 'cutover') {
          const topic = `bench.cutover.r${run}`;
          process.stdout.write(`  cutover run  … `);
          const { result: c, cpu } = await withServerCpu(serverPids(inst, kinst), () => runCutover({ inst, kinst, topic, format, parallelism, work, run, profile: opts.profile }));
          const r = { topic, ok: c.ok, seconds: c.seconds, rowsPerSec: c.ok ? rows / c.seconds : null, peakRssMB: c.rssKiB != null ? c.rssKiB / 1024 : null, profiled: opts.profile, cpuSeconds: c.cpuSeconds, serverCpu: cpu };
          if (!c.ok) r.error = c.error;
          else {
            const count = await topicCount(admin, topic);
            r.messages = count.total;
            if (count.total !== pr.messages) {
              r.ok = false;
              r.error = `topic ${topic} holds ${fmtInt(count.total)} messages, expected ${fmtInt(pr.messages)}`;
            } else {
              const v = await verifyTopic(kinst.bootstrap, topic, pr);
              r.verify = v;
              if (v.wrongPartition || v.unknownKey || v.duplicate || v.seen !== pr.messages) {
                r.ok = false;
                r.error = `topic ${topic}: ${v.wrongPartition} message(s) in another partition than pre-rendered, ${v.unknownKey} unknown key(s), ${v.duplicate} duplicate(s), ${v.seen} read`;
              }
            }
          }
          if (r.ok) {
            const sizes = r.verify.wrongSize ? `, ${fmtInt(r.verify.wrongSize)} value length(s) differ from the pre-render` : ', value lengths = pre-render';
            console.log(`${r.seconds.toFixed(2)} s, ${fmtInt(r.rowsPerSec)} rows/s, peak RSS ${r.peakRssMB?.toFixed(0) ?? '?'} MB; ${fmtInt(r.messages)} messages, partitions = pre-render${sizes}`);
            console.log(`               CPU: ${cpuText(r)}`);
          } else console.log(`FAIL (${r.error})\n--- last lines of ${c.log}:\n${tail(c.log)}\n---`);
          if (opts.profile && c.profileFile) {
            profile = summarizeProfile(c.profileFile);
            r.profile = profile;
          }
          res.cutover = r;
        } else if (who === 'debezium') {
          process.stdout.write(`  debezium     … `);
          const d = await runDebezium({ prefix: PREFIX, portBase, bootstrap: kinst.bootstrap, sourcePort: inst.source.port, user: 'cutover', password: 'cutover', db: DB, table: TABLE, rows: pr.messages, topicPrefix: `bench_dbz_r${run}`, partitions: PARTITIONS, admin, serverId: 5400 + run, serverPids: serverPids(inst, kinst) });
          const cpu = d.serverCpu ?? {};
          const r = { ...d, rowsPerSec: d.ok ? rows / d.seconds : null, peakRssMB: d.rssKiB != null ? d.rssKiB / 1024 : null };
          if (r.ok) {
            console.log(`${r.seconds.toFixed(2)} s from the connector's creation to the last message, ${fmtInt(r.rowsPerSec)} rows/s, peak RSS ${r.peakRssMB?.toFixed(0) ?? '?'} MB (Connect JVM); ${fmtInt(r.messages)} messages, ids 1..${fmtInt(rows)} each once (per partition ${r.perPartition.map(fmtInt).join(' / ')})`);
            console.log(`               worker ready ${r.workerReadySeconds.toFixed(1)} s after its spawn (untimed), task RUNNING ${r.runningAfter.toFixed(1)} s after the creation, the count seen complete by polling after ${r.polledSeconds.toFixed(2)} s, ${r.fromSpawnSeconds.toFixed(2)} s from the spawn`);
            console.log(`               CPU: contender ${r.snapshotCpuSeconds?.toFixed(2) ?? '?'} s after the creation (JVM total ${r.cpuSeconds?.toFixed(2) ?? '?'} s), broker ${cpu.broker?.toFixed(2) ?? '?'} s, MariaDB source ${cpu.mariadb?.toFixed(2) ?? '?'} s (user+sys)`);
          } else console.log(`FAIL (${r.error})${d.log ? `\n--- last lines of the Connect log:\n${d.log}\n---` : ''}`);
          res.debezium = r;
        } else {
          const topic = `bench.kcat.r${run}`;
          await createTopic(admin, topic);
          process.stdout.write(`  kcat -P ×${PARTITIONS}  … `);
          const { result: k, cpu } = await withServerCpu(serverPids(inst, kinst), () => runKcat(kinst.bootstrap, topic, pr.files, kcatConf, work, `r${run}`));
          const r = { topic, ok: k.ok, seconds: k.seconds, rowsPerSec: k.ok ? rows / k.seconds : null, peakRssMB: k.rssKiB != null ? k.rssKiB / 1024 : null, cpuSeconds: k.cpuSeconds, serverCpu: cpu };
          if (!k.ok) r.error = k.error;
          else {
            const count = await topicCount(admin, topic);
            r.messages = count.total;
            const bad = count.parts.filter((p) => p.count !== pr.perPartition[p.partition]);
            if (count.total !== pr.messages || bad.length) {
              r.ok = false;
              r.error = `topic ${topic} holds ${fmtInt(count.total)} messages (${count.parts.map((p) => p.count).join('/')}), expected ${fmtInt(pr.messages)} (${pr.perPartition.join('/')})`;
            }
          }
          if (r.ok) console.log(`${r.seconds.toFixed(2)} s, ${fmtInt(r.rowsPerSec)} rows/s, RSS ${r.peakRssMB?.toFixed(0) ?? '?'} MB (sum of ${PARTITIONS}); ${fmtInt(r.messages)} messages\n               CPU: ${cpuText(r)}`);
          else console.log(`FAIL (${r.error})\n--- last lines of ${k.log}:\n${tail(k.log)}\n---`);
          res.kcat = r;
        }
        if (!res[who].ok) failed = true;
      }
      results.push(res);
      console.log('');
    }

    const report = summarize(results, rows, format, profile);
    reportAndSave({ bench: 'kafka', startedAt, host, report, results, ok: !failed }, {
      data: { database: DB, table: TABLE, rows, partitions: PARTITIONS, format, messages: pr.messages, avgMessageBytes: pr.avgMessageBytes, perPartition: pr.perPartition },
      options: { runs, parallelism: parallelism ?? null, kcatInflight: inflight, profile: opts.profile, debezium, portBase },
      baseline: { kcat: kcatConf, debezium: debezium ? DEBEZIUM_SETTINGS : null, cutoverBatching: batching, prerenderSeconds: pr.seconds, renderSeconds: pr.renderSeconds },
    });
    reported = true; // the report ends with STREAM_NOTE
  } finally {
    await admin?.disconnect().catch(() => undefined);
    if (opts.keep) {
      console.log(`--keep: left running: source ${urlOf(inst.source)}, broker ${kinst.bootstrap}; files and logs in ${work}`);
      console.log(`  stop them with: node scripts/test-services.mjs stop source --prefix ${PREFIX} && node scripts/kafka-broker.mjs stop --prefix ${PREFIX} --port-base ${portBase} --wipe`);
    } else {
      await stopKafka(kinst, { wipe: true });
      // The source's datadir is kept (stopped) so the next run reuses the prepared rows.
      await stopInstance(inst.source, { wipe: false });
      console.log(`broker stopped and wiped; source data kept for the next run (delete it with: node scripts/test-services.mjs stop source --prefix ${PREFIX})`);
      if (!failed) rmSync(work, { recursive: true, force: true });
      else {
        for (const f of prepared?.files ?? []) rmSync(f, { force: true });
        for (const f of prepared?.warmFiles ?? []) rmSync(f, { force: true });
        console.log(`logs kept in ${work}`);
      }
    }
  }
  if (!reported) console.log(STREAM_NOTE);
  if (failed) console.log('FAIL: a contender failed or its topic does not hold the expected messages (see above)');
  let streamFailed = false;
  if (!opts['no-stream']) {
    console.log('\n=== the stream half: npm run bench -- kafka-stream ===');
    streamFailed = (await (await import('./kafka-stream.mjs')).main(['--runs', String(runs), '--port-base', String(portBase + 50)])) !== 0;
  }
  return failed || streamFailed ? 1 : 0;
}

/** The pids of the bench's broker and MariaDB source (for their CPU time during a run). */
export function serverPids(inst, kinst) {
  const services = process.env.CUTOVER_SERVICES_DIR ?? '/tmp/cutover-services';
  return { broker: pidInFile(join(kinst.dir, 'kafka.pid')), mariadb: inst ? pidInFile(join(services, inst.source.name, 'mysqld.pid')) : null };
}

/** "contender 12.3 s, broker 4.5 s, MariaDB 1.2 s (user+sys)". */
export function cpuText(r) {
  const f = (x) => (x == null ? '?' : `${x.toFixed(2)} s`);
  return `contender ${f(r.cpuSeconds)}, broker ${f(r.serverCpu?.broker)}, MariaDB source ${f(r.serverCpu?.mariadb)} (user+sys)`;
}

export function kcatVersion() {
  const r = spawnSync('kcat', ['-V'], { encoding: 'utf8' });
  return (`${r.stdout}${r.stderr}`.split('\n').find((l) => /^Version /.test(l)) ?? '').trim() || null;
}

/** Makes sure the source has exactly DB.TABLE with `rows` rows; runs `sysbench prepare` otherwise. */
async function prepareSource(source, sock, rows, fresh) {
  if (!fresh) {
    const have = sql(sock, `SELECT table_name FROM information_schema.tables WHERE table_schema='${DB}'`).map((r) => r[0]);
    if (have.length === 1 && have[0] === TABLE) {
      const [[count]] = sql(sock, `SELECT COUNT(*) FROM ${DB}.${TABLE}`);
      if (Number(count) === rows) {
        console.log(`source already has ${DB}.${TABLE} with ${fmtInt(rows)} rows: reusing it`);
        return;
      }
    }
  }
  console.log(`preparing source: sysbench ${DB}.${TABLE}, ${fmtInt(rows)} rows…`);
  sql(sock, `DROP DATABASE IF EXISTS ${DB}; CREATE DATABASE ${DB}`);
  const log = join(tmpdir(), `cutover-bench-kafka-sysbench-${process.pid}.log`);
  const r = await timed('sysbench', [...sysbenchArgs('oltp_read_write', source, { tables: 1, tableSize: rows }), '--threads=1', 'prepare'], { log });
  if (r.code !== 0) throw new Error(`sysbench prepare failed (exit ${r.code}):\n${tail(log)}`);
  rmSync(log, { force: true });
  sql(sock, 'RESET MASTER'); // the prepare's binlog is of no use to a snapshot copy
  console.log(`  prepared in ${r.seconds.toFixed(1)} s`);
}

async function kafkaAdmin(bootstrap) {
  const m = await import('kafkajs');
  const { Kafka, logLevel } = m.default ?? m;
  const admin = new Kafka({ clientId: 'cutover-bench-kafka', brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  return admin;
}

export async function createTopic(admin, topic) {
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true });
}

async function topicMaxMessageBytes(admin, topic) {
  const r = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: topic, configNames: ['max.message.bytes'] }] });
  const v = Number(r.resources[0]?.configEntries.find((c) => c.configName === 'max.message.bytes')?.configValue);
  return Number.isFinite(v) && v > 0 ? v : 1_048_588;
}

/** Messages in a topic: per partition high − low, and their sum. */
export async function topicCount(admin, topic) {
  const offs = await admin.fetchTopicOffsets(topic);
  const parts = offs.map((p) => ({ partition: p.partition, count: Number(p.high) - Number(p.low) })).sort((a, b) => a.partition - b.partition);
  return { parts, total: parts.reduce((n, p) => n + p.count, 0) };
}

/**
 * Reads DB.TABLE with Cutover's reader and renders every row as KafkaBatch.add does (dist/ modules),
 * writing `key<TAB>value` lines into one file per partition (and the first WARMUP_PER_PARTITION of each
 * into warm-up files). Returns the files, counts and sizes, and per key its partition and value length
 * (to check topic A against).
 */
async function prerender({ source, format, work, rows }) {
  const dist = (p) => import(pathToFileURL(join(ROOT, 'dist', p)).href);
  const [{ parseMysqlUrl, connect }, { openDataConnection, streamChunk }, { readTable }, { readConsistentPosition }, formats, { partitionFor }, { copySourceInfo }] =
    await Promise.all([
      dist('engine/mysql/connection.js'),
      dist('engine/source/mysql/snapshot-reader.js'),
      dist('engine/source/mysql/schema-reader.js'),
      dist('engine/source/mysql/binlog-status.js'),
      dist('engine/sink/kafka/formats/index.js'),
      dist('engine/sink/kafka/partition.js'),
      dist('engine/sink/kafka/kafka-sink.js'),
    ]);
  const addr = parseMysqlUrl(urlOf(source));
  const meta = await connect(addr);
  let info;
  let start = null;
  try {
    // As job-runner's recordCopyStart: the consistent position, stored as JSON and read back.
    start = JSON.parse(JSON.stringify(await readConsistentPosition(meta)));
  } catch {
    /* binlog off: copied rows then carry no position, as in Cutover */
  }
  try {
    info = await readTable(meta, { db: DB, table: TABLE });
  } finally {
    await meta.end();
  }
  // As table-plan.ts and KafkaWriter.renderer.
  const columns = info.columns.filter((c) => !c.generated);
  const keyColumns = info.chunkKey.map((k) => info.columns.find((c) => c.name === k));
  const t = { stateId: 1, source: info, sink: { db: DB, table: TABLE }, columns, keyColumns };
  const kt = { db: info.db, table: info.table, columns, keyColumns: keyColumns.map((c) => c.name) };
  const src = copySourceInfo(JOB_NAME, start);

  const files = Array.from({ length: PARTITIONS }, (_, p) => join(work, `p${p}.tsv`));
  const warmFiles = Array.from({ length: PARTITIONS }, (_, p) => join(work, `warm-p${p}.tsv`));
  const fds = files.map((f) => openSync(f, 'w'));
  const warmFds = warmFiles.map((f) => openSync(f, 'w'));
  const bufs = files.map(() => []);
  const bufBytes = new Array(PARTITIONS).fill(0);
  const perPartition = new Array(PARTITIONS).fill(0);
  const keyIndex = new Map();
  const partOf = new Uint8Array(rows);
  const valueLen = new Uint32Array(rows);
  let n = 0;
  let messages = 0;
  let srcBytes = 0;
  let msgBytes = 0;
  let keyValueBytes = 0;
  let renderMs = 0;
  let keyHashSample = 0;
  let keyHashDisagree = 0;
  const sampleEvery = Math.max(1, Math.floor(rows / 1000));
  const flush = (p) => {
    if (!bufs[p].length) return;
    writeSync(fds[p], bufs[p].join(''));
    bufs[p] = [];
    bufBytes[p] = 0;
  };

  const data = await openDataConnection(addr);
  const t0 = performance.now();
  try {
    await streamChunk(data, t, null, null, (row) => {
      let size = row.length;
      for (let i = 0; i < row.length; i++) size += row[i]?.length ?? 0;
      const r0 = performance.now();
      const now = Date.now();
      const e = { op: 'r', table: kt, before: null, after: row, source: { ...src, tsMs: now }, tsMs: now };
      const msgs = formats.renderMessages(format, e, { keyMode: 'pk', tombstonesOnDelete: false });
      const canalKey = format === 'canal' ? formats.renderKey('pk', e, 'debezium') : null;
      const out = msgs.map((m) => {
        const keyText = format === 'canal' ? canalKey : m.key;
        const key = keyText === null ? null : Buffer.from(keyText, 'utf8');
        const value = m.value === null ? null : Buffer.from(m.value, 'utf8');
        return { keyText, valueText: m.value, key, value, partition: partitionFor(m.partitionKey, PARTITIONS), partitionKey: m.partitionKey };
      });
      renderMs += performance.now() - r0;
      for (const m of out) {
        if (m.keyText === null || m.valueText === null || m.keyText.includes('\t') || m.keyText.includes('\n') || m.valueText.includes('\n'))
          throw new Error(`row ${n}: a message kcat -K '\\t' cannot carry (null key or value, or a tab/newline in the key, a newline in the value)`);
        if (n < rows) {
          if (keyIndex.has(m.keyText)) throw new Error(`row ${n}: key ${m.keyText} seen twice`);
          keyIndex.set(m.keyText, n);
          partOf[n] = m.partition;
          valueLen[n] = m.value.length;
        }
        const line = `${m.keyText}\t${m.valueText}\n`;
        if (perPartition[m.partition] < WARMUP_PER_PARTITION) writeSync(warmFds[m.partition], line);
        bufs[m.partition].push(line);
        bufBytes[m.partition] += line.length;
        if (bufBytes[m.partition] >= 4 * 1024 * 1024) flush(m.partition);
        perPartition[m.partition]++;
        messages++;
        msgBytes += m.key.length + m.value.length + 24; // KafkaBatch.add's size estimate
        keyValueBytes += m.key.length + m.value.length;
        if (n % sampleEvery === 0) {
          keyHashSample++;
          if (partitionFor(m.keyText, PARTITIONS) !== m.partition) keyHashDisagree++;
        }
      }
      srcBytes += size;
      n++;
    });
  } finally {
    await data.end().catch(() => undefined);
    for (let p = 0; p < PARTITIONS; p++) flush(p);
    for (const fd of [...fds, ...warmFds]) closeSync(fd);
  }
  if (messages !== n) throw new Error(`${n} rows rendered as ${messages} messages: the bench expects one message per row`);
  return {
    rows: n,
    messages,
    files,
    warmFiles,
    perPartition,
    keyIndex,
    partOf,
    valueLen,
    avgSourceRowBytes: srcBytes / n,
    avgMessageBytes: keyValueBytes / messages,
    avgMessageSizeEstimate: msgBytes / messages,
    seconds: (performance.now() - t0) / 1000,
    renderSeconds: renderMs / 1000,
    keyHashSample,
    keyHashDisagree,
  };
}

/**
 * What Cutover's requests look like on this table: rows per batch (512 KiB of source bytes, a chunk's last
 * batch shorter), bytes per partition per batch, requests per batch (each partition's share split at the
 * budget).
 */
function cutoverBatching(pr, producers, budget) {
  const full = Math.ceil(BATCH_BYTES / pr.avgSourceRowBytes);
  const chunkRows = DEFAULT_CHUNK_ROWS;
  const rowsPerBatch = full >= chunkRows ? chunkRows : chunkRows / Math.ceil(chunkRows / full);
  const partitionShare = (rowsPerBatch / PARTITIONS) * pr.avgMessageSizeEstimate;
  return {
    rowsPerFullBatch: full,
    rowsPerBatch: Math.round(rowsPerBatch),
    partitionBatchBytes: Math.round(Math.min(partitionShare, budget)),
    partitionShareBytes: Math.round(partitionShare),
    requestsPerBatch: Math.ceil(partitionShare / budget),
    budget,
    producers,
  };
}

/** kcat's librdkafka settings: the same delivery guarantees, compression and (per partition) batch bytes as Cutover's. */
export function kcatSettings(batching, inflight) {
  return {
    acks: 'all',
    'enable.idempotence': 'true',
    'max.in.flight.requests.per.connection': String(inflight),
    'compression.codec': 'none',
    'batch.size': String(batching.partitionBatchBytes),
    'batch.num.messages': '1000000',
    'linger.ms': '5',
  };
}

/** One kcat -P per partition file, in parallel; wall clock from the first spawn to the last exit. */
export async function runKcat(bootstrap, topic, files, conf, work, tag) {
  const xs = Object.entries(conf).flatMap(([k, v]) => ['-X', `${k}=${v}`]);
  const log = join(work, `kcat-${tag}.log`);
  const t0 = performance.now();
  const rs = await Promise.all(
    files.map((f, p) =>
      timed('kcat', ['-P', '-b', bootstrap, '-t', topic, '-p', String(p), '-K', '\t', '-l', f, ...xs], { log, rssFile: join(work, `kcat-${tag}-p${p}.rss`) }),
    ),
  );
  const seconds = (performance.now() - t0) / 1000;
  const bad = rs.map((r, p) => [r, p]).filter(([r]) => r.code !== 0);
  const rssKiB = rs.every((r) => r.rssKiB != null) ? rs.reduce((a, r) => a + r.rssKiB, 0) : null;
  const cpuSeconds = rs.every((r) => r.cpuSeconds != null) ? rs.reduce((a, r) => a + r.cpuSeconds, 0) : null;
  return { ok: !bad.length, seconds, rssKiB, cpuSeconds, log, error: bad.length ? bad.map(([r, p]) => `partition ${p}: ${exitError(r)}`).join(', ') : undefined };
}

/** `cutover run` of the Kafka job, timed under GNU time (optionally with --cpu-prof). */
async function runCutover({ inst, kinst, topic, format, parallelism, work, run, profile }) {
  const job = {
    name: JOB_NAME,
    source: { url: urlOf(inst.source) },
    sink: { type: 'kafka', brokers: [kinst.bootstrap], topic, format, key: 'pk', partitions: PARTITIONS },
    tables: { include: [`${DB}.${TABLE}`] },
    mode: 'snapshot',
    ...(parallelism !== undefined ? { snapshot: { parallelism } } : {}),
  };
  const jobFile = join(work, `job-r${run}.json`);
  const log = join(work, `cutover-r${run}.log`);
  writeFileSync(jobFile, JSON.stringify(job, null, 2) + '\n');
  writeFileSync(log, `job: ${JSON.stringify(job)}\n`);
  const profDir = join(work, `prof-r${run}`);
  // node refuses --cpu-prof in NODE_OPTIONS: it goes on the command line.
  const nodeFlags = profile ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [];
  if (profile) mkdirSync(profDir, { recursive: true });
  const cli = join(ROOT, 'bin/cutover.js');
  const r = await timed(process.execPath, [...nodeFlags, cli, 'run', jobFile, '--skip-preflight', '--quiet', '--state', join(work, `state-r${run}.db`)], {
    log,
    rssFile: join(work, `cutover-r${run}.rss`),
  });
  const profileFile = profile && existsSync(profDir) ? readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(profDir, f))[0] : null;
  return { ok: r.code === 0, seconds: r.seconds, rssKiB: r.rssKiB, cpuSeconds: r.cpuSeconds, error: r.code === 0 ? undefined : exitError(r), log, profileFile };
}

/**
 * Reads every message of `topic` back (kcat -C: partition, key, value length) and compares it with the
 * pre-rendered message of the same key.
 */
function verifyTopic(bootstrap, topic, pr) {
  const seen = new Uint8Array(pr.rows);
  const v = { seen: 0, wrongPartition: 0, wrongSize: 0, unknownKey: 0, duplicate: 0, examples: [] };
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', ['-C', '-b', bootstrap, '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%p\t%k\t%S\n'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const rl = createInterface({ input: child.stdout, crlfDelay: Infinity });
    rl.on('line', (line) => {
      const a = line.indexOf('\t');
      const b = line.lastIndexOf('\t');
      if (a < 0 || b <= a) return;
      const p = Number(line.slice(0, a));
      const key = line.slice(a + 1, b);
      const size = Number(line.slice(b + 1));
      v.seen++;
      const i = pr.keyIndex.get(key);
      if (i === undefined) {
        v.unknownKey++;
        if (v.examples.length < 5) v.examples.push(`unknown key ${key}`);
        return;
      }
      if (seen[i]) v.duplicate++;
      seen[i] = 1;
      if (pr.partOf[i] !== p) {
        v.wrongPartition++;
        if (v.examples.length < 5) v.examples.push(`${key}: partition ${p}, pre-rendered ${pr.partOf[i]}`);
      }
      if (pr.valueLen[i] !== size) {
        v.wrongSize++;
        if (v.examples.length < 5) v.examples.push(`${key}: value ${size} bytes, pre-rendered ${pr.valueLen[i]}`);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`kcat -C ${topic} exited with ${code}: ${err.trim()}`));
      else resolve(v);
    });
  });
}

/** Self time of a .cpuprofile by area (builtins charged to their nearest JS caller) and by function. */
function summarizeProfile(file) {
  const prof = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map();
  let total = 0;
  for (let i = 0; i < prof.samples.length; i++) {
    const dt = (prof.timeDeltas[i] ?? 0) / 1000;
    self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + dt);
    total += dt;
  }
  const special = { '(idle)': 'idle (waiting: network, MariaDB, broker)', '(garbage collector)': 'garbage collector', '(program)': 'V8 / native (program)', '(root)': 'V8 / native (program)' };
  const areaOfUrl = (url) => {
    if (url.includes('/node_modules/kafkajs/')) {
      const m = url.match(/\/kafkajs\/src\/(.*)$/);
      const parts = (m?.[1] ?? '').split('/');
      return `kafkajs ${parts.slice(0, parts.length > 2 ? 2 : 1).join('/')}`;
    }
    if (url.includes('/node_modules/mysql2/')) return 'mysql2 (reading rows)';
    if (url.includes('/node_modules/')) return `node_modules/${url.split('/node_modules/').pop().split('/')[0]}`;
    if (url.includes('/dist/engine/sink/kafka/formats/')) return 'cutover formats (render JSON)';
    if (url.includes('/dist/engine/sink/kafka/')) return `cutover ${url.split('/dist/engine/sink/kafka/').pop()}`;
    if (url.includes('/dist/')) return `cutover ${url.split('/dist/').pop().split('/').slice(0, 2).join('/')}`;
    if (url.startsWith('node:')) return `node core ${url.slice(5).split('/')[0]}`;
    return url || null;
  };
  const areaOf = (id) => {
    const n = byId.get(id);
    if (special[n.callFrame.functionName]) return special[n.callFrame.functionName];
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const a = areaOfUrl(byId.get(cur).callFrame.url);
      if (a) return n.callFrame.url ? a : `${a} → builtins`;
    }
    return 'V8 builtins (no JS caller)';
  };
  const areas = new Map();
  const fns = new Map();
  for (const [id, ms] of self) {
    const a = areaOf(id);
    areas.set(a, (areas.get(a) ?? 0) + ms);
    const cf = byId.get(id).callFrame;
    const where = cf.url ? `${cf.url.replace(/^.*\/(node_modules|dist)\//, '$1/').replace(/^file:\/\//, '')}:${cf.lineNumber + 1}` : '(builtin)';
    const k = `${cf.functionName || '(anonymous)'} ${where}`;
    fns.set(k, (fns.get(k) ?? 0) + ms);
  }
  const top = (m, n) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([name, ms]) => ({ name, ms: Math.round(ms), pct: (100 * ms) / total }));
  return { file, totalMs: Math.round(total), areas: top(areas, 16), functions: top(fns, 20) };
}

export function summarize(results, rows, format, profile) {
  const lines = [];
  const table = [];
  const ratios = [];
  const dbzRatios = [];
  const dbzCpuRatios = [];
  for (const r of results) {
    const c = r.cutover;
    const k = r.kcat;
    const ratio = c?.ok && k?.ok ? k.seconds / c.seconds : null; // throughput ratio = inverse time ratio
    if (ratio != null && !c.profiled) ratios.push(ratio);
    const cpuOf = (x) => (x?.ok && x.cpuSeconds != null ? x.cpuSeconds.toFixed(2) : '-');
    const brokerOf = (x) => (x?.ok && x.serverCpu?.broker != null ? x.serverCpu.broker.toFixed(2) : '-');
    const row = (label, x) => [`${r.run}`, label, fmtInt(rows), x?.ok ? x.seconds.toFixed(2) : 'FAIL', x?.ok ? fmtInt(x.rowsPerSec) : '-', x?.peakRssMB != null ? x.peakRssMB.toFixed(0) : '-', cpuOf(x), brokerOf(x)];
    table.push(row(`cutover run${c?.profiled ? ' (--cpu-prof)' : ''}`, c), row(`kcat -P ×${PARTITIONS}`, k));
    // by CPU time: what each contender's own processes spent for the same messages (less sensitive to other load)
    const cpuRatio = c?.ok && k?.ok && c.cpuSeconds && k.cpuSeconds != null ? k.cpuSeconds / c.cpuSeconds : null;
    table.push(['', `  cutover / kcat`, '', '', ratio != null ? `${ratio.toFixed(2)}×` : '-', '', cpuRatio != null ? `${cpuRatio.toFixed(2)}×` : '-', '']);
    if (r.order.includes('debezium')) {
      const d = r.debezium;
      const dr = c?.ok && d?.ok ? d.seconds / c.seconds : null;
      if (dr != null && !c.profiled) dbzRatios.push(dr);
      const dCpu = d?.ok && c?.ok && c.cpuSeconds && d.snapshotCpuSeconds != null ? d.snapshotCpuSeconds / c.cpuSeconds : null;
      if (dCpu != null && !c.profiled) dbzCpuRatios.push(dCpu);
      table.push(row('debezium (Connect)***', d && { ...d, cpuSeconds: d.snapshotCpuSeconds }));
      table.push(['', `  cutover / debezium`, '', '', dr != null ? `${dr.toFixed(2)}×` : '-', '', dCpu != null ? `${dCpu.toFixed(2)}×` : '-', '']);
    }
  }
  lines.push(formatTable(['run', 'method', 'rows', 'seconds', 'rows/s', 'peak RSS MB*', 'CPU s**', 'broker CPU s'], table));
  lines.push(`(${format} messages, ${PARTITIONS} partitions; *cutover: its process, GNU time %M; kcat: sum of its ${PARTITIONS} processes;`);
  lines.push(` **user+sys of the contender's processes; the ratio row: kcat's CPU / Cutover's, the CPU-time counterpart of the throughput ratio)`);
  if (results.some((r) => r.order.includes('debezium'))) {
    lines.push(`(***Debezium: snapshot.mode=initial_only, timed from the connector's creation (POST /connectors to an already started worker) to the broker's append of the last`);
    lines.push(` message; peak RSS and CPU of the Connect JVM, the CPU from the creation on; the time from the JVM's spawn is printed above each run)`);
  }
  const summaryRatio = ratios.length ? ratios.reduce((a, b) => a + b, 0) / ratios.length : null;
  const targets = {};
  lines.push('');
  if (summaryRatio != null) {
    targets.ratioVsKcat = { target: TARGET_RATIO, value: summaryRatio, met: summaryRatio >= TARGET_RATIO };
    lines.push(
      `cutover / kcat throughput${ratios.length > 1 ? ` (mean of ${ratios.length} runs: ${ratios.map((x) => x.toFixed(2)).join(', ')})` : ''} = ${summaryRatio.toFixed(2)}×` +
        ` — target ≥ ${TARGET_RATIO}×: ${targets.ratioVsKcat.met ? 'MET' : 'MISSED'}`,
    );
  } else lines.push(`target ≥ ${TARGET_RATIO}× vs kcat: not measured (a contender failed${results.some((r) => r.cutover?.profiled) ? ', or cutover ran under --cpu-prof' : ''})`);
  if (results.some((r) => r.order.includes('debezium'))) {
    const dm = dbzRatios.length ? dbzRatios.reduce((a, b) => a + b, 0) / dbzRatios.length : null;
    if (dm != null) {
      targets.ratioVsDebezium = { target: TARGET_DEBEZIUM, value: dm, met: dm >= TARGET_DEBEZIUM };
      lines.push(
        `cutover / Debezium throughput${dbzRatios.length > 1 ? ` (mean of ${dbzRatios.length} runs: ${dbzRatios.map((x) => x.toFixed(2)).join(', ')})` : ''} = ${dm.toFixed(2)}×` +
          ` — target ≥ ${TARGET_DEBEZIUM}×: ${targets.ratioVsDebezium.met ? 'MET' : 'MISSED'}` +
          ` (Debezium timed from the connector's creation; from the JVM's spawn: ${results.map((r) => (r.debezium?.ok && r.cutover?.ok ? `${(r.debezium.fromSpawnSeconds / r.cutover.seconds).toFixed(2)}×` : '-')).join(', ')})`,
      );
      // On a loaded machine wall time says little: CPU time (user + sys) of each contender's own process.
      lines.push(
        `CPU time (user + sys of the process alone; MariaDB and the broker not included): cutover ${results.map((r) => r.cutover?.cpuSeconds?.toFixed(1) ?? '?').join(', ')} s, ` +
          `Debezium's Connect JVM ${results.map((r) => r.debezium?.snapshotCpuSeconds?.toFixed(1) ?? '?').join(', ')} s from the connector's creation (${results.map((r) => r.debezium?.cpuSeconds?.toFixed(1) ?? '?').join(', ')} s with its start)` +
          (dbzCpuRatios.length ? `; Debezium / Cutover CPU ${dbzCpuRatios.map((x) => `${x.toFixed(2)}×`).join(', ')} (mean ${(dbzCpuRatios.reduce((a, b) => a + b, 0) / dbzCpuRatios.length).toFixed(2)}×)` : ''),
      );
    } else lines.push(`target ≥ ${TARGET_DEBEZIUM}× vs Debezium: not measured (a contender failed)`);
  }
  if (profile) {
    lines.push('', `cutover CPU profile (${(profile.totalMs / 1000).toFixed(1)} s sampled; self time, builtins charged to their nearest JS caller):`);
    for (const a of profile.areas) lines.push(`  ${a.pct.toFixed(1).padStart(5)}%  ${(a.ms / 1000).toFixed(2).padStart(7)} s  ${a.name}`);
    lines.push('  top functions (self time):');
    for (const f of profile.functions.slice(0, 12)) lines.push(`  ${f.pct.toFixed(1).padStart(5)}%  ${(f.ms / 1000).toFixed(2).padStart(7)} s  ${f.name}`);
    lines.push(`  profile: ${profile.file}`);
  }
  lines.push('', STREAM_NOTE);
  return { text: lines.join('\n'), ratios: { cutoverVsKcat: summaryRatio, perRun: ratios, cutoverVsDebezium: dbzRatios, cutoverVsDebeziumCpu: dbzCpuRatios }, targets };
}
