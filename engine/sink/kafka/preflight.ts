// Kafka sink preflight checks (part of the `cutover run` / check report): the brokers answer, the
// broker's message size limit against the largest rows the job will publish, and whether Cutover may
// create the topics it needs.
import { randomBytes } from 'node:crypto';
import type { KafkaSinkConfig } from '../../../shared/job-config.js';
import type { CheckItem } from '../../../shared/preflight.js';
import type { RowEstimate } from '../../core/row-sizes.js';
import type { SinkPreflightContext } from '../driver.js';
import { AUTHZ, kafkaClient, kafkaErrorText, kafkaSecurity, protocolType, unreachable } from '../../kafka/client.js';
import { brokerMessageMaxBytes, DEFAULT_MESSAGE_MAX_BYTES } from './kafka-sink.js';

/** One table's estimated largest message. */
export interface MessageEstimate {
  table: string;
  /** Estimated bytes of the largest message (JSON), and whether its row was measured or guessed from averages. */
  bytes: number;
  measured: boolean;
}

/** JSON of a row: base64 of binary (4/3), escapes, column names, envelope: about twice the stored bytes. */
const JSON_FACTOR = 2;
const ENVELOPE = 1024;

/** The largest message per table from the source's row sizes (its largest row when measured, else its average row), largest first. Pure. */
export function messageEstimates(rows: readonly RowEstimate[]): MessageEstimate[] {
  return rows
    .map((r) => ({ table: r.table, bytes: Math.round((r.largestBytes ?? r.averageBytes) * JSON_FACTOR + ENVELOPE), measured: r.largestBytes !== null }))
    .sort((a, b) => b.bytes - a.bytes);
}

const mib = (n: number): string => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(n / 1024)} KiB`);

/** The Kafka sink's preflight (its descriptor's sinkCheck): adds its items, never throws for a failed check. */
export async function checkKafkaSink(cfg: KafkaSinkConfig, ctx: SinkPreflightContext): Promise<{ flavor?: string; version?: string }> {
  const rows = ctx.source ? await ctx.source.estimateRows(ctx.sourceTables).then(messageEstimates, () => undefined) : undefined;
  await checkBrokers(cfg, ctx.items, rows);
  return {};
}

async function checkBrokers(cfg: KafkaSinkConfig, items: CheckItem[], rows: MessageEstimate[] | undefined): Promise<void> {
  const push = (i: Omit<CheckItem, 'side'>): void => void items.push({ side: 'sink', ...i });
  const brokers = cfg.brokers;
  const admin = kafkaClient({ brokers, clientId: cfg.clientId ?? 'cutover-preflight', retries: 2, ...kafkaSecurity(cfg) }).admin();
  try {
    let cluster;
    try {
      await admin.connect();
      cluster = await admin.describeCluster();
    } catch (e) {
      const err = unreachable(brokers, e);
      push({ id: 'sink.connect', title: 'Kafka brokers', status: 'fail', detail: err.message, fix: err.fix });
      return;
    }
    push({
      id: 'sink.connect',
      title: 'Kafka brokers',
      status: 'pass',
      detail: `Cluster ${cluster.clusterId}: ${cluster.brokers.length} broker(s) (${cluster.brokers.map((b) => `${b.host}:${b.port}`).join(', ')}), controller ${cluster.controller ?? 'unknown'}.`,
    });

    // --- the message size limit against the largest rows
    let limit: number | null = null;
    try {
      limit = await brokerMessageMaxBytes(admin, cluster.brokers[0]?.nodeId);
    } catch (e) {
      push({ id: 'sink.message_max_bytes', title: 'Message size limit', status: 'warn', detail: `Could not read the broker's message.max.bytes: ${kafkaErrorText(e)}; assuming the default ${mib(DEFAULT_MESSAGE_MAX_BYTES)}.` });
    }
    const max = limit ?? DEFAULT_MESSAGE_MAX_BYTES;
    const over = (rows ?? []).filter((r) => r.bytes > max);
    if (over.length)
      push({
        id: 'sink.message_max_bytes',
        title: 'Message size limit',
        status: 'warn',
        detail:
          `message.max.bytes = ${mib(max)}; the largest ${cfg.format} message of ${over.length} table(s) may be larger (${over.map((r) => `${r.table} ≈ ${mib(r.bytes)}${r.measured ? '' : ' (estimated from the average row)'}`).slice(0, 5).join(', ')}). ` +
          'A row over the limit pauses the job with its key; nothing is skipped.',
        fix: `Raise message.max.bytes on the brokers (or max.message.bytes on the topics) to at least ${mib(over[0]!.bytes * 1.25)}, and the consumers' max.partition.fetch.bytes, or exclude the large columns ("columns": {"db.table": {"exclude": [...]}}).`,
        tables: over.map((r) => r.table),
      });
    else if (limit !== null || rows)
      push({
        id: 'sink.message_max_bytes',
        title: 'Message size limit',
        status: 'pass',
        detail: `message.max.bytes = ${mib(max)}${rows?.length ? `; largest estimated message ${mib(rows[0]!.bytes)} (${rows[0]!.table})` : ''}.`,
      });

    // --- topic creation: a validate-only CreateTopics request creates nothing
    const probe = `cutover-preflight-${randomBytes(4).toString('hex')}`;
    try {
      await admin.createTopics({ validateOnly: true, waitForLeaders: false, topics: [{ topic: probe, numPartitions: cfg.partitions, replicationFactor: cfg.replicationFactor }] });
      push({
        id: 'sink.create_topics',
        title: 'Create topics',
        status: 'pass',
        detail: `Missing topics can be created with ${cfg.partitions} partition(s) and replication factor ${cfg.replicationFactor}.`,
      });
    } catch (e) {
      const type = protocolType(e);
      const create = `kafka-topics.sh --bootstrap-server ${brokers[0]} --create --topic <topic> --partitions ${cfg.partitions} --replication-factor ${cfg.replicationFactor}`;
      if (type && AUTHZ.has(type))
        push({
          id: 'sink.create_topics',
          title: 'Create topics',
          status: 'warn',
          detail: `Cutover may not create topics (${type}): every topic the job publishes to must exist beforehand.`,
          fix: `kafka-acls.sh --bootstrap-server ${brokers[0]} --add --allow-principal User:<cutover> --operation Create --cluster; or create each topic: ${create}`,
        });
      else if (type === 'INVALID_REPLICATION_FACTOR')
        push({
          id: 'sink.create_topics',
          title: 'Create topics',
          status: 'fail',
          detail: `"replicationFactor": ${cfg.replicationFactor} is more than the ${cluster.brokers.length} broker(s) of the cluster.`,
          fix: `Set "sink": {"replicationFactor": ${Math.max(1, Math.min(cfg.replicationFactor, cluster.brokers.length))}} (at most the number of brokers).`,
        });
      else push({ id: 'sink.create_topics', title: 'Create topics', status: 'warn', detail: `Could not be checked: ${kafkaErrorText(e)}` });
    }
    // --- exactly-once: the transaction state log must be placeable on this cluster
    if (cfg.exactlyOnce) {
      try {
        const nodeId = cluster.brokers[0]?.nodeId;
        const r = await admin.describeConfigs({
          includeSynonyms: false,
          resources: [{ type: 4 /* BROKER */, name: String(nodeId), configNames: ['transaction.state.log.replication.factor', 'transaction.state.log.min.isr', 'transaction.max.timeout.ms'] }],
        });
        const v = (n: string): number => Number(r.resources[0]?.configEntries.find((c) => c.configName === n)?.configValue);
        const rf = v('transaction.state.log.replication.factor');
        const maxTimeout = v('transaction.max.timeout.ms');
        if (Number.isFinite(rf) && rf > cluster.brokers.length)
          push({
            id: 'sink.transactions',
            title: 'Kafka transactions',
            status: 'fail',
            detail: `"exactlyOnce" needs transactions, but transaction.state.log.replication.factor = ${rf} is more than the ${cluster.brokers.length} broker(s): the brokers cannot create their transaction log, and every transaction would time out.`,
            fix: `Set transaction.state.log.replication.factor (and transaction.state.log.min.isr) to at most ${cluster.brokers.length} in the brokers' server.properties and restart them, or set "exactlyOnce": false.`,
          });
        else if (Number.isFinite(maxTimeout) && maxTimeout < 60_000)
          push({
            id: 'sink.transactions',
            title: 'Kafka transactions',
            status: 'fail',
            detail: `transaction.max.timeout.ms = ${maxTimeout} is below the 60,000 ms Cutover's transactions ask for (long enough to ride out a broker restart).`,
            fix: 'Raise transaction.max.timeout.ms on the brokers to at least 60000, or set "exactlyOnce": false.',
          });
        else push({ id: 'sink.transactions', title: 'Kafka transactions', status: 'pass', detail: `Transactions available (transaction.state.log.replication.factor = ${Number.isFinite(rf) ? rf : 'unknown'}).` });
      } catch (e) {
        push({ id: 'sink.transactions', title: 'Kafka transactions', status: 'warn', detail: `Could not be checked: ${kafkaErrorText(e)}` });
      }
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
