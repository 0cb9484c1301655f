// Every value of every type family copies byte for byte: test/fixtures/types.sql is loaded into a fresh
// source database, copied with `cutover run` twice (defaults into the same name; small chunks, three
// readers and a rename into another name), and every base table is compared with CHECKSUM TABLE ...
// EXTENDED, a hex dump of every column, a typed dump that also sees numbers exactly, its column
// definitions and its indexes.
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
  describeRun,
  dumpDiff,
  forEveryTable,
  runCliWithTimeout,
  type CliResult,
} from '../helpers/db.js';

const COPY_TIMEOUT_MS = 10 * 60_000;

/**
 * Registers a `before` hook that copies `srcDb` (into `sinkDb` when the variant has a suffix) with
 * `cutover run`; `run` is its result and `check()` fails a test when the copy did not succeed.
 */
function copyInBefore(
  name: string,
  srcDb: string,
  sinkDb: string,
  dir: string,
  v: { suffix: string; snapshot: undefined | Record<string, unknown> },
  timeoutMs: number,
): { readonly run: CliResult | undefined; check(): void } {
  let run: CliResult | undefined;
  before(async () => {
    const job: Record<string, unknown> = {
      name: `${name}${v.suffix || '-default'}`,
      source: { url: sourceUrl() },
      sink: { type: 'mysql', url: sinkUrl() },
      tables: { include: [`${srcDb}.*`] },
      mode: 'snapshot',
    };
    if (v.suffix) job.rename = { [srcDb]: sinkDb };
    if (v.snapshot) job.snapshot = v.snapshot;
    const jobPath = writeJob(dir, job, `job${v.suffix || '-default'}.json`);
    const statePath = join(dir, `state${v.suffix || '-default'}.sqlite`);
    run = await runCliWithTimeout(['run', jobPath, '--state', statePath], timeoutMs);
  }, { timeout: timeoutMs + 30_000 });
  return {
    get run() {
      return run;
    },
    check() {
      assert.ok(run, 'the copy did not run');
      assert.equal(run.code, 0, `the copy failed (exit code ${run.code}), so nothing can be compared: see the exit-code test`);
    },
  };
}

async function baseTables(url: string, db: string): Promise<string[]> {
  const rows = await query<{ t: string }>(
    url,
    "SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
    [db],
  );
  return rows.map((r) => String(r.t));
}

interface ColumnDef {
  COLUMN_NAME: string;
  ORDINAL_POSITION: string;
  COLUMN_TYPE: string;
  IS_NULLABLE: string;
  COLUMN_DEFAULT: string | null;
  CHARACTER_SET_NAME: string | null;
  COLLATION_NAME: string | null;
  EXTRA: string;
  GENERATION_EXPRESSION: string | null;
  COLUMN_COMMENT: string;
}

async function columnDefs(url: string, db: string, table: string): Promise<ColumnDef[]> {
  const rows = await query<ColumnDef>(
    url,
    `SELECT COLUMN_NAME, CAST(ORDINAL_POSITION AS CHAR) AS ORDINAL_POSITION, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT,
            CHARACTER_SET_NAME, COLLATION_NAME, EXTRA, GENERATION_EXPRESSION, COLUMN_COMMENT
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
    [db, table],
  );
  return rows.map((r) => ({ ...r }));
}

async function indexDefs(url: string, db: string, table: string): Promise<string[]> {
  const rows = await query<{ d: string }>(
    url,
    `SELECT CONCAT_WS(' ', INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME, IFNULL(SUB_PART, '-'), INDEX_TYPE, IFNULL(COLLATION, '-')) AS d
       FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY INDEX_NAME, SEQ_IN_INDEX`,
    [db, table],
  );
  return rows.map((r) => String(r.d));
}

describe('exactness: every type family copies byte for byte', () => {
  const SRC = sourceUrl();
  const SINK = sinkUrl();
  const srcDb = uniqueName('exact');
  const dir = tempDir('cutover-exact-');
  let srcTables: string[] = [];

  before(async () => {
    const sql = readFileSync(join(ROOT, 'test/fixtures/types.sql'), 'utf8');
    await exec(SRC, `CREATE DATABASE ${q(srcDb)} CHARACTER SET utf8mb4; USE ${q(srcDb)};\n${sql}`);
    srcTables = await baseTables(SRC, srcDb);
    assert.ok(srcTables.length >= 25, `the fixture created only ${srcTables.length} tables`);
  });

  after(async () => {
    if (process.env.CUTOVER_TEST_KEEP_DBS) return;
    await exec(SRC, `DROP DATABASE IF EXISTS ${q(srcDb)}`).catch(() => {});
    await exec(SINK, `DROP DATABASE IF EXISTS ${q(srcDb)}; DROP DATABASE IF EXISTS ${q(srcDb + '_c')}`).catch(() => {});
  });

  const variants = [
    { label: 'defaults, same database name', suffix: '', snapshot: undefined as undefined | Record<string, unknown> },
    { label: 'chunkRows 100, parallelism 3, renamed', suffix: '_c', snapshot: { chunkRows: 100, parallelism: 3, onExisting: 'fail' } },
  ];

  for (const v of variants) {
    describe(v.label, () => {
      const sinkDb = srcDb + v.suffix;
      const copy = copyInBefore('exact', srcDb, sinkDb, dir, v, COPY_TIMEOUT_MS);
      const copied = (): void => copy.check();

      it('`cutover run` exits with code 0', () => {
        const run = copy.run;
        assert.ok(run);
        assert.equal(run.code, 0, describeRun(run));
      });

      it('creates every base table on the sink (and no others)', async () => {
        copied();
        const sinkTables = await baseTables(SINK, sinkDb);
        assert.deepEqual(
          srcTables.filter((t) => !sinkTables.includes(t)),
          [],
          'tables missing on the sink',
        );
        assert.deepEqual(
          sinkTables.filter((t) => !srcTables.includes(t) && !/cutover/i.test(t)),
          [],
          'unexpected tables on the sink',
        );
      });

      it('CHECKSUM TABLE ... EXTENDED is equal for every table', async () => {
        copied();
        await forEveryTable(srcTables, async (t) => {
          const [a, b] = await Promise.all([checksum(SRC, srcDb, t), checksum(SINK, sinkDb, t)]);
          return a === b ? null : `checksum source ${a} ≠ sink ${b}`;
        });
      });

      it('every row is equal, every column exact (hex of bytes; numbers, ENUM/SET indexes, TIMESTAMP epochs as text)', async () => {
        copied();
        await forEveryTable(srcTables, async (t) => dumpDiff(await rowDump(SRC, srcDb, t), await rowDump(SINK, sinkDb, t)));
      });


      it('column definitions are equal (type, nullability, default, charset, collation, extra, comment)', async () => {
        copied();
        await forEveryTable(srcTables, async (t) => {
          const [a, b] = await Promise.all([columnDefs(SRC, srcDb, t), columnDefs(SINK, sinkDb, t)]);
          try {
            assert.deepEqual(b, a);
            return null;
          } catch {
            const diffs: string[] = [];
            for (let i = 0; i < Math.max(a.length, b.length); i++) {
              if (JSON.stringify(a[i]) !== JSON.stringify(b[i])) diffs.push(`source ${JSON.stringify(a[i])}\n      sink   ${JSON.stringify(b[i])}`);
            }
            return diffs.slice(0, 3).join('\n      ');
          }
        });
      });

      it('indexes are equal', async () => {
        copied();
        await forEveryTable(srcTables, async (t) => {
          const [a, b] = await Promise.all([indexDefs(SRC, srcDb, t), indexDefs(SINK, sinkDb, t)]);
          return JSON.stringify(a) === JSON.stringify(b) ? null : `source ${JSON.stringify(a)}\n      sink   ${JSON.stringify(b)}`;
        });
      });

      it('generated columns exist on the sink and are still generated', async () => {
        copied();
        const gen = async (url: string, db: string) =>
          query<{ c: string; e: string; x: string }>(
            url,
            `SELECT COLUMN_NAME AS c, EXTRA AS e, GENERATION_EXPRESSION AS x FROM information_schema.COLUMNS
              WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 't_generated' AND GENERATION_EXPRESSION IS NOT NULL ORDER BY ORDINAL_POSITION`,
            [db],
          );
        const [a, b] = await Promise.all([gen(SRC, srcDb), gen(SINK, sinkDb)]);
        assert.deepEqual(
          a.map((r) => `${r.c} ${r.e}`),
          ['total VIRTUAL GENERATED', 'label STORED GENERATED', 'j_name VIRTUAL GENERATED'],
          'fixture sanity',
        );
        assert.deepEqual(b.map((r) => ({ ...r })), a.map((r) => ({ ...r })));
        // Still computed: a new row gets its generated values from the server.
        await exec(SINK, `INSERT INTO ${q(sinkDb)}.t_generated (id, a, b, j) VALUES (-1, 40, 2, '{"name": "probe"}')`);
        try {
          const [row] = await query<{ total: string; label: string; j_name: string }>(
            SINK,
            `SELECT total, label, j_name FROM ${q(sinkDb)}.t_generated WHERE id = -1`,
          );
          assert.deepEqual({ ...row }, { total: 42, label: 'item--1:40', j_name: 'probe' });
        } finally {
          await exec(SINK, `DELETE FROM ${q(sinkDb)}.t_generated WHERE id = -1`);
        }
      });

      it('spot checks: the values most often mangled arrive as written', async () => {
        copied();
        const one = async (sql: string): Promise<unknown[]> => {
          const [a, b] = await Promise.all([query(SRC, sql.replace(/\bDB\b/g, q(srcDb))), query(SINK, sql.replace(/\bDB\b/g, q(sinkDb)))]);
          assert.deepEqual(b.map((r) => ({ ...r })), a.map((r) => ({ ...r })), sql);
          return a;
        };
        const ints = await one('SELECT biu, bi FROM DB.t_int WHERE id IN (1, 2) ORDER BY id');
        assert.deepEqual(ints, [
          { biu: '0', bi: '-9223372036854775808' },
          { biu: '18446744073709551615', bi: '9223372036854775807' },
        ]);
        await one('SELECT CAST(d65 AS CHAR) AS d FROM DB.t_decimal ORDER BY id');
        await one("SELECT CAST(ts6 AS CHAR) AS t, UNIX_TIMESTAMP(ts6) AS u FROM DB.t_timestamp ORDER BY id");
        await one('SELECT CAST(dt6 AS CHAR) AS d, CAST(d AS CHAR) AS dd FROM DB.t_datetime ORDER BY id');
        await one('SELECT CAST(t6 AS CHAR) AS t FROM DB.t_time ORDER BY id');
        await one('SELECT HEX(b64) AS b, b7 + 0 AS b7, b1 + 0 AS b1 FROM DB.t_bit ORDER BY id');
        await one('SELECT MD5(lb) AS m, LENGTH(lb) AS l, HEX(vb) AS vb FROM DB.t_binary ORDER BY id');
        await one('SELECT HEX(l) AS l, HEX(lt) AS lt FROM DB.t_latin1 ORDER BY id');
        await one('SELECT HEX(g) AS g FROM DB.t_gbk ORDER BY id');
        await one('SELECT HEX(c) AS c, HEX(v) AS v FROM DB.t_char_pad ORDER BY id');
        await one('SELECT HEX(t) AS t, HEX(v) AS v FROM DB.t_text_nul ORDER BY id');
        await one('SELECT HEX(j) AS j FROM DB.t_json ORDER BY id');
        await one('SELECT ST_SRID(g) AS s, HEX(g) AS g, ST_SRID(p) AS sp FROM DB.t_geo ORDER BY id');
        await one('SELECT CAST(y AS CHAR) AS y FROM DB.t_year ORDER BY id');
        await one('SELECT e + 0 AS e, e2 + 0 AS e2, s + 0 AS s, CAST(s64 + 0 AS CHAR) AS s64 FROM DB.t_enum_set ORDER BY id');
        await one('SELECT COUNT(*) AS n FROM DB.t_no_key');
        await one('SELECT CAST(id AS CHAR) AS id FROM DB.t_big_unsigned_pk ORDER BY id');
        await one('SELECT HEX(k) AS k FROM DB.t_ci_varchar_pk ORDER BY k, HEX(k)');
        await one('SELECT `select`, HEX(`ключ`) AS k, HEX(`名前`) AS n FROM DB.`order` ORDER BY `select`');
      });
    });
  }
});

// The edge cases other CDC/migration projects test (Debezium, gh-ost, Maxwell, go-mysql, Ghostferry; see the
// comment at the top of the fixture): test/fixtures/other-projects-edge-cases.sql is loaded into its own source
// database and copied twice — with defaults, and with the smallest chunks (100 rows) and three workers so every keyed
// table spans several chunks (DESC keys, BIT/ENUM/TIMESTAMP/DECIMAL keys, contraction and NO PAD collations).
const EDGE_COPY_TIMEOUT_MS = 3 * 60_000;

describe('exactness: edge cases from other projects’ test suites copy byte for byte', () => {
  const SRC = sourceUrl();
  const SINK = sinkUrl();
  const srcDb = uniqueName('edge');
  const dir = tempDir('cutover-edge-');
  let srcTables: string[] = [];

  before(async () => {
    const sql = readFileSync(join(ROOT, 'test/fixtures/other-projects-edge-cases.sql'), 'utf8');
    await exec(SRC, `CREATE DATABASE ${q(srcDb)} CHARACTER SET utf8mb4; USE ${q(srcDb)};\n${sql}`);
    srcTables = await baseTables(SRC, srcDb);
    assert.ok(srcTables.length >= 45, `the fixture created only ${srcTables.length} tables`);
    // Table names that differ only by case need a case-sensitive server; the fixture relies on it.
    assert.ok(['CaseTable', 'casetable', 'CASETABLE'].every((t) => srcTables.includes(t)), 'case-only table names were not created');
  });

  after(async () => {
    if (process.env.CUTOVER_TEST_KEEP_DBS) return;
    await exec(SRC, `DROP DATABASE IF EXISTS ${q(srcDb)}`).catch(() => {});
    await exec(SINK, `DROP DATABASE IF EXISTS ${q(srcDb)}; DROP DATABASE IF EXISTS ${q(srcDb + '_c100')}`).catch(() => {});
  });

  const variants = [
    { label: 'defaults, same database name', suffix: '', snapshot: undefined as undefined | Record<string, unknown> },
    // The job schema's smallest chunk is 100 rows (7 is refused), so the keyed tables hold 250-400 rows each.
    { label: 'chunkRows 100, parallelism 3, renamed', suffix: '_c100', snapshot: { chunkRows: 100, parallelism: 3, onExisting: 'fail' } },
  ];

  for (const v of variants) {
    describe(v.label, () => {
      const sinkDb = srcDb + v.suffix;
      // A few seconds normally; a hang (e.g. a charset the driver cannot decode) must not stall the suite.
      const copy = copyInBefore('edge', srcDb, sinkDb, dir, v, EDGE_COPY_TIMEOUT_MS);
      const copied = (): void => copy.check();

      it('`cutover run` exits with code 0', () => {
        const run = copy.run;
        assert.ok(run);
        assert.equal(run.code, 0, describeRun(run));
      });

      it('creates every base table on the sink, including names that differ only by case', async () => {
        copied();
        const sinkTables = await baseTables(SINK, sinkDb);
        assert.deepEqual(srcTables.filter((t) => !sinkTables.includes(t)), [], 'tables missing on the sink');
        assert.deepEqual(sinkTables.filter((t) => !srcTables.includes(t) && !/cutover/i.test(t)), [], 'unexpected tables on the sink');
      });

      it('CHECKSUM TABLE ... EXTENDED is equal for every table', async () => {
        copied();
        await forEveryTable(srcTables, async (t) => {
          const [a, b] = await Promise.all([checksum(SRC, srcDb, t), checksum(SINK, sinkDb, t)]);
          return a === b ? null : `checksum source ${a} ≠ sink ${b}`;
        });
      });

      it('the hex dump of every column of every row is equal (rowDump), invisible columns included', async () => {
        copied();
        await forEveryTable(srcTables, async (t) => dumpDiff(await rowDump(SRC, srcDb, t), await rowDump(SINK, sinkDb, t)));
      });


      it('column definitions and indexes (DESC, SPATIAL, 64-character names) are equal', async () => {
        copied();
        await forEveryTable(srcTables, async (t) => {
          const [ca, cb, ia, ib] = await Promise.all([
            columnDefs(SRC, srcDb, t),
            columnDefs(SINK, sinkDb, t),
            indexDefs(SRC, srcDb, t),
            indexDefs(SINK, sinkDb, t),
          ]);
          const diffs: string[] = [];
          for (let i = 0; i < Math.max(ca.length, cb.length); i++) {
            if (JSON.stringify(ca[i]) !== JSON.stringify(cb[i])) diffs.push(`column source ${JSON.stringify(ca[i])}\n      sink   ${JSON.stringify(cb[i])}`);
          }
          if (JSON.stringify(ia) !== JSON.stringify(ib)) diffs.push(`indexes source ${JSON.stringify(ia)}\n      sink   ${JSON.stringify(ib)}`);
          return diffs.length ? diffs.slice(0, 3).join('\n      ') : null;
        });
      });

      it('partitioning and invisible columns survive', async () => {
        copied();
        const parts = async (url: string, db: string) =>
          query<{ d: string }>(
            url,
            `SELECT CONCAT_WS(' ', TABLE_NAME, PARTITION_NAME, IFNULL(SUBPARTITION_NAME, '-'), PARTITION_METHOD, IFNULL(SUBPARTITION_METHOD, '-'),
                    IFNULL(PARTITION_EXPRESSION, '-'), IFNULL(PARTITION_DESCRIPTION, '-'), TABLE_ROWS) AS d
               FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = ? AND PARTITION_NAME IS NOT NULL
              ORDER BY TABLE_NAME, PARTITION_ORDINAL_POSITION, SUBPARTITION_ORDINAL_POSITION`,
            [db],
          );
        const [a, b] = await Promise.all([parts(SRC, srcDb), parts(SINK, sinkDb)]);
        assert.ok(a.length >= 15, `fixture sanity: ${a.length} partitions`);
        // TABLE_ROWS is an estimate for InnoDB: compare exact counts per partition instead.
        const strip = (rows: { d: string }[]) => rows.map((r) => String(r.d).replace(/ \d+$/, ''));
        assert.deepEqual(strip(b), strip(a));
        for (const [table, partition] of [['x_part_range', 'p_old'], ['x_part_range', 'p_max'], ['x_part_list', 'p_b'], ['x_part_hash', 'p3']] as const) {
          const sql = (db: string) => `SELECT COUNT(*) AS n FROM ${q(db)}.${q(table)} PARTITION (${q(partition)})`;
          const [[x], [y]] = await Promise.all([query<{ n: string }>(SRC, sql(srcDb)), query<{ n: string }>(SINK, sql(sinkDb))]);
          assert.equal(String(y?.n), String(x?.n), `${table} PARTITION (${partition})`);
        }
        const inv = (url: string, db: string) =>
          query<{ c: string }>(
            url,
            "SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'x_invisible' AND EXTRA LIKE '%INVISIBLE%' ORDER BY ORDINAL_POSITION",
            [db],
          );
        const [ia, ib] = await Promise.all([inv(SRC, srcDb), inv(SINK, sinkDb)]);
        assert.deepEqual(ia.map((r) => r.c), ['secret', 'hidden_key', 'ts', 'bits'], 'fixture sanity');
        assert.deepEqual(ib.map((r) => r.c), ia.map((r) => r.c));
      });

      it('spot checks: the values other projects found mangled arrive as written', async () => {
        copied();
        const one = async (sql: string): Promise<unknown[]> => {
          const [a, b] = await Promise.all([query(SRC, sql.replace(/\bDB\b/g, q(srcDb))), query(SINK, sql.replace(/\bDB\b/g, q(sinkDb)))]);
          assert.deepEqual(b.map((r) => ({ ...r })), a.map((r) => ({ ...r })), sql);
          return a;
        };
        assert.deepEqual(await one('SELECT CAST(dt5 AS CHAR) AS dt5, CAST(ts4 AS CHAR) AS ts4, CAST(t5 AS CHAR) AS t5 FROM DB.x_frac_temporal WHERE id = 1'), [
          { dt5: '9999-12-31 23:59:59.99999', ts4: '2038-01-19 03:14:07.9999', t5: '838:59:59.99999' },
        ]);
        assert.deepEqual(await one('SELECT CAST(id AS CHAR) AS v FROM DB.x_autoinc_zero WHERE id <= 0 ORDER BY x_autoinc_zero.id'), [
          { v: '-9223372036854775808' },
          { v: '-1' },
          { v: '0' },
        ]);
        assert.deepEqual(await one('SELECT e + 0 AS e, id FROM DB.x_enum_300 WHERE id = 2001'), [{ e: 0, id: 2001 }]);
        await one('SELECT CAST(tz AS CHAR) AS tz, CAST(bz AS CHAR) AS bz, CAST(d10z AS CHAR) AS d, CAST(fz AS CHAR) AS f FROM DB.x_int_widths ORDER BY id');
        await one('SELECT HEX(u16) AS u, HEX(b4) AS b, HEX(vb) AS v, vb IS NULL AS n FROM DB.x_bytes_edge ORDER BY id');
        await one('SELECT HEX(asc_bin) AS a, HEX(jp_932) AS j, HEX(jp_ujis) AS u, HEX(kr) AS k, HEX(w1250) AS s FROM DB.x_charsets ORDER BY id');
        await one('SELECT HEX(k) AS k FROM DB.x_pk_nopad ORDER BY k');
        await one('SELECT HEX(k) AS k FROM DB.x_pk_czech ORDER BY k');
        await one('SELECT MD5(j) AS m, JSON_TYPE(j) AS t FROM DB.x_json ORDER BY id');
        await one('SELECT ST_AsText(gc) AS gc, ST_SRID(g4326) AS s, HEX(pt) AS p FROM DB.x_spatial ORDER BY id');
        await one('SELECT LENGTH(b) AS b, LENGTH(t) AS t, LENGTH(mb) AS mb, CHAR_LENGTH(mt) AS mt, MD5(lt) AS lt FROM DB.x_lob_bounds ORDER BY id');
        await one('SELECT id, secret, hidden_key, HEX(bits) AS b FROM DB.x_invisible ORDER BY id, hidden_key');
        await one('SELECT u, CAST(dt AS CHAR) AS dt, r, c FROM DB.x_default_expr ORDER BY id');
        await one('SELECT `id?`, `:name`, `@v`, `@v1` + 0 AS b, ` lead space`, `NULL` FROM DB.`q?:@$#%-tab` ORDER BY `id?`');
        await one('SELECT (SELECT GROUP_CONCAT(v) FROM DB.`CaseTable`) AS a, (SELECT GROUP_CONCAT(v) FROM DB.`casetable`) AS b, (SELECT GROUP_CONCAT(w) FROM DB.`CASETABLE`) AS c');
      });
    });
  }
});
