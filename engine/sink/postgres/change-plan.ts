// The SQL that applies binlog row changes to a PostgreSQL sink, with every value a text parameter
// ($1, $2, …; the text pgText gives, which PostgreSQL parses as the column's type). Pure: no connection.
//
// Modes, as for the MySQL sink (engine/sink/mysql/change-statements.ts):
// - 'reconcile' while the stream replays changes the copy may already hold: a new row image replaces
//   whatever holds its key; deletes delete by key whether or not the row is there.
// - 'strict' once in step: an INSERT must not find its key (a unique violation stops the batch), UPDATE
//   and DELETE must touch exactly one row (checked through `expect`).
//
// A table whose only unique index on the sink is its key (or that has none besides the key) is applied
// as its net effect per key: one DELETE … IN of the keys that go, then one multi-row INSERT of the final
// images (reconcile: INSERT … ON CONFLICT (key) DO UPDATE when the sink has a unique index on the key,
// else the keys are deleted first). Keys are compared by the bytes the source stored, which is how
// PostgreSQL's deterministic collations compare the UTF-8 text they become. Other tables get one
// statement per change, in binlog order: a table with further unique indexes (swapping their values
// between rows in one transaction needs the order), and keyless tables, whose deletes and updates touch
// one row holding the whole before image (by its ctid, as no key can name it).
//
// Reconcile on a table with further unique indexes replaces like MySQL's REPLACE: the rows holding the
// new image's key or any of its unique values are deleted before it is inserted (a row "from the
// future" that held one of them is restored by its own later change, which the replay meets too).
import { CutoverError } from '../../../shared/errors.js';
import type { RowChange } from '../../core/changes.js';
import type { ColumnInfo } from '../../core/tables.js';
import type { RawValue } from '../../core/rows.js';
import type { ApplierTable, ApplyMode } from '../../core/checkpoint.js';
import { pgId as pgIdent } from './connection.js';
import { planBatch } from '../../core/batch-plan.js';

/** A column's value as the text parameter PostgreSQL parses (null: NULL); `key` names the row when a value cannot be held. */
export type Encode = (raw: RawValue, key: () => string) => string | null;

export interface PgStatement {
  sql: string;
  params: (string | null)[];
  /** Rows it must affect; null: not checked. */
  expect: number | null;
  /** The change it comes from (the first of a set statement), for error reports. */
  change: RowChange;
}

/** What the sink's catalog says about a table's unique indexes (change-sink.ts reads it). */
export interface SinkIndexes {
  /** A unique index (or primary key) on exactly the key columns exists: ON CONFLICT can name it. */
  keyIndexed: boolean;
  /** Other unique indexes, by column names. */
  otherUniques: string[][];
}

export interface PgTablePlan {
  source: string;
  /** "schema"."table" */
  target: string;
  writeCols: ColumnInfo[];
  encode: Encode[];
  /** Indexes into writeCols of the key columns; empty for a keyless table. */
  keyAt: number[];
  uniques: number[][];
  keyIndexed: boolean;
  netEffect: boolean;
  /** A reconcile replace can remove no row but the one of its key (a key, no other unique index; see core/batch-plan.ts). */
  replaceSafe: boolean;
  columnsClause: string;
  positions: WeakMap<readonly string[], number[]>;
  /** Columns whose sink sequence follows the streamed values (identity.ts): index into writeCols, sequence. */
  identities: { at: number; sequence: string }[];
}


/** At most this many parameters in a statement (PostgreSQL's limit is 65,535). */
const MAX_PARAMS = 60_000;
/** Parameter text per statement before a set statement is split. */
const MAX_STATEMENT_BYTES = 2 << 20;

export function planPgTable(
  t: ApplierTable,
  sinkSchema: string,
  sinkTable: string,
  idx: SinkIndexes,
  encoder: (c: ColumnInfo) => Encode,
  identities: readonly { column: string; sequence: string }[] = [],
): PgTablePlan {
  const writeCols = t.info.columns.filter((c) => !c.generated);
  const at = (name: string): number => {
    const i = writeCols.findIndex((c) => c.name === name);
    if (i < 0) throw new CutoverError(`key column ${name} is not a written column of ${t.info.db}.${t.info.table}`);
    return i;
  };
  const keyAt = t.info.chunkKey.map(at);
  const uniques = idx.otherUniques.map((cols) => cols.map((n) => writeCols.findIndex((c) => c.name === n))).filter((u) => u.every((i) => i >= 0));
  return {
    source: `${t.info.db}.${t.info.table}`,
    target: `${pgIdent(sinkSchema)}.${pgIdent(sinkTable)}`,
    writeCols,
    encode: writeCols.map(encoder),
    keyAt,
    uniques,
    keyIndexed: idx.keyIndexed,
    netEffect: keyAt.length > 0 && idx.otherUniques.length === 0,
    replaceSafe: keyAt.length > 0 && idx.otherUniques.length === 0,
    columnsClause: `(${writeCols.map((c) => pgIdent(c.name)).join(', ')})`,
    positions: new WeakMap(),
    identities: identities.map((s) => ({ at: writeCols.findIndex((c) => c.name === s.column), sequence: s.sequence })).filter((s) => s.at >= 0),
  };
}

/** Where each written column is in a row image of this change (by name; case-insensitively as a fallback). */
export function positionsOf(plan: PgTablePlan, change: RowChange): number[] {
  const hit = plan.positions.get(change.columns);
  if (hit) return hit;
  const out = plan.writeCols.map((c) => {
    let i = change.columns.indexOf(c.name);
    if (i < 0) i = change.columns.findIndex((n) => n.toLowerCase() === c.name.toLowerCase());
    return i;
  });
  plan.positions.set(change.columns, out);
  return out;
}

/** A row image as the written columns' raw values, in writeCols order. */
function rowOf(plan: PgTablePlan, change: RowChange, image: readonly RawValue[] | null, what: string): RawValue[] {
  if (!image) throw new CutoverError(`${change.type} on ${change.db}.${change.table} has no ${what} image`);
  return positionsOf(plan, change).map((i, k) => {
    if (i < 0 || i >= image.length) {
      throw new CutoverError(
        `the binlog row image of ${change.db}.${change.table} has no column ${plan.writeCols[k]!.name} (columns: ${change.columns.join(', ')})`,
        'The source table changed in a way the stream did not see (a DDL outside the binlog?): copy the table again with --resnapshot.',
      );
    }
    return image[i] ?? null;
  });
}

class Params {
  readonly list: (string | null)[] = [];
  bytes = 0;
  add(v: string | null): string {
    this.list.push(v);
    this.bytes += v === null ? 1 : v.length;
    return `$${this.list.length}`;
  }
}

/** The row's key for messages: "col=value, …" (the whole image for a keyless table). */
function keyText(plan: PgTablePlan, row: RawValue[]): string {
  const at = plan.keyAt.length ? plan.keyAt : plan.writeCols.map((_, i) => i);
  return at.map((i) => `${plan.writeCols[i]!.name}=${row[i] === null ? 'NULL' : JSON.stringify(row[i])}`).join(', ');
}

function encodeAll(plan: PgTablePlan, row: RawValue[]): (string | null)[] {
  const key = (): string => keyText(plan, row);
  return row.map((v, i) => plan.encode[i]!(v, key));
}

function keyMatch(plan: PgTablePlan, enc: (string | null)[], p: Params, cols: number[] = plan.keyAt): string {
  return cols.map((i) => `${pgIdent(plan.writeCols[i]!.name)} = ${p.add(enc[i]!)}`).join(' AND ');
}

/** The whole image matched NULL-safely (keyless tables). */
function imageMatch(plan: PgTablePlan, enc: (string | null)[], p: Params): string {
  return plan.writeCols.map((c, i) => (enc[i] === null ? `${pgIdent(c.name)} IS NULL` : `${pgIdent(c.name)} = ${p.add(enc[i]!)}`)).join(' AND ');
}

const tupleOf = (enc: (string | null)[], p: Params): string => `(${enc.map((v) => p.add(v)).join(', ')})`;

function insertOne(plan: PgTablePlan, enc: (string | null)[], change: RowChange): PgStatement {
  const p = new Params();
  return { sql: `INSERT INTO ${plan.target} ${plan.columnsClause} VALUES ${tupleOf(enc, p)}`, params: p.list, expect: 1, change };
}

/** Reconcile's replace: delete what holds the image's key or any of its (non-NULL) unique values, then insert. */
function replaceOne(plan: PgTablePlan, enc: (string | null)[], change: RowChange): PgStatement[] {
  const p = new Params();
  const ors = [plan.keyAt, ...plan.uniques].filter((cols) => cols.every((i) => enc[i] !== null)).map((cols) => `(${keyMatch(plan, enc, p, cols)})`);
  return [{ sql: `DELETE FROM ${plan.target} WHERE ${ors.join(' OR ')}`, params: p.list, expect: null, change }, insertOne(plan, enc, change)];
}

/** One row holding the whole image, by its ctid. */
const oneRow = (plan: PgTablePlan, enc: (string | null)[], p: Params): string => `ctid = (SELECT ctid FROM ${plan.target} WHERE ${imageMatch(plan, enc, p)} LIMIT 1)`;

/** The statements of one row change, in order. */
export function changeStatements(plan: PgTablePlan, change: RowChange, mode: ApplyMode): PgStatement[] {
  const keyed = plan.keyAt.length > 0;
  const strict = mode === 'strict';
  const p = new Params();
  switch (change.type) {
    case 'insert': {
      const after = encodeAll(plan, rowOf(plan, change, change.after, 'after'));
      return strict || !keyed ? [insertOne(plan, after, change)] : replaceOne(plan, after, change);
    }
    case 'delete': {
      const before = encodeAll(plan, rowOf(plan, change, change.before, 'before'));
      if (!keyed) return [{ sql: `DELETE FROM ${plan.target} WHERE ${oneRow(plan, before, p)}`, params: p.list, expect: 1, change }];
      return [{ sql: `DELETE FROM ${plan.target} WHERE ${keyMatch(plan, before, p)}`, params: p.list, expect: strict ? 1 : null, change }];
    }
    case 'update': {
      const before = encodeAll(plan, rowOf(plan, change, change.before, 'before'));
      const after = encodeAll(plan, rowOf(plan, change, change.after, 'after'));
      if (!keyed || strict) {
        const sets = plan.writeCols.map((c, i) => `${pgIdent(c.name)} = ${p.add(after[i]!)}`).join(', ');
        const where = keyed ? keyMatch(plan, before, p) : oneRow(plan, before, p);
        return [{ sql: `UPDATE ${plan.target} SET ${sets} WHERE ${where}`, params: p.list, expect: 1, change }];
      }
      const sameKey = plan.keyAt.every((i) => before[i] === after[i]);
      if (sameKey) return replaceOne(plan, after, change);
      return [{ sql: `DELETE FROM ${plan.target} WHERE ${keyMatch(plan, before, p)}`, params: p.list, expect: null, change }, ...replaceOne(plan, after, change)];
    }
  }
}

interface NetRow {
  existed: boolean;
  /** Encoded final image; null: the key ends removed. */
  final: (string | null)[] | null;
  /** Encoded key values. */
  key: (string | null)[];
  change: RowChange;
}

/** The key's identity by the source's bytes. */
const keyId = (plan: PgTablePlan, row: RawValue[]): string => plan.keyAt.map((i) => row[i] ?? '\u0000N').join('\u0000|');

/** A table's changes (binlog order) as their net effect per key (see the header). */
export function netEffectStatements(plan: PgTablePlan, changes: readonly RowChange[], mode: ApplyMode): PgStatement[] {
  const rows = new Map<string, NetRow>();
  const set = (raw: RawValue[], final: RawValue[] | null, change: RowChange, existed: boolean): void => {
    const id = keyId(plan, raw);
    const e = rows.get(id);
    const fin = final ? encodeAll(plan, final) : null;
    if (e) Object.assign(e, { final: fin, change });
    else rows.set(id, { existed, final: fin, key: plan.keyAt.map((i) => plan.encode[i]!(raw[i] ?? null, () => keyText(plan, raw))), change });
  };
  for (const change of changes) {
    if (change.type === 'insert') {
      const after = rowOf(plan, change, change.after, 'after');
      set(after, after, change, false);
    } else if (change.type === 'delete') set(rowOf(plan, change, change.before, 'before'), null, change, true);
    else {
      const before = rowOf(plan, change, change.before, 'before');
      const after = rowOf(plan, change, change.after, 'after');
      if (keyId(plan, before) === keyId(plan, after)) set(after, after, change, true);
      else {
        set(before, null, change, true);
        set(after, after, change, false);
      }
    }
  }
  const strict = mode === 'strict';
  const all = [...rows.values()];
  // Strict: the keys that existed before the batch (each must be found). Reconcile: every key that ends
  // removed; without a unique index on the key to resolve conflicts, every key the batch touched.
  const gone = all.filter((r) => (strict ? r.existed : r.final === null || !plan.keyIndexed));
  const out: PgStatement[] = [];
  const keyCols = plan.keyAt.map((i) => pgIdent(plan.writeCols[i]!.name));
  const keyList = keyCols.length === 1 ? keyCols[0]! : `(${keyCols.join(', ')})`;
  chunked(gone, keyCols.length, (part) => {
    const p = new Params();
    const lits = part.map((r) => (r.key.length === 1 ? p.add(r.key[0]!) : tupleOf(r.key, p)));
    out.push({ sql: `DELETE FROM ${plan.target} WHERE ${keyList} IN (${lits.join(', ')})`, params: p.list, expect: strict ? part.length : null, change: part[0]!.change });
  });
  const puts = all.filter((r) => r.final !== null);
  const nonKey = plan.writeCols.filter((_, i) => !plan.keyAt.includes(i)).map((c) => pgIdent(c.name));
  const conflict =
    strict || !plan.keyIndexed
      ? ''
      : ` ON CONFLICT (${keyCols.join(', ')}) DO ${nonKey.length ? `UPDATE SET ${nonKey.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}` : 'NOTHING'}`;
  chunked(puts, plan.writeCols.length, (part) => {
    const p = new Params();
    const tuples = part.map((r) => tupleOf(r.final!, p));
    out.push({ sql: `INSERT INTO ${plan.target} ${plan.columnsClause} VALUES ${tuples.join(', ')}${conflict}`, params: p.list, expect: strict ? part.length : null, change: part[0]!.change });
  });
  return out;
}

/** Splits rows into statements below the parameter and byte limits. */
function chunked(rows: NetRow[], paramsPerRow: number, emit: (part: NetRow[]) => void): void {
  const perStatement = Math.max(1, Math.floor(MAX_PARAMS / Math.max(1, paramsPerRow)));
  let part: NetRow[] = [];
  let bytes = 0;
  for (const r of rows) {
    const size = (r.final ?? r.key).reduce((n, v) => n + (v === null ? 1 : v.length), 0);
    if (part.length && (part.length >= perStatement || bytes + size > MAX_STATEMENT_BYTES)) {
      emit(part);
      part = [];
      bytes = 0;
    }
    part.push(r);
    bytes += size;
  }
  if (part.length) emit(part);
}

/** The statements of a batch of changes (any tables, binlog order); `netEffect` false: one statement per change. */
export function batchStatements(changes: readonly RowChange[], planFor: (c: RowChange) => PgTablePlan, mode: ApplyMode, netEffect: boolean): PgStatement[] {
  return planBatch(changes, planFor, mode, netEffect, { one: changeStatements, net: netEffectStatements });
}
