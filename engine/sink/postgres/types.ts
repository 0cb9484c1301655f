// MySQL/MariaDB column types → PostgreSQL column types. Deterministic, one rule per source type, with
// pgloader's defaults as the anchor; README ("PostgreSQL sink: type rules") documents every rule.
import { CutoverError } from '../../../shared/errors.js';
import type { ColumnInfo } from '../../core/tables.js';
import { GEOMETRY_TYPES, postgisType } from './postgis.js';

export interface PgColumnType {
  /** The PostgreSQL type, e.g. 'numeric(20)'. */
  sql: string;
  /** The rule applied, for docs and the UI, e.g. 'BIGINT UNSIGNED → numeric(20)'. */
  rule: string;
}

/**
 * What the sink does with a value PostgreSQL cannot hold (a zero date, a year-0 date, a NUL byte in text):
 * stop the copy naming it (default), write NULL, write -infinity (dates and timestamps), or keep MySQL's
 * text (date and timestamp columns are then created as text).
 */
export type UnholdablePolicy = 'stop' | 'null' | '-infinity' | 'text';

export interface PgTypeOptions {
  /** A type given in the job file for this column (`sink.types`); taken as written. */
  override?: string;
  unholdable?: UnholdablePolicy;
  /** The sink database has the postgis extension: spatial columns become PostGIS geometry (postgis.ts). */
  postgis?: boolean;
  /** The column's SRID attribute on the source (postgis.ts columnSrid), typing the geometry column. */
  srid?: number | null;
}

const INT_SIGNED: Record<string, string> = { tinyint: 'smallint', smallint: 'smallint', mediumint: 'integer', int: 'integer', integer: 'integer', bigint: 'bigint' };
const INT_UNSIGNED: Record<string, string> = { tinyint: 'smallint', smallint: 'integer', mediumint: 'integer', int: 'bigint', integer: 'bigint', bigint: 'numeric(20)' };
const BINARY = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob']);
const TEXT = new Set(['tinytext', 'text', 'mediumtext', 'longtext']);

/** "decimal(10,2) unsigned" → ["10", "2"]; "datetime(6)" → ["6"]; no parentheses → []. */
function typeArgs(columnType: string): string[] {
  const m = /^\w+\s*\(([^)]*)\)/.exec(columnType);
  return m ? m[1]!.split(',').map((s) => s.trim()) : [];
}

/** Fractional-second digits of a temporal column (0 when none). */
export function fractionDigits(c: Pick<ColumnInfo, 'columnType'>): number {
  const n = Number(typeArgs(c.columnType)[0] ?? 0);
  return Number.isInteger(n) && n >= 0 && n <= 6 ? n : 0;
}

function rule(from: string, to: string): PgColumnType {
  return { sql: to, rule: `${from} → ${to}` };
}

/** The PostgreSQL type of a source column. */
export function pgColumnType(c: ColumnInfo, o: PgTypeOptions = {}): PgColumnType {
  if (o.override) return { sql: o.override, rule: `job file: ${c.columnType} → ${o.override}` };
  const t = c.dataType;
  const unsigned = /\bunsigned\b/.test(c.columnType);
  const up = t.toUpperCase() + (unsigned ? ' UNSIGNED' : '');
  if (t in INT_SIGNED) return rule(up, (unsigned ? INT_UNSIGNED : INT_SIGNED)[t]!);
  switch (t) {
    case 'decimal':
    case 'numeric': {
      const [p = '10', s = '0'] = typeArgs(c.columnType);
      return rule(`DECIMAL(p,s)`, s === '0' ? `numeric(${p})` : `numeric(${p},${s})`);
    }
    case 'float':
      return rule('FLOAT', 'real');
    case 'double':
    case 'real':
      return rule('DOUBLE', 'double precision');
    case 'year':
      return rule('YEAR', 'smallint');
    case 'date':
      return o.unholdable === 'text' ? rule('DATE (policy "text")', 'text') : rule('DATE', 'date');
    case 'datetime':
      return o.unholdable === 'text' ? rule('DATETIME (policy "text")', 'text') : rule('DATETIME(n)', `timestamp(${fractionDigits(c)})`);
    case 'timestamp':
      return o.unholdable === 'text' ? rule('TIMESTAMP (policy "text")', 'text') : rule('TIMESTAMP(n)', `timestamptz(${fractionDigits(c)})`);
    case 'time':
      return rule('TIME(n)', 'interval');
    case 'char':
    case 'varchar': {
      const n = typeArgs(c.columnType)[0] ?? '1';
      return rule(`${t.toUpperCase()}(n)`, `${t}(${n})`);
    }
    case 'json':
      return rule('JSON', 'jsonb');
    case 'enum':
      return rule('ENUM', 'text'); // with a CHECK listing the labels (see ddl.ts)
    case 'set':
      return rule('SET', 'text');
    case 'bit':
      return rule('BIT(n)', `bit varying(${typeArgs(c.columnType)[0] ?? '1'})`);
    case 'uuid':
      return rule('UUID', 'uuid');
    case 'inet4':
    case 'inet6':
      return rule(t.toUpperCase(), 'inet');
  }
  if (TEXT.has(t)) return rule(t.toUpperCase(), 'text');
  if (BINARY.has(t)) return rule(t.toUpperCase(), 'bytea');
  if (GEOMETRY_TYPES.has(t)) {
    if (!o.postgis) return rule(t.toUpperCase(), 'bytea'); // EWKB: the WKB with its SRID inside (see values.ts)
    return o.srid == null ? rule(`${t.toUpperCase()} (postgis)`, postgisType(c, null)) : rule(`${t.toUpperCase()} SRID n (postgis)`, postgisType(c, o.srid));
  }
  throw new CutoverError(
    `Column ${c.name} has type ${c.columnType}, which the PostgreSQL sink has no rule for.`,
    `Exclude the column ("columns": {"db.table": {"exclude": ["${c.name}"]}}), or give its PostgreSQL type in "sink.types".`,
    'CONFIG',
  );
}
