// `cutover verify` between the MariaDB source and a PostgreSQL sink, with the real CLI on the test servers:
//   - the exactness corpus (test/fixtures/types.sql) copied with `cutover run` verifies equal, table by
//     table, with the default chunks and with 100-row chunks; the values PostgreSQL cannot hold under
//     each "unholdable" policy ("-infinity" for most tables, "null" for text holding NUL bytes, "text"
//     for a zero date in a key) verify equal to what the policy wrote;
//   - one value per type family changed on the PostgreSQL side with psql: exit 1, each changed row named
//     by its key, with the changed column and its value on both sides; a row deleted and one added
//     on the sink are named missing and extra; a keyless table's changed row is one copy missing and
//     one extra;
//   - --repair-from rewrites those rows (the job does not run; "mode": "snapshot": inserted strictly) and
//     the whole keyless table, and verify passes again.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, describeRun, exec, q, runCliWithTimeout, sourceUrl, tempDir, uniqueName, writeJob, type CliResult } from '../helpers/db.js';
import { createPgDatabase, pgIdent, type PgTestDatabase } from '../helpers/postgres.js';
import { runVerify, verifyReport } from '../helpers/verify.js';
import type { VerifyReport } from '../../shared/verify.js';

const RUN_TIMEOUT_MS = 5 * 60_000;

describe('cutover verify: MariaDB source, PostgreSQL sink', { timeout: 20 * 60_000 }, () => {
  const srcDb = uniqueName('pgv');
  const dir = tempDir('cutover-pgverify-');
  let pg: PgTestDatabase;
  const jobs: Record<'main' | 'nul' | 'text', string> = { main: '', nul: '', text: '' };
  const state = (k: string): string => join(dir, `${k}.db`);
  const verify = (k: keyof typeof jobs, ...args: string[]): Promise<CliResult> => runVerify(jobs[k], state(k), args, RUN_TIMEOUT_MS);

  const job = (k: keyof typeof jobs, schema: string, policy: string, tables: { include: string[]; exclude?: string[] }): void => {
    jobs[k] = writeJob(
      dir,
      {
        name: uniqueName(`pgv_${k}`),
        source: { url: sourceUrl() },
        sink: { type: 'postgres', url: pg.url, unholdable: policy },
        tables: { include: tables.include, exclude: tables.exclude ?? [] },
        rename: schema === srcDb ? {} : { [srcDb]: schema },
        mode: 'snapshot',
        snapshot: { chunkRows: 500 },
      },
      `${k}.json`,
    );
  };

  before(async () => {
    const sql = readFileSync(join(ROOT, 'test/fixtures/types.sql'), 'utf8');
    await exec(sourceUrl(), `CREATE DATABASE ${q(srcDb)} CHARACTER SET utf8mb4; USE ${q(srcDb)};\n${sql}`);
    pg = await createPgDatabase('pgverify');
    // Zero dates become -infinity; NUL bytes in text are held as NULL; a zero date in a key needs "text".
    job('main', srcDb, '-infinity', { include: [`${srcDb}.*`], exclude: [`${srcDb}.t_text_nul`, `${srcDb}.t_pk_datetime6`] });
    job('nul', `${srcDb}_nul`, 'null', { include: [`${srcDb}.t_text_nul`, `${srcDb}.t_datetime`] });
    job('text', `${srcDb}_text`, 'text', { include: [`${srcDb}.t_pk_datetime6`, `${srcDb}.t_timestamp`] });
    for (const k of Object.keys(jobs) as (keyof typeof jobs)[]) {
      const run = await runCliWithTimeout(['run', jobs[k], '--state', state(k), '--quiet'], RUN_TIMEOUT_MS);
      assert.equal(run.code, 0, `copy of job ${k}\n${describeRun(run)}`);
    }
  }, { timeout: 15 * 60_000 });

  after(async () => {
    await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(srcDb)}`).catch(() => undefined);
    await pg?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  let differing: VerifyReport | null = null;
  const notMatching = (r: VerifyReport): string[] => r.tables.filter((t) => t.state !== 'match').map((t) => `${t.table}: ${t.state} ${t.error ?? JSON.stringify(t.mismatches.slice(0, 3))}`);

  it('every table of the exactness corpus matches, under each policy, with default and 100-row chunks', async () => {
    for (const k of Object.keys(jobs) as (keyof typeof jobs)[]) {
      for (const args of [[], ['--chunk-rows', '100']]) {
        const res = await verify(k, '--json', ...args);
        const r = verifyReport(res);
        assert.deepEqual(notMatching(r), [], `job ${k} ${args.join(' ')}`);
        assert.equal(res.code, 0, describeRun(res));
        assert.equal(r.state, 'pass');
        assert.equal(r.sinkType, 'postgres');
        assert.equal(r.repair.available, true);
        assert.equal(r.summary.rowsSource, r.summary.rowsSink);
        if (k === 'main') {
          assert.ok(r.tables.length >= 39, `only ${r.tables.length} tables verified`);
          if (args.length) assert.ok(r.tables.filter((t) => t.chunks > 3).length >= 10, 'keyed tables should span several 100-row chunks');
        }
      }
    }
  });

  it('one value per type family changed with psql: exit 1, each row named by its key with the changed column; missing, extra and keyless rows', async () => {
    const s = pgIdent(srcDb);
    // [table, key, column, update] — one row of each type family.
    const changes: [string, Record<string, string>, string, string][] = [
      ['t_int', { id: '2' }, 'biu', `UPDATE ${s}.t_int SET biu = 18446744073709551614 WHERE id = 2`],
      ['t_decimal', { id: '3' }, 'd65', `UPDATE ${s}.t_decimal SET d65 = 0.000000000000000000000000000002 WHERE id = 3`],
      ['t_float', { id: '6' }, 'd', `UPDATE ${s}.t_float SET d = 0.3 WHERE id = 6`],
      ['t_datetime', { id: '7' }, 'dt6', `UPDATE ${s}.t_datetime SET dt6 = dt6 + interval '1 microsecond' WHERE id = 7`],
      ['t_timestamp', { id: '8' }, 'ts6', `UPDATE ${s}.t_timestamp SET ts6 = ts6 + interval '1 microsecond' WHERE id = 8`],
      ['t_time', { id: '3' }, 't6', `UPDATE ${s}.t_time SET t6 = interval '0.5 seconds' WHERE id = 3`],
      ['t_year', { id: '2' }, 'y', `UPDATE ${s}.t_year SET y = 1902 WHERE id = 2`],
      ['t_json', { id: '2' }, 'j', `UPDATE ${s}.t_json SET j = jsonb_set(j, '{max}', '18446744073709551614') WHERE id = 2`],
      ['t_bit', { id: '2' }, 'b64', `UPDATE ${s}.t_bit SET b64 = B'1111111111111111111111111111111111111111111111111111111111111110' WHERE id = 2`],
      ['t_enum_set', { id: '4' }, 'e', `UPDATE ${s}.t_enum_set SET e = 'plain' WHERE id = 4`],
      ['t_geo', { id: '2' }, 'p', `UPDATE ${s}.t_geo SET p = p || '\\x00'::bytea WHERE id = 2`],
      ['t_binary', { id: '5' }, 'vb', `UPDATE ${s}.t_binary SET vb = '\\x0001' WHERE id = 5`],
      ['t_latin1', { id: '3' }, 'l', `UPDATE ${s}.t_latin1 SET l = replace(l, '€', 'E') WHERE id = 3`],
      ['t_char_pad', { id: '1' }, 'v', `UPDATE ${s}.t_char_pad SET v = 'abc' WHERE id = 1`],
      ['t_utf8mb4', { id: '6' }, 'bin_v', `UPDATE ${s}.t_utf8mb4 SET bin_v = NULL WHERE id = 6`],
      ['t_misc', { id: '1000' }, 'uuid_col', `UPDATE ${s}.t_misc SET uuid_col = '123e4567-e89b-12d3-a456-426614174001' WHERE id = 1000`],
      ['t_ci_varchar_pk', { k: 'ß' }, 'n', `UPDATE ${s}.t_ci_varchar_pk SET n = 55 WHERE k = 'ß'`],
      ['t_pk_enum', { e: 'alpha', n: '1' }, 's', `UPDATE ${s}.t_pk_enum SET s = 'x' WHERE e = 'alpha' AND n = 1`],
    ];
    await pg.rows(
      changes.map((c) => c[3]).join(';\n') +
        `;\nDELETE FROM ${s}.t_big_unsigned_pk WHERE id = 18446744073709551615` +
        `;\nINSERT INTO ${s}.t_pk_double VALUES (12345.5, 12345.5)` +
        `;\nUPDATE ${s}.t_no_key SET b = 'changed' WHERE ctid = (SELECT ctid FROM ${s}.t_no_key WHERE b = 'dup' LIMIT 1)`,
    );
    const res = await verify('main', '--json', '--chunk-rows', '100');
    assert.equal(res.code, 1, describeRun(res));
    const r = verifyReport(res);
    assert.equal(r.state, 'fail');
    const byTable = new Map(r.tables.map((t) => [t.table.slice(srcDb.length + 1), t]));
    for (const [table, key, column] of changes) {
      const t = byTable.get(table)!;
      assert.equal(t.state, 'mismatch', `${table} should differ`);
      assert.deepEqual(
        t.mismatches.map((m) => [m.kind, m.key, (m.columns ?? []).map((c) => c.name)]),
        [['different', key, [column]]],
        `${table}: ${JSON.stringify(t.mismatches)}`,
      );
    }
    const col = (table: string): { source: string | null; sink: string | null } => byTable.get(table)!.mismatches[0]!.columns![0]!;
    assert.deepEqual(col('t_int'), { name: 'biu', source: '18446744073709551615', sink: '18446744073709551614' });
    assert.deepEqual(col('t_utf8mb4'), { name: 'bin_v', source: '', sink: null });
    assert.deepEqual(col('t_float'), { name: 'd', source: '0.30000000000000004', sink: '0.3' });
    assert.match(col('t_json').sink!, /18446744073709551614/);
    assert.deepEqual(byTable.get('t_big_unsigned_pk')!.mismatches.map((m) => [m.kind, m.key]), [['missing', { id: '18446744073709551615' }]]);
    assert.deepEqual(byTable.get('t_pk_double')!.mismatches.map((m) => [m.kind, m.key, m.values?.f]), [['extra', { d: '12345.5' }, '12345.5']]);
    const keyless = byTable.get('t_no_key')!;
    assert.deepEqual(keyless.mismatches.map((m) => [m.kind, m.count, m.values?.b]).sort(), [['extra', 1, 'changed'], ['missing', 1, 'dup']]);
    const expected = new Set([...changes.map((c) => c[0]), 't_big_unsigned_pk', 't_pk_double', 't_no_key']);
    assert.deepEqual(r.tables.filter((t) => t.state !== 'match').map((t) => t.table.slice(srcDb.length + 1)).sort(), [...expected].sort());
    differing = r;
  });

  it('--repair-from rewrites exactly the named rows of every type family (keyless: the table), and verify is clean', async () => {
    assert.ok(differing, 'the previous test found the differing rows');
    const s = pgIdent(srcDb);
    const before = await pg.value(`SELECT count(*) FROM ${s}.t_int`);
    const res = await verify('main', '--repair-from', String(differing.id), '--json');
    assert.equal(res.code, 0, describeRun(res));
    const r = verifyReport(res);
    assert.equal(r.repairOf, differing.id);
    assert.deepEqual(notMatching(r), []);
    const repaired = new Map(r.tables.map((t) => [t.table.slice(srcDb.length + 1), t.repaired?.rows]));
    for (const t of differing.tables.filter((x) => x.state === 'mismatch')) {
      const name = t.table.slice(srcDb.length + 1);
      if (name === 't_no_key') assert.ok((repaired.get(name) ?? 0) >= 2, 'the keyless table is copied again whole');
      else assert.equal(repaired.get(name), t.mismatches.length, `${name}: one row rewritten per named key`);
    }
    assert.equal(await pg.value(`SELECT count(*) FROM ${s}.t_int`), before, 'no row added or lost');
    assert.equal(await pg.value(`SELECT count(*) FROM ${s}.t_pk_double WHERE d = 12345.5`), '0', 'the extra row is gone');
    assert.equal(await pg.value(`SELECT count(*) FROM ${s}.t_big_unsigned_pk WHERE id = 18446744073709551615`), '1', 'the missing row is back');
    assert.equal(await pg.value(`SELECT count(*) FROM ${s}.t_no_key WHERE b = 'changed'`), '0');
    const all = await verify('main', '--json', '--chunk-rows', '100');
    assert.equal(all.code, 0, describeRun(all));
    assert.deepEqual(notMatching(verifyReport(all)), []);
  });
});

