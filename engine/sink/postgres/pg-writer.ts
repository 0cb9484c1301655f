// Writes copied rows to PostgreSQL with COPY … FROM STDIN (text format). Each batch is one transaction.
// A batch whose rows are all new goes straight into the table; when a row's key is already there (a chunk
// resumed after a crash, an appended table) the COPY fails on the key as a whole, and the batch is written
// again through a temporary table with INSERT … ON CONFLICT (key) DO NOTHING: rows whose key exists are
// kept, exactly as the MySQL sink keeps them, and no row is written twice.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import copyStreams from 'pg-copy-streams';
import { CutoverError } from '../../../shared/errors.js';
import { keyText } from '../../mysql/packet-limit.js';
import type { RawRow } from '../../core/rows.js';
import type { CopyTable } from '../../core/tables.js';
import type { SinkBatch, SinkWriter } from '../sink.js';
import { pgId, pgTable, type PgClient } from './connection.js';
import { sinkColumns } from './ddl.js';
import type { UnholdablePolicy } from './types.js';
import { copyEscape, pgTextEncoder, type ValueContext } from './values.js';

type Encoder = ReturnType<typeof pgTextEncoder>;

class PgBatch implements SinkBatch {
  rows = 0;
  bytes = 0;
  readonly lines: string[] = [];
  private row: RawRow = [];
  private readonly ctx: ValueContext;
  /** For key columns: "null" and "-infinity" would make two keys one (a row lost), so they stop instead. */
  private readonly keyCtx: ValueContext;
  private readonly isKey: boolean[];

  constructor(
    readonly table: CopyTable,
    private readonly encoders: Encoder[],
    policy: UnholdablePolicy,
  ) {
    const names = table.columns.map((c) => c.name);
    const keys = table.keyColumns.map((c) => c.name);
    this.ctx = { table: `${table.sink.db}.${table.sink.table}`, key: () => keyText(keys, names, this.row), policy };
    this.keyCtx = { ...this.ctx, policy: policy === 'text' ? 'text' : 'stop' };
    this.isKey = names.map((n) => keys.includes(n));
  }

  private data: Buffer | null = null;

  /** The batch as COPY text bytes; the row lines are let go once joined (a write may be called again). */
  encoded(): Buffer {
    if (!this.data) {
      this.data = Buffer.from(this.lines.join(''), 'utf8');
      this.lines.length = 0;
    }
    return this.data;
  }

  add(row: RawRow): void {
    this.row = row;
    let line = '';
    let size = row.length;
    for (let i = 0; i < row.length; i++) {
      const raw = row[i]!;
      if (i) line += '\t';
      if (raw === null) {
        line += '\\N';
        continue;
      }
      size += raw.length;
      const text = this.encoders[i]!(raw, this.isKey[i] ? this.keyCtx : this.ctx);
      line += text === null ? '\\N' : copyEscape(text);
    }
    this.lines.push(line + '\n');
    this.rows++;
    this.bytes += size;
  }
}

export class PgWriter implements SinkWriter {
  private readonly encoders = new Map<number, Encoder[]>();

  constructor(
    private readonly client: PgClient,
    private readonly policy: UnholdablePolicy,
    /** A stream follows: a row colliding on another unique key is left out too (the replay from the copy's start writes it). */
    private readonly streamFollows = false,
    /** The table's PostGIS geometry columns (known once the sink prepared it); none: spatial columns are bytea. */
    private readonly geometryColumns: (t: CopyTable) => Map<string, { srid: number }> | undefined = () => undefined,
  ) {}

  newBatch(t: CopyTable): PgBatch {
    let enc = this.encoders.get(t.stateId);
    if (!enc) {
      const geometry = this.geometryColumns(t);
      this.encoders.set(t.stateId, (enc = sinkColumns(t).map((c) => pgTextEncoder(c, geometry?.get(c.name)))));
    }
    return new PgBatch(t, enc, this.policy);
  }

  async write(batch: SinkBatch): Promise<void> {
    const b = batch as PgBatch;
    if (!b.rows) return;
    const t = b.table;
    const cols = t.columns.map((c) => pgId(c.name)).join(', ');
    const data = b.encoded();
    try {
      await this.inTransaction(() => this.copy(`COPY ${pgTable(t.sink)} (${cols}) FROM STDIN`, data));
    } catch (e) {
      if ((e as { code?: string }).code !== '23505' || !t.keyColumns.length) throw explainWriteError(e, t);
      try {
        await this.inTransaction(async () => {
          const tmp = pgId(`cutover_load_${t.stateId}`);
          await this.client.query(`CREATE TEMPORARY TABLE ${tmp} ON COMMIT DROP AS SELECT ${cols} FROM ${pgTable(t.sink)} WITH NO DATA`);
          await this.copy(`COPY ${tmp} (${cols}) FROM STDIN`, data);
          const key = t.keyColumns.map((c) => pgId(c.name)).join(', ');
          await this.client.query(`INSERT INTO ${pgTable(t.sink)} (${cols}) SELECT ${cols} FROM ${tmp} ON CONFLICT ${this.streamFollows ? '' : `(${key}) `}DO NOTHING`);
        });
      } catch (e2) {
        throw explainWriteError(e2, t);
      }
    }
  }

  private async copy(sql: string, data: Buffer): Promise<void> {
    await pipeline(Readable.from([data]), this.client.query(copyStreams.from(sql)));
  }

  private async inTransaction(f: () => Promise<void>): Promise<void> {
    await this.client.query('BEGIN');
    try {
      await f();
      await this.client.query('COMMIT');
    } catch (e) {
      await this.client.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }

  async truncate(t: CopyTable): Promise<void> {
    await this.client.query(`TRUNCATE TABLE ${pgTable(t.sink)}`);
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}

function explainWriteError(e: unknown, t: CopyTable): CutoverError {
  if (e instanceof CutoverError) return e;
  const err = e as { code?: string; message?: string; where?: string; detail?: string };
  return new CutoverError(
    `Writing to ${t.sink.db}.${t.sink.table} on PostgreSQL failed: ${err.code ?? ''} ${err.message ?? String(e)}${err.detail ? ` (${err.detail})` : ''}${err.where ? ` [${err.where}]` : ''}`.replace(/\s+/g, ' ').trim(),
    'Fix the cause on the sink (the table and row above), then run the same job again: finished chunks are not copied again.',
  );
}
