// The contract of a source kind. Each kind is one folder (engine/source/<kind>/) with a cheap descriptor
// (descriptor.ts: name, capabilities; no heavy imports) and a driver loaded only when a job uses it
// (driver.ts). The pipeline, verification, the cutover assistant, the wizard, the host and the CLI reach a
// source only through these; positions stay opaque to them (engine/core/position.ts) and are ordered and
// shown through the driver's `positions`.
import type { FreezeReport, SourceSessionInfo, WriteBypass } from '../../shared/cutover.js';
import type { CheckItem } from '../../shared/preflight.js';
import type { TableRef } from '../../shared/table-selection.js';
import type { BinlogItem, BinlogStatus, RowChange } from '../core/changes.js';
import type { PositionOrder, SourcePosition } from '../core/position.js';
import type { RawRow, RowBytes } from '../core/rows.js';
import type { CopyTable, TableInfo } from '../core/tables.js';
import type { ServerAddress } from '../mysql/connection.js';
import type { SourceRowSizes } from '../core/row-sizes.js';
import type { ChunkSums, ListedRow } from '../mysql/chunk-sums.js';
import type { CatalogTable } from '../../shared/wizard.js';
import type { JobConfig, JobFile } from '../../shared/job-config.js';
import type { Profile, ProfileSecrets } from '../../shared/profiles.js';
import type { EndpointTools } from '../core/endpoint-tools.js';
import type { KafkaConnection } from '../kafka/endpoint-settings.js';
import type { SaslConfig, TlsSettings } from '../../shared/job-endpoints.js';
import type { KafkaTopicInfo, KafkaTopicSample } from '../../shared/kafka-topics.js';
import type { Logger } from '../core/logger.js';
import type { PartitionProgress, TopicPartition } from '../core/partition-offsets.js';
import type { BadMessage, DdlMessage, GatedBatch, MessageRef, SkipRequest } from '../core/bad-messages.js';
import type { TableDefinition } from '../core/table-definition.js';

/** What a source kind can do; generic code asks these instead of comparing kind names. */
export interface SourceCapabilities {
  /** A consistent snapshot can be opened at an exact change-stream position (keyless tables need it). */
  consistentSnapshot: boolean;
  /** Tables are read in key ranges the server compares (chunked, resumable copy). */
  keyRanges: boolean;
  /** A heartbeat row can be written on the source to measure lag while it is idle (and a fence for cutover). */
  heartbeat: boolean;
  /** Positions have a GTID form a stream can start from. */
  gtid: boolean;
  /** The source computes per-chunk checksums over the canonical row text (verification). */
  checksums: boolean;
  /**
   * The source is read as partitions with offsets by the processes of a consumer group (Kafka topics): the
   * job runs its consume phase (openConsumer) instead of copy and binlog stream, and the sink stores the
   * offsets with the rows (engine/core/partition-offsets.ts).
   */
  partitionOffsets: boolean;
}

/** A source kind as the registry knows it before its driver is loaded. */
export interface SourceDescriptor {
  readonly kind: string;
  /** For people: "MySQL/MariaDB". */
  readonly title: string;
  readonly capabilities: SourceCapabilities;
  /** How positions of this source are ordered, shown and read back from stored JSON (cheap, no client). */
  readonly positions: PositionOrder;
  /** A job file's source of this kind as the engine runs it: its saved profile or URL, secrets from the environment (engine/connections). */
  resolveFile(file: JobFile['source'], tools: EndpointTools): Promise<JobConfig['source']>;
  /** Where a saved connection's topics are, for a profile of this kind (asked only of the descriptor of the profile's kind); absent for a kind without topics. */
  topicsOf?(profile: Profile, secrets: ProfileSecrets): KafkaConnection | null;
  load(): Promise<SourceDriver>;
}

/** Where a source's change stream stands: the position to resume from and, when the source has one, its GTID. */
export type SourceStatus = BinlogStatus;

/** How long the source keeps the changes after a position (binlog retention). */
export interface SourceRetention {
  /** The setting that decides it, for people ("binlog_expire_logs_seconds = 864000 (10 days)"). */
  settings: string;
  /** Seconds until the changes after the position may be purged; null when not at risk. */
  secondsLeft: number | null;
}

/** How far a position is behind the source's change stream now (the stream's backlog metrics). */
export interface SourceBacklog {
  /** Where the change stream stands now. */
  head: SourceStatus;
  /** Bytes of change log from the position to the head (0 at or past it; MySQL: binlog file sizes); null when the source cannot tell. */
  bytesBehind: number | null;
}

/** Options of a change reader. */
export interface ChangeReaderOptions {
  /** Unique among the source's replicas (MySQL server_id). */
  serverId: number;
  /** Which tables' row changes to deliver. */
  include: (db: string, table: string) => boolean;
  /** Buffered row changes above which reading pauses (backpressure). */
  highWater?: number;
  /** Buffered bytes of row images (core/changes.ts rowBytes) above which reading pauses too. */
  highWaterBytes?: number;
  /**
   * A transaction being read that reaches this many row changes or bytes of row images is handed out in
   * pieces (TransactionPiece, "more follows"), its final part as a transaction with its end; absent: whole
   * transactions only (a consumer that cannot apply pieces).
   */
  piece?: { maxRows: number; maxBytes: number };
  /** Stop after each DDL statement until ddlHandled() is called. */
  pauseAfterDdl?: boolean;
  /** Heartbeat period asked of the server while the stream is quiet (ms; 0: none). */
  heartbeatMs?: number;
  /**
   * Column details of a table as the consumer knows it at this point of the stream (its schema history),
   * used instead of the source's current schema; null: not known, read the source.
   */
  hints?: (db: string, table: string) => Map<string, ColumnHint> | null;
}

/** A column as the consumer's schema history knows it (information_schema's DATA_TYPE and COLUMN_TYPE, lower case). */
export interface ColumnHint {
  dataType: string;
  columnType: string;
  generated: boolean;
  textForm?: boolean;
}

/** Committed transactions (or their pieces, see ChangeReaderOptions.piece) and DDL statements in source order, from a position. */
export interface ChangeReader {
  /** The next item; undefined when `timeoutMs` passed without one (everything read is handed out); null once closed. */
  next(timeoutMs?: number): Promise<BinlogItem | null | undefined>;
  /**
   * The next item if one is already read, else undefined (then next() waits, or reports the close or an
   * error): the apply loop takes ready items without a promise and an await each.
   */
  poll?(): BinlogItem | undefined;
  /**
   * Where the reader stands when it has handed out everything it read and no transaction is open (the
   * position after the last event, rotations and non-transactional events included); else null. The
   * stream's catch-up target may lie there, past the last transaction.
   */
  readonly idlePosition: SourcePosition | null;
  /** After a DDL item (pauseAfterDdl): the consumer has updated its table definitions, read on. */
  ddlHandled(): void;
  /** When the last event (heartbeats included) arrived, and how many heartbeats came: for the stall watchdog. */
  readonly lastEventAt: number;
  readonly heartbeats: number;
  close(): Promise<void>;
}

/** How the stream tells the heartbeat table's changes (capability `heartbeat`). */
export interface HeartbeatRows {
  /** "db.table" of the heartbeat table: the change reader always includes it (the cutover fence is a heartbeat row). */
  readonly table: string;
  /** When this job's heartbeat row in the change was written (ms since the epoch); null for another job's row or no valid value. */
  time(change: RowChange, job: string): number | null;
}

/** A heartbeat writer on the source (capability `heartbeat`). */
export interface SourceHeartbeatWriter {
  stop(): Promise<void>;
}

/** One connection to the source: catalog, positions, chunks and checksums. */
export interface SourceSession {
  /** Base tables the account can read (system schemas left out). */
  listTables(): Promise<TableRef[]>;
  listViews(): Promise<TableRef[]>;
  /** A view's definition as the source states it (MySQL: the statement SHOW CREATE VIEW returns), for the sink to create it. */
  viewDefinition(ref: TableRef): Promise<string>;
  /** A table's columns, keys and chunk key. */
  readTable(ref: TableRef): Promise<TableInfo>;
  /** Whether the base table exists now (false once it was dropped or renamed away; names compare exactly). */
  tableExists(ref: TableRef): Promise<boolean>;
  /** A database's default character set and collation (for a database a sink creates). */
  databaseDefaults(db: string): Promise<{ charset: string; collation: string }>;
  /** Every table the wizard offers, with row estimates, sizes, key, columns and warnings (a few queries in all). */
  catalog(): Promise<CatalogTable[]>;

  /** Where the change stream stands now. */
  currentStatus(): Promise<SourceStatus>;
  /** A consistent snapshot's exact position (the snapshot ended at once). */
  consistentStatus(): Promise<SourceStatus>;
  /** Opens a consistent snapshot on this session and returns its position; end it with endSnapshot(). */
  startSnapshot(): Promise<SourceStatus>;
  endSnapshot(): Promise<void>;
  /**
   * Whether startSnapshot() reports each snapshot's exact position while other sessions commit (MariaDB's
   * binlog_snapshot_position); false: the position is read just after the snapshot starts, and a commit
   * racing the two can make it late. An ordered copy (each chunk published at its snapshot's position) needs it.
   */
  exactSnapshotPositions(): Promise<boolean>;
  /** Throws an actionable error when the changes after `at` (a position, or a GTID text the source understands) can no longer be read (purged binlogs). */
  checkAvailable(at: SourcePosition | { gtid: string }): Promise<void>;
  retention(at: SourcePosition): Promise<SourceRetention>;
  /** Where the change stream stands now, and how far `from` (a stream's applied position) is behind it. */
  backlog(from: SourcePosition): Promise<SourceBacklog>;

  /** The upper key of the chunk of at most `chunkRows` rows after `lower`; null when no row is left. */
  nextBoundary(t: CopyTable, lower: RawRow | null, chunkRows: number): Promise<RawRow | null>;
  /** Streams a chunk's rows (raw values); the callback's promise is awaited before more rows are read. */
  readChunk(t: CopyTable, lower: RawRow | null, upper: RawRow | null, onRow: (row: RawRow) => Promise<void> | void, signal?: AbortSignal): Promise<void>;
  /**
   * The same rows as readChunk, as byte ranges (RowBytes, valid during the callback) without a string per
   * value; absent when the source cannot. The copy uses it when there is one; a sink batch that takes
   * bytes (SinkBatch.addBytes) writes them as they are, any other gets rowFromBytes.
   */
  readChunkBytes?(t: CopyTable, lower: RawRow | null, upper: RawRow | null, onRow: (row: RowBytes) => Promise<void> | void, signal?: AbortSignal): Promise<void>;
  /** An error text when a table's row filter does not run on the source; null when it does. */
  validateFilter(t: CopyTable): Promise<string | null>;
  /** Per-chunk checksums over the canonical row text (capability `checksums`); lower < key <= upper. */
  chunkSums(t: CopyTable, lower: RawRow | null, upper: RawRow | null): Promise<ChunkSums>;
  /** Every row of a range as (key as the copy reads it, row hash): the rows of a differing chunk. */
  listChunk(t: CopyTable, lower: RawRow | null, upper: RawRow | null): Promise<ListedRow[]>;
  /** A keyless table: its row hashes and how often each occurs. */
  rowMultiset(t: CopyTable): Promise<Map<string, number>>;
  /**
   * Rows of a range read as the copy reads them (repair re-reads them). `where`: one more condition, in the
   * source's SQL, from a sink of the same dialect naming rows by key (MySQL repair).
   */
  readRows(t: CopyTable, lower: RawRow | null, upper: RawRow | null, where?: string): Promise<RawRow[]>;

  /**
   * Runs one statement of the source's own SQL and returns its rows as arrays of raw values (as the copy
   * reads them): for a sink that computes the source's side of a comparison in the source's dialect (the
   * PostgreSQL sink's canonical row hashes, the MySQL sink's row descriptions) or learns how the source
   * converts a charset. Absent for a source without SQL.
   */
  query?(sql: string): Promise<RawRow[]>;

  /** How busy the source is now (MySQL: Threads_running), for the copy's throttle; absent: the throttle's load check never pauses the copy. */
  threadsRunning?(): Promise<number>;

  /** Drops the connection at once, without waiting for a statement in flight (a failed or stopped copy worker's session). */
  destroy?(): void;
  /**
   * Writes a fence (capability `heartbeat`): a row in the heartbeat table the job's stream passes, so the
   * cutover assistant can wait until the sink applied everything up to it.
   */
  writeFence?(job: string): Promise<{ writtenAt: number; gtid: string | null }>;
  /**
   * Cutover's write freeze (capability `heartbeat` sources): read-only on (idempotent), and what can still
   * write (accounts and their sessions). The assistant proves it by watching the change stream.
   */
  freezeWrites?(): Promise<FreezeReport>;
  /** The source's read-only settings now, without changing them (the journal records them before the freeze). */
  readOnlyState?(): Promise<FreezeReport['previous']>;
  /** Sets the freeze back to what it was. Returns the statements it ran. */
  thawWrites?(previous: FreezeReport['previous']): Promise<string[]>;
  /** The sessions of accounts that write through the freeze, as they are now. */
  writeBypass?(): Promise<WriteBypass>;
  /** Transactions open on the source, oldest first (they would commit after a freeze). */
  openTransactions?(): Promise<SourceSessionInfo[]>;
  /** Ends sessions by id (the operator confirmed them by name). */
  killSessions?(ids: number[]): Promise<{ killed: number[]; gone: number[] }>;

  close(): Promise<void>;
}

/** Where a source is (host, port, account, TLS), as its driver reads it from the job's URL. */
export type SourceAddress = ServerAddress;

/** What the consume phase hands a partitioned source's consumer (capability `partitionOffsets`). */
export interface ConsumerOptions {
  job: string;
  log: Logger;
  signal: AbortSignal;
  /** Which tables' changes to deliver (db and table come from each message). */
  include(db: string, table: string): boolean;
  /** A table's columns as the sink has them (decoders that need types, e.g. Canal's and Maxwell's); null: unknown. */
  columns(db: string, table: string): { name: string; dataType: string; columnType: string; charset?: string | null; nullable?: boolean }[] | null;
  /**
   * Loads a table's columns from the sink into what `columns` answers (a decoder asked for a table not known
   * yet). `definition`: the table as the message describes it (Debezium's schema envelope), to create it
   * on the sink when the sink lacks it.
   */
  loadTable(db: string, table: string, definition?: TableDefinition): Promise<void>;
  /** Called on each assignment, before any message of these partitions: the sink's stored offsets (seek there). */
  storedOffsets(parts: TopicPartition[]): Promise<Map<string, string>>;
  /** A batch of one partition's messages, decoded; resolves once the sink has it durably; MessageRefused for a message the sink refuses. */
  apply(batch: GatedBatch): Promise<void>;
  /**
   * A DDL message of a partition, every message before it applied: runs it on the sink with the offset past
   * it (`partitions`: the topic's partition count, null when unknown); MessageRefused at its offset pauses
   * the partition there.
   */
  applyDdl(at: MessageRef, partitions: number | null, ddl: DdlMessage): Promise<void>;
  /** The job's tables ("db.table", source names) a schema-change statement changes (`schemaTopic`: which rows wait for it). */
  ddlTables(sql: string, db: string): string[];
  /** The skips requested (`--skip-message`, in the sink) for these partitions, not carried out yet. */
  skipRequests(parts: TopicPartition[]): Promise<SkipRequest[]>;
  /** A partition paused at a bad message (recorded in the sink and the state file, logged). */
  paused(b: BadMessage): Promise<void>;
  /** Who passes messages over in this process: user@host pid N. */
  who: string;
  /** The process's partitions and their progress changed (assignment, a batch applied, ends fetched). */
  progress(member: { memberId: string | null; partitions: PartitionProgress[] }): void;
}

/** A running member of the job's consumer group. */
export interface PartitionConsumer {
  /** Consumes until the signal aborts (resolves) or a failure (rejects). */
  run(): Promise<void>;
  close(): Promise<void>;
}

/** Where a cluster of topics is and how to log in: what a saved connection resolves to. */
export interface TopicConnection {
  brokers: string[];
  tls?: TlsSettings;
  sasl?: SaslConfig;
}

/** A source whose data lives in topics: what the app shows of them before a job reads them. */
export interface TopicBrowser {
  /** Every topic of the cluster, with partitions and messages held. */
  listTopics(c: TopicConnection): Promise<KafkaTopicInfo[]>;
  /** The latest message of a topic, described (format detected); null when the topic holds none. */
  sampleTopic(c: TopicConnection, topic: string): Promise<KafkaTopicSample | null>;
}

export interface SourceDriver {
  readonly kind: string;
  /** A source read from topics: the app's topic list and message sample. */
  readonly topics?: TopicBrowser;
  /** Capability `partitionOffsets`: joins the job's consumer group and delivers its partitions' messages. */
  openConsumer?(source: JobConfig['source'], opts: ConsumerOptions): Promise<PartitionConsumer>;
  readonly positions: PositionOrder;
  /** The address in a job's source URL; a CONFIG error saying the URL's form when it is not one. */
  address(url: string): SourceAddress;
  /** Connects to the source (session settings for exact values applied). `data`: raw-bytes reads for copy and verify. */
  openSession(address: SourceAddress, opts?: { data?: boolean }): Promise<SourceSession>;
  /**
   * A session over a connection the caller opened with this kind's client (engine/mysql for MySQL): for the
   * one flow that still holds a client connection (cutover's deferred objects); verification, repair and the
   * wizard open sessions. Closing the session leaves it open.
   * Optional: a driver whose flows all open sessions themselves leaves it out (registry.ts sessionOver).
   */
  sessionOn?(conn: unknown): SourceSession;
  /** Reads the source's changes after `from` (a position, or a GTID text the source understands). */
  openChangeReader(url: string, from: SourcePosition | { gtid: string }, opts: ChangeReaderOptions): Promise<ChangeReader>;
  /** The heartbeat rows in the change stream (capability `heartbeat`): measured by the stream, never applied. */
  readonly heartbeatRows?: HeartbeatRows;
  /** Starts the heartbeat writer (capability `heartbeat`). */
  startHeartbeat?(url: string, opts: { job: string; intervalMs?: number; onError?: (e: Error) => void }): Promise<SourceHeartbeatWriter>;
  /**
   * The source half of a preflight: connects to `url` and adds its check items (a connection that fails is
   * an item too). The result stays open for the sink's checks (its `rows`) until closed.
   */
  preflight(url: string, items: CheckItem[], opts: SourcePreflightOptions): Promise<SourcePreflight>;
}

export interface SourcePreflightOptions {
  /** A stream follows (or is) the job: what streaming needs becomes required. */
  streaming: boolean;
  /** Which source tables the job takes; default: every table (of the URL's database, if it names one). */
  selected?: (ref: TableRef) => boolean;
  /** When the cutover assistant created the job's triggers, routines and events on the sink (ms), if it has. */
  deferredCreatedAt?: number | null;
  /** The job's sink: its name, and whether it creates triggers, routines and events at cutover (absent: it does). */
  sinkObjects?: { title: string; created: boolean };
}

/** A source's preflight, done: what the report shows of the server, the tables the job takes, and the rows for the sink's checks. */
export interface SourcePreflight {
  /** The server, when it answered ("mariadb", "11.4.2-MariaDB"). */
  server?: { flavor: string; version: string };
  /** The tables the job would take (empty when they could not be read). */
  tables: TableRef[];
  /** While open, when the source answered: its rows as a sink's checks measure them. */
  rows?: SourceRowSizes;
  /** Closes the source's connection. Safe to call more than once. */
  close(): Promise<void>;
}
