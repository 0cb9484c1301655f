// Reads row changes and DDL from a MySQL/MariaDB binlog (@vlasky/zongji), with every value converted to
// exactly the RawValue the snapshot's SELECT returns for the same row and column (binlog-values.ts), so
// a change can be applied with the same renderers as the copy.
//
// Requirements (checked on open): binlog_format=ROW, binlog_row_image=FULL, and on MariaDB/MySQL 8
// binlog_row_metadata=FULL (column names, charsets and ENUM/SET labels then come from each TableMap) or
// MINIMAL (zongji then reads names and types from information_schema: the current schema, so a column
// change not yet streamed is decoded with the new definition; FULL is recommended).
// Transactions are delivered whole, after their commit; `end` is the position right after the commit
// event, the only safe place to resume from (a position inside a transaction would replay it without its
// GTID). A transaction that grows past the `piece` budget while it is read is handed out in pieces
// ("more follows", no end) and then its final part with the end: a million-row transaction never sits in
// memory whole. Backpressure: the binlog connection is paused while more than `highWater` row changes or
// `highWaterBytes` of row images wait, pieces included (read-ahead.ts), so a large transaction is read only
// as fast as it is applied.
import ZongJi from '@vlasky/zongji';
import type { AnyBinlogEvent, TableMapEvent, ZongJiOptions } from '@vlasky/zongji';
import type { SourcePosition } from '../../core/position.js';
import { CutoverError } from '../../../shared/errors.js';
import { connect, parseMysqlUrl, targetOptions, type Connection } from '../../mysql/connection.js';
import type { ColumnHint } from './binlog-values.js';
import { allPresent, type TableState } from './binlog-table-state.js';
import { BinlogTableMaps, type ZongJiTables } from './binlog-table-maps.js';
import { checkBinlogSettings } from './binlog-settings.js';
import type { RawRow } from '../../core/rows.js';
import { rowBytes, type BinlogItem, type RowChange } from '../../core/changes.js';
import { ReadAhead } from './read-ahead.js';

export interface BinlogReaderOptions {
  /** Unique among the source's replicas. */
  serverId: number;
  /** Which tables' row changes to decode; others are skipped inside zongji (not decoded). */
  include: (db: string, table: string) => boolean;
  /** Buffered row changes above which the binlog connection is paused (default 10,000). */
  highWater?: number;
  /** Bytes of row images (core/changes.ts rowBytes) buffered above which it is paused too (default 16 MiB). */
  highWaterBytes?: number;
  /**
   * Column details of a table as the consumer knows it at this point of the binlog (its schema history),
   * used instead of reading the source's current schema; null: not known, read the source.
   */
  hints?: (db: string, table: string) => Map<string, ColumnHint> | null;
  /**
   * Stop decoding after each DDL statement until ddlHandled() is called, so rows after it are decoded
   * with the definitions the consumer has updated by then.
   */
  pauseAfterDdl?: boolean;
  /** Heartbeat period asked of the server while the binlog is quiet (default 5,000 ms; 0: none). */
  heartbeatMs?: number;
  /** Hand out a transaction in pieces once its unsent part reaches this many row changes or bytes (absent: whole). */
  piece?: { maxRows: number; maxBytes: number };
}

type PauseReason = 'backpressure' | 'schema' | 'ddl';

interface OpenGroup {
  gtid: string | null;
  /** Changes read and not yet handed out (earlier ones went out as pieces). */
  changes: RowChange[];
  /** Bytes of `changes` (rowBytes). */
  bytes: number;
  /** Where the transaction began, and the time of its first event (unix s). */
  start: SourcePosition | null;
  timestamp: number;
}

/** zongji internals the reader relies on (pinned version 0.9.0, see FINDINGS.md). */
interface ZongJiInternals extends ZongJiTables {
  connection: { pause(): void; resume(): void } | null;
  _skipSchema(db: string, table: string): boolean;
  isMariaDb?: boolean;
  /** Called with each event instead of emitting 'binlog' (see the zongji patch). */
  onBinlog?: (ev: AnyBinlogEvent) => void;
}

export class BinlogReader {
  private readonly queue: ReadAhead;
  private readonly pauses = new Set<PauseReason>();
  private waiter: (() => void) | null = null;
  private error: Error | null = null;
  private closed = false;
  private file: string;
  private group: OpenGroup | null = null;
  private readonly tables: BinlogTableMaps;
  private position: SourcePosition | null = null;
  /** Where reading started (a file position; null for a GTID start): a transaction's start before any event moved `position`. */
  private startPosition: SourcePosition | null = null;
  /** When the last event (heartbeats included) arrived, and how many heartbeats came: for the stall watchdog. */
  lastEventAt = Date.now();
  heartbeats = 0;

  private constructor(
    private readonly zongji: ZongJi,
    private readonly meta: Connection,
    private readonly opts: BinlogReaderOptions,
    startFile: string,
  ) {
    this.file = startFile;
    this.queue = new ReadAhead({ rows: opts.highWater ?? 10_000, bytes: opts.highWaterBytes ?? 16 << 20 });
    this.tables = new BinlogTableMaps(zongji as unknown as ZongJiInternals, meta, opts.hints, {
      pause: () => this.pause('schema'),
      resume: () => this.unpause('schema'),
      fail: (e) => this.fail(e),
    });
  }

  static async open(url: string, start: SourcePosition | { gtid: string }, opts: BinlogReaderOptions): Promise<BinlogReader> {
    const addr = parseMysqlUrl(url);
    const meta = await connect(addr);
    // The settings are checked while zongji connects (its own two connections): a wrong setting then closes
    // the reader and is the error reported.
    const settings = checkBinlogSettings(meta).then(
      () => null,
      (e: unknown) => e,
    );
    const zongji = new ZongJi({
      ...targetOptions(addr), // address, account and TLS: zongji hands them to mysql2 for both its connections
      dateStrings: true, // DATE/DATETIME/TIMESTAMP as the server's text, microseconds and zero dates kept
      timezone: '+00:00', // TIMESTAMP in UTC, as the copy's session reads it
      jsonStrings: true,
    });
    const reader = new BinlogReader(zongji, meta, opts, 'file' in start ? start.file : '');
    if ('file' in start) reader.startPosition = start;
    const included = new Map<string, Map<string, boolean>>();
    (zongji as unknown as ZongJiInternals)._skipSchema = (db, table) => {
      let perDb = included.get(db);
      if (!perDb) included.set(db, (perDb = new Map()));
      let yes = perDb.get(table);
      if (yes === undefined) perDb.set(table, (yes = opts.include(db, table)));
      return !yes;
    };
    // Events by a direct call rather than through the 'binlog' event (see the zongji patch).
    (zongji as unknown as ZongJiInternals).onBinlog = (ev: AnyBinlogEvent) => {
      try {
        reader.onEvent(ev);
      } catch (e) {
        reader.fail(e as Error);
      }
    };
    const started = new Promise<void>((resolve, reject) => {
      zongji.once('ready', resolve);
      zongji.on('error', (e: Error) => {
        reject(e);
        reader.fail(e);
      });
      const common = { serverId: opts.serverId, heartbeatPeriodMs: opts.heartbeatMs ?? 5000 } as ZongJiOptions; // heartbeatPeriodMs: see the zongji patch
      zongji.start('gtid' in start ? { ...common, gtidSet: start.gtid } : { ...common, filename: start.file, position: start.pos });
    }).then(
      () => null,
      (e: unknown) => e,
    );
    const failed = (await settings) ?? (await started);
    if (failed !== null) {
      await reader.close();
      throw failed;
    }
    return reader;
  }

  /**
   * The next transaction or DDL, in binlog order; null once closed. Waits for the source otherwise, or,
   * with `timeoutMs`, returns undefined when nothing arrived in that time.
   */
  async next(timeoutMs?: number): Promise<BinlogItem | null | undefined> {
    const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
    for (;;) {
      const item = this.poll();
      if (item) return item;
      if (this.error) throw this.error;
      if (this.closed) return null;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = left === Infinity ? null : setTimeout(() => {
          this.waiter = null;
          resolve();
        }, left);
        this.waiter = () => {
          if (timer) clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** The next item if one is already read (no waiting); undefined otherwise. Items read come before an error or the close. */
  poll(): BinlogItem | undefined {
    const item = this.queue.shift();
    if (item && this.pauses.has('backpressure') && this.queue.drained()) this.unpause('backpressure');
    return item;
  }

  /**
   * Where the reader stands when everything it read has been handed out and no transaction is open: the
   * position after the last event read (rotations and non-transactional events included); else null.
   */
  get idlePosition(): SourcePosition | null {
    return this.queue.length === 0 && this.group === null ? this.position : null;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<BinlogItem> {
    for (let item = await this.next(); item; item = await this.next()) yield item;
  }

  /** The consumer has handled the last DDL item (see pauseAfterDdl): decoding goes on. */
  ddlHandled(): void {
    this.unpause('ddl');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wake();
    await new Promise<void>((resolve) => {
      this.zongji.once('stopped', () => resolve());
      this.zongji.stop();
    });
    await this.meta.end().catch(() => undefined);
  }

  private fail(e: Error): void {
    if (!this.error) this.error = e;
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  private pause(reason: PauseReason): void {
    if (this.pauses.size === 0) (this.zongji as unknown as ZongJiInternals).connection?.pause();
    this.pauses.add(reason);
  }

  private unpause(reason: PauseReason): void {
    if (!this.pauses.delete(reason) || this.pauses.size > 0) return;
    (this.zongji as unknown as ZongJiInternals).connection?.resume();
  }

  /** Queues an item holding `bytes` of row images. */
  private push(item: BinlogItem, bytes: number): void {
    const last = this.queue.last();
    // A run of transactions that touched no included table needs only its last position.
    if (item.kind === 'transaction' && !item.changes.length && last?.kind === 'transaction' && !last.changes.length && sameDomain(last.gtid, item.gtid)) {
      this.queue.replaceLast(item);
      return;
    }
    this.queue.push(item, bytes);
    if (this.queue.full()) this.pause('backpressure');
    this.wake();
  }

  private onEvent(ev: AnyBinlogEvent): void {
    this.lastEventAt = Date.now();
    const name = ev.getEventName();
    if (name === 'heartbeat') {
      // Sent by the server while the binlog is quiet: the connection is alive; the position stays.
      this.heartbeats++;
      return;
    }
    this.dispatch(ev, name);
    if (this.group !== null) return;
    if (name === 'rotate') this.position = { kind: 'mysql-binlog', file: this.file, pos: (ev as { position: number }).position };
    else if (ev.nextPosition > 0) this.position = { kind: 'mysql-binlog', file: this.file, pos: ev.nextPosition };
  }

  private dispatch(ev: AnyBinlogEvent, name: string): void {
    switch (name) {
      case 'rotate':
        this.file = (ev as { binlogName: string }).binlogName;
        return;
      case 'mariadbgtid':
      case 'gtid':
        this.group = this.openGroup((ev as { gtid: string }).gtid, ev.timestamp);
        return;
      case 'tablemap':
        this.tables.onTableMap(ev as TableMapEvent);
        return;
      case 'writerows':
      case 'updaterows':
      case 'deleterows':
        this.onRows(ev as unknown as RowsEventLike, name);
        return;
      case 'xid':
        this.commit(ev.nextPosition, ev.timestamp);
        return;
      case 'query':
        this.onQuery(ev as AnyBinlogEvent & { schema: string; query: string });
        return;
      case 'xaprepare':
        throw new CutoverError('The binlog holds an XA transaction, which Cutover cannot stream yet.', 'Avoid XA transactions on the source during the migration.');
      default:
        return;
    }
  }

  private commit(endPos: number, timestampMs: number): void {
    const g = this.group ?? this.openGroup(null, timestampMs);
    this.group = null;
    this.push({ kind: 'transaction', changes: g.changes, gtid: g.gtid, end: { kind: 'mysql-binlog', file: this.file, pos: endPos }, timestamp: Math.floor(timestampMs / 1000) }, g.bytes);
  }

  private onQuery(ev: { schema: string; query: string; nextPosition: number; timestamp: number }): void {
    const sql = ev.query.trim();
    const upper = sql.toUpperCase();
    if (upper === 'BEGIN' || upper.startsWith('XA START') || upper.startsWith('XA END')) {
      if (!this.group) this.group = this.openGroup(null, ev.timestamp);
      return;
    }
    if (upper === 'COMMIT' || upper.startsWith('XA COMMIT')) return this.commit(ev.nextPosition, ev.timestamp);
    if (upper === 'ROLLBACK') {
      // a non-transactional table's changes are logged and then the statement is rolled back: they stay
      return this.commit(ev.nextPosition, ev.timestamp);
    }
    if (/^(SAVEPOINT|ROLLBACK\s+TO)\b/.test(upper)) return;
    const inTx = this.group !== null && this.group.changes.length > 0;
    this.push({ kind: 'ddl', db: ev.schema, sql, end: { kind: 'mysql-binlog', file: this.file, pos: ev.nextPosition }, gtid: this.group?.gtid ?? null, timestamp: Math.floor(ev.timestamp / 1000) }, sql.length);
    if (this.opts.pauseAfterDdl) this.pause('ddl');
    if (!inTx) this.group = null;
    this.tables.schemaChanged();
  }

  private onRows(ev: RowsEventLike, kind: string): void {
    const t = this.tables.get(ev.tableId);
    if (!t) throw new Error(`binlog row event for table id ${ev.tableId} without its TableMap`);
    // zongji hands out the same bitmap object while a table's bitmaps have the same bytes: checked once per object.
    const bm1 = ev.columns_present_bitmap;
    const bm2 = ev.columns_present_bitmap2;
    if ((bm1 !== undefined && bm1 !== t.fullBitmap) || (bm2 !== undefined && bm2 !== t.fullBitmap)) {
      const n = t.columns.length;
      if ((bm1 !== undefined && !allPresent(bm1, n)) || (bm2 !== undefined && !allPresent(bm2, n))) {
        throw new CutoverError(`A row image of ${t.db}.${t.table} lacks columns: the source does not log full rows.`, 'SET GLOBAL binlog_row_image = FULL');
      }
      t.fullBitmap = bm2 ?? bm1;
    }
    if (!this.group) this.group = this.openGroup(null, ev.timestamp);
    const group = this.group;
    const changes = group.changes;
    const from = changes.length;
    const rows = ev.rows;
    // zongji converts as it decodes when it has the table's converters (arrays); else a row is an object by column name.
    if (kind === 'updaterows') {
      for (let i = 0; i < rows.length; i++) {
        const u = rows[i] as { before: RawRow | Record<string, unknown>; after: RawRow | Record<string, unknown> };
        changes.push({ db: t.db, table: t.table, name: t.name, columns: t.columns, type: 'update', before: toRow(t, u.before), after: toRow(t, u.after) });
      }
    } else {
      const insert = kind === 'writerows';
      for (let i = 0; i < rows.length; i++) {
        const r = toRow(t, rows[i] as RawRow | Record<string, unknown>);
        changes.push({ db: t.db, table: t.table, name: t.name, columns: t.columns, type: insert ? 'insert' : 'delete', before: insert ? null : r, after: insert ? r : null });
      }
    }
    for (let i = from; i < changes.length; i++) group.bytes += rowBytes(changes[i]!);
    const piece = this.opts.piece;
    if (!piece) return;
    if ((changes.length >= piece.maxRows || group.bytes >= piece.maxBytes) && group.start) {
      // More of this transaction follows: hand out what is read so far (backpressure counts it).
      this.push({ kind: 'piece', changes, gtid: group.gtid, start: group.start, timestamp: group.timestamp }, group.bytes);
      group.changes = [];
      group.bytes = 0;
    }
  }

  /** A transaction starts here: at the position after the last event read before it. */
  private openGroup(gtid: string | null, timestampMs: number): OpenGroup {
    return { gtid, changes: [], bytes: 0, start: this.position ?? this.startPosition, timestamp: Math.floor(timestampMs / 1000) };
  }
}

interface RowsEventLike {
  tableId: number;
  timestamp: number;
  rows: unknown[];
  columns_present_bitmap?: Buffer;
  columns_present_bitmap2?: Buffer;
}

/** A row image as values in column order: as zongji decoded it with the table's converters, or converted from an object by column name. */
function toRow(t: TableState, r: RawRow | Record<string, unknown>): RawRow {
  if (Array.isArray(r)) return r as RawRow;
  const { columns, convert } = t;
  const out: RawRow = new Array(columns.length);
  for (let i = 0; i < columns.length; i++) out[i] = convert[i]!((r as Record<string, unknown>)[columns[i]!]);
  return out;
}

/** MariaDB GTIDs of one replication domain ("0-1-5", "0-2-9"), or both absent / both MySQL. */
function sameDomain(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  const da = /^(\d+)-\d+-\d+$/.exec(a)?.[1];
  const db = /^(\d+)-\d+-\d+$/.exec(b)?.[1];
  return da !== undefined && da === db;
}

