// The exact JSON parser's lead-member reuse (engine/source/kafka/formats/exact-json.ts LeadMember): a
// Debezium schema envelope repeated before every payload is parsed once, and a text reuses it only when it
// starts with the very same characters. Every result must equal a parse without reuse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeadMember, parseExactJson, rawText, JsonSyntaxError, type JsonObject } from '../../engine/source/kafka/formats/exact-json.js';
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
  assert.notEqual(parsed[3]!['schema'], parsed[0]!['schema'], 'after another schema, parsed again');
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
