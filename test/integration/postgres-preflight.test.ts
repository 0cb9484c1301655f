// The PostgreSQL sink's own preflight, through `cutover run` on the test servers:
//   - a database that does not exist: the run stops before copying, naming it and the CREATE DATABASE;
//   - a role without CREATE on the database: the run stops naming the GRANT; once granted, it copies;
//   - a trigger and a routine on the source are said to be not translated for a PostgreSQL sink (never
//     "created at cutover", which only a MySQL sink does).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describeRun, exec, q, runCliWithTimeout, sourceUrl, tempDir, uniqueName, writeJob } from '../helpers/db.js';
import { createPgDatabase, pgDatabaseUrl, psqlRows, postgresUrl, type PgTestDatabase } from '../helpers/postgres.js';

describe('PostgreSQL sink preflight', { timeout: 300_000 }, () => {
  const src = uniqueName('pgpre');
  const role = uniqueName('pgpre_role');
  const dir = tempDir('cutover-pgpreflight-');
  let pg: PgTestDatabase;
  const run = (url: string, name: string) => {
    const job = writeJob(dir, { name, source: { url: sourceUrl() }, sink: { type: 'postgres', url }, tables: { include: [`${src}.*`] }, mode: 'snapshot' }, `${name}.json`);
    return runCliWithTimeout(['run', job, '--state', join(dir, `${name}.db`)], 120_000);
  };

  before(async () => {
    await exec(
      sourceUrl(),
      `CREATE DATABASE ${q(src)}; CREATE TABLE ${q(src)}.t (id INT PRIMARY KEY, v INT); INSERT INTO ${q(src)}.t VALUES (1, 1);
       CREATE TRIGGER ${q(src)}.t_bump BEFORE INSERT ON ${q(src)}.t FOR EACH ROW SET NEW.v = NEW.v + 1;
       CREATE FUNCTION ${q(src)}.twice(x INT) RETURNS INT DETERMINISTIC RETURN x * 2;`,
    );
    pg = await createPgDatabase('pgpre');
    await psqlRows(postgresUrl(), `CREATE ROLE "${role}" LOGIN PASSWORD 'pw'; REVOKE CREATE ON DATABASE "${pg.name}" FROM PUBLIC; GRANT CONNECT ON DATABASE "${pg.name}" TO "${role}"`);
  });

  after(async () => {
    await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(src)}`).catch(() => undefined);
    await pg?.drop();
    await psqlRows(postgresUrl(), `DROP ROLE IF EXISTS "${role}"`).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a missing database stops the run naming CREATE DATABASE; triggers and routines are said not to be translated', async () => {
    const missing = uniqueName('nodb');
    const r = await run(pgDatabaseUrl(missing), 'missing');
    assert.notEqual(r.code, 0, describeRun(r));
    const out = r.stdout + r.stderr;
    assert.match(out, /Preflight failed/);
    assert.ok(out.includes(`The database "${missing}" does not exist`), describeRun(r));
    assert.ok(out.includes(`CREATE DATABASE "${missing}"`), describeRun(r));
    assert.match(out, /trigger\(s\) found: not translated for a PostgreSQL sink/);
    assert.match(out, /routine\(s\) found: not translated for a PostgreSQL sink/);
    assert.doesNotMatch(out, /creates them at cutover/);
  });

  it('a role without CREATE on the database stops the run naming the GRANT; granted, the job copies', async () => {
    const u = new URL(pg.url);
    u.username = role;
    u.password = 'pw';
    const r = await run(u.toString(), 'limited');
    assert.notEqual(r.code, 0, describeRun(r));
    assert.ok((r.stdout + r.stderr).includes(`GRANT CREATE ON DATABASE "${pg.name}" TO "${role}";`), describeRun(r));
    assert.equal((await pg.rows(`SELECT count(*) FROM pg_namespace WHERE nspname = '${src}'`))[0]![0], '0', 'nothing was created');
    await psqlRows(postgresUrl(), `GRANT CREATE ON DATABASE "${pg.name}" TO "${role}"`);
    const ok = await run(u.toString(), 'limited');
    assert.equal(ok.code, 0, describeRun(ok));
    assert.deepEqual(await psqlRows(pgDatabaseUrl(pg.name), `SELECT id, v FROM "${src}".t`), [['1', '1']]);
  });
});
