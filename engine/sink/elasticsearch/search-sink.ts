// The search sink's copy side: one index per table (the "index" template), created with explicit mappings
// from the source types (fields.ts, overridable per column), with refresh off and no replicas while its
// rows are loaded; the settings the user asked for ("sink.settings", or the cluster's defaults) are
// recorded in the index's _meta and set once its copy is done (finishTable, also after a crash: the
// pipeline keeps the pending step in the state file). Tables without a primary or NOT NULL unique key
// are refused: a document's _id comes from the key, and without one a resumed chunk would duplicate rows.
import { CutoverError } from '../../../shared/errors.js';
import type { SearchSinkConfig } from '../../../shared/job-config.js';
import type { TableRef } from '../../../shared/table-selection.js';
import type { Logger } from '../../core/logger.js';
import type { CopyTable } from '../../core/tables.js';
import type { OnExisting, PreparedTable, Sink, SinkWriter } from '../sink.js';
import { IndexLineage } from './binlog-lineage.js';
import { BulkWriter, documentShape, type DocumentShape } from './bulk-writer.js';
import type { ClusterInfo } from './cluster.js';
import type { FieldMapping } from './fields.js';
import { mappingFor, tableRules } from './field-options.js';
import type { SearchClient } from './http.js';
import { indexNameOf } from './index-name.js';
import { GC_DELETES } from './gc-deletes.js';

/** The deferred step the pipeline keeps for a table until its copy is done (finishTable). */
export const RESTORE_SETTINGS = 'restore the index settings (refresh_interval, number_of_replicas) after the copy';

/** Settings keys as the user may write them ("index.number_of_replicas" or "number_of_replicas"). */
export function plainSettings(s: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k.replace(/^index\./, ''), v]));
}

/**
 * The index's mappings: one field per column by its rule and the job's per-column choices ("sink.columns",
 * field-options.ts: an extra field beside the column's where one is chosen), or the override of
 * "sink.mappings" taken as written.
 */
export function indexMappings(t: CopyTable, cfg: Pick<SearchSinkConfig, 'mappings' | 'columns'>, cluster: ClusterInfo, restore: Record<string, unknown>): Record<string, unknown> {
  const properties: Record<string, FieldMapping> = {};
  const rules = tableRules(t, cfg.columns);
  t.columns.forEach((c, i) => {
    const key = `${t.source.db}.${t.source.table}.${c.name}`;
    const override = cfg.mappings[key];
    if (override && cfg.columns[key])
      throw new CutoverError(`"sink.mappings" and "sink.columns" both name ${key}.`, 'Keep one: "mappings" takes the mapping as written, "columns" derives it from the choices.', 'CONFIG');
    const rule = rules[i]!;
    properties[c.name] = override ?? mappingFor(rule.mapping, cluster, key);
    if (rule.extra) properties[rule.extra.name] = rule.extra.mapping;
  });
  return {
    dynamic: 'strict',
    _meta: { cutover: { source: `${t.source.db}.${t.source.table}`, key: t.keyColumns.map((k) => k.name), restore } },
    properties,
  };
}

export class SearchSink implements Sink {
  readonly kind = 'elasticsearch';
  private readonly shapes = new Map<number, DocumentShape>();
  /** Index → the source table writing into it (two tables in one index would mix their _ids). */
  private readonly owners = new Map<string, string>();

  constructor(
    private readonly cfg: SearchSinkConfig,
    private readonly client: SearchClient,
    readonly cluster: ClusterInfo,
    private readonly log: Logger,
    /** The external version of copied rows (external-version.ts), or null. */
    private readonly copyVersion: () => string | null = () => null,
  ) {}

  indexOf(ref: TableRef): string {
    return indexNameOf(this.cfg.index, ref);
  }

  private shapeOf(t: CopyTable): DocumentShape {
    let s = this.shapes.get(t.stateId);
    if (!s) this.shapes.set(t.stateId, (s = documentShape(t, this.indexOf(t.sink), this.cfg.columns)));
    return s;
  }

  private async exists(index: string): Promise<boolean> {
    return (await this.client.request('HEAD', encodeURIComponent(index), undefined, { ok: [404] })).status === 200;
  }

  async prepareTable(t: CopyTable, onExisting: OnExisting, alreadyOurs: boolean): Promise<PreparedTable> {
    const source = `${t.source.db}.${t.source.table}`;
    if (!t.keyColumns.length)
      throw new CutoverError(
        `${source} has no primary key or NOT NULL unique key: a search document's _id comes from the row's key, and without one a resumed chunk or a replayed change would add the row twice.`,
        `Add a primary key on the source (ALTER TABLE ${source} ADD PRIMARY KEY (…)), or leave the table out ("tables": {"exclude": ["${source}"]}).`,
        'CONFIG',
      );
    const index = this.indexOf(t.sink);
    const other = this.owners.get(index);
    if (other && other !== source)
      throw new CutoverError(`${source} and ${other} would both write into the index ${index}: their _ids would mix.`, 'Use an "index" template with {table} (the default is "{db}.{table}"), or rename one of the tables.', 'CONFIG');
    this.owners.set(index, source);
    const warnings: string[] = [];
    if (await this.exists(index)) {
      if (alreadyOurs) return { created: true, warnings, deferredIndexes: [] };
      const n = Number(((await this.client.request('GET', `${encodeURIComponent(index)}/_count`)).body as { count?: number }).count ?? 0);
      if (n === 0) return { created: true, warnings, deferredIndexes: [] };
      if (onExisting === 'fail')
        throw new CutoverError(
          `The index ${index} already exists on ${this.cluster.title} and has ${n} documents.`,
          `Delete it (curl -X DELETE '${this.cfg.url.replace(/\/$/, '')}/${index}'), or set "snapshot": {"onExisting": "truncate"} to empty it, or "append" to write into it (documents with the same _id are replaced by the source's rows).`,
          'SINK',
        );
      if (onExisting === 'truncate') {
        await this.client.request('POST', `${encodeURIComponent(index)}/_delete_by_query?refresh=true&conflicts=proceed`, { query: { match_all: {} } });
        warnings.push(`emptied the existing index ${index} (onExisting: truncate)`);
        return { created: true, warnings, deferredIndexes: [] };
      }
      warnings.push(`writing into the existing index ${index} (onExisting: append)`);
      return { created: false, warnings, deferredIndexes: [] };
    }
    const user = plainSettings(this.cfg.settings);
    const restore = { number_of_replicas: user.number_of_replicas ?? null, refresh_interval: user.refresh_interval ?? null };
    const body = {
      settings: { index: { gc_deletes: GC_DELETES, ...user, number_of_replicas: 0, refresh_interval: '-1' } },
      mappings: indexMappings(t, this.cfg, this.cluster, restore),
    };
    try {
      await this.client.request('PUT', encodeURIComponent(index), body);
    } catch (e) {
      if (/resource_already_exists/.test((e as Error).message)) return this.prepareTable(t, onExisting, alreadyOurs);
      throw new CutoverError(
        `Creating the index ${index} on ${this.cluster.title} failed: ${(e as Error).message}`,
        `Create it by hand (PUT /${index} with ${JSON.stringify(body).slice(0, 2000)}) and run again with "onExisting": "append", or correct "sink.settings" / "sink.mappings".`,
        'SINK',
      );
    }
    this.log.info(`created index ${index} on ${this.cluster.title} (refresh off, no replicas until its copy is done)`, source);
    return { created: true, warnings, deferredIndexes: [RESTORE_SETTINGS] };
  }

  /** After the table's copy: the settings the user asked for (or the cluster's defaults), then a refresh. */
  async finishTable(t: CopyTable, deferred: string[]): Promise<void> {
    if (!deferred.includes(RESTORE_SETTINGS)) return;
    const index = this.indexOf(t.sink);
    const m = (await this.client.request('GET', `${encodeURIComponent(index)}/_mapping`)).body as Record<string, { mappings?: { _meta?: { cutover?: { restore?: Record<string, unknown> } } } }>;
    const restore = Object.values(m)[0]?.mappings?._meta?.cutover?.restore ?? { number_of_replicas: null, refresh_interval: null };
    await this.client.request('PUT', `${encodeURIComponent(index)}/_settings`, { index: restore });
    await this.client.request('POST', `${encodeURIComponent(index)}/_refresh`);
    this.log.info(`index ${index}: settings restored (${Object.entries(restore).map(([k, v]) => `${k} ${v ?? 'default'}`).join(', ')}) and refreshed`, `${t.source.db}.${t.source.table}`);
  }

  async createViews(views: { sql: string; name: TableRef }[]): Promise<string[]> {
    return views.map((v) => `view ${v.name.db}.${v.name.table} not copied: a search sink has no views (copy the tables it reads, or a table the view's query fills)`);
  }

  async openWriter(): Promise<SinkWriter> {
    return new BulkWriter(this.client, (t) => this.shapeOf(t), undefined, this.copyVersion, new IndexLineage(this.client));
  }

  async close(): Promise<void> {
    this.client.close();
  }
}
