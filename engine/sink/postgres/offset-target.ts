// A partitioned source (Kafka topics) applied to a PostgreSQL sink exactly once: the next offset of each
// topic-partition is a row of "_cutover"."cutover_offsets", written in the same PostgreSQL transaction as
// the rows of the partition's batch. The transaction first creates the row if it is missing and locks it
// (SELECT … FOR UPDATE), then drops the messages below the stored offset: a consumer that lost the
// partition in a rebalance and still applies an old batch, or a process that reads a batch again after a
// crash, waits for the lock and then finds the messages applied. Keyless tables included: nothing is
// replayed. The rows go through the stream's change sink (change-sink.ts: per-key net effect, exact
// fallback, identity sequences, the value rules of values.ts); the tables' MySQL types are read back from
// the sink's columns (sink-table.ts). Bad messages are recorded in "_cutover"."cutover_bad_messages"
// (bad-message-rows.ts), and a skip with the offset that passes it, as the MySQL sink does. PostgreSQL
// aborts a transaction at its first error, so a message the sink refuses rolls the whole batch back; the
// caller (engine/core/bad-messages.ts) then applies the messages before it alone, in a new transaction.
import type pg from 'pg';
import { partitionKey, type BatchOutcome, type OffsetTarget, type TopicPartition } from '../../core/partition-offsets.js';
import type { ApplierTable } from '../../core/checkpoint.js';
import type { TableInfo } from '../../core/tables.js';
import type { TableRef } from '../../../shared/table-selection.js';
import { CHECKPOINT_SCHEMA } from './descriptor.js';
import { pgId } from './connection.js';
import { asTransient, openStreamClient, PgChangeSink, type PgChangeSinkOptions } from './change-sink.js';
import { readPgSinkTable } from './sink-table.js';
import { applyOffsetBatch, type OffsetStatements } from '../../core/offset-frame.js';
import { type BadMessage, type GatedBatch, type MessageRef, type SkipRequest } from '../../core/bad-messages.js';
import { PgChangeError } from './change-error.js';
import { forgetPgTablePartitions, guardPgTablePartitions, PG_TABLE_PARTITIONS_DDL } from './table-partitions.js';
import { forgetPgPending, PG_BAD_MESSAGES_DDL, pgSkipRequests, recordPgBadMessage, recordPgSkips, requestPgSkips } from './bad-message-rows.js';
import { CutoverError } from '../../../shared/errors.js';
import type { JobConfig } from '../../../shared/job-config.js';
import type { Logger } from '../../core/logger.js';
import type { OffsetDdl } from '../../core/partition-offsets.js';
import { applyPgOffsetDdl } from './offset-ddl.js';

export const OFFSETS_TABLE = 'cutover_offsets';
export const PG_OFFSETS = `${pgId(CHECKPOINT_SCHEMA)}.${pgId(OFFSETS_TABLE)}`;

const OFFSETS_DDL = `CREATE TABLE IF NOT EXISTS ${PG_OFFSETS} (
  job varchar(100) NOT NULL,
  topic varchar(249) NOT NULL,
  part integer NOT NULL,
  next_offset bigint NULL,
  applied_at timestamptz(6) NOT NULL DEFAULT now(),
  PRIMARY KEY (job, topic, part)
)`;

/** SQLSTATEs of a concurrent CREATE … IF NOT EXISTS that lost the race (the object exists now). */
const CREATE_RACE = new Set(['23505', '42P06', '42P07', '42710']);

/** Deletes a job's offset rows (remove --clean-sink, --restart); returns how many there were. */
export async function forgetPgOffsets(client: pg.ClientBase, job: string): Promise<number> {
  await forgetPgPending(client, job);
  await forgetPgTablePartitions(client, job);
  const r = await client.query(`DELETE FROM ${PG_OFFSETS} WHERE job = $1`, [job]).catch((e: { code?: string }) => {
    if (e.code === '42P01' || e.code === '3F000') return { rowCount: 0 }; // never consumed here: no offsets table
    throw e;
  });
  return r.rowCount ?? 0;
}

export class PgOffsetTarget implements OffsetTarget {
  /** The job's tables without a key on the sink (source names): their partitions are recorded in the sink (table-partitions.ts). */
  private readonly keyless = new Set<string>();

  private constructor(
    private readonly sink: PgChangeSink,
    /** Reads the stored offsets outside the batches' transactions (an assignment may come while one is open). */
    private readonly reader: pg.Client,
    private readonly job: string,
    private readonly cfg: JobConfig,
    private readonly log: Logger,
  ) {}

  static async open(opts: PgChangeSinkOptions, cfg: JobConfig, log: Logger): Promise<PgOffsetTarget> {
    const sink = await PgChangeSink.open(opts);
    let reader: pg.Client | null = null;
    try {
      for (const ddl of [OFFSETS_DDL, PG_BAD_MESSAGES_DDL, PG_TABLE_PARTITIONS_DDL])
        for (let attempt = 0; ; attempt++) {
          try {
            await sink.client.query(ddl);
            break;
          } catch (e) {
            if (attempt > 2 || !CREATE_RACE.has(String((e as { code?: string }).code))) throw e;
          }
        }
      reader = await openStreamClient(opts.url);
    } catch (e) {
      await sink.close();
      throw asTransient(e);
    }
    return new PgOffsetTarget(sink, reader, opts.jobName, cfg, log);
  }

  async offsets(parts: TopicPartition[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (!parts.length) return out;
    const r = await this.reader.query<{ topic: string; part: number; next_offset: string | null }>(
      `SELECT topic, part, next_offset::text AS next_offset FROM ${PG_OFFSETS} WHERE job = $1 AND (topic, part) IN (SELECT * FROM unnest($2::text[], $3::int[]))`,
      [this.job, parts.map((p) => p.topic), parts.map((p) => p.partition)],
    );
    for (const row of r.rows) if (row.next_offset !== null) out.set(partitionKey({ topic: row.topic, partition: Number(row.part) }), row.next_offset);
    return out;
  }

  applyBatch(batch: GatedBatch): Promise<BatchOutcome> {
    return applyOffsetBatch(batch, (frame) => this.sink.applyFramed(frame, 'strict'), this.statements, (t) => this.keyless.has(t), (e) => (e instanceof PgChangeError ? { tx: e.tx, message: e.message } : null));
  }

  /** This sink's statements of the batch frame (engine/core/offset-frame.ts). */
  private readonly statements: OffsetStatements<pg.Client> = {
    lockOffset: async (client, tp) => {
      const key = [this.job, tp.topic, tp.partition];
      await client.query(`INSERT INTO ${PG_OFFSETS} (job, topic, part, next_offset) VALUES ($1, $2, $3, NULL) ON CONFLICT DO NOTHING`, key);
      const r = await client.query<{ next_offset: string | null }>(`SELECT next_offset::text AS next_offset FROM ${PG_OFFSETS} WHERE job = $1 AND topic = $2 AND part = $3 FOR UPDATE`, key);
      return r.rows[0]?.next_offset ?? null;
    },
    guardPartitions: (client, tp, touches) => guardPgTablePartitions(client, this.job, tp, touches),
    recordSkips: (client, tp, skipped) => recordPgSkips(client, this.job, tp, skipped),
    storeOffset: async (client, tp, next) => {
      await client.query(`UPDATE ${PG_OFFSETS} SET next_offset = $4, applied_at = clock_timestamp() WHERE job = $1 AND topic = $2 AND part = $3`, [this.job, tp.topic, tp.partition, next]);
    },
  };

  /** Translated by the stream's rules and run in one transaction with the offset: offset-ddl.ts. */
  applyDdl(d: OffsetDdl, statementRun?: () => void): Promise<'applied' | 'already'> {
    return applyPgOffsetDdl(this.sink, PG_OFFSETS, this.job, this.cfg, this.log, d, statementRun);
  }

  recordBadMessage(b: BadMessage): Promise<void> {
    return recordPgBadMessage(this.reader, this.job, b);
  }

  requestSkips(refs: MessageRef[], requestedBy: string): Promise<void> {
    return requestPgSkips(this.reader, this.job, refs, requestedBy, async (tp) => (await this.offsets([tp])).get(partitionKey(tp)) ?? null);
  }

  skipRequests(parts: TopicPartition[]): Promise<SkipRequest[]> {
    return pgSkipRequests(this.reader, this.job, parts);
  }

  readSinkTable(ref: TableRef): Promise<TableInfo | null> {
    return readPgSinkTable(this.sink.client, ref);
  }

  setTable(sourceName: string, t: ApplierTable): void {
    if (t.info.chunkKey.length) this.keyless.delete(sourceName);
    else this.keyless.add(sourceName);
    this.sink.setTable(sourceName, t);
  }

  async close(): Promise<void> {
    await this.reader.end().catch(() => undefined);
    await this.sink.close();
  }
}
