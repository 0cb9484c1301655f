// Compares a MySQL table with its copy on PostgreSQL value by value, by the PostgreSQL sink's documented
// type rules (README, "PostgreSQL sink"), reading each side with its own client: the source through
// MySQL's functions (in a UTC session), the sink through psql. What each value must be is worked out here,
// apart from the sink's code: numbers as numbers, floats bit for bit (as doubles), temporals to the
// microsecond, text as its UTF-8 bytes (MySQL's own conversion), bytes as hex, BIT as bits, JSON as
// PostgreSQL's jsonb reads the source text, geometry as EWKB.
import { query, q } from './db.js';
import { pgIdent, pgLiteral, psqlRows } from './postgres.js';

export type Policy = 'stop' | 'null' | '-infinity' | 'text';

interface SourceColumn {
  name: string;
  dataType: string;
  columnType: string;
}

interface Pair {
  /** MySQL expression (string result). */
  m: string;
  /** psql expression (text result). */
  p: string;
  /** From the MySQL text to the value PostgreSQL must show (null: SQL NULL). */
  expect(v: string): string | null;
  /** Normalizes what psql shows. */
  got?(v: string): string;
}

const INTS = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'bigint', 'year']);
const TEXTS = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'enum', 'set']);
const BINARIES = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob']);
const GEOMETRY = new Set(['geometry', 'point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon', 'geometrycollection']);

/** A decimal's text without trailing fraction zeros; "-0" is "0". */
export function decimal(s: string): string {
  let v = s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
  if (/^-0$/.test(v)) v = '0';
  return v;
}

/** A float's value, -0 kept apart from 0. */
function float(s: string): string {
  const n = Number(s);
  return Object.is(n, -0) ? '-0' : String(n);
}

/** A date PostgreSQL holds as written: year ≥ 1, a real month and day. */
function realDate(ymd: string): boolean {
  const [y, m, d] = ymd.slice(0, 10).split('-').map(Number) as [number, number, number];
  const t = new Date(Date.UTC(2000, m - 1, d));
  t.setUTCFullYear(y);
  return y >= 1 && m >= 1 && d >= 1 && t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

/** MySQL geometry bytes (SRID little-endian, then WKB) as EWKB hex: the SRID inside the outer geometry; SRID 0 is plain WKB. */
export function ewkbHex(mysqlHex: string): string {
  const b = Buffer.from(mysqlHex, 'hex');
  const srid = b.readUInt32LE(0);
  const wkb = b.subarray(4);
  if (srid === 0) return wkb.toString('hex').toUpperCase();
  const little = wkb[0] === 1;
  const head = Buffer.alloc(9);
  head[0] = wkb[0]!;
  const type = (little ? wkb.readUInt32LE(1) : wkb.readUInt32BE(1)) | 0x20000000;
  if (little) head.writeUInt32LE(type >>> 0, 1), head.writeUInt32LE(srid, 5);
  else head.writeUInt32BE(type >>> 0, 1), head.writeUInt32BE(srid, 5);
  return Buffer.concat([head, wkb.subarray(5)]).toString('hex').toUpperCase();
}

function pair(c: SourceColumn, policy: Policy): Pair | 'json' {
  const m = q(c.name);
  const p = pgIdent(c.name);
  const t = c.dataType;
  const unholdable = (): string | null => (policy === 'null' ? null : policy === '-infinity' ? '-infinity' : 'UNHOLDABLE');
  if (INTS.has(t)) return { m: `CAST(${m} + 0 AS CHAR)`, p: `${p}::text`, expect: (v) => v };
  if (t === 'decimal') return { m: `CAST(${m} AS CHAR)`, p: `${p}::text`, expect: decimal, got: decimal };
  // FLOAT is read widened to DOUBLE (bit-exact); DOUBLE(M,D) as MySQL prints it, rounded to D decimals.
  if (t === 'double' && /\(\d+,\d+\)/.test(c.columnType)) return { m: `CAST(${m} AS CHAR)`, p: `${p}::text`, expect: float, got: float };
  if (t === 'float' || t === 'double') return { m: `CAST(${m} + 0E0 AS CHAR)`, p: `${p}::float8::text`, expect: float, got: float };
  if ((t === 'date' || t === 'datetime' || t === 'timestamp') && policy === 'text')
    return { m: `CAST(${m} AS CHAR)`, p, expect: (v) => v }; // the source session is UTC: TIMESTAMP as stored
  if (t === 'date') return { m: `DATE_FORMAT(${m}, '%Y-%m-%d')`, p: `CASE WHEN isfinite(${p}) THEN to_char(${p}, 'YYYY-MM-DD') ELSE ${p}::text END`, expect: (v) => (realDate(v) ? v : unholdable()) };
  if (t === 'datetime' || t === 'timestamp') {
    const at = t === 'timestamp' ? ` AT TIME ZONE 'UTC'` : '';
    return {
      m: `DATE_FORMAT(${m}, '%Y-%m-%d %H:%i:%s.%f')`,
      p: `CASE WHEN isfinite(${p}) THEN to_char(${p}${at}, 'YYYY-MM-DD HH24:MI:SS.US') ELSE ${p}::text END`,
      expect: (v) => (realDate(v) ? v : unholdable()),
    };
  }
  if (t === 'time') return { m: `CAST(TIME_TO_SEC(${m}) AS CHAR)`, p: `extract(epoch from ${p})::text`, expect: decimal, got: decimal };
  if (TEXTS.has(t))
    return {
      m: `HEX(CONVERT(${m} USING utf8mb4))`,
      p: `upper(encode(convert_to(${p}::text, 'UTF8'), 'hex'))`,
      expect: (v) => (Buffer.from(v, 'hex').includes(0) ? (policy === 'null' ? null : 'UNHOLDABLE') : v),
    };
  if (BINARIES.has(t)) return { m: `HEX(${m})`, p: `upper(encode(${p}, 'hex'))`, expect: (v) => v };
  if (GEOMETRY.has(t)) return { m: `HEX(${m})`, p: `upper(encode(${p}, 'hex'))`, expect: ewkbHex };
  if (t === 'bit') {
    const n = Number(/\((\d+)\)/.exec(c.columnType)?.[1] ?? 1);
    return { m: `LPAD(BIN(${m} + 0), ${n}, '0')`, p: `${p}::text`, expect: (v) => v };
  }
  if (t === 'uuid') return { m: `CAST(${m} AS CHAR)`, p: `${p}::text`, expect: (v) => v };
  if (t === 'inet4' || t === 'inet6') return { m: `CAST(${m} AS CHAR)`, p: `host(${p})`, expect: (v) => v };
  if (t === 'json') return 'json';
  throw new Error(`no comparison rule for ${c.name} ${c.columnType}`);
}

/** The copied (not generated) columns of a source table, as information_schema has them. */
export async function sourceColumns(url: string, db: string, table: string): Promise<SourceColumn[]> {
  const rows = await query<{ n: string; d: string; t: string; e: string }>(
    url,
    `SELECT COLUMN_NAME AS n, DATA_TYPE AS d, COLUMN_TYPE AS t, EXTRA AS e FROM information_schema.COLUMNS
      WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
    [db, table],
  );
  // MariaDB's JSON is LONGTEXT with a JSON_VALID check: information_schema says longtext.
  const [create] = await query<Record<string, string>>(url, `SHOW CREATE TABLE ${q(db)}.${q(table)}`);
  const ddl = String(create?.['Create Table'] ?? '');
  return rows
    .filter((r) => !/GENERATED|VIRTUAL|PERSISTENT|STORED/i.test(String(r.e)))
    .map((r) => {
      const json = r.d === 'longtext' && new RegExp(`json_valid\\(${q(String(r.n)).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)`, 'i').test(ddl);
      return { name: String(r.n), dataType: json ? 'json' : String(r.d).toLowerCase(), columnType: String(r.t).toLowerCase() };
    });
}

/**
 * Every row of `srcDb.table` on the source against `schema.table` on PostgreSQL (as multisets, so the
 * two sides' collations never matter); null when equal, else what differs.
 */
export async function compareTable(srcUrl: string, srcDb: string, table: string, pgUrl: string, schema: string, policy: Policy): Promise<string | null> {
  const cols = await sourceColumns(srcUrl, srcDb, table);
  const pairs = cols.map((c) => pair(c, policy));
  const mExprs = pairs.map((p, i) => (p === 'json' ? `CAST(${q(cols[i]!.name)} AS CHAR)` : p.m));
  const pExprs = pairs.map((p, i) => (p === 'json' ? `${pgIdent(cols[i]!.name)}::text` : p.p));
  const src = await query<Record<string, string | null>>(srcUrl, `SELECT ${mExprs.map((e, i) => `${e} AS c${i}`).join(', ')} FROM ${q(srcDb)}.${q(table)}`);
  // JSON: what PostgreSQL's jsonb makes of the source's text is what the sink must hold.
  const jsonIdx = pairs.flatMap((p, i) => (p === 'json' ? [i] : []));
  const jsonTexts = [...new Set(jsonIdx.flatMap((i) => src.map((r) => r[`c${i}`]).filter((v): v is string => v !== null && v !== undefined)))];
  const jsonb = new Map<string, string>();
  if (jsonTexts.length) {
    const rows = await psqlRows(pgUrl, `SELECT x::jsonb::text FROM unnest(ARRAY[${jsonTexts.map(pgLiteral).join(', ')}]::text[]) WITH ORDINALITY AS v(x, n) ORDER BY n`);
    rows.forEach((r, k) => jsonb.set(jsonTexts[k]!, r[0]!));
  }
  const want = src
    .map((r) =>
      JSON.stringify(
        pairs.map((p, i) => {
          const v = r[`c${i}`];
          if (v === null || v === undefined) return null;
          return p === 'json' ? jsonb.get(String(v))! : p.expect(String(v));
        }),
      ),
    )
    .sort();
  const sink = await psqlRows(pgUrl, `SELECT ${pExprs.join(', ')} FROM ${pgIdent(schema)}.${pgIdent(table)}`);
  const got = sink.map((r) => JSON.stringify(pairs.map((p, i) => (r[i] === null ? null : p !== 'json' && p.got ? p.got(r[i]!) : r[i])))).sort();
  if (want.length !== got.length) return `${table}: ${got.length} row(s) on PostgreSQL, ${want.length} on the source`;
  const missing = want.filter((w, i) => w !== got[i]);
  if (!missing.length) return null;
  const gotSet = new Set(got);
  const wantSet = new Set(want);
  const lines = [`${table}: columns ${cols.map((c) => c.name).join(', ')}`];
  for (const w of want.filter((x) => !gotSet.has(x)).slice(0, 5)) lines.push(`  source expects ${w.slice(0, 400)}`);
  for (const g of got.filter((x) => !wantSet.has(x)).slice(0, 5)) lines.push(`  PostgreSQL has ${g.slice(0, 400)}`);
  return lines.join('\n');
}
