// The kafkajs client as Cutover uses it (the Kafka sink, its preflight, and the Kafka source): its logs
// routed into Cutover's logger, its errors sorted into "the broker refused this" and "the broker could not be reached".
import kafkajs from 'kafkajs';
import type { ISocketFactory, Kafka, LogEntry, SASLOptions } from 'kafkajs';
import { CutoverError } from '../../shared/errors.js';
import type { SaslConfig, TlsSettings } from '../../shared/job-endpoints.js';
import { tlsConnectionOptions } from '../core/tls-files.js';
import type { Logger } from '../core/logger.js';

export { kafkajs };

// Partitions are chosen by Cutover (partition.ts); the client's partitioner is never consulted, and its
// warning about the kafkajs 2 default would only go to the console.
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  log?: Logger;
  /** ms per connection attempt (default 3000). */
  connectionTimeout?: number;
  /** kafkajs's own retries of one request (default: 3, starting at 300 ms). */
  retries?: number;
  /** TLS towards the brokers (files read now) and the SASL login, from the resolved sink config. */
  tls?: TlsSettings;
  sasl?: SaslConfig;
  /** How connections are opened (kafkajs socketFactory); default: kafkajs's own. */
  socketFactory?: ISocketFactory;
  /** Where the TLS settings are in the job file, for messages (default "sink.tls"). */
  tlsPath?: string;
}

/** The security part of KafkaClientOptions from a resolved sink config, for every client of one sink. */
export function kafkaSecurity(cfg: { tls?: TlsSettings; sasl?: SaslConfig }): Pick<KafkaClientOptions, 'tls' | 'sasl'> {
  return { tls: cfg.tls, sasl: cfg.sasl };
}

/**
 * A kafkajs client whose log lines go to Cutover's log at debug level: kafkajs logs a retried request as
 * ERROR (a broker restarting, a leader moving), which is noise next to Cutover's own errors — a
 * failure that matters reaches the job as an exception with the broker's words.
 */
export function kafkaClient(o: KafkaClientOptions): Kafka {
  const log = o.log;
  const ssl = tlsConnectionOptions(o.tls, o.tlsPath ?? 'sink.tls');
  return new kafkajs.Kafka({
    clientId: o.clientId,
    brokers: o.brokers,
    ...(ssl ? { ssl } : {}),
    ...(o.sasl ? { sasl: { mechanism: o.sasl.mechanism, username: o.sasl.username, password: o.sasl.password } as SASLOptions } : {}),
    ...(o.socketFactory ? { socketFactory: o.socketFactory } : {}),
    connectionTimeout: o.connectionTimeout ?? 3000,
    requestTimeout: 30_000,
    retry: { retries: o.retries ?? 3, initialRetryTime: 300, maxRetryTime: 5000 },
    logLevel: log ? kafkajs.logLevel.INFO : kafkajs.logLevel.NOTHING,
    logCreator:
      () =>
      ({ namespace, level, log: entry }: LogEntry) => {
        if (!log) return;
        const { message, timestamp: _t, logger: _l, ...rest } = entry as LogEntry['log'] & { logger?: string };
        void _t;
        void _l;
        const extra = Object.entries(rest)
          .filter(([k, v]) => v !== undefined && k !== 'stack')
          .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
          .join(' ');
        log.debug(`kafkajs ${kafkajs.logLevel[level] ?? level} ${namespace}: ${message}${extra ? ` (${extra})` : ''}`);
      },
  });
}

interface KafkaErrorLike {
  name?: string;
  type?: string;
  code?: string | number;
  message?: string;
  retriable?: boolean;
  cause?: unknown;
  originalError?: unknown;
  errors?: unknown[];
}

/** The error and everything it wraps (cause, originalError, aggregated errors), outermost first. */
export function errorChain(e: unknown): KafkaErrorLike[] {
  const out: KafkaErrorLike[] = [];
  const queue: unknown[] = [e];
  while (queue.length && out.length < 20) {
    const x = queue.shift() as KafkaErrorLike | null | undefined;
    if (!x || typeof x !== 'object' || out.includes(x)) continue;
    out.push(x);
    queue.push(x.cause, x.originalError, ...(Array.isArray(x.errors) ? x.errors : []));
  }
  return out;
}

/** The broker's error type (e.g. MESSAGE_TOO_LARGE) anywhere in the chain, or null. */
export function protocolType(e: unknown): string | null {
  return errorChain(e).find((x) => typeof x.type === 'string')?.type ?? null;
}

/** Broker refused the size of a message or of a record batch. */
export const TOO_LARGE = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);

/** Broker errors that mean "not allowed": retrying does not help. */
export const AUTHZ = new Set(['TOPIC_AUTHORIZATION_FAILED', 'CLUSTER_AUTHORIZATION_FAILED', 'GROUP_AUTHORIZATION_FAILED', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED', 'SASL_AUTHENTICATION_FAILED']);

/**
 * Could this failure pass if tried again later: the broker unreachable, restarting, a leader moving, a
 * request timing out? (kafkajs has already retried the request a few times itself.)
 */
export function isTransient(e: unknown): boolean {
  const chain = errorChain(e);
  const type = chain.find((x) => typeof x.type === 'string')?.type;
  if (type) return !TOO_LARGE.has(type) && !AUTHZ.has(type) && chain.some((x) => x.retriable === true || /NOT_LEADER|LEADER_NOT_AVAILABLE|NOT_ENOUGH_REPLICAS|REQUEST_TIMED_OUT|NETWORK_EXCEPTION|UNKNOWN_TOPIC_OR_PARTITION|OUT_OF_ORDER_SEQUENCE|UNKNOWN_PRODUCER_ID|BROKER_NOT_AVAILABLE|COORDINATOR/.test(x.type ?? ''));
  return chain.some((x) =>
    /KafkaJS(Connection|ConnectionClosed|RequestTimeout|BrokerNotFound|GroupCoordinatorNotFound|MetadataNotLoaded|TopicMetadataNotLoaded|StaleTopicMetadataAssignment|Timeout|LockTimeout|NumberOfRetriesExceeded)(?:Error)?$/.test(x.name ?? '') ||
    /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENOTFOUND|Connection error|Closed connection|socket/i.test(String(x.code ?? '') + ' ' + (x.message ?? '')),
  );
}

/** A short text of the error chain: "KafkaJSNumberOfRetriesExceeded: …; caused by KafkaJSConnectionError: …". */
export function kafkaErrorText(e: unknown): string {
  const parts: string[] = [];
  for (const x of errorChain(e)) {
    const t = `${x.name ?? 'Error'}${x.type ? ` ${x.type}` : ''}: ${x.message ?? ''}`;
    if (!parts.includes(t)) parts.push(t);
  }
  return parts.slice(0, 3).join('; caused by ') || String(e);
}

/** The brokers can't be reached (or did not answer): code UNREACHABLE, naming every broker. */
export function unreachable(brokers: string[], e: unknown, what = 'Connecting to the Kafka brokers'): CutoverError {
  return new CutoverError(
    `${what} failed: no broker of ${brokers.join(', ')} answered (${kafkaErrorText(e)}).`,
    `Check that the brokers run and that this machine reaches them (e.g. \`kcat -b ${brokers[0] ?? 'HOST:PORT'} -L\`); the addresses they advertise (advertised.listeners) must be reachable from here too. Then run the same job again: finished chunks are not published again.`,
    'UNREACHABLE',
  );
}
