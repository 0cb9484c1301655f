// Turns the job file into the list of tables to copy: selection, renames, excluded columns, filters. The
// source's catalog is read through a source session (engine/source/driver.ts), whatever the kind.
import { CutoverError } from '../../shared/errors.js';
import type { JobConfig } from '../../shared/job-config.js';
import {
  excludedColumns,
  isSelected,
  qualified,
  rowFilter,
  sinkName,
  type TableRef,
} from '../../shared/table-selection.js';
import type { SourceSession } from '../source/driver.js';
import { rewriteCreateView } from '../mysql/ddl-rewrite.js';
import type { StateStore } from '../state/store.js';
import type { CopyTable } from '../core/tables.js';

/** What the table plan reads of the source: its catalog. */
export type CatalogSession = Pick<SourceSession, 'listTables' | 'readTable'>;

/** What the views plan reads of the source. */
export type ViewsSession = Pick<SourceSession, 'listTables' | 'listViews' | 'viewDefinition'>;

export async function planTables(session: CatalogSession, cfg: JobConfig, store: StateStore, jobId: number): Promise<CopyTable[]> {
  const out: CopyTable[] = [];
  for (const t of await resolveTables(session, cfg)) {
    const row = store.ensureTable(jobId, t.source, t.sink);
    store.setTable(row.id, { key_columns: JSON.stringify(t.source.chunkKey), estimated_rows: t.source.estimatedRows });
    out.push({ ...t, stateId: row.id });
  }
  return out;
}

/**
 * The job's tables as the source has them now (no state file involved): selection, renames, excluded
 * and generated columns left out, the chunk key and the row filter. Refuses names in the job file that
 * match no table, two tables with one sink name, and excluded key columns.
 */
export async function resolveTables(session: CatalogSession, cfg: JobConfig): Promise<Omit<CopyTable, 'stateId'>[]> {
  const all = await session.listTables();
  const refs = all.filter((r) => isSelected(cfg, r));
  if (!refs.length) {
    throw new CutoverError(
      `No table on the source matches "tables": include ${JSON.stringify(cfg.tables.include)}${cfg.tables.exclude.length ? `, exclude ${JSON.stringify(cfg.tables.exclude)}` : ''}.`,
      'Check the database and table names (patterns are "db.*", "db.table" or "/regex/" matched against "db.table"); `cutover check` lists the source tables.',
      'CONFIG',
    );
  }
  checkConfigNames(cfg, all);
  const sinkNames = new Map<string, string>();
  const out: Omit<CopyTable, 'stateId'>[] = [];
  for (const ref of refs) {
    const info = await session.readTable(ref);
    const sink = sinkName(cfg, ref);
    const key = `${sink.db}.${sink.table}`;
    if (sinkNames.has(key)) {
      throw new CutoverError(
        `Both ${sinkNames.get(key)} and ${qualified(ref)} would be copied to ${key} on the sink.`,
        'Change "rename" so every table has its own sink name.',
        'CONFIG',
      );
    }
    sinkNames.set(key, qualified(ref));
    const excluded = excludedColumns(cfg, ref);
    for (const name of excluded) {
      if (!info.columns.some((c) => c.name === name))
        throw new CutoverError(
          `"columns" → "${qualified(ref)}" excludes column "${name}", which the table does not have.`,
          `Columns of ${qualified(ref)}: ${info.columns.map((c) => c.name).join(', ')}.`,
          'CONFIG',
        );
    }
    const columns = info.columns.filter((c) => !c.generated && !excluded.has(c.name));
    const keyColumns = info.chunkKey.map((k) => info.columns.find((c) => c.name === k)!);
    if (keyColumns.some((k) => excluded.has(k.name))) {
      throw new CutoverError(
        `Column ${keyColumns.find((k) => excluded.has(k.name))!.name} of ${qualified(ref)} is part of its key and cannot be excluded.`,
        `Remove it from "columns" → "${qualified(ref)}" → "exclude".`,
        'CONFIG',
      );
    }
    out.push({ source: info, sink, columns, keyColumns, where: rowFilter(cfg, ref) });
  }
  return out;
}

/** Rename, columns and where entries must name tables the job copies: a typo must not pass silently. */
function checkConfigNames(cfg: JobConfig, all: TableRef[]): void {
  const selected = new Set(all.filter((r) => isSelected(cfg, r)).map(qualified));
  const dbs = new Set(all.filter((r) => isSelected(cfg, r)).map((r) => r.db));
  for (const [section, keys] of [
    ['columns', Object.keys(cfg.columns)],
    ['where', Object.keys(cfg.where)],
  ] as const) {
    for (const k of keys) {
      if (!selected.has(k))
        throw new CutoverError(`"${section}" names ${k}, which is not among the tables the job copies.`, 'Check the name ("db.table") and "tables".', 'CONFIG');
    }
  }
  for (const k of Object.keys(cfg.rename)) {
    if (k.includes('.') ? !selected.has(k) : !dbs.has(k))
      throw new CutoverError(`"rename" names ${k}, which is not among the databases or tables the job copies.`, 'Check the name and "tables".', 'CONFIG');
  }
}

/** Views in the selected databases that the patterns select, rewritten for the sink. */
export async function planViews(session: ViewsSession, cfg: JobConfig): Promise<{ sql: string; name: TableRef }[]> {
  const allViews = await session.listViews();
  const known = new Set([...(await session.listTables()), ...allViews].map(qualified));
  const views = allViews.filter((v) => isSelected(cfg, v));
  const out: { sql: string; name: TableRef }[] = [];
  for (const v of views) {
    const create = await session.viewDefinition(v);
    const name = sinkName(cfg, v);
    out.push({
      name,
      sql: rewriteCreateView(create, v, name, (r) => sinkName(cfg, r), (r) => known.has(qualified(r))),
    });
  }
  return out;
}
