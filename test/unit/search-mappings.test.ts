// The search sink's per-column choices and type rules beyond the defaults: MariaDB's JSON (LONGTEXT with a
// json_valid check) written as JSON, DECIMAL's scaled_float copy, JSON as flattened / flat_object by the
// cluster's flavour, geometry's GeoJSON field (geo_point / geo_shape) with its unholdable policy; and the
// binlog numbering an index records (RESET MASTER detection).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { columnRule, mappingFor, tableRules } from '../../engine/sink/elasticsearch/field-options.js';
import { fieldRule } from '../../engine/sink/elasticsearch/fields.js';
import { geometryGeoJson } from '../../engine/sink/elasticsearch/geojson.js';
import { documentShape, renderDocument } from '../../engine/sink/elasticsearch/bulk-writer.js';
import { indexMappings } from '../../engine/sink/elasticsearch/search-sink.js';
import { clusterInfoOf } from '../../engine/sink/elasticsearch/cluster.js';
import { IndexLineage, lineageProblem } from '../../engine/sink/elasticsearch/binlog-lineage.js';
import { externalVersion } from '../../engine/sink/elasticsearch/external-version.js';
import type { SearchClient } from '../../engine/sink/elasticsearch/http.js';
import { parseJobConfig } from '../../shared/job-config.js';
import type { ColumnInfo, CopyTable } from '../../engine/core/tables.js';

const col = (name: string, dataType: string, columnType: string, extra: Partial<ColumnInfo> = {}): ColumnInfo => ({ name, dataType, columnType, charset: null, collation: null, nullable: true, generated: false, ...extra });
const table = (columns: ColumnInfo[]): CopyTable => ({
  stateId: 1,
  source: { db: 'shop', table: 't', columns, chunkKey: ['id'], chunkKeyName: 'PRIMARY', engine: null, estimatedRows: 0, dataBytes: 0, createSql: '', systemVersioned: false },
  sink: { db: 'shop', table: 't' },
  columns,
  keyColumns: [columns[0]!],
});
const OS = clusterInfoOf({ version: { distribution: 'opensearch', number: '2.19.1' } });
const ES7 = clusterInfoOf({ version: { number: '7.17.10' } });

/** MySQL's internal geometry bytes: SRID (LE) + WKB (LE). */
function wkb(srid: number, type: number, body: number[] | Buffer): string {
  const head = Buffer.alloc(9);
  head.writeUInt32LE(srid, 0);
  head[4] = 1;
  head.writeUInt32LE(type, 5);
  const rest = Buffer.isBuffer(body) ? body : Buffer.concat(body.map((d) => Buffer.from(new Float64Array([d]).buffer)));
  return Buffer.concat([head, rest]).toString('latin1');
}
const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};
const doubles = (...d: number[]): Buffer => Buffer.from(new Float64Array(d).buffer);

test("MariaDB's JSON (LONGTEXT + json_valid): the JSON value itself, every digit kept; a repeated member name as its text", () => {
  const c = col('j', 'longtext', 'longtext', { charset: 'utf8mb4', jsonText: true });
  const r = fieldRule(c);
  assert.deepEqual(r.mapping, { type: 'object', enabled: false });
  assert.equal(r.render('{"max": 18446744073709551615, "d": 2.50}', ''), '{"max": 18446744073709551615, "d": 2.50}');
  assert.equal(r.render('[1e400, -0]', ''), '[1e400, -0]');
  assert.equal(r.render('"\xc3\xa9"', ''), '"é"', 'decoded from the column charset');
  // The clusters refuse a document repeating a name; MariaDB keeps it: written as the text, a JSON string.
  assert.equal(r.render('{"dup": 1, "dup": 2}', ''), JSON.stringify('{"dup": 1, "dup": 2}'));
  assert.equal(r.render('[{"a": {"x": 1, "x": 1}}]', ''), JSON.stringify('[{"a": {"x": 1, "x": 1}}]'));
  assert.throws(() => r.render('{not json', 'shop.t row 3 column j'), /shop\.t row 3 column j|position/);
  // A LONGTEXT without the check stays text.
  assert.equal(fieldRule(col('j', 'longtext', 'longtext', { charset: 'utf8mb4' })).render('{"a":1}', ''), JSON.stringify('{"a":1}'));
});

test('DECIMAL scaledFloat: a "<column>.scaled" multi-field, _source unchanged, a value beyond 2^53 × factor stops naming it', () => {
  const r = columnRule(col('price', 'decimal', 'decimal(20,4)'), { scaledFloat: 100 }, 'shop.t.price');
  assert.deepEqual(r.mapping, { type: 'keyword', fields: { scaled: { type: 'scaled_float', scaling_factor: 100 } } });
  assert.equal(r.render('12.3400', ''), '"12.3400"');
  assert.equal(r.render('-90071992547409.91', ''), '"-90071992547409.91"');
  assert.throws(() => r.render('90071992547409.93', 'shop.t row 1 column price'), /shop\.t row 1 column price: 90071992547409\.93 × scaling factor 100 is beyond 2\^53.*smaller "scaledFloat"/);
  assert.throws(() => columnRule(col('n', 'varchar', 'varchar(9)'), { scaledFloat: 10 }, 'shop.t.n'), /\$\.sink\.columns\["shop\.t\.n"\]: "scaledFloat" is for DECIMAL columns/);
});

test('JSON "flattened": flat_object on OpenSearch 2.7+, flattened on Elasticsearch 7.3+, refused below; objects only', () => {
  const j = columnRule(col('attrs', 'json', 'json'), { json: 'flattened' }, 'shop.t.attrs');
  assert.deepEqual(j.mapping, { type: 'flattened' });
  assert.deepEqual(mappingFor(j.mapping, OS, 'shop.t.attrs'), { type: 'flat_object' });
  assert.deepEqual(mappingFor(j.mapping, ES7, 'shop.t.attrs'), { type: 'flattened' });
  assert.throws(() => mappingFor(j.mapping, clusterInfoOf({ version: { distribution: 'opensearch', number: '2.5.0' } }), 'shop.t.attrs'), /needs OpenSearch 2\.7 or later/);
  assert.throws(() => mappingFor(j.mapping, clusterInfoOf({ version: { number: '7.2.1' } }), 'shop.t.attrs'), /needs Elasticsearch 7\.3 or later/);
  assert.equal(j.render('{"k": 18446744073709551615}', ''), '{"k": 18446744073709551615}');
  assert.throws(() => j.render('[1, 2]', 'shop.t row 2 column attrs'), /shop\.t row 2 column attrs: the JSON value \[1, 2\] is not an object.*"json": "object"/);
  // MariaDB's JSON too; "object" is the default rule.
  const m = columnRule(col('attrs', 'longtext', 'longtext', { jsonText: true, charset: 'utf8mb4' }), { json: 'flattened' }, 'shop.t.attrs');
  assert.equal(m.render('{"a": 1}', ''), '{"a": 1}');
  assert.deepEqual(columnRule(col('attrs', 'json', 'json'), { json: 'object' }, 'k').mapping, { type: 'object', enabled: false });
  assert.throws(() => columnRule(col('n', 'text', 'text'), { json: 'flattened' }, 'shop.t.n'), /"json" is for JSON columns/);
});

test('geometry "geo": GeoJSON in "<column>_geo" (geo_point for POINT, geo_shape otherwise) beside the exact base64 value', () => {
  const point = wkb(4326, 1, [13.404954, 52.520008]);
  assert.deepEqual(geometryGeoJson(point), { json: '{"type":"Point","coordinates":[13.404954,52.520008]}', type: 'Point', coordinates: '[13.404954,52.520008]' });
  const line = wkb(0, 2, Buffer.concat([u32(2), doubles(0, 0, 1.5, -2.25)]));
  assert.equal(geometryGeoJson(line).json, '{"type":"LineString","coordinates":[[0,0],[1.5,-2.25]]}');
  const poly = wkb(0, 3, Buffer.concat([u32(1), u32(4), doubles(0, 0, 1, 0, 1, 1, 0, 0)]));
  assert.equal(geometryGeoJson(poly).json, '{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}');
  const pointWkb = (x: number, y: number): Buffer => Buffer.concat([Buffer.from([1]), u32(1), doubles(x, y)]);
  const multi = wkb(0, 4, Buffer.concat([u32(2), pointWkb(1, 2), pointWkb(3, 4)]));
  assert.equal(geometryGeoJson(multi).json, '{"type":"MultiPoint","coordinates":[[1,2],[3,4]]}');
  const coll = wkb(0, 7, Buffer.concat([u32(1), pointWkb(0.1, 0.2)]));
  assert.equal(geometryGeoJson(coll).json, '{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[0.1,0.2]}]}');
  // The double's shortest exact digits: 0.1 + 0.2 stays 0.30000000000000004.
  assert.equal(geometryGeoJson(wkb(0, 1, [0.1 + 0.2, 0])).json, '{"type":"Point","coordinates":[0.30000000000000004,0]}');

  const p = columnRule(col('loc', 'point', 'point'), { geo: true }, 'shop.t.loc');
  assert.deepEqual(p.mapping, { type: 'binary' }, 'the column keeps its exact value');
  assert.equal(p.extra?.name, 'loc_geo');
  assert.deepEqual(p.extra?.mapping, { type: 'geo_point' });
  assert.deepEqual(columnRule(col('area', 'polygon', 'polygon'), { geo: true }, 'k').extra?.mapping, { type: 'geo_shape' });
  assert.equal(columnRule(col('area', 'polygon', 'polygon'), { geo: true }, 'k').extra!.render(poly, 'x'), '{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}');
  assert.equal(p.extra!.render(point, 'x'), '[13.404954,52.520008]', 'geo_point: the GeoJSON position [lon, lat]');
  // Unholdable: out of range, empty; stop naming it, or omit (null, ignore_malformed).
  const far = wkb(0, 1, [500, 10]);
  assert.throws(() => p.extra!.render(far, 'shop.t row 4 column loc'), /shop\.t row 4 column loc: the coordinate \(500 10\) is outside.*"unholdable": "omit"/);
  assert.throws(() => p.extra!.render(wkb(0, 7, u32(0)), 'x'), /an empty geometry collection/);
  assert.throws(() => p.extra!.render(wkb(0, 1, [NaN, NaN]), 'x'), /an empty point/);
  const omit = columnRule(col('loc', 'point', 'point'), { geo: true, unholdable: 'omit' }, 'shop.t.loc');
  assert.equal(omit.extra!.render(far, 'x'), 'null');
  assert.deepEqual(omit.extra!.mapping, { type: 'geo_point', ignore_malformed: true });
  assert.throws(() => columnRule(col('n', 'int', 'int'), { geo: true }, 'shop.t.n'), /"geo" is for geometry columns/);
  assert.throws(() => columnRule(col('loc', 'point', 'point'), { unholdable: 'omit' }, 'shop.t.loc'), /"unholdable" applies to the "geo" field/);

  // The document: the column's base64, then its GeoJSON field; NULL → null in both.
  const t = table([col('id', 'int', 'int'), col('loc', 'point', 'point')]);
  const shape = documentShape(t, 'shop.t', { 'shop.t.loc': { geo: true } });
  assert.equal(renderDocument(shape, ['1', point], () => 'row'), `{"id":1,"loc":${JSON.stringify(Buffer.from(point, 'latin1').toString('base64'))},"loc_geo":[13.404954,52.520008]}`);
  assert.equal(renderDocument(shape, ['2', null], () => 'row'), '{"id":2,"loc":null,"loc_geo":null}');
  // A column already named like the geo field is refused.
  assert.throws(() => tableRules(table([col('id', 'int', 'int'), col('loc', 'point', 'point'), col('loc_geo', 'int', 'int')]), { 'shop.t.loc': { geo: true } }), /geo field loc_geo would have the name of a column/);
});

test('index mappings: the choices per cluster, the extra fields declared, "mappings" and "columns" on one column refused', () => {
  const t = table([col('id', 'int', 'int'), col('price', 'decimal', 'decimal(10,2)'), col('attrs', 'json', 'json'), col('loc', 'geometry', 'geometry')]);
  const columns = { 'shop.t.price': { scaledFloat: 100 }, 'shop.t.attrs': { json: 'flattened' as const }, 'shop.t.loc': { geo: true } };
  const m = indexMappings(t, { mappings: {}, columns }, OS, {}) as { properties: Record<string, { type: string }> };
  assert.deepEqual(Object.keys(m.properties), ['id', 'price', 'attrs', 'loc', 'loc_geo']);
  assert.equal(m.properties.attrs!.type, 'flat_object');
  assert.equal(m.properties.loc_geo!.type, 'geo_shape');
  assert.equal((indexMappings(t, { mappings: {}, columns }, ES7, {}) as typeof m).properties.attrs!.type, 'flattened');
  assert.throws(() => indexMappings(t, { mappings: { 'shop.t.price': { type: 'double' } }, columns }, OS, {}), /"sink\.mappings" and "sink\.columns" both name shop\.t\.price/);
});

test('job file: "sink.columns" takes the choices and refuses unknown ones', () => {
  const base = { name: 'j', source: { url: 'mysql://u@h/x' }, tables: { include: ['shop.*'] }, mode: 'snapshot' };
  const cfg = parseJobConfig({ ...base, sink: { type: 'elasticsearch', url: 'http://127.0.0.1:9200', columns: { 'shop.t.price': { scaledFloat: 100 }, 'shop.t.loc': { geo: true, unholdable: 'omit' } } } });
  assert.equal(cfg.sink.type === 'elasticsearch' && cfg.sink.columns['shop.t.price']?.scaledFloat, 100);
  assert.throws(() => parseJobConfig({ ...base, sink: { type: 'elasticsearch', url: 'http://h:9200', columns: { 'shop.t.price': { scaled: 100 } } } }), /scaled/);
  assert.throws(() => parseJobConfig({ ...base, sink: { type: 'elasticsearch', url: 'http://h:9200', columns: { 'shop.t': { geo: true } } } }), /sink\.columns\["shop\.t"\]: Invalid key/);
});

/** An in-memory index mapping behind the two requests IndexLineage sends. */
function fakeCluster(meta: Record<string, unknown> | null) {
  const puts: unknown[] = [];
  const client = {
    cfg: { url: 'http://search:9200' },
    request: async (method: string, path: string, body?: unknown) => {
      if (meta === null) return { status: 404, body: {} };
      if (method === 'GET') return { status: 200, body: { [path.split('/')[0]!]: { mappings: { _meta: meta } } } };
      puts.push(body);
      meta = (body as { _meta: Record<string, unknown> })._meta;
      return { status: 200, body: {} };
    },
  } as unknown as SearchClient;
  return { client, puts, meta: () => meta };
}

test('RESET MASTER: a write from a lower binlog sequence than the index records stops with the reason and the fix', async () => {
  const v = (file: string, pos = 4) => externalVersion({ kind: 'mysql-binlog', file, pos });
  assert.equal(lineageProblem('i', null, 1n, 'http://h:9200'), null);
  assert.equal(lineageProblem('i', 42n, 42n, 'http://h:9200'), null);
  const e = lineageProblem('shop.t', 42n, 1n, 'http://h:9200/');
  assert.match(e!.message, /holds documents versioned from binlog file sequence 42.*now writes sequence 1: its binlog numbering started again \(RESET MASTER/);
  assert.match(e!.fix!, /curl -X DELETE 'http:\/\/h:9200\/shop\.t'.*--resnapshot.*RESET MASTER TO 43/);

  // The record is kept beside the copy's own _meta, raised only forward.
  const f = fakeCluster({ cutover: { source: 'shop.t', restore: { refresh_interval: null } } });
  const lineage = new IndexLineage(f.client);
  await lineage.check('shop.t', v('bin.000042', 100));
  await lineage.raise('shop.t', v('bin.000042', 100));
  assert.deepEqual(f.meta(), { cutover: { source: 'shop.t', restore: { refresh_interval: null }, binlog: { sequence: '42' } } });
  await lineage.raise('shop.t', v('bin.000042', 900));
  await lineage.raise('shop.t', v('bin.000007', 900));
  assert.equal(f.puts.length, 1, 'written once per new sequence, never lowered');
  await lineage.check('shop.t', v('bin.000042', 4));
  await lineage.check('shop.t', v('bin.000043', 4));
  // A new run (fresh cache) after RESET MASTER: mysql-bin.000001 is older than what the index holds.
  await assert.rejects(new IndexLineage(f.client).check('shop.t', v('bin.000001', 4)), /binlog file sequence 42 .* sequence 1/);
  // An index that does not exist yet (or never recorded one) takes any sequence.
  await new IndexLineage(fakeCluster(null).client).check('x', v('bin.000001'));
  await new IndexLineage(fakeCluster({}).client).check('x', v('bin.000001'));
});
