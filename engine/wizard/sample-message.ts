// The wizard's sample message for a sink that publishes messages (SinkDriver.sampleMessage: Kafka): the
// first row of a selected table the server sends, read by the copy's own reader and rendered by the sink's
// driver as the copy will publish it. Nothing is published.
import { CutoverError } from '../../shared/errors.js';
import type { KafkaSample, WizardDraft } from '../../shared/wizard.js';
import { sinkKind } from '../sink/registry.js';
import type { SourceSession } from '../source/driver.js';
import { readTableSample } from './table-sample.js';

/** `data`: a source session over a connection opened like the copy's, destroyed by the caller afterwards; `kind`: the draft's sink kind. */
export async function sampleMessage(data: SourceSession, draft: WizardDraft, table: string, kind: string): Promise<KafkaSample> {
  const descriptor = sinkKind(kind);
  const driver = await descriptor.load();
  if (!driver.sampleMessage) throw new CutoverError(`A ${descriptor.title} sink publishes no messages to show a sample of.`, 'The Mapping step shows what this sink writes in its own section.', 'BAD_REQUEST');
  const { table: copy, rows } = await readTableSample(data, draft, table, 1);
  const row = rows[0];
  if (!row) throw new CutoverError(`${table} has no row${copy.where ? ' matching its row filter' : ''} to render.`, 'Choose a table with rows, or insert one on the source.', 'EMPTY');
  return driver.sampleMessage({ draft, table, copy, row });
}
