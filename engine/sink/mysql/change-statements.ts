// The SQL that applies binlog row changes to a MySQL/MariaDB sink. Pure: no connection here.
//
// Two modes:
// - 'reconcile' while the stream catches up over the rows the copy read (its changes may already be in
//   the sink): inserts and new row images are REPLACEd (which also removes a row that holds the same
//   value of another unique key "from the future": that row's own later change restores it), deletes
//   delete by key whether or not the row is there. Replaying the binlog from before the copy started
//   this way ends with every row as the source had it at the end of the replay.
// - 'strict' once the sink is in step: INSERT must not find the key, UPDATE and DELETE must find exactly
//   one row (checked through `expect`); any difference is the sink having diverged, and is reported.
//
// Batches of changes to a table whose only unique key is its chunk key, with key values compared
// exactly by their bytes (numbers, temporals, binary strings, BIT, ENUM), are reduced to their net
// effect per key: one DELETE … IN for keys that existed before the batch and one multi-row INSERT (or
// REPLACE) of final row images. The batch is one sink transaction, so the intermediate states were never
// visible anyway; per-key order is kept because only the last image of each key is written. Other
// tables get one statement per change, in binlog order.
import { CutoverError } from '../../../shared/errors.js';
import { quoteId, quoteTable } from '../../mysql/identifiers.js';
import { bytesToHex, keyRenderer, valueKind, valueRenderer, type Render } from '../../mysql/values.js';
import type { RawValue } from '../../core/rows.js';
import type { ColumnInfo } from '../../core/tables.js';
import type { RowChange } from '../../core/changes.js';
import type { ApplierTable, ApplyMode } from '../../core/checkpoint.js';
import { planBatch } from '../../core/batch-plan.js';

/** One statement, the rows it must affect (null: not checked) and the change it comes from. */
export interface Statement {
  sql: string;
  expect: number | null;
  change: RowChange;
}

/** Everything needed to build the statements of one table, computed once. */
export interface TablePlan {
  source: string;
  target: string;
  /** Written columns (generated ones skipped). */
  writeCols: ColumnInfo[];
  writeRender: Render[];
  /** Chunk-key columns, empty when the table has no usable key. */
  keyCols: ColumnInfo[];
  keyRender: Render[];
  /** `(col, …) VALUES ` after INSERT INTO / REPLACE INTO the target. */
  columnsClause: string;
  /** Changes of this table may be reduced to their net effect per key (see the header). */
  netEffect: boolean;
  /**
   * A reconcile REPLACE can remove no row but the one of its key: the table has a key and no other unique
   * key (a partitioned source applies its lenient messages strictly otherwise, see core/batch-plan.ts).
   */
  replaceSafe: boolean;
  /** Positions of the written and key columns in a row image, cached per RowChange.columns list. */
  positions: Map<string, ImageIndexes>;
  /** The reader of row images per RowChange.columns array (one per table definition: shared by its changes). */
  images: WeakMap<readonly string[], Image>;
}

const EXACT_KEY_KINDS = new Set(['number', 'temporal', 'binary', 'bit', 'enum']);

/**
 * A key literal for WHERE: charset/collation-aware for strings; ENUM by its raw value (the label, not a
 * number); BIT as the unsigned number its bytes hold — MariaDB compares a BIT key with a hex literal as
 * a string, which never finds the row (and in strict mode fails the statement).
 */
export function whereKeyRenderer(c: ColumnInfo): Render {
  const kind = valueKind(c);
  if (kind === 'bit') return (v) => (v === null ? 'NULL' : v.length ? BigInt('0x' + bytesToHex(v)).toString() : '0');
  return kind === 'enum' ? valueRenderer(c) : keyRenderer(c);
}

/** Unique keys (PRIMARY KEY and UNIQUE KEY lines) in SHOW CREATE TABLE text. */
export function uniqueKeyCount(createSql: string): number {
  return createSql.split('\n').filter((l) => /^\s*(PRIMARY KEY|UNIQUE KEY|UNIQUE INDEX)\b/i.test(l)).length;
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
  return {
    source: `${info.db}.${info.table}`,
    target: quoteTable(t.sink),
    writeCols,
    writeRender: writeCols.map(valueRenderer),
    keyCols,
    keyRender: keyCols.map(whereKeyRenderer),
    columnsClause: `(${writeCols.map((c) => quoteId(c.name)).join(',')}) VALUES `,
    netEffect: keyCols.length > 0 && uniqueKeyCount(info.createSql) === 1 && keyCols.every((c) => EXACT_KEY_KINDS.has(valueKind(c))),
    replaceSafe: keyCols.length > 0 && uniqueKeyCount(info.createSql) <= 1,
    positions: new Map(),
    images: new WeakMap(),
  };
}

/** Where a row image holds each written column and each key column (-1: missing), for one columns list. */
interface ImageIndexes {
  write: number[];
  key: number[];
}

function positionsOf(plan: TablePlan, change: RowChange): ImageIndexes {
  const sig = change.columns.join('\0');
  let m = plan.positions.get(sig);
  if (!m) {
    const at = new Map<string, number>();
    change.columns.forEach((name, i) => at.set(name, i));
    // Column names are case-insensitive: fall back to a case-folded match.
    const indexOf = (c: ColumnInfo): number => at.get(c.name) ?? change.columns.findIndex((n) => n.toLowerCase() === c.name.toLowerCase());
    m = { write: plan.writeCols.map(indexOf), key: plan.keyCols.map(indexOf) };
    plan.positions.set(sig, m);
  }
  return m;
}

/**
 * The row-image reader of a change. The reader shares one columns array per table definition, so one
 * Image serves every change of that table and definition (its change is only named in errors, by table
 * and columns, which those changes share).
 */
function imageOf(plan: TablePlan, change: RowChange): Image {
  let img = plan.images.get(change.columns);
  if (!img) plan.images.set(change.columns, (img = new Image(plan, change)));
  return img;
}

/** Reads the columns of a row image by their positions in it (computed once per columns list). */
class Image {
  private readonly write: number[];
  private readonly key: number[];
  constructor(
    private readonly plan: TablePlan,
    private readonly change: RowChange,
  ) {
    const at = positionsOf(plan, change);
    this.write = at.write;
    this.key = at.key;
  }

  private at(row: readonly RawValue[], i: number, c: ColumnInfo): RawValue {
    if (i < 0 || i >= row.length) {
      throw new CutoverError(
        `the binlog row image of ${this.change.db}.${this.change.table} has no column ${c.name} (columns: ${this.change.columns.join(', ')})`,
        'The source table changed in a way the stream did not see (a DDL outside the binlog?): copy the table again with --resnapshot.',
      );
    }
    return row[i] ?? null;
  }

  private keyValue(row: readonly RawValue[], k: number): RawValue {
    return this.at(row, this.key[k]!, this.plan.keyCols[k]!);
  }

  keyWhere(row: readonly RawValue[]): string {
    return this.plan.keyCols.map((c, k) => `${quoteId(c.name)} = ${this.plan.keyRender[k]!(this.keyValue(row, k))}`).join(' AND ');
  }

  keyTuple(row: readonly RawValue[]): string {
    const render = this.plan.keyRender;
    if (render.length === 1) return render[0]!(this.keyValue(row, 0));
    let out = '(';
    for (let k = 0; k < render.length; k++) out += (k ? ',' : '') + render[k]!(this.keyValue(row, k));
    return out + ')';
  }

  /** A string identifying the key exactly (by bytes), for the net-effect map. */
  keyId(row: readonly RawValue[]): string {
    let out = '';
    for (let k = 0; k < this.key.length; k++) {
      const v = this.keyValue(row, k);
      out += (k ? '\u0000|' : '') + (v === null ? '\u0000N' : v);
    }
    return out;
  }

  imageWhere(row: readonly RawValue[]): string {
    return this.plan.writeCols.map((c, i) => matchExpr(c, this.at(row, this.write[i]!, c))).join(' AND ');
  }

  tuple(row: readonly RawValue[]): string {
    const { writeCols, writeRender } = this.plan;
    let out = '(';
    for (let i = 0; i < writeCols.length; i++) out += (i ? ',' : '') + writeRender[i]!(this.at(row, this.write[i]!, writeCols[i]!));
    return out + ')';
  }

  sets(row: readonly RawValue[]): string {
    return this.plan.writeCols.map((c, i) => `${quoteId(c.name)} = ${this.plan.writeRender[i]!(this.at(row, this.write[i]!, c))}`).join(', ');
  }

  sameKey(a: readonly RawValue[], b: readonly RawValue[]): boolean {
    for (let k = 0; k < this.key.length; k++) if (this.keyValue(a, k) !== this.keyValue(b, k)) return false;
    return true;
  }
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

function need(row: readonly RawValue[] | null, what: string, change: RowChange): readonly RawValue[] {
  if (!row) throw new CutoverError(`${change.type} on ${change.db}.${change.table} has no ${what} image`);
  return row;
}

/** The statements that apply one row change, in order. */
export function changeStatements(plan: TablePlan, change: RowChange, mode: ApplyMode): Statement[] {
  const img = imageOf(plan, change);
  const keyed = plan.keyCols.length > 0;
  const strict = mode === 'strict';
  const put = (row: readonly RawValue[]): Statement => ({
    sql: `${strict || !keyed ? 'INSERT' : 'REPLACE'} INTO ${plan.target} ${plan.columnsClause}${img.tuple(row)}`,
    expect: null,
    change,
  });
  const del = (where: string, limit: string): Statement => ({ sql: `DELETE FROM ${plan.target} WHERE ${where}${limit}`, expect: strict ? 1 : null, change });
  switch (change.type) {
    case 'insert':
      return [put(need(change.after, 'after', change))];
    case 'delete': {
      const before = need(change.before, 'before', change);
      return keyed ? [del(img.keyWhere(before), '')] : [{ ...del(img.imageWhere(before), ' LIMIT 1'), expect: 1 }];
    }
    case 'update': {
      const before = need(change.before, 'before', change);
      const after = need(change.after, 'after', change);
      if (!keyed || strict) {
        const where = keyed ? img.keyWhere(before) : img.imageWhere(before);
        return [{ sql: `UPDATE ${plan.target} SET ${img.sets(after)} WHERE ${where} LIMIT 1`, expect: 1, change }];
      }
      if (img.sameKey(before, after)) return [put(after)];
      return [del(img.keyWhere(before), ''), put(after)];
    }
  }
}

interface NetRow {
  existed: boolean;
  final: readonly RawValue[] | null;
  /** The change that set `final` (or removed the row), for error reports. */
  change: RowChange;
  img: Image;
}

const MAX_STATEMENT_BYTES = 1 << 20;

/**
 * The net effect of a table's changes (in binlog order) as set statements: a DELETE … IN of every key
 * that existed before (strict: all must be found) and a multi-row INSERT/REPLACE of the final images.
 */
export function netEffectStatements(plan: TablePlan, changes: readonly RowChange[], mode: ApplyMode): Statement[] {
  const rows = new Map<string, NetRow>();
  const remove = (img: Image, before: readonly RawValue[], change: RowChange): void => {
    const id = img.keyId(before);
    const e = rows.get(id);
    if (e) {
      e.final = null;
      e.change = change;
      e.img = img;
    } else rows.set(id, { existed: true, final: null, change, img });
  };
  const put = (img: Image, after: readonly RawValue[], change: RowChange, existed: boolean): void => {
    const id = img.keyId(after);
    const e = rows.get(id);
    if (e) {
      e.final = after;
      e.change = change;
      e.img = img;
    } else rows.set(id, { existed, final: after, change, img });
  };
  for (const change of changes) {
    const img = imageOf(plan, change);
    if (change.type === 'insert') put(img, need(change.after, 'after', change), change, false);
    else if (change.type === 'delete') remove(img, need(change.before, 'before', change), change);
    else {
      const before = need(change.before, 'before', change);
      const after = need(change.after, 'after', change);
      if (img.sameKey(before, after)) put(img, after, change, true);
      else {
        remove(img, before, change);
        put(img, after, change, false);
      }
    }
  }
  const out: Statement[] = [];
  const strict = mode === 'strict';
  // Strict: the keys that existed before the batch (each must be found). Reconcile: also keys that first
  // appear in the batch and end removed, since the copy may already hold them in a later state.
  const gone = [...rows.values()].filter((r) => r.existed || (!strict && r.final === null));
  const keyList = plan.keyCols.length === 1 ? quoteId(plan.keyCols[0]!.name) : `(${plan.keyCols.map((c) => quoteId(c.name)).join(',')})`;
  batched(gone, (r) => r.img.keyTuple(r.final ?? beforeOf(r.change)), (part, lits) =>
    out.push({ sql: `DELETE FROM ${plan.target} WHERE ${keyList} IN (${lits.join(',')})`, expect: strict ? part.length : null, change: part[0]!.change }),
  );
  // The multi-row INSERT/REPLACE of the final images, appended row by row: V8 keeps the growing text as
  // a rope and flattens it once when it is sent (an array of row texts joined at the end flattened every
  // row text on its own first, which measured ~20% more CPU for a sysbench batch, encoding included).
  const head = `${strict ? 'INSERT' : 'REPLACE'} INTO ${plan.target} ${plan.columnsClause}`;
  let sql = '';
  let first: NetRow | null = null;
  for (const r of rows.values()) {
    if (r.final === null) continue;
    const tuple = r.img.tuple(r.final);
    if (first && sql.length + tuple.length >= MAX_STATEMENT_BYTES) {
      out.push({ sql, expect: null, change: first.change });
      first = null;
    }
    if (first) {
      sql += ',';
      sql += tuple;
    } else {
      sql = head + tuple;
      first = r;
    }
  }
  if (first) out.push({ sql, expect: null, change: first.change });
  return out;
}

function beforeOf(change: RowChange): readonly RawValue[] {
  return need(change.before ?? change.after, 'before', change);
}

/** Splits items into statements of at most MAX_STATEMENT_BYTES of rendered text. */
function batched<T>(items: T[], render: (t: T) => string, emit: (part: T[], texts: string[]) => void): void {
  let part: T[] = [];
  let texts: string[] = [];
  let bytes = 0;
  for (const item of items) {
    const text = render(item);
    if (part.length && bytes + text.length > MAX_STATEMENT_BYTES) {
      emit(part, texts);
      part = [];
      texts = [];
      bytes = 0;
    }
    part.push(item);
    texts.push(text);
    bytes += text.length + 1;
  }
  if (part.length) emit(part, texts);
}

/** The statements for a batch of changes (any tables, binlog order). */
export function batchStatements(changes: readonly RowChange[], planFor: (c: RowChange) => TablePlan, mode: ApplyMode, netEffect = true): Statement[] {
  return planBatch(changes, planFor, mode, netEffect, { one: changeStatements, net: netEffectStatements });
}
