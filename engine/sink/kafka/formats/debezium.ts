// Debezium MySQL connector messages (change events, keys, tombstones, schema-change events), as the Kafka
// Connect JsonConverter writes them with `value.converter.schemas.enable=false` and
// `key.converter.schemas.enable=false`: the message is the payload alone.
//
// Reference: https://debezium.io/documentation/reference/stable/connectors/mysql.html (checked against
// debezium/debezium documentation/modules/ROOT/pages/connectors/mysql.adoc: "create events", "update
// events", "delete events", "Tombstone events", "Primary key updates", "Schema change topic", "Data type
// mappings"), and the converters in debezium-connector-binlog BinlogValueConverters / BinlogGeometry and
// debezium-core ZonedTimestamp / geometry.Point.
//
// Connector settings emulated — chosen so that every value is exact and has a documented form:
//   decimal.handling.mode=string            DECIMAL/NUMERIC → "123.4500" (plain text, scale kept)
//   bigint.unsigned.handling.mode=precise   BIGINT UNSIGNED → Connect Decimal(scale 0), written by the
//   + JsonConverter decimal.format=NUMERIC    JsonConverter as a JSON number with every digit:
//                                             18446744073709551615 (signed BIGINT is an INT64 number too;
//                                             a consumer parsing JSON numbers into doubles loses precision
//                                             on both, exactly as with a real Debezium connector)
//   time.precision.mode=adaptive_time_microseconds (the default)
//                                           DATE → days since epoch (INT32); TIME(n) → µs (INT64, negative
//                                             and > 24 h kept); DATETIME(0-3) → epoch ms; DATETIME(4-6) →
//                                             epoch µs (both read as UTC); TIMESTAMP(n) → ISO-8601 UTC string
//                                             "2026-01-01T00:00:00.000001Z" with exactly n fraction digits
//                                             (no fraction for n = 0), as ZonedTimestamp formats it
//   enable.time.adjuster=false              years 0000-0099 are kept (the default adjuster would turn a
//                                             DATE 0012-05-05 into 2012-05-05)
//   binary.handling.mode=base64             BINARY/VARBINARY/BLOB → base64 string; BINARY(n) right-padded
//                                             with 0x00 to n bytes (DBZ-254)
//   include.query=true                      source.query is the statement when the binlog has it, else null
//   tombstones.on.delete=true               a delete is followed by a tombstone (renderMessages)
//   provide.transaction.metadata=false      "transaction": null
// Other mappings (fixed by Debezium): BIT(1) → boolean; BIT(n>1) → base64 of the bits in little-endian byte
// order, ceil(n/8) bytes (io.debezium.data.Bits); TINYINT…INT UNSIGNED → numbers; FLOAT → FLOAT32
// (shortest float digits), FLOAT(M,D) and DOUBLE → FLOAT64; YEAR → number; ENUM / SET → their text
// ("a,c"); JSON → the document as a string; GEOMETRY types → {"wkb": base64 WKB, "srid": n | null (0 →
// null)}; POINT → {"x", "y", "wkb", "srid"}; text → decoded with the column's character set (latin1 as
// cp1252, as Connector/J maps it).
// Invalid dates: Debezium documents that "zero-values" (0000-00-00, and any date with month or day 0)
// become null when the column is nullable, and the epoch (0 days / 0 ms / "1970-01-01T00:00:00Z") when it
// is NOT NULL. We do the same. (Cutover's own MySQL sink keeps them; only this message form loses them.)
//
// Envelope field order is the Envelope schema's: before, after, source, op, ts_ms, transaction. The source
// block is the MySQL connector's (Debezium 2.x before 2.6 added ts_us/ts_ns): version, connector, name,
// ts_ms, snapshot ("true" | "last" | "false"), db, sequence (null), table, server_id, gtid, file, pos, row,
// thread, query.
// Key: the key columns' struct, {"id":1001}; null for a table without a primary or NOT NULL unique key (no
// message.key.columns). A primary-key change is emitted as Debezium does: a delete with header
// __debezium.newkey, a tombstone, and a create with header __debezium.oldkey. A tombstone is not emitted
// for a keyless table (a null key cannot be compacted; Kafka rejects it on compacted topics).
// Schema-change topic value: {source, ts_ms, databaseName, schemaName: null, ddl, tableChanges: []}, key
// {"databaseName": db}. Subset: tableChanges is always empty (Cutover does not parse DDL into column
// metadata); consumers that need it must read the DDL.
import type { ChangeEventInput, KafkaColumn, KafkaMessage, SchemaChangeInput, SourceInfo } from './event.js';
import {
  base64,
  columnFacts,
  decodeJsonText,
  decodeLabel,
  decodeText,
  epochUnits,
  float32Digits,
  fsp,
  asciiJson,
  isJsonNumber,
  isZeroDate,
  jobj,
  jsonDouble,
  jsonNumber,
  jstr,
  parseDateTime,
  plainDecimal,
  splitGeometry,
  timeMicros,
  toBuffer,
  wkbPoint,
  type ColumnFacts,
} from './json-values.js';
import { tableCache, type TableCache } from './table-cache.js';
import type { RawValue } from '../../../core/rows.js';

/** One column value in Debezium's JSON form. */
export function debeziumValue(col: KafkaColumn, v: RawValue, where: string): string {
  return valueOf(columnFacts(col), v, where);
}

/** debeziumValue with the column's facts at hand; the common kinds without building the error-message text. */
function valueOf(f: ColumnFacts, v: RawValue, where: string): string {
  if (v === null) return 'null';
  switch (f.kind) {
    case 'int':
    case 'year':
    case 'double':
      if (isJsonNumber(v)) return v; // what jsonNumber returns for it
      break;
    case 'text':
      if (f.asciiText) {
        const j = asciiJson(v); // what jstr(decodeText(v)) returns for it
        if (j !== null) return j;
      }
      break;
  }
  return slowValue(f, v, `${where}.${f.col.name}`);
}

function slowValue(f: ColumnFacts, v: string, what: string): string {
  const col = f.col;
  switch (f.kind) {
    case 'int':
    case 'year':
      return jsonNumber(v, what);
    case 'decimal':
      return jstr(plainDecimal(v, what));
    case 'float':
      // FLOAT and FLOAT(p<=24) are FLOAT32; FLOAT(M,D) is FLOAT64 (the float widened to a double)
      return f.args.length === 2 ? jsonNumber(v, what) : jsonDouble(float32Digits(Number(v)), what);
    case 'double':
      return jsonNumber(v, what);
    case 'date': {
      const p = parseDateTime(v, what);
      if (isZeroDate(p)) return col.nullable ? 'null' : '0';
      return String(epochUnits(p, 0) / 86400n);
    }
    case 'datetime': {
      const p = parseDateTime(v, what);
      if (isZeroDate(p)) return col.nullable ? 'null' : '0';
      return String(epochUnits(p, fsp(f) <= 3 ? 3 : 6));
    }
    case 'timestamp': {
      const p = parseDateTime(v, what);
      if (isZeroDate(p)) return col.nullable ? 'null' : jstr('1970-01-01T00:00:00Z');
      return jstr(v.replace(' ', 'T') + 'Z');
    }
    case 'time':
      return String(timeMicros(v, what));
    case 'text':
      return jstr(decodeText(v, f.charset, what));
    case 'enum':
    case 'set':
      return jstr(decodeLabel(v, f, what));
    case 'json':
      return jstr(decodeJsonText(v, what));
    case 'textform':
      return jstr(v);
    case 'bit': {
      const n = f.args[0] ?? 1;
      if (n === 1) return v.length && v.charCodeAt(v.length - 1) & 1 ? 'true' : 'false';
      const size = Math.ceil(n / 8);
      const le = toBuffer(v).reverse();
      const out = Buffer.alloc(size);
      le.copy(out, 0, 0, Math.min(size, le.length));
      return jstr(out.toString('base64'));
    }
    case 'bytes': {
      const n = f.type === 'binary' ? f.args[0] ?? 1 : 0;
      if (n > v.length) return jstr(Buffer.concat([toBuffer(v), Buffer.alloc(n - v.length)]).toString('base64'));
      return jstr(base64(v));
    }
    case 'geometry': {
      const g = splitGeometry(v, what);
      const srid = g.srid === 0 ? 'null' : String(g.srid);
      const wkb = jstr(g.wkb.toString('base64'));
      if (f.type === 'point') {
        const xy = wkbPoint(g.wkb);
        if (!xy) throw new Error(`${what}: a POINT column holds a geometry that is not a 2D point`);
        return jobj([
          ['x', jsonDouble(xy[0], what)],
          ['y', jsonDouble(xy[1], what)],
          ['wkb', wkb],
          ['srid', srid],
        ]);
      }
      return jobj([
        ['wkb', wkb],
        ['srid', srid],
      ]);
    }
    case 'opaque':
      return jstr(base64(v));
  }
}

function rowJson(tc: TableCache, row: RawValue[] | null): string {
  if (row === null) return 'null';
  const n = tc.columns.length;
  if (row.length !== n) throw new Error(`${tc.where}: ${row.length} values for ${n} columns`);
  const { facts, names, where } = tc;
  let out = '{';
  for (let i = 0; i < n; i++) {
    if (i) out += ',';
    out += names[i]! + valueOf(facts[i]!, row[i] ?? null, where);
  }
  return out + '}';
}

const snapshotText = (s: boolean | 'last'): string => (s === 'last' ? 'last' : s ? 'true' : 'false');

/**
 * The source block around its ts_ms and its row, for the last source seen with this table: the rows of one
 * copy chunk share it, and the changes of one source transaction differ only in their row.
 */
interface SourceMemo {
  s: Omit<SourceInfo, 'tsMs' | 'row'>;
  head: string;
  middle: string;
  tail: string;
}

/**
 * The source block's text without its position: everything but gtid, file, pos (and ts_ms, row) is the same
 * for every change the stream reads from one server, so it is rendered once per table and the block of a
 * new transaction only puts its position between these pieces (`head` ts_ms `beforeGtid` gtid `beforeFile`
 * file `beforePos` pos `beforeRow` row `tail`).
 */
interface SourceFrame {
  s: Omit<SourceInfo, 'tsMs' | 'row' | 'gtid' | 'file' | 'pos'>;
  head: string;
  beforeGtid: string;
  beforeFile: string;
  beforePos: string;
  beforeRow: string;
  tail: string;
  /** The last file name and its JSON text (one binlog file serves thousands of transactions); undefined: none yet. */
  file: string | null | undefined;
  fileText: string;
}

const sameFrame = (a: SourceFrame['s'], b: SourceInfo): boolean =>
  a.version === b.version &&
  a.connector === b.connector &&
  a.serverName === b.serverName &&
  a.snapshot === b.snapshot &&
  a.serverId === b.serverId &&
  a.thread === b.thread &&
  a.query === b.query;

const samePosition = (a: Omit<SourceInfo, 'tsMs' | 'row'>, b: SourceInfo): boolean => a.gtid === b.gtid && a.file === b.file && a.pos === b.pos;

/**
 * The source block's text around its ts_ms and its row (`head` ts_ms `middle` row `tail`) for this event's
 * source, memoised per table while the source stays the same (the copy's byte path writes rows around it).
 */
export function debeziumSourceParts(e: ChangeEventInput): Readonly<Pick<SourceMemo, 'head' | 'middle' | 'tail'>> {
  return sourceMemo(e, tableCache(e.table));
}

function sourceJson(e: ChangeEventInput, tc: TableCache): string {
  const s = e.source;
  const m = sourceMemo(e, tc);
  return m.head + String(Math.trunc(s.tsMs)) + m.middle + String(s.row) + m.tail;
}

function sourceMemo(e: ChangeEventInput, tc: TableCache): SourceMemo {
  const s = e.source;
  const m = tc.memo.get('debezium.source') as SourceMemo | undefined;
  if (m && samePosition(m.s, s) && sameFrame(m.s, s)) return m;
  const f = sourceFrame(e, tc);
  if (f.file !== s.file) {
    f.file = s.file;
    f.fileText = jstr(s.file ?? '');
  }
  // the values as sourceBlock writes them
  const middle = f.beforeGtid + (s.gtid === null ? 'null' : jstr(s.gtid)) + f.beforeFile + f.fileText + f.beforePos + String(s.pos ?? 0) + f.beforeRow;
  const fresh: SourceMemo = {
    s: { version: s.version, connector: s.connector, serverName: s.serverName, snapshot: s.snapshot, serverId: s.serverId, gtid: s.gtid, file: s.file, pos: s.pos, thread: s.thread, query: s.query },
    head: f.head,
    middle,
    tail: f.tail,
  };
  tc.memo.set('debezium.source', fresh);
  return fresh;
}

function sourceFrame(e: ChangeEventInput, tc: TableCache): SourceFrame {
  const s = e.source;
  let f = tc.memo.get('debezium.frame') as SourceFrame | undefined;
  if (f && sameFrame(f.s, s)) return f;
  // not JSON text: none can occur in the rendered block
  const mark = (name: string): string => `\u0000${name}\u0000`;
  const text = sourceBlock(e, { tsMs: mark('ts'), gtid: mark('gtid'), file: mark('file'), pos: mark('pos'), row: mark('row') });
  const [head, beforeGtid, beforeFile, beforePos, beforeRow, tail] = splitAt(text, ['ts', 'gtid', 'file', 'pos', 'row'].map(mark));
  f = {
    s: { version: s.version, connector: s.connector, serverName: s.serverName, snapshot: s.snapshot, serverId: s.serverId, thread: s.thread, query: s.query },
    head: head!,
    beforeGtid: beforeGtid!,
    beforeFile: beforeFile!,
    beforePos: beforePos!,
    beforeRow: beforeRow!,
    tail: tail!,
    file: undefined,
    fileText: '',
  };
  tc.memo.set('debezium.frame', f);
  return f;
}

/** The text around each of `marks` (which occur in `text` once each, in this order). */
function splitAt(text: string, marks: string[]): string[] {
  const out: string[] = [];
  let from = 0;
  for (const m of marks) {
    const at = text.indexOf(m, from);
    out.push(text.slice(from, at));
    from = at + m.length;
  }
  out.push(text.slice(from));
  return out;
}

/** The source block with these texts in place of its ts_ms, gtid, file, pos and row (the rest from the event). */
function sourceBlock(e: ChangeEventInput, at: { tsMs: string; gtid: string; file: string; pos: string; row: string }): string {
  const s = e.source;
  return jobj([
    ['version', jstr(s.version)],
    ['connector', jstr(s.connector)],
    ['name', jstr(s.serverName)],
    ['ts_ms', at.tsMs],
    ['snapshot', jstr(snapshotText(s.snapshot))],
    ['db', jstr(e.table.db)],
    ['sequence', 'null'],
    ['table', jstr(e.table.table)],
    ['server_id', String(s.serverId ?? 0)],
    ['gtid', at.gtid],
    ['file', at.file],
    ['pos', at.pos],
    ['row', at.row],
    ['thread', s.thread == null ? 'null' : String(s.thread)],
    ['query', s.query == null ? 'null' : jstr(s.query)],
  ]);
}

/** The change event value: before, after, source, op, ts_ms, transaction. */
export function debeziumValueJson(e: ChangeEventInput, op = e.op, before = e.before, after = e.after): string {
  const tc = tableCache(e.table);
  // the Envelope's fields in order, as jobj writes them
  return (
    '{"before":' +
    rowJson(tc, op === 'c' || op === 'r' ? null : before) +
    ',"after":' +
    rowJson(tc, op === 'd' ? null : after) +
    ',"source":' +
    sourceJson(e, tc) +
    ',"op":' +
    jstr(op) +
    ',"ts_ms":' +
    String(Math.trunc(e.tsMs)) +
    ',"transaction":null}'
  );
}

/** The key struct {"id":1001} of one row image; null for a keyless table. */
export function debeziumKey(e: ChangeEventInput, row: RawValue[] | null): string | null {
  const keys = e.table.keyColumns;
  if (!keys.length || !row) return null;
  const tc = tableCache(e.table);
  let out = '{';
  for (let j = 0; j < keys.length; j++) {
    const i = tc.keyIdx[j]!;
    if (i < 0) throw new Error(`${tc.where}: key column ${keys[j]} is not among the columns`);
    if (j) out += ',';
    out += tc.keyNames[j]! + valueOf(tc.facts[i]!, row[i] ?? null, tc.where);
  }
  return out + '}';
}

/** Same key values (byte for byte) in both images? */
export function sameKey(e: ChangeEventInput): boolean {
  if (!e.before || !e.after) return true;
  for (const i of tableCache(e.table).keyIdx) {
    if (e.before[i] !== e.after[i]) return false;
  }
  return true;
}

/**
 * Every record Debezium writes for this event, in order: one change event; after a delete a tombstone;
 * for an update that changes the key, delete (+ tombstone) with the old key and create with the new one.
 * `partitionKey` of each record is filled in by the caller (index.ts).
 */
export function debeziumRecords(e: ChangeEventInput, tombstones: boolean): Omit<KafkaMessage, 'partitionKey'>[] {
  const row = e.op === 'd' ? e.before : e.after;
  if (e.op === 'u' && e.table.keyColumns.length && !sameKey(e)) {
    const oldKey = debeziumKey(e, e.before);
    const newKey = debeziumKey(e, e.after);
    const out: Omit<KafkaMessage, 'partitionKey'>[] = [
      { key: oldKey, value: debeziumValueJson(e, 'd', e.before, null), headers: { '__debezium.newkey': newKey ?? 'null' } },
    ];
    if (tombstones) out.push({ key: oldKey, value: null });
    out.push({ key: newKey, value: debeziumValueJson(e, 'c', null, e.after), headers: { '__debezium.oldkey': oldKey ?? 'null' } });
    return out;
  }
  const key = debeziumKey(e, row);
  const out: Omit<KafkaMessage, 'partitionKey'>[] = [{ key, value: debeziumValueJson(e) }];
  if (e.op === 'd' && tombstones && key !== null) out.push({ key, value: null });
  return out;
}

/** Schema-change topic record (value and key {"databaseName": db}). */
export function debeziumSchemaChange(c: SchemaChangeInput): { key: string; value: string } {
  const source = jobj([
    ['version', jstr(c.version ?? '')],
    ['connector', jstr('mysql')],
    ['name', jstr(c.serverName ?? '')],
    ['ts_ms', String(Math.trunc(c.tsMs))],
    ['snapshot', jstr('false')],
    ['db', jstr(c.db)],
    ['sequence', 'null'],
    ['table', c.table ? jstr(c.table) : 'null'],
    ['server_id', String(c.serverId ?? 0)],
    ['gtid', c.position.gtid ? jstr(c.position.gtid) : 'null'],
    ['file', jstr(c.position.file ?? '')],
    ['pos', String(c.position.pos ?? 0)],
    ['row', '0'],
    ['thread', c.thread == null ? 'null' : String(c.thread)],
    ['query', 'null'],
  ]);
  const value = jobj([
    ['source', source],
    ['ts_ms', String(Math.trunc(c.producedMs ?? c.tsMs))],
    ['databaseName', jstr(c.db)],
    ['schemaName', 'null'],
    ['ddl', jstr(c.ddl)],
    ['tableChanges', '[]'],
  ]);
  return { key: jobj([['databaseName', jstr(c.db)]]), value };
}
