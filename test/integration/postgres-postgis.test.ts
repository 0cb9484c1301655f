// MariaDB spatial columns into a PostgreSQL database that has the postgis extension, through the CLI:
// the geometry rows of the exactness corpus (test/fixtures/types.sql, t_geo) and a table with a typed
// POINT column and a SPATIAL key copy and stream ("mode": "snapshot+stream") into PostGIS `geometry`
// columns; psql reads each value back (ST_AsEWKB little-endian, ST_SRID) and it equals MySQL's bytes and
// SRID; `cutover verify` finds the tables equal and names a geometry changed on the sink; a geometry whose
// SRID is not the column's (MariaDB does not enforce REF_SYSTEM_ID) stops the copy naming table, column and key.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, describeRun, exec, q, query, runCliWithTimeout, sourceUrl, tempDir, uniqueName, writeJob } from '../helpers/db.js';
import { createPgDatabase, type PgTestDatabase } from '../helpers/postgres.js';
import { ewkbHex } from '../helpers/pg-compare.js';
import { runVerify, verifyReport } from '../helpers/verify.js';

const RUN_TIMEOUT_MS = 5 * 60_000;

/** The spatial section of the exactness corpus (CREATE TABLE t_geo and its rows). */
function corpusGeo(): string {
  const sql = readFileSync(join(ROOT, 'test/fixtures/types.sql'), 'utf8');
  const start = sql.indexOf('-- ---------------------------------------------------------------- spatial');
  const end = sql.indexOf('-- ----------------------------------------------------------------', start + 10);
  assert.ok(start >= 0 && end > start, 'the spatial section of test/fixtures/types.sql');
  return sql.slice(start, end);
}

const GEO_COLUMNS: Record<string, string[]> = { t_geo: ['g', 'p', 'pg', 'g4326', 'gc'], t_places: ['loc', 'area'] };

/** Every geometry of the source table against the sink's, value by value: EWKB bytes and SRID (psql reads the sink). */
async function assertGeometriesEqual(pg: PgTestDatabase, srcDb: string, schema: string, table: string, when: string): Promise<number> {
  const cols = GEO_COLUMNS[table]!;
  const src = await query<Record<string, string | null>>(
    sourceUrl(),
    `SELECT CAST(id AS CHAR) AS id, ${cols.map((c) => `HEX(${q(c)}) AS ${q(c)}, CAST(ST_SRID(${q(c)}) AS CHAR) AS ${q(`${c}_srid`)}`).join(', ')} FROM ${q(srcDb)}.${q(table)} ORDER BY id`,
  );
  const sink = await pg.rows(
    `SELECT id::text, ${cols.map((c) => `upper(encode(ST_AsEWKB("${c}", 'NDR'), 'hex')), ST_SRID("${c}")::text`).join(', ')} FROM "${schema}"."${table}" ORDER BY id`,
  );
  assert.deepEqual(sink.map((r) => r[0]), src.map((r) => r.id), `${table} ${when}: the same keys`);
  const problems: string[] = [];
  src.forEach((s, i) => {
    cols.forEach((c, j) => {
      const want = s[c] === null ? [null, null] : [ewkbHex(s[c]!), s[`${c}_srid`]];
      const got = [sink[i]![1 + 2 * j]!, sink[i]![2 + 2 * j]!];
      if (want[0] !== got[0] || want[1] !== got[1]) problems.push(`${table} id ${s.id} ${c}: source ${JSON.stringify(want)}, sink ${JSON.stringify(got)}`);
    });
  });
  assert.deepEqual(problems, [], `${table} ${when}`);
  return src.length;
}

describe('PostgreSQL sink with PostGIS: geometry copied, streamed and verified exactly', { timeout: 15 * 60_000 }, () => {
  const srcDb = uniqueName('pgis');
  const schema = `${srcDb}_pg`;
  const dir = tempDir('cutover-postgis-');
  const state = join(dir, 'state.db');
  let pg: PgTestDatabase;
  let jobFile = '';

  before(async () => {
    await exec(
      sourceUrl(),
      `CREATE DATABASE ${q(srcDb)} CHARACTER SET utf8mb4; USE ${q(srcDb)};
${corpusGeo()}
CREATE TABLE t_places (id INT NOT NULL PRIMARY KEY, loc POINT REF_SYSTEM_ID = 4326 NOT NULL, area POLYGON NULL, SPATIAL KEY sp_loc (loc)) ENGINE = InnoDB;
INSERT INTO t_places VALUES (1, ST_GeomFromText('POINT(13.4050 52.5200)', 4326), NULL),
  (2, ST_GeomFromText('POINT(-73.9857 40.7484)', 4326), ST_GeomFromText('POLYGON((0 0, 4 0, 4 4, 0 4, 0 0))', 4326));`,
    );
    pg = await createPgDatabase('pgis');
    await pg.rows('CREATE EXTENSION postgis').catch(async (e: Error) => {
      const major = String(await pg.value('SHOW server_version_num')).slice(0, -4);
      throw new Error(`${e.message}\nThe test cluster has no PostGIS: sudo apt-get install -y postgresql-${major}-postgis-3 (bash .ci/run installs it)`);
    });
    jobFile = writeJob(dir, {
      name: uniqueName('pgis_job'),
      source: { url: sourceUrl() },
      sink: { type: 'postgres', url: pg.url },
      tables: { include: [`${srcDb}.t_geo`, `${srcDb}.t_places`] },
      rename: { [srcDb]: schema },
      mode: 'snapshot+stream',
      snapshot: { chunkRows: 100 },
      stream: { batch: { maxDelayMs: 50 } },
    });
  });

  after(async () => {
    await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(srcDb)}`).catch(() => undefined);
    await pg?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = () => runCliWithTimeout(['run', jobFile, '--state', state, '--exit-when-caught-up'], RUN_TIMEOUT_MS);

  it('copies into geometry columns, typed by the SRID attribute, with a GiST index for the SPATIAL key', async () => {
    const r = await run();
    assert.equal(r.code, 0, describeRun(r));
    const types = new Map(
      (
        await pg.rows(
          `SELECT c.relname || '.' || a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '${schema}' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped`,
        )
      ).map((x) => [x[0]!, x[1]!]),
    );
    assert.equal(types.get('t_geo.g'), 'geometry');
    assert.equal(types.get('t_geo.p'), 'geometry');
    assert.equal(types.get('t_geo.gc'), 'geometry');
    assert.equal(types.get('t_geo.g4326'), 'geometry(Geometry,4326)');
    assert.equal(types.get('t_places.loc'), 'geometry(Point,4326)');
    assert.equal(types.get('t_places.area'), 'geometry');
    const gist = await pg.value(`SELECT indexdef FROM pg_indexes WHERE schemaname = '${schema}' AND tablename = 't_places' AND indexdef LIKE '%USING gist%'`);
    assert.match(gist ?? '', /USING gist \(loc\)/);
    assert.equal(await assertGeometriesEqual(pg, srcDb, schema, 't_geo', 'after the copy'), 4);
    assert.equal(await assertGeometriesEqual(pg, srcDb, schema, 't_places', 'after the copy'), 2);
    // Empty geometries and SRID 0 arrive as PostGIS reads them.
    assert.equal(await pg.value(`SELECT ST_AsText(gc) || ' ' || ST_SRID(gc) FROM "${schema}".t_geo WHERE id = 2`), 'GEOMETRYCOLLECTION EMPTY 0');
  });

  it('streams inserts, updates and deletes of geometries exactly (big-endian WKB input, empty collections, SRID 0)', async () => {
    const d = q(srcDb);
    await exec(
      sourceUrl(),
      `INSERT INTO ${d}.t_geo VALUES (10, ST_GeomFromWKB(X'00000000013FF00000000000004000000000000000', 3857), ST_GeomFromText('POINT(1e-300 -1e300)', 0),
          ST_GeomFromText('POLYGON((0 0, 2 0, 2 2, 0 0), (0.5 0.2, 1 0.2, 1 0.7, 0.5 0.2))', 4326), ST_GeomFromText('MULTILINESTRING((0 0, 1 1), (2 2, 3 3, 4 5))', 4326),
          ST_GeomFromText('GEOMETRYCOLLECTION(POLYGON((0 0, 1 0, 1 1, 0 0)), GEOMETRYCOLLECTION EMPTY)', 0));
       UPDATE ${d}.t_geo SET p = ST_GeomFromText('POINT(-0.5 0.25)', 2193), g4326 = NULL WHERE id = 1;
       UPDATE ${d}.t_geo SET g = ST_GeomFromText('GEOMETRYCOLLECTION EMPTY', 4326) WHERE id = 3;
       DELETE FROM ${d}.t_geo WHERE id = 4;
       INSERT INTO ${d}.t_places VALUES (3, ST_GeomFromText('POINT(151.2093 -33.8688)', 4326), ST_GeomFromText('POLYGON((1 1, 2 1, 2 2, 1 1))', 4326));
       UPDATE ${d}.t_places SET loc = ST_GeomFromText('POINT(0 0)', 4326), id = 20 WHERE id = 1;`,
    );
    const r = await run();
    assert.equal(r.code, 0, describeRun(r));
    assert.equal(await assertGeometriesEqual(pg, srcDb, schema, 't_geo', 'after the stream'), 4);
    assert.equal(await assertGeometriesEqual(pg, srcDb, schema, 't_places', 'after the stream'), 3);
  });

  it('verify finds the geometry tables equal, then names a geometry changed on the sink', async () => {
    const ok = await runVerify(jobFile, state, ['--json'], RUN_TIMEOUT_MS);
    assert.equal(ok.code, 0, describeRun(ok));
    const good = verifyReport(ok);
    assert.equal(good.state, 'pass');
    assert.deepEqual(good.tables.map((t) => t.state), ['match', 'match']);
    // The same point with another SRID, and a coordinate one ulp away: both differences are named.
    await pg.rows(
      `UPDATE "${schema}".t_geo SET p = ST_SetSRID(p, 4326) WHERE id = 1;
       UPDATE "${schema}".t_places SET loc = ST_SetSRID(ST_MakePoint(-73.9857, 40.748400000000004), 4326) WHERE id = 2`,
    );
    const bad = await runVerify(jobFile, state, ['--json'], RUN_TIMEOUT_MS);
    assert.equal(bad.code, 1, describeRun(bad));
    const rep = verifyReport(bad);
    const byTable = new Map(rep.tables.map((t) => [t.table.split('.').pop()!, t]));
    assert.deepEqual(byTable.get('t_geo')!.mismatches.map((m) => [m.kind, m.key, (m.columns ?? []).map((c) => c.name)]), [['different', { id: '1' }, ['p']]]);
    assert.deepEqual(byTable.get('t_places')!.mismatches.map((m) => [m.kind, m.key, (m.columns ?? []).map((c) => c.name)]), [['different', { id: '2' }, ['loc']]]);
  });

  it('a geometry whose SRID is not the typed column\'s stops the copy naming table, column and key', async () => {
    const d = q(srcDb);
    await exec(sourceUrl(), `CREATE TABLE ${d}.t_srid (id INT NOT NULL PRIMARY KEY, g GEOMETRY REF_SYSTEM_ID = 4326 NULL) ENGINE = InnoDB;
      INSERT INTO ${d}.t_srid VALUES (1, ST_GeomFromText('POINT(1 1)', 4326)), (2, ST_GeomFromText('POINT(2 2)', 0));`);
    const job = writeJob(dir, {
      name: uniqueName('pgis_srid'),
      source: { url: sourceUrl() },
      sink: { type: 'postgres', url: pg.url },
      tables: { include: [`${srcDb}.t_srid`] },
      rename: { [srcDb]: schema },
      mode: 'snapshot',
    }, 'srid.json');
    const r = await runCliWithTimeout(['run', job, '--state', join(dir, 'srid.db')], RUN_TIMEOUT_MS);
    assert.notEqual(r.code, 0, describeRun(r));
    const out = r.stdout + r.stderr;
    assert.match(out, new RegExp(`${schema}\\.t_srid`));
    assert.match(out, /column g\b/);
    assert.match(out, /\(id\) = \(2\)|id.{0,5}2/);
    assert.match(out, /SRID 0 is not the SRID 4326/);
  });
});
