// A real-world-shaped schema into PostgreSQL (mode "snapshot"): test/fixtures/sample-shop.sql copied with
// `cutover run` under a rename, then read through psql: every source foreign key exists on the sink with
// its columns, referenced table and actions (deferrable, initially deferred), row counts are equal, and
// the log names each view, trigger and routine as not translated. A second job appending to the same
// schema finds the keys already there (no duplicates); a third copies keys that cannot be created (a
// referenced table outside the job, orphan rows) and names each with the reason and the SQL. Emptying a
// referenced table ("onExisting": "truncate") stops naming the keys in the way. A "mode": "stream" job
// gets the keys when it sets its tables up and streams inserts, cascading deletes and updates under them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, describeRun, exec, q, query, runCliWithTimeout, sourceUrl, tempDir, uniqueName, writeJob, type CliResult } from '../helpers/db.js';
import { createPgDatabase, pgLiteral, type PgTestDatabase, writePgJob } from '../helpers/postgres.js';

const RUN_TIMEOUT_MS = 5 * 60_000;
const NOT_TRANSLATED = 'MySQL SQL is not translated to PostgreSQL; create it by hand';
/** pg_constraint's action codes; MySQL's RESTRICT arrives as NO ACTION (README: a deferred RESTRICT would be checked at once). */
const ACTION: Record<string, string> = { CASCADE: 'c', 'SET NULL': 'n', 'SET DEFAULT': 'd', RESTRICT: 'a', 'NO ACTION': 'a' };

async function run(dir: string, name: string, job: unknown): Promise<CliResult> {
  const path = writeJob(dir, job, `${name}.json`);
  return runCliWithTimeout(['run', path, '--state', join(dir, `${name}.db`)], RUN_TIMEOUT_MS);
}

/** The source's foreign keys as "table name -> refTable (cols) (refCols) del upd", sorted. */
async function sourceForeignKeys(db: string): Promise<string[]> {
  const rows = await query<{ d: string }>(
    sourceUrl(),
    `SELECT CONCAT(rc.TABLE_NAME, ' ', rc.CONSTRAINT_NAME, ' -> ', rc.REFERENCED_TABLE_NAME, ' (', GROUP_CONCAT(k.COLUMN_NAME ORDER BY k.ORDINAL_POSITION),
                   ') (', GROUP_CONCAT(k.REFERENCED_COLUMN_NAME ORDER BY k.ORDINAL_POSITION), ') ', rc.DELETE_RULE, ' ', rc.UPDATE_RULE) AS d
       FROM information_schema.REFERENTIAL_CONSTRAINTS rc
       JOIN information_schema.KEY_COLUMN_USAGE k
         ON k.CONSTRAINT_SCHEMA = rc.CONSTRAINT_SCHEMA AND k.CONSTRAINT_NAME = rc.CONSTRAINT_NAME AND k.TABLE_NAME = rc.TABLE_NAME
      WHERE rc.CONSTRAINT_SCHEMA = ?
      GROUP BY rc.TABLE_NAME, rc.CONSTRAINT_NAME, rc.REFERENCED_TABLE_NAME, rc.DELETE_RULE, rc.UPDATE_RULE
      ORDER BY 1`,
    [db],
  );
  return rows.map((r) => {
    const m = /^(.*) (RESTRICT|CASCADE|SET NULL|SET DEFAULT|NO ACTION) (RESTRICT|CASCADE|SET NULL|SET DEFAULT|NO ACTION)$/.exec(String(r.d));
    assert.ok(m, `unexpected rule text in ${String(r.d)}`);
    return `${m[1]} ${ACTION[m[2]!]} ${ACTION[m[3]!]}`;
  });
}

/** The sink schema's foreign keys in the same form, plus whether each is deferrable and initially deferred. */
async function sinkForeignKeys(pg: PgTestDatabase, schema: string): Promise<{ keys: string[]; deferred: string[] }> {
  const rows = await pg.rows(
    `SELECT t.relname, c.conname, r.relname, rn.nspname,
            (SELECT string_agg(a.attname, ',' ORDER BY k.i) FROM unnest(c.conkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n),
            (SELECT string_agg(a.attname, ',' ORDER BY k.i) FROM unnest(c.confkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n),
            c.confdeltype, c.confupdtype, c.condeferrable::text, c.condeferred::text
       FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
       JOIN pg_class r ON r.oid = c.confrelid JOIN pg_namespace rn ON rn.oid = r.relnamespace
      WHERE c.contype = 'f' AND n.nspname = ${pgLiteral(schema)}`,
  );
  const keys = rows.map((r) => `${r[0]} ${r[1]} -> ${r[2]} (${r[4]}) (${r[5]}) ${r[6]} ${r[7]}`).sort();
  const deferred = rows.filter((r) => r[3] !== schema || r[8] !== 'true' || r[9] !== 'true').map((r) => `${r[1]}: schema ${r[3]}, deferrable ${r[8]}, deferred ${r[9]}`);
  return { keys, deferred };
}

describe('PostgreSQL sink: a real-world schema (views, foreign keys, triggers, routines)', { timeout: 20 * 60_000 }, () => {
  const srcDb = uniqueName('pgshop');
  const edgeDb = uniqueName('pgfkedge');
  const schema = `${srcDb}_pg`;
  const dir = tempDir('cutover-pgschema-');
  let pg: PgTestDatabase;
  let first: CliResult;

  before(async () => {
    const sql = readFileSync(join(ROOT, 'test/fixtures/sample-shop.sql'), 'utf8');
    await exec(sourceUrl(), `CREATE DATABASE ${q(srcDb)} CHARACTER SET utf8mb4; USE ${q(srcDb)};\n${sql}`);
    pg = await createPgDatabase('pgschema');
    first = await run(dir, 'shop', {
      name: 'pg-shop',
      source: { url: sourceUrl() },
      sink: { type: 'postgres', url: pg.url },
      tables: { include: [`${srcDb}.*`] },
      rename: { [srcDb]: schema },
      mode: 'snapshot',
      snapshot: { chunkRows: 200, parallelism: 3 },
    });
  });

  after(async () => {
    await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(srcDb)}; DROP DATABASE IF EXISTS ${q(edgeDb)}`).catch(() => undefined);
    await pg?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('copies with exit code 0', () => {
    assert.equal(first.code, 0, describeRun(first));
  });

  it('creates every source foreign key, renamed, with its actions, deferrable and initially deferred', async () => {
    const expected = await sourceForeignKeys(srcDb);
    assert.ok(expected.length >= 10, `fixture sanity: ${expected.length} foreign keys`);
    const got = await sinkForeignKeys(pg, schema);
    assert.deepEqual(got.keys, expected);
    assert.deepEqual(got.deferred, []);
  });

  it('has the same row count in every table', async () => {
    const tables = await query<{ t: string; n: number }>(sourceUrl(), "SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY 1", [srcDb]);
    assert.ok(tables.length >= 10);
    for (const { t } of tables) {
      const [src] = await query<{ n: number }>(sourceUrl(), `SELECT COUNT(*) AS n FROM ${q(srcDb)}.${q(String(t))}`);
      const sink = await pg.value(`SELECT count(*) FROM "${schema}"."${String(t)}"`);
      assert.equal(sink, String(src!.n), `rows of ${t}`);
      assert.ok(Number(src!.n) > 0, `fixture sanity: ${t} has rows`);
    }
  });

  it('names each view, trigger and routine as not translated, with the reason, once', () => {
    const out = first.stdout + first.stderr;
    const objects = [
      // Views are named as they would be on the sink (renamed); triggers and routines as on the source.
      `view ${schema}.customer_list`,
      `view ${schema}.film_list`,
      `view ${schema}.sales_by_category`,
      `view ${schema}.top_categories`,
      `trigger ${srcDb}.customer_create_date`,
      `trigger ${srcDb}.ins_film`,
      `procedure ${srcDb}.customer_total`,
      `function ${srcDb}.film_count`,
    ];
    for (const o of objects) {
      const lines = out.split('\n').filter((l) => l.includes(`${o} `) && l.includes(NOT_TRANSLATED));
      assert.equal(lines.length, 1, `${o}: ${lines.length} line(s) saying it is not translated in\n${out.slice(-4000)}`);
    }
    assert.doesNotMatch(out, /foreign key .* not created/, 'every foreign key was created');
  });

  it('a second job appending into the same schema finds the keys already there and adds none', async () => {
    const r = await run(dir, 'shop-again', {
      name: 'pg-shop-again',
      source: { url: sourceUrl() },
      sink: { type: 'postgres', url: pg.url },
      tables: { include: [`${srcDb}.*`] },
      rename: { [srcDb]: schema },
      mode: 'snapshot',
      snapshot: { chunkRows: 200, parallelism: 2, onExisting: 'append' },
    });
    assert.equal(r.code, 0, describeRun(r));
    const expected = await sourceForeignKeys(srcDb);
    assert.deepEqual((await sinkForeignKeys(pg, schema)).keys, expected);
    assert.match(r.stdout + r.stderr, new RegExp(`foreign keys on the PostgreSQL sink: 0 created, ${expected.length} already there, 0 not created`));
  });

  it('names a key whose referenced table is not copied, and one that rows violate, with the reason and the SQL', async () => {
    await exec(
      sourceUrl(),
      `CREATE DATABASE ${q(edgeDb)}; USE ${q(edgeDb)};
       CREATE TABLE parent (id INT PRIMARY KEY) ENGINE=InnoDB;
       CREATE TABLE outside (id INT PRIMARY KEY) ENGINE=InnoDB;
       CREATE TABLE child (id INT PRIMARY KEY, parent_id INT, outside_id INT,
         CONSTRAINT fk_child_parent FOREIGN KEY (parent_id) REFERENCES parent (id) ON DELETE CASCADE,
         CONSTRAINT fk_child_outside FOREIGN KEY (outside_id) REFERENCES outside (id)) ENGINE=InnoDB;
       CREATE TABLE fine (id INT PRIMARY KEY, parent_id INT, CONSTRAINT fk_fine_parent FOREIGN KEY (parent_id) REFERENCES parent (id) ON UPDATE SET NULL) ENGINE=InnoDB;
       INSERT INTO parent VALUES (1), (2); INSERT INTO outside VALUES (1);
       SET foreign_key_checks = 0; INSERT INTO child VALUES (1, 1, 1), (2, 99, 1); SET foreign_key_checks = 1;
       INSERT INTO fine VALUES (1, 2);`,
    );
    const r = await run(dir, 'edge', {
      name: 'pg-fk-edge',
      source: { url: sourceUrl() },
      sink: { type: 'postgres', url: pg.url },
      tables: { include: [`${edgeDb}.*`], exclude: [`${edgeDb}.outside`] },
      mode: 'snapshot',
    });
    assert.equal(r.code, 0, describeRun(r));
    const out = r.stdout + r.stderr;
    assert.match(out, new RegExp(`foreign key ${edgeDb}\\.child\\.fk_child_outside not created on the PostgreSQL sink: it references ${edgeDb}\\.outside, which this job does not copy; run by hand: ALTER TABLE "${edgeDb}"\\."child" ADD CONSTRAINT "fk_child_outside"`));
    assert.match(out, new RegExp(`foreign key ${edgeDb}\\.child\\.fk_child_parent not created on the PostgreSQL sink: rows of the sink table violate it: .*run by hand: ALTER TABLE "${edgeDb}"\\."child" ADD CONSTRAINT "fk_child_parent" FOREIGN KEY \\("parent_id"\\) REFERENCES "${edgeDb}"\\."parent" \\("id"\\) ON DELETE CASCADE`));
    assert.match(out, /foreign keys on the PostgreSQL sink: 1 created, 0 already there, 2 not created/);
    assert.deepEqual((await sinkForeignKeys(pg, edgeDb)).keys, ['fine fk_fine_parent -> parent (parent_id) (id) a n']);
  });

  it('a job that would empty a referenced table ("onExisting": "truncate") stops naming the keys and the fix', async () => {
    const r = await run(dir, 'shop-truncate', {
      name: 'pg-shop-truncate',
      source: { url: sourceUrl() },
      sink: { type: 'postgres', url: pg.url },
      tables: { include: [`${srcDb}.actor`] },
      rename: { [srcDb]: schema },
      mode: 'snapshot',
      snapshot: { onExisting: 'truncate' },
    });
    assert.notEqual(r.code, 0, describeRun(r));
    const out = r.stdout + r.stderr;
    assert.match(out, new RegExp(`The sink table "${schema}"\\."actor" cannot be emptied .*foreign keys of other tables reference it \\(.*fk_film_actor_actor\\)`));
    assert.match(out, /ALTER TABLE .*film_actor DROP CONSTRAINT "fk_film_actor_actor";/);
    assert.equal(await pg.value(`SELECT count(*) FROM "${schema}"."actor"`), '200', 'nothing emptied');
  });
});

describe('PostgreSQL sink: foreign keys under a stream', { timeout: 10 * 60_000 }, () => {
  const job = uniqueName('pgfks');
  const src = `${job}_src`;
  const dir = tempDir('cutover-pgfkstream-');
  const state = join(dir, 'state.db');
  let pg: PgTestDatabase;
  let jobFile = '';
  const runStream = () => runCliWithTimeout(['run', jobFile, '--state', state, '--exit-when-caught-up'], 180_000);
  const x = (sql: string) => exec(sourceUrl(), sql);

  before(async () => {
    pg = await createPgDatabase('pgfkstream');
    // The child's name sorts before its parent's, so a batch applied in table-name order would write it first.
    await x(`CREATE DATABASE ${q(src)}; USE ${q(src)};
      CREATE TABLE b_parent (id INT PRIMARY KEY, name VARCHAR(10)) ENGINE=InnoDB;
      CREATE TABLE a_child (id INT PRIMARY KEY, parent_id INT NOT NULL,
        CONSTRAINT fk_child_parent FOREIGN KEY (parent_id) REFERENCES b_parent (id) ON DELETE CASCADE ON UPDATE RESTRICT) ENGINE=InnoDB;`);
    jobFile = writePgJob(dir, pg.url, src, {
      name: job,
      mode: 'stream',
      stream: { batch: { maxDelayMs: 200 } },
    });
  });

  after(async () => {
    await x(`DROP DATABASE IF EXISTS ${q(src)}`).catch(() => undefined);
    await pg?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sets the keys up with the tables ("mode": "stream"), then streams parents and children under them', async () => {
    const first = await runStream();
    assert.equal(first.code, 0, describeRun(first));
    assert.deepEqual((await sinkForeignKeys(pg, 'app')).keys, ['a_child fk_child_parent -> b_parent (parent_id) (id) c a']);
    const d = q(src);
    await x(`START TRANSACTION; INSERT INTO ${d}.b_parent VALUES (1, 'one'), (2, 'two'); INSERT INTO ${d}.a_child VALUES (10, 1), (11, 1), (20, 2); COMMIT;
      START TRANSACTION; DELETE FROM ${d}.a_child WHERE parent_id = 2; DELETE FROM ${d}.b_parent WHERE id = 2; INSERT INTO ${d}.b_parent VALUES (3, 'three'); INSERT INTO ${d}.a_child VALUES (30, 3); COMMIT;
      UPDATE ${d}.a_child SET parent_id = 3 WHERE id = 11;`);
    const second = await runStream();
    assert.equal(second.code, 0, describeRun(second));
    assert.deepEqual(await pg.rows('SELECT id, name FROM app.b_parent ORDER BY id'), [['1', 'one'], ['3', 'three']]);
    assert.deepEqual(await pg.rows('SELECT id, parent_id FROM app.a_child ORDER BY id'), [['10', '1'], ['11', '3'], ['30', '3']]);
  });
});
