// The Debezium peer of `npm run bench -- kafka`: Kafka Connect standalone with Debezium's MariaDB connector
// (scripts/kafka-connect.mjs, jars from Maven Central) snapshots the same sysbench table into a fresh topic
// prefix on the same broker, with the throughput settings of issue 17: max.batch.size=8192,
// max.queue.size=32768, producer linger.ms=5 (batch.size 256 KiB), 6 partitions created by Connect,
// JsonConverter without schemas, decimal.handling.mode=string, no snapshot locks.
// Timed from the spawn of the Connect JVM (JVM start and plugin loading included, as Cutover's node start
// and preflight are in its time) until the table's topic holds every row (sum of the partitions' high
// watermarks, polled every 100 ms). Also reported: the worker's CPU time (user + sys of the JVM, from
// /proc at the end) and its peak RSS (VmHWM).
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { connectInstance, connectLogTail, connectPaths, cpuSeconds, debeziumMariadbConnector, fetchConnectJars, startConnect, stopConnect } from '../kafka-connect.mjs';
import { sleep } from './lib.mjs';

export const DEBEZIUM_SETTINGS = {
  'max.batch.size': 8192,
  'max.queue.size': 32768,
  'producer.override.linger.ms': 5,
  'producer.override.batch.size': 262144,
  'decimal.handling.mode': 'string',
  'bigint.unsigned.handling.mode': 'precise',
};

/** The Connect JVM's peak RSS in KiB (VmHWM), or null. */
function peakRssKiB(pid) {
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
 * One timed Debezium snapshot of `db.table` (`rows` rows) into `<topicPrefix>.<db>.<table>`.
 * @param {{ prefix: string, portBase: number, bootstrap: string, sourcePort: number, user: string, password: string, db: string, table: string, rows: number, topicPrefix: string, partitions: number, admin: any, serverId: number, timeoutMs?: number }} o
 */
export async function runDebezium(o) {
  const inst = connectInstance(o.prefix, o.portBase);
  const topic = `${o.topicPrefix}.${o.db}.${o.table}`;
  const connector = debeziumMariadbConnector(inst, {
    name: o.topicPrefix.replace(/[^A-Za-z0-9_-]/g, '_'),
    port: o.sourcePort,
    user: o.user,
    password: o.password,
    serverId: o.serverId,
    topicPrefix: o.topicPrefix,
    databases: [o.db],
    partitions: o.partitions,
    extra: { 'table.include.list': `${o.db}.${o.table}`, ...DEBEZIUM_SETTINGS },
  });
  const t0 = performance.now();
  let pid = null;
  try {
    ({ pid } = await startConnect(inst, { bootstrap: o.bootstrap, connectors: [connector], schemas: false }));
    const running = (performance.now() - t0) / 1000;
    const deadline = Date.now() + (o.timeoutMs ?? 30 * 60_000);
    let have = 0;
    for (;;) {
      have = await topicTotal(o.admin, topic);
      if (have >= o.rows) break;
      if (Date.now() > deadline) throw new Error(`${topic} holds ${have} of ${o.rows} messages after ${(o.timeoutMs ?? 30 * 60_000) / 1000} s`);
      await sleep(100);
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds(pid);
    const rssKiB = peakRssKiB(pid);
    return { ok: have === o.rows, seconds, runningAfter: running, cpuSeconds: cpu, rssKiB, topic, messages: have, error: have === o.rows ? undefined : `${topic} holds ${have} messages, expected ${o.rows}` };
  } catch (e) {
    return { ok: false, seconds: (performance.now() - t0) / 1000, topic, error: e instanceof Error ? e.message : String(e), log: connectLogTail(connectPaths(inst).out, 30) };
  } finally {
    await stopConnect(inst, { wipe: true });
  }
}

/** Sum of a topic's high watermarks (0 while it does not exist). */
async function topicTotal(admin, topic) {
  try {
    const offs = await admin.fetchTopicOffsets(topic);
    return offs.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  } catch {
    return 0;
  }
}
