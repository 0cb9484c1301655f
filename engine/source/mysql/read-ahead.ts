// The binlog reader's read-ahead: transactions, pieces and DDL statements decoded and not yet handed out,
// with the row changes and the bytes of row images (core/changes.ts rowBytes) they hold. Reading pauses
// when either passes its high-water mark and resumes once both are at half of it, so what waits here is
// bounded by counted bytes as well as by rows: ten thousand rows of a table with large TEXT or BLOB values
// are not ten thousand rows of a narrow one.
import type { BinlogItem } from '../../core/changes.js';

export interface ReadAheadLimits {
  /** Row changes (plus one per item) above which reading pauses. */
  rows: number;
  /** Bytes of row images above which reading pauses. */
  bytes: number;
}

interface Entry {
  item: BinlogItem;
  bytes: number;
}

export class ReadAhead {
  private entries: Entry[] = [];
  private head = 0;
  private rowCount = 0;
  private byteCount = 0;

  constructor(readonly limits: ReadAheadLimits) {}

  get length(): number {
    return this.entries.length - this.head;
  }

  /** Row changes waiting. */
  get rows(): number {
    return this.rowCount;
  }

  /** Bytes of row images waiting. */
  get bytes(): number {
    return this.byteCount;
  }

  /** The last item added and not handed out yet. */
  last(): BinlogItem | undefined {
    return this.length ? this.entries[this.entries.length - 1]!.item : undefined;
  }

  /** Puts `item` in place of the last one (both without row changes: a run of them needs only its last position). */
  replaceLast(item: BinlogItem): void {
    const e = this.entries[this.entries.length - 1]!;
    this.rowCount -= rowsOf(e.item);
    this.byteCount -= e.bytes;
    e.item = item;
    this.rowCount += rowsOf(item);
  }

  /** Adds an item holding `bytes` of row images. */
  push(item: BinlogItem, bytes: number): void {
    this.entries.push({ item, bytes });
    this.rowCount += rowsOf(item);
    this.byteCount += bytes;
  }

  /** The oldest item, or undefined when none waits. */
  shift(): BinlogItem | undefined {
    if (this.head >= this.entries.length) return undefined;
    const e = this.entries[this.head]!;
    this.entries[this.head++] = undefined as unknown as Entry;
    // Drop the handed-out slots now and then rather than shifting the array on every item.
    if (this.head >= 1024 && this.head * 2 >= this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    this.rowCount -= rowsOf(e.item);
    this.byteCount -= e.bytes;
    return e.item;
  }

  /** Above a high-water mark: reading should pause. */
  full(): boolean {
    return this.rowCount + this.length > this.limits.rows || this.byteCount > this.limits.bytes;
  }

  /** At half of both marks or below: paused reading may resume. */
  drained(): boolean {
    return this.rowCount + this.length <= this.limits.rows / 2 && this.byteCount <= this.limits.bytes / 2;
  }
}

function rowsOf(item: BinlogItem): number {
  return item.kind === 'ddl' ? 0 : item.changes.length;
}
