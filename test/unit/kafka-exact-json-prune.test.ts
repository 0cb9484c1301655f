// The parser's shortcuts must not change what a message decodes to: a pruned parse (Debezium's "source"
// block, of which only db, table, ts_ms, file, pos and gtid are built) decodes every message as a full parse
// does and refuses the same malformed texts with the same error; parsed objects inherit nothing; member
// names reused from earlier texts are the names of this text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsonSyntaxError, LeadMember, Prune, parseExactJson, parseExactJsonBytes, rawText, type JsonObject } from '../../engine/source/kafka/formats/exact-json.js';
import { decodeMessage, type ColumnType } from '../../engine/source/kafka/formats/decode.js';
import { decodeDebezium } from '../../engine/source/kafka/formats/debezium-decode.js';

const source = (pos: number, extra = ''): string =>
  `{"version":"3.5.0.Final","connector":"mariadb","name":"bench \\"x\\" \\u00e9","ts_ms":1796666038000,"snapshot":"true","db":"shop","sequence":null,"ts_us":1796666038000000,"ts_ns":1796666038000000000,"table":"t","server_id":0,"gtid":null,"file":"mysql-bin.000001","pos":${pos},"row":0,"thread":null,"query":null,"nested":{"a":[1,2.5e3,{"b":"\\n"}],"c":true,"d":false}${extra}}`;
const cols: ColumnType[] = [
  { name: 'id', columnType: 'int(11)', dataType: 'int' } as ColumnType,
  { name: 'c', columnType: 'varchar(20)', dataType: 'varchar', charset: 'utf8mb4' } as ColumnType,
];
const ctx = { columns: (): ColumnType[] => cols };
const payloads = [
  `{"before":null,"after":{"id":1,"c":"one"},"source":${source(328)},"transaction":null,"op":"r","ts_ms":1796666039004}`,
  `{"before":{"id":1,"c":"one"},"after":{"id":1,"c":"uno \\u00e9"},"source":${source(400)},"transaction":{"id":"tx-9","total_order":1},"op":"u","ts_ms":1}`,
  `{"source":${source(500)},"before":{"id":2,"c":"two"},"after":null,"op":"d"}`,
  `{"before":null,"after":{"id":3,"c":"three"},"source":{"db":"shop","table":"t","file":"f","pos":7,"gtid":"0-1-2","ts_ms":5},"op":"c"}`,
];

test('a pruned parse decodes every Debezium message, with and without the envelope, as a full parse does', () => {
  const schema = '{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"}],"optional":false,"name":"k"}';
  for (const p of payloads)
    for (const text of [p, `{"schema":{"type":"struct","optional":false,"name":"x.Envelope","fields":[]},"payload":${p}}`]) {
      for (let round = 0; round < 3; round++) {
        const key = Buffer.from(`{"schema":${schema},"payload":{"id":1}}`);
        const fast = decodeMessage('debezium', key, Buffer.from(text), ctx);
        const full = decodeDebezium(parseExactJson(text) as JsonObject, parseExactJson(key.toString()) as JsonObject, ctx);
        assert.deepEqual(fast, full, text);
      }
    }
});

test('a pruned object keeps its members and raw text; the others are built as before', () => {
  const prune = new Prune([['payload', 'source']], ['db', 'pos']);
  const text = `{"schema":{"s":1},"payload":{"source":${source(9)},"after":{"source":{"x":1}}}}`;
  const v = parseExactJsonBytes(Buffer.from(text), new LeadMember(256, 8, prune)) as JsonObject;
  const src = (v['payload'] as JsonObject)['source'] as JsonObject;
  assert.deepEqual(Object.keys(src), ['db', 'pos']);
  assert.equal(rawText(src), source(9));
  assert.deepEqual(((v['payload'] as JsonObject)['after'] as JsonObject)['source'], parseExactJson('{"x":1}'));
});

test('a malformed text is refused with the same error whether its bad part is pruned or not', () => {
  const prune = new Prune([['source']], ['db']);
  const bad = [
    `{"source":{"db":"a","x":[1,2,}`,
    `{"source":{"db":"a","x":{"y" 1}}}`,
    `{"source":{"db":"a","x":"\\q"}}`,
    `{"source":{"db":"a","x":"a\u0001b"}}`,
    `{"source":{"db":"a","x":01}}`,
    `{"source":{"db":"a","x":tru}}`,
    `{"source":{"db":"a","x":{"y":1,}}}`,
    `{"source":{"db":"a","x":"unterminated}}`,
    `{"source":{"db":"a",x:1}}`,
    `{"source":{"db":"a","x":1}} x`,
  ];
  for (const t of bad) {
    let full: unknown = null;
    let pruned: unknown = null;
    try {
      parseExactJson(t);
    } catch (e) {
      full = e;
    }
    try {
      parseExactJsonBytes(Buffer.from(t), new LeadMember(256, 8, prune));
    } catch (e) {
      pruned = e;
    }
    assert.ok(full instanceof JsonSyntaxError, t);
    assert.ok(pruned instanceof JsonSyntaxError, t);
    assert.equal((pruned as Error).message, (full as Error).message, t);
  }
});

test('parsed objects inherit nothing; member names are this text\'s, escaped or not', () => {
  const o = parseExactJson('{"__proto__":1,"toString":2,"constructor":{"a":null}}') as JsonObject;
  assert.deepEqual(Object.keys(o), ['__proto__', 'toString', 'constructor']);
  assert.equal(Object.hasOwn(o, '__proto__'), true);
  const empty = parseExactJson('{}') as JsonObject;
  assert.equal(empty['toString'], undefined);
  assert.equal(empty['hasOwnProperty'], undefined);
  assert.equal('valueOf' in empty, false);
  // Names of the same length and characters in another order, escaped names, and names longer than before.
  const texts = ['{"ab":1,"ba":2}', '{"ba":3,"ab":4}', '{"a\\u0062":5,"\\"q":6}', '{"abc":7,"ab":8}', '{"é":9,"\u00e9x":10}'];
  const want = [{ ab: '1', ba: '2' }, { ba: '3', ab: '4' }, { ab: '5', '"q': '6' }, { abc: '7', ab: '8' }, { é: '9', éx: '10' }];
  for (let round = 0; round < 2; round++)
    texts.forEach((t, i) => {
      const v = parseExactJson(t) as JsonObject;
      assert.deepEqual(
        Object.fromEntries(Object.entries(v).map(([k, x]) => [k, (x as { raw: string }).raw])),
        want[i],
        t,
      );
    });
});
