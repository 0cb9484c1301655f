// Elasticsearch / OpenSearch as a sink: one driver for both flavours (cluster.ts tells them apart). The
// copy (search-sink.ts: indexes with explicit mappings, bulk-writer.ts: documents) and the stream
// (search-stream-target.ts: external versions from the source position, the checkpoint in the state file
// after every item succeeded); verification (verifier.ts) and repair (repair.ts).
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
import { sinkName } from '../../../shared/table-selection.js';

function searchSinkOf(cfg: { sink: { type: string } }): SearchSinkConfig {
  if (cfg.sink.type !== 'elasticsearch') throw new CutoverError('The search sink driver was given another kind of sink.', 'Report this as a bug.', 'CONFIG');
  return cfg.sink as SearchSinkConfig;
}

export const searchDriver: SinkDriver = {
  kind: 'elasticsearch',
  async openRun(ctx): Promise<SinkRun> {
    const sink = searchSinkOf(ctx.cfg);
    const client = new SearchClient(sink, ctx.log, ctx.signal);
    const cluster = await detectCluster(client);
    ctx.log.info(`sink: ${cluster.title} at ${client.where}`);
    // Copied rows carry the version of the copy's start position (external-version.ts), so that the stream
    // after the copy wins over them and they never win over it. A copy with no stream after it ("mode":
    // "snapshot") or without a binlog position uses the cluster's own versions: a chunk copied again after a
    // crash then writes the rows as they are now, instead of meeting the first write's equal version.
    const copyVersion = (): string | null => {
      if (ctx.cfg.mode === 'snapshot') return null;
      const s = ctx.copyStart() as BinlogStatus | null;
      return s?.file ? externalVersion(s.file) : null;
    };
    const copy = new SearchSink(sink, client, cluster, ctx.log, copyVersion, ctx.cfg.mode !== 'stream', (ref) => sinkName(ctx.cfg, ref));
    return {
      copy,
      batchBytes: sink.batchBytes ?? 4 * 1024 * 1024,
      streamBatchRows: STREAM_BULK_DOCS,
      streamBatchDelayMs: STREAM_FLUSH_MS,
      openChangeSink: async (signal) => new SearchStreamTarget({ cfg: sink, client, store: ctx.store, jobId: ctx.jobId, job: ctx.cfg.name, log: ctx.log, signal, sinkRefOf: (ref) => sinkName(ctx.cfg, ref) }),
      dispose: async () => client.close(),
    };
  },
  openVerifier: async (ctx) => (await import('./verifier.js')).openSearchVerifier(ctx),
  repair: async (o) => (await import('./repair.js')).repairSearch(o),
};
