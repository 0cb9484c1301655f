// A batch of source transactions as search writes: the last state of each document, with the external
// version of the transaction that left it (external-version.ts). An insert or update indexes the row's
// document; a delete deletes its `_id`; an update that changes the key deletes the old `_id` and indexes the
// new one. Later changes of the same document in the batch replace earlier ones (the checkpoint moves only
// once the whole batch is written, so a crash replays all of it), so each `_id` is written once per batch.
import { CutoverError } from '../../../shared/errors.js';
import type { SearchSinkConfig } from '../../../shared/job-config.js';
import type { BinlogTransaction, RowChange } from '../../core/changes.js';
import type { ApplierTable } from '../../core/checkpoint.js';
import type { RawRow } from '../../core/rows.js';
import type { CopyTable } from '../../core/tables.js';
import { actionLine, documentShape, renderDocument, rowId, type DocumentShape } from './bulk-writer.js';
import { externalVersion } from './external-version.js';
import type { DocumentJoins, TouchedKeys } from './joins.js';

export interface SearchAction {
  op: 'index' | 'delete';
  index: string;
  id: string;
  version: string;
  /** The NDJSON lines of the action (and its document). */
  body: string;
  /** "db.table", for messages. */
  table: string;
  /** A document of a table other tables write fields into: the document and its lookup `_id`s (joins.ts). */
  joined?: { doc: string; joinIds: (string | null)[] };
}

/** A table's document shape in the stream, and where each of its fields is in a binlog row image. */
interface StreamShape {
  shape: DocumentShape;
  positions: WeakMap<readonly string[], number[]>;
}

export class StreamActions {
  private readonly shapes = new Map<string, StreamShape>();
  /** The contributing keys the last planned batch changed, per contributing table (joins.ts spread). */
  touched = new Map<string, TouchedKeys>();

  constructor(
    private readonly tables: (name: string) => ApplierTable | undefined,
    private readonly indexOf: (t: ApplierTable) => string,
    private readonly joins: DocumentJoins | null = null,
    /** The job's per-column choices ("sink.columns"). */
    private readonly columns: SearchSinkConfig['columns'] = {},
  ) {}

  /** Forgets a table's shape (its definition changed). */
  forget(name: string): void {
    this.shapes.delete(name);
  }

  private shapeOf(name: string): StreamShape | null {
    const s = this.shapes.get(name);
    if (s) return s;
    const t = this.tables(name);
    if (!t) return null;
    const columns = t.info.columns.filter((c) => !c.generated);
    const keyColumns = t.info.chunkKey.map((k) => columns.find((c) => c.name === k)!).filter(Boolean);
    const copy = { stateId: 0, source: t.info, sink: t.sink, columns, keyColumns } as CopyTable;
    const made = { shape: documentShape(copy, this.indexOf(t), this.columns), positions: new WeakMap<readonly string[], number[]>() };
    this.shapes.set(name, made);
    return made;
  }

  /** The document's fields picked out of a binlog row image, in the shape's order. */
  private pick(s: StreamShape, c: RowChange, img: RawRow): RawRow {
    let p = s.positions.get(c.columns);
    if (!p) {
      p = s.shape.names.map((n) => {
        let i = c.columns.indexOf(n);
        if (i < 0) i = c.columns.findIndex((x) => x.toLowerCase() === n.toLowerCase());
        if (i < 0)
          throw new CutoverError(
            `The binlog row image of ${c.db}.${c.table} has no column ${n} (its columns: ${c.columns.join(', ')}): the table's definition in the binlog differs from the one Cutover recorded.`,
            'The source table changed in a way the stream did not see (a DDL statement outside the binlog?). Run the job again with --resnapshot to copy it afresh.',
            'SINK_ROW',
          );
        return i;
      });
      s.positions.set(c.columns, p);
    }
    return p.map((i) => img[i] ?? null);
  }

  /** The net writes of the transactions, in the order each document was last changed. */
  plan(txs: BinlogTransaction[]): SearchAction[] {
    const out = new Map<string, SearchAction>();
    this.touched = new Map();
    const put = (a: SearchAction): void => {
      const k = `${a.index}\u0000${a.id}`;
      out.delete(k); // re-inserted at the end: the order of last changes
      out.set(k, a);
    };
    for (const tx of txs) {
      let version: string | null = null;
      for (const c of tx.changes) {
        const name = c.name ?? `${c.db}.${c.table}`;
        const s = this.shapeOf(name);
        if (!s) continue;
        version ??= externalVersion(tx.end);
        const where = (): string => `${name} (a change of the transaction ending at ${tx.end.file}:${tx.end.pos})`;
        const { shape } = s;
        const render = (what: () => RawRow): { id: string; row: RawRow } => {
          try {
            const row = what();
            return { id: rowId(shape, row, where), row };
          } catch (e) {
            if (e instanceof CutoverError) throw e;
            throw new CutoverError(`A change of ${name} cannot be written as a search document: ${(e as Error).message}`, 'Fix the value on the source, or exclude the column, then run the job again.', 'SINK_ROW');
          }
        };
        const oldRow = c.before ? render(() => this.pick(s, c, c.before!)) : null;
        const newRow = c.after ? render(() => this.pick(s, c, c.after!)) : null;
        if (this.joins?.from(name)) {
          let keys = this.touched.get(name);
          if (!keys) this.touched.set(name, (keys = new Map()));
          for (const r of [oldRow, newRow]) if (r) keys.set(r.id, version);
        }
        const into = this.joins?.into(name) ?? [];
        if (oldRow && (!newRow || oldRow.id !== newRow.id))
          put({ op: 'delete', index: shape.index, id: oldRow.id, version, table: name, body: `${actionLine('delete', shape.index, oldRow.id, version)}\n` });
        if (newRow) {
          let doc: string;
          try {
            doc = renderDocument(shape, newRow.row, where);
          } catch (e) {
            throw new CutoverError(`A change of ${name} cannot be written as a search document: ${(e as Error).message}`, 'Fix the value on the source (text: bytes valid in the column\'s character set; JSON: valid JSON), or exclude the column, then run the job again.', 'SINK_ROW');
          }
          if (Buffer.byteLength(newRow.id) > 512)
            throw new CutoverError(`A row of ${name} has a key whose _id is ${Buffer.byteLength(newRow.id)} bytes; Elasticsearch and OpenSearch take at most 512.`, 'Exclude the table, or give it a shorter primary key on the source.', 'SINK_ROW');
          put({
            op: 'index',
            index: shape.index,
            id: newRow.id,
            version,
            table: name,
            body: `${actionLine('index', shape.index, newRow.id, version)}\n${doc}\n`,
            ...(into.length ? { joined: { doc, joinIds: this.joins!.joinIds(shape, into, newRow.row) } } : {}),
          });
        }
      }
    }
    return [...out.values()];
  }
}
