// A table described by its messages rather than by a server: the columns (MySQL types, as the Debezium
// schema envelope maps to them, engine/source/kafka/formats/debezium-schema.ts) and the key (the message
// key schema's fields). Turned into the TableInfo a sink's prepareTable creates tables from, with a
// CREATE TABLE in SHOW CREATE TABLE's own form, so each sink maps the types by the same rules as those of
// a table copied from a MySQL source (MySQL: the statement itself; PostgreSQL: README "type rules"). Pure.
import type { TableRef } from '../../shared/table-selection.js';
import type { ColumnInfo, TableInfo } from './tables.js';

export interface DefinedColumn {
  name: string;
  dataType: string;
  columnType: string;
  charset?: string | null;
  nullable?: boolean;
}

export interface TableDefinition {
  columns: DefinedColumn[];
  /** Primary key columns, in order; empty: the table has no key. */
  key: string[];
}

const TEXT = /^(char|varchar|tinytext|text|mediumtext|longtext|enum|set)$/;
const BLOB_OR_TEXT = /^(tinytext|text|mediumtext|longtext|tinyblob|blob|mediumblob|longblob|json)$/;
/** InnoDB's longest index key is 3,072 bytes: 768 characters of utf8mb4. */
export const KEY_TEXT_CHARS = 768;

const id = (s: string): string => '`' + s.replace(/`/g, '``') + '`';

/**
 * The column as created. A text or blob column of the key becomes VARCHAR(768) / VARBINARY(3072): MySQL
 * cannot index a whole TEXT/BLOB, and Debezium's schema without the source type says only "string" or
 * "bytes". A longer value is refused by the sink (the partition pauses at it, naming the column): never cut.
 */
function created(c: DefinedColumn, inKey: boolean): DefinedColumn {
  if (!inKey || !BLOB_OR_TEXT.test(c.dataType)) return { ...c, nullable: inKey ? false : c.nullable !== false };
  const text = /text$|^json$/.test(c.dataType);
  const dataType = text ? 'varchar' : 'varbinary';
  return { ...c, dataType, columnType: text ? `varchar(${KEY_TEXT_CHARS})` : `varbinary(${KEY_TEXT_CHARS * 4})`, nullable: false };
}

/** The sink TableInfo of a defined table (ref: the source's db and table). Throws for a key naming no column. */
export function tableInfoOf(ref: TableRef, def: TableDefinition): TableInfo {
  const names = new Set(def.columns.map((c) => c.name));
  const missing = def.key.filter((k) => !names.has(k));
  if (missing.length) throw new Error(`the key of ${ref.db}.${ref.table} names column(s) ${missing.join(', ')} that its row schema lacks`);
  const key = new Set(def.key);
  const cols = def.columns.map((c) => created(c, key.has(c.name)));
  const columns: ColumnInfo[] = cols.map((c) => {
    const text = TEXT.test(c.dataType) || /text$/.test(c.dataType);
    const charset = c.charset === 'binary' || !text ? null : (c.charset ?? 'utf8mb4');
    return { name: c.name, dataType: c.dataType, columnType: c.columnType, charset, collation: charset ? `${charset}_bin` : null, nullable: c.nullable !== false, generated: false };
  });
  const lines = columns.map((c) => `  ${id(c.name)} ${c.columnType}${c.charset && c.charset !== 'utf8mb4' ? ` CHARACTER SET ${c.charset}` : ''}${c.nullable ? ' DEFAULT NULL' : ' NOT NULL'}`);
  if (def.key.length) lines.push(`  PRIMARY KEY (${def.key.map(id).join(',')})`);
  const createSql = [`CREATE TABLE ${id(ref.table)} (`, lines.join(',\n'), ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin'].join('\n');
  return { db: ref.db, table: ref.table, columns, chunkKey: [...def.key], chunkKeyName: def.key.length ? 'PRIMARY' : null, engine: 'InnoDB', estimatedRows: 0, dataBytes: 0, createSql, systemVersioned: false };
}
