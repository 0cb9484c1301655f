// An in-memory source for the pipeline's unit tests: tables with rows, a change log with positions
// (file "mem.000001", byte offsets that grow by 100 per transaction), and failure injection (a change
// reader that drops its connection after N items, sessions that cannot connect). Asked for pieces, the
// reader hands out a transaction of more than `piece.maxRows` changes in pieces, as the binlog reader does. Keys compare as numbers
// (the tests' keys are integers); every value is a string, like the byte strings a real source delivers.
import type { SourcePosition } from '../../engine/core/position.js';
import { comparePositions } from '../../engine/core/position.js';
import type { TableRef } from '../../shared/table-selection.js';
import type { BinlogItem, BinlogStatus, BinlogTransaction, DdlEvent, RowChange } from '../../engine/core/changes.js';
import type { RawRow } from '../../engine/core/rows.js';
import type { ColumnInfo, CopyTable, TableInfo } from '../../engine/core/tables.js';
import type { StreamReaderOptions, StreamSource, StreamSourceSession, StreamStart } from '../../engine/pipeline/stream-source.js';
import type { ChangeReader } from '../../engine/source/driver.js';

export const FILE = 'mem.000001';
export const at = (pos: number): SourcePosition => ({ kind: 'mysql-binlog', file: FILE, pos });

const column = (name: string): ColumnInfo => ({ name, dataType: name === 'id' ? 'int' : 'varchar', columnType: name === 'id' ? 'int(11)' : 'varchar(100)', charset: null, collation: null, nullable: name !== 'id', generated: false });

/** A table "db.name" with columns (the first is the key "id" unless keyless). */
export function tableInfo(db: string, table: string, columns: string[] = ['id', 'v'], keyless = false): TableInfo {
  return {
    db,
    table,
    columns: columns.map(column),
    chunkKey: keyless ? [] : [columns[0]!],
    chunkKeyName: keyless ? null : 'PRIMARY',
    engine: 'InnoDB',
    estimatedRows: 0,
    dataBytes: 0,
    createSql: '',
    systemVersioned: false,
  };
}

/** A connection error the stream retries (as a lost MySQL connection reports itself). */
export function connectionLost(what: string): Error {
  return Object.assign(new Error(`${what}: connection lost (injected)`), { code: 'PROTOCOL_CONNECTION_LOST' });
}

/** What the copy reads through a source session (the in-memory part of it). */
export interface MemoryCopySession {
  nextBoundary(t: CopyTable, lower: RawRow | null, chunkRows: number): Promise<RawRow | null>;
  readChunk(t: CopyTable, lower: RawRow | null, upper: RawRow | null, onRow: (row: RawRow) => Promise<void> | void): Promise<void>;
  startSnapshot(): Promise<BinlogStatus>;
  endSnapshot(): Promise<void>;
  validateFilter(t: CopyTable): Promise<string | null>;
  close(): Promise<void>;
}

export interface MemoryTable {
  info: TableInfo;
  rows: Map<string, RawRow>;
}

export class MemorySource implements StreamSource {
  readonly tables = new Map<string, MemoryTable>();
  readonly log: (BinlogTransaction | DdlEvent)[] = [];
  private pos = 4;
  /** Readers opened so far, with where each started. */
  readonly readersOpened: StreamStart[] = [];
  /** The next reader delivers this many items, then fails as a dropped connection (once; null: never). */
  dropReaderAfter: number | null = null;
  /** The next N sessions fail to connect. */
  failConnects = 0;

  addTable(info: TableInfo, rows: RawRow[] = []): void {
    const t: MemoryTable = { info, rows: new Map() };
    for (const r of rows) t.rows.set(this.keyOf(t, r), r);
    this.tables.set(`${info.db}.${info.table}`, t);
  }

  get position(): SourcePosition {
    return at(this.pos);
  }

  keyOf(t: MemoryTable, row: RawRow): string {
    if (!t.info.chunkKey.length) return JSON.stringify(row);
    return t.info.chunkKey.map((k) => row[t.info.columns.findIndex((c) => c.name === k)]).join('\u0000');
  }

  /** Commits one transaction of changes (applied to the tables and appended to the change log); returns its end. */
  commit(...changes: { table: string; type: RowChange['type']; before?: RawRow; after?: RawRow }[]): SourcePosition {
    const out: RowChange[] = [];
    for (const c of changes) {
      const t = this.tables.get(c.table)!;
      const before = c.type === 'insert' ? null : (c.before ?? t.rows.get(this.keyOf(t, c.after!))!);
      const after = c.type === 'delete' ? null : c.after!;
      if (before) t.rows.delete(this.keyOf(t, before));
      if (after) t.rows.set(this.keyOf(t, after), after);
      out.push({ db: t.info.db, table: t.info.table, name: c.table, type: c.type, before, after, columns: t.info.columns.map((col) => col.name) });
    }
    this.pos += 100;
    const tx: BinlogTransaction = { kind: 'transaction', changes: out, gtid: null, end: at(this.pos), timestamp: Math.floor(Date.now() / 1000) };
    this.log.push(tx);
    return tx.end;
  }

  insert(table: string, row: RawRow): SourcePosition {
    return this.commit({ table, type: 'insert', after: row });
  }

  update(table: string, row: RawRow): SourcePosition {
    return this.commit({ table, type: 'update', after: row });
  }

  delete(table: string, key: string): SourcePosition {
    const t = this.tables.get(table)!;
    return this.commit({ table, type: 'delete', before: t.rows.get(key)! });
  }

  /** Appends a DDL statement to the change log (the tables are not changed). */
  ddl(db: string, sql: string): SourcePosition {
    this.pos += 100;
    this.log.push({ kind: 'ddl', db, sql, end: at(this.pos), gtid: null, timestamp: Math.floor(Date.now() / 1000) });
    return at(this.pos);
  }

  /** Copy reads so far (chunks read), failed ones included. */
  chunkReads = 0;

  /**
   * A data session for the copy: chunk boundaries and chunk rows in key order (keys compare as numbers),
   * snapshots at the current position (every commit is visible at once).
   */
  copySession(): MemoryCopySession {
    const rowsOf = (t: CopyTable): { key: number; row: RawRow }[] => {
      const mt = this.tables.get(`${t.source.db}.${t.source.table}`)!;
      const key = mt.info.columns.findIndex((c) => c.name === mt.info.chunkKey[0]);
      const idx = t.columns.map((c) => mt.info.columns.findIndex((x) => x.name === c.name));
      return [...mt.rows.values()].map((r) => ({ key: Number(r[key]), row: idx.map((i) => r[i]!) })).sort((a, b) => a.key - b.key);
    };
    const after = (lower: RawRow | null) => (r: { key: number }) => lower === null || r.key > Number(lower[0]);
    return {
      nextBoundary: async (t, lower, chunkRows) => {
        const next = rowsOf(t).filter(after(lower))[chunkRows - 1];
        return next ? [String(next.key)] : null;
      },
      readChunk: async (t, lower, upper, onRow) => {
        this.chunkReads++;
        for (const r of rowsOf(t).filter(after(lower))) {
          if (upper !== null && r.key > Number(upper[0])) break;
          await onRow(r.row);
        }
      },
      startSnapshot: async () => ({ file: this.position, gtid: null }),
      endSnapshot: async () => undefined,
      validateFilter: async () => null,
      close: async () => undefined,
    };
  }

  async currentPosition(): Promise<BinlogStatus> {
    return { file: this.position, gtid: null };
  }

  async openSession(): Promise<StreamSourceSession> {
    if (this.failConnects > 0) {
      this.failConnects--;
      throw connectionLost('source');
    }
    return {
      checkAvailable: async () => undefined,
      openReader: async (from, o) => {
        this.readersOpened.push(from);
        const drop = this.dropReaderAfter;
        this.dropReaderAfter = null;
        return new MemoryReader(this, from as SourcePosition, o, drop);
      },
      retention: async () => ({ secondsLeft: null, settings: 'in memory: never purged' }),
      currentStatus: () => this.currentPosition(),
      // One log file: the bytes behind are the offsets between the two positions.
      backlog: async (from) => ({ head: await this.currentPosition(), bytesBehind: Math.max(0, this.pos - from.pos) }),
      readTable: async (ref: TableRef) => this.tables.get(`${ref.db}.${ref.table}`)?.info ?? null,
      close: async () => undefined,
    };
  }
}

/** Reads the source's change log from a position on: later commits are seen too (the log is read live). */
class MemoryReader implements ChangeReader {
  private next_ = 0;
  private delivered = 0;
  /** The pieces and final part of the transaction being handed out in pieces. */
  private readonly parts: BinlogItem[] = [];
  private closed = false;
  lastEventAt = Date.now();
  readonly heartbeats = 1;

  constructor(
    private readonly src: MemorySource,
    from: SourcePosition,
    private readonly o: StreamReaderOptions,
    private readonly dropAfter: number | null,
  ) {
    while (this.next_ < src.log.length && comparePositions(src.log[this.next_]!.end, from) <= 0) this.next_++;
  }

  /** A piece or final part already split off is ready: the apply loop takes it without waiting (ChangeReader.poll). */
  poll(): BinlogItem | undefined {
    if (this.closed || (this.dropAfter !== null && this.delivered >= this.dropAfter)) return undefined;
    const part = this.parts.shift();
    if (part) this.delivered++;
    return part;
  }

  async next(timeoutMs: number): Promise<BinlogItem | null | undefined> {
    if (this.closed) return null;
    if (this.dropAfter !== null && this.delivered >= this.dropAfter) throw connectionLost('change reader');
    const part = this.parts.shift();
    if (part) {
      this.delivered++;
      return part;
    }
    const item = this.src.log[this.next_];
    if (!item) {
      await new Promise((r) => setTimeout(r, Math.min(timeoutMs, 2)));
      return undefined;
    }
    this.next_++;
    this.delivered++;
    this.lastEventAt = Date.now();
    if (item.kind === 'ddl') return item;
    const changes = item.changes.filter((c) => this.o.include(c.db, c.table));
    const max = this.o.piece?.maxRows;
    if (max !== undefined && changes.length > max) {
      const start = this.next_ > 1 ? this.src.log[this.next_ - 2]!.end : at(4);
      for (let i = 0; i < changes.length; i += max) {
        const slice = changes.slice(i, i + max);
        if (i + max < changes.length) this.parts.push({ kind: 'piece', changes: slice, gtid: item.gtid, start, timestamp: item.timestamp });
        else this.parts.push({ ...item, changes: slice });
      }
      return this.parts.shift()!;
    }
    return changes.length === item.changes.length ? item : { ...item, changes };
  }

  get idlePosition(): SourcePosition | null {
    return this.parts.length === 0 && this.next_ >= this.src.log.length ? this.src.position : null;
  }

  ddlHandled(): void {}

  async close(): Promise<void> {
    this.closed = true;
  }
}
