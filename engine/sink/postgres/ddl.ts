// The PostgreSQL table for a copied MySQL table: CREATE TABLE with the mapped types (types.ts), NOT NULL,
// defaults, identity for AUTO_INCREMENT, the primary key, ENUM checks and comments; secondary indexes and
// unique keys as statements run after the load (finishTable), with the identity sequence set past the
// copied maximum; foreign keys come once every table is loaded (foreign-keys.ts). Read from SHOW CREATE
// TABLE, whose output is regular (one definition per line).
import { createHash } from 'node:crypto';
import { enumLabels } from '../../mysql/enum-labels.js';
import type { ColumnInfo } from '../../core/tables.js';
import type { CopyTable } from '../../core/tables.js';
import { pgId, pgString, pgTable } from './connection.js';
import { pgColumnType, type UnholdablePolicy } from './types.js';
import { columnSrid, GEOMETRY_TYPES } from './postgis.js';

const ID = '`((?:[^`]|``)+)`';
const unq = (s: string): string => s.replace(/``/g, '`');

export interface TablePlan {
  /** CREATE SCHEMA/TABLE, the chunk key's unique index, comments: run in one transaction. */
  create: string[];
  /** Run once the rows are loaded: secondary indexes and unique keys, the identity sequence. Idempotent. */
  deferred: string[];
  warnings: string[];
}

export interface PlanOptions {
  policy: UnholdablePolicy;
  /** Type overrides by source "db.table.column". */
  types: Record<string, string>;
  /** A binlog stream follows the copy: unique keys exist during the load (a row colliding on one is left to the replay, as on MySQL). */
  streamFollows?: boolean;
  /** The sink database has the postgis extension: spatial columns become PostGIS geometry (postgis.ts). */
  postgis?: boolean;
  /** SRID attributes of the table's spatial columns read from the source catalog (postgis.ts sourceColumnSrids); else CREATE TABLE's. */
  srids?: Map<string, number>;
  /** The sink adds the foreign keys once every table is loaded (foreign-keys.ts): no warning per key here. */
  foreignKeysLater?: boolean;
}

/** Reads a MySQL string literal starting at s[i] === "'"; returns the text and the index after it. */
function readString(s: string, i: number): [string, number] {
  let out = '';
  for (i++; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === "'" && s[i + 1] === "'") (out += "'"), i++;
    else if (ch === "'") return [out, i + 1];
    else if (ch === '\\' && i + 1 < s.length) {
      const n = s[++i]!;
      out += n === 'n' ? '\n' : n === 't' ? '\t' : n === 'r' ? '\r' : n === '0' ? '\0' : n === 'Z' ? '\x1a' : n;
    } else out += ch;
  }
  return [out, i];
}

interface ColumnDef {
  /** ENUM labels as SHOW CREATE TABLE writes them (COLUMN_TYPE is lower-cased by the schema reader). */
  labels?: string[];
  autoIncrement: boolean;
  /** A column CHECK constraint, as MariaDB writes it in the column's line. */
  check?: string;
  /** The DEFAULT clause as MySQL wrote it: a string literal's text, or the bare token; undefined when none. */
  defaultValue?: { text: string; quoted: boolean };
  comment?: string;
}

/** "`e` enum('a','b''c') …" → the type "enum('a','b''c')" (quotes respected); null when not ENUM/SET. */
function enumType(def: string): string | null {
  const m = new RegExp(`^${ID} (enum|set)\\(`).exec(def);
  if (!m) return null;
  let i = m[0].length;
  while (i < def.length && def[i] !== ')') {
    if (def[i] === "'") i = readString(def, i)[1];
    else i++;
  }
  return def.slice(m[0].length - m[2]!.length - 1, i + 1);
}

function parseColumnDef(def: string): ColumnDef {
  const out: ColumnDef = { autoIncrement: /\bAUTO_INCREMENT\b/i.test(def) };
  const check = def.search(/ CHECK \(/);
  if (check >= 0) out.check = def.slice(check + 1);
  const et = enumType(def);
  if (et) {
    out.labels = enumLabels(et);
    def = def.replace(et, 'enum()'); // a label reading " DEFAULT " or " COMMENT " is no clause
  }
  for (const key of ['DEFAULT', 'COMMENT'] as const) {
    const at = def.search(new RegExp(`\\s${key}\\s`));
    if (at < 0) continue;
    let i = at + key.length + 2;
    let value: { text: string; quoted: boolean };
    if (def[i] === "'") value = { text: readString(def, i)[0], quoted: true };
    else {
      const m = /^(?:[\w.+-]+(?:\(\d*\))?)/.exec(def.slice(i));
      value = { text: m?.[0] ?? '', quoted: false };
    }
    if (key === 'DEFAULT') out.defaultValue = value;
    else out.comment = value.text;
  }
  return out;
}

/** A PostgreSQL DEFAULT for a MySQL one, or null when it has no faithful equivalent. */
function pgDefault(c: ColumnInfo, pgType: string, d: { text: string; quoted: boolean }): string | null {
  if (!d.quoted && /^null$/i.test(d.text)) return null;
  if (!d.quoted && /^current_timestamp(\(\d*\))?$/i.test(d.text)) return /^timestamp|^text/.test(pgType) ? 'CURRENT_TIMESTAMP' : null;
  if (!d.quoted && /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(d.text)) return /^(smallint|integer|bigint|numeric|real|double)/.test(pgType) ? d.text : null;
  if (!d.quoted) return null;
  if (/^(date|timestamp)/.test(pgType) && (/^0000/.test(d.text) || /-00/.test(d.text))) return null; // a zero date
  if (pgType === 'bytea' || pgType.startsWith('bit')) return null;
  if (/^(smallint|integer|bigint|numeric|real|double)/.test(pgType) && !/^-?\d+(\.\d+)?$/.test(d.text)) return null;
  if (d.text.includes('\0')) return null;
  return `${pgString(d.text)}::${pgType}`;
}

/** A PostgreSQL index name for a MySQL one: unique in the schema ("table_index"), at most 63 bytes. */
export function indexName(table: string, index: string): string {
  const name = `${table}_${index}`;
  if (Buffer.byteLength(name) <= 63) return name;
  const hash = createHash('sha1').update(name).digest('hex').slice(0, 8);
  let cut = name;
  while (Buffer.byteLength(cut) > 54) cut = cut.slice(0, -1);
  return `${cut}_${hash}`;
}

/** An index's parts "`a`,`b`(10) DESC" → PostgreSQL expressions; null when a part names a column not copied. */
function indexParts(list: string, cols: Map<string, { c: ColumnInfo; type: string }>): string[] | null {
  const parts: string[] = [];
  for (const m of list.matchAll(new RegExp(`${ID}(?:\\((\\d+)\\))?( DESC)?`, 'g'))) {
    const col = cols.get(unq(m[1]!));
    if (!col) return null;
    const q = pgId(col.c.name);
    const expr = m[2] ? (col.type === 'bytea' ? `(substring(${q} from 1 for ${m[2]}))` : `(left(${q}, ${m[2]}))`) : q;
    parts.push(expr + (m[3] ?? ''));
  }
  return parts;
}

/**
 * The copied columns as the sink types them: MariaDB's JSON is LONGTEXT with a JSON_VALID check
 * (information_schema says longtext), so such a column is taken as JSON here.
 */
export function sinkColumns(t: CopyTable): ColumnInfo[] {
  return t.columns.map((c) => {
    if (c.dataType !== 'longtext') return c;
    if (c.jsonText) return { ...c, dataType: 'json' };
    const id = '`' + c.name.replace(/`/g, '``') + '`';
    return t.source.createSql.includes(`CHECK (json_valid(${id}))`) ? { ...c, dataType: 'json' } : c;
  });
}

export function planTable(t: CopyTable, o: PlanOptions): TablePlan {
  const table = pgTable(t.sink);
  const warnings: string[] = [];
  const lines = t.source.createSql.split('\n');
  const defs = new Map<string, ColumnDef>();
  const indexLines: string[] = [];
  let tableComment: string | undefined;
  let autoIncrementStart = 1;
  for (const raw of lines.slice(1)) {
    const line = raw.trim().replace(/,$/, '');
    const col = new RegExp(`^${ID} `).exec(line);
    if (col) defs.set(unq(col[1]!), parseColumnDef(line));
    else if (line.startsWith(')')) {
      const ai = /\bAUTO_INCREMENT=(\d+)/.exec(line);
      if (ai) autoIncrementStart = Number(ai[1]);
      const cm = line.search(/\sCOMMENT='/);
      if (cm >= 0) tableComment = readString(line, cm + 9)[0];
    } else indexLines.push(line);
  }
  const cols = new Map<string, { c: ColumnInfo; type: string }>();
  const colSql: string[] = [];
  const comments: string[] = [];
  let identity: string | null = null;
  for (const c of sinkColumns(t)) {
    const srid = o.postgis && GEOMETRY_TYPES.has(c.dataType) ? (o.srids?.get(c.name) ?? columnSrid(t.source.createSql, c.name)) : null;
    const type = pgColumnType(c, { override: o.types[`${t.source.db}.${t.source.table}.${c.name}`], unholdable: o.policy, postgis: o.postgis, srid }).sql;
    cols.set(c.name, { c, type });
    const d = defs.get(c.name);
    let sql = `${pgId(c.name)} ${type}`;
    if (d?.autoIncrement && /^(smallint|integer|bigint)$/.test(type)) {
      sql += ' GENERATED BY DEFAULT AS IDENTITY';
      identity = c.name;
    } else if (d?.autoIncrement) warnings.push(`column ${c.name} is AUTO_INCREMENT, but its PostgreSQL type ${type} cannot be an identity: created without one`);
    else if (d?.defaultValue) {
      const def = pgDefault(c, type, d.defaultValue);
      if (def) sql += ` DEFAULT ${def}`;
      else if (!(!d.defaultValue.quoted && /^null$/i.test(d.defaultValue.text)))
        warnings.push(`the default of column ${c.name} (${d.defaultValue.quoted ? `'${d.defaultValue.text}'` : d.defaultValue.text}) has no PostgreSQL equivalent: created without a default`);
    }
    if (!c.nullable) sql += ' NOT NULL';
    if (d?.check && !/^CHECK \(json_valid\(`(?:[^`]|``)+`\)\)$/.test(d.check)) warnings.push(`the check constraint of column ${c.name} is not created on PostgreSQL (its expression is MySQL SQL): ${d.check}`);
    if (c.dataType === 'enum') sql += ` CHECK (${pgId(c.name)} IN (${[...new Set([...(d?.labels ?? enumLabels(c.columnType)), ''])].map(pgString).join(', ')}))`;
    colSql.push(sql);
    if (d?.comment) comments.push(`COMMENT ON COLUMN ${table}.${pgId(c.name)} IS ${pgString(d.comment)}`);
  }
  for (const c of t.source.columns) if (c.generated) warnings.push(`generated column ${c.name} is not created on PostgreSQL (its expression is MySQL SQL)`);

  const create = [`CREATE SCHEMA IF NOT EXISTS ${pgId(t.sink.db)}`];
  const deferred: string[] = [];
  const keyNames = t.keyColumns.map((c) => c.name).join('\u0000');
  let keyIndex: string | null = null;
  const uniqueNow: string[] = [];
  for (const line of indexLines) {
    const pk = /^PRIMARY KEY \((.*)\)/.exec(line);
    const idx = new RegExp(`^(UNIQUE KEY|UNIQUE INDEX|KEY|INDEX|FULLTEXT KEY|FULLTEXT INDEX|SPATIAL KEY|SPATIAL INDEX) ${ID} \\((.*)\\)`).exec(line);
    if (pk) {
      const parts = indexParts(pk[1]!, cols);
      if (parts && parts.every((p) => p.startsWith('"'))) colSql.push(`PRIMARY KEY (${parts.join(', ')})`);
      else warnings.push(`primary key not created on PostgreSQL (it uses a column not copied or a prefix): ${line}`);
    } else if (idx) {
      const kind = idx[1]!.split(' ')[0]!;
      const name = unq(idx[2]!);
      const parts = indexParts(idx[3]!, cols);
      const single = new RegExp(`^${ID}$`).exec(idx[3]!.trim());
      if (kind === 'SPATIAL' && parts?.length === 1 && single && cols.get(unq(single[1]!))?.type.startsWith('geometry')) {
        // A SPATIAL index of a PostGIS geometry column: its GiST index, after the load like the others.
        deferred.push(`CREATE INDEX IF NOT EXISTS ${pgId(indexName(t.sink.table, name))} ON ${table} USING gist (${parts[0]})`);
        continue;
      }
      if (kind === 'FULLTEXT' || kind === 'SPATIAL') {
        warnings.push(`${kind.toLowerCase()} index ${name} not created on PostgreSQL (no equivalent index type${kind === 'SPATIAL' ? ' without the postgis extension in the sink database' : ''})`);
        continue;
      }
      if (!parts) {
        warnings.push(`index ${name} not created on PostgreSQL: it uses a column not copied`);
        continue;
      }
      const unique = kind === 'UNIQUE';
      const sql = `CREATE ${unique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS ${pgId(indexName(t.sink.table, name))} ON ${table} (${parts.join(', ')})`;
      if (unique && name === t.source.chunkKeyName && t.source.chunkKey.join('\u0000') === keyNames) keyIndex = sql;
      else if (unique && o.streamFollows) uniqueNow.push(sql);
      else deferred.push(sql);
    } else if (/^CONSTRAINT .* FOREIGN KEY/.test(line)) {
      if (!o.foreignKeysLater) warnings.push(`foreign key not created on PostgreSQL: ${line}`);
    }
    else if (/^CONSTRAINT .* CHECK/.test(line)) warnings.push(`check constraint not created on PostgreSQL (its expression is MySQL SQL): ${line}`);
    else if (line) warnings.push(`not created on PostgreSQL: ${line}`);
  }
  create.push(`CREATE TABLE ${table} (\n  ${colSql.join(',\n  ')}\n)`);
  // The chunk key makes a resumed chunk idempotent (ON CONFLICT on it): it exists before the first row.
  if (keyIndex) create.push(keyIndex);
  create.push(...uniqueNow);
  if (tableComment) create.push(`COMMENT ON TABLE ${table} IS ${pgString(tableComment)}`);
  create.push(...comments);
  if (identity) {
    const q = pgId(identity);
    deferred.push(
      `SELECT setval(pg_get_serial_sequence(${pgString(table)}, ${pgString(identity)}), GREATEST(COALESCE((SELECT max(${q}) FROM ${table}), 0) + 1, ${autoIncrementStart}), false)`,
    );
  }
  return { create, deferred, warnings };
}
