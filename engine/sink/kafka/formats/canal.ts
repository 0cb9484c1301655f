// Alibaba Canal's FlatMessage JSON (canal.mq.flatMessage=true), as Canal's Kafka producer writes it:
// fastjson with WriteMapNullValue, so every field is present and fields are in alphabetical order:
//   {"data":[{…}],"database":…,"es":…,"id":…,"isDdl":false,"mysqlType":{…},"old":[{…}]|null,
//    "pkNames":[…]|null,"sql":"","sqlType":{…},"table":…,"ts":…,"type":"INSERT"|"UPDATE"|"DELETE"}
//
// References: protocol/…/FlatMessage.java and MQMessageUtils.messageConverter (fields, `old` = the previous
// values of changed columns only, null for INSERT/DELETE); parse/…/dbsync/LogEventConvert.java and
// dbsync/…/RowsLogBuffer.java (how each value becomes a string and which java.sql.Types code it gets); the
// example in the Flink Canal format documentation (nightlies.apache.org/flink/…/formats/canal/) and
// Tencent CKafka's Canal-format DDL examples (tencentcloud.com/document/product/597/52603).
//
// Values (all strings, NULL as null), matching Canal:
//   integers: their decimal digits (unsigned values kept); the sqlType moves up one size when an unsigned
//     value does not fit the signed type (TINYINT→SMALLINT, SMALLINT→INTEGER, INT→BIGINT,
//     BIGINT→DECIMAL), as LogEventConvert does per value
//   DECIMAL: plain text (BigDecimal.toPlainString); FLOAT/DOUBLE: Java Float/Double.toString ("1.0")
//   DATE/TIME/DATETIME/TIMESTAMP: MySQL text, fraction digits as the column's precision, zero dates kept
//     ("0000-00-00 00:00:00"); YEAR: "2024" / "0000" (sqlType VARCHAR)
//   BIT: the bits as an unsigned decimal number ("1", "255")
//   ENUM: its 1-based index ("2"), SET: its bit mask ("5") — what Canal sends (alibaba/canal#1008, #2610,
//     #5562); the labels are in mysqlType. RenderOptions.canalEnumText writes the text instead.
//   BINARY/VARBINARY/BLOB and GEOMETRY (SRID + WKB): the bytes as an ISO-8859-1 string, one char per byte
//     (Canal: "byte数组，直接使用iso-8859-1保留对应编码"); sqlType BLOB (2004)
//   text: decoded with the column's character set. (Canal decodes with its connection charset, UTF-8 by
//     default, which garbles latin1/GBK columns; we write the characters MySQL stores.)
//   JSON: MySQL's text of the document (sqlType VARCHAR)
// mysqlType is COLUMN_TYPE (what `DESC` shows and Canal's TableMeta holds). sqlType of a NULL value is the
// one Canal gives NULLs (e.g. LONGVARBINARY for a NULL TEXT, BINARY for a NULL SET).
// Legitimate differences: one row per message (Canal packs the rows of one binlog event into `data`, and
// splits them per row when partitioning by key — the same shape); `id` is 0 (Canal's batch id has no
// meaning outside a Canal server); TIMESTAMP text is UTC (Canal formats it in its JVM time zone, so a Canal
// server running in UTC matches); copied rows are type INSERT (Canal has no snapshot).
// Kafka key: Canal's producer sends null keys and picks the partition itself (by table or key hash), so
// the key is null here too; the partition comes from partitionKey.
// DDL (schema-change topic): isDdl true, data/mysqlType/old/pkNames/sqlType null, sql the statement, type
// CREATE / ALTER / ERASE (drop table) / RENAME / TRUNCATE / CINDEX / DINDEX, or QUERY for anything else.
import type { ChangeEventInput, KafkaColumn, SchemaChangeInput } from './event.js';
import { bigOf, bitsValue, columnFacts, decodeJsonText, decodeLabel, decodeText, enumIndex, float32Digits, javaNumberString, jobj, jarr, jsonNumber, jstr, plainDecimal, setMask } from './json-values.js';
import type { RawValue } from '../../../core/rows.js';

/** java.sql.Types codes Canal puts in sqlType. */
export const Types = {
  BIT: -7, TINYINT: -6, SMALLINT: 5, INTEGER: 4, BIGINT: -5, REAL: 7, DOUBLE: 8, DECIMAL: 3, CHAR: 1, VARCHAR: 12,
  DATE: 91, TIME: 92, TIMESTAMP: 93, BINARY: -2, VARBINARY: -3, LONGVARBINARY: -4, BLOB: 2004, CLOB: 2005,
} as const;

const INT_TYPE: Record<string, [number, bigint, number]> = {
  // signed type, signed max, the type Canal moves an unsigned value above that max to
  tinyint: [Types.TINYINT, 127n, Types.SMALLINT],
  smallint: [Types.SMALLINT, 32767n, Types.INTEGER],
  mediumint: [Types.INTEGER, 8388607n, Types.INTEGER],
  int: [Types.INTEGER, 2147483647n, Types.BIGINT],
  integer: [Types.INTEGER, 2147483647n, Types.BIGINT],
  bigint: [Types.BIGINT, 9223372036854775807n, Types.DECIMAL],
};
const TEXT_BLOB = new Set(['tinytext', 'text', 'mediumtext', 'longtext']);

/** A value as Canal writes it, and its sqlType. */
export function canalCell(col: KafkaColumn, v: RawValue, where: string, enumText = false): { value: string | null; sqlType: number } {
  const f = columnFacts(col);
  const what = `${where}.${col.name}`;
  const nul = v === null;
  switch (f.kind) {
    case 'int': {
      const [t, max, up] = INT_TYPE[f.type]!;
      if (nul) return { value: null, sqlType: t };
      const text = jsonNumber(v, what);
      return { value: text, sqlType: f.unsigned && bigOf(text) > max ? up : t };
    }
    case 'decimal':
      return { value: nul ? null : plainDecimal(v, what), sqlType: Types.DECIMAL };
    case 'float':
      return { value: nul ? null : javaNumberString(float32Digits(Number(jsonNumber(v, what)))), sqlType: Types.REAL };
    case 'double':
      return { value: nul ? null : javaNumberString(Number(jsonNumber(v, what))), sqlType: Types.DOUBLE };
    case 'year':
      return { value: v, sqlType: Types.VARCHAR };
    case 'date':
      return { value: v, sqlType: Types.DATE };
    case 'time':
      return { value: v, sqlType: Types.TIME };
    case 'datetime':
    case 'timestamp':
      return { value: v, sqlType: Types.TIMESTAMP };
    case 'text':
      if (TEXT_BLOB.has(f.type)) {
        if (nul) return { value: null, sqlType: f.type === 'tinytext' ? Types.VARBINARY : Types.LONGVARBINARY };
        return { value: decodeText(v, f.charset, what), sqlType: Types.CLOB };
      }
      return { value: nul ? null : decodeText(v, f.charset, what), sqlType: f.type === 'char' ? Types.CHAR : Types.VARCHAR };
    case 'bytes':
    case 'opaque':
    case 'geometry': {
      if (!nul) return { value: v, sqlType: Types.BLOB }; // ISO-8859-1: one char per byte
      const t =
        f.type === 'varbinary' || f.type === 'tinyblob' ? Types.VARBINARY : f.type === 'binary' || f.kind === 'geometry' ? Types.BINARY : Types.LONGVARBINARY;
      return { value: null, sqlType: t };
    }
    case 'bit':
      return { value: nul ? null : String(bitsValue(v)), sqlType: Types.BIT };
    case 'json':
      return { value: nul ? null : decodeJsonText(v, what), sqlType: Types.VARCHAR };
    case 'enum': {
      if (nul) return { value: null, sqlType: Types.INTEGER };
      const text = decodeLabel(v, f, what);
      return { value: enumText ? text : String(enumIndex(text, f.labels!, what)), sqlType: Types.INTEGER };
    }
    case 'set': {
      if (nul) return { value: null, sqlType: Types.BINARY };
      const text = decodeLabel(v, f, what);
      return { value: enumText ? text : String(setMask(text, f.labels!, what)), sqlType: Types.BIT };
    }
    case 'textform':
      return { value: v, sqlType: Types.CHAR };
  }
}

const TYPE = { r: 'INSERT', c: 'INSERT', u: 'UPDATE', d: 'DELETE' } as const;

const strOrNull = (s: string | null): string => (s === null ? 'null' : jstr(s));

export function canalValueJson(e: ChangeEventInput, enumText = false): string {
  const where = `${e.table.db}.${e.table.table}`;
  const cols = e.table.columns;
  const row = e.op === 'd' ? e.before : e.after;
  if (!row || row.length !== cols.length) throw new Error(`${where}: the ${e.op === 'd' ? 'before' : 'after'} image does not match the ${cols.length} columns`);
  const cells = cols.map((c, i) => canalCell(c, row[i] ?? null, where, enumText));
  let old = 'null';
  if (e.op === 'u') {
    if (!e.before || e.before.length !== cols.length) throw new Error(`${where}: the before image does not match the ${cols.length} columns`);
    const changed: (readonly [string, string])[] = [];
    cols.forEach((c, i) => {
      if (e.before![i] !== row[i]) changed.push([c.name, strOrNull(canalCell(c, e.before![i] ?? null, where, enumText).value)]);
    });
    if (changed.length) old = jarr([jobj(changed)]);
  }
  return jobj([
    ['data', jarr([jobj(cols.map((c, i) => [c.name, strOrNull(cells[i]!.value)] as const))])],
    ['database', jstr(e.table.db)],
    ['es', String(Math.trunc(e.source.tsMs))],
    ['id', '0'],
    ['isDdl', 'false'],
    ['mysqlType', jobj(cols.map((c) => [c.name, jstr(c.columnType)] as const))],
    ['old', old],
    ['pkNames', e.table.keyColumns.length ? jarr(e.table.keyColumns.map(jstr)) : 'null'],
    ['sql', '""'],
    ['sqlType', jobj(cols.map((c, i) => [c.name, String(cells[i]!.sqlType)] as const))],
    ['table', jstr(e.table.table)],
    ['ts', String(Math.trunc(e.tsMs))],
    ['type', jstr(TYPE[e.op])],
  ]);
}

/** Canal's event type of a DDL statement. */
export function canalDdlType(ddl: string): string {
  const s = ddl
    .replace(/\/\*(?!!)[\s\S]*?\*\//g, ' ')
    .replace(/^\s+/, '')
    .toUpperCase();
  if (/^CREATE\s+(TEMPORARY\s+)?TABLE\b/.test(s)) return 'CREATE';
  if (/^ALTER\s+(ONLINE\s+|IGNORE\s+)*TABLE\b/.test(s)) return 'ALTER';
  if (/^DROP\s+(TEMPORARY\s+)?TABLE\b/.test(s)) return 'ERASE';
  if (/^RENAME\s+TABLES?\b/.test(s)) return 'RENAME';
  if (/^TRUNCATE\b/.test(s)) return 'TRUNCATE';
  if (/^CREATE\s+(UNIQUE\s+|FULLTEXT\s+|SPATIAL\s+|ONLINE\s+|OFFLINE\s+)*INDEX\b/.test(s)) return 'CINDEX';
  if (/^DROP\s+(ONLINE\s+|OFFLINE\s+)?INDEX\b/.test(s)) return 'DINDEX';
  return 'QUERY';
}

export function canalSchemaChange(c: SchemaChangeInput): string {
  return jobj([
    ['data', 'null'],
    ['database', jstr(c.db)],
    ['es', String(Math.trunc(c.tsMs))],
    ['id', '0'],
    ['isDdl', 'true'],
    ['mysqlType', 'null'],
    ['old', 'null'],
    ['pkNames', 'null'],
    ['sql', jstr(c.ddl)],
    ['sqlType', 'null'],
    ['table', jstr(c.table ?? '')],
    ['ts', String(Math.trunc(c.producedMs ?? c.tsMs))],
    ['type', jstr(canalDdlType(c.ddl))],
  ]);
}
