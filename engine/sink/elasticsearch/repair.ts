// Repair on a search sink: the documents a verification named are written again from the source. In one
// consistent snapshot of the source, the rows of the `missing` and `different` keys are read (by their key
// bytes, the report's `hex`), rendered by the copy's rules and indexed; a key whose row is gone by now has
// its `_id` deleted; each `extra` document (its `hex` is its `_id`'s UTF-8 bytes, see verifier.ts) is
// deleted. All writes go through document-writes.ts writeDocuments (one function, where a version derived
// from the source position is plugged in when the job streams).
//
// Tables without a key are never in a search sink (the copy refuses them). While the job's process runs,
// a repair is refused: its writes carry no version yet, so they and the job's own writes could overwrite
// each other in either order; with the job stopped, the rows are written as of the snapshot, and a stream
// resumed later replays its changes from its checkpoint over them.
import { CutoverError } from '../../../shared/errors.js';
import type { SearchSinkConfig } from '../../../shared/job-config.js';
import type { ColumnInfo } from '../../core/tables.js';
import type { CopyTable } from '../../core/tables.js';
import type { RawValue } from '../../core/rows.js';
import { quoteId } from '../../mysql/identifiers.js';
import { bytesToHex, keyRenderer, valueKind, valueRenderer, type Render } from '../../mysql/values.js';
import type { SourceSession } from '../../source/driver.js';
import { keyOfMismatch } from '../../compare/row-diff.js';
import { repairCommitted, type RepairDone, type RepairOptions } from '../../compare/repair-contract.js';
import { documentShape, renderDocument, rowId, type DocumentShape } from './bulk-writer.js';
import { detectCluster } from './cluster.js';
import { writeDocuments, type DocumentWrite } from './document-writes.js';
import { documentId } from './fields.js';
import { SearchClient } from './http.js';
import { indexNameOf } from './index-name.js';

/** Keys per source query and writes per bulk request. */
const KEYS_PER_STATEMENT = 200;

/**
 * A raw key value (as a row holds it) as a literal the source compares with the column: text with its
 * charset and collation, binary as bytes, ENUM by its label, BIT as the unsigned number its bytes hold.
 */
export function keyLiteral(c: ColumnInfo): Render {
  const kind = valueKind(c);
  if (kind === 'bit') return (v) => (v === null ? 'NULL' : v.length ? BigInt('0x' + bytesToHex(v)).toString() : '0');
  return kind === 'enum' ? valueRenderer(c) : keyRenderer(c);
}

/** The `_id` a key's raw values render to (fields.ts documentId of the key columns' texts). */
export function keyDocumentId(s: DocumentShape, key: RawValue[]): string {
  return documentId(
    s.keyIdx.map((col, i) => {
      const v = key[i];
      if (v === null || v === undefined) throw new Error(`key column ${s.names[col]} is NULL`);
      return s.rules[col]!.text(v, `key column ${s.names[col]}`);
    }),
  );
}

async function repairTable(client: SearchClient, source: SourceSession, t: CopyTable, index: string, mismatches: RepairOptions['targets'][number]['result']['mismatches'], columns: SearchSinkConfig['columns'] = {}): Promise<number> {
  const shape = documentShape(t, index, columns);
  const where = `${t.source.db}.${t.source.table}`;
  const byId = new Map<string, RawValue[]>();
  const extras = new Set<string>();
  for (const m of mismatches) {
    if (m.kind === 'extra') {
      if (m.hex.length === 1 && m.hex[0] !== null) extras.add(Buffer.from(m.hex[0]!, 'hex').toString('utf8'));
      continue;
    }
    const key = keyOfMismatch(m);
    if (key.length === t.keyColumns.length) byId.set(keyDocumentId(shape, key), key);
  }
  const literals = t.keyColumns.map(keyLiteral);
  const entries = [...byId];
  for (let i = 0; i < entries.length; i += KEYS_PER_STATEMENT) {
    const group = entries.slice(i, i + KEYS_PER_STATEMENT);
    const cond = group.map(([, key]) => `(${t.keyColumns.map((c, j) => `${quoteId(c.name)} = ${literals[j]!(key[j] ?? null)}`).join(' AND ')})`).join(' OR ');
    const rows = await source.readRows(t, null, null, cond);
    const writes: DocumentWrite[] = [];
    const written = new Set<string>();
    for (const [n, row] of rows.entries()) {
      const at = (): string => `${where} (repaired row ${n + 1})`;
      const id = rowId(shape, row, at);
      written.add(id);
      writes.push({ id, doc: renderDocument(shape, row, at) });
    }
    for (const [id] of group) if (!written.has(id)) writes.push({ id, doc: null });
    await writeDocuments(client, index, writes);
  }
  const deletes = [...extras].filter((id) => !byId.has(id)).map((id): DocumentWrite => ({ id, doc: null }));
  for (let i = 0; i < deletes.length; i += KEYS_PER_STATEMENT) await writeDocuments(client, index, deletes.slice(i, i + KEYS_PER_STATEMENT));
  return byId.size + deletes.length;
}

/** Writes again the documents the targets' verification named; see the header. */
export async function repairSearch(o: RepairOptions): Promise<RepairDone> {
  if (o.cfg.sink.type !== 'elasticsearch') throw new Error('not a search sink');
  const sink = o.cfg.sink as SearchSinkConfig;
  const keyless = o.targets.filter((x) => !x.table.keyColumns.length).map((x) => x.result.table);
  if (keyless.length)
    throw new CutoverError(`${keyless.join(', ')} has no primary or NOT NULL unique key: the search sink does not hold such tables.`, 'Leave the table out of the job.', 'STATE');
  if (o.running)
    throw new CutoverError(
      `The job "${o.cfg.name}" is running: a repair of a search sink writes documents without a version, so it and the job's own writes could overwrite each other.`,
      'Stop the job (cutover stop, or Pause in the app), repair, then start it again.',
      'STATE',
    );
  const client = new SearchClient(sink, o.log);
  let source: SourceSession | null = null;
  try {
    await detectCluster(client);
    source = await o.openSource();
    const snap = await source.startSnapshot();
    const rows = new Map<string, number>();
    try {
      for (const [i, target] of o.targets.entries()) {
        const t: CopyTable = { ...target.table, stateId: -1 - i };
        rows.set(target.result.table, await repairTable(client, source, t, indexNameOf(sink.index, t.sink), target.result.mismatches, sink.columns));
      }
    } finally {
      await source.endSnapshot().catch(() => undefined);
    }
    return repairCommitted(o, rows, snap.file, null);
  } finally {
    await source?.close().catch(() => undefined);
    client.close();
  }
}
