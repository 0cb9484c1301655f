// A partitioned source (Kafka topics) applied to a PostgreSQL sink exactly once: the next offset of each
// topic-partition is a row of "_cutover"."cutover_offsets", written in the same PostgreSQL transaction as
// the rows of the partition's batch. The transaction first creates the row if it is missing and locks it
// (SELECT … FOR UPDATE), then drops the messages below the stored offset: a consumer that lost the
// partition in a rebalance and still applies an old batch, or a process that reads a batch again after a
// crash, waits for the lock and then finds the messages applied. Keyless tables included: nothing is
// replayed. The rows go through the stream's change sink (change-sink.ts: per-key net effect, exact
// fallback, identity sequences, the value rules of values.ts); the tables' MySQL types are read back from
// the sink's columns (sink-table.ts).
import type pg from 'pg';
import { partitionKey, unappliedPart, type BatchOutcome, type OffsetTarget, type PartitionBatch, type TopicPartition } from '../../core/partition-offsets.js';
import type { ApplierTable } from '../../core/checkpoint.js';
import type { TableInfo } from '../../core/tables.js';
import type { TableRef } from '../../../shared/table-selection.js';
import { CHECKPOINT_SCHEMA } from './descriptor.js';
import { pgId } from './connection.js';
import { asTransient, openStreamClient, PgChangeSink, type PgChangeSinkOptions } from './change-sink.js';
import { readPgSinkTable } from './sink-table.js';
import type { BadMessage, MessageRef, SkipRequest } from '../../core/bad-messages.js';
import { CutoverError } from '../../../shared/errors.js';

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
const CREATE_RACE = new Set(['23505', '42P06', '42P07']);

/** Deletes a job's offset rows (remove --clean-sink, --restart); returns how many there were. */
export async function forgetPgOffsets(client: pg.ClientBase, job: string): Promise<number> {
  const r = await client.query(`DELETE FROM ${PG_OFFSETS} WHERE job = $1`, [job]).catch((e: { code?: string }) => {
    if (e.code === '42P01' || e.code === '3F000') return { rowCount: 0 }; // never consumed here: no offsets table
    throw e;
  });
  return r.rowCount ?? 0;
}

export class PgOffsetTarget implements OffsetTarget {
  private constructor(
    private readonly sink: PgChangeSink,
    /** Reads the stored offsets outside the batches' transactions (an assignment may come while one is open). */
    private readonly reader: pg.Client,
    private readonly job: string,
  ) {}

  static async open(opts: PgChangeSinkOptions): Promise<PgOffsetTarget> {
    const sink = await PgChangeSink.open(opts);
    let reader: pg.Client | null = null;
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          await sink.client.query(OFFSETS_DDL);
          break;
        } catch (e) {
          if (attempt > 0 || !CREATE_RACE.has(String((e as { code?: string }).code))) throw e;
        }
      }
      reader = await openStreamClient(opts.url);
    } catch (e) {
      await sink.close();
      throw asTransient(e);
    }
    return new PgOffsetTarget(sink, reader, opts.jobName);
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

  async applyBatch(batch: PartitionBatch): Promise<BatchOutcome> {
    let skipped = 0;
    const key = [this.job, batch.topic, batch.partition];
    const applied = await this.sink.applyFramed(
      {
        begin: async (client) => {
          await client.query(`INSERT INTO ${PG_OFFSETS} (job, topic, part, next_offset) VALUES ($1, $2, $3, NULL) ON CONFLICT DO NOTHING`, key);
          const r = await client.query<{ next_offset: string | null }>(`SELECT next_offset::text AS next_offset FROM ${PG_OFFSETS} WHERE job = $1 AND topic = $2 AND part = $3 FOR UPDATE`, key);
          const part = unappliedPart(batch, r.rows[0]?.next_offset ?? null);
          skipped = part.skipped;
          if (!part.move) return null;
          return part.messages.map((m) => ({ kind: 'message' as const, changes: m.changes, label: `the message at ${batch.topic} partition ${batch.partition} offset ${m.offset}`, ...(m.lenient ? { mode: 'reconcile' as const } : {}) }));
        },
        end: async (client) => {
          await client.query(`UPDATE ${PG_OFFSETS} SET next_offset = $4, applied_at = clock_timestamp() WHERE job = $1 AND topic = $2 AND part = $3`, [...key, batch.next]);
        },
      },
      'strict',
    );
    return { applied, skipped };
  }

  /** A PostgreSQL sink keeps no record of paused messages: the state file has it (status shows it). */
  async recordBadMessage(_b: BadMessage): Promise<void> {}

  /** `--skip-message` needs the sink's record of the pause and the skip; only the MySQL/MariaDB sink keeps them so far. */
  async requestSkips(refs: MessageRef[], _requestedBy: string): Promise<void> {
    if (!refs.length) return;
    throw new CutoverError(
      '--skip-message is not available for a PostgreSQL sink yet: the skip would have to be recorded in the sink with the offset, which this sink does not do.',
      'Correct the message at its producer or the sink table (the paused message and its reason are in `cutover status`), then run the job again; or consume the topic into a MySQL/MariaDB sink.',
    );
  }

  async skipRequests(_parts: TopicPartition[]): Promise<SkipRequest[]> {
    return [];
  }

  readSinkTable(ref: TableRef): Promise<TableInfo | null> {
    return readPgSinkTable(this.sink.client, ref);
  }

  setTable(sourceName: string, t: ApplierTable): void {
    this.sink.setTable(sourceName, t);
  }

  async close(): Promise<void> {
    await this.reader.end().catch(() => undefined);
    await this.sink.close();
  }
}
