// The PostgreSQL sink's mapping preview over rows in memory: each column's type by the sink's rules or an
// override, each sample value as the copy would write it, values PostgreSQL cannot hold marked, and the
// copy's stop (policy "stop") or the policy's replacement shown, key columns never made NULL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ColumnInfo } from '../../engine/core/tables.js';
import type { SourceSession } from '../../engine/source/driver.js';
import { previewOptions, previewPgMapping, sourceText } from '../../engine/sink/postgres/mapping-preview.js';

const col = (name: string, dataType: string, columnType: string, extra: Partial<ColumnInfo> = {}): ColumnInfo => ({
  name,
  dataType,
  columnType,
  charset: null,
  collation: null,
  nullable: true,
  generated: false,
  ...extra,
});

const columns = [
  col('id', 'bigint', 'bigint(20) unsigned', { nullable: false }),
  col('born', 'date', 'date'),
  col('note', 'varchar', 'varchar(20)', { charset: 'latin1' }),
  col('pic', 'blob', 'blob'),
];
const rows = [
  ['18446744073709551615', '2024-02-29', 'caf\xe9 \x80', '\x00\xff'],
  ['2', '0000-00-00', 'a\x00b', null],
];
// Only multi-byte charsets read the source; these columns never do.
const noSource = {} as SourceSession;

const preview = (sinkOptions: Record<string, unknown>, cols = columns, r = rows) =>
  previewPgMapping({ table: 'shop.people', sink: { db: 'shop', table: 'people' }, columns: cols, keyColumns: ['id'], rows: r, sinkOptions, source: noSource });

test('types by the rules, values as they land, and the values the copy would stop on (policy "stop")', async () => {
  const [id, born, note, pic] = await preview({ unholdable: 'stop' });
  assert.deepEqual([id!.sinkType, born!.sinkType, note!.sinkType, pic!.sinkType], ['numeric(20)', 'date', 'varchar(20)', 'bytea']);
  assert.equal(id!.rule, 'BIGINT UNSIGNED → numeric(20)');
  assert.equal(id!.key, true);
  assert.deepEqual(id!.samples[0], { source: '18446744073709551615', sink: '18446744073709551615' });
  assert.deepEqual(born!.samples[0], { source: '2024-02-29', sink: '2024-02-29' });
  assert.equal(born!.samples[1]!.unholdable, true);
  assert.equal(born!.samples[1]!.sink, null);
  assert.match(born!.samples[1]!.problem ?? '', /holds "0000-00-00" in column born \(date\), which PostgreSQL cannot hold: a zero date/);
  assert.deepEqual(note!.samples[0], { source: 'café €', sink: 'café €' }, 'latin1 read as cp1252');
  assert.match(note!.samples[1]!.problem ?? '', /text cannot contain a NUL byte/);
  assert.deepEqual(pic!.samples[0], { source: '0x00ff', sink: '\\x00ff' });
  assert.deepEqual(pic!.samples[1], { source: null, sink: null });
});

test('policy "null" and "-infinity": the value is marked and shows what lands instead; "text" makes dates text', async () => {
  const [, born, note] = await preview({ unholdable: 'null' });
  assert.deepEqual(born!.samples[1], { source: '0000-00-00', sink: null, unholdable: true });
  assert.deepEqual(note!.samples[1], { source: 'a\x00b', sink: null, unholdable: true }, 'a NUL in nullable text becomes NULL too');
  const inf = await preview({ unholdable: '-infinity' });
  assert.deepEqual(inf[1]!.samples[1], { source: '0000-00-00', sink: '-infinity', unholdable: true });
  assert.ok(inf[2]!.samples[1]!.problem, '-infinity does not apply to text');
  const text = await preview({ unholdable: 'text' });
  assert.equal(text[1]!.sinkType, 'text');
  assert.deepEqual(text[1]!.samples[1], { source: '0000-00-00', sink: '0000-00-00' }, 'held as text: nothing to mark');
});

test('a key column is never made NULL by the policy: the copy stops on it', async () => {
  const keyed = [col('d', 'date', 'date', { nullable: false })];
  const [d] = await previewPgMapping({ table: 'shop.days', sink: { db: 'shop', table: 'days' }, columns: keyed, keyColumns: ['d'], rows: [['0000-00-00']], sinkOptions: { unholdable: 'null' }, source: noSource });
  assert.match(d!.samples[0]!.problem ?? '', /key \(d\) = \(0000-00-00\)/);
});

test('an override is taken as written and marked; a type without a rule says how to fix it', async () => {
  const [id] = await preview({ types: { 'shop.people.id': 'text' } });
  assert.deepEqual([id!.sinkType, id!.overridden, id!.rule], ['text', true, 'job file: bigint(20) unsigned → text']);
  const [odd] = await preview({}, [col('v', 'vector', 'vector(3)')], [['\x01']]);
  assert.equal(odd!.sinkType, null);
  assert.match(odd!.error ?? '', /no rule for[\s\S]*sink\.types/);
  assert.deepEqual(odd!.samples, [{ source: '0x01', sink: null }]);
});

test('options: defaults when absent; source values shown cut and binary as hex', () => {
  assert.deepEqual(previewOptions({}), { policy: 'stop', types: {} });
  assert.deepEqual(previewOptions({ unholdable: 'bogus', types: { 'a.b.c': ' int ', 'a.b.d': '' } }), { policy: 'stop', types: { 'a.b.c': 'int' } });
  assert.equal(sourceText(col('t', 'text', 'text', { charset: 'utf8mb4' }), 'x'.repeat(300))!.length, 201);
  assert.equal(sourceText(col('b', 'bit', 'bit(3)'), '\x05'), '0x05');
});

test('a spatial column previews as bytea and says PostGIS geometry is used instead when the sink has the extension', async () => {
  const cols = [col('id', 'int', 'int(11)', { nullable: false }), col('place', 'point', 'point')];
  const [, place] = await preview({}, cols, [['1', null]]);
  assert.equal(place!.sinkType, 'bytea');
  assert.match(place!.rule, /PostGIS geometry instead when the sink database has the postgis extension/);
  const [, forced] = await preview({ types: { 'shop.people.place': 'geometry' } }, cols, [['1', null]]);
  assert.doesNotMatch(forced!.rule, /PostGIS geometry instead/, 'an override is what the copy creates');
});
