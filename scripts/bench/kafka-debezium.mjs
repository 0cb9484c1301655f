// The Debezium peer of `npm run bench -- kafka`: Kafka Connect standalone with Debezium's MariaDB connector
// (scripts/kafka-connect.mjs, jars from Maven Central) snapshots the same sysbench table into a fresh topic
// prefix on the same broker, with the throughput settings of issue 17: max.batch.size=8192,
// max.queue.size=32768, producer linger.ms=5 (batch.size 256 KiB), 6 partitions created by Connect,
// JsonConverter without schemas, decimal.handling.mode=string, no snapshot locks, and
// snapshot.mode=initial_only: the table is snapshotted and the connector does not go on to stream the
// binlog (the copy is what is compared; `initial` would start streaming after the snapshot, which
// Debezium 3.5's MariaDB connector has failed to do here with a NullPointerException on its GTID set).
//
// The worker is started empty (untimed: JVM start and plugin loading), then the connector is created
// through Connect's REST API (POST /connectors). Timed: from that request to the broker's append of the
// table topic's last message (the topic is created by Connect with message.timestamp.type=LogAppendTime,
// so a message's timestamp is when the broker appended it; the largest one, read back with kcat -C, ends
// the time). The wait for the messages polls the topic's offsets and the connector's status every
// second: a FAILED connector or task (its trace summarized), an exited worker, no new message for
// `stallMs` or no complete topic within `timeoutMs` ends the run with what it waited for. Then every
// message is read back: each key {"id":N} must be one of the table's ids 1..rows, each exactly once.
// Also reported: the worker's CPU time (user + sys of the JVM, from /proc: at the connector's creation
// and at the end, so the snapshot's own share is known) and its peak RSS (VmHWM).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { connectFailure, connectInstance, connectLogTail, connectPaths, cpuSeconds, createConnector, debeziumMariadbConnector, fetchConnectJars, startConnect, stopConnect, waitConnectorsRunning } from '../kafka-connect.mjs';
import { fmtInt, processCpuSeconds, waitForCount } from './lib.mjs';

export const DEBEZIUM_SETTINGS = {
  'snapshot.mode': 'initial_only',
  'max.batch.size': 8192,
  'max.queue.size': 32768,
  'producer.override.linger.ms': 5,
  'producer.override.batch.size': 262144,
  'decimal.handling.mode': 'string',
  'bigint.unsigned.handling.mode': 'precise',
};

/** A process's peak RSS in KiB (VmHWM), or null. */
export function peakRssKiB(pid) {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Makes sure the jars are cached before anything is timed. */
export async function prepareDebezium() {
  return fetchConnectJars();
}

/**
 * One timed Debezium snapshot of `db.table` (`rows` rows, ids 1..rows) into `<topicPrefix>.<db>.<table>`.
 * `serverPids` (the broker's, the source's): their CPU time from the connector's creation to the end.
 * @param {{ prefix: string, portBase: number, bootstrap: string, sourcePort: number, user: string, password: string, db: string, table: string, rows: number, topicPrefix: string, partitions: number, admin: any, serverId: number, serverPids?: Record<string, number | null>, timeoutMs?: number, stallMs?: number }} o
 */
export async function runDebezium(o) {
  const inst = connectInstance(o.prefix, o.portBase);
  const topic = `${o.topicPrefix}.${o.db}.${o.table}`;
  const name = o.topicPrefix.replace(/[^A-Za-z0-9_-]/g, '_');
  const connector = debeziumMariadbConnector(inst, {
    name,
    port: o.sourcePort,
    user: o.user,
    password: o.password,
    serverId: o.serverId,
    topicPrefix: o.topicPrefix,
    databases: [o.db],
    partitions: o.partitions,
    extra: { 'table.include.list': `${o.db}.${o.table}`, 'topic.creation.default.message.timestamp.type': 'LogAppendTime', ...DEBEZIUM_SETTINGS },
  });
  const timeoutMs = o.timeoutMs ?? 30 * 60_000;
  const stallMs = o.stallMs ?? 5 * 60_000;
  const spawnedAt = Date.now();
  let pid = null;
  let phase = 'starting the Kafka Connect worker';
  try {
    ({ pid } = await startConnect(inst, { bootstrap: o.bootstrap, connectors: [] }));
    const workerReady = (Date.now() - spawnedAt) / 1000;
    const cpuAtCreate = cpuSeconds(pid);
    const servers = Object.entries(o.serverPids ?? {});
    const serversAtCreate = servers.map(([, p]) => (p == null ? null : processCpuSeconds(p)));
    phase = 'creating the connector';
    const createdAt = Date.now();
    const t0 = performance.now();
    await createConnector(inst, connector);
    phase = 'waiting for its task to run';
    await waitConnectorsRunning(inst, [name], { pid, timeoutMs: 180_000, what: `Debezium connector ${name}` });
    const runningAfter = (performance.now() - t0) / 1000;
    phase = `waiting for ${fmtInt(o.rows)} messages in ${topic}`;
    const w = await waitForCount({
      what: `messages in ${topic}`,
      want: o.rows,
      count: () => topicTotal(o.admin, topic),
      failure: () => connectFailure(inst, [name], pid),
      timeoutMs,
      stallMs,
      pollMs: 1000, // the time comes from the messages' append timestamps: polling often would only load the broker
    });
    const polledSeconds = (w.at - t0) / 1000;
    const cpuEnd = cpuSeconds(pid);
    const serverCpu = Object.fromEntries(
      servers.map(([k, p], i) => {
        const now = p == null ? null : processCpuSeconds(p);
        return [k, now == null || serversAtCreate[i] == null ? null : now - serversAtCreate[i]];
      }),
    );
    const rssKiB = peakRssKiB(pid);
    phase = `reading ${topic} back`;
    const v = await readBack(o.bootstrap, topic, o.rows);
    const problems = [];
    if (w.have !== o.rows) problems.push(`${topic} holds ${fmtInt(w.have)} messages, expected ${fmtInt(o.rows)}`);
    if (v.seen !== o.rows || v.distinct !== o.rows || v.duplicate || v.unknown) problems.push(`read back ${fmtInt(v.seen)} messages: ${fmtInt(v.distinct)} of ${fmtInt(o.rows)} ids, ${v.duplicate} duplicate(s), ${v.unknown} unknown key(s)${v.examples.length ? ` (${v.examples.join('; ')})` : ''}`);
    if (v.timestampType !== 'LogAppendTime') problems.push(`${topic}'s messages carry ${v.timestampType ?? 'no'} timestamps, not LogAppendTime: the end of the copy is not known`);
    const seconds = (v.lastAppend - createdAt) / 1000;
    return {
      ok: !problems.length,
      error: problems.length ? problems.join('; ') : undefined,
      seconds,
      fromSpawnSeconds: (v.lastAppend - spawnedAt) / 1000,
      workerReadySeconds: workerReady,
      runningAfter,
      polledSeconds,
      cpuSeconds: cpuEnd,
      snapshotCpuSeconds: cpuEnd != null && cpuAtCreate != null ? cpuEnd - cpuAtCreate : null,
      serverCpu,
      rssKiB,
      topic,
      messages: w.have,
      perPartition: v.perPartition,
    };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return { ok: false, seconds: (Date.now() - spawnedAt) / 1000, topic, error: `${phase}: ${msg}`, log: msg.includes('Last lines of') ? undefined : connectLogTail(connectPaths(inst).out, 30) };
  } finally {
    await stopConnect(inst, { wipe: true });
  }
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

/**
 * Reads every message of `topic` (kcat -C: partition, key, timestamp): which ids 1..rows its keys hold,
 * how often, and the largest (broker append) timestamp.
 */
function readBack(bootstrap, topic, rows) {
  const seen = new Uint8Array(rows + 1);
  const v = { seen: 0, distinct: 0, duplicate: 0, unknown: 0, lastAppend: 0, timestampType: null, perPartition: [], examples: [] };
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', ['-C', '-b', bootstrap, '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%p\t%k\t%T\n'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const rl = createInterface({ input: child.stdout, crlfDelay: Infinity });
    rl.on('line', (line) => {
      const [p, key, ts] = line.split('\t');
      v.seen++;
      v.perPartition[Number(p)] = (v.perPartition[Number(p)] ?? 0) + 1;
      v.lastAppend = Math.max(v.lastAppend, Number(ts));
      const m = /^\{"id":(\d+)\}$/.exec(key ?? '');
      const id = m ? Number(m[1]) : -1;
      if (!(id >= 1 && id <= rows)) {
        v.unknown++;
        if (v.examples.length < 3) v.examples.push(`key ${key}`);
      } else if (seen[id]) {
        v.duplicate++;
        if (v.examples.length < 3) v.examples.push(`id ${id} twice`);
      } else (seen[id] = 1), v.distinct++;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`kcat -C ${topic} exited with ${code}: ${err.trim()}`));
      timestampType(bootstrap, topic).then((t) => resolve({ ...v, timestampType: t }), reject);
    });
  });
}

/** The timestamp type of a topic's first message ("LogAppendTime", "CreateTime"), from kcat -C -J. */
function timestampType(bootstrap, topic) {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', ['-C', '-b', bootstrap, '-t', topic, '-o', 'beginning', '-c', '1', '-e', '-q', '-J'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', () => {
      try {
        const j = JSON.parse(out.trim().split('\n')[0]);
        resolve(j.tstype === 'logappend' ? 'LogAppendTime' : j.tstype === 'create' ? 'CreateTime' : String(j.tstype ?? 'unknown'));
      } catch {
        resolve(null);
      }
    });
  });
}
