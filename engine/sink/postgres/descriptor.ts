// PostgreSQL as a sink: what it can do, before its driver (and pg) is loaded.
import type { SinkDescriptor } from '../driver.js';
import { postgresProfileRules } from './profile-rules.js';

/** The schema holding the job's checkpoint rows on the sink (like the MySQL sink's `_cutover` database). */
export const CHECKPOINT_SCHEMA = '_cutover';
export const CHECKPOINT_TABLE = 'cutover_checkpoint';

/** "host:port/dbname" of a postgres:// URL, without credentials. */
export function postgresLabel(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'address unknown';
  }
}

export const postgresSink: SinkDescriptor = {
  kind: 'postgres',
  title: 'PostgreSQL',
  capabilities: {
    rename: true,
    existingRows: true,
    views: false, // MySQL view definitions are not translated
    deferredIndexes: true,
    deferredObjects: false,
    repair: true,
    orderedCopy: false,
    heartbeatOnSink: false,
    topics: false,
    checkpointInSink: true,
    partitionOffsets: true,
    pauseTable: false,
    transactions: true,
    transactionPieces: true,
    reverse: false,
  },
  label: (sink) => ('url' in sink && typeof sink.url === 'string' ? postgresLabel(sink.url) : 'address unknown'),
  leftovers: (job) => ({
    cleanable: `the job's checkpoint row in "${CHECKPOINT_SCHEMA}"."${CHECKPOINT_TABLE}" and its partition offsets in "${CHECKPOINT_SCHEMA}"."cutover_offsets" on the sink (job = '${job}')`,
    kept: 'The schemas, tables and rows already copied to the sink stay.',
  }),
  keylessStreamNote: 'has no primary or unique key: the stream applies its updates and deletes to one row with the same values (ctid)',
  preflightOptions: (sink) =>
    sink.type === 'postgres' ? { sinkCheck: { url: sink.url, check: async (ctx) => (await import('./preflight.js')).checkPostgresSink(sink.url, ctx) } } : {},
  resolveFile: async (file, tools) => (await import('./resolve-file.js')).resolvePostgresSink(file, tools),
  profile: postgresProfileRules,
  load: async () => (await import('./driver.js')).postgresDriver,
};
