// How one table's row changes become Kafka records: the format's messages (rendered once, kept as
// bytes), keyed by the primary key as JSON, on the partition the key (or the table) hashes to.
import { CutoverError } from '../../../shared/errors.js';
import { partitionKey, renderKey, renderMessages, type ChangeEventInput, type KafkaFormat, type KafkaMessage, type KafkaTable, type KeyMode } from './formats/index.js';
import { debeziumKey, debeziumValueJson } from './formats/debezium.js';
import { partitionFor } from './partition.js';
import type { OutRecord, TopicLimits } from './record-sender.js';
import { COPY_MARK_HEADER, type CopyMark } from '../../core/copy-mark.js';
import type { RawRow, RowBytes } from '../../core/rows.js';
import { keyValuesOf, readEventShape, type ReadEventFrame, type ReadEventShape, type ReadEventWriter } from './read-event-bytes.js';
import { encodeHeaders, type RecordRuns } from './record-runs.js';
import type { ColumnInfo } from '../../core/tables.js';

export interface RenderedTopic extends TopicLimits {
  partitions: number;
}

export interface RendererOptions {
  format: KafkaFormat;
  keyMode: KeyMode;
  /** Debezium: a tombstone (null value) after each delete, for log-compacted topics. */
  tombstones: boolean;
}

type Headers = Record<string, string>;

/** Bytes a record's headers add to its record batch (as record() counts them). */
function headersSize(headers: Headers): number {
  let size = 0;
  for (const [hk, hv] of Object.entries(headers)) size += hk.length + Buffer.byteLength(hv) + 4;
  return size;
}

/**
 * The headers of a record that carries only its copy mark: one frozen object per mark, shared by every
 * such record (the client only reads them), and its size counted once.
 */
const MARK_ONLY: Record<CopyMark, { headers: Headers; size: number }> = {
  row: { headers: Object.freeze({ [COPY_MARK_HEADER]: 'row' }), size: 0 },
  pending: { headers: Object.freeze({ [COPY_MARK_HEADER]: 'pending' }), size: 0 },
};
for (const m of Object.values(MARK_ONLY)) m.size = headersSize(m.headers);

/**
 * A rendered record. Its origin (for error messages) is a method over the row's key values, not a
 * closure: one object per record instead of an object, a closure and its context.
 */
class RowRecord implements OutRecord {
  constructor(
    readonly topic: RenderedTopic,
    readonly key: string | null,
    readonly value: string | null,
    readonly partition: number,
    readonly headers: Record<string, string> | undefined,
    readonly size: number,
    private readonly r: TableRenderer,
    private readonly keyVals: RawRow,
  ) {}

  origin(): string {
    return `${this.r.where} (${this.r.keyValuesText(this.keyVals)})`;
  }
}

/** The header bytes (record format) of a record that carries only its copy mark, or none. */
const MARK_ONLY_BYTES: Record<CopyMark | 'none', Buffer> = {
  row: encodeHeaders(MARK_ONLY.row.headers),
  pending: encodeHeaders(MARK_ONLY.pending.headers),
  none: encodeHeaders(undefined),
};

export class TableRenderer {
  readonly kt: KafkaTable;
  /** The copy's byte path for this table's read events (Debezium only), or null: every row takes render(). */
  readonly readShape: ReadEventShape | null;
  readonly keyIdx: number[];
  readonly where: string;

  constructor(
    db: string,
    table: string,
    readonly columns: ColumnInfo[],
    readonly keyColumns: ColumnInfo[],
    readonly topic: RenderedTopic,
    readonly o: RendererOptions,
  ) {
    this.kt = { db, table, columns, keyColumns: keyColumns.map((c) => c.name) };
    this.keyIdx = keyColumns.map((k) => columns.findIndex((c) => c.name === k.name));
    this.where = `${db}.${table}`;
    this.readShape = o.format === 'debezium' ? readEventShape(this.kt, o.keyMode, topic.partitions) : null;
  }

  /**
   * A copied row's read event from its bytes (`e`: the batch's event, for its mark; `frame`: its source's),
   * appended as a record to its partition's run; false when the row must take render() (nothing is
   * appended then).
   */
  renderBytes(w: ReadEventWriter, frame: ReadEventFrame, e: ChangeEventInput, row: RowBytes, runs: RecordRuns): boolean {
    const shape = this.readShape;
    return shape !== null && w.write(shape, frame, row, e.tsMs, runs, MARK_ONLY_BYTES[e.copyMark ?? 'none'], this.bytesOrigin);
  }

  /** Names the row of a key the byte path wrote. */
  private readonly bytesOrigin = (key: Buffer | null): string => `${this.where} (${this.keyValuesText(key ? keyValuesOf(this.readShape!, key) : [])})`;

  keyValues(row: RawRow): RawRow {
    const idx = this.keyIdx;
    const out: RawRow = new Array<string | null>(idx.length);
    for (let j = 0; j < idx.length; j++) out[j] = row[idx[j]!] ?? null;
    return out;
  }

  /** The row's key for messages: key column = value, as text (bytes decoded as UTF-8). */
  keyText(row: RawRow): string {
    return this.keyValuesText(this.keyValues(row));
  }

  /** keyText of the key values alone (keyValues). */
  keyValuesText(key: RawRow): string {
    if (!this.keyIdx.length) return '(no key)';
    return this.keyColumns
      .map((c, j) => {
        const v = key[j] ?? null;
        return `${c.name}=${v === null ? 'NULL' : JSON.stringify(Buffer.from(v, 'latin1').toString('utf8'))}`;
      })
      .join(', ');
  }

  /** Every record of one row change, in order, appended to `out`. */
  render(e: ChangeEventInput, out: OutRecord[]): void {
    const o = this.o;
    const row = (e.op === 'd' ? e.before : e.after)!;
    let msgs: KafkaMessage[] | null = null;
    let canalKey: string | null = null;
    // The copy's read events and the stream's inserts in Debezium form: one record, rendered without the
    // general path's intermediate arrays and objects (the same text: debeziumRecords for these ops).
    const single = o.format === 'debezium' && (e.op === 'r' || e.op === 'c') && e.after !== null && e.after.length === this.columns.length;
    let sKey: string | null = null;
    let sValue = '';
    let sPartitionKey = '';
    try {
      if (single) {
        sKey = debeziumKey(e, e.after);
        sValue = debeziumValueJson(e);
        sPartitionKey = partitionKey(e, o.keyMode, e.after);
      } else {
        msgs = renderMessages(o.format, e, { keyMode: o.keyMode, tombstonesOnDelete: o.tombstones });
        // Canal's own producer sends no key; Cutover sends the Debezium-style primary-key JSON ({"id":1})
        // so that log compaction and per-key consumers work. The value is Canal's message unchanged.
        if (o.format === 'canal') canalKey = renderKey(o.keyMode, e, 'debezium');
      }
    } catch (err) {
      throw new CutoverError(
        `A row of ${this.where} (${this.keyText(row)}) cannot be written as a ${o.format} message: ${(err as Error).message}`,
        'Fix the value on the source (for text: bytes valid in the column\'s character set), or exclude the column ("columns": {"db.table": {"exclude": [...]}}), then run the job again.',
        'SINK_ROW',
      );
    }
    // Only the key values are kept for an error message: the records of a batch wait for the broker's
    // acknowledgement, and a reference to the whole row (or the event) would keep every row image alive too.
    const key = this.keyValues(row);
    const mark = e.copyMark ?? null;
    if (single) {
      const h = mark ? MARK_ONLY[mark] : null;
      out.push(this.record(sKey, sValue, sPartitionKey, h ? h.headers : undefined, key, h ? h.size : 0));
      return;
    }
    for (const m of msgs!) {
      // A tombstone (null value) carries no change, so no mark.
      const headers = mark && m.value !== null ? (m.headers ? { ...m.headers, [COPY_MARK_HEADER]: mark } : MARK_ONLY[mark].headers) : m.headers;
      out.push(this.record(o.format === 'canal' ? canalKey : m.key, m.value, m.partitionKey, headers, key));
    }
  }

  /** `hsize`: the headers' size when the caller knows it (MARK_ONLY), else counted here. */
  private record(k: string | null, value: string | null, pk: string, headers: Headers | undefined, key: RawRow, hsize = headers ? headersSize(headers) : 0): RowRecord {
    // Strings, not Buffers: the (patched) client writes them straight into the request as UTF-8.
    const size = (k === null ? 0 : Buffer.byteLength(k)) + (value === null ? 0 : Buffer.byteLength(value)) + hsize + 24;
    return new RowRecord(this.topic, k, value, partitionFor(pk, this.topic.partitions), headers, size, this, key);
  }
}
