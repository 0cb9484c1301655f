// A partitioned source (Kafka topics) applied to a MySQL/MariaDB sink exactly once: the next offset of each
// topic-partition is a row of `_cutover`.`cutover_offsets`, written in the same transaction as the rows of
// the partition's batch. The transaction first creates the row if it is missing and locks it (SELECT … FOR
// UPDATE), then drops the messages below the stored offset: a consumer that lost the partition in a
// rebalance and still applies an old batch, or a process that reads a batch again after a crash, waits
// for the lock and then finds the messages applied. Keyless tables included: nothing is replayed.
import { queryRows, type Connection } from '../../mysql/connection.js';
import { quoteId } from '../../mysql/identifiers.js';
import { CHECKPOINT_DB } from './checkpoint-row.js';
import { ChangeApplier, SinkChangeError, type CheckpointOwnerColumns } from './change-applier.js';
import { partitionKey, type BatchOutcome, type OffsetTarget, type TopicPartition } from '../../core/partition-offsets.js';
import { applyOffsetBatch, type OffsetStatements } from '../../core/offset-frame.js';
import { type BadMessage, type GatedBatch, type MessageRef, type SkipRequest } from '../../core/bad-messages.js';
import { BAD_MESSAGES_DDL, forgetPending, recordBadMessage, recordSkips, requestSkips, skipRequests } from './bad-message-rows.js';
import { forgetTablePartitions, guardTablePartitions, TABLE_PARTITIONS_DDL } from './table-partitions.js';
import type { ApplierTable } from '../../core/checkpoint.js';
import type { TableInfo } from '../../core/tables.js';
import type { TableRef } from '../../../shared/table-selection.js';
import type { OffsetDdl } from '../../core/partition-offsets.js';
import { applyOffsetDdl, OFFSET_DDL_JOURNAL_DDL } from './offset-ddl.js';

export const OFFSETS_TABLE = 'cutover_offsets';
const OFFSETS = `${quoteId(CHECKPOINT_DB)}.${quoteId(OFFSETS_TABLE)}`;

export const OFFSETS_DDL = `CREATE TABLE IF NOT EXISTS ${OFFSETS} (
  job VARCHAR(100) NOT NULL,
  topic VARCHAR(249) NOT NULL,
  part INT UNSIGNED NOT NULL,
  next_offset BIGINT NULL,
  applied_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (job, topic, part)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`;

/** Deletes a job's offset rows (remove --clean-sink, --restart); returns how many there were. */
export async function forgetOffsets(conn: Connection, job: string): Promise<number> {
  const [t] = await queryRows<{ n: number }>(conn, 'SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [CHECKPOINT_DB, OFFSETS_TABLE]);
  if (!Number(t?.n)) return 0;
  await forgetPending(conn, job);
  await forgetTablePartitions(conn, job);
  const [res] = await conn.query(`DELETE FROM ${OFFSETS} WHERE job = ?`, [job]);
  return (res as { affectedRows?: number }).affectedRows ?? 0;
}

export class MysqlOffsetTarget implements OffsetTarget {
  /** The job's tables without a key on the sink (source names): their partitions are recorded in the sink (table-partitions.ts). */
  private readonly keyless = new Set<string>();

  private constructor(
    private readonly applier: ChangeApplier,
    private readonly job: string,
  ) {}

  static async open(url: string, job: string, owner?: CheckpointOwnerColumns): Promise<MysqlOffsetTarget> {
    const applier = await ChangeApplier.open(url, { jobName: job, tables: new Map(), owner });
    try {
      await applier.connection.query(OFFSETS_DDL);
      await applier.connection.query(BAD_MESSAGES_DDL);
      await applier.connection.query(TABLE_PARTITIONS_DDL);
      await applier.connection.query(OFFSET_DDL_JOURNAL_DDL);
    } catch (e) {
      await applier.close();
      throw e;
    }
    return new MysqlOffsetTarget(applier, job);
  }

  async offsets(parts: TopicPartition[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (!parts.length) return out;
    const rows = await queryRows<{ topic: string; part: number; next_offset: string | number | null }>(
      this.applier.connection,
      `SELECT topic, part, next_offset FROM ${OFFSETS} WHERE job = ? AND (${parts.map(() => '(topic = ? AND part = ?)').join(' OR ')})`,
      [this.job, ...parts.flatMap((p) => [p.topic, p.partition])],
    );
    for (const r of rows) if (r.next_offset !== null) out.set(partitionKey({ topic: String(r.topic), partition: Number(r.part) }), String(r.next_offset));
    return out;
  }

  applyBatch(batch: GatedBatch): Promise<BatchOutcome> {
    return applyOffsetBatch(batch, (frame) => this.applier.applyFramed(frame, 'strict'), this.statements, (t) => this.keyless.has(t), (e) => (e instanceof SinkChangeError ? { tx: e.tx, message: e.message } : null));
  }

  /** This sink's statements of the batch frame (engine/core/offset-frame.ts). */
  private readonly statements: OffsetStatements<Connection> = {
    lockOffset: async (conn, tp) => {
      await conn.query(`INSERT IGNORE INTO ${OFFSETS} (job, topic, part, next_offset) VALUES (?, ?, ?, NULL)`, [this.job, tp.topic, tp.partition]);
      const [row] = await queryRows<{ next_offset: string | number | null }>(conn, `SELECT next_offset FROM ${OFFSETS} WHERE job = ? AND topic = ? AND part = ? FOR UPDATE`, [this.job, tp.topic, tp.partition]);
      return row?.next_offset === null || row?.next_offset === undefined ? null : String(row.next_offset);
    },
    guardPartitions: (conn, tp, touches) => guardTablePartitions(conn, this.job, tp, touches),
    recordSkips: (conn, tp, skipped) => recordSkips(conn, this.job, tp, skipped),
    storeOffset: async (conn, tp, next) => {
      await conn.query(`UPDATE ${OFFSETS} SET next_offset = ?, applied_at = NOW(6) WHERE job = ? AND topic = ? AND part = ?`, [next, this.job, tp.topic, tp.partition]);
    },
  };

  /** The statement as mapped (MySQL runs the source's DDL with the job's names), journaled: offset-ddl.ts. */
  applyDdl(d: OffsetDdl, statementRun?: () => void): Promise<'applied' | 'already'> {
    return applyOffsetDdl(this.applier.connection, OFFSETS, this.job, d, statementRun);
  }

  recordBadMessage(b: BadMessage): Promise<void> {
    return recordBadMessage(this.applier.connection, this.job, b);
  }

  requestSkips(refs: MessageRef[], requestedBy: string): Promise<void> {
    return requestSkips(this.applier.connection, this.job, refs, requestedBy, async (tp) => (await this.offsets([tp])).get(partitionKey(tp)) ?? null);
  }

  skipRequests(parts: TopicPartition[]): Promise<SkipRequest[]> {
    return skipRequests(this.applier.connection, this.job, parts);
  }

  readSinkTable(ref: TableRef): Promise<TableInfo | null> {
    return this.applier.readSinkTable(ref);
  }

  setTable(sourceName: string, t: ApplierTable): void {
    if (t.info.chunkKey.length) this.keyless.delete(sourceName);
    else this.keyless.add(sourceName);
    this.applier.setTable(sourceName, t);
  }

  close(): Promise<void> {
    return this.applier.close();
  }
}
