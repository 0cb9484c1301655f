// A PostgreSQL sink table read back as the MySQL-typed table its rows come from, for a source that has no
// MySQL server to ask (Kafka topics): the decoders read each message's values by these column types, and
// the change plans encode them for PostgreSQL by the same value rules as a binlog stream (values.ts).
//
// The PostgreSQL type of each column maps back to the MySQL type whose values it holds exactly (the
// inverse of types.ts; where several MySQL types share a PostgreSQL type, the widest: text ← LONGTEXT,
// numeric(20) ← DECIMAL(20,0), which also holds every BIGINT UNSIGNED). Text columns are read as utf8mb4
// (PostgreSQL holds UTF-8). The key is the primary key, else the first unique index whose columns are all
// NOT NULL; a table with neither is keyless (its updates and deletes match whole rows, by ctid).
import type pg from 'pg';
import { CutoverError } from '../../../shared/errors.js';
import type { TableRef } from '../../../shared/table-selection.js';
import type { ColumnInfo, TableInfo } from '../../core/tables.js';

interface PgColumn {
  name: string;
  /** format_type(): "numeric(20,0)", "timestamp(6) without time zone", "character varying(60)" … */
  type: string;
  notnull: boolean;
  generated: boolean;
}

const UTF8 = { charset: 'utf8mb4', collation: 'utf8mb4_bin' };
const NONE = { charset: null, collation: null };

function col(c: PgColumn, dataType: string, columnType: string, cs: { charset: string | null; collation: string | null } = NONE): ColumnInfo {
  return { name: c.name, dataType, columnType, ...cs, nullable: !c.notnull, generated: c.generated };
}

/** The MySQL column whose values a PostgreSQL column of this type holds exactly; a CONFIG error for a type with no rule. Pure. */
export function mysqlColumnOf(c: PgColumn, table: string): ColumnInfo {
  const t = c.type.toLowerCase();
  const args = /\(([\d,\s]+)\)/.exec(t)?.[1]?.split(',').map((s) => Number(s.trim())) ?? [];
  const base = t.replace(/\([^)]*\)/, '').replace(/\[\]$/, '').trim();
  const frac = args[0] ?? 6;
  switch (base) {
    case 'smallint':
      return col(c, 'smallint', 'smallint(6)');
    case 'integer':
      return col(c, 'int', 'int(11)');
    case 'bigint':
      return col(c, 'bigint', 'bigint(20)');
    case 'numeric':
      return args.length ? col(c, 'decimal', `decimal(${args[0]},${args[1] ?? 0})`) : col(c, 'decimal', 'decimal(65,30)');
    case 'real':
      return col(c, 'float', 'float');
    case 'double precision':
      return col(c, 'double', 'double');
    case 'boolean':
      return col(c, 'tinyint', 'tinyint(1)');
    case 'date':
      return col(c, 'date', 'date');
    case 'timestamp without time zone':
      return col(c, 'datetime', frac ? `datetime(${frac})` : 'datetime');
    case 'timestamp with time zone':
      return col(c, 'timestamp', frac ? `timestamp(${frac})` : 'timestamp');
    case 'interval':
      return col(c, 'time', 'time(6)');
    case 'character varying':
      return col(c, 'varchar', `varchar(${args[0] ?? 65535})`, UTF8);
    case 'character':
      return col(c, 'char', `char(${args[0] ?? 1})`, UTF8);
    case 'text':
      return col(c, 'longtext', 'longtext', UTF8);
    case 'bytea':
      return col(c, 'longblob', 'longblob', { charset: 'binary', collation: 'binary' });
    case 'json':
    case 'jsonb':
      return col(c, 'json', 'json');
    case 'bit':
    case 'bit varying':
      return col(c, 'bit', `bit(${Math.min(args[0] ?? 64, 64)})`);
    case 'uuid':
      return col(c, 'uuid', 'uuid');
    case 'inet':
      return col(c, 'inet6', 'inet6');
  }
  if (base.startsWith('geometry')) return col(c, 'geometry', 'geometry');
  throw new CutoverError(
    `Column ${c.name} of the PostgreSQL sink table ${table} has type ${c.type}, which no MySQL type maps to: a Kafka source's messages cannot be decoded into it.`,
    `Give the column one of the types the PostgreSQL sink creates from MySQL types (README, "PostgreSQL sink: type rules"), for example ALTER TABLE ${table} ALTER COLUMN "${c.name}" TYPE text; or leave it out with the job's "columns" setting.`,
    'CONFIG',
  );
}

/** The sink table as the MySQL-typed table its messages describe; null when the sink has no such table. */
export async function readPgSinkTable(client: pg.ClientBase, ref: TableRef): Promise<TableInfo | null> {
  const cols = await client.query<{ name: string; type: string; notnull: boolean; generated: boolean }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull, a.attgenerated <> '' AS generated
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [ref.db, ref.table],
  );
  if (!cols.rows.length) return null;
  const label = `"${ref.db}"."${ref.table}"`;
  const columns = cols.rows.map((c) => mysqlColumnOf(c, label));
  const notNull = new Set(cols.rows.filter((c) => c.notnull).map((c) => c.name));
  const idx = await client.query<{ name: string; primary: boolean; cols: string[] }>(
    `SELECT ic.relname AS name, i.indisprimary AS primary, array_agg(a.attname::text ORDER BY k.ord) AS cols
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indrelid
       JOIN pg_class ic ON ic.oid = i.indexrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
      WHERE n.nspname = $1 AND c.relname = $2 AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL AND k.ord <= i.indnkeyatts
      GROUP BY ic.relname, i.indisprimary
      ORDER BY i.indisprimary DESC, ic.relname`,
    [ref.db, ref.table],
  );
  const key = idx.rows.find((r) => r.primary) ?? idx.rows.find((r) => r.cols.every((c) => notNull.has(c)));
  return {
    db: ref.db,
    table: ref.table,
    columns,
    chunkKey: key?.cols ?? [],
    chunkKeyName: key?.name ?? null,
    engine: null,
    estimatedRows: 0,
    dataBytes: 0,
    createSql: '',
    systemVersioned: false,
  };
}
