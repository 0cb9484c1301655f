// The PostgreSQL sink's copy (mode "snapshot"): test/fixtures/types.sql copied with `cutover run` and read
// back through psql value by value against the documented type rules (test/helpers/pg-compare.ts); the
// column types, identity, defaults, comments and indexes it creates; reserved and non-ASCII identifiers;
// a keyless table; a zero date and a NUL byte stopping the copy by name, and the policies that let them
// through; and SIGKILL at several points of a copy, resumed, ending exact.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ROOT, describeRun, exec, q, runCliWithTimeout, sourceUrl, startCli, tempDir, uniqueName, writeJob, type CliResult } from '../helpers/db.js';
import { compareTable } from '../helpers/pg-compare.js';
import { createPgDatabase, type PgTestDatabase } from '../helpers/postgres.js';

const RUN_TIMEOUT_MS = 5 * 60_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function pgJob(name: string, pg: PgTestDatabase, srcDb: string, schema: string, extra: { include?: string[]; exclude?: string[]; sink?: Record<string, unknown>; snapshot?: Record<string, unknown> } = {}): unknown {
  return {
    name,
    source: { url: sourceUrl() },
    sink: { type: 'postgres', url: pg.url, ...extra.sink },
    tables: { include: extra.include ?? [`${srcDb}.*`], exclude: extra.exclude ?? [] },
    rename: schema === srcDb ? {} : { [srcDb]: schema },
    mode: 'snapshot',
    snapshot: { chunkRows: 100, parallelism: 3, ...extra.snapshot },
  };
}

async function copy(dir: string, name: string, job: unknown): Promise<CliResult> {
  const path = writeJob(dir, job, `${name}.json`);
  return runCliWithTimeout(['run', path, '--state', join(dir, `${name}.db`)], RUN_TIMEOUT_MS);
}

async function assertTablesEqual(pg: PgTestDatabase, srcDb: string, schema: string, tables: string[], policy: 'stop' | 'null' | '-infinity' | 'text'): Promise<void> {
  const problems: string[] = [];
  for (const t of tables) {
    const d = await compareTable(sourceUrl(), srcDb, t, pg.url, schema, policy);
    if (d) problems.push(d);
  }
  assert.equal(problems.length, 0, problems.join('\n'));
}

describe('PostgreSQL sink: the exactness corpus', { timeout: 20 * 60_000 }, () => {
  const srcDb = uniqueName('pgx');
  const dir = tempDir('cutover-pgcopy-');
  let pg: PgTestDatabase;
  let tables: string[] = [];

  before(async () => {
    const sql = readFileSync(join(ROOT, 'test/fixtures/types.sql'), 'utf8');
    await exec(sourceUrl(), `CREATE DATABASE ${q(srcDb)} CHARACTER SET utf8mb4; USE ${q(srcDb)};\n${sql}`);
    pg = await createPgDatabase('pgcopy');
    const { query } = await import('../helpers/db.js');
    tables = (await query<{ t: string }>(sourceUrl(), "SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY 1", [srcDb])).map((r) => String(r.t));
    assert.ok(tables.length >= 40, `the fixture created ${tables.length} tables`);
  });

  after(async () => {
    await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(srcDb)}`).catch(() => undefined);
    await pg?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  // Zero dates in a primary key cannot become -infinity (two keys would be one), and NUL bytes have their own test.
  const NOT_IN_CORPUS = ['t_pk_datetime6', 't_text_nul'];

  it('every value arrives by the documented rules (policy "-infinity", 100-row chunks, 3 workers)', async () => {
    const r = await copy(dir, 'corpus', pgJob('pg-corpus', pg, srcDb, srcDb, { exclude: NOT_IN_CORPUS.map((t) => `${srcDb}.${t}`), sink: { unholdable: '-infinity' } }));
    assert.equal(r.code, 0, describeRun(r));
    await assertTablesEqual(pg, srcDb, srcDb, tables.filter((t) => !NOT_IN_CORPUS.includes(t)), '-infinity');
  });

  it('creates the documented column types, identity, defaults, comments, ENUM checks and indexes', async () => {
    const types = await pg.rows(
      `SELECT c.relname || '.' || a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull::text, a.attidentity
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = '${srcDb}' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped`,
    );
    const type = new Map(types.map((r) => [r[0]!, r[1]!]));
    const expected: Record<string, string> = {
      't_int.ti': 'smallint', 't_int.tiu': 'smallint', 't_int.si': 'smallint', 't_int.siu': 'integer', 't_int.mi': 'integer', 't_int.miu': 'integer',
      't_int.i': 'integer', 't_int.iu': 'bigint', 't_int.bi': 'bigint', 't_int.biu': 'numeric(20,0)', 't_int.zf': 'bigint',
      't_decimal.d65': 'numeric(65,30)', 't_decimal.d65i': 'numeric(65,0)', 't_decimal.d10': 'numeric(10,2)', 't_decimal.d5': 'numeric(5,5)',
      't_float.f': 'real', 't_float.d': 'double precision', 't_float.f72': 'real', 't_float.d155': 'double precision',
      't_datetime.d': 'date', 't_datetime.dt': 'timestamp(0) without time zone', 't_datetime.dt6': 'timestamp(6) without time zone', 't_datetime.dt3': 'timestamp(3) without time zone',
      't_timestamp.ts': 'timestamp(0) with time zone', 't_timestamp.ts6': 'timestamp(6) with time zone', 't_timestamp.created': 'timestamp(6) with time zone',
      't_time.t6': 'interval', 't_year.y': 'smallint', 't_json.j': 'jsonb', 't_bit.b1': 'bit varying(1)', 't_bit.b64': 'bit varying(64)',
      't_enum_set.e': 'text', 't_enum_set.s': 'text', 't_geo.g': 'bytea', 't_geo.p': 'bytea', 't_binary.bl': 'bytea', 't_binary.b16': 'bytea',
      't_latin1.l': 'character varying(255)', 't_latin1.lb': 'character(10)', 't_latin1.lt': 'text', 't_gbk.g': 'character varying(400)',
      't_misc.id': 'bigint', 't_misc.uuid_col': 'uuid', 't_misc.inet': 'inet', 't_misc.inet4_col': 'inet', 't_misc.bool_flag': 'smallint',
    };
    const wrong = Object.entries(expected).filter(([k, v]) => type.get(k) !== v).map(([k, v]) => `${k}: ${type.get(k)} (documented: ${v})`);
    assert.deepEqual(wrong, []);
    assert.equal(types.find((r) => r[0] === 't_misc.id')?.[3], 'd', 'AUTO_INCREMENT is an identity (GENERATED BY DEFAULT)');
    assert.equal(types.find((r) => r[0] === 't_misc.status')?.[2], 'true', 'NOT NULL kept');
    assert.ok(!type.has('t_generated.total') && type.has('t_generated.a'), 'generated columns are not created');
    // The identity continues past the copied maximum (4294967295), not at the source's AUTO_INCREMENT = 1000.
    assert.equal(await pg.value(`SELECT nextval(pg_get_serial_sequence('"${srcDb}".t_misc', 'id'))`), '4294967296');
    assert.equal(await pg.value(`SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum WHERE d.adrelid = '"${srcDb}".t_misc'::regclass AND a.attname = 'status'`), "'new'::character varying(10)");
    assert.equal(await pg.value(`SELECT col_description('"${srcDb}".t_misc'::regclass, 2)`), 'комментарий 注释');
    assert.equal(await pg.value(`SELECT obj_description('"${srcDb}".t_misc'::regclass, 'pg_class')`), 'table comment ✓');
    // ENUM → text with a CHECK of its labels (and '', MySQL's invalid value): another value is refused.
    const refused = await pg.rows(`DO $$ BEGIN INSERT INTO "${srcDb}".t_enum_set (id, e) VALUES (99, 'nope'); EXCEPTION WHEN check_violation THEN RAISE NOTICE 'refused'; END $$; SELECT count(*) FROM "${srcDb}".t_enum_set WHERE id = 99`);
    assert.deepEqual(refused, [['0']]);
    const idx = (await pg.rows(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = '${srcDb}' ORDER BY 1`)).map((r) => `${r[0]}: ${r[1]}`);
    for (const want of [/^order_index: CREATE INDEX order_index ON .*\("from"\)/, /^t_unique_only_uq_code: CREATE UNIQUE INDEX/, /^t_unique_only_uq_alt: CREATE UNIQUE INDEX/, /^t_pk_double_uq_f: CREATE UNIQUE INDEX/])
      assert.ok(idx.some((i) => want.test(i)), `no index like ${want} in:\n${idx.join('\n')}`);
  });

  it('reserved and non-ASCII identifiers keep their names and case', async () => {
    const cols = await pg.rows(`SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = '${srcDb}' AND table_name IN ('order', 'we\`ird tab', 'таблица_名前') ORDER BY table_name, ordinal_position`);
    assert.deepEqual(cols.map((r) => `${r[0]}.${r[1]}`), [
      'order.select', 'order.from', 'order.ключ', 'order.名前', 'order.where', 'order.col with space',
      'we`ird tab.id', 'we`ird tab.back`tick', 'we`ird tab.dot.col', 'we`ird tab."quoted"',
      'таблица_名前.ид', 'таблица_名前.名前', 'таблица_名前.ёжик',
    ]);
    assert.equal(await pg.value(`SELECT "名前" FROM "${srcDb}"."order" WHERE "select" = 1`), '山田');
  });

  it('a keyless table with duplicate rows arrives whole, duplicates included', async () => {
    assert.equal(await pg.value(`SELECT count(*) FROM "${srcDb}".t_no_key`), '1506');
    assert.equal(await pg.value(`SELECT count(*) FROM "${srcDb}".t_no_key WHERE a = 1 AND b = 'dup'`), '3');
  });

  it('a zero date stops the copy naming table, column, key and value (default policy)', async () => {
    const r = await copy(dir, 'zero-stop', pgJob('pg-zero', pg, srcDb, `${srcDb}_stop`, { include: [`${srcDb}.t_datetime`] }));
    assert.notEqual(r.code, 0, describeRun(r));
    assert.match(r.stderr, new RegExp(`A row of ${srcDb}_stop\\.t_datetime with key \\(id\\) = \\(1\\) holds "0000-00-00" in column d \\(date\\), which PostgreSQL cannot hold: a zero date`), describeRun(r));
  });

  it('policy "text": dates and timestamps arrive as MySQL\'s text, zero dates and zero-date keys included', async () => {
    const only = ['t_datetime', 't_timestamp', 't_pk_datetime6'];
    const r = await copy(dir, 'zero-text', pgJob('pg-text', pg, srcDb, `${srcDb}_text`, { include: only.map((t) => `${srcDb}.${t}`), sink: { unholdable: 'text' } }));
    assert.equal(r.code, 0, describeRun(r));
    await assertTablesEqual(pg, srcDb, `${srcDb}_text`, only, 'text');
  });

  it('a zero date in a key is never turned into -infinity (two keys would become one)', async () => {
    const r = await copy(dir, 'zero-key', pgJob('pg-zero-key', pg, srcDb, `${srcDb}_zk`, { include: [`${srcDb}.t_pk_datetime6`], sink: { unholdable: '-infinity' } }));
    assert.notEqual(r.code, 0, describeRun(r));
    assert.match(r.stderr, /t_pk_datetime6 with key \(at\) = \(0000-00-00 00:00:00\.000000\) holds "0000-00-00 00:00:00\.000000" in column at/, describeRun(r));
  });

  it('a NUL byte in text stops the copy by name; policy "null" writes NULL for it and nothing else changes', async () => {
    const stop = await copy(dir, 'nul-stop', pgJob('pg-nul', pg, srcDb, `${srcDb}_nul`, { include: [`${srcDb}.t_text_nul`] }));
    assert.notEqual(stop.code, 0, describeRun(stop));
    assert.match(stop.stderr, /t_text_nul with key \(id\) = \(1\) holds "a\\u0000b" in column t \(text\), which PostgreSQL cannot hold: text cannot contain a NUL byte/, describeRun(stop));
    const asNull = await copy(dir, 'nul-null', pgJob('pg-nul-null', pg, srcDb, `${srcDb}_nulnull`, { include: [`${srcDb}.t_text_nul`], sink: { unholdable: 'null' } }));
    assert.equal(asNull.code, 0, describeRun(asNull));
    await assertTablesEqual(pg, srcDb, `${srcDb}_nulnull`, ['t_text_nul'], 'null');
    assert.equal(await pg.value(`SELECT t FROM "${srcDb}_nulnull".t_text_nul WHERE id = 3`), 'no nul');
  });
});

// ---------------------------------------------------------------- crash and resume

const RESUME_TABLES = ['t_int', 't_comp', 't_nokey'];

function resumeSourceSql(db: string): string {
  const d = q(db);
  return `
    CREATE DATABASE ${d} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
    USE ${d};
    CREATE TABLE ${d}.t_int (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, a VARCHAR(40), b BIGINT UNSIGNED, c DECIMAL(20,6), d DATETIME(6), e DOUBLE, KEY ix_a (a)) ENGINE=InnoDB;
    INSERT INTO ${d}.t_int SELECT seq, CONCAT('row-', seq, REPEAT('x', seq % 17), IF(seq % 11 = 0, '\\t\\\\n', '')), seq * 4294967311, seq / 7,
      '2020-01-01' + INTERVAL seq * 37 SECOND + INTERVAL seq MICROSECOND, seq / 3e0 FROM seq_1_to_60000;
    CREATE TABLE ${d}.t_comp (k VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL, n INT NOT NULL, v VARCHAR(40),
      PRIMARY KEY (k, n)) ENGINE=InnoDB;
    INSERT INTO ${d}.t_comp SELECT CONCAT(ELT(seq % 7 + 1, 'abc', 'ABC', 'Abc', 'ébc', 'Ebc', 'ebc ', 'zz'), seq DIV 7000), seq, MD5(seq)
      FROM seq_1_to_60000;
    CREATE TABLE ${d}.t_nokey (a INT, b VARCHAR(20)) ENGINE=InnoDB;
    INSERT INTO ${d}.t_nokey SELECT seq % 5000, CONCAT('v', seq % 5000) FROM seq_1_to_20000;
    ANALYZE TABLE ${d}.t_int, ${d}.t_comp, ${d}.t_nokey;`;
}

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

async function runAndKill(args: string[], stateFile: string, killAt: number): Promise<{ r: CliResult; killed: boolean }> {
  const { child, done } = startCli(args);
  const guard = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
  let exited = false;
  void done.then(() => (exited = true));
  try {
    while (!exited) {
      if (chunksDone(stateFile, child.pid) >= killAt) {
        child.kill('SIGKILL');
        break;
      }
      await sleep(5);
    }
    const r = await done;
    return { r, killed: r.signal === 'SIGKILL' };
  } finally {
    clearTimeout(guard);
  }
}

describe('PostgreSQL sink: SIGKILL during the copy, then resume', { timeout: 20 * 60_000 }, () => {
  const srcDb = uniqueName('pgrs');
  const dir = tempDir('cutover-pgresume-');
  let pg: PgTestDatabase;

  before(async () => {
    await exec(sourceUrl(), resumeSourceSql(srcDb));
    pg = await createPgDatabase('pgresume');
  });

  after(async () => {
    await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(srcDb)}`).catch(() => undefined);
    await pg?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('killed at six points of the copy (once also while resuming), every run ends exact: no row lost or doubled', async (t) => {
    // ~16 KiB batches: a chunk of 2000 rows is ~10 COPY transactions, so a kill leaves chunks half written,
    // and their resumed COPY meets rows already there (written again through ON CONFLICT DO NOTHING).
    const job = (i: string): unknown => pgJob(`pg-resume-${i}`, pg, srcDb, `s_${i}`, { sink: { batchBytes: 16384 }, snapshot: { chunkRows: 2000, parallelism: 3 } });
    const started = Date.now();
    const m = await copy(dir, 'measure', job('measure'));
    const seconds = (Date.now() - started) / 1000;
    assert.equal(m.code, 0, describeRun(m));
    await assertTablesEqual(pg, srcDb, 's_measure', RESUME_TABLES, 'stop');
    const measureDb = new Database(join(dir, 'measure.db'), { readonly: true });
    const totalChunks = (measureDb.prepare('SELECT COUNT(*) AS n FROM chunks').get() as { n: number }).n;
    measureDb.close();
    t.diagnostic(`uninterrupted copy in 16 KiB batches: 140,000 rows, ${totalChunks} chunks, ${seconds.toFixed(1)} s wall time with process start (${Math.round(140_000 / seconds)} rows/s)`);

    let killedMidCopy = 0;
    for (const [i, f] of [0.1, 0.25, 0.4, 0.55, 0.7, 0.85].entries()) {
      const name = `k${i}`;
      const stateFile = join(dir, `${name}.db`);
      const path = writeJob(dir, job(name), `${name}.json`);
      const args = ['run', path, '--state', stateFile];
      const first = await runAndKill(args, stateFile, Math.max(1, Math.round(f * totalChunks)));
      if (first.killed) killedMidCopy++;
      else assert.equal(first.r.code, 0, describeRun(first.r));
      if (first.killed && i === 2) {
        const again = await runAndKill(args, stateFile, Math.round(0.9 * totalChunks));
        if (!again.killed) assert.equal(again.r.code, 0, describeRun(again.r));
      }
      const last = await runCliWithTimeout(args, RUN_TIMEOUT_MS);
      assert.equal(last.code, 0, describeRun(last));
      await assertTablesEqual(pg, srcDb, `s_${name}`, RESUME_TABLES, 'stop');
      // The identity continues after the copied maximum, and the deferred index exists.
      assert.equal(await pg.value(`SELECT nextval(pg_get_serial_sequence('s_${name}.t_int', 'id'))`), '60001');
      assert.equal(await pg.value(`SELECT count(*) FROM pg_indexes WHERE schemaname = 's_${name}' AND indexname = 't_int_ix_a'`), '1');
      t.diagnostic(`kill ${i + 1} at ${Math.round(f * 100)}% of ${totalChunks} chunks: ${first.killed ? 'killed mid-copy' : 'finished first'}; resumed exact`);
    }
    assert.ok(killedMidCopy >= 5, `only ${killedMidCopy} of 6 runs were killed mid-copy`);
  });

  it('a batch meeting rows already there keeps them and adds the rest exactly (onExisting "append")', async () => {
    const job = (name: string): unknown => pgJob(`pg-append-${name}`, pg, srcDb, 's_append', { include: [`${srcDb}.t_int`, `${srcDb}.t_comp`], sink: { batchBytes: 65536 }, snapshot: { chunkRows: 5000, onExisting: 'append' } });
    const first = await copy(dir, 'append-1', job('1'));
    assert.equal(first.code, 0, describeRun(first));
    // Every third row gone, and one kept row changed on the sink: the next copy must add exactly the missing ones.
    await pg.rows(`DELETE FROM s_append.t_int WHERE id % 3 = 0; DELETE FROM s_append.t_comp WHERE n % 3 = 0; UPDATE s_append.t_int SET a = 'sink-only' WHERE id = 1`);
    const second = await copy(dir, 'append-2', job('2'));
    assert.equal(second.code, 0, describeRun(second));
    assert.match(second.stderr, /appending to the existing rows of "s_append"\."t_int"/, describeRun(second));
    assert.equal(await pg.value(`SELECT a FROM s_append.t_int WHERE id = 1`), 'sink-only', 'a row whose key was there is kept as it was');
    await pg.rows(`UPDATE s_append.t_int SET a = 'row-1x' WHERE id = 1`);
    await assertTablesEqual(pg, srcDb, 's_append', ['t_int', 't_comp'], 'stop');
  });
});
