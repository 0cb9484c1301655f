// What the three decoders share: finding a table's columns (the known schema, else the message's own
// types, else a DecodeError with the three ways to provide them), and turning one row's name → value
// members into a RowChange whose images follow the table's column order.
import type { RowChange } from '../../../core/changes.js';
import type { RawRow, RawValue } from '../../../core/rows.js';
import { columnKind, type ColumnKind, type ColumnType } from './column-kind.js';
import type { DecodeContext, KafkaSourceFormat } from './decode.js';
import { DecodeError } from './decode-error.js';
import type { JsonObject, JsonValue } from './exact-json.js';
import { ValueError } from './raw-values.js';

export const tableName = (db: string, table: string): string => `${db}.${table}`;

/** The columns to decode a table's rows with: the context's (the sink's) first, else the message's own. */
export function tableColumns(format: KafkaSourceFormat, db: string, table: string, ctx: DecodeContext, fromMessage: ColumnType[] | null): ColumnType[] {
  const known = ctx.columns(db, table);
  if (known) return known;
  if (fromMessage) return fromMessage;
  const typesFrom =
    format === 'debezium' ? 'produce the topic with the schema envelope (Kafka Connect value.converter.schemas.enable=true)' : format === 'canal' ? "keep Canal's mysqlType in its messages" : 'use Debezium with the schema envelope, or Canal (its messages carry mysqlType)';
  throw new DecodeError(
    `the column types of table ${tableName(db, table)} are unknown: the sink has no such table and the ${format} message does not carry them`,
    `provide the table in one of three ways: create it in the sink first (e.g. run a Cutover copy of it), name the schema-change topic in the job so its CREATE TABLE creates it, or ${typesFrom}`,
    'unknown-table',
    tableName(db, table),
  );
}

/** Turns one JSON value into a column's byte string (format-specific). */
export type ValueReader = (v: JsonValue, k: ColumnKind, name: string) => RawValue;

export interface RowShape {
  /** The table's columns present in the message, in table order. */
  columns: string[];
  kinds: ColumnKind[];
  /** Not every table column is in the message. */
  partial: boolean;
}

/** The shape of a row naming every column of a column list and nothing else, made once per list (callers only read it). */
const wholeShapes = new WeakMap<ColumnType[], RowShape>();

/** The shape of a row whose members are exactly the table's columns (the usual message), shared; null for any other row. */
function wholeRowShape(columns: ColumnType[], row: JsonObject): RowShape | null {
  let members = 0;
  for (const _ in row) members++;
  if (members !== columns.length) return null;
  for (const c of columns) if (!Object.hasOwn(row, c.name)) return null;
  let s = wholeShapes.get(columns);
  if (!s) wholeShapes.set(columns, (s = Object.freeze({ columns: Object.freeze(columns.map((c) => c.name)) as string[], kinds: Object.freeze(columns.map((c) => columnKind(c))) as ColumnKind[], partial: false })));
  return s;
}

/** Which of the table's columns the row members name (in table order); a member naming no column is an error. */
export function rowShape(db: string, table: string, columns: ColumnType[], row: JsonObject): RowShape {
  const whole = wholeRowShape(columns, row);
  if (whole) return whole;
  const byName = new Map(columns.map((c) => [c.name, c]));
  for (const name of Object.keys(row)) {
    if (!byName.has(name)) {
      let ci: ColumnType | undefined;
      for (const c of columns) if (c.name.toLowerCase() === name.toLowerCase()) ci = c;
      if (!ci)
        throw new DecodeError(
          `the message has a column ${name} that table ${tableName(db, table)} lacks`,
          `add it to the sink table (ALTER TABLE ${tableName(db, table)} ADD COLUMN …), or leave it out with the job's "columns" setting`,
          'unknown-column',
          tableName(db, table),
          name,
        );
    }
  }
  const present = columns.filter((c) => Object.hasOwn(row, c.name) || Object.keys(row).some((n) => n.toLowerCase() === c.name.toLowerCase()));
  return { columns: present.map((c) => c.name), kinds: present.map((c) => columnKind(c)), partial: present.length !== columns.length };
}

function member(row: JsonObject, name: string): JsonValue {
  if (Object.hasOwn(row, name)) return row[name]!;
  for (const k of Object.keys(row)) if (k.toLowerCase() === name.toLowerCase()) return row[k]!;
  return null;
}

/** One row image in the shape's column order; `over` (Canal/Maxwell `old`) replaces the members it has. */
export function readImage(db: string, table: string, shape: RowShape, row: JsonObject, read: ValueReader, over: JsonObject | null = null): RawRow {
  const out: RawRow = new Array<RawValue>(shape.columns.length);
  for (let i = 0; i < shape.columns.length; i++) {
    const name = shape.columns[i]!;
    const src = over && (Object.hasOwn(over, name) || Object.keys(over).some((n) => n.toLowerCase() === name.toLowerCase())) ? over : row;
    const v = member(src, name);
    try {
      out[i] = v === null ? null : read(v, shape.kinds[i]!, name);
    } catch (e) {
      if (!(e instanceof ValueError)) throw e;
      throw new DecodeError(
        `${tableName(db, table)}.${name} (${shape.kinds[i]!.col.columnType}): ${e.message}`,
        `check that the sink column's type matches the source's (the value ${shortText(v)} cannot be stored in it unchanged), or skip the message with --skip-message TOPIC:PARTITION:OFFSET`,
        'bad-value',
        tableName(db, table),
        name,
      );
    }
  }
  return out;
}

function shortText(v: JsonValue): string {
  const s = typeof v === 'string' ? JSON.stringify(v) : v !== null && typeof v === 'object' && 'raw' in v ? String(v.raw) : JSON.stringify(v);
  return s.length > 80 ? s.slice(0, 77) + '…' : s;
}

export function rowChange(db: string, table: string, type: RowChange['type'], columns: string[], before: RawRow | null, after: RawRow | null): RowChange {
  return { db, table, name: tableName(db, table), type, before, after, columns };
}

/** A malformed-message DecodeError (a field missing or of the wrong JSON type). */
export function malformed(format: KafkaSourceFormat, what: string): DecodeError {
  return new DecodeError(`not a ${format} message: ${what}`, `skip it with --skip-message TOPIC:PARTITION:OFFSET, or set the job's source "format" to the producer's format (or "auto")`, 'malformed');
}
