// PostGIS geometry in the PostgreSQL sink: the type rule (postgis extension present or not, SRID
// attribute), the values written into a geometry column (hex EWKB; refused by name when PostGIS would
// refuse them), the verification rule and the GiST index of a SPATIAL key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CutoverError } from '../../shared/errors.js';
import type { ColumnInfo, CopyTable, TableInfo } from '../../engine/core/tables.js';
import { pgColumnType } from '../../engine/sink/postgres/types.js';
import { columnSrid, ewkbProblem, ewkbSrid, postgisType } from '../../engine/sink/postgres/postgis.js';
import { mysqlGeometryToEwkb, pgText, pgTextEncoder, type ValueContext } from '../../engine/sink/postgres/values.js';
import { canonicalRule } from '../../engine/sink/postgres/canonical.js';
import { planTable } from '../../engine/sink/postgres/ddl.js';
import { column } from '../helpers/columns.js';

const ctx = (policy: ValueContext['policy'] = 'stop'): ValueContext => ({ table: 'geo.t', key: () => '(id) = (7)', policy });
const hexRaw = (h: string): string => Buffer.from(h, 'hex').toString('latin1');
const POINT_WKB = '0101000000000000000000F03F0000000000000040'; // POINT(1 2), little-endian

test('spatial columns: bytea without the extension; geometry with it, typed by the SRID attribute', () => {
  const g = column('g', 'geometry', { columnType: 'geometry' });
  const p = column('p', 'point', { columnType: 'point' });
  assert.equal(pgColumnType(g).sql, 'bytea');
  assert.equal(pgColumnType(p, { postgis: false, srid: 4326 }).sql, 'bytea');
  assert.equal(pgColumnType(g, { postgis: true }).sql, 'geometry');
  assert.equal(pgColumnType(p, { postgis: true, srid: null }).sql, 'geometry');
  assert.equal(pgColumnType(p, { postgis: true, srid: 4326 }).sql, 'geometry(Point,4326)');
  assert.equal(pgColumnType(g, { postgis: true, srid: 0 }).sql, 'geometry(Geometry,0)');
  // A job file override wins over both rules.
  assert.equal(pgColumnType(p, { postgis: true, srid: 4326, override: 'bytea' }).sql, 'bytea');
  for (const [t, sub] of [['linestring', 'LineString'], ['polygon', 'Polygon'], ['multipoint', 'MultiPoint'], ['multilinestring', 'MultiLineString'], ['multipolygon', 'MultiPolygon'], ['geometrycollection', 'GeometryCollection'], ['geomcollection', 'GeometryCollection']] as const)
    assert.equal(postgisType({ dataType: t }, 3857), `geometry(${sub},3857)`);
});

test('the SRID attribute is read from MySQL (SRID n) and MariaDB (REF_SYSTEM_ID=n) CREATE TABLE', () => {
  const sql = [
    'CREATE TABLE `t` (',
    '  `id` int NOT NULL,',
    '  `g4326` geometry DEFAULT NULL REF_SYSTEM_ID=4326,',
    '  `p` point NOT NULL /*!80003 SRID 3857 */,',
    '  `plain` geometry DEFAULT NULL,',
    '  `we``ird` point DEFAULT NULL REF_SYSTEM_ID=2193,',
    '  PRIMARY KEY (`id`)',
    ') ENGINE=InnoDB',
  ].join('\n');
  assert.equal(columnSrid(sql, 'g4326'), 4326);
  assert.equal(columnSrid(sql, 'p'), 3857);
  assert.equal(columnSrid(sql, 'plain'), null);
  assert.equal(columnSrid(sql, 'we`ird'), 2193);
  assert.equal(columnSrid(sql, 'missing'), null);
});

test('a geometry column gets hex EWKB (no \\x); a bytea column keeps \\x-hex', () => {
  const g = column('g', 'geometry', { columnType: 'geometry' });
  assert.equal(pgTextEncoder(g, { srid: 0 })(hexRaw('E6100000' + POINT_WKB), ctx()), '0101000020e6100000000000000000f03f0000000000000040');
  assert.equal(pgTextEncoder(g, { srid: 0 })(hexRaw('00000000' + POINT_WKB), ctx()), POINT_WKB.toLowerCase());
  assert.equal(pgTextEncoder(g, { srid: 4326 })(hexRaw('E6100000' + POINT_WKB), ctx()), '0101000020e6100000000000000000f03f0000000000000040');
  // The same column object without PostGIS: bytea (the encoders of the two targets are not mixed up).
  assert.equal(pgText(g, hexRaw('00000000' + POINT_WKB), ctx()), '\\x' + POINT_WKB.toLowerCase());
  // GEOMETRYCOLLECTION EMPTY with SRID 0: byte order, type 7, no members.
  assert.equal(pgTextEncoder(g, { srid: 0 })(hexRaw('00000000' + '010700000000000000'), ctx()), '010700000000000000');
  assert.equal(pgTextEncoder(g, { srid: 0 })(null, ctx()), null);
});

test('a geometry PostGIS would refuse stops naming table, column and key (or follows the "null" policy)', () => {
  const g = column('g', 'geometry', { columnType: 'geometry' });
  const enc = pgTextEncoder(g, { srid: 4326 });
  // SRID 0 in a geometry(…,4326) column: MariaDB does not enforce REF_SYSTEM_ID.
  assert.throws(
    () => enc(hexRaw('00000000' + POINT_WKB), ctx()),
    (e: unknown) => e instanceof CutoverError && e.code === 'SINK_ROW' && /geo\.t/.test(e.message) && /\(id\) = \(7\)/.test(e.message) && /column g/.test(e.message) && /SRID 0/.test(e.message),
  );
  assert.equal(enc(hexRaw('00000000' + POINT_WKB), ctx('null')), null);
  // An open polygon ring.
  const open = '01030000000100000004000000' + ['0000000000000000', '0000000000000000', '000000000000F03F', '0000000000000000', '000000000000F03F', '000000000000F03F', '0000000000000040', '0000000000000040'].join('');
  assert.throws(() => pgTextEncoder(g, { srid: 0 })(hexRaw('00000000' + open), ctx()), /PostGIS refuses this geometry: a polygon ring is not closed/);
});

test('the WKB check: counts, closure, minimum points, trailing bytes, both byte orders, SRID read', () => {
  const ok = (h: string): string | null => ewkbProblem(Buffer.from(h, 'hex'));
  assert.equal(ok(POINT_WKB), null);
  assert.equal(ok('00000000013FF00000000000004000000000000000'), null); // big-endian POINT(1 2)
  assert.equal(ok('010700000000000000'), null);
  assert.match(ok(POINT_WKB.slice(0, -2)) ?? '', /ends early/);
  assert.match(ok(POINT_WKB + '00') ?? '', /1 bytes follow/);
  assert.match(ok('010200000001000000' + '0000000000000000'.repeat(2)) ?? '', /at least 2 points/);
  assert.match(ok('010900000000000000') ?? '', /type 9/);
  assert.match(ok('02' + POINT_WKB.slice(2)) ?? '', /byte order 2/);
  const ewkb = mysqlGeometryToEwkb(hexRaw('E6100000' + POINT_WKB));
  assert.equal(ewkbSrid(ewkb), 4326);
  assert.equal(ewkbSrid(Buffer.from(POINT_WKB, 'hex')), 0);
  assert.equal(ewkbProblem(ewkb), null);
});

test('verification compares PostGIS geometry as its little-endian EWKB', () => {
  const g = column('g', 'point', { columnType: 'point' });
  const r = canonicalRule(g, 'geometry', 'stop');
  assert.equal(r.family, 'GEOMETRY → PostGIS geometry (EWKB)');
  assert.equal(r.pg, `ST_AsEWKB("g", 'NDR')`);
  assert.equal(r.mysql, canonicalRule(g, 'bytea', 'stop').mysql);
  assert.equal(canonicalRule(g, 'text', 'stop').family, 'text of the value');
});

function table(createSql: string, columns: ColumnInfo[]): CopyTable {
  const source: TableInfo = { db: 'geo', table: 'places', columns, chunkKey: ['id'], chunkKeyName: 'PRIMARY', engine: 'InnoDB', estimatedRows: 0, dataBytes: 0, createSql, systemVersioned: false };
  return { stateId: 1, source, sink: { db: 'geo', table: 'places' }, columns, keyColumns: columns.slice(0, 1) };
}

test('CREATE TABLE with PostGIS: typed and plain geometry columns, a SPATIAL key as a GiST index after the load', () => {
  const sql = ['CREATE TABLE `places` (', '  `id` int(11) NOT NULL,', '  `loc` point NOT NULL REF_SYSTEM_ID=4326,', '  `area` polygon DEFAULT NULL,', '  PRIMARY KEY (`id`),', '  SPATIAL KEY `sp_loc` (`loc`)', ') ENGINE=InnoDB'].join('\n');
  const cols = [column('id', 'int', { columnType: 'int(11)', nullable: false }), column('loc', 'point', { columnType: 'point', nullable: false }), column('area', 'polygon', { columnType: 'polygon' })];
  const withPostgis = planTable(table(sql, cols), { policy: 'stop', types: {}, postgis: true });
  const create = withPostgis.create.join('\n');
  assert.match(create, /"loc" geometry\(Point,4326\) NOT NULL/);
  assert.match(create, /"area" geometry,|"area" geometry\n|"area" geometry$/m);
  assert.ok(withPostgis.deferred.some((s) => /USING gist \("loc"\)/.test(s)), withPostgis.deferred.join('\n'));
  const without = planTable(table(sql, cols), { policy: 'stop', types: {} });
  assert.match(without.create.join('\n'), /"loc" bytea NOT NULL/);
  assert.ok(!without.deferred.some((s) => /gist/.test(s)));
  assert.ok(without.warnings.some((w) => /spatial index sp_loc not created .*postgis/.test(w)), without.warnings.join('\n'));
});
