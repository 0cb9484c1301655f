// Applies binlog transactions to a MySQL/MariaDB sink exactly once.
//
// Each apply(txs) is one sink transaction: the row changes of every transaction in the batch (see
// change-statements.ts for the SQL), then the upsert of this job's checkpoint row
// (`_cutover`.`cutover_checkpoint`) to the last transaction's end position and GTID, then COMMIT.
// Transactions whose end is at or before the stored checkpoint are skipped (the checkpoint row is read
// FOR UPDATE inside the same transaction), so replaying a batch after a crash neither loses nor
// double-applies it.
//
// Statements are sent many to a round trip (multi-statement packets, statement-sender.ts); every result is
// checked against what the statement must affect. When a packet fails, the transaction is rolled back and
// the batch is applied again one statement per change, in binlog order: if that succeeds it is committed
// (the set form only guessed wrong), otherwise the exact change, statement and server message are reported
// as a SinkChangeError and nothing of the batch is kept.
//
// A source transaction larger than a batch comes in pieces (applyPiece): the first piece opens the sink
// transaction and locks the checkpoint row, each piece is applied as its own net effect behind a savepoint
// (its exact fallback rolls back to there, not the whole transaction, whose earlier pieces are no longer in
// memory), and the final part, the first transaction of the next apply(), is applied the same way and
// commits with the checkpoint. Until then the checkpoint has not moved: a crash rolls the pieces back and
// the stream reads the whole source transaction again.
//
// DDL is not transactional: applyDdl marks the checkpoint row with the statement's position first, so a
// crash between the DDL and its checkpoint is recognised on replay ("already exists" / "doesn't exist"
// errors of that statement are then taken as already applied).
//
// Repairs (engine/sink/mysql/repair.ts) rewrite rows to their source state at a binlog position R while the
// stream may be behind R, and store R in the checkpoint row as `reconcile_until`: a batch whose first
// transaction ends at or before it is applied in 'reconcile' mode whatever mode it was given, so replaying
// the changes up to R over the rewritten rows is idempotent (the README's handoff argument).
import type { SourcePosition } from '../../core/position.js';
import { effectiveMode, pendingTransactions, piecesPlan, type CheckpointOwnerColumns } from '../../core/checkpoint.js';

export { effectiveMode, pendingTransactions, type CheckpointOwnerColumns };
import { comparePositions, formatPosition } from '../../core/position.js';
import { CutoverError } from '../../../shared/errors.js';
import { connect, parseMysqlUrl, queryRows, type Connection } from '../../mysql/connection.js';
import { batchStatements, planTable, type Statement, type TablePlan } from './change-statements.js';
import { modeRuns, strictWhereReplaceUnsafe } from '../../core/batch-plan.js';
import { SINK_SESSION } from './session.js';
import { CHECKPOINT_TABLE_SQL, checkpointUpsert, ensureCheckpointTable, readCheckpointRow } from './checkpoint-row.js';
import { StatementSender, exactPathFor } from './statement-sender.js';

export * from './checkpoint-row.js';
export { SinkChangeError, isRetryable, isServerError } from './statement-sender.js';
import type { BinlogTransaction, MessageChanges, RowChange, TransactionPiece } from '../../core/changes.js';
import type { ApplierTable, ApplyMode } from '../../core/checkpoint.js';
import type { Checkpoint } from '../../core/checkpoint.js';
import type { TableInfo } from '../../core/tables.js';
import type { TableRef } from '../../../shared/table-selection.js';
import { readTable, tableExists } from '../../mysql/table-definition.js';
import type { DdlStatementSink } from '../stream-target.js';

/** Server errors a replayed DDL gives when it was already applied. */
export const ALREADY_APPLIED = new Set([1050, 1051, 1054, 1060, 1061, 1091, 1146]);

export interface ChangeApplierOptions {
  jobName: string;
  /** Keyed by the source's "db.table". */
  tables: Map<string, ApplierTable>;
  /** Recorded in a checkpoint row this applier creates (see checkpoint-owner.ts). */
  owner?: CheckpointOwnerColumns;
}

interface ServerError {
  errno?: number;
}

export class ChangeApplier implements DdlStatementSink {
  private readonly plans = new Map<string, TablePlan>();
  private readonly sender: StatementSender;
  /** The open sink transaction of a source transaction applied in pieces (skip: the checkpoint is past it). */
  private pieces: { mode: ApplyMode; skip: boolean } | null = null;
  /** Statements built ahead (prepare) for the batch the next apply() is likely given. */
  private prepared: { txs: BinlogTransaction[]; given: ApplyMode; mode: ApplyMode; statements: Statement[] } | null = null;
  /** `reconcile_until` as the checkpoint row last said (prepare's guess of the mode; apply reads it again). */
  private reconcileUntil: SourcePosition | null = null;

  private constructor(
    private readonly conn: Connection,
    private readonly opts: ChangeApplierOptions,
  ) {
    for (const [name, t] of opts.tables) this.plans.set(name, planTable(t));
    this.sender = new StatementSender(conn, (name) => this.opts.tables.get(name));
  }

  static async open(sinkUrl: string, opts: ChangeApplierOptions): Promise<ChangeApplier> {
    if (opts.jobName.length === 0 || opts.jobName.length > 100) {
      throw new CutoverError(`job name "${opts.jobName}" must be 1 to 100 characters for the sink checkpoint`);
    }
    const applier = new ChangeApplier(await connect(parseMysqlUrl(sinkUrl), SINK_SESSION, { multipleStatements: true }), opts);
    try {
      await ensureCheckpointTable(applier.conn);
      const [row] = await queryRows<{ v: string | number }>(applier.conn, 'SELECT @@max_allowed_packet AS v');
      applier.sender.setMaxPacket(Number(row?.v ?? 4 << 20));
    } catch (e) {
      await applier.close();
      throw e;
    }
    return applier;
  }

  /** Replaces (or adds) the definition of a source table, after DDL. */
  setTable(sourceName: string, table: ApplierTable): void {
    this.prepared = null;
    this.opts.tables.set(sourceName, table);
    this.plans.set(sourceName, planTable(table));
  }

  dropTable(sourceName: string): void {
    this.prepared = null;
    this.opts.tables.delete(sourceName);
    this.plans.delete(sourceName);
  }

  hasTable(sourceName: string): boolean {
    return this.plans.has(sourceName);
  }

  /** The definition the applier uses for a source table (its travelling columns), if it is one of the job's. */
  table(sourceName: string): ApplierTable | undefined {
    return this.opts.tables.get(sourceName);
  }

  /** The sink connection, for the held changes of a paused table (held-changes.ts). */
  get connection(): Connection {
    return this.conn;
  }

  /** A sink table's definition now (after a DDL statement ran on it); null when the sink has no such table. */
  async readSinkTable(ref: TableRef): Promise<TableInfo | null> {
    return (await tableExists(this.conn, ref)) ? readTable(this.conn, ref) : null;
  }

  /** This job's checkpoint on the sink, or null when it has applied nothing yet. */
  async checkpoint(): Promise<Checkpoint | null> {
    return this.readCheckpoint(false);
  }

  /** The end of the last applied transaction, or null when this job has applied none. */
  async lastApplied(): Promise<SourcePosition | null> {
    return (await this.readCheckpoint(false))?.position ?? null;
  }

  /** Writes the checkpoint without changes (the starting position of a stream). */
  async setCheckpoint(end: SourcePosition, gtid: string | null): Promise<void> {
    const cp = checkpointUpsert(this.opts.jobName, end, gtid, this.opts.owner);
    await this.conn.query(cp.sql, cp.params);
  }

  /**
   * Builds the statements of a batch ahead, while the sink may still be applying the one before it (see
   * StreamTarget.prepare). apply() uses them only when it is given the same array and mode, every one of
   * its transactions is still after the checkpoint and the mode it reads with the checkpoint is the same;
   * a DDL (setTable, dropTable) drops them. Any error here is left for apply() to raise.
   */
  prepare(txs: BinlogTransaction[], given: ApplyMode): void {
    this.prepared = null;
    if (!txs.length || this.pieces) return;
    const mode = effectiveMode(given, txs[0]!.end, this.reconcileUntil);
    try {
      const statements = this.statements(allChanges(txs), mode);
      this.prepared = { txs, given, mode, statements };
    } catch {
      /* built again, and raised, by apply() */
    }
  }

  /** Applies the transactions not yet applied, and the checkpoint, in one sink transaction. */
  async apply(txs: BinlogTransaction[], given: ApplyMode): Promise<number> {
    const prepared = this.prepared;
    this.prepared = null;
    if (txs.length === 0) return 0;
    if (this.pieces) return this.finishPieces(txs, given);
    const begun = await this.begin(txs);
    if (!begun) return 0;
    const { pending } = begun;
    const mode = effectiveMode(given, pending[0]!.end, begun.reconcileUntil);
    try {
      const ready = prepared && prepared.txs === txs && prepared.given === given && prepared.mode === mode && pending.length === txs.length ? prepared.statements : null;
      try {
        await this.sender.run(ready ?? this.statements(allChanges(pending), mode));
      } catch (e) {
        if (!exactPathFor(e)) throw e;
        await this.conn.query('ROLLBACK');
        await this.begin(pending);
        await this.runOneByOne(pending, mode);
      }
      const last = pending[pending.length - 1]!;
      const cp = checkpointUpsert(this.opts.jobName, last.end, last.gtid, this.opts.owner);
      // One round trip: the COMMIT runs only when the checkpoint upsert succeeded (a multi-statement
      // packet stops at the first error, which the catch below rolls back).
      await this.conn.query(`${cp.sql};\nCOMMIT`, cp.params);
      return pending.length;
    } catch (e) {
      await this.conn.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }

  /** A piece of a source transaction (more follows), in the sink transaction it opens or continues (see the header). */
  async applyPiece(piece: TransactionPiece, given: ApplyMode): Promise<void> {
    try {
      if (!this.pieces) {
        await this.conn.query('BEGIN');
        this.pieces = piecesPlan(piece.start, await this.readCheckpoint(true), given);
      }
      if (!this.pieces.skip) await this.applyPart(piece, this.pieces.mode);
    } catch (e) {
      this.pieces = null;
      await this.conn.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }

  /** The final part of a source transaction applied in pieces (txs[0]) commits with the checkpoint; the rest as a batch. */
  private async finishPieces(txs: BinlogTransaction[], given: ApplyMode): Promise<number> {
    const open = this.pieces!;
    this.pieces = null;
    const final = txs[0]!;
    try {
      if (open.skip) await this.conn.query('ROLLBACK');
      else {
        await this.applyPart(final, open.mode);
        const cp = checkpointUpsert(this.opts.jobName, final.end, final.gtid, this.opts.owner);
        await this.conn.query(cp.sql, cp.params);
        await this.conn.query('COMMIT');
      }
    } catch (e) {
      await this.conn.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
    return (open.skip ? 0 : 1) + (txs.length > 1 ? await this.apply(txs.slice(1), given) : 0);
  }

  /** One part of a source transaction in the open sink transaction: its net effect, or (refused) one statement per change back from its savepoint. */
  private async applyPart(part: BinlogTransaction | TransactionPiece, mode: ApplyMode): Promise<void> {
    if (!part.changes.length) return;
    await this.conn.query('SAVEPOINT cutover_piece');
    try {
      await this.sender.run(this.statements(part.changes, mode));
    } catch (e) {
      if (!exactPathFor(e)) throw e;
      await this.conn.query('ROLLBACK TO SAVEPOINT cutover_piece');
      await this.runOneByOne([part], mode);
    }
  }

  /**
   * Applies one DDL statement (null: nothing to run on the sink, only the position moves) and moves the
   * checkpoint past it. `alreadyOk`: "already exists / does not exist" errors mean the sink has it (the
   * copy read the table after the statement). Returns 'already' when the sink had it.
   */
  async applyDdl(sql: string | null, end: SourcePosition, gtid: string | null, alreadyOk = false): Promise<'applied' | 'already'> {
    const before = await this.readCheckpoint(false);
    if (before && comparePositions(end, before.position) <= 0) return 'already';
    const marker = formatPosition(end);
    let result: 'applied' | 'already' = 'applied';
    if (sql) {
      const retried = before?.pendingDdl === marker;
      await this.conn.query(`UPDATE ${CHECKPOINT_TABLE_SQL} SET pending_ddl = ? WHERE job = ?`, [marker, this.opts.jobName]);
      try {
        await this.conn.query(sql);
      } catch (e) {
        const errno = (e as ServerError).errno ?? 0;
        if (!((retried || alreadyOk) && ALREADY_APPLIED.has(errno))) throw e;
        result = 'already';
      }
    }
    await this.setCheckpoint(end, gtid);
    return result;
  }

  /**
   * Applies messages of a partitioned source in one sink transaction framed by the caller: `frame.begin`
   * runs right after BEGIN (it locks the partition's offset row and returns the messages still to apply,
   * null: nothing to do, rolled back), `frame.end` before COMMIT (it stores the offset). Same checks and
   * exact fallback (one statement per change, naming the message) as apply. Returns the messages applied.
   */
  async applyFramed(frame: { begin(conn: Connection): Promise<MessageChanges[] | null>; end(conn: Connection): Promise<void> }, mode: ApplyMode): Promise<number> {
    await this.conn.query('BEGIN');
    try {
      let parts = await frame.begin(this.conn);
      if (parts === null) {
        await this.conn.query('ROLLBACK');
        return 0;
      }
      strictWhereReplaceUnsafe(parts, (c) => this.planFor(c).replaceSafe);
      try {
        for (const run of modeRuns(parts, mode)) await this.sender.run(this.statements(run.changes, run.mode));
      } catch (e) {
        if (!exactPathFor(e)) throw e;
        await this.conn.query('ROLLBACK');
        await this.conn.query('BEGIN');
        parts = (await frame.begin(this.conn)) ?? [];
        strictWhereReplaceUnsafe(parts, (c) => this.planFor(c).replaceSafe);
        await this.runOneByOne(parts, mode);
      }
      await frame.end(this.conn);
      await this.conn.query('COMMIT');
      return parts.length;
    } catch (e) {
      await this.conn.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }

  /**
   * Applies row changes inside the caller's open transaction, whatever the checkpoint says (the held
   * changes of a paused table, see held-changes.ts); same checks and exact fallback as apply.
   */
  async applyInTransaction(txs: BinlogTransaction[], mode: ApplyMode): Promise<void> {
    await this.conn.query('SAVEPOINT cutover_held');
    try {
      await this.sender.run(this.statements(txs.flatMap((t) => t.changes), mode));
    } catch (e) {
      if (!exactPathFor(e, false)) throw e;
      await this.conn.query('ROLLBACK TO SAVEPOINT cutover_held');
      await this.runOneByOne(txs, mode);
    }
  }

  async close(): Promise<void> {
    this.pieces = null; // an open sink transaction ends with the connection: rolled back
    await this.conn.end().catch(() => undefined);
  }

  /**
   * BEGIN, lock the checkpoint row (a repair holding it makes this wait), and keep the transactions after
   * it; null (rolled back) when none.
   */
  private async begin(txs: BinlogTransaction[]): Promise<{ pending: BinlogTransaction[]; reconcileUntil: SourcePosition | null } | null> {
    await this.conn.query('BEGIN');
    try {
      const cp = await this.readCheckpoint(true);
      const pending = pendingTransactions(txs, cp?.position ?? null);
      this.reconcileUntil = cp?.reconcileUntil ?? null;
      if (pending.length) return { pending, reconcileUntil: this.reconcileUntil };
      await this.conn.query('ROLLBACK');
      return null;
    } catch (e) {
      await this.conn.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }

  /** The statements of changes (any tables, binlog order): net effects where a table allows them. */
  private statements(changes: readonly RowChange[], mode: ApplyMode): Statement[] {
    return batchStatements(changes, (c) => this.planFor(c), mode, true);
  }

  /** The exact path: one statement per change in binlog order, naming the change that fails. */
  private runOneByOne(txs: (BinlogTransaction | TransactionPiece | MessageChanges)[], mode: ApplyMode): Promise<void> {
    return this.sender.runOneByOne(txs, mode, (changes, m) => batchStatements(changes, (c) => this.planFor(c), m, false));
  }

  private planFor(change: RowChange): TablePlan {
    const plan = this.plans.get(change.name ?? `${change.db}.${change.table}`);
    if (!plan) throw new CutoverError(`a binlog change on ${change.db}.${change.table}, which is not a table of this job`);
    return plan;
  }

  private async readCheckpoint(lock: boolean): Promise<Checkpoint | null> {
    return readCheckpointRow(this.conn, this.opts.jobName, lock);
  }
}

/** The row changes of transactions, in order. */
function allChanges(txs: readonly BinlogTransaction[]): RowChange[] {
  if (txs.length === 1) return txs[0]!.changes;
  const out: RowChange[] = [];
  for (const t of txs) for (const c of t.changes) out.push(c);
  return out;
}
