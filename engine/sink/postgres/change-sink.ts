// The stream's PostgreSQL target: applies binlog transactions exactly once.
//
// Each apply(txs) is ONE PostgreSQL transaction: BEGIN, the job's checkpoint row read FOR UPDATE (the
// transactions ending at or before it are skipped, so a batch replayed after a crash neither loses nor
// doubles anything), the row changes of the whole batch as their per-key net effect (change-plan.ts),
// the identity sequences of the tables it inserted into moved past the values it wrote (identity.ts),
// the checkpoint moved to the last transaction's end, COMMIT. When a statement fails or affects another
// number of rows than it must, the transaction is rolled back and the batch applied again one statement
// per change in binlog order: if that succeeds it is committed (the set form only guessed wrong),
// otherwise the exact change, statement and server message are reported (code SINK_ROW, job paused) and
// nothing of the batch is kept.
//
// A source transaction larger than a batch comes in pieces (applyPiece): the first piece opens the
// transaction and locks the checkpoint row; each piece (and then the final part, the first transaction of
// the next apply) is applied as its own net effect behind a savepoint, its exact fallback rolling back to
// that savepoint only, and its identity sequences moved; the final part commits with the checkpoint. A
// crash in between rolls it all back and the stream reads the whole source transaction again.
//
// Lost connections, a server shutting down, deadlocks and serialization failures are passed to the stream
// runner as transient (it reconnects and resumes from the checkpoint, which the rolled-back transaction
// did not move).
import pg from 'pg';
import { CutoverError } from '../../../shared/errors.js';
import type { SourcePosition } from '../../core/position.js';
import type { TableRef } from '../../../shared/table-selection.js';
import type { StreamTarget } from '../stream-target.js';
import { type BinlogTransaction, type MessageChanges, type DdlEvent, type RowChange, type TransactionPiece } from '../../core/changes.js';
import type { ColumnInfo } from '../../core/tables.js';
import type { ApplierTable, ApplyMode, Checkpoint } from '../../core/checkpoint.js';
import { effectiveMode, pendingTransactions, piecesPlan, type CheckpointOwnerColumns } from '../../core/checkpoint.js';
import { batchStatements, planPgTable, type Encode, type PgStatement, type PgTablePlan, type SinkIndexes } from './change-plan.js';
import { modeRuns, strictWhereReplaceUnsafe } from '../../core/batch-plan.js';
import { ensurePgCheckpointTable, readPgCheckpoint, writePgCheckpoint } from './checkpoint.js';
import type { PlanOptions } from './ddl.js';
import { connect, parseMysqlUrl } from '../../mysql/connection.js';
import { rawQuery } from '../../mysql/key-range.js';
import { charsetReady, loadSourceCharsets } from './charsets.js';
import { pgColumnType } from './types.js';
import { pgTextEncoder } from './values.js';
import { postgisInstalled, sinkGeometryColumns } from './postgis.js';
import { handlePgDdl, type PgDdlContext } from './stream-ddl.js';
import { advanceRefused, advanceStatements, identityMaxima, sinkIdentities } from './identity.js';
import { asTransient, inlineParams, isStatementError, openStreamClient, sinkIndexes } from './stream-client.js';

export { asTransient, inlineParams, isStatementError, openStreamClient, sinkIndexes } from './stream-client.js';
import { addPendingForeignKeys } from './foreign-keys.js';
import { PgChangeError } from './change-error.js';

export { PgChangeError } from './change-error.js';
import type { Logger } from '../../core/logger.js';

export interface PgChangeSinkOptions {
  url: string;
  /**
   * The source, where the conversion tables of multi-byte charsets are read (charsets.ts); asked only when a
   * table has such a column (a Kafka source's tables read from the sink are utf8mb4 and never ask).
   */
  sourceUrl: () => string;
  jobName: string;
  /** Recorded in a checkpoint row this sink creates. */
  owner?: CheckpointOwnerColumns;
  /** The job's type rules: values PostgreSQL cannot hold, and type overrides by "db.table.column". */
  types: PlanOptions;
  /** Where foreign keys added after the catch-up (or still refused) are told. */
  log?: Logger;
}

/** Foreign keys still refused after a catch-up are tried again at most this often while the stream runs. */
const RETRY_PENDING_MS = 10 * 60_000;

/** Statements with at most this many parameters may share a round trip (values inlined). */
const INLINE_PARAMS = 200;
/** SQL text sent per round trip of inlined statements. */
const PACKET_BYTES = 1 << 20;

class Mismatch extends Error {
  constructor(readonly statement: PgStatement, readonly affected: number) {
    super(`it affected ${affected} row(s) where ${statement.expect} ${statement.expect === 1 ? 'was' : 'were'} expected`);
  }
}

export class PgChangeSink implements StreamTarget<PgDdlContext> {
  private readonly tables = new Map<string, ApplierTable>();
  private readonly plans = new Map<string, PgTablePlan>();
  /** The open transaction of a source transaction applied in pieces (skip: the checkpoint is past it). */
  private pieces: { mode: ApplyMode; skip: boolean } | null = null;

  private constructor(
    readonly client: pg.Client,
    private readonly opts: PgChangeSinkOptions,
  ) {}

  static async open(opts: PgChangeSinkOptions): Promise<PgChangeSink> {
    if (opts.jobName.length === 0 || opts.jobName.length > 100) throw new CutoverError(`job name "${opts.jobName}" must be 1 to 100 characters for the sink checkpoint`);
    const client = await openStreamClient(opts.url);
    try {
      await ensurePgCheckpointTable(client);
      if (opts.types.postgis === undefined) opts = { ...opts, types: { ...opts.types, postgis: await postgisInstalled(client) } };
    } catch (e) {
      await client.end().catch(() => undefined);
      throw asTransient(e);
    }
    return new PgChangeSink(client, opts);
  }

  /** The job's type options (DDL creates columns with them). */
  get typeOptions(): PlanOptions {
    return this.opts.types;
  }

  /** The PostgreSQL type of a source column under the job's rules and overrides. */
  columnType(source: TableRef, c: ColumnInfo): string {
    return pgColumnType(c, { override: this.opts.types.types[`${source.db}.${source.table}.${c.name}`], unholdable: this.opts.types.policy, postgis: this.opts.types.postgis }).sql;
  }

  async checkpoint(): Promise<Checkpoint | null> {
    return readPgCheckpoint(this.client, this.opts.jobName, false).catch((e) => Promise.reject(asTransient(e)));
  }

  async setCheckpoint(end: SourcePosition, gtid: string | null): Promise<void> {
    await writePgCheckpoint(this.client, this.opts.jobName, end, gtid, this.opts.owner).catch((e) => Promise.reject(asTransient(e)));
  }

  setTable(sourceName: string, t: ApplierTable): void {
    this.tables.set(sourceName, t);
    this.plans.delete(sourceName);
  }

  dropTable(sourceName: string): void {
    this.tables.delete(sourceName);
    this.plans.delete(sourceName);
  }

  table(sourceName: string): ApplierTable | undefined {
    return this.tables.get(sourceName);
  }

  async apply(txs: BinlogTransaction[], given: ApplyMode): Promise<number> {
    if (txs.length === 0) return 0;
    let done = 0;
    try {
      if (this.pieces) {
        done = await this.finishPieces(txs[0]!);
        txs = txs.slice(1);
        if (!txs.length) return done;
      }
      return done + (await this.applyOnce(txs, given));
    } catch (e) {
      this.pieces = null;
      await this.client.query('ROLLBACK').catch(() => undefined);
      throw asTransient(e);
    }
  }

  /** A piece of a source transaction (more follows), in the transaction it opens or continues (see the header). */
  async applyPiece(piece: TransactionPiece, given: ApplyMode): Promise<void> {
    try {
      if (!this.pieces) {
        await this.client.query('BEGIN');
        this.pieces = piecesPlan(piece.start, await readPgCheckpoint(this.client, this.opts.jobName, true), given);
      }
      if (!this.pieces.skip) await this.applyPart(piece, this.pieces.mode);
    } catch (e) {
      this.pieces = null;
      await this.client.query('ROLLBACK').catch(() => undefined);
      throw asTransient(e);
    }
  }

  /** The final part of a source transaction applied in pieces: applied, then committed with the checkpoint. Returns 1 (0: skipped). */
  private async finishPieces(final: BinlogTransaction): Promise<number> {
    const open = this.pieces!;
    this.pieces = null;
    if (open.skip) {
      await this.client.query('ROLLBACK');
      return 0;
    }
    await this.applyPart(final, open.mode);
    await writePgCheckpoint(this.client, this.opts.jobName, final.end, final.gtid, this.opts.owner);
    await this.client.query('COMMIT');
    return 1;
  }

  /** One part of a source transaction in the open transaction: its net effect (or, refused, one statement per change from its savepoint), then its identities. */
  private async applyPart(part: BinlogTransaction | TransactionPiece, mode: ApplyMode): Promise<void> {
    if (!part.changes.length) return;
    await this.preparePlans([part]);
    await this.client.query('SAVEPOINT cutover_piece');
    try {
      await this.run(batchStatements(part.changes, (c) => this.planFor(c), mode, true));
    } catch (e) {
      if (!(e instanceof Mismatch) && !isStatementError(e)) throw e;
      await this.client.query('ROLLBACK TO SAVEPOINT cutover_piece');
      await this.runOneByOne([part], mode);
    }
    await this.client.query('RELEASE SAVEPOINT cutover_piece');
    await this.advanceIdentities([part]);
  }

  /**
   * One PostgreSQL transaction framed by the caller (a partitioned source's offset row, offset-target.ts):
   * `begin` locks what it needs and returns the messages to apply (null: nothing, rolled back); their changes
   * go as one net effect with the same exact fallback as apply; `end` writes the offset; COMMIT. Returns the
   * messages applied.
   */
  async applyFramed(frame: { begin(client: pg.Client): Promise<MessageChanges[] | null>; end(client: pg.Client): Promise<void> }, mode: ApplyMode): Promise<number> {
    try {
      await this.client.query('BEGIN');
      let parts = await frame.begin(this.client);
      if (parts === null) {
        await this.client.query('ROLLBACK');
        return 0;
      }
      await this.preparePlans(parts);
      strictWhereReplaceUnsafe(parts, (c) => this.planFor(c).replaceSafe);
      try {
        for (const run of modeRuns(parts, mode)) await this.run(batchStatements(run.changes, (c) => this.planFor(c), run.mode, true));
      } catch (e) {
        if (!(e instanceof Mismatch) && !isStatementError(e)) throw e;
        await this.client.query('ROLLBACK');
        await this.client.query('BEGIN');
        parts = (await frame.begin(this.client)) ?? [];
        strictWhereReplaceUnsafe(parts, (c) => this.planFor(c).replaceSafe);
        await this.runOneByOne(parts, mode);
      }
      await this.advanceIdentities(parts);
      await frame.end(this.client);
      await this.client.query('COMMIT');
      return parts.length;
    } catch (e) {
      await this.client.query('ROLLBACK').catch(() => undefined);
      throw asTransient(e);
    }
  }

  async ddl(ctx: PgDdlContext, ev: DdlEvent, reconciling: boolean): Promise<void> {
    await handlePgDdl(ctx, ev, this, reconciling);
  }

  /**
   * Runs `body` in a transaction that first locks the checkpoint row and then moves it to `end`; skipped
   * (false) when the checkpoint is already at or past `end`. For DDL, whose effect commits with the position.
   */
  async inCheckpointTransaction(end: SourcePosition, gtid: string | null, body: () => Promise<void>): Promise<boolean> {
    await this.client.query('BEGIN');
    try {
      const cp = await readPgCheckpoint(this.client, this.opts.jobName, true);
      if (cp && pendingTransactions([{ kind: 'transaction', changes: [], gtid, end, timestamp: 0 }], cp.position).length === 0) {
        await this.client.query('ROLLBACK');
        return false;
      }
      await body();
      await writePgCheckpoint(this.client, this.opts.jobName, end, gtid, this.opts.owner);
      await this.client.query('COMMIT');
      return true;
    } catch (e) {
      await this.client.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }

  async close(): Promise<void> {
    this.pieces = null; // an open transaction ends with the connection: rolled back
    await this.client.end().catch(() => undefined);
  }

  private pendingTried = 0;
  private pendingLeft = true;

  /**
   * The stream has applied everything the source wrote up to `at`: the foreign keys the copy could not add
   * (rows of chunks read at different moments violated them) are added now (foreign-keys.ts); first idle
   * of the session, then every RETRY_PENDING_MS while some are still refused.
   */
  async idle(_at: SourcePosition): Promise<void> {
    if (!this.pendingLeft || Date.now() - this.pendingTried < RETRY_PENDING_MS) return;
    this.pendingTried = Date.now();
    try {
      const r = await addPendingForeignKeys(this.client, this.opts.jobName);
      for (const label of r.added) this.opts.log?.info(`foreign key ${label} added on the PostgreSQL sink now that the stream has caught up`);
      for (const w of r.warnings) this.opts.log?.warn(w);
      this.pendingLeft = r.left > 0;
    } catch (e) {
      if (!isStatementError(e)) throw asTransient(e);
      this.opts.log?.warn(`the foreign keys waiting for the stream to catch up could not be added: ${e.message}`);
    }
  }

  private async applyOnce(txs: BinlogTransaction[], given: ApplyMode): Promise<number> {
    const begun = await this.begin(txs);
    if (!begun) return 0;
    const { pending } = begun;
    const mode = effectiveMode(given, pending[0]!.end, begun.reconcileUntil);
    await this.preparePlans(pending);
    try {
      await this.run(batchStatements(pending.flatMap((t) => t.changes), (c) => this.planFor(c), mode, true));
    } catch (e) {
      if (!(e instanceof Mismatch) && !isStatementError(e)) throw e;
      await this.client.query('ROLLBACK');
      await this.begin(pending);
      await this.runOneByOne(pending, mode);
    }
    await this.advanceIdentities(pending);
    const last = pending[pending.length - 1]!;
    await writePgCheckpoint(this.client, this.opts.jobName, last.end, last.gtid, this.opts.owner);
    await this.client.query('COMMIT');
    return pending.length;
  }

  /** Moves the identity sequences of the batch's tables past the values it wrote (identity.ts), in its transaction, one round trip. */
  private async advanceIdentities(txs: (BinlogTransaction | TransactionPiece | MessageChanges)[]): Promise<void> {
    const statements = advanceStatements(identityMaxima(txs.flatMap((t) => t.changes), (c) => this.planFor(c)));
    if (!statements.length) return;
    try {
      await this.client.query(statements.map((st) => st.sql).join(';\n'));
    } catch (e) {
      if (isStatementError(e)) throw advanceRefused(statements, e);
      throw e;
    }
  }

  /** BEGIN, lock the checkpoint row, keep the transactions after it; null (rolled back) when none. */
  private async begin(txs: BinlogTransaction[]): Promise<{ pending: BinlogTransaction[]; reconcileUntil: SourcePosition | null } | null> {
    await this.client.query('BEGIN');
    const cp = await readPgCheckpoint(this.client, this.opts.jobName, true);
    const pending = pendingTransactions(txs, cp?.position ?? null);
    if (pending.length) return { pending, reconcileUntil: cp?.reconcileUntil ?? null };
    await this.client.query('ROLLBACK');
    return null;
  }

  /**
   * Runs the statements and checks what each affected. Set statements go alone with their parameters;
   * runs of small per-change statements go many to a round trip (one simple-query text, values inlined
   * as literals), which is what makes tables applied change by change fast enough.
   */
  private async run(statements: PgStatement[]): Promise<void> {
    let i = 0;
    while (i < statements.length) {
      const group: PgStatement[] = [];
      let bytes = 0;
      while (i < statements.length && statements[i]!.params.length <= INLINE_PARAMS && (group.length === 0 || bytes < PACKET_BYTES)) {
        bytes += statements[i]!.sql.length + statements[i]!.params.reduce((n, v) => n + (v === null ? 4 : v.length + 2), 0);
        group.push(statements[i++]!);
      }
      if (group.length > 1) {
        const results = (await this.client.query(group.map(inlineParams).join(';\n'))) as unknown as pg.QueryResult[];
        group.forEach((st, k) => {
          const affected = results[k]?.rowCount ?? 0;
          if (st.expect !== null && affected !== st.expect) throw new Mismatch(st, affected);
        });
        continue;
      }
      const st = group[0] ?? statements[i++]!;
      const affected = (await this.client.query(st.sql, st.params)).rowCount ?? 0;
      if (st.expect !== null && affected !== st.expect) throw new Mismatch(st, affected);
    }
  }

  /** The exact path: one statement per change in binlog order; names the change that fails. */
  private async runOneByOne(txs: (BinlogTransaction | TransactionPiece | MessageChanges)[], mode: ApplyMode): Promise<void> {
    for (const tx of txs) {
      for (const s of batchStatements(tx.changes, (c) => this.planFor(c), (tx.kind === 'message' ? tx.mode : undefined) ?? mode, false)) {
        let affected: number;
        try {
          affected = (await this.client.query(s.sql, s.params)).rowCount ?? 0;
        } catch (e) {
          if (!isStatementError(e)) throw e;
          throw new PgChangeError(s.change, s.sql, tx, `${e.message}${e.detail ? ` (${e.detail})` : ''} [SQLSTATE ${e.code}]`);
        }
        if (s.expect !== null && affected !== s.expect) {
          const what = s.change.type === 'insert' ? 'row' : affected === 0 ? 'the row is missing on the sink' : `${affected} rows matched`;
          throw new PgChangeError(s.change, s.sql, tx, `${what} (expected ${s.expect} row affected, got ${affected}); the sink has diverged from the source`);
        }
      }
    }
  }

  /** Builds the plans of the batch's tables not planned yet (their unique indexes come from the sink's catalog). */
  private async preparePlans(txs: (BinlogTransaction | TransactionPiece | MessageChanges)[]): Promise<void> {
    const missing = new Set<string>();
    for (const tx of txs) for (const c of tx.changes) {
      const name = c.name ?? `${c.db}.${c.table}`;
      if (!this.plans.has(name)) missing.add(name);
    }
    for (const name of missing) {
      const t = this.tables.get(name);
      if (!t) throw new CutoverError(`a binlog change on ${name}, which is not a table of this job`);
      await this.learnCharsets(t);
      const idx = await sinkIndexes(this.client, t.sink.db, t.sink.table, t.info.chunkKey);
      const identities = await sinkIdentities(this.client, t.sink.db, t.sink.table);
      const geometry = this.opts.types.postgis ? await sinkGeometryColumns(this.client, t.sink.db, t.sink.table) : new Map<string, { srid: number }>();
      const table = `${t.sink.db}.${t.sink.table}`;
      const policy = this.opts.types.policy;
      this.plans.set(
        name,
        planPgTable(t, t.sink.db, t.sink.table, idx, (c): Encode => {
          const enc = pgTextEncoder(c, geometry.get(c.name));
          return (raw, key) => enc(raw, { table, key, policy });
        }, identities),
      );
    }
  }

  /** Loads, once per process, the source's conversion tables of the table's multi-byte charsets (charsets.ts). */
  private async learnCharsets(t: ApplierTable): Promise<void> {
    const needed = new Set(t.info.columns.map((c) => c.charset).filter((cs): cs is string => !charsetReady(cs)));
    if (!needed.size) return;
    const conn = await connect(parseMysqlUrl(this.opts.sourceUrl()));
    try {
      await loadSourceCharsets((sql) => rawQuery(conn, sql), needed);
    } finally {
      await conn.end().catch(() => undefined);
    }
  }

  private planFor(c: RowChange): PgTablePlan {
    const plan = this.plans.get(c.name ?? `${c.db}.${c.table}`);
    if (!plan) throw new CutoverError(`a binlog change on ${c.db}.${c.table}, which is not a table of this job`);
    return plan;
  }
}

