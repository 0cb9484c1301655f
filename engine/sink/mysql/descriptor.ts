// MySQL/MariaDB as a sink: what it can do, before its driver is loaded.
import { CHECKPOINT_DB, CHECKPOINT_TABLE } from './change-applier.js';
import { parseMysqlUrl } from '../../mysql/connection.js';
import type { SinkDescriptor } from '../driver.js';
import { mysqlProfileRules } from '../../mysql/profile-rules.js';

export const mysqlSink: SinkDescriptor = {
  kind: 'mysql',
  title: 'MySQL/MariaDB',
  sourceServer: true,
  capabilities: {
    rename: true,
    existingRows: true,
    views: true,
    deferredIndexes: true,
    deferredObjects: true,
    repair: true,
    orderedCopy: false,
    heartbeatOnSink: false,
    topics: false,
    checkpointInSink: true,
    partitionOffsets: true,
    pauseTable: true,
    transactions: true,
    transactionPieces: true,
    reverse: true,
  },
  label(sink) {
    if (!('url' in sink) || typeof sink.url !== 'string') return 'address unknown';
    try {
      const a = parseMysqlUrl(sink.url);
      return `${a.host}:${a.port}`;
    } catch {
      return 'address unknown';
    }
  },
  leftovers(job) {
    const table = `\`${CHECKPOINT_DB}\`.\`${CHECKPOINT_TABLE}\``;
    return {
      cleanable: `the job's checkpoint row in ${table} on the sink (job = '${job}')`,
      kept: 'The tables and rows already copied to the sink stay.',
      cleaned: (existed) => (existed ? `Deleted the job's checkpoint row in ${table} on the sink.` : `The sink had no checkpoint row of the job in ${table}.`),
      notCleaned: `The job's checkpoint row in ${table} on the sink is kept (a new job of the same name would continue from it; remove with --clean-sink to delete it).`,
      cleanByHand: `DELETE FROM ${table} WHERE job = '${job.replace(/'/g, "''")}';`,
    };
  },
  keylessStreamNote: 'has no primary or unique key: the stream applies its updates and deletes by the whole row with LIMIT 1',
  preflightOptions: (sink) => {
    if (!('url' in sink) || typeof sink.url !== 'string') return {};
    const url = sink.url;
    // The sink's connection is opened while the source's checks run (start); check() takes it over.
    let opened: Promise<import('./preflight.js').OpenedSink> | undefined;
    return {
      sinkCheck: {
        url,
        start: () => {
          opened ??= import('./preflight.js').then((m) => m.openMysqlSink(url));
          return async () => {
            const o = await opened?.catch(() => undefined);
            opened = undefined;
            await o?.side?.conn.end().catch(() => undefined);
          };
        },
        check: async (ctx) => {
          const early = opened;
          opened = undefined;
          return (await import('./preflight.js')).checkMysqlSink(url, ctx, early);
        },
      },
    };
  },
  resolveFile: async (file, tools) => {
    if (file.type !== 'mysql') throw new Error('not a MySQL sink');
    return { type: file.type, url: await tools.mysqlUrl(file, 'sink'), ...(file.batchBytes !== undefined ? { batchBytes: file.batchBytes } : {}) };
  },
  profile: mysqlProfileRules,
  load: async () => (await import('./driver.js')).mysqlDriver,
};
