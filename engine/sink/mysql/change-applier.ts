// Applies binlog transactions to a MySQL/MariaDB sink exactly once.
//
// Each apply(txs) is one sink transaction: every row change of every transaction in binlog order, then
// the upsert of this job's checkpoint row (`_cutover`.`cutover_checkpoint`) to the last transaction's
// end position and GTID, then COMMIT. Transactions whose end is at or before the stored checkpoint are
// skipped (the checkpoint row is read FOR UPDATE inside the same transaction), so replaying a batch
// after a crash neither loses nor double-applies it.
//
// Row changes are applied by the table's chunk key (primary key, else the first NOT NULL unique key):
// insert → INSERT … ON DUPLICATE KEY UPDATE (idempotent), update → upsert of the new row (after a DELETE
// of the old key when the key changed), delete → DELETE by key. Tables without such a key match the full
// before-image NULL-safely with LIMIT 1. Values are rendered with the copy's literals (values.ts), in the
// copy's strict sink session.
//
// Not yet wired to a job mode (binlog streaming is the next issue). Known gaps before it is: ON DUPLICATE
// KEY UPDATE can fire on another unique key and update the wrong row (must be detected, as the copy
// does with its warnings); warnings are not read back; ENUM's invalid value; DDL; a keyless UPDATE or
// DELETE that matches no sink row is not reported.
import type { FilePosition } from '../../../shared/positions.js';
import { compareFilePositions } from '../../../shared/positions.js';
import { CutoverError } from '../../../shared/errors.js';
import type { TableRef } from '../../../shared/table-selection.js';
import type { BinlogTransaction, RowChange } from '../../source/mysql/binlog-reader.js';
import type { ColumnInfo, TableInfo } from '../../source/mysql/schema-reader.js';
import { connect, parseMysqlUrl, queryRows, type Connection } from '../../source/mysql/connection.js';
import { quoteId, quoteTable } from '../../sql/identifiers.js';
import { bytesToHex, keyRenderer, valueKind, valueRenderer, type RawValue, type Render } from '../../sql/values.js';
import { SINK_SESSION } from './session.js';

export const CHECKPOINT_DB = '_cutover';
export const CHECKPOINT_TABLE = 'cutover_checkpoint';
const CHECKPOINT = `${quoteId(CHECKPOINT_DB)}.${quoteId(CHECKPOINT_TABLE)}`;

export const CHECKPOINT_DDL = [
  `CREATE DATABASE IF NOT EXISTS ${quoteId(CHECKPOINT_DB)}`,
  `CREATE TABLE IF NOT EXISTS ${CHECKPOINT} (
  job VARCHAR(100) NOT NULL PRIMARY KEY,
  file VARCHAR(255) NOT NULL,
  pos BIGINT UNSIGNED NOT NULL,
  gtid TEXT NULL,
  applied_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
];

export interface ApplierTable {
  /** Where the rows go on the sink. */
  sink: TableRef;
  /** The source table (columns in table order, chunk key). */
  info: TableInfo;
}

export interface ChangeApplierOptions {
  jobName: string;
  /** Keyed by the source's "db.table". */
  tables: Map<string, ApplierTable>;
}

/** Everything needed to build the statements of one table, computed once. */
export interface TablePlan {
  target: string;
  /** Written columns (generated ones skipped). */
  writeCols: ColumnInfo[];
  writeRender: Render[];
  /** Chunk-key columns, empty when the table has no usable key. */
  keyCols: ColumnInfo[];
  keyRender: Render[];
  /** Prefix `INSERT INTO t (cols) VALUES ` and the ON DUPLICATE KEY UPDATE suffix (keyed tables only). */
  insertPrefix: string;
  upsertSuffix: string;
  /** Positions of info columns in a row image, cached per RowChange.columns list. */
  positions: Map<string, Map<string, number>>;
}

/** A key literal for WHERE: charset/collation-aware for strings; ENUM and BIT by their raw value (not a number). */
function whereKeyRenderer(c: ColumnInfo): Render {
  const kind = valueKind(c);
  return kind === 'enum' || kind === 'bit' ? valueRenderer(c) : keyRenderer(c);
}

export function planTable(t: ApplierTable): TablePlan {
  const { info } = t;
  const writeCols = info.columns.filter((c) => !c.generated);
  const byName = new Map(info.columns.map((c) => [c.name, c]));
  const keyCols = info.chunkKey.map((k) => {
    const c = byName.get(k);
    if (!c) throw new CutoverError(`chunk key column ${k} is not a column of ${info.db}.${info.table}`);
    return c;
  });
  const target = quoteTable(t.sink);
  const keyNames = new Set(info.chunkKey);
  const nonKey = writeCols.filter((c) => !keyNames.has(c.name));
  const updates = nonKey.length
    ? nonKey.map((c) => `${quoteId(c.name)} = VALUES(${quoteId(c.name)})`)
    : keyCols.slice(0, 1).map((c) => `${quoteId(c.name)} = ${quoteId(c.name)}`);
  return {
    target,
    writeCols,
    writeRender: writeCols.map(valueRenderer),
    keyCols,
    keyRender: keyCols.map(whereKeyRenderer),
    insertPrefix: `INSERT INTO ${target} (${writeCols.map((c) => quoteId(c.name)).join(',')}) VALUES `,
    upsertSuffix: keyCols.length ? ` ON DUPLICATE KEY UPDATE ${updates.join(', ')}` : '',
    positions: new Map(),
  };
}

function positionsOf(plan: TablePlan, change: RowChange): Map<string, number> {
  const sig = change.columns.join('\0');
  let m = plan.positions.get(sig);
  if (!m) {
    m = new Map();
    change.columns.forEach((name, i) => m!.set(name, i));
    // Column names are case-insensitive: fall back to a case-folded match.
    for (const c of plan.writeCols) {
      if (m.has(c.name)) continue;
      const i = change.columns.findIndex((n) => n.toLowerCase() === c.name.toLowerCase());
      if (i >= 0) m.set(c.name, i);
    }
    plan.positions.set(sig, m);
  }
  return m;
}

function valueOf(pos: Map<string, number>, row: readonly RawValue[], c: ColumnInfo, change: RowChange): RawValue {
  const i = pos.get(c.name);
  if (i === undefined || i >= row.length) {
    throw new CutoverError(
      `the binlog row image of ${change.db}.${change.table} has no column ${c.name} (columns: ${change.columns.join(', ')})`,
      'The source table changed since the copy read its schema.',
    );
  }
  return row[i] ?? null;
}

/** A NULL-safe match of one column against a before-image value, comparing the stored bytes exactly. */
function matchExpr(c: ColumnInfo, v: RawValue): string {
  const q = quoteId(c.name);
  if (v === null) return `${q} IS NULL`;
  switch (valueKind(c)) {
    case 'number':
      return `${q} = ${v}`;
    case 'float':
      return `(${q} + 0E0) = ${v}`;
    case 'temporal':
      return `${q} = '${v}'`;
    case 'json':
      return `${q} = CAST(CONVERT(X'${bytesToHex(v)}' USING utf8mb4) AS JSON)`;
    default:
      // text, enum/set, binary, bit, geometry: the bytes as the snapshot reads them, compared as binary
      // (a case-insensitive collation would match another row).
      return `CAST(${q} AS BINARY) = X'${bytesToHex(v)}'`;
  }
}

function keyWhere(plan: TablePlan, pos: Map<string, number>, row: readonly RawValue[], change: RowChange): string {
  return plan.keyCols.map((c, i) => `${quoteId(c.name)} = ${plan.keyRender[i]!(valueOf(pos, row, c, change))}`).join(' AND ');
}

function imageWhere(plan: TablePlan, pos: Map<string, number>, row: readonly RawValue[], change: RowChange): string {
  return plan.writeCols.map((c) => matchExpr(c, valueOf(pos, row, c, change))).join(' AND ');
}

function tuple(plan: TablePlan, pos: Map<string, number>, row: readonly RawValue[], change: RowChange): string {
  return '(' + plan.writeCols.map((c, i) => plan.writeRender[i]!(valueOf(pos, row, c, change))).join(',') + ')';
}

function sameKey(plan: TablePlan, pos: Map<string, number>, a: readonly RawValue[], b: readonly RawValue[], change: RowChange): boolean {
  return plan.keyCols.every((c) => valueOf(pos, a, c, change) === valueOf(pos, b, c, change));
}

function need(row: readonly RawValue[] | null, what: string, change: RowChange): readonly RawValue[] {
  if (!row) throw new CutoverError(`${change.type} on ${change.db}.${change.table} has no ${what} image`);
  return row;
}

/** The statements that apply one row change, in order. Pure. */
export function changeStatements(plan: TablePlan, change: RowChange): string[] {
  const pos = positionsOf(plan, change);
  const keyed = plan.keyCols.length > 0;
  switch (change.type) {
    case 'insert': {
      const after = need(change.after, 'after', change);
      return [plan.insertPrefix + tuple(plan, pos, after, change) + plan.upsertSuffix];
    }
    case 'delete': {
      const before = need(change.before, 'before', change);
      if (keyed) return [`DELETE FROM ${plan.target} WHERE ${keyWhere(plan, pos, before, change)}`];
      return [`DELETE FROM ${plan.target} WHERE ${imageWhere(plan, pos, before, change)} LIMIT 1`];
    }
    case 'update': {
      const before = need(change.before, 'before', change);
      const after = need(change.after, 'after', change);
      if (keyed) {
        const upsert = plan.insertPrefix + tuple(plan, pos, after, change) + plan.upsertSuffix;
        if (sameKey(plan, pos, before, after, change)) return [upsert];
        return [`DELETE FROM ${plan.target} WHERE ${keyWhere(plan, pos, before, change)}`, upsert];
      }
      const sets = plan.writeCols.map((c, i) => `${quoteId(c.name)} = ${plan.writeRender[i]!(valueOf(pos, after, c, change))}`);
      return [`UPDATE ${plan.target} SET ${sets.join(', ')} WHERE ${imageWhere(plan, pos, before, change)} LIMIT 1`];
    }
  }
}

/** Transactions not yet applied: those ending after the checkpoint. Pure. */
export function pendingTransactions(txs: BinlogTransaction[], checkpoint: FilePosition | null): BinlogTransaction[] {
  if (!checkpoint) return txs;
  return txs.filter((t) => compareFilePositions(t.end, checkpoint) > 0);
}

/** The checkpoint upsert (statement and parameters). Pure. */
export function checkpointUpsert(job: string, end: FilePosition, gtid: string | null): { sql: string; params: unknown[] } {
  return {
    sql:
      `INSERT INTO ${CHECKPOINT} (job, file, pos, gtid, applied_at) VALUES (?, ?, ?, ?, NOW(6)) ` +
      'ON DUPLICATE KEY UPDATE file = VALUES(file), pos = VALUES(pos), gtid = VALUES(gtid), applied_at = VALUES(applied_at)',
    params: [job, end.file, end.pos, gtid],
  };
}

interface CheckpointRow {
  file: string;
  pos: string | number;
}

export class ChangeApplier {
  private readonly plans = new Map<string, TablePlan>();

  private constructor(
    private readonly conn: Connection,
    private readonly opts: ChangeApplierOptions,
  ) {
    for (const [name, t] of opts.tables) this.plans.set(name, planTable(t));
  }

  static async open(sinkUrl: string, opts: ChangeApplierOptions): Promise<ChangeApplier> {
    if (opts.jobName.length === 0 || opts.jobName.length > 100) {
      throw new CutoverError(`job name "${opts.jobName}" must be 1 to 100 characters for the sink checkpoint`);
    }
    const applier = new ChangeApplier(await connect(parseMysqlUrl(sinkUrl), SINK_SESSION), opts);
    try {
      for (const ddl of CHECKPOINT_DDL) await applier.conn.query(ddl);
    } catch (e) {
      await applier.close();
      throw e;
    }
    return applier;
  }

  /** The end of the last applied transaction, or null when this job has applied none. */
  async lastApplied(): Promise<FilePosition | null> {
    return this.readCheckpoint(false);
  }

  /** Applies the transactions not yet applied, and the checkpoint, in one sink transaction. */
  async apply(txs: BinlogTransaction[]): Promise<void> {
    if (txs.length === 0) return;
    await this.conn.query('BEGIN');
    try {
      const pending = pendingTransactions(txs, await this.readCheckpoint(true));
      if (pending.length === 0) {
        await this.conn.query('ROLLBACK');
        return;
      }
      for (const tx of pending) {
        for (const change of tx.changes) {
          for (const sql of changeStatements(this.planFor(change), change)) await this.conn.query(sql);
        }
      }
      const last = pending[pending.length - 1]!;
      const cp = checkpointUpsert(this.opts.jobName, last.end, last.gtid);
      await this.conn.query(cp.sql, cp.params);
      await this.conn.query('COMMIT');
    } catch (e) {
      await this.conn.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }

  async close(): Promise<void> {
    await this.conn.end().catch(() => undefined);
  }

  private planFor(change: RowChange): TablePlan {
    const plan = this.plans.get(`${change.db}.${change.table}`);
    if (!plan) throw new CutoverError(`a binlog change on ${change.db}.${change.table}, which is not a table of this job`);
    return plan;
  }

  private async readCheckpoint(lock: boolean): Promise<FilePosition | null> {
    const rows = await queryRows<CheckpointRow>(
      this.conn,
      `SELECT file, pos FROM ${CHECKPOINT} WHERE job = ?${lock ? ' FOR UPDATE' : ''}`,
      [this.opts.jobName],
    );
    const r = rows[0];
    return r ? { kind: 'file', file: r.file, pos: Number(r.pos) } : null;
  }
}
