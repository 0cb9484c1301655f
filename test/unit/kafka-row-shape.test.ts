// A message row's shape (engine/source/kafka/formats/decoded-rows.ts rowShape): a row naming exactly the
// table's columns shares one shape per column list; any other row (a partial image, a member in another
// case, an unknown member) is shaped as before, member by member.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rowShape } from '../../engine/source/kafka/formats/decoded-rows.js';
import { DecodeError, type ColumnType } from '../../engine/source/kafka/formats/decode.js';
import { parseExactJson, type JsonObject } from '../../engine/source/kafka/formats/exact-json.js';

const columns: ColumnType[] = [
  { name: 'id', dataType: 'int', columnType: 'int(11)', nullable: false },
  { name: 'k', dataType: 'int', columnType: 'int(11)', nullable: false },
  { name: 'c', dataType: 'char', columnType: 'char(120)', charset: 'latin1', nullable: false },
];
const row = (text: string): JsonObject => parseExactJson(text) as JsonObject;

test('a row naming every column, in any order, gets the table-order shape, shared and not partial', () => {
  const a = rowShape('d', 't', columns, row('{"id":1,"k":2,"c":"x"}'));
  const b = rowShape('d', 't', columns, row('{"c":"y","id":2,"k":3}'));
  assert.deepEqual(a.columns, ['id', 'k', 'c']);
  assert.deepEqual(a.kinds.map((k) => k.kind), ['int', 'int', 'text']);
  assert.equal(a.partial, false);
  assert.equal(b, a, 'one shape per column list');
  assert.ok(Object.isFrozen(a.columns), 'shared, so read-only');
});

test('other rows are shaped member by member: partial, another case, an unknown column', () => {
  const partial = rowShape('d', 't', columns, row('{"id":1,"c":"x"}'));
  assert.deepEqual(partial.columns, ['id', 'c']);
  assert.equal(partial.partial, true);
  const cased = rowShape('d', 't', columns, row('{"ID":1,"k":2,"c":"x"}'));
  assert.deepEqual(cased.columns, ['id', 'k', 'c']);
  assert.equal(cased.partial, false);
  assert.throws(() => rowShape('d', 't', columns, row('{"id":1,"k":2,"c":"x","extra":1}')), (e: unknown) => e instanceof DecodeError && e.reason === 'unknown-column');
  assert.throws(() => rowShape('d', 't', columns, row('{"id":1,"k":2,"x":"x"}')), (e: unknown) => e instanceof DecodeError && e.reason === 'unknown-column');
});
