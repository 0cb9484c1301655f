// The search sink's preflight: the cluster answers (and is Elasticsearch 7–8 or OpenSearch 1–2), every
// table's index name is valid. Never throws: a check that cannot run is an item too.
import type { CheckItem } from '../../../shared/preflight.js';
import type { SearchSinkConfig } from '../../../shared/job-config.js';
import { formatError } from '../../../shared/errors.js';
import type { SinkPreflightContext } from '../driver.js';
import { detectCluster } from './cluster.js';
import { SearchClient } from './http.js';
import { indexNameOf } from './index-name.js';
import { GC_DELETES, gcDeletesProblem } from './gc-deletes.js';
import { plainSettings } from './search-sink.js';

export async function checkSearchSink(sink: SearchSinkConfig, ctx: SinkPreflightContext): Promise<{ flavor?: string; version?: string }> {
  const add = (i: Omit<CheckItem, 'side'>): void => void ctx.items.push({ side: 'sink', ...i });
  const client = new SearchClient(sink, undefined, undefined, 0);
  try {
    const info = await detectCluster(client);
    add({ id: 'sink-search-cluster', title: 'Search cluster', status: 'pass', detail: `${info.title} at ${client.where}` });
    const bad: string[] = [];
    const indexes: string[] = [];
    for (const ref of ctx.sourceTables) {
      try {
        indexes.push(indexNameOf(sink.index, ctx.sinkName(ref)));
      } catch (e) {
        bad.push(formatError(e));
      }
    }
    if (ctx.streaming) await checkGcDeletes(client, sink, indexes, add);
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

/** A stream's deletes must outlive a late replay: index.gc_deletes of existing indexes and of "sink.settings" (gc-deletes.ts). */
async function checkGcDeletes(client: SearchClient, sink: SearchSinkConfig, indexes: string[], add: (i: Omit<CheckItem, 'side'>) => void): Promise<void> {
  const problems: string[] = [];
  const asked = plainSettings(sink.settings).gc_deletes;
  if (asked !== undefined) {
    const p = gcDeletesProblem('(new indexes, "sink.settings")', asked);
    if (p) problems.push(p);
  }
  const existing: string[] = [];
  for (const index of indexes) {
    const r = await client.request('GET', `${encodeURIComponent(index)}/_settings/index.gc_deletes?flat_settings=true`, undefined, { ok: [404] });
    if (r.status === 404) continue;
    existing.push(index);
    const v = Object.values(r.body as Record<string, { settings?: Record<string, unknown> }>)[0]?.settings?.['index.gc_deletes'];
    const p = gcDeletesProblem(index, v);
    if (p) problems.push(p);
  }
  add(
    problems.length
      ? {
          id: 'sink-search-gc-deletes',
          title: 'Deletes kept long enough (index.gc_deletes)',
          status: 'warn',
          detail: problems.join('\n'),
          fix: `Set it on each index: PUT /<index>/_settings {"index": {"gc_deletes": "${GC_DELETES}"}} (and leave it out of "sink.settings" or give it at least ${GC_DELETES}).`,
        }
      : { id: 'sink-search-gc-deletes', title: 'Deletes kept long enough (index.gc_deletes)', status: 'pass', detail: `${existing.length} existing index(es) checked; new indexes get ${GC_DELETES}` },
  );
}
