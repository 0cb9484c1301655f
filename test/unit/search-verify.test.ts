// The search sink's verification and repair rules (pure): JSON read exactly, a document compared field by
// field with the row rendered by the copy's rules, extra documents named from their _id, the bulk lines
// of a repair (with and without an external version), and the source literals and _id of a key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson, displayJson, ExactJsonError, parseExactJson, type JsonObject } from '../../engine/sink/elasticsearch/exact-json.js';
import { documentDifferences, documentValues, NO_FIELD } from '../../engine/sink/elasticsearch/doc-compare.js';
import { extraMismatch } from '../../engine/sink/elasticsearch/verifier.js';
import { bulkLines } from '../../engine/sink/elasticsearch/document-writes.js';
import { keyDocumentId, keyLiteral } from '../../engine/sink/elasticsearch/repair.js';
import { fieldRule } from '../../engine/sink/elasticsearch/fields.js';
import { fetchDocuments, type SearchClient } from '../../engine/sink/elasticsearch/http.js';
import type { DocumentShape } from '../../engine/sink/elasticsearch/bulk-writer.js';
import type { ColumnInfo } from '../../engine/core/tables.js';

const col = (name: string, dataType: string, columnType: string, charset: string | null = null, collation: string | null = null): ColumnInfo => ({ name, dataType, columnType, charset, collation, nullable: false, generated: false });
const obj = (text: string): JsonObject => parseExactJson(text) as JsonObject;
const diff = (expected: string, actual: string): [string, string | null, string | null][] => documentDifferences(obj(expected), parseExactJson(actual)).map((d) => [d.name, d.source, d.sink]);

test('exact JSON: every digit of a number is kept, strings decoded, members sorted for the canonical text', () => {
  const v = parseExactJson('{"max": 18446744073709551615, "d": 0.30000000000000004, "e": 1e400, "s": "\\u00e9\\n", "a": [1, 2.50, null, true]}');
  assert.equal(canonicalJson(v), '{"a":[1,2.50,null,true],"d":0.30000000000000004,"e":1e400,"max":18446744073709551615,"s":"é\\n"}');
  assert.equal(displayJson(parseExactJson('"x"')), 'x');
  assert.equal(displayJson(parseExactJson('-0')), '-0');
  assert.equal(displayJson(parseExactJson('null')), null);
  for (const bad of ['{"a":1,}', '[1 2]', '01', '"abc', '{"a":1} x', 'nul']) assert.throws(() => parseExactJson(bad), ExactJsonError, bad);
});

test('a document equal to its row: whatever the members\' order, whitespace or escapes', () => {
  assert.deepEqual(diff('{"id":1,"j":{"a":1,"b":[1,"é"]},"s":"x"}', '{ "s" : "x", "j": {"b": [1, "\\u00e9"], "a": 1}, "id": 1 }'), []);
});

test('a document differs by the last digit of a big number, a decimal place, a microsecond, a JSON big integer, a character, base64 bytes', () => {
  assert.deepEqual(diff('{"id":2,"biu":"18446744073709551615"}', '{"id":2,"biu":"18446744073709551614"}'), [['biu', '18446744073709551615', '18446744073709551614']]);
  assert.deepEqual(diff('{"d":"0.000000000000000000000000000001"}', '{"d":"0.000000000000000000000000000002"}'), [['d', '0.000000000000000000000000000001', '0.000000000000000000000000000002']]);
  assert.deepEqual(diff('{"t":"2024-01-01 00:00:00.000001"}', '{"t":"2024-01-01 00:00:00.000002"}'), [['t', '2024-01-01 00:00:00.000001', '2024-01-01 00:00:00.000002']]);
  // JSON.parse would read both as 18446744073709552000.
  assert.deepEqual(diff('{"j":{"max":18446744073709551615}}', '{"j":{"max":18446744073709551614}}'), [['j', '{"max":18446744073709551615}', '{"max":18446744073709551614}']]);
  assert.deepEqual(diff('{"l":"€"}', '{"l":"E"}'), [['l', '€', 'E']]);
  assert.deepEqual(diff('{"b":"AAA="}', '{"b":"AAE="}'), [['b', 'AAA=', 'AAE=']]);
  // A number's digits as written: 1.0 is not the source's 1; a string "1" is not the number 1.
  assert.deepEqual(diff('{"n":1}', '{"n":1.0}'), [['n', '1', '1.0']]);
  assert.deepEqual(diff('{"n":1}', '{"n":"1"}'), [['n', '1', '1']]);
});

test('a field missing, a field too many, null against absent, a _source that is no object', () => {
  assert.deepEqual(diff('{"a":1,"b":null}', '{"a":1}'), [['b', null, NO_FIELD]]);
  assert.deepEqual(diff('{"a":1}', '{"a":1,"z":"x"}'), [['z', NO_FIELD, 'x']]);
  assert.deepEqual(diff('{"a":null}', '{"a":"null"}'), [['a', null, 'null']]);
  assert.deepEqual(diff('{"a":1}', '[1]'), [['_source', '{"a":1}', '[1]']]);
});

test('long values are cut in the report, the comparison is not', () => {
  const long = 'x'.repeat(500);
  const [d] = documentDifferences(obj(`{"t":"${long}a"}`), parseExactJson(`{"t":"${long}b"}`));
  assert.equal(d!.source!.length, 201);
  assert.ok(d!.source!.endsWith('…'));
  assert.deepEqual(documentValues(parseExactJson('{"id":"7","j":{"b":2,"a":1},"n":null}')), { id: '7', j: '{"a":1,"b":2}', n: null });
});

test('an extra document is named by its _id\'s key texts; its hex is the _id\'s bytes', () => {
  assert.deepEqual(extraMismatch('12345.5', [{ name: 'd' }]), { key: { d: '12345.5' }, hex: [Buffer.from('12345.5').toString('hex')], kind: 'extra' });
  assert.deepEqual(extraMismatch('["a","7"]', [{ name: 'k' }, { name: 'n' }]).key, { k: 'a', n: '7' });
  // An _id no row renders (not the array form of a two-column key): shown as it is.
  assert.deepEqual(extraMismatch('plain', [{ name: 'k' }, { name: 'n' }]).key, { _id: 'plain' });
  assert.deepEqual(extraMismatch('[broken', [{ name: 'k' }]).key, { _id: '[broken' });
  const m = extraMismatch('é', [{ name: 'k' }]);
  assert.equal(Buffer.from(m.hex[0]!, 'hex').toString('utf8'), 'é');
});

test('repair writes: index and delete lines, an external version only when one is given', () => {
  assert.equal(bulkLines('i', { id: '7', doc: '{"id":7}' }, null), '{"index":{"_index":"i","_id":"7"}}\n{"id":7}\n');
  assert.equal(bulkLines('i', { id: '7', doc: null }, null), '{"delete":{"_index":"i","_id":"7"}}\n');
  assert.equal(bulkLines('i', { id: '7', doc: '{}' }, '42'), '{"index":{"_index":"i","_id":"7","version":42,"version_type":"external_gte"}}\n{}\n');
});

test('a key as source literals (BIT as its number, ENUM by its label, text with its collation) and as its _id', () => {
  assert.equal(keyLiteral(col('b', 'bit', 'bit(64)'))('\xff\xff\xff\xff\xff\xff\xff\xfe'), '18446744073709551614');
  assert.equal(keyLiteral(col('e', 'enum', "enum('alpha','beta')", 'utf8mb4', 'utf8mb4_general_ci'))('beta'), "'beta'");
  assert.equal(keyLiteral(col('k', 'varchar', 'varchar(10)', 'utf8mb4', 'utf8mb4_bin'))('ab'), "_utf8mb4 X'6162' COLLATE utf8mb4_bin");
  const columns = [col('k', 'varchar', 'varchar(10)', 'latin1', 'latin1_swedish_ci'), col('v', 'int', 'int(11)'), col('n', 'bigint', 'bigint(20) unsigned')];
  const names = columns.map((c) => c.name);
  const shape: DocumentShape = { index: 'i', names, rules: columns.map(fieldRule), keyIdx: [0, 2], fieldKeys: names.map((n) => `${JSON.stringify(n)}:`), extraKeys: names.map(() => null), actionPrefix: '' };
  assert.equal(keyDocumentId(shape, ['\x80', '18446744073709551615']), '["€","18446744073709551615"]');
  assert.equal(keyDocumentId({ ...shape, keyIdx: [2] }, ['18446744073709551615']), '18446744073709551615');
});

test('_mget answers: ids a request, exact _source and _version, not found as null, a document error and a missing index refused', async () => {
  const asked: unknown[] = [];
  const answers = [
    { status: 200, body: '{"docs":[{"_id":"1","found":true,"_version":18446744073709551615,"_source":{"n":18446744073709551615}},{"_id":"2","found":false}]}' },
    { status: 200, body: '{"docs":[{"_id":"3","found":true,"_version":2}]}' },
  ];
  const client = {
    request: async (_m: string, path: string, body: unknown) => {
      asked.push([path, body]);
      return answers.shift()!;
    },
  } as unknown as SearchClient;
  const docs = await fetchDocuments(client, 'd.t', ['1', '2', '3'], { perRequest: 2 });
  assert.deepEqual(asked, [['d.t/_mget?realtime=true', { ids: ['1', '2'] }], ['d.t/_mget?realtime=true', { ids: ['3'] }]]);
  assert.equal(canonicalJson(docs.get('1')!.source!), '{"n":18446744073709551615}');
  assert.deepEqual(docs.get('1')!.version, { num: '18446744073709551615' });
  assert.equal(docs.get('2')!.source, null);
  assert.equal(docs.get('3')!.source, null, 'found without a _source');
  const failing = { request: async () => ({ status: 200, body: '{"docs":[{"_id":"9","error":{"type":"no_shard_available_action_exception"}}]}' }) } as unknown as SearchClient;
  await assert.rejects(fetchDocuments(failing, 'd.t', ['9'], { perRequest: 10 }), /_id "9" in d\.t.*no_shard_available/);
  const missing = { request: async (_m: string, _p: string, _b: unknown, o: { ok?: number[] }) => ({ status: o.ok?.includes(404) ? 404 : 500, body: null }) } as unknown as SearchClient;
  await assert.rejects(fetchDocuments(missing, 'd.t', ['9'], { perRequest: 10, missingIndex: () => new Error('lookup d.t is missing') }), /lookup d\.t is missing/);
});
