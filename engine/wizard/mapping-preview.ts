// The wizard's mapping preview: a few rows of one selected table read from the source as the copy reads
// them, handed to the sink's driver, which says each column's type there and how each value lands
// (SinkDriver.previewMapping). A sink without typed tables (Kafka, whose sample message is its preview)
// has no such hook and is refused here. Nothing is written anywhere.
import { CutoverError } from '../../shared/errors.js';
import type { MappingPreview } from '../../shared/mapping-preview.js';
import type { WizardDraft } from '../../shared/wizard.js';
import { sinkKind } from '../sink/registry.js';
import type { SourceSession } from '../source/driver.js';
import { readTableSample } from './table-sample.js';

/** Rows shown per table: enough to see typical values, few enough to read at a glance. */
export const PREVIEW_ROWS = 5;

/**
 * The preview of `table` for the draft's sink (`kind`, its options as the job file will say them).
 * `session`: a data session (read like the copy's), destroyed by the caller afterwards.
 */
export async function mappingPreview(
  session: SourceSession,
  draft: WizardDraft,
  table: string,
  kind: string,
  sinkOptions: Record<string, unknown>,
): Promise<MappingPreview> {
  const descriptor = sinkKind(kind);
  const driver = await descriptor.load();
  if (!driver.previewMapping)
    throw new CutoverError(`A ${descriptor.title} sink has no type mapping to preview.`, 'The Mapping step shows what this sink writes in its own section.', 'BAD_REQUEST');
  const { table: t, sinkName, rows } = await readTableSample(session, draft, table, PREVIEW_ROWS);
  const cols = await driver.previewMapping({ table, sink: t.sink, columns: t.columns, keyColumns: t.source.chunkKey, rows, sinkOptions, source: session });
  return { table, sinkTable: sinkName, rows: rows.length, policy: String(sinkOptions.unholdable ?? ''), columns: cols };
}
