// The in-memory source and sink (memory-source.ts, memory-sink.ts) as the drivers a whole run takes
// (RunJobOptions.drivers): a SourceDriver whose sessions read the memory source's catalog (tables, views),
// positions and chunks and whose change reader reads its change log, and a SinkDriver whose run copies into
// the memory sink and streams into its change sink. Nothing connects anywhere: the source address is a
// placeholder the memory driver never dials. Hooks let a test act between chunk reads (commit changes
// "during the copy") and count what the run opened.
import { CutoverError } from '../../shared/errors.js';
import type { TableRef } from '../../shared/table-selection.js';
import { positionOrder, type SourcePosition } from '../../engine/core/position.js';
import type { BinlogStatus } from '../../engine/core/changes.js';
import type { RawRow } from '../../engine/core/rows.js';
import type { CopyTable, TableInfo } from '../../engine/core/tables.js';
import type { ChunkSums, ListedRow } from '../../engine/mysql/chunk-sums.js';
import type { ChangeReader, ChangeReaderOptions, SourceAddress, SourceDriver, SourcePreflight, SourceRetention, SourceSession } from '../../engine/source/driver.js';
import type { SinkDriver, SinkRun } from '../../engine/sink/driver.js';
import type { Sink } from '../../engine/sink/sink.js';
import type { MemoryCopySession, MemorySource } from './memory-source.js';
import type { MemorySink } from './memory-sink.js';

/** Where the memory source "is": a socket path that does not exist, so a stray connection attempt fails at once. */
export const MEMORY_ADDRESS: SourceAddress = { host: 'localhost', port: 0, user: 'memory', password: '', socketPath: '/nonexistent/cutover-memory-source.sock' };

export interface MemorySourceOptions {
  /** Views of the catalog: "db.view" → its definition as SHOW CREATE VIEW states it. */
  views?: Record<string, string>;
  /** Called after each chunk a copy session read (1-based count over the driver's sessions). */
  afterChunk?: (n: number) => void;
  /** The answer of exactSnapshotPositions() (default true, as MariaDB answers). */
  exactSnapshotPositions?: boolean;
}

const unsupported = (what: string): never => {
  throw new Error(`the in-memory source has no ${what}`);
};

/** One session on the memory source: catalog, positions, chunks. */
class MemorySession implements SourceSession {
  private readonly copy: MemoryCopySession;
  constructor(
    private readonly driver: MemorySourceDriver,
    private readonly src: MemorySource,
  ) {
    this.copy = src.copySession();
  }

  async listTables(): Promise<TableRef[]> {
    return [...this.src.tables.values()].map((t) => ({ db: t.info.db, table: t.info.table })).sort((a, b) => `${a.db}.${a.table}`.localeCompare(`${b.db}.${b.table}`));
  }
  async listViews(): Promise<TableRef[]> {
    return Object.keys(this.driver.o.views ?? {}).map((name) => {
      const [db, table] = name.split('.') as [string, string];
      return { db, table };
    });
  }
  async viewDefinition(ref: TableRef): Promise<string> {
    const sql = this.driver.o.views?.[`${ref.db}.${ref.table}`];
    if (sql === undefined) throw new Error(`no view ${ref.db}.${ref.table} in the memory source`);
    return sql;
  }
  async catalog(): Promise<never> {
    return unsupported('catalog');
  }
  async readTable(ref: TableRef): Promise<TableInfo> {
    const t = this.src.tables.get(`${ref.db}.${ref.table}`);
    if (!t) throw new Error(`no table ${ref.db}.${ref.table} in the memory source`);
    return { ...t.info, estimatedRows: t.rows.size };
  }
  async tableExists(ref: TableRef): Promise<boolean> {
    return this.src.tables.has(`${ref.db}.${ref.table}`);
  }
  async databaseDefaults(): Promise<{ charset: string; collation: string }> {
    return { charset: 'utf8mb4', collation: 'utf8mb4_general_ci' };
  }

  async currentStatus(): Promise<BinlogStatus> {
    return this.src.currentPosition();
  }
  async consistentStatus(): Promise<BinlogStatus> {
    return this.src.currentPosition();
  }
  startSnapshot(): Promise<BinlogStatus> {
    return this.copy.startSnapshot();
  }
  endSnapshot(): Promise<void> {
    return this.copy.endSnapshot();
  }
  async exactSnapshotPositions(): Promise<boolean> {
    return this.driver.o.exactSnapshotPositions ?? true;
  }
  async checkAvailable(): Promise<void> {}
  async retention(): Promise<SourceRetention> {
    return { settings: 'in memory: never purged', secondsLeft: null };
  }
  /** The change log is one file: the bytes behind are the offsets between the two positions. */
  async backlog(from: SourcePosition): Promise<{ head: BinlogStatus; bytesBehind: number | null }> {
    const head = await this.src.currentPosition();
    return { head, bytesBehind: Math.max(0, this.src.position.pos - from.pos) };
  }
  async threadsRunning(): Promise<number> {
    return 1;
  }

  nextBoundary(t: CopyTable, lower: RawRow | null, chunkRows: number): Promise<RawRow | null> {
    return this.copy.nextBoundary(t, lower, chunkRows);
  }
  async readChunk(t: CopyTable, lower: RawRow | null, upper: RawRow | null, onRow: (row: RawRow) => Promise<void> | void): Promise<void> {
    await this.copy.readChunk(t, lower, upper, onRow);
    this.driver.o.afterChunk?.(++this.driver.chunksRead);
  }
  validateFilter(t: CopyTable): Promise<string | null> {
    return this.copy.validateFilter(t);
  }
  chunkSums(): Promise<ChunkSums> {
    return unsupported('checksums');
  }
  listChunk(): Promise<ListedRow[]> {
    return unsupported('row hashes');
  }
  rowMultiset(): Promise<Map<string, number>> {
    return unsupported('row hashes');
  }
  readRows(): Promise<RawRow[]> {
    return unsupported('row reads for repair');
  }

  async close(): Promise<void> {
    this.driver.sessionsOpen--;
  }
}

/** A SourceDriver over a MemorySource. */
export class MemorySourceDriver implements SourceDriver {
  readonly kind = 'memory';
  readonly positions = positionOrder('mysql-binlog');
  /** Sessions opened and not closed yet (a run closes all it opened). */
  sessionsOpen = 0;
  sessionsOpened = 0;
  chunksRead = 0;
  /** Change readers opened, and those still open. */
  readersOpened = 0;
  readersOpen = 0;

  constructor(
    readonly src: MemorySource,
    readonly o: MemorySourceOptions = {},
  ) {}

  address(url: string): SourceAddress {
    if (!url) throw new CutoverError('the memory source needs a URL (any)', 'Put any URL in "source".', 'CONFIG');
    return MEMORY_ADDRESS;
  }

  async openSession(address: SourceAddress): Promise<SourceSession> {
    if (address !== MEMORY_ADDRESS) throw new Error('the memory source driver opens sessions on its own address only');
    if (this.src.failConnects > 0) {
      this.src.failConnects--;
      throw Object.assign(new Error('source: connection lost (injected)'), { code: 'PROTOCOL_CONNECTION_LOST' });
    }
    this.sessionsOpen++;
    this.sessionsOpened++;
    return new MemorySession(this, this.src);
  }

  async openChangeReader(_url: string, from: SourcePosition | { gtid: string }, opts: ChangeReaderOptions): Promise<ChangeReader> {
    if ('gtid' in from) throw new Error('the in-memory source has no GTIDs');
    const session = await this.src.openSession();
    const reader = await session.openReader(from, { include: opts.include, highWater: opts.highWater ?? 1000, hints: () => null });
    await session.close();
    this.readersOpened++;
    this.readersOpen++;
    const close = reader.close.bind(reader);
    reader.close = async () => {
      this.readersOpen--;
      await close();
    };
    return reader;
  }

  async preflight(): Promise<SourcePreflight> {
    const tables = [...this.src.tables.values()].map((t) => ({ db: t.info.db, table: t.info.table }));
    return { tables, close: async () => undefined };
  }
}

/** A SinkDriver over a MemorySink: the run copies into it and streams into its change sink; the views it was asked to create are kept. */
export class MemorySinkDriver implements SinkDriver {
  readonly kind = 'memory';
  /** Views the runs asked the sink to create (name and statement). */
  readonly views: { sql: string; name: TableRef }[] = [];
  runsOpen = 0;

  constructor(readonly sink: MemorySink) {}

  async openRun(): Promise<SinkRun> {
    const copy: Sink = {
      ...this.sink.copy,
      createViews: async (views) => {
        this.views.push(...views);
        return [];
      },
    };
    this.runsOpen++;
    let disposed = false;
    return {
      copy,
      batchBytes: 1 << 20,
      openChangeSink: () => this.sink.openTarget(),
      dispose: async () => {
        if (!disposed) this.runsOpen--;
        disposed = true;
      },
    };
  }

  async openVerifier(): Promise<never> {
    throw new Error('the in-memory sink has no verifier');
  }
}
