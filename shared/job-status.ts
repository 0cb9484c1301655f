// A job's status as the CLI and the UI show it (computed by engine/pipeline/job-status.ts from the state file).

/** What `cutover status` and the UI show about a running stream; rewritten every second. */
export interface StreamState {
  /** Where the sink is: the end of the last applied transaction. */
  applied: { file: string; pos: number; gtid: string | null } | null;
  /** Where the source's binlog is now. */
  source: { file: string; pos: number; gtid: string | null } | null;
  /** The position the catch-up must reach (the copy's end, or the source's position when a stream run began). */
  target: { file: string; pos: number } | null;
  caughtUp: boolean;
  lagSeconds: number | null;
  heartbeatLagMs: number | null;
  /**
   * Where the heartbeat lag is read when the sink keeps the heartbeat (capability `heartbeatOnSink`, e.g.
   * "cutover-heartbeat/_doc/JOB on the search cluster"): the lag is then that record's age; absent: measured
   * when the stream reads the heartbeat.
   */
  heartbeatOnSink?: string | null;
  behindBytes: number | null;
  behindTxs: number | null;
  /** Seconds until the binlog file holding the applied position may be purged by expiry; null when not at risk. */
  retentionSecondsLeft: number | null;
  /** Seconds the stream has been waiting for the sink to answer, once past the warning threshold; null (or absent) when it answers. */
  sinkWaitingSeconds?: number | null;
  updatedAt: number;
}

/** A source binlog position as status shows it: the file name (e.g. mysql-bin.000042), the offset in it, the GTID. */
export interface BinlogPoint {
  file: string;
  pos: number;
  gtid: string | null;
}

/** The DDL statement a stream is paused at. */
export interface PendingDdl {
  position: string;
  db: string;
  sql: string;
  reason: string;
}

/** A table paused at a DDL statement (DDL policy "pause-table") while the others stream on. */
export interface PausedTable {
  /** Source "db.table". */
  table: string;
  /** "file:pos" of the end of the statement it paused at. */
  position: string;
  /** The statement(s) met while paused, one per line: apply them to the sink by hand, then resume. */
  sql: string;
  reason: string;
  /** Row changes held in the state file, applied in source order once the table is resumed or skipped. */
  heldChanges: number;
  /** What the operator chose, waiting for the stream to act on it; null while paused. */
  request: 'resume' | 'skip' | null;
}

export interface TableStatus {
  source: string;
  sink: string;
  state: string;
  rowsCopied: number;
  estimatedRows: number;
  chunksDone: number;
  chunksTotal: number;
  chunksTotalExact: boolean;
  rowsPerSecond: number;
  /** Seconds until the table is copied at its current rate; null when not copying or unknown. */
  etaSeconds: number | null;
  /** Binlog row changes applied to this table while streaming. */
  inserts: number;
  updates: number;
  deletes: number;
  error: string | null;
}

/** The streaming side of a job: positions, lag and throughput (null before streaming starts). */
export interface StreamStatus extends StreamState {
  /** Per second, from the latest sample (zero when the job is not running). */
  eventsPerSecond: { transactions: number; inserts: number; updates: number; deletes: number; ddl: number };
  /** The DDL statement the stream is paused at, if any. */
  pendingDdl: PendingDdl | null;
  /** Tables paused at a DDL statement while the others stream on. */
  pausedTables: PausedTable[];
}

export interface JobStatus {
  name: string;
  /** The job file's mode: snapshot, snapshot+stream or stream. */
  mode: string;
  state: string;
  phase: string;
  error: string | null;
  startedAt: number | null;
  finishedAt: number | null;
  updatedAt: number;
  rowsCopied: number;
  estimatedRows: number;
  rowsPerSecond: number;
  bytesPerSecond: number;
  /** Seconds until every table is copied at the current rate; null when not copying or unknown. */
  etaSeconds: number | null;
  /**
   * Seconds the running job (its copy or its stream) has waited for the sink to answer, once past the
   * warning threshold; null while the sink answers. The dashboard's warning reads this.
   */
  sinkWaitingSeconds: number | null;
  /** The source binlog position when the copy started (binlog file name, byte offset, GTID), if the source has a binlog. */
  copyStartPosition: BinlogPoint | null;
  /** The source binlog position when the copy finished (where the first catch-up ends). */
  copyEndPosition: BinlogPoint | null;
  stream: StreamStatus | null;
  tables: TableStatus[];
  /** A source read by a consumer group (Kafka topics): each process of the job and its partitions; absent otherwise. */
  consumers?: ConsumerProcessStatus[];
  /** A source read by a consumer group: the messages its partitions are paused at (this state file's processes saw them); absent when none. */
  pausedMessages?: PausedMessageStatus[];
}

/** A message a partition is paused at: it does not decode, names a column the sink lacks, or the sink refused it. */
export interface PausedMessageStatus {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  /** The value as text, cut at 4,096 characters; null for a tombstone. */
  raw: string | null;
  /** The value's whole size in bytes. */
  bytes: number;
  reason: string;
  fix: string;
  /** When the partition paused (ms). */
  at: number;
  /** The process that paused it. */
  pid: number;
}

/** One process of a consumer-group job: its group member id and, per partition, offset, end and lag. */
export interface ConsumerProcessStatus {
  pid: number;
  memberId: string | null;
  /** When the process last recorded its progress (ms). */
  updatedAt: number;
  partitions: { topic: string; partition: number; offset: string | null; end: string | null; lag: number | null; lagMs: number | null }[];
}
