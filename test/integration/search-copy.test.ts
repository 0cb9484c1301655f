// The Elasticsearch/OpenSearch sink's copy (mode "snapshot") into both flavours, each a real server from
// Maven Central's test distributions (scripts/search-server.mjs, started here; a server that cannot start
// fails the file). test/fixtures/types.sql is copied with `cutover run` and every document is read back by
// an independent reader (test/helpers/search-reader.py: python3 + the mariadb client) against the source's
// text form by the documented rules; the index's mappings and restored settings; a keyless table refused by
// name; and SIGKILL during a copy, resumed, ending exact.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ROOT, describeRun, exec, q, query, runCliWithTimeout, sourceUrl, startCli, tempDir, uniqueName, writeJob, type CliResult } from '../helpers/db.js';
import { testProfile } from '../../engine/connections/connection-test.js';
import { FLAVOURS, NOT_IN_CORPUS, readBack, searchJob, searchRequest, startSearchServers, stopSearchServer, type SearchInstance } from '../helpers/search.js';

const RUN_TIMEOUT_MS = 8 * 60_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
async function copy(dir: string, name: string, job: unknown): Promise<CliResult> {
  const path = writeJob(dir, job, `${name}.json`);
  return runCliWithTimeout(['run', path, '--state', join(dir, `${name}.db`)], RUN_TIMEOUT_MS);
}

function assertExact(inst: SearchInstance, db: string, tables: string[]): void {
  const r = readBack(inst, db, tables.map((t) => ({ table: t, index: `${db}.${t}` })));
  assert.ok(r.ok, r.report);
  // Every table was read: one summary line each.
  assert.equal((r.report.match(/: \d+ rows, \d+ documents, 0 differences$/gm) ?? []).length, tables.length, r.report);
}

let servers = new Map<string, SearchInstance>();

before(async () => {
  servers = await startSearchServers();
}, { timeout: 20 * 60_000 });

after(async () => {
  await Promise.all([...servers.values()].map((inst) => stopSearchServer(inst)));
});

describe('search sink: the exactness corpus into OpenSearch and Elasticsearch', { timeout: 30 * 60_000 }, () => {
  const srcDb = uniqueName('esx');
  const dir = tempDir('cutover-search-');
  let tables: string[] = [];

  before(async () => {
    const sql = readFileSync(join(ROOT, 'test/fixtures/types.sql'), 'utf8');
    await exec(sourceUrl(), `CREATE DATABASE ${q(srcDb)} CHARACTER SET utf8mb4; USE ${q(srcDb)};\n${sql}`);
    tables = (await query<{ t: string }>(sourceUrl(), "SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY 1", [srcDb])).map((r) => String(r.t));
    assert.ok(tables.length >= 40, `the fixture created ${tables.length} tables`);
  });

  after(async () => {
    await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(srcDb)}`).catch(() => undefined);
    for (const inst of servers.values()) await searchRequest(inst, 'DELETE', `${srcDb}.*`).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  for (const flavour of FLAVOURS) {
    it(`${flavour}: every document's _id and _source equal the source rows by the documented rules (100-row chunks, 3 workers)`, async () => {
      const inst = servers.get(flavour)!;
      const r = await copy(dir, `corpus-${flavour}`, searchJob(`search-corpus-${flavour}`, inst, [`${srcDb}.*`], NOT_IN_CORPUS.map((t) => `${srcDb}.${t}`)));
      assert.equal(r.code, 0, describeRun(r));
      assert.match(r.stdout + r.stderr, flavour === 'opensearch' ? /sink: OpenSearch 2\.19\.1/ : /sink: Elasticsearch 7\.17\.10/);
      assertExact(inst, srcDb, tables.filter((t) => !NOT_IN_CORPUS.includes(t)));
      // The explicit mappings, and the settings restored after the copy (refresh back to the default).
      const m = await searchRequest(inst, 'GET', `${srcDb}.t_big_unsigned_pk/_mapping`);
      const props = m.body[`${srcDb}.t_big_unsigned_pk`].mappings.properties;
      assert.equal(props.id.type, 'keyword', JSON.stringify(props));
      const dt = await searchRequest(inst, 'GET', `${srcDb}.t_datetime/_mapping`);
      const dprops = dt.body[`${srcDb}.t_datetime`].mappings.properties as Record<string, { type: string; format?: string }>;
      assert.ok(Object.values(dprops).some((p) => p.type === 'date' && p.format === 'yyyy-MM-dd HH:mm:ss.SSSSSS'), JSON.stringify(dprops));
      const s = await searchRequest(inst, 'GET', `${srcDb}.t_int/_settings`);
      const idx = s.body[`${srcDb}.t_int`].settings.index;
      assert.equal(idx.refresh_interval, undefined, `refresh_interval still set: ${JSON.stringify(idx)}`);
      assert.equal(idx.number_of_replicas, '0');
      // The log says what the finish step did, not indexes it never added.
      assert.match(r.stdout + r.stderr, new RegExp(`restored the settings of index ${srcDb}\\.t_int \\([^)]*refresh_interval default[^)]*\\) and refreshed it after the copy`));
      assert.doesNotMatch(r.stdout + r.stderr, /secondary index/);
    });
  }

  it('refuses a table without a key, naming it and the fix', async () => {
    const inst = servers.get('opensearch')!;
    const r = await copy(dir, 'keyless', searchJob('search-keyless', inst, [`${srcDb}.t_no_key`]));
    assert.notEqual(r.code, 0, describeRun(r));
    assert.match(r.stdout + r.stderr, new RegExp(`${srcDb}\\.t_no_key has no primary key or NOT NULL unique key`));
    assert.match(r.stdout + r.stderr, /ADD PRIMARY KEY/);
    const e = await searchRequest(inst, 'HEAD', `${srcDb}.t_no_key`);
    assert.equal(e.status, 404, 'no index created for the refused table');
  });
});

/** Chunks done in the copying phase by process `pid`, from the state file (read-only, for timing only). */
function chunksDone(stateFile: string, pid: number | undefined): number {
  if (!existsSync(stateFile)) return -1;
  let db: Database.Database | null = null;
  try {
    db = new Database(stateFile, { readonly: true, fileMustExist: true });
    const j = db.prepare('SELECT pid, phase FROM jobs LIMIT 1').get() as { pid: number | null; phase: string } | undefined;
    if (!j || j.pid !== pid || j.phase !== 'copying') return -1;
    return (db.prepare('SELECT COALESCE(SUM(chunks_done), 0) AS d FROM job_tables').get() as { d: number }).d;
  } catch {
    return -1;
  } finally {
    db?.close();
  }
}

describe('search sink: SIGKILL during the copy, then resume', { timeout: 20 * 60_000 }, () => {
  const srcDb = uniqueName('esrs');
  const dir = tempDir('cutover-search-resume-');

  before(async () => {
    const d = q(srcDb);
    await exec(
      sourceUrl(),
      `CREATE DATABASE ${d} CHARACTER SET utf8mb4; USE ${d};
       CREATE TABLE t_int (id INT NOT NULL PRIMARY KEY, a VARCHAR(40), b BIGINT UNSIGNED, c DECIMAL(20,6), d DATETIME(6), e DOUBLE, f FLOAT) ENGINE=InnoDB;
       INSERT INTO t_int SELECT seq, CONCAT('row-', seq, REPEAT('é', seq % 17)), seq * 4294967311, seq / 7, '2020-01-01' + INTERVAL seq * 37 SECOND + INTERVAL seq MICROSECOND, seq / 3e0, seq / 9e0 FROM seq_1_to_12000;
       CREATE TABLE t_comp (k VARCHAR(20) NOT NULL, n INT NOT NULL, v VARCHAR(40), PRIMARY KEY (k, n)) ENGINE=InnoDB;
       INSERT INTO t_comp SELECT CONCAT(ELT(seq % 5 + 1, 'abc', '[x', 'Abc', 'ébc', ''), seq DIV 2800), seq, MD5(seq) FROM seq_1_to_8000;`,
    );
  });

  after(async () => {
    await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(srcDb)}`).catch(() => undefined);
    await searchRequest(servers.get('opensearch')!, 'DELETE', `${srcDb}.*`).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  // 20,000 rows in 200-row chunks: 100 chunks (60 + 40), killed after 5 to 44 of them.
  it('a copy killed with SIGKILL at a random chunk resumes and ends with every document equal to its row', async () => {
    const inst = servers.get('opensearch')!;
    const path = writeJob(dir, searchJob('search-resume', inst, [`${srcDb}.*`], [], { chunkRows: 200, parallelism: 2 }), 'resume.json');
    const state = join(dir, 'resume.db');
    const killAt = 5 + Math.floor(Math.random() * 40);
    const { child, done } = startCli(['run', path, '--state', state]);
    const guard = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    let exited = false;
    void done.then(() => (exited = true));
    while (!exited) {
      if (chunksDone(state, child.pid) >= killAt) {
        child.kill('SIGKILL');
        break;
      }
      await sleep(5);
    }
    const first = await done;
    clearTimeout(guard);
    assert.equal(first.signal, 'SIGKILL', `the copy ended before chunk ${killAt}: ${describeRun(first)}`);
    const r = await runCliWithTimeout(['run', path, '--state', state], RUN_TIMEOUT_MS);
    assert.equal(r.code, 0, describeRun(r));
    assertExact(inst, srcDb, ['t_int', 't_comp']);
  });
});

// scaled_float (the mapper-extras module) and geo_shape (x-pack spatial / OpenSearch's geo module) are not in
// Maven Central's integration-test zips (they carry transport-netty4 only): their mappings are checked by
// test/unit/search-mappings.test.ts; geo_point and flat_object are in the servers' core.
describe('search sink: per-column choices (flat_object, geo_point)', { timeout: 20 * 60_000 }, () => {
  const srcDb = uniqueName('esopt');
  const dir = tempDir('cutover-search-options-');

  before(async () => {
    await exec(
      sourceUrl(),
      `CREATE DATABASE ${q(srcDb)} CHARACTER SET utf8mb4; USE ${q(srcDb)};
       CREATE TABLE shop (id INT NOT NULL PRIMARY KEY, price DECIMAL(12,2), attrs JSON, loc POINT, area POLYGON, far POINT) ENGINE=InnoDB;
       INSERT INTO shop VALUES
         (1, 19.99, '{"color": "red", "big": 18446744073709551615}', ST_PointFromText('POINT(13.404954 52.520008)'), ST_PolygonFromText('POLYGON((0 0, 10 0, 10 10, 0 10, 0 0))'), ST_PointFromText('POINT(500 10)')),
         (2, 1000.50, '{"color": "blue"}', ST_PointFromText('POINT(-0.1278 51.5074)'), NULL, ST_PointFromText('POINT(1 1)')),
         (3, NULL, NULL, NULL, NULL, NULL);`,
    );
  });

  after(async () => {
    await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(srcDb)}`).catch(() => undefined);
    for (const inst of servers.values()) await searchRequest(inst, 'DELETE', `${srcDb}.*`).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  for (const flavour of FLAVOURS) {
    it(`${flavour}: _source keeps the exact values; the extra fields answer term and geo queries; an unholdable geo value is omitted by policy`, async () => {
      const inst = servers.get(flavour)!;
      const t = `${srcDb}.shop`;
      const job = searchJob(`search-options-${flavour}`, inst, [t]) as { sink: Record<string, unknown> };
      // The test distribution of Elasticsearch 7.17 has no x-pack mapper-flattened module: flattened there is a real cluster's choice, not this one's.
      job.sink.columns = {
        [`${t}.attrs`]: { json: flavour === 'opensearch' ? 'flattened' : 'object' },
        [`${t}.loc`]: { geo: true },
        [`${t}.far`]: { geo: true, unholdable: 'omit' },
      };
      const r = await copy(dir, `options-${flavour}`, job);
      assert.equal(r.code, 0, describeRun(r));
      const ix = encodeURIComponent(t);
      const m = (await searchRequest(inst, 'GET', `${ix}/_mapping`)).body[t].mappings.properties;
      assert.equal(m.attrs.type, flavour === 'opensearch' ? 'flat_object' : 'object');
      assert.equal(m.loc_geo.type, 'geo_point');
      assert.equal(m.area_geo, undefined, 'no geo field where none was chosen');
      const doc = (await searchRequest(inst, 'GET', `${ix}/_doc/1`)).body._source;
      assert.equal(doc.price, '19.99');
      assert.equal(doc.attrs.color, 'red');
      assert.deepEqual(doc.loc_geo, [13.404954, 52.520008]);
      assert.equal(doc.far_geo, null, 'POINT(500 10) is no longitude: omitted by the policy');
      assert.equal(typeof doc.far, 'string', 'the exact value stays');
      const ids = async (query: unknown): Promise<string[]> => ((await searchRequest(inst, 'POST', `${ix}/_search`, { query })).body.hits.hits as { _id: string }[]).map((h) => h._id).sort();
      if (flavour === 'opensearch') assert.deepEqual(await ids({ term: { 'attrs.color': 'blue' } }), ['2']);
      assert.deepEqual(await ids({ geo_distance: { distance: '10km', loc_geo: { lat: 52.52, lon: 13.405 } } }), ['1']);
      // A saved connection's Test names the flavour and version the cluster answered with.
      const tested = await testProfile({ kind: 'elasticsearch', name: 'c', url: inst.url, auth: 'none' }, {});
      assert.equal(tested.ok, true, tested.message);
      assert.deepEqual(tested.search, flavour === 'opensearch' ? { flavour: 'opensearch', version: '2.19.1' } : { flavour: 'elasticsearch', version: '7.17.10' });
      // Verification renders the same extra fields, and finds the index equal.
      const v = await runCliWithTimeout(['verify', join(dir, `options-${flavour}.json`), '--state', join(dir, `options-${flavour}.db`)], RUN_TIMEOUT_MS);
      assert.equal(v.code, 0, describeRun(v));
    });
  }

  it('a geo value the field cannot hold stops the copy naming the row and column, with the policy that lets it through', async () => {
    const inst = servers.get('opensearch')!;
    const t = `${srcDb}.shop`;
    const job = searchJob('search-options-stop', inst, [t]) as { sink: Record<string, unknown>; name: string };
    job.sink.index = 'stop-{table}';
    job.sink.columns = { [`${t}.far`]: { geo: true } };
    const r = await copy(dir, 'options-stop', job);
    assert.notEqual(r.code, 0, describeRun(r));
    assert.match(r.stdout + r.stderr, /column far: the coordinate \(500 10\) is outside/);
    assert.match(r.stdout + r.stderr, /"unholdable": "omit"/);
    await searchRequest(inst, 'DELETE', 'stop-shop').catch(() => undefined);
  });
});
