// Maxwell's daemon JSON (zendesk/maxwell), as RowMap.toJSON writes a row:
//   {"database","table",["query"],"type","ts",["xid"],["commit"],["position"],["gtid"],["server_id"],
//    ["thread_id"],["primary_key"],["primary_key_columns"],"data",["old"]}
//
// References: docs/docs/dataformat.md (maxwells-daemon.io/dataformat: the INSERT/UPDATE/DELETE examples,
// "blob (+ binary encoded strings)" → base64, datetime strings with the column's microseconds, zero dates
// kept, sets as JSON arrays), docs/docs/bootstrapping.md ("bootstrap-insert" rows carry no xid/commit),
// docs/docs/kafka.md (key {"database","table","pk.id":…}), src/…/row/RowMap.java, RowIdentity.java,
// and schema/columndef/*ColumnDef.java for value forms.
//
// Output options emulated: output_binlog_position=true ("position": "file:pos"), output_gtid_position=true
// (but "gtid" is left out when the event has none, where Maxwell writes "gtid": null — so a server without
// GTIDs gives exactly Maxwell's default output), output_server_id=true, output_thread_id=true (each written when
// known), output_commit_info=true (xid; "commit": true on a transaction's last row), output_nulls=true,
// output_row_query=true (written only when the binlog carries the statement), output_null_zerodates=false;
// output_primary_keys / output_primary_key_columns only with RenderOptions.maxwellPrimaryKeys;
// kafka_key_format=hash. "ts" is seconds.
// Values: integers and DECIMAL as JSON numbers with every digit (Maxwell writes BigDecimal via Jackson,
// which can print "0E-30"; we write MySQL's plain digits, the same number); FLOAT/DOUBLE as numbers;
// DATE/TIME/DATETIME/TIMESTAMP as MySQL's text (TIMESTAMP in UTC, "0000-00-00 00:00:00" kept); YEAR as a
// number; BIT as its unsigned integer value; ENUM as text; SET as an array of its members; JSON embedded as
// JSON (MySQL's text, big integers intact); binary strings/BLOBs base64; GEOMETRY as WKT like JTS writes it
// (the SRID is not part of Maxwell's output); text decoded with the column's character set (Maxwell decodes
// latin1 as ISO-8859-1, turning 0x80-0x9F into control characters; we write the cp1252 characters MySQL
// stores, e.g. "€").
// Keyless tables: Maxwell puts a random "_uuid" in the key; ours is derived from the event's position
// (same event → same key, so a re-sent message replaces itself under log compaction).
// DDL (output_ddl): {"type","database",["table"],"ts" (ms),"sql","position"} with type table-create /
// table-alter / table-drop / database-create / database-alter / database-drop. Subset: Maxwell's parsed
// "def"/"old" table definitions are not included. Other statements (TRUNCATE, CREATE VIEW …) produce no
// Maxwell DDL message, as in Maxwell.
import { createHash } from 'node:crypto';
import type { ChangeEventInput, KafkaColumn, SchemaChangeInput } from './event.js';
import { base64, bitsValue, columnFacts, decodeJsonText, decodeLabel, decodeText, float32Digits, jarr, jobj, jsonDouble, jsonNumber, jstr, splitGeometry, wkbToWkt } from './json-values.js';
import type { RawValue } from '../../../core/rows.js';

/** One column value in Maxwell's JSON form. */
export function maxwellValue(col: KafkaColumn, v: RawValue, where: string): string {
  if (v === null) return 'null';
  const f = columnFacts(col);
  const what = `${where}.${col.name}`;
  switch (f.kind) {
    case 'int':
    case 'decimal':
    case 'double':
    case 'year':
      return jsonNumber(v, what);
    case 'float':
      return jsonDouble(float32Digits(Number(jsonNumber(v, what))), what);
    case 'date':
    case 'time':
    case 'datetime':
    case 'timestamp':
    case 'textform':
      return jstr(v);
    case 'text':
      return jstr(decodeText(v, f.charset, what));
    case 'enum':
      return jstr(decodeLabel(v, f, what));
    case 'set': {
      const text = decodeLabel(v, f, what);
      return jarr(text === '' ? [] : text.split(',').map(jstr));
    }
    case 'json': {
      const text = decodeJsonText(v, what);
      try {
        JSON.parse(text); // validity only: the text itself is embedded, so big numbers keep their digits
      } catch {
        throw new Error(`${what}: the JSON column holds text that is not JSON`);
      }
      return text;
    }
    case 'bit':
      return String(bitsValue(v));
    case 'bytes':
    case 'opaque':
      return jstr(base64(v));
    case 'geometry':
      return jstr(wkbToWkt(splitGeometry(v, what).wkb, what));
  }
}

const TYPE = { r: 'bootstrap-insert', c: 'insert', u: 'update', d: 'delete' } as const;

export function maxwellValueJson(e: ChangeEventInput, primaryKeys = false): string {
  const where = `${e.table.db}.${e.table.table}`;
  const cols = e.table.columns;
  const s = e.source;
  const data = e.op === 'd' ? e.before : e.after;
  if (!data || data.length !== cols.length) throw new Error(`${where}: the row image does not match the ${cols.length} columns`);
  const values = cols.map((c, i) => maxwellValue(c, data[i] ?? null, where));
  const fields: (readonly [string, string])[] = [
    ['database', jstr(e.table.db)],
    ['table', jstr(e.table.table)],
  ];
  if (s.query != null && e.op !== 'r') fields.push(['query', jstr(s.query)]);
  fields.push(['type', jstr(TYPE[e.op])], ['ts', String(Math.floor(s.tsMs / 1000))]);
  if (e.op !== 'r') {
    if (s.xid != null) fields.push(['xid', String(s.xid)]);
    if (e.txCommit) fields.push(['commit', 'true']);
  }
  if (s.file !== null && s.pos !== null) fields.push(['position', jstr(`${s.file}:${s.pos}`)]);
  if (s.gtid !== null) fields.push(['gtid', jstr(s.gtid)]);
  if (s.serverId != null && e.op !== 'r') fields.push(['server_id', String(s.serverId)]);
  if (s.thread != null && e.op !== 'r') fields.push(['thread_id', String(s.thread)]);
  if (primaryKeys) {
    const idx = e.table.keyColumns.map((k) => cols.findIndex((c) => c.name === k));
    fields.push(['primary_key', jarr(idx.map((i) => values[i] ?? 'null'))]);
    fields.push(['primary_key_columns', jarr(e.table.keyColumns.map(jstr))]);
  }
  fields.push(['data', jobj(cols.map((c, i) => [c.name, values[i]!] as const))]);
  if (e.op === 'u') {
    if (!e.before || e.before.length !== cols.length) throw new Error(`${where}: the before image does not match the ${cols.length} columns`);
    const old: (readonly [string, string])[] = [];
    cols.forEach((c, i) => {
      if (e.before![i] !== data[i]) old.push([c.name, maxwellValue(c, e.before![i] ?? null, where)]);
    });
    if (old.length) fields.push(['old', jobj(old)]);
  }
  return jobj(fields);
}

/** kafka_key_format=hash: {"database":…,"table":…,"pk.id":…} (column names lower-cased, as Maxwell does). */
export function maxwellKey(e: ChangeEventInput): string {
  const where = `${e.table.db}.${e.table.table}`;
  const cols = e.table.columns;
  const data = e.op === 'd' ? e.before : e.after;
  const fields: (readonly [string, string])[] = [
    ['database', jstr(e.table.db)],
    ['table', jstr(e.table.table)],
  ];
  if (!e.table.keyColumns.length) {
    fields.push(['_uuid', jstr(positionUuid(e))]);
  } else {
    for (const k of e.table.keyColumns) {
      const i = cols.findIndex((c) => c.name === k);
      if (i < 0) throw new Error(`${where}: key column ${k} is not among the columns`);
      fields.push(['pk.' + k.toLowerCase(), maxwellValue(cols[i]!, data?.[i] ?? null, where)]);
    }
  }
  return jobj(fields);
}

/** A UUID-shaped name for one row event, stable across re-sends (SHA-1 of its position and row). */
function positionUuid(e: ChangeEventInput): string {
  const s = e.source;
  const h = createHash('sha1')
    .update(JSON.stringify([e.table.db, e.table.table, s.file, s.pos, s.gtid, s.row, e.op, e.op === 'd' ? e.before : e.after]))
    .digest('hex');
  const v = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${v}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Maxwell's DDL type for a statement, or null when Maxwell emits no DDL message for it. */
export function maxwellDdlType(ddl: string): string | null {
  const s = ddl
    .replace(/\/\*(?!!)[\s\S]*?\*\//g, ' ')
    .replace(/^\s+/, '')
    .toUpperCase();
  if (/^CREATE\s+(TEMPORARY\s+)?TABLE\b/.test(s)) return 'table-create';
  if (/^(ALTER\s+(ONLINE\s+|IGNORE\s+)*TABLE|RENAME\s+TABLES?|CREATE\s+(UNIQUE\s+|FULLTEXT\s+|SPATIAL\s+)*INDEX|DROP\s+INDEX)\b/.test(s)) return 'table-alter';
  if (/^DROP\s+(TEMPORARY\s+)?TABLE\b/.test(s)) return 'table-drop';
  if (/^CREATE\s+(DATABASE|SCHEMA)\b/.test(s)) return 'database-create';
  if (/^ALTER\s+(DATABASE|SCHEMA)\b/.test(s)) return 'database-alter';
  if (/^DROP\s+(DATABASE|SCHEMA)\b/.test(s)) return 'database-drop';
  return null;
}

export function maxwellSchemaChange(c: SchemaChangeInput): { key: string; value: string } | null {
  const type = maxwellDdlType(c.ddl);
  if (!type) return null;
  const fields: (readonly [string, string])[] = [
    ['type', jstr(type)],
    ['database', jstr(c.db)],
  ];
  if (type.startsWith('table-') && c.table) fields.push(['table', jstr(c.table)]);
  fields.push(['ts', String(Math.trunc(c.tsMs))], ['sql', jstr(c.ddl)]);
  if (c.position.file !== null && c.position.pos !== null) fields.push(['position', jstr(`${c.position.file}:${c.position.pos}`)]);
  const key = jobj([
    ['database', jstr(c.db)],
    ['table', c.table ? jstr(c.table) : 'null'],
  ]);
  return { key, value: jobj(fields) };
}
