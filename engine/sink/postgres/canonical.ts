// The canonical text of a value that a MySQL/MariaDB source and a PostgreSQL sink both compute in SQL,
// identical for a value the copy carried over under the type rules (types.ts, values.ts). Each rule
// holds the MySQL side and the PostgreSQL side next to each other, so the two cannot drift:
//   integers, YEAR     decimal text (ZEROFILL and YEAR's '0000' dropped: the number)
//   DECIMAL            decimal text with the column's scale ('0.00' on both)
//   FLOAT, DOUBLE      the round-trip text of the double (FLOAT widened exactly), rewritten to
//                      "<sign><significant digits>e<exponent>" ('0.1' → '1e-1', '1e+15' → '1e15'): the
//                      servers print the same digits but choose plain or exponent forms differently;
//                      -0 is 0 (MariaDB prints -0 as 0)
//   DATE               'YYYY-MM-DD'; DATETIME/TIMESTAMP 'YYYY-MM-DD HH:MM:SS.ffffff' (TIMESTAMP in UTC:
//                      both sessions are at +00:00); -infinity as '-infinity'
//   TIME → interval    signed total microseconds (TIME spans more than 24 hours, interval keeps them)
//   text, ENUM, SET    the UTF-8 text (MySQL: CONVERT(col USING utf8mb4); CHAR without its padding)
//   binary → bytea     the bytes (hashed), shown as lower-case hex
//   GEOMETRY → bytea   the EWKB the copy writes (the MySQL side rebuilds it from SRID + WKB)
//   GEOMETRY → PostGIS the same EWKB, PostgreSQL side ST_AsEWKB(col, 'NDR')
//   BIT → bit varying  the bit string, n digits
//   UUID, INET4/INET6  their text (PostgreSQL inet without its full-length netmask)
//   JSON → jsonb       not in SQL: see json-canonical.ts (compared in Node)
// A value PostgreSQL could not hold and the job's "unholdable" policy replaced (a zero date as NULL or
// -infinity) gets the replacement on the MySQL side too; with policy "text" the column is text and both
// sides give the text. A column whose PostgreSQL type is not the rule's (a "sink.types" override)
// compares the MySQL text of the value with the PostgreSQL text.
//
// Row text: each column as `<bytes>:<value>`, long values (text, binary, geometry) as `<bytes>:<md5>`,
// NULL as 'N' (so NULL differs from ''), joined with ','. The row hash is the MD5 of that text.
import type { ColumnInfo } from '../../core/tables.js';
import { quoteId } from '../../mysql/identifiers.js';
import { valueKind } from '../../mysql/values.js';
import { pgId } from './connection.js';
import { fractionDigits } from './types.js';
import type { UnholdablePolicy } from './types.js';

/** How one column is compared: the value expression on each server, and how it enters the row text. */
export interface CanonicalRule {
  /** The rule's name (report, tests). */
  family: string;
  /** The canonical value (MySQL: a utf8mb4 or binary string; PostgreSQL: text or bytea); NULL for NULL. */
  mysql: string;
  pg: string;
  /** Readable text of the value when `mysql`/`pg` are bytes (hex); else the same expressions. */
  mysqlShow: string;
  pgShow: string;
  /** Long values enter the row text as their MD5. */
  long: boolean;
  /** JSON: compared in Node (json-canonical.ts), not part of the SQL row text. */
  json: boolean;
}

const GEOMETRY = new Set(['geometry', 'point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon', 'geometrycollection', 'geomcollection']);
const PG_TEXT = new Set(['text', 'character varying', 'character']);

function rule(family: string, mysql: string, pg: string, o: Partial<Pick<CanonicalRule, 'long' | 'json' | 'mysqlShow' | 'pgShow'>> = {}): CanonicalRule {
  return { family, mysql, pg, mysqlShow: o.mysqlShow ?? mysql, pgShow: o.pgShow ?? pg, long: o.long ?? false, json: o.json ?? false };
}

/** The shortest round-trip text of a double, as "<sign><digits>e<exponent>" (see the header). */
export function mysqlFloatCanon(s: string): string {
  const a = `TRIM(LEADING '-' FROM ${s})`;
  const m = `SUBSTRING_INDEX(${a}, 'e', 1)`;
  const x = `IF(LOCATE('e', ${a}) > 0, CAST(SUBSTRING_INDEX(${a}, 'e', -1) AS SIGNED), 0)`;
  const all = `REPLACE(${m}, '.', '')`;
  const digits = `TRIM(TRAILING '0' FROM TRIM(LEADING '0' FROM ${all}))`;
  const lead = `(LENGTH(${all}) - LENGTH(TRIM(LEADING '0' FROM ${all})))`;
  const exp = `(LENGTH(SUBSTRING_INDEX(${m}, '.', 1)) - 1 - ${lead} + ${x})`;
  return `IF(${digits} = '', '0', CONCAT(IF(LEFT(${s}, 1) = '-', '-', ''), ${digits}, 'e', ${exp}))`;
}
export function pgFloatCanon(s: string): string {
  const a = `ltrim(${s}, '-')`;
  const m = `split_part(${a}, 'e', 1)`;
  const x = `(CASE WHEN strpos(${a}, 'e') > 0 THEN split_part(${a}, 'e', 2)::int ELSE 0 END)`;
  const all = `replace(${m}, '.', '')`;
  const digits = `rtrim(ltrim(${all}, '0'), '0')`;
  const lead = `(length(${all}) - length(ltrim(${all}, '0')))`;
  const exp = `(length(split_part(${m}, '.', 1)) - 1 - ${lead} + ${x})`;
  return `(CASE WHEN ${digits} = '' THEN '0' ELSE (CASE WHEN left(${s}, 1) = '-' THEN '-' ELSE '' END) || ${digits} || 'e' || ${exp}::text END)`;
}

/** A MySQL date/datetime that PostgreSQL holds (no zero year, month or day; see values.ts holdableDate). */
function mysqlHoldable(q: string): string {
  return `(YEAR(${q}) > 0 AND MONTH(${q}) > 0 AND DAYOFMONTH(${q}) > 0)`;
}

/** What the copy wrote for a date the sink cannot hold, under the job's policy (MySQL side). */
function mysqlUnholdableDate(c: ColumnInfo, q: string, text: string, policy: UnholdablePolicy): string {
  const instead = policy === 'null' && c.nullable ? 'NULL' : policy === '-infinity' ? `'-infinity'` : text;
  return instead === text ? text : `IF(${q} IS NULL OR ${mysqlHoldable(q)}, ${text}, ${instead})`;
}

/** Text that PostgreSQL cannot hold (a NUL byte) under policy "null" on a nullable column: NULL on the MySQL side too. */
function mysqlTextPolicy(c: ColumnInfo, text: string, policy: UnholdablePolicy): string {
  return policy === 'null' && c.nullable ? `IF(LOCATE(_utf8mb4 X'00', ${text}) > 0, NULL, ${text})` : text;
}

/**
 * The rule of one column: its MySQL column, the type PostgreSQL has for it (information_schema
 * data_type, e.g. 'timestamp with time zone'), and the job's policy for values PostgreSQL cannot hold.
 */
export function canonicalRule(c: ColumnInfo, pgType: string, policy: UnholdablePolicy): CanonicalRule {
  const q = quoteId(c.name);
  const p = pgId(c.name);
  const t = c.dataType;
  const kind = valueKind(c);
  const asText = (): CanonicalRule => rule('text of the value', `CONVERT(CAST(${q} AS CHAR) USING utf8mb4)`, `${p}::text`, { long: true });

  // MariaDB's JSON is LONGTEXT with a JSON_VALID check, which the copy creates as jsonb too.
  const pgJson = pgType === 'jsonb' || pgType === 'json';
  if (t === 'json' || (kind === 'text' && pgJson)) return pgJson ? rule('JSON → jsonb', `CONVERT(${q} USING utf8mb4)`, `${p}::text`, { json: true, long: true }) : asText();
  if (GEOMETRY.has(t)) {
    if (pgType !== 'bytea' && pgType !== 'geometry') return asText();
    // MySQL stores SRID (4 bytes LE) + WKB; the copy writes EWKB: byte order, type | 0x20000000, SRID, the rest.
    const ewkb = `IF(SUBSTRING(${q}, 1, 4) = X'00000000', SUBSTRING(${q}, 5), CONCAT(SUBSTRING(${q}, 5, 4), X'20', SUBSTRING(${q}, 1, 4), SUBSTRING(${q}, 10)))`;
    if (pgType === 'bytea') return rule('GEOMETRY → bytea (EWKB)', ewkb, p, { long: true, mysqlShow: `LOWER(HEX(${ewkb}))`, pgShow: `encode(${p}, 'hex')` });
    // PostGIS writes its EWKB little-endian (NDR) when asked, as MySQL stores WKB; SRID 0 gives no SRID on both sides.
    const pg = `ST_AsEWKB(${p}, 'NDR')`;
    return rule('GEOMETRY → PostGIS geometry (EWKB)', ewkb, pg, { long: true, mysqlShow: `LOWER(HEX(${ewkb}))`, pgShow: `encode(${pg}, 'hex')` });
  }
  if (t === 'date' || t === 'datetime' || t === 'timestamp') {
    if (PG_TEXT.has(pgType)) return rule(`${t.toUpperCase()} → text (policy "text")`, `CONVERT(CAST(${q} AS CHAR) USING utf8mb4)`, `${p}::text`);
    if (t === 'date') {
      const my = `DATE_FORMAT(${q}, '%Y-%m-%d')`;
      return rule('DATE → date', mysqlUnholdableDate(c, q, my, policy), `(CASE WHEN isfinite(${p}) THEN to_char(${p}, 'YYYY-MM-DD') ELSE ${p}::text END)`);
    }
    const my = `DATE_FORMAT(${q}, '%Y-%m-%d %H:%i:%s.%f')`;
    const pg = `(CASE WHEN isfinite(${p}) THEN to_char(${p}, 'YYYY-MM-DD HH24:MI:SS.US') ELSE ${p}::text END)`;
    return rule(`${t.toUpperCase()}(${fractionDigits(c)}) → ${pgType}`, mysqlUnholdableDate(c, q, my, policy), pg);
  }
  if (t === 'time') {
    if (pgType !== 'interval') return asText();
    return rule('TIME → interval (microseconds)', `CAST(CAST(TIME_TO_SEC(${q}) * 1000000 AS SIGNED) AS CHAR)`, `(extract(epoch FROM ${p}) * 1000000)::numeric(30,0)::text`, {
      mysqlShow: `CAST(${q} AS CHAR)`,
      pgShow: `${p}::text`,
    });
  }
  if (t === 'uuid') return rule('UUID → uuid', `CAST(${q} AS CHAR)`, `${p}::text`);
  if (t === 'inet4' || t === 'inet6')
    return rule(`${t.toUpperCase()} → inet`, `CAST(${q} AS CHAR)`, `(CASE WHEN masklen(${p}) = (CASE family(${p}) WHEN 4 THEN 32 ELSE 128 END) THEN host(${p}) ELSE ${p}::text END)`);
  switch (kind) {
    case 'number':
      if (t === 'decimal' || t === 'numeric') return rule('DECIMAL → numeric (with its scale)', `CAST(${q} AS CHAR)`, `${p}::text`);
      // DOUBLE as the copy reads it: DOUBLE(M,D) prints D decimals, which read back to the same double
      // (`+ 0E0` would print spurious digits there).
      if (t === 'double' || t === 'real') return rule('DOUBLE → double precision', mysqlFloatCanon(`CAST(${q} AS CHAR)`), pgFloatCanon(`${p}::float8::text`), { mysqlShow: `CAST(${q} AS CHAR)`, pgShow: `${p}::float8::text` });
      return rule(`${t.toUpperCase()} → integer text`, `CAST(${q} + 0 AS CHAR)`, `${p}::text`);
    case 'float':
      return rule('FLOAT → real (as double)', mysqlFloatCanon(`CAST(${q} + 0E0 AS CHAR)`), pgFloatCanon(`${p}::float8::text`), { mysqlShow: `CAST(${q} + 0E0 AS CHAR)`, pgShow: `${p}::float8::text` });
    case 'bit': {
      const n = Number(/\((\d+)\)/.exec(c.columnType)?.[1] ?? 1);
      return rule('BIT(n) → bit varying(n)', `LPAD(BIN(${q} + 0), ${n}, '0')`, `${p}::text`);
    }
    case 'binary':
      if (pgType !== 'bytea') return asText();
      return rule('binary → bytea', q, p, { long: true, mysqlShow: `LOWER(HEX(${q}))`, pgShow: `encode(${p}, 'hex')` });
    case 'text':
    case 'enum': {
      const my = mysqlTextPolicy(c, `CONVERT(${q} USING utf8mb4)`, policy);
      return rule(kind === 'enum' ? `${t.toUpperCase()} → text` : 'text (UTF-8)', my, `${p}::text`, { long: kind === 'text' });
    }
    default:
      return asText();
  }
}

/** One column's part of the row text on each side: 'N' for NULL, else `<bytes>:<value or its md5>`. */
export function mysqlPart(r: CanonicalRule): string {
  const body = r.long ? `MD5(${r.mysql})` : r.mysql;
  return `IFNULL(CONCAT(LENGTH(${r.mysql}), ':', ${body}), 'N')`;
}
export function pgPart(r: CanonicalRule): string {
  const body = r.long ? `md5(${r.pg})` : r.pg;
  return `coalesce(octet_length(${r.pg})::text || ':' || ${body}, 'N')`;
}

/** The MD5 of the row text over these rules (JSON rules left out: compared in Node), on each side. */
export function mysqlRowHash(rules: readonly CanonicalRule[]): string {
  const parts = rules.filter((r) => !r.json).map(mysqlPart);
  return parts.length ? `MD5(CONCAT(${parts.join(`, ',', `)}))` : `MD5('')`;
}
export function pgRowHash(rules: readonly CanonicalRule[]): string {
  const parts = rules.filter((r) => !r.json).map(pgPart);
  return parts.length ? `md5(${parts.join(` || ',' || `)})` : `md5('')`;
}

/** A chunk of a keyed table: the bucket (0..n-1) of the MD5 of its key's row text, on each side. */
export function mysqlBucket(keyRules: readonly CanonicalRule[], n: number): string {
  return `(CONV(LEFT(${mysqlRowHash(keyRules)}, 8), 16, 10) % ${n})`;
}
export function pgBucket(keyRules: readonly CanonicalRule[], n: number): string {
  return `(('x' || left(${pgRowHash(keyRules)}, 8))::bit(32)::bigint % ${n})`;
}

/** Aggregates of a derived table `d(h)` of row hashes: rows, XOR of the first 64 bits, sum of the last 32 (PostgreSQL). */
export const PG_CHUNK_AGGREGATES =
  `count(*) AS n, coalesce(bit_xor(('x' || left(d.h, 16))::bit(64)::bigint), 0)::text AS x, ` +
  `coalesce(sum(('x' || right(d.h, 8))::bit(32)::bigint), 0)::text AS s`;
