// `npm run bench -- kafka-clients`: the Kafka client choice, measured side by side on the same messages.
//
//   npm run bench -- kafka-clients [--messages N] [--producers P] [--batch B] [--runs R] [--only LIST] [--keep]
//
// Prepare (untimed): a fresh single-node broker (Kafka 3.9.1 KRaft, 127.0.0.1:33992, scripts/kafka-broker.mjs)
// and N sysbench-like rows (id, k, c CHAR(120), pad CHAR(60), as `sysbench prepare` fills sbtest1) rendered
// as Cutover's Debezium read events by its own formats and partitioner (dist/), written once as
//   - messages.bin: batches of B consecutive rows (a 2 MiB source batch of Cutover's copy is 10,000 such
//     rows), each split into produce requests by Cutover's own splitRequests (per partition under the
//     topic's record-batch budget), for the Node clients (scripts/bench/kafka-client-producer.mjs);
//   - one `key<TAB>value` file per partition for kcat.
// Then, per run, each contender publishes every message into a fresh 6-partition topic, timed as a whole
// process (start, connect, send, every message acknowledged), under GNU time for its peak RSS:
//   kafkajs           the patched kafkajs, configured as engine/sink/kafka/kafka-client.ts and record-sender.ts
//                     do: P idempotent producers (acks=-1, maxInFlightRequests 1), each taking the next batch
//                     (as Cutover's P copy workers take the next chunk) and sending its requests one at a time.
//   kafkajs-tx        the same, each batch one Kafka transaction: its requests, sendOffsets of the producer's
//                     group (the checkpoint as offset metadata, as exactly-once mode does), commit.
//   platformatic      @platformatic/kafka, the same producers, batches and requests (idempotent: acks=all,
//                     one request in flight).
//   platformatic-tx   the same in transactions (addConsumer + addOffset + commit; no offset metadata: its API
//                     has no field for it).
//   kcat              kcat -P of the per-partition files, one process per partition (librdkafka: acks=all,
//                     idempotence, 1 request in flight, batch.size = one partition's share of a batch), as
//                     `npm run bench -- kafka` runs it: the limit.
// @confluentinc/kafka-javascript (librdkafka bindings) is measured when it is installed; `npm install` cannot
// build it here (see CONFLUENT below), and the report says so.
// Checks: at-least-once topics must hold exactly each partition's messages (end offsets, high − low);
// transactional topics are read back read_committed with kcat -C and counted per partition, and their end
// offsets must be the messages plus one commit marker per transaction and partition. A mismatch fails.
// The contenders' order rotates between runs. Results go to bench-results/kafka-clients-*.json.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { kafkaInstance, startKafka, stopKafka } from '../kafka-broker.mjs';
import { cutoverBuildProblem } from './cutover.mjs';
import { ROOT, checkTools, fmtInt, formatTable, hostInfo, intOption, parseOptions, reportAndSave, selectOnly, sleep, tail, timed } from './lib.mjs';
import { render } from './kafka-clients-messages.mjs';
import { createTopic, kcatSettings, kcatVersion, runKcat, topicCount } from './kafka.mjs';

export const summary = 'the same pre-rendered messages through patched kafkajs, @platformatic/kafka (plain and transactional) and kcat -P';

const PREFIX = 'bench-kclients';
const PORT_BASE = 33960; // broker 33992, its controller 33993
const PARTITIONS = 6;
const CONTENDERS = ['kafkajs', 'kafkajs-tx', 'platformatic', 'platformatic-tx', 'confluent', 'kcat'];
const NODE_CLIENTS = { kafkajs: 'kafkajs', 'kafkajs-tx': 'kafkajs', platformatic: 'platformatic', 'platformatic-tx': 'platformatic' };
const PACKAGES = { kafkajs: 'kafkajs', platformatic: '@platformatic/kafka', confluent: '@confluentinc/kafka-javascript' };
const CONFLUENT =
  '@confluentinc/kafka-javascript is not installed: `npm install` cannot build it on this machine (tried, 42 s): its prebuilt ' +
  'binary is downloaded from github.com (unreachable), and the fallback source build of its bundled librdkafka downloads the ' +
  'zlib, OpenSSL, zstd and curl sources from their own sites, which fail too.';
const BATCH_OVERHEAD = 128;
const INSTALL = 'sudo apt-get install -y kcat';

const HELP = `Usage: npm run bench -- kafka-clients [options]

Publishes the same pre-rendered Debezium messages (sysbench-like rows rendered by Cutover's formats) into
fresh ${PARTITIONS}-partition topics of a throwaway broker (127.0.0.1:${PORT_BASE + 32}) with each Kafka client, acks=all and
idempotent, and prints seconds, messages/s, peak RSS and the ratio to kcat -P. See the top of
scripts/bench/kafka-clients.mjs.

Options:
  --messages N    messages (rows), default 1000000
  --producers P   concurrent producers of the Node clients (Cutover's copy workers), default 4
  --batch B       rows per batch (per transaction in the -tx runs), default 10000 (Cutover's 2 MiB batch)
  --runs R        runs of every contender (default 1); the order rotates
  --only LIST     contenders, comma-separated: ${CONTENDERS.join(', ')}
  --keep          leave the broker running and the work dir
  -h, --help      this help
`;

export async function main(argv) {
  const { opts, exit } = parseOptions(
    argv,
    {
      messages: { type: 'string', default: '1000000' },
      producers: { type: 'string', default: '4' },
      batch: { type: 'string', default: '10000' },
      runs: { type: 'string', default: '1' },
      only: { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
    HELP,
  );
  if (!opts) return exit;
  const n = intOption(opts, 'messages', 1);
  const producers = intOption(opts, 'producers', 1);
  const batch = intOption(opts, 'batch', 1);
  const runs = intOption(opts, 'runs', 1);
  const only = selectOnly(opts.only, CONTENDERS, 'contender');
  if (!only) return 1;
  if (!checkTools(['kcat'], INSTALL)) return 1;
  const problem = cutoverBuildProblem();
  if (problem?.fatal) {
    console.error(problem.message);
    return 1;
  }
  if (problem) console.warn(`warning: ${problem.message}`);
  const versions = Object.fromEntries(Object.entries(PACKAGES).map(([k, p]) => [k, packageVersion(p)]));
  const skipped = {};
  for (const c of only) {
    const pkg = c === 'kcat' ? null : c === 'confluent' ? 'confluent' : NODE_CLIENTS[c];
    if (pkg && !versions[pkg]) skipped[c] = pkg === 'confluent' ? CONFLUENT : `${PACKAGES[pkg]} is not installed (npm ci)`;
    // No code path for the librdkafka bindings is kept until they can be built and checked here.
    else if (c === 'confluent') skipped[c] = `@confluentinc/kafka-javascript ${versions.confluent} is installed, but this harness has no run for it yet`;
  }
  const contenders = only.filter((c) => !skipped[c]);
  for (const [c, why] of Object.entries(skipped)) console.log(`${c}: not measured: ${why}`);

  const kinst = kafkaInstance(PREFIX, PORT_BASE);
  const work = mkdtempSync(join(tmpdir(), 'cutover-bench-kclients-'));
  const startedAt = new Date();
  const host = { ...hostInfo({ java: 'java' }), kcat: kcatVersion(), clients: versions };
  const results = [];
  let failed = false;
  let admin = null;
  try {
    const t0 = performance.now();
    console.log(`starting ${kinst.name} (${kinst.bootstrap}, fresh)…`);
    await startKafka(kinst, { fresh: true });
    console.log(`  broker started in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    admin = await kafkaAdminClient(kinst.bootstrap);
    const cluster = await admin.describeCluster();
    await createTopicRetrying(admin, 'bench.warmup');
    await createTopicRetrying(admin, 'bench.checkpoint', 1);
    await warmGroupCoordinator(admin); // creates __consumer_offsets, untimed
    const maxMessageBytes = 1_048_588; // the broker's default max.message.bytes (a fresh broker's topics)
    const budget = Math.max(1024, Math.floor(maxMessageBytes * 0.9) - BATCH_OVERHEAD);

    process.stdout.write(`rendering ${fmtInt(n)} sysbench-like rows as Debezium messages (Cutover's formats and partitioner)… `);
    const pr = await render({ work, rows: n, batch, budget, partitions: PARTITIONS });
    console.log(`${pr.seconds.toFixed(1)} s`);
    console.log(`  avg key+value ${pr.avgMessageBytes.toFixed(0)} B; per partition: ${pr.perPartition.map(fmtInt).join(' / ')}; ${fmtInt(pr.batches)} batches of ≤ ${fmtInt(batch)} rows in ${fmtInt(pr.requests)} requests`);
    const kcatConf = kcatSettings({ partitionBatchBytes: Math.round(Math.min(budget, pr.partitionShareBytes)) }, 1);
    console.log(`  node clients: ${producers} producers × 1 request in flight; kcat: ${PARTITIONS} processes, ${Object.entries(kcatConf).map(([k, v]) => `${k}=${v}`).join(' ')}`);

    process.stdout.write('warming the broker up (kcat, untimed)… ');
    const w = await runKcat(kinst.bootstrap, 'bench.warmup', pr.warmFiles, kcatConf, work, 'warmup');
    console.log(w.ok ? `${w.seconds.toFixed(1)} s` : `FAIL (${w.error})`);
    if (!w.ok) throw new Error(`kcat warm-up failed: ${w.error}\n${tail(w.log)}`);
    console.log('');

    for (let run = 1; run <= runs; run++) {
      const shift = (run - 1) % contenders.length;
      const order = [...contenders.slice(shift), ...contenders.slice(0, shift)];
      const res = { run, order };
      console.log(`run ${run}/${runs} (${order.join(', ')})`);
      for (const who of order) {
        await sleep(1000);
        const topic = `bench.${who}.r${run}`;
        await createTopicRetrying(admin, topic);
        process.stdout.write(`  ${who.padEnd(16)}… `);
        const r = who === 'kcat' ? await kcatRun(kinst, topic, pr, kcatConf, work, run) : await nodeRun(who, kinst, topic, pr, producers, work, run, cluster.controller ?? cluster.brokers[0].nodeId);
        r.rowsPerSec = r.ok ? n / r.seconds : null;
        if (r.ok) await check(r, admin, kinst.bootstrap, topic, pr, who.endsWith('-tx'));
        if (r.ok)
          console.log(`${r.seconds.toFixed(2)} s, ${fmtInt(r.rowsPerSec)} msg/s, peak RSS ${r.peakRssMB?.toFixed(0) ?? '?'} MB; ${fmtInt(r.messages)} messages counted back${r.sendSeconds != null ? ` (sending ${r.sendSeconds.toFixed(2)} s)` : ''}${checkpointText(r)}`);
        else {
          failed = true;
          console.log(`FAIL (${r.error})${r.log ? `\n--- last lines of ${r.log}:\n${tail(r.log)}\n---` : ''}`);
        }
        res[who] = r;
      }
      results.push(res);
      console.log('');
    }

    const report = summarize(results, contenders, skipped, n);
    reportAndSave({ bench: 'kafka-clients', startedAt, host, report, results, ok: !failed }, {
      data: { rows: n, partitions: PARTITIONS, format: 'debezium', avgMessageBytes: pr.avgMessageBytes, perPartition: pr.perPartition, batches: pr.batches, requests: pr.requests },
      options: { runs, producers, batch, only },
      baseline: { kcat: kcatConf },
      skipped,
    });
  } finally {
    await admin?.disconnect().catch(() => undefined);
    if (opts.keep) console.log(`--keep: broker ${kinst.bootstrap} left running; files in ${work}`);
    else {
      await stopKafka(kinst, { wipe: true });
      if (!failed) rmSync(work, { recursive: true, force: true });
      else {
        for (const f of ['messages.bin', ...Array.from({ length: PARTITIONS }, (_, p) => [`p${p}.tsv`, `warm-p${p}.tsv`]).flat()]) rmSync(join(work, f), { force: true });
        console.log(`logs kept in ${work}`);
      }
      console.log('broker stopped and wiped');
    }
  }
  if (failed) console.log('FAIL: a contender failed or its topic does not hold the expected messages (see above)');
  return failed ? 1 : 0;
}

function packageVersion(name) {
  try {
    return JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

/** Creates a topic, retrying while a fresh broker still answers that it hosts no such partition (up to 30 s). */
async function createTopicRetrying(admin, topic, partitions = PARTITIONS) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if (partitions === PARTITIONS) await createTopic(admin, topic);
      else await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
      return;
    } catch (e) {
      if (Date.now() > deadline || !/does not host this topic-partition|leader|UNKNOWN_TOPIC/i.test(`${e?.type ?? ''} ${e?.message ?? ''}`)) throw e;
      await sleep(500);
    }
  }
}

async function kafkaAdminClient(bootstrap) {
  const m = await import('kafkajs');
  const { Kafka, logLevel } = m.default ?? m;
  const admin = new Kafka({ clientId: 'cutover-bench-kclients', brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  return admin;
}

async function kcatRun(kinst, topic, pr, conf, work, run) {
  const k = await runKcat(kinst.bootstrap, topic, pr.files, conf, work, `r${run}`);
  return { topic, ok: k.ok, seconds: k.seconds, peakRssMB: k.rssKiB != null ? k.rssKiB / 1024 : null, error: k.error, log: k.ok ? undefined : k.log };
}

async function nodeRun(who, kinst, topic, pr, producers, work, run, coordinatorId) {
  const log = join(work, `${who}-r${run}.log`);
  const group = `cutover-bench-${who}-r${run}`;
  const spec = { client: NODE_CLIENTS[who], file: pr.file, bootstrap: kinst.bootstrap, topic, producers, tx: who.endsWith('-tx'), checkpointTopic: 'bench.checkpoint', group, coordinatorId };
  const script = join(ROOT, 'scripts/bench/kafka-client-producer.mjs');
  const t = await timed(process.execPath, [script, JSON.stringify(spec)], { log, rssFile: join(work, `${who}-r${run}.rss`) });
  const last = readFileSync(log, 'utf8').trim().split('\n').pop() ?? '';
  let report = null;
  try {
    report = JSON.parse(last);
  } catch {
    /* no report: the process died */
  }
  const r = { topic, ok: t.code === 0 && report?.ok === true, seconds: t.seconds, peakRssMB: t.rssKiB != null ? t.rssKiB / 1024 : null };
  if (report?.ok)
    Object.assign(r, { group, sendSeconds: report.sendSeconds, connectSeconds: report.connectSeconds, sent: report.messages, perPartitionTx: report.perPartitionTx, perProducerTx: report.perProducerTx });
  if (!r.ok) Object.assign(r, { error: report?.error?.split('\n').filter((l) => !/^\s+at /.test(l)).join(' ') ?? `exit ${t.code}${t.error ? `, ${t.error}` : ''}`, log });
  return r;
}

/** Counts the topic back: end offsets (plus one commit marker per transaction and partition), and a read_committed read of the transactional ones. */
async function check(r, admin, bootstrap, topic, pr, transactional) {
  const expected = pr.perPartition.map((m, p) => m + (transactional ? (r.perPartitionTx?.[p] ?? 0) : 0));
  // End offsets are read at READ_COMMITTED (the last stable offset): a committed transaction's markers are
  // written by the coordinator after EndTxn has answered, so they may lag the producer's exit briefly.
  const deadline = Date.now() + (transactional ? 30_000 : 0);
  let count;
  let bad;
  for (;;) {
    count = await topicCount(admin, topic);
    bad = count.parts.filter((p) => p.count !== expected[p.partition]);
    if ((!bad.length && count.parts.length === PARTITIONS) || Date.now() > deadline) break;
    await sleep(250);
  }
  if (bad.length || count.parts.length !== PARTITIONS) {
    r.ok = false;
    r.error = `end offsets of ${topic}: ${count.parts.map((p) => p.count).join('/')}, expected ${expected.join('/')}${transactional ? ' (messages + commit markers)' : ''}`;
    return;
  }
  if (!transactional) {
    r.messages = count.total;
    return;
  }
  // Every producer that committed a transaction left its group's offset (and, where the client can, the checkpoint text).
  r.checkpoints = { producers: 0, committed: 0, withMetadata: 0 };
  for (let i = 0; i < r.perProducerTx.length; i++) {
    if (!r.perProducerTx[i]) continue;
    r.checkpoints.producers++;
    const [t] = await admin.fetchOffsets({ groupId: `${r.group}-${i}`, topics: ['bench.checkpoint'] });
    const part = t?.partitions.find((x) => x.partition === 0);
    if (part && Number(part.offset) >= 1) r.checkpoints.committed++;
    if (part?.metadata) r.checkpoints.withMetadata++;
  }
  if (r.checkpoints.committed !== r.checkpoints.producers) {
    r.ok = false;
    r.error = `${r.checkpoints.committed} of ${r.checkpoints.producers} producers' groups hold a committed offset`;
    return;
  }
  const read = await readCommitted(bootstrap, topic);
  r.messages = read.reduce((a, b) => a + b, 0);
  if (read.some((c, p) => c !== pr.perPartition[p])) {
    r.ok = false;
    r.error = `read_committed read of ${topic}: ${read.join('/')} messages, expected ${pr.perPartition.join('/')}`;
  }
}

const checkpointText = (r) =>
  r.checkpoints ? `; ${sumTx(r)} transactions, ${r.checkpoints.committed}/${r.checkpoints.producers} groups' offsets committed, ${r.checkpoints.withMetadata} with the checkpoint as metadata` : '';
const sumTx = (r) => (r.perProducerTx ?? []).reduce((a, b) => a + b, 0);

/** Asks for a group's offsets until the broker has its group coordinator (the first ask creates __consumer_offsets). */
async function warmGroupCoordinator(admin) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await admin.fetchOffsets({ groupId: 'cutover-bench-warmup', topics: ['bench.checkpoint'] });
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await sleep(500);
    }
  }
}

/** Messages per partition a read_committed consumer sees (kcat -C). */
function readCommitted(bootstrap, topic) {
  return new Promise((resolve, reject) => {
    const counts = new Array(PARTITIONS).fill(0);
    const child = spawn('kcat', ['-C', '-b', bootstrap, '-t', topic, '-o', 'beginning', '-e', '-q', '-X', 'isolation.level=read_committed', '-f', '%p\n'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    let rest = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      const lines = (rest + d).split('\n');
      rest = lines.pop();
      for (const l of lines) if (l) counts[Number(l)]++;
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(counts) : reject(new Error(`kcat -C ${topic} exited with ${code}: ${err.trim()}`))));
  });
}

function summarize(results, contenders, skipped, rows) {
  const table = [];
  const perClient = {};
  for (const res of results) {
    const k = res.kcat;
    for (const c of contenders) {
      const x = res[c];
      const ratio = x?.ok && k?.ok ? k.seconds / x.seconds : null;
      if (x?.ok) (perClient[c] ??= []).push({ seconds: x.seconds, ratio, rss: x.peakRssMB });
      table.push([
        `${res.run}`,
        c,
        x?.ok ? fmtInt(x.messages) : '-',
        x?.ok ? x.seconds.toFixed(2) : 'FAIL',
        x?.ok ? fmtInt(x.rowsPerSec) : '-',
        x?.sendSeconds != null ? x.sendSeconds.toFixed(2) : '-',
        x?.peakRssMB != null ? x.peakRssMB.toFixed(0) : '-',
        ratio != null ? `${ratio.toFixed(2)}×` : '-',
      ]);
    }
  }
  const lines = [formatTable(['run', 'client', 'messages', 'seconds', 'msg/s', 'send s', 'peak RSS MB*', '× kcat'], table)];
  lines.push(`(${fmtInt(rows)} Debezium messages, ${PARTITIONS} partitions, acks=all, idempotent; seconds: the whole process; send s: first send to last acknowledgement;`);
  lines.push(` × kcat: kcat's seconds / the client's in the same run (throughput ratio); *kcat: sum of its ${PARTITIONS} processes)`);
  for (const c of contenders.filter((c) => c.endsWith('-tx'))) {
    const x = results.map((res) => res[c]).find((x) => x?.ok);
    if (x) lines.push(`${c}: one transaction per batch (${sumTx(x)}), each with an offset commit${x.checkpoints.withMetadata ? ' carrying the checkpoint as metadata' : ' (no offset metadata: the client cannot send it)'}; read back read_committed`);
  }
  for (const [c, why] of Object.entries(skipped)) lines.push(`${c}: not measured: ${why}`);
  const ratios = {};
  for (const [c, xs] of Object.entries(perClient)) {
    const rs = xs.map((x) => x.ratio).filter((x) => x != null);
    if (c !== 'kcat' && rs.length) ratios[c] = rs.reduce((a, b) => a + b, 0) / rs.length;
  }
  if (Object.keys(ratios).length) lines.push('', `mean throughput × kcat: ${Object.entries(ratios).map(([c, v]) => `${c} ${v.toFixed(2)}×`).join(', ')}`);
  return { text: lines.join('\n'), ratios, targets: {} };
}
