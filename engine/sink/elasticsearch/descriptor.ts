// Elasticsearch and OpenSearch as a sink: what it can do, before its driver is loaded.
import type { SinkDescriptor } from '../driver.js';
import { searchProfileRules } from './profile-rules.js';

/** "host:port" of the cluster's URL, without credentials. */
export function searchLabel(url: string): string {
  try {
    return new URL(url).host || 'address unknown';
  } catch {
    return 'address unknown';
  }
}

export const searchSink: SinkDescriptor = {
  kind: 'elasticsearch',
  title: 'Elasticsearch/OpenSearch',
  capabilities: {
    rename: true,
    existingRows: true,
    views: false,
    deferredIndexes: false,
    deferredObjects: false,
    repair: true,
    orderedCopy: false,
    heartbeatOnSink: true,
    topics: false,
    checkpointInSink: false,
    partitionOffsets: false,
    pauseTable: false,
    transactions: false,
    transactionPieces: false,
    reverse: false,
  },
  label: (sink) => ('url' in sink && typeof sink.url === 'string' ? `search ${searchLabel(sink.url)}` : 'address unknown'),
  leftovers: () => ({ cleanable: '', kept: 'The indexes and documents already copied to the search cluster stay.' }),
  preflightOptions: (sink) =>
    sink.type === 'elasticsearch' ? { sinkCheck: { url: searchLabel(sink.url), check: async (ctx) => (await import('./preflight.js')).checkSearchSink(sink, ctx) } } : {},
  resolveFile: async (file, tools) => (await import('./resolve-file.js')).resolveSearchSink(file, tools),
  profile: searchProfileRules,
  load: async () => (await import('./driver.js')).searchDriver,
};
