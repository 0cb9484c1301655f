// The stream half of `npm run bench -- kafka` (also `npm run bench -- kafka-stream` alone): a sysbench
// oltp_write_only backlog (40,000 transactions, 4 row changes each) streamed into Kafka by `cutover run`
// of a "mode": "stream" job from the backlog's start position (--exit-when-caught-up: reading the binlog,
// decoding, rendering Debezium change events, publishing with acks=all, idempotent, up to 4 requests in
// flight, the position stored after each acknowledged batch), against kcat -P publishing the very same
// messages (Cutover's own output, read back with kcat -C: same keys, values and partitions) into fresh
// topics, one kcat per topic-partition in parallel, with the same delivery settings (acks=all,
// enable.idempotence, max.in.flight 1, no compression, linger.ms 5).
//
// Checks: Cutover's topics hold exactly one message per backlog row change; kcat's topics the same counts.
// What the baseline does not do: read and decode the binlog, render JSON, run Node, store positions.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { kafkaInstance, startKafka, stopKafka } from '../kafka-broker.mjs';
import { instances, socketOf, startInstance, stopInstance, urlOf } from '../test-services.mjs';
import { countBinlogEvents, prepareSource, writeBacklog } from './backlog.mjs';
import { cutoverBuildProblem } from './cutover.mjs';
import { ROOT, checkTools, exitError, fmtInt, formatTable, intOption, parseOptions, sql, timed, withServerCpu } from './lib.mjs';
import { DB } from './mariadb.mjs';
import { serverPids } from './kafka.mjs';
import { defaultPortBase, readSharedOptions, sharedHelp, sharedOptions } from './options.mjs';

export const summary = 'a 40,000-transaction binlog backlog streamed into Kafka: cutover vs kcat -P of the same messages';

const PREFIX = 'bench-kstream';
// MariaDB source N+1, broker N+32, its controller N+33, N = --port-base; by default 33760, or
// CUTOVER_BENCH_PORT_BASE + 50 (`bench kafka --port-base B` runs this half with --port-base B+50).
const PORT_BASE = defaultPortBase(33760, 50);
const PARTITIONS = 6;
const TARGET_RATIO = 0.8;
const JOB_NAME = 'bench-kafka-stream';
const KCAT_CONF = { acks: 'all', 'enable.idempotence': 'true', 'max.in.flight.requests.per.connection': '1', 'compression.codec': 'none', 'linger.ms': '5' };

const HELP = `Usage: npm run bench -- kafka-stream [options]

Writes a sysbench oltp_write_only backlog on a throwaway MariaDB source (port base + 1), streams it into a
throwaway Kafka broker (127.0.0.1, port base + 32) with \`cutover run\` (mode stream, Debezium, ${PARTITIONS} partitions per
table, key pk), then publishes the same messages with kcat -P into fresh topics, and prints both times.

Options:
  --events N           backlog transactions (default 40000)
  --tables N           sysbench tables (default 4)
  --table-size N       rows per table (default 100000)
  --threads N          sysbench threads writing the backlog (default 4)
  --runs R             timed runs of each contender (default 1)
${sharedHelp(['port-base', 'keep'], { ports: 'N+1 source, N+32/N+33 broker', defaultPortBase: PORT_BASE, keep: 'leave the servers running and the temp dir afterwards' })}
  -h, --help           this help
`;

async function kafkaAdmin(bootstrap) {
  const m = await import('kafkajs');
  const { Kafka, logLevel } = m.default ?? m;
  const admin = new Kafka({ clientId: 'cutover-bench-kstream', brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  return admin;
}

async function topicTotal(admin, topic) {
  const offs = await admin.fetchTopicOffsets(topic);
  return offs.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
}

/** Cutover: the stream job from `start`, until caught up. */
async function runCutover(source, bootstrap, start, prefix, work, run) {
  const job = {
    name: `${JOB_NAME}-${run}`,
    source: { url: urlOf(source) },
    sink: { type: 'kafka', brokers: [bootstrap], topic: `${prefix}.{db}.{table}`, format: 'debezium', key: 'pk', partitions: PARTITIONS },
    tables: { include: [`${DB}.*`] },
    mode: 'stream',
    stream: { start: { file: start.file, pos: start.pos } },
  };
  const jobFile = join(work, `job-${run}.json`);
  const log = join(work, `cutover-${run}.log`);
  writeFileSync(jobFile, JSON.stringify(job, null, 2) + '\n');
  const r = await timed(process.execPath, [join(ROOT, 'bin/cutover.js'), 'run', jobFile, '--exit-when-caught-up', '--skip-preflight', '--quiet', '--state', join(work, `state-${run}.db`)], {
    log,
    rssFile: join(work, `cutover-${run}.rss`),
  });
  return { ok: r.code === 0, seconds: r.seconds, rssKiB: r.rssKiB, cpuSeconds: r.cpuSeconds, error: r.code === 0 ? undefined : exitError(r), log };
}

/** Cutover's messages, read back with kcat -C, as one `key<TAB>value` file per topic-partition. */
function exportMessages(bootstrap, topics, work) {
  const files = [];
  for (const topic of topics) {
    const r = spawnSync('kcat', ['-C', '-b', bootstrap, '-t', topic, '-e', '-q', '-o', 'beginning', '-f', '%p\t%k\t%s\n'], { encoding: 'utf8', maxBuffer: 2 * 1024 * 1024 * 1024 });
    if (r.status !== 0) throw new Error(`kcat -C ${topic}: ${r.stderr}`);
    const fds = new Map();
    let n = 0;
    for (const line of r.stdout.split('\n')) {
      if (!line) continue;
      const tab = line.indexOf('\t');
      const p = Number(line.slice(0, tab));
      let fd = fds.get(p);
      if (fd === undefined) {
        const file = join(work, `msgs-${topic}-p${p}.txt`);
        fds.set(p, (fd = openSync(file, 'w')));
        files.push({ topic, partition: p, file, count: 0 });
      }
      writeSync(fd, line.slice(tab + 1) + '\n');
      files.find((f) => f.topic === topic && f.partition === p).count++;
      n++;
    }
    for (const fd of fds.values()) closeSync(fd);
    if (!n) throw new Error(`topic ${topic} is empty`);
  }
  return files;
}

/** kcat -P of every file into `<prefix>.<topic>` (created beforehand), all in parallel; wall clock first spawn → last exit. */
async function runKcat(admin, bootstrap, files, prefix, work, run) {
  const topics = [...new Set(files.map((f) => f.topic))];
  await admin.createTopics({ topics: topics.map((t) => ({ topic: `${prefix}.${t}`, numPartitions: PARTITIONS, replicationFactor: 1 })), waitForLeaders: true });
  const xs = Object.entries(KCAT_CONF).flatMap(([k, v]) => ['-X', `${k}=${v}`]);
  const log = join(work, `kcat-${run}.log`);
  const t0 = performance.now();
  const rs = await Promise.all(files.map((f, i) => timed('kcat', ['-P', '-b', bootstrap, '-t', `${prefix}.${f.topic}`, '-p', String(f.partition), '-K', '\t', '-l', f.file, ...xs], { log, rssFile: join(work, `kcat-${run}-${i}.rss`) })));
  const seconds = (performance.now() - t0) / 1000;
  const bad = rs.filter((r) => r.code !== 0);
  const cpuSeconds = rs.every((r) => r.cpuSeconds != null) ? rs.reduce((a, r) => a + r.cpuSeconds, 0) : null;
  return { ok: !bad.length, seconds, cpuSeconds, error: bad.length ? bad.map(exitError).join(', ') : undefined, log, topics: topics.map((t) => `${prefix}.${t}`) };
}

export async function main(argv) {
  const { opts, exit } = parseOptions(
    argv,
    {
      events: { type: 'string', default: '40000' },
      tables: { type: 'string', default: '4' },
      'table-size': { type: 'string', default: '100000' },
      threads: { type: 'string', default: '4' },
      runs: { type: 'string', default: '1' },
      ...sharedOptions(['port-base', 'keep']),
    },
    HELP,
  );
  if (!opts) return exit;
  const int = (name) => intOption(opts, name, 1);
  const size = { events: int('events'), tables: int('tables'), tableSize: int('table-size'), threads: int('threads') };
  const runs = int('runs');
  const { portBase } = readSharedOptions(opts, { portBaseDefault: PORT_BASE });
  if (!checkTools(['sysbench', 'kcat', 'java', 'mvn', 'mariadb'], () => 'sudo apt-get install -y sysbench kcat default-jdk-headless maven mariadb-client')) return 1;
  const build = cutoverBuildProblem();
  if (build?.fatal) {
    console.error(build.message);
    return 1;
  }
  if (build) console.warn(`warning: ${build.message}`);
  const inst = instances(PREFIX, portBase);
  const kinst = kafkaInstance(PREFIX, portBase);
  const sock = socketOf(inst.source);
  const work = mkdtempSync(join(tmpdir(), 'cutover-bench-kstream-'));
  let admin = null;
  let ok = true;
  try {
    console.log(`starting ${inst.source.name} (${inst.source.port}) and a fresh broker (${kinst.port})…`);
    await startInstance(inst.source);
    await startKafka(kinst, { fresh: true });
    admin = await kafkaAdmin(`127.0.0.1:${kinst.port}`);
    const bootstrap = `127.0.0.1:${kinst.port}`;
    await prepareSource(inst.source, sock, size, work);
    const [[sf, sp]] = sql(sock, 'SHOW MASTER STATUS');
    const start = { file: sf, pos: Number(sp) };
    const backlogRun = await writeBacklog(inst.source, size, join(work, 'backlog.log'));
    const [[ef, ep]] = sql(sock, 'SHOW MASTER STATUS');
    const counts = await countBinlogEvents(sock, start, { file: ef, pos: Number(ep) });
    const changes = size.events * 4;
    console.log(`backlog: ${fmtInt(counts.transactions)} transactions, ${fmtInt(counts.rowEvents)} row events (${fmtInt(changes)} row changes expected), written in ${backlogRun.seconds.toFixed(1)} s`);
    const tables = Array.from({ length: size.tables }, (_, i) => `sbtest${i + 1}`);
    const results = [];
    let files = null;
    for (let run = 1; run <= runs; run++) {
      const order = run % 2 ? ['cutover', 'kcat'] : ['kcat', 'cutover'];
      for (const who of order) {
        if (who === 'cutover') {
          const prefix = `bks${run}`;
          const { result: r, cpu } = await withServerCpu(serverPids(inst, kinst), () => runCutover(inst.source, bootstrap, start, prefix, work, run));
          let total = 0;
          if (r.ok) for (const t of tables) total += await topicTotal(admin, `${prefix}.${DB}.${t}`);
          const good = r.ok && total === changes;
          ok &&= good;
          results.push({ who, run, seconds: r.seconds, messages: total, rssKiB: r.rssKiB, cpuSeconds: r.cpuSeconds, serverCpu: cpu, note: r.ok ? (good ? '' : `expected ${changes} messages`) : `${r.error} (see ${r.log})` });
          if (good && !files) files = exportMessages(bootstrap, tables.map((t) => `${prefix}.${DB}.${t}`), work);
        } else {
          if (!files) {
            // kcat needs Cutover's messages: the first run exports them; an even run starts with Cutover instead.
            const r = await runCutover(inst.source, bootstrap, start, 'bks0', work, 0);
            if (!r.ok) throw new Error(`cutover failed: ${r.error} (see ${r.log})`);
            files = exportMessages(bootstrap, tables.map((t) => `bks0.${DB}.${t}`), work);
          }
          const { result: r, cpu } = await withServerCpu(serverPids(inst, kinst), () => runKcat(admin, bootstrap, files, `kc${run}`, work, run));
          let total = 0;
          if (r.ok) for (const t of r.topics) total += await topicTotal(admin, t);
          const expected = files.reduce((n, f) => n + f.count, 0);
          ok &&= r.ok && total === expected;
          results.push({ who, run, seconds: r.seconds, messages: total, rssKiB: null, cpuSeconds: r.cpuSeconds, serverCpu: cpu, note: r.ok ? (total === expected ? '' : `expected ${expected}`) : r.error });
        }
      }
    }
    const cpu = (x) => (x == null ? '?' : x.toFixed(2));
    const rows = results.map((r) => [r.who, String(r.run), r.seconds.toFixed(2), fmtInt(r.messages), fmtInt(r.messages / r.seconds), r.rssKiB ? `${Math.round(r.rssKiB / 1024)} MB` : '-', cpu(r.cpuSeconds), cpu(r.serverCpu?.broker), cpu(r.serverCpu?.mariadb), r.note]);
    console.log('\n' + formatTable(['contender', 'run', 'seconds', 'messages', 'msgs/s', 'peak RSS', 'CPU s', 'broker CPU s', 'MariaDB CPU s', 'note'], rows));
    console.log('(CPU: user+sys seconds of the contender\'s own processes, and of the broker and the MariaDB source during its run; on a shared machine the wall clock is noisy, CPU time less so)');
    const best = (who) => Math.min(...results.filter((r) => r.who === who && !r.note).map((r) => r.seconds));
    const ratio = best('kcat') / best('cutover');
    console.log(`\nstream into Kafka: cutover / kcat throughput = ${Number.isFinite(ratio) ? ratio.toFixed(2) : '-'}× (best runs; target ≥ ${TARGET_RATIO}×)`);
    mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench-results', `kafka-stream-${Date.now()}.json`), JSON.stringify({ size, results, ratio }, null, 2) + '\n', { flag: 'w' });
    return ok ? 0 : 1;
  } finally {
    await admin?.disconnect().catch(() => undefined);
    if (!opts.keep) {
      await stopKafka(kinst, { wipe: true }).catch(() => undefined);
      await stopInstance(inst.source).catch(() => undefined);
      rmSync(work, { recursive: true, force: true });
    } else console.log(`kept: servers running, work dir ${work}`);
  }
}
