// A real-world-shaped schema (test/fixtures/sample-shop.sql, Sakila-like) copied with a database
// rename: every base table equal, views recreated against the renamed database and returning the same
// rows, foreign keys pointing at the renamed database, no triggers or routines on the sink. Then a copy
// that drops a column (`columns.exclude`) and filters rows (`where`).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ROOT,
  checksum,
  exec,
  query,
  rowDump,
  sinkUrl,
  sourceUrl,
  tempDir,
  uniqueName,
  writeJob,
  q,
  runCliWithTimeout,
  describeRun,
  dumpDiff,
  forEveryTable,
  type CliResult,
} from '../helpers/db.js';

const COPY_TIMEOUT_MS = 10 * 60_000;
const BASE_TABLES = ['actor', 'address', 'category', 'customer', 'film', 'film_actor', 'film_category', 'film_text', 'payment', 'staff'];
const VIEWS = ['customer_list', 'film_list', 'sales_by_category', 'top_categories'];

async function tablesOfType(url: string, db: string, type: 'BASE TABLE' | 'VIEW'): Promise<string[]> {
  const rows = await query<{ t: string }>(
    url,
    'SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = ? ORDER BY TABLE_NAME',
    [db, type],
  );
  return rows.map((r) => String(r.t));
}

/** Foreign keys of a database, with the referenced schema replaced by a placeholder when it is `db` itself. */
async function foreignKeys(url: string, db: string): Promise<string[]> {
  const rows = await query<{ d: string }>(
    url,
    `SELECT CONCAT_WS(' ', rc.TABLE_NAME, rc.CONSTRAINT_NAME, '->', IF(k.REFERENCED_TABLE_SCHEMA = ?, '<self>', k.REFERENCED_TABLE_SCHEMA),
                      rc.REFERENCED_TABLE_NAME, k.COLUMN_NAME, k.REFERENCED_COLUMN_NAME, 'ON DELETE', rc.DELETE_RULE, 'ON UPDATE', rc.UPDATE_RULE,
                      IF(rc.UNIQUE_CONSTRAINT_SCHEMA = ?, '<self>', rc.UNIQUE_CONSTRAINT_SCHEMA)) AS d
       FROM information_schema.REFERENTIAL_CONSTRAINTS rc
       JOIN information_schema.KEY_COLUMN_USAGE k
         ON k.CONSTRAINT_SCHEMA = rc.CONSTRAINT_SCHEMA AND k.CONSTRAINT_NAME = rc.CONSTRAINT_NAME AND k.TABLE_NAME = rc.TABLE_NAME
      WHERE rc.CONSTRAINT_SCHEMA = ?
      ORDER BY rc.TABLE_NAME, rc.CONSTRAINT_NAME, k.ORDINAL_POSITION`,
    [db, db, db],
  );
  return rows.map((r) => String(r.d));
}

async function indexDefs(url: string, db: string, table: string): Promise<string[]> {
  const rows = await query<{ d: string }>(
    url,
    `SELECT CONCAT_WS(' ', INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME, IFNULL(SUB_PART, '-'), INDEX_TYPE) AS d
       FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY INDEX_NAME, SEQ_IN_INDEX`,
    [db, table],
  );
  return rows.map((r) => String(r.d));
}

describe('sample schema (Sakila-shaped shop) copied with a rename', () => {
  const SRC = sourceUrl();
  const SINK = sinkUrl();
  const srcDb = uniqueName('shop');
  const sinkDb = `${srcDb}_v2`;
  const filteredDb = `${srcDb}_f`;
  const dir = tempDir('cutover-shop-');

  before(async () => {
    const sql = readFileSync(join(ROOT, 'test/fixtures/sample-shop.sql'), 'utf8');
    await exec(SRC, `CREATE DATABASE ${q(srcDb)} CHARACTER SET utf8mb4; USE ${q(srcDb)};\n${sql}`);
    assert.deepEqual(await tablesOfType(SRC, srcDb, 'BASE TABLE'), BASE_TABLES, 'fixture sanity: base tables');
    assert.deepEqual(await tablesOfType(SRC, srcDb, 'VIEW'), VIEWS, 'fixture sanity: views');
  });

  after(async () => {
    if (process.env.CUTOVER_TEST_KEEP_DBS) return;
    await exec(SRC, `DROP DATABASE IF EXISTS ${q(srcDb)}`).catch(() => {});
    await exec(SINK, `DROP DATABASE IF EXISTS ${q(sinkDb)}; DROP DATABASE IF EXISTS ${q(filteredDb)}`).catch(() => {});
  });

  describe('whole database, renamed', () => {
    let run: CliResult | undefined;
    const copied = (): void => {
      assert.ok(run, 'the copy did not run');
      assert.equal(run.code, 0, `the copy failed (exit code ${run.code}), so nothing can be compared: see the exit-code test`);
    };

    before(async () => {
      const jobPath = writeJob(dir, {
        name: 'shop-rename',
        source: { url: SRC },
        sink: { type: 'mysql', url: SINK },
        tables: { include: [`${srcDb}.*`] },
        rename: { [srcDb]: sinkDb },
        mode: 'snapshot',
        snapshot: { parallelism: 3, chunkRows: 500, onExisting: 'fail' },
      }, 'job-rename.json');
      run = await runCliWithTimeout(['run', jobPath, '--state', join(dir, 'state-rename.sqlite')]);
    }, { timeout: COPY_TIMEOUT_MS + 30_000 });

    it('`cutover run` exits with code 0', () => {
      assert.ok(run);
      assert.equal(run.code, 0, describeRun(run));
    });

    it('creates every base table on the sink', async () => {
      copied();
      const sinkTables = (await tablesOfType(SINK, sinkDb, 'BASE TABLE')).filter((t) => !/cutover/i.test(t));
      assert.deepEqual(sinkTables, BASE_TABLES);
    });

    it('every base table is CHECKSUM-equal and row-dump-equal', async () => {
      copied();
      await forEveryTable(BASE_TABLES, async (t) => {
        const [a, b] = await Promise.all([checksum(SRC, srcDb, t), checksum(SINK, sinkDb, t)]);
        if (a !== b) return `checksum source ${a} ≠ sink ${b}`;
        return dumpDiff(await rowDump(SRC, srcDb, t), await rowDump(SINK, sinkDb, t));
      });
    });

    it('indexes are equal, including the FULLTEXT and SPATIAL ones', async () => {
      copied();
      await forEveryTable(BASE_TABLES, async (t) => {
        const [a, b] = await Promise.all([indexDefs(SRC, srcDb, t), indexDefs(SINK, sinkDb, t)]);
        return JSON.stringify(a) === JSON.stringify(b) ? null : `source ${JSON.stringify(a)}\n      sink   ${JSON.stringify(b)}`;
      });
      const kinds = await query<{ k: string }>(
        SINK,
        "SELECT CONCAT(TABLE_NAME, '.', INDEX_NAME, ' ', INDEX_TYPE) AS k FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND INDEX_TYPE IN ('FULLTEXT', 'SPATIAL') GROUP BY TABLE_NAME, INDEX_NAME, INDEX_TYPE ORDER BY k",
        [sinkDb],
      );
      assert.deepEqual(kinds.map((r) => r.k), ['address.idx_location SPATIAL', 'film.ft_title_description FULLTEXT']);
    });

    it('foreign keys exist on the sink, reference the renamed database and keep their rules', async () => {
      copied();
      const [a, b] = await Promise.all([foreignKeys(SRC, srcDb), foreignKeys(SINK, sinkDb)]);
      assert.equal(a.length, 10, `fixture sanity: ${JSON.stringify(a)}`);
      assert.deepEqual(b, a);
      const stray = await query<{ n: number }>(
        SINK,
        'SELECT COUNT(*) AS n FROM information_schema.KEY_COLUMN_USAGE WHERE REFERENCED_TABLE_SCHEMA = ?',
        [srcDb],
      );
      assert.equal(Number(stray[0]?.n), 0, 'some sink constraint references the source database name');
      // And they are enforced in the renamed database.
      await assert.rejects(
        exec(SINK, `INSERT INTO ${q(sinkDb)}.film_category (film_id, category_id) VALUES (1, 200)`),
        /foreign key constraint fails/i,
      );
    });

    it('views exist on the sink, reference the renamed database, and return the same rows', async () => {
      copied();
      assert.deepEqual(await tablesOfType(SINK, sinkDb, 'VIEW'), VIEWS);
      const defs = await query<{ v: string; d: string; s: string }>(
        SINK,
        'SELECT TABLE_NAME AS v, VIEW_DEFINITION AS d, SECURITY_TYPE AS s FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME',
        [sinkDb],
      );
      for (const { v, d } of defs) {
        assert.ok(!d.includes(`\`${srcDb}\``), `view ${v} still references the source database ${srcDb}: ${d}`);
      }
      const srcSecurity = await query<{ v: string; s: string }>(
        SRC,
        'SELECT TABLE_NAME AS v, SECURITY_TYPE AS s FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME',
        [srcDb],
      );
      assert.deepEqual(defs.map((r) => `${r.v} ${r.s}`), srcSecurity.map((r) => `${r.v} ${r.s}`), 'SQL SECURITY of the views');
      await forEveryTable(VIEWS, async (v) => dumpDiff(await rowDump(SRC, srcDb, v), await rowDump(SINK, sinkDb, v)));
      // A view must read the sink's own tables: a change in the renamed database shows through it.
      await exec(SINK, `UPDATE ${q(sinkDb)}.category SET name = 'Renamed-Probe' WHERE category_id = 1`);
      try {
        const rows = await query<{ n: number }>(SINK, `SELECT COUNT(*) AS n FROM ${q(sinkDb)}.top_categories WHERE category = 'Renamed-Probe'`);
        assert.equal(Number(rows[0]?.n), 1, 'top_categories (a view over a view) does not read the renamed database');
      } finally {
        await exec(SINK, `UPDATE ${q(sinkDb)}.category SET name = 'Action' WHERE category_id = 1`);
      }
    });

    it('triggers and routines are not created on the sink', async () => {
      copied();
      const [srcTriggers, sinkTriggers, srcRoutines, sinkRoutines] = await Promise.all([
        query<{ n: string }>(SRC, 'SELECT TRIGGER_NAME AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? ORDER BY 1', [srcDb]),
        query<{ n: string }>(SINK, 'SELECT TRIGGER_NAME AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? ORDER BY 1', [sinkDb]),
        query<{ n: string }>(SRC, 'SELECT ROUTINE_NAME AS n FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? ORDER BY 1', [srcDb]),
        query<{ n: string }>(SINK, 'SELECT ROUTINE_NAME AS n FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? ORDER BY 1', [sinkDb]),
      ]);
      assert.deepEqual(srcTriggers.map((r) => r.n), ['customer_create_date', 'ins_film'], 'fixture sanity');
      assert.deepEqual(srcRoutines.map((r) => r.n), ['customer_total', 'film_count'], 'fixture sanity');
      assert.deepEqual(sinkTriggers.map((r) => r.n), []);
      assert.deepEqual(sinkRoutines.map((r) => r.n), []);
    });
  });

  describe('columns.exclude and where', () => {
    let run: CliResult | undefined;
    const copied = (): void => {
      assert.ok(run, 'the copy did not run');
      assert.equal(run.code, 0, `the copy failed (exit code ${run.code}), so nothing can be compared: see the exit-code test`);
    };

    before(async () => {
      const jobPath = writeJob(dir, {
        name: 'shop-filtered',
        source: { url: SRC },
        sink: { type: 'mysql', url: SINK },
        tables: { include: [`${srcDb}.*`] },
        rename: { [srcDb]: filteredDb },
        columns: { [`${srcDb}.staff`]: { exclude: ['picture'] } },
        where: { [`${srcDb}.payment`]: 'amount > 5' },
        mode: 'snapshot',
        snapshot: { parallelism: 2, chunkRows: 1000, onExisting: 'fail' },
      }, 'job-filtered.json');
      run = await runCliWithTimeout(['run', jobPath, '--state', join(dir, 'state-filtered.sqlite')]);
    }, { timeout: COPY_TIMEOUT_MS + 30_000 });

    it('`cutover run` exits with code 0', () => {
      assert.ok(run);
      assert.equal(run.code, 0, describeRun(run));
    });

    it('the sink staff table lacks the excluded column and the other columns are equal', async () => {
      copied();
      const cols = async (url: string, db: string) =>
        (await query<{ c: string }>(url, "SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'staff' ORDER BY ORDINAL_POSITION", [db])).map((r) => r.c);
      const srcCols = await cols(SRC, srcDb);
      const sinkCols = await cols(SINK, filteredDb);
      assert.ok(srcCols.includes('picture'), 'fixture sanity');
      assert.deepEqual(sinkCols, srcCols.filter((c) => c !== 'picture'));
      const diff = dumpDiff(await rowDump(SRC, srcDb, 'staff', sinkCols), await rowDump(SINK, filteredDb, 'staff'));
      assert.equal(diff, null, `staff differs: ${diff}`);
    });

    it('the sink payment table holds exactly the rows with amount > 5', async () => {
      copied();
      const [n] = await query<{ all: number; kept: number }>(SRC, `SELECT COUNT(*) AS \`all\`, SUM(amount > 5) AS kept FROM ${q(srcDb)}.payment`);
      assert.ok(n && Number(n.kept) > 0 && Number(n.kept) < Number(n.all), 'fixture sanity: the filter keeps some rows, not all');
      const diff = dumpDiff(await rowDump(SRC, srcDb, 'payment', undefined, 'amount > 5'), await rowDump(SINK, filteredDb, 'payment'));
      assert.equal(diff, null, `payment differs: ${diff}`);
      const [c] = await query<{ c: number }>(SINK, `SELECT COUNT(*) AS c FROM ${q(filteredDb)}.payment`);
      assert.equal(Number(c?.c), Number(n.kept));
    });

    it('the other tables are copied whole and equal', async () => {
      copied();
      await forEveryTable(BASE_TABLES.filter((t) => t !== 'staff' && t !== 'payment'), async (t) => {
        const [a, b] = await Promise.all([checksum(SRC, srcDb, t), checksum(SINK, filteredDb, t)]);
        if (a !== b) return `checksum source ${a} ≠ sink ${b}`;
        return dumpDiff(await rowDump(SRC, srcDb, t), await rowDump(SINK, filteredDb, t));
      });
    });
  });

  describe('view text that only looks like a reference to the renamed database', () => {
    // MariaDB prints views fully qualified: a table alias equal to the database name gives `db`.`col`,
    // and a string literal can hold `db`.`table` too. Neither may be rewritten by the rename.
    const aliasDb = `${srcDb}_a`;
    const aliasSinkDb = `${srcDb}_a2`;
    let run: CliResult | undefined;

    before(async () => {
      const d = q(aliasDb);
      await exec(
        SRC,
        `CREATE DATABASE ${d}; USE ${d};
         CREATE TABLE actor (id INT PRIMARY KEY, name VARCHAR(10));
         INSERT INTO actor VALUES (1, 'a'), (2, 'b');
         CREATE VIEW v_alias AS SELECT ${d}.id, ${d}.name FROM actor AS ${d};
         CREATE VIEW v_literal AS SELECT '${'`' + aliasDb + '`.`actor`'}' AS s, COUNT(*) AS n FROM actor;`,
      );
      const jobPath = writeJob(dir, {
        name: 'shop-view-text',
        source: { url: SRC },
        sink: { type: 'mysql', url: SINK },
        tables: { include: [`${aliasDb}.*`] },
        rename: { [aliasDb]: aliasSinkDb },
        mode: 'snapshot',
      }, 'job-view-text.json');
      run = await runCliWithTimeout(['run', jobPath, '--state', join(dir, 'state-view-text.sqlite')]);
    }, { timeout: COPY_TIMEOUT_MS + 30_000 });

    after(async () => {
      if (process.env.CUTOVER_TEST_KEEP_DBS) return;
      await exec(SRC, `DROP DATABASE IF EXISTS ${q(aliasDb)}`).catch(() => {});
      await exec(SINK, `DROP DATABASE IF EXISTS ${q(aliasSinkDb)}`).catch(() => {});
    });

    for (const [v, what] of [
      ['v_alias', 'a table alias equal to the database name'],
      ['v_literal', 'a string literal holding `db`.`table`'],
    ] as const) {
      it(`${v} (${what}) exists on the sink and returns the same rows as on the source`, async () => {
        assert.ok(run);
        assert.equal(run.code, 0, describeRun(run));
        const views = await tablesOfType(SINK, aliasSinkDb, 'VIEW');
        assert.ok(views.includes(v), `${v} is missing on the sink; the copy said:\n${run.stderr}`);
        const diff = dumpDiff(await rowDump(SRC, aliasDb, v), await rowDump(SINK, aliasSinkDb, v));
        assert.equal(diff, null, `${v}: ${diff}`);
      });
    }
  });
});
