// The exact JSON parser's lead-member reuse (engine/source/kafka/formats/exact-json.ts LeadMember): a
// Debezium schema envelope repeated before every payload is parsed once, and a text reuses it only when it
// starts with the very same characters. Every result must equal a parse without reuse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsonNumber, LeadMember, parseExactJson, parseExactJsonBytes, rawText, JsonSyntaxError, type JsonObject, type JsonValue } from '../../engine/source/kafka/formats/exact-json.js';
import { decodeMessage, type ColumnType } from '../../engine/source/kafka/formats/decode.js';

const field = (type: string, name: string, extra = ''): string => `{"type":"${type}","optional":false${extra},"field":"${name}"}`;
const schemaOf = (table: string, fields: string[]): string =>
  `{"type":"struct","fields":[{"type":"struct","fields":[${fields.join(',')}],"optional":true,"name":"p.${table}.Value","field":"before"},{"type":"struct","fields":[${fields.join(',')}],"optional":true,"name":"p.${table}.Value","field":"after"},{"type":"string","optional":false,"field":"op"}],"optional":false,"name":"p.${table}.Envelope","version":2}`;
const A = schemaOf('a', [field('int32', 'id'), field('string', 'c'), field('string', 'doc', ',"name":"io.debezium.data.Json"')]);
const B = schemaOf('b', [field('int64', 'id'), field('string', 'name')]);
const message = (schema: string, payload: string): string => `{"schema":${schema},"payload":${payload}}`;
const payloadA = (id: number, c: string): string => `{"before":null,"after":{"id":${id},"c":${JSON.stringify(c)},"doc":"{\\"n\\": 1${id}}"},"source":{"db":"d","table":"a","pos":${id * 7}},"op":"c","ts_ms":17000000000${id}}`;
const payloadB = (id: string): string => `{"before":null,"after":{"id":${id},"name":"x${id}"},"source":{"db":"d","table":"b"},"op":"c","ts_ms":1}`;

test('a repeated first member is parsed once and every result equals a parse without reuse, across schema changes', () => {
  const lead = new LeadMember();
  const texts = [
    message(A, payloadA(1, 'one')),
    message(A, payloadA(2, 'two\u00e9')),
    message(B, payloadB('18446744073709551615')),
    message(A, payloadA(3, 'three')),
    message(A, payloadA(4, '')) + '  ',
    `{"schema":${A} , "payload":${payloadA(5, 'five')}, "extra":[1,2.50]}`,
    `{"schema":${A}}`,
  ];
  const parsed = texts.map((t) => parseExactJson(t, lead) as JsonObject);
  texts.forEach((t, i) => {
    const fresh = parseExactJson(t) as JsonObject;
    assert.deepEqual(parsed[i], fresh, `text ${i}`);
    assert.equal(rawText(parsed[i]!), rawText(fresh), `raw text of ${i}`);
    if (fresh['payload']) assert.equal(rawText(parsed[i]!['payload']!), rawText(fresh['payload']!), `raw text of payload ${i}`);
  });
  assert.equal(parsed[1]!['schema'], parsed[0]!['schema'], 'the same schema object is handed out again');
  assert.equal(parsed[4]!['schema'], parsed[3]!['schema']);
  assert.notEqual(parsed[2]!['schema'], parsed[0]!['schema'], 'another schema is parsed');
  assert.equal(parsed[3]!['schema'], parsed[0]!['schema'], 'the first schema is kept beside the other');
  assert.ok(Object.isFrozen(parsed[0]!['schema']), 'a shared value is frozen');
  assert.ok(!Object.isFrozen(parsed[0]!['payload']), 'the rest is the message\'s own');
});

test('a text that starts like the kept member but is not valid JSON after it is still refused', () => {
  const lead = new LeadMember();
  parseExactJson(message(A, payloadA(1, 'one')), lead);
  for (const bad of [`{"schema":${A}`, `{"schema":${A}x`, `{"schema":${A},"payload":{"op":"c"}`, `{"schema":${A},}`]) assert.throws(() => parseExactJson(bad, lead), JsonSyntaxError, bad);
  // A member that extends past the kept text is not taken for it.
  const longer = `{"schema":${A.slice(0, -1)},"more":1},"payload":null}`;
  assert.deepEqual(parseExactJson(longer, lead), parseExactJson(longer));
});

/** Every object's and array's raw text, depth first: what rawText hands a JSON column. */
function raws(v: JsonValue, out: (string | null)[] = []): (string | null)[] {
  if (v === null || typeof v !== 'object' || v instanceof JsonNumber) return out;
  out.push(rawText(v));
  for (const x of Array.isArray(v) ? v : Object.values(v)) raws(x, out);
  return out;
}

test('bytes that start with the kept member\'s bytes parse as their whole text does, across schema changes and interleaved tables', () => {
  const lead = new LeadMember();
  const wide = schemaOf('w', [field('int32', 'id'), field('string', 'n\u00e9\u4e2d\ud83d\ude00')]);
  const texts = [
    message(A, payloadA(1, 'one')),
    message(A, payloadA(2, 'two \u00e9\u4e2d\ud83d\ude00')),
    message(B, payloadB('18446744073709551615')),
    message(A, payloadA(3, 'three')),
    message(B, payloadB('7')),
    message(wide, '{"before":null,"after":{"id":1,"n\u00e9\u4e2d\ud83d\ude00":"\u00ff"},"op":"c"}'),
    message(wide, '{"before":null,"after":{"id":2,"n\u00e9\u4e2d\ud83d\ude00":"x"},"op":"c"}'),
    message(A, payloadA(4, '')) + ' \n',
    `{"schema":${A} , "payload":${payloadA(5, 'five')}, "extra":[1,2.50,{"a":[]}]}`,
    `{"schema":${A}}`,
    message(A, payloadA(6, 'six')),
  ];
  const fresh = texts.map((t) => parseExactJson(t));
  const viaBytes = texts.map((t) => parseExactJsonBytes(Buffer.from(t, 'utf8'), lead));
  texts.forEach((t, i) => {
    assert.deepEqual(viaBytes[i], fresh[i], `text ${i}`);
    assert.deepEqual(raws(viaBytes[i]!), raws(fresh[i]!), `raw texts of ${i}`);
  });
  assert.equal((viaBytes[1] as JsonObject)['schema'], (viaBytes[0] as JsonObject)['schema'], 'the kept schema object is handed out again');
  assert.equal((viaBytes[6] as JsonObject)['schema'], (viaBytes[5] as JsonObject)['schema'], 'a schema with multi-byte names is kept too');
  assert.equal((viaBytes[3] as JsonObject)['schema'], (viaBytes[0] as JsonObject)['schema'], 'kept beside the other tables\' schemas');
  assert.equal((viaBytes[10] as JsonObject)['schema'], (viaBytes[9] as JsonObject)['schema']);
});

test('the least recently used member makes room for a new one', () => {
  const lead = new LeadMember(256, 2);
  const C = schemaOf('c', [field('int32', 'id'), field('string', 'other')]);
  const texts = [message(A, payloadA(1, 'one')), message(B, payloadB('1')), message(A, payloadA(2, 'two')), message(C, payloadB('2')), message(A, payloadA(3, 'three')), message(B, payloadB('3'))];
  const v = texts.map((t) => parseExactJsonBytes(Buffer.from(t), lead) as JsonObject);
  texts.forEach((t, i) => assert.deepEqual(v[i], parseExactJson(t), `text ${i}`));
  assert.equal(v[2]!['schema'], v[0]!['schema'], 'A kept beside B');
  assert.equal(v[4]!['schema'], v[0]!['schema'], 'A, used last, kept when C came');
  assert.notEqual(v[5]!['schema'], v[1]!['schema'], 'B, least recently used, made room for C');
});

test('bytes that start like the kept member but are not valid JSON after it, or differ in one byte, are refused or parsed whole', () => {
  const lead = new LeadMember();
  parseExactJsonBytes(Buffer.from(message(A, payloadA(1, 'one'))), lead);
  for (const bad of [`{"schema":${A}`, `{"schema":${A}x`, `{"schema":${A},"payload":{"op":"c"}`, `{"schema":${A},}`, `{"schema":${A},"payload":"\u0001"}`]) {
    assert.throws(() => parseExactJsonBytes(Buffer.from(bad), lead), JsonSyntaxError, bad);
    assert.throws(() => parseExactJson(bad), JsonSyntaxError, bad);
  }
  // The error names the character in the whole text, and the text near it.
  const whole = (() => {
    try {
      return parseExactJson(`{"schema":${A}x`);
    } catch (e) {
      return (e as Error).message;
    }
  })();
  assert.throws(() => parseExactJsonBytes(Buffer.from(`{"schema":${A}x`), lead), (e: unknown) => e instanceof JsonSyntaxError && e.message === whole);
  // One byte of the kept member changed: not reused, parsed as a whole.
  const changed = message(A.replace('"int32"', '"int64"'), payloadA(2, 'two'));
  const v = parseExactJsonBytes(Buffer.from(changed), lead) as JsonObject;
  assert.deepEqual(v, parseExactJson(changed));
  // Bytes that are not UTF-8 after the kept member decode as the whole text would (U+FFFD).
  parseExactJsonBytes(Buffer.from(message(A, payloadA(1, 'one'))), lead);
  const invalid = Buffer.concat([Buffer.from(`{"schema":${A},"payload":{"op":"c","x":"`), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}}')]);
  assert.deepEqual(parseExactJsonBytes(invalid, lead), parseExactJson(invalid.toString('utf8')));
  // A text shorter than the kept member.
  assert.throws(() => parseExactJsonBytes(Buffer.from('{"schema":{'), lead), JsonSyntaxError);
});

test('Debezium messages of two tables interleaved decode as they do one at a time', () => {
  const cols: Record<string, ColumnType[]> = {
    'd.a': [
      { name: 'id', dataType: 'int', columnType: 'int(11)', nullable: false },
      { name: 'c', dataType: 'varchar', columnType: 'varchar(20)', charset: 'utf8mb4', nullable: false },
      { name: 'doc', dataType: 'json', columnType: 'json', nullable: false },
    ],
    'd.b': [
      { name: 'id', dataType: 'bigint', columnType: 'bigint(20) unsigned', nullable: false },
      { name: 'name', dataType: 'varchar', columnType: 'varchar(20)', charset: 'utf8mb4', nullable: false },
    ],
  };
  const ctx = { columns: (db: string, table: string) => cols[`${db}.${table}`] ?? null };
  const key = (id: string): Buffer => Buffer.from(`{"schema":{"type":"struct","fields":[{"type":"int64","optional":false,"field":"id"}],"optional":false,"name":"p.key.Key"},"payload":{"id":${id}}}`);
  const values = [message(A, payloadA(1, 'one')), message(B, payloadB('7')), message(A, payloadA(2, 'two')), message(A, payloadA(3, 'three')), message(B, payloadB('18446744073709551615'))];
  const once = values.map((v, i) => decodeMessage('debezium', key(String(i)), Buffer.from(v), ctx));
  const again = values.map((v, i) => decodeMessage('debezium', key(String(i)), Buffer.from(v), ctx));
  assert.deepEqual(again, once);
  const rows = once.map((d) => (d.kind === 'rows' ? d.changes[0]!.after : null));
  assert.deepEqual(rows, [['1', 'one', '{"n": 11}'], ['7', 'x7'], ['2', 'two', '{"n": 12}'], ['3', 'three', '{"n": 13}'], ['18446744073709551615', 'x18446744073709551615']]);
  assert.deepEqual(once.map((d) => (d.kind === 'rows' ? d.schema?.map((c) => c.name) : null)), [['id', 'c', 'doc'], ['id', 'name'], ['id', 'c', 'doc'], ['id', 'c', 'doc'], ['id', 'name']]);
});

test('numbers keep their exact text; a number is its longest valid prefix, as the JSON grammar has it', () => {
  const grammar = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const inputs = ['0', '-0', '01', '1.', '1.5', '1e', '1e+', '1E+5', '1e-05', '-', '-a', '-.5', '.5', '1.5e-3', '12345678901234567890', '-18446744073709551616.000000000000000000001', '0.0e0', '00', '1.e5', '2.50', '7x'];
  for (const n of inputs) {
    grammar.lastIndex = 0;
    const m = grammar.exec(n);
    const expected = m && m[0] === n ? n : null; // the whole input a number, else a syntax error
    let got: string | null;
    try {
      const v = parseExactJson(`[${n}]`);
      got = Array.isArray(v) && v[0] instanceof JsonNumber ? v[0].raw : 'not a number';
    } catch (e) {
      assert.ok(e instanceof JsonSyntaxError, n);
      got = null;
    }
    assert.equal(got, expected, n);
  }
});
