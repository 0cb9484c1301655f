// The search sink's preflight: the cluster answers (and is Elasticsearch 7–8 or OpenSearch 1–2), every
// table's index name is valid. Never throws: a check that cannot run is an item too.
import type { CheckItem } from '../../../shared/preflight.js';
import type { SearchSinkConfig } from '../../../shared/job-config.js';
import { formatError } from '../../../shared/errors.js';
import type { SinkPreflightContext } from '../driver.js';
import { detectCluster } from './cluster.js';
import { SearchClient } from './http.js';
import { indexNameOf } from './index-name.js';

export async function checkSearchSink(sink: SearchSinkConfig, ctx: SinkPreflightContext): Promise<{ flavor?: string; version?: string }> {
  const add = (i: Omit<CheckItem, 'side'>): void => void ctx.items.push({ side: 'sink', ...i });
  const client = new SearchClient(sink, undefined, undefined, 0);
  try {
    const info = await detectCluster(client);
    add({ id: 'sink-search-cluster', title: 'Search cluster', status: 'pass', detail: `${info.title} at ${client.where}` });
    const bad: string[] = [];
    for (const ref of ctx.sourceTables) {
      try {
        indexNameOf(sink.index, ctx.sinkName(ref));
      } catch (e) {
        bad.push(formatError(e));
      }
    }
    add(
      bad.length
        ? { id: 'sink-search-index-names', title: 'Index names', status: 'fail', detail: bad.join('\n'), fix: 'Rename the tables on their way ("rename") or change "sink.index".' }
        : { id: 'sink-search-index-names', title: 'Index names', status: 'pass', detail: `${ctx.sourceTables.length} index name(s) valid` },
    );
    return { flavor: info.flavour, version: info.version };
  } catch (e) {
    add({ id: 'sink-search-cluster', title: 'Search cluster', status: 'fail', detail: formatError(e), fix: `Start the cluster or correct "sink.url" (curl ${sink.url}).` });
    return {};
  } finally {
    client.close();
  }
}
