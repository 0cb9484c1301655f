// A selected table as the copy will read it, with its first rows: what the wizard's previews (the sink's
// type mapping, a Kafka sink's sample message) show before anything runs. Nothing is written anywhere.
import { CutoverError } from '../../shared/errors.js';
import { sinkNames, type WizardDraft } from '../../shared/wizard.js';
import type { RawRow } from '../core/rows.js';
import type { CopyTable } from '../core/tables.js';
import type { SourceSession } from '../source/driver.js';

export interface TableSample {
  /** The table as the copy reads it: the copied columns (generated and excluded ones left out), its key, its filter. */
  table: CopyTable;
  /** Where the table goes on the sink ("db.table", after the job's rename). */
  sinkName: string;
  /** Up to the asked number of rows, the first the server sends, raw as the copy reads them. */
  rows: RawRow[];
}

/**
 * `table` ("db.table", one of the draft's selected tables) read through `session` (over a connection
 * opened like the copy's; the caller destroys it afterwards, which ends a query cut short here).
 */
export async function readTableSample(session: SourceSession, draft: WizardDraft, table: string, limit: number): Promise<TableSample> {
  const dot = table.indexOf('.');
  const ref = { db: table.slice(0, dot), table: table.slice(dot + 1) };
  const sinkName = sinkNames({ ...draft, tables: { selected: [table] } }).get(table)!;
  const sdot = sinkName.indexOf('.');
  const sink = { db: sinkName.slice(0, sdot), table: sinkName.slice(sdot + 1) };
  const info = await session.readTable(ref);
  if (!info.columns.length) throw new CutoverError(`The source has no table ${table}.`, 'Choose one of the selected tables.', 'NOT_FOUND');
  const excluded = new Set(draft.mapping.excludeColumns[table] ?? []);
  const columns = info.columns.filter((c) => !c.generated && !excluded.has(c.name));
  const keyColumns = info.chunkKey.map((k) => info.columns.find((c) => c.name === k)!);
  const t: CopyTable = { stateId: 0, source: info, sink, columns, keyColumns, where: draft.mapping.where[table]?.trim() || undefined };
  const rows: RawRow[] = [];
  const stop = new AbortController();
  await session
    .readChunk(
      t,
      null,
      null,
      (r) => {
        if (rows.length < limit) rows.push(r);
        if (rows.length >= limit) stop.abort();
      },
      stop.signal,
    )
    .catch((e: unknown) => {
      if (!stop.signal.aborted) throw e;
    });
  return { table: t, sinkName, rows };
}
