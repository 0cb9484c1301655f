// Elasticsearch / OpenSearch as a sink: one driver for both flavours (cluster.ts tells them apart). The
// copy (search-sink.ts: indexes with explicit mappings, bulk-writer.ts: documents); verification
// (verifier.ts) and repair (repair.ts); the stream is not built yet and is refused with the reason.
import { CutoverError } from '../../../shared/errors.js';
import type { SearchSinkConfig } from '../../../shared/job-config.js';
import type { SinkDriver, SinkRun } from '../driver.js';
import { detectCluster } from './cluster.js';
import { SearchClient } from './http.js';
import { SearchSink } from './search-sink.js';

function searchSinkOf(cfg: { sink: { type: string } }): SearchSinkConfig {
  if (cfg.sink.type !== 'elasticsearch') throw new CutoverError('The search sink driver was given another kind of sink.', 'Report this as a bug.', 'CONFIG');
  return cfg.sink as SearchSinkConfig;
}

const notYet = (what: string): CutoverError =>
  new CutoverError(`${what} into Elasticsearch/OpenSearch is not available yet.`, 'Use "mode": "snapshot" (the copy, then `cutover verify`); a stream into search clusters comes later.', 'CONFIG');

export const searchDriver: SinkDriver = {
  kind: 'elasticsearch',
  async openRun(ctx): Promise<SinkRun> {
    const sink = searchSinkOf(ctx.cfg);
    const client = new SearchClient(sink, ctx.log, ctx.signal);
    const cluster = await detectCluster(client);
    ctx.log.info(`sink: ${cluster.title} at ${client.where}`);
    const copy = new SearchSink(sink, client, cluster, ctx.log);
    return {
      copy,
      batchBytes: sink.batchBytes ?? 4 * 1024 * 1024,
      openChangeSink: async () => {
        throw notYet('Streaming');
      },
      dispose: async () => client.close(),
    };
  },
  openVerifier: async (ctx) => (await import('./verifier.js')).openSearchVerifier(ctx),
  repair: async (o) => (await import('./repair.js')).repairSearch(o),
};
