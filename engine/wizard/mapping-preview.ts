// The wizard's mapping preview: a few rows of one selected table read from the source as the copy reads
// them, handed to the sink's driver, which says each column's type there and how each value lands
// (SinkDriver.previewMapping). A sink without typed tables (Kafka, whose sample message is its preview)
// has no such hook and is refused here. Nothing is written anywhere.
import { CutoverError } from '../../shared/errors.js';
import type { MappingPreview } from '../../shared/mapping-preview.js';
import { sinkNames, type WizardDraft } from '../../shared/wizard.js';
import type { RawRow } from '../core/rows.js';
import type { CopyTable, TableInfo } from '../core/tables.js';
import type { TableRef } from '../../shared/table-selection.js';
import type { Connection } from '../mysql/connection.js';
import { sinkKind } from '../sink/registry.js';

/** Rows shown per table: enough to see typical values, few enough to read at a glance. */
export const PREVIEW_ROWS = 5;

/** How the source is read (the source driver's catalog and chunk reader). */
export interface PreviewSourceReader {
  readTable(conn: Connection, ref: TableRef): Promise<TableInfo>;
  /** Up to `limit` rows of the table's copied columns, in the columns' order, as the copy reads them. */
  readRows(conn: Connection, t: CopyTable, limit: number): Promise<RawRow[]>;
}

/**
 * The preview of `table` for the draft's sink (`kind`, its options as the job file will say them).
 * `data`: a connection opened like the copy's, destroyed by the caller afterwards.
 */
export async function mappingPreview(
  data: Connection,
  reader: PreviewSourceReader,
  draft: WizardDraft,
  table: string,
  kind: string,
  sinkOptions: Record<string, unknown>,
): Promise<MappingPreview> {
  const descriptor = sinkKind(kind);
  const driver = await descriptor.load();
  if (!driver.previewMapping)
    throw new CutoverError(`A ${descriptor.title} sink has no type mapping to preview.`, 'The Mapping step shows what this sink writes in its own section.', 'BAD_REQUEST');
  const dot = table.indexOf('.');
  const ref = { db: table.slice(0, dot), table: table.slice(dot + 1) };
  const sinkFull = sinkNames({ ...draft, tables: { selected: [table] } }).get(table)!;
  const sdot = sinkFull.indexOf('.');
  const sink = { db: sinkFull.slice(0, sdot), table: sinkFull.slice(sdot + 1) };
  const info = await reader.readTable(data, ref);
  if (!info.columns.length) throw new CutoverError(`The source has no table ${table}.`, 'Choose one of the selected tables.', 'NOT_FOUND');
  const excluded = new Set(draft.mapping.excludeColumns[table] ?? []);
  const columns = info.columns.filter((c) => !c.generated && !excluded.has(c.name));
  const keyColumns = info.chunkKey.map((k) => info.columns.find((c) => c.name === k)!);
  const t: CopyTable = { stateId: 0, source: info, sink, columns, keyColumns, where: draft.mapping.where[table]?.trim() || undefined };
  const rows = await reader.readRows(data, t, PREVIEW_ROWS);
  const cols = await driver.previewMapping({ table, sink, columns, keyColumns: info.chunkKey, rows, sinkOptions, source: data });
  return { table, sinkTable: sinkFull, rows: rows.length, policy: String(sinkOptions.unholdable ?? ''), columns: cols };
}
