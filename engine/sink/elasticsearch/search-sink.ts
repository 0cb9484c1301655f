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
import { fieldRule, type FieldMapping } from './fields.js';
import { mappingFor, tableRules } from './field-options.js';
import type { SearchClient } from './http.js';
import { indexNameOf } from './index-name.js';
import { GC_DELETES } from './gc-deletes.js';
import { DocumentJoins } from './joins.js';
import { BOOKKEEPING, joinSpecs, type JoinSpec } from './join-rules.js';

/** "db.table" as a table reference. */
const parseName = (name: string): TableRef => ({ db: name.slice(0, name.indexOf('.')), table: name.slice(name.indexOf('.') + 1) });

/** What finishTable did, for the job's log: "restored the settings of index shop_users (number_of_replicas default, refresh_interval 5s) and refreshed it". */
export function restoredSettings(index: string, restore: Record<string, unknown>): string {
  return `restored the settings of index ${index} (${Object.entries(restore).map(([k, v]) => `${k} ${v ?? 'default'}`).join(', ')}) and refreshed it`;
}

/** The deferred step the pipeline keeps for a table until its copy is done (finishTable). */
export const RESTORE_SETTINGS = 'restore the index settings (refresh_interval, number_of_replicas) after the copy';

/** Settings keys as the user may write them ("index.number_of_replicas" or "number_of_replicas"). */
export function plainSettings(s: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k.replace(/^index\./, ''), v]));
}

/** The mappings of a group of a contributing table's fields inside another table's documents. */
export function groupMapping(from: CopyTable, spec: JoinSpec, overrides: Record<string, FieldMapping>): FieldMapping {
  const properties: Record<string, FieldMapping> = {};
  for (const c of from.columns) if (!spec.fields || spec.fields.includes(c.name)) properties[c.name] = overrides[`${spec.from}.${c.name}`] ?? fieldRule(c).mapping;
  return { type: 'object', properties };
}

/**
 * The index's mappings: one field per column by its rule and the job's per-column choices ("sink.columns",
 * field-options.ts: an extra field beside the column's where one is chosen), or the override of
 * "sink.mappings" taken as written; and the groups other tables write into it ("sink.documents").
 */
export function indexMappings(
  t: CopyTable,
  cfg: Pick<SearchSinkConfig, 'mappings' | 'columns'>,
  cluster: ClusterInfo,
  restore: Record<string, unknown>,
  groups: { spec: JoinSpec; from: CopyTable | undefined }[] = [],
): Record<string, unknown> {
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
  for (const g of groups) properties[g.spec.as] = g.from ? groupMapping(g.from, g.spec, cfg.mappings) : { type: 'object', dynamic: false };
  if (groups.length) properties[BOOKKEEPING] = { type: 'object', enabled: false };
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
  /** Source table → its index and columns, once prepared. */
  private readonly prepared = new Map<string, { index: string; t: CopyTable }>();
  /** "sink.documents": tables writing fields into other tables' documents. */
  readonly joins: DocumentJoins;

  constructor(
    private readonly cfg: SearchSinkConfig,
    private readonly client: SearchClient,
    readonly cluster: ClusterInfo,
    private readonly log: Logger,
    /** The external version of copied rows (external-version.ts), or null. */
    private readonly copyVersion: () => string | null = () => null,
    /**
     * Whether rows are copied into the indexes it creates: false for a "stream" job, whose indexes are created
     * with their final settings at once (no copy settings to restore, nothing to refresh).
     */
    private readonly copiesRows = true,
    /** A source table's sink name (after "rename"): the index of a table not prepared in this run (already copied). */
    private readonly sinkRefOf: (source: TableRef) => TableRef = (r) => r,
  ) {
    this.joins = new DocumentJoins(joinSpecs(cfg.documents), client, (name) => this.prepared.get(name)?.index ?? this.indexOf(this.sinkRefOf(parseName(name))));
  }

  /** A contributing table (or one others write into) as "sink.documents" needs it, or the reason it cannot be. */
  private checkJoins(t: CopyTable): void {
    const name = `${t.source.db}.${t.source.table}`;
    const from = this.joins.from(name);
    const fix = 'Correct "sink.documents" in the job file.';
    if (from) {
      if (t.keyColumns.length !== 1) throw new CutoverError(`"sink.documents" has ${name} write fields into ${from.into}, but ${name}'s key has ${t.keyColumns.length} columns: a join column can name one key column only.`, fix, 'CONFIG');
      const missing = (from.fields ?? []).filter((f) => !t.columns.some((c) => c.name === f));
      if (missing.length) throw new CutoverError(`"sink.documents"."${name}".fields names ${missing.join(', ')}, which ${name} does not have (or the job excludes).`, fix, 'CONFIG');
      if (this.joins.into(name).length) throw new CutoverError(`${name} both writes fields into another table's documents and gets fields from another table: chains of joins are not supported.`, fix, 'CONFIG');
    }
    for (const spec of this.joins.into(name)) {
      if (!t.columns.some((c) => c.name === spec.on)) throw new CutoverError(`"sink.documents"."${spec.from}".on names ${spec.on}, which ${name} does not have (or the job excludes).`, fix, 'CONFIG');
      if (t.columns.some((c) => c.name === spec.as)) throw new CutoverError(`"sink.documents"."${spec.from}" puts its fields in "${spec.as}", which is also a column of ${name}.`, 'Give "as" another name in "sink.documents".', 'CONFIG');
    }
  }

  /** A contributing table's group mapping added to the index of the table it writes into (when that exists). */
  private async mapGroup(t: CopyTable): Promise<void> {
    const spec = this.joins.from(`${t.source.db}.${t.source.table}`);
    const target = spec && this.prepared.get(spec.into);
    if (!spec || !target) return;
    await this.client.request('PUT', `${encodeURIComponent(target.index)}/_mapping`, { properties: { [spec.as]: groupMapping(t, spec, this.cfg.mappings), [BOOKKEEPING]: { type: 'object', enabled: false } } });
  }

  /** Once every table is copied: the documents of joined tables get their groups as the lookups hold them now. */
  async finishCopy(tables: CopyTable[]): Promise<string[]> {
    const names = new Set(tables.map((t) => `${t.source.db}.${t.source.table}`));
    for (const spec of this.joins.specs) {
      if (!names.has(spec.from) || !names.has(spec.into)) {
        if (names.has(spec.from) || names.has(spec.into)) throw new CutoverError(`"sink.documents" joins ${spec.from} into ${spec.into}, but the job copies only one of them.`, 'Select both tables ("tables": {"include": [...]}), or remove the entry from "sink.documents".', 'CONFIG');
        continue;
      }
      const n = await this.joins.spread(spec, null);
      this.log.info(`${spec.from}'s fields written into ${n} document(s) of ${spec.into} ("${spec.as}")`, spec.into);
    }
    return [];
  }

  /**
   * Indexes are independent requests, created side by side, unless tables write fields into other tables'
   * documents ("sink.documents": an index's mapping then names the groups of the tables prepared before it).
   */
  get prepareConcurrency(): number {
    return this.joins.specs.length ? 1 : 4;
  }

  /**
   * The copy's workers write one index at a time: the cluster shares one indexing buffer (10% of its heap)
   * among the shards being written, and each time it fills the largest shard's part becomes a segment. Four
   * indexes written side by side made 4–5 times as many segment writes (internal refreshes) as one, and cost
   * OpenSearch's refresh and GC threads more CPU for the same documents (README, the search benchmark).
   */
  readonly copyTableByTable = true;

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
    this.checkJoins(t);
    this.prepared.set(source, { index, t });
    const warnings: string[] = [];
    const prepared = await this.prepareIndex(t, index, onExisting, alreadyOurs, warnings);
    await this.mapGroup(t);
    return prepared;
  }

  /**
   * `look`: ask first whether the index exists (an index this job made before may). Otherwise it is created
   * at once, and only a cluster answering that it exists (or that an alias has the name) leads to the checks.
   */
  private async prepareIndex(t: CopyTable, index: string, onExisting: OnExisting, alreadyOurs: boolean, warnings: string[], look = alreadyOurs): Promise<PreparedTable> {
    const source = `${t.source.db}.${t.source.table}`;
    if (look && (await this.exists(index))) {
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
    const copySettings = this.copiesRows ? { number_of_replicas: 0, refresh_interval: '-1' } : {};
    const body = {
      settings: { index: { gc_deletes: GC_DELETES, ...user, ...copySettings } },
      mappings: indexMappings(t, this.cfg, this.cluster, restore, this.joins.into(source).map((spec) => ({ spec, from: this.prepared.get(spec.from)?.t }))),
    };
    try {
      await this.client.request('PUT', encodeURIComponent(index), body);
    } catch (e) {
      if (/resource_already_exists|already exists as alias/.test((e as Error).message)) return this.prepareIndex(t, index, onExisting, alreadyOurs, warnings, true);
      throw new CutoverError(
        `Creating the index ${index} on ${this.cluster.title} failed: ${(e as Error).message}`,
        `Create it by hand (PUT /${index} with ${JSON.stringify(body).slice(0, 2000)}) and run again with "onExisting": "append", or correct "sink.settings" / "sink.mappings".`,
        'SINK',
      );
    }
    if (!this.copiesRows) {
      this.log.info(`created index ${index} on ${this.cluster.title} with its settings (nothing is copied into it)`, source);
      return { created: true, warnings, deferredIndexes: [] };
    }
    this.log.info(`created index ${index} on ${this.cluster.title} (refresh off, no replicas until its copy is done)`, source);
    return { created: true, warnings, deferredIndexes: [RESTORE_SETTINGS] };
  }

  /** After the table's copy: the settings the user asked for (or the cluster's defaults), then a refresh. */
  async finishTable(t: CopyTable, deferred: string[]): Promise<string | null> {
    if (!deferred.includes(RESTORE_SETTINGS)) return null;
    const index = this.indexOf(t.sink);
    const m = (await this.client.request('GET', `${encodeURIComponent(index)}/_mapping`)).body as Record<string, { mappings?: { _meta?: { cutover?: { restore?: Record<string, unknown> } } } }>;
    const restore = Object.values(m)[0]?.mappings?._meta?.cutover?.restore ?? { number_of_replicas: null, refresh_interval: null };
    await this.client.request('PUT', `${encodeURIComponent(index)}/_settings`, { index: restore });
    await this.client.request('POST', `${encodeURIComponent(index)}/_refresh`);
    return restoredSettings(index, restore);
  }

  async createViews(views: { sql: string; name: TableRef }[]): Promise<string[]> {
    return views.map((v) => `view ${v.name.db}.${v.name.table} not copied: a search sink has no views (copy the tables it reads, or a table the view's query fills)`);
  }

  async openWriter(): Promise<SinkWriter> {
    return new BulkWriter(this.client, (t) => this.shapeOf(t), undefined, this.copyVersion, this.joins.specs.length ? this.joins : null, new IndexLineage(this.client));
  }

  async close(): Promise<void> {
    this.client.close();
  }
}
