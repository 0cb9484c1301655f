// What the decoders need to know about a column, worked out once per ColumnType: its kind of value, its
// arguments (precision, scale, fraction digits, bit length), ENUM/SET labels and character set.
import { enumLabels } from '../../../mysql/enum-labels.js';

/** A column as information_schema describes it (lower case). charset/nullable are optional extensions. */
export interface ColumnType {
  name: string;
  /** DATA_TYPE: "bigint", "varchar", "datetime" … */
  dataType: string;
  /** COLUMN_TYPE: "bigint(20) unsigned", "datetime(6)", "enum('a','b')" … */
  columnType: string;
  /** CHARACTER_SET_NAME of a text column ('binary' for byte strings); utf8mb4 when absent. */
  charset?: string | null;
  nullable?: boolean;
}

export type ValueKind =
  | 'int'
  | 'decimal'
  | 'float'
  | 'double'
  | 'year'
  | 'date'
  | 'time'
  | 'datetime'
  | 'timestamp'
  | 'text'
  | 'bytes'
  | 'bit'
  | 'json'
  | 'enum'
  | 'set'
  | 'geometry'
  | 'textform'
  | 'opaque';

export interface ColumnKind {
  col: ColumnType;
  type: string;
  kind: ValueKind;
  unsigned: boolean;
  /** Numbers in COLUMN_TYPE's parentheses: [65, 30] for decimal(65,30), [6] for datetime(6). */
  args: number[];
  labels: string[] | null;
  charset: string;
}

const INT = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint']);
const TEXT = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext']);
const BYTES = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob']);
const GEOMETRY = new Set(['geometry', 'point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon', 'geometrycollection', 'geomcollection']);

const cache = new WeakMap<ColumnType, ColumnKind>();

function kindOf(type: string, charset: string): ValueKind {
  if (INT.has(type)) return 'int';
  if (type === 'decimal' || type === 'numeric') return 'decimal';
  if (type === 'float') return 'float';
  if (type === 'double' || type === 'real' || type === 'double precision') return 'double';
  if (type === 'year' || type === 'date' || type === 'time' || type === 'datetime' || type === 'timestamp') return type;
  if (TEXT.has(type)) return charset === 'binary' ? 'bytes' : 'text';
  if (BYTES.has(type)) return 'bytes';
  if (type === 'bit' || type === 'json' || type === 'enum' || type === 'set') return type;
  if (GEOMETRY.has(type)) return 'geometry';
  if (type === 'uuid' || type === 'inet4' || type === 'inet6') return 'textform';
  return 'opaque';
}

export function columnKind(col: ColumnType): ColumnKind {
  let k = cache.get(col);
  if (k) return k;
  const type = col.dataType.toLowerCase();
  const ct = col.columnType;
  const m = /^[a-z ]+\(([\d,\s]+)\)/i.exec(ct);
  const args = m ? m[1]!.split(',').map((s) => Number(s.trim())) : [];
  const charset = (col.charset ?? (BYTES.has(type) ? 'binary' : 'utf8mb4')).toLowerCase();
  const kind = kindOf(type, charset);
  k = { col, type, kind, unsigned: /\bunsigned\b/i.test(ct), args, labels: kind === 'enum' || kind === 'set' ? enumLabels(ct) : null, charset };
  cache.set(col, k);
  return k;
}

/** Fraction digits of TIME / DATETIME / TIMESTAMP. */
export const fspOf = (k: ColumnKind): number => k.args[0] ?? 0;

/** DATA_TYPE of a COLUMN_TYPE ("bigint(20) unsigned" → "bigint", "double precision" → "double"). */
export function dataTypeOf(columnType: string): string {
  const t = /^\s*([a-z]+(?: precision)?)/i.exec(columnType)?.[1]?.toLowerCase() ?? columnType.toLowerCase();
  return t === 'double precision' ? 'double' : t;
}
