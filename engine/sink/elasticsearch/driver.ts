// Elasticsearch / OpenSearch as a sink: one driver for both flavours (cluster.ts tells them apart). The
// copy (search-sink.ts: indexes with explicit mappings, bulk-writer.ts: documents) and the stream
// (search-stream-target.ts: external versions from the source position, the checkpoint in the state file
// after every item succeeded); verification and repair are not built yet and are refused with the reason.
import { CutoverError } from '../../../shared/errors.js';
import type { SearchSinkConfig } from '../../../shared/job-config.js';
import type { BinlogStatus } from '../../core/changes.js';
import type { SinkDriver, SinkRun } from '../driver.js';
import { detectCluster } from './cluster.js';
import { externalVersion } from './external-version.js';
import { STREAM_BULK_DOCS, STREAM_FLUSH_MS } from './flush-rules.js';
import { SearchClient } from './http.js';
import { SearchSink } from './search-sink.js';
import { SearchStreamTarget } from './search-stream-target.js';

function searchSinkOf(cfg: { sink: { type: string } }): SearchSinkConfig {
  if (cfg.sink.type !== 'elasticsearch') throw new CutoverError('The search sink driver was given another kind of sink.', 'Report this as a bug.', 'CONFIG');
  return cfg.sink as SearchSinkConfig;
}

const notYet = (what: string): CutoverError =>
  new CutoverError(`${what} of Elasticsearch/OpenSearch indexes is not available yet.`, 'Check the indexes by hand (document counts, a sample of documents), or delete an index and copy its table again (--resnapshot).', 'CONFIG');

export const searchDriver: SinkDriver = {
  kind: 'elasticsearch',
  async openRun(ctx): Promise<SinkRun> {
    const sink = searchSinkOf(ctx.cfg);
    const client = new SearchClient(sink, ctx.log, ctx.signal);
    const cluster = await detectCluster(client);
    ctx.log.info(`sink: ${cluster.title} at ${client.where}`);
    // Copied rows carry the version of the copy's start position (external-version.ts); without a binlog
    // position (a source without a binlog, "mode": "snapshot") the cluster's own versions.
    const copyVersion = (): string | null => {
      const s = ctx.copyStart() as BinlogStatus | null;
      return s?.file ? externalVersion(s.file) : null;
    };
    const copy = new SearchSink(sink, client, cluster, ctx.log, copyVersion);
    return {
      copy,
      batchBytes: sink.batchBytes ?? 4 * 1024 * 1024,
      streamBatchRows: STREAM_BULK_DOCS,
      streamBatchDelayMs: STREAM_FLUSH_MS,
      openChangeSink: async (signal) => new SearchStreamTarget({ cfg: sink, client, store: ctx.store, jobId: ctx.jobId, log: ctx.log, signal }),
      dispose: async () => client.close(),
    };
  },
  openVerifier: async () => {
    throw notYet('Verification');
  },
};
