// What a sink kind can do. The pipeline, verification, the cutover assistant, the CLI and the dashboard
// ask these instead of comparing kind names; each sink driver declares its own (engine/sink/<kind>/descriptor.ts),
// and the renderer receives them through the API (`sinkKinds`).

export interface SinkCapabilities {
  /** Databases and tables can be renamed on the way (`rename`); false: the sink names things its own way (Kafka topics). */
  rename: boolean;
  /** The sink has tables that may already hold rows, so `snapshot.onExisting` applies. */
  existingRows: boolean;
  /** Views are created on the sink after the copy. */
  views: boolean;
  /** Secondary indexes are added once a table's rows are loaded. */
  deferredIndexes: boolean;
  /** Triggers, routines and events can be created on the sink at cutover (the assistant's deferred objects). */
  deferredObjects: boolean;
  /** Rows that differ can be repaired from the source, in one transaction with the checkpoint. */
  repair: boolean;
  /**
   * In "snapshot+stream" the copy is published alongside the stream, each chunk at its snapshot's source
   * position, so the sink sees one history in source order (no reconcile window after the copy).
   */
  orderedCopy: boolean;
  /** The stream's position is stored in the sink, in the data's own transaction (a checkpoint row the job owns). */
  checkpointInSink: boolean;
  /**
   * Applies a partitioned source (Kafka topics) exactly once: stores each topic-partition's next offset with
   * the rows, in the same transaction (SinkRun.openOffsetTarget).
   */
  partitionOffsets: boolean;
  /** DDL policy "pause-table": a table's changes can be held and applied once the operator resolves it. */
  pauseTable: boolean;
  /** The sink commits a batch of changes atomically (a transaction), position included. */
  transactions: boolean;
  /**
   * A source transaction larger than a batch can be applied in pieces inside one sink transaction that
   * commits with its final part (memory bounded whatever the transaction's size); false: the stream hands
   * the sink whole transactions.
   */
  transactionPieces: boolean;
  /**
   * The way back after a cutover: the sink is a MySQL-compatible server that can be the source of a reverse
   * job (its binlog streams the application's writes back to the old server); false: "no way back".
   */
  reverse: boolean;
  /**
   * With the source heartbeat on, the sink keeps it as a record of its own (the search sink: a document of
   * `cutover-heartbeat`) and the heartbeat lag is that record's age read back from the sink; false: the
   * heartbeat lag is measured when the stream reads the heartbeat.
   */
  heartbeatOnSink: boolean;
  /**
   * The sink publishes each table's rows and changes as messages to topics (Kafka): the job names them with a
   * topic template, partitions and a replication factor, and exactly-once publishing needs a stream; false:
   * the sink holds tables or indexes.
   */
  topics: boolean;
}

/** A sink kind as the API lists it. */
export interface SinkKindInfo {
  kind: string;
  /** For people: "MySQL/MariaDB", "Kafka", "PostgreSQL". */
  title: string;
  capabilities: SinkCapabilities;
  /**
   * A saved connection of this kind is a server the wizard can also take as its source (its tables copied,
   * its binlog streamed): the same connection as both source and sink is then the same server, where every
   * table must get a new name.
   */
  sourceServer: boolean;
}
