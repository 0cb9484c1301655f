// The PostgreSQL cluster `npm test` starts (scripts/postgres-server.mjs) and the test helper on it
// (test/helpers/postgres.ts): the server answers on its own port as `cutover` with the password and
// refuses a wrong one, it is the instance CUTOVER_TEST_SERVICES names (starting it again is a no-op),
// and a test's own database is created, holds what is written to it as psql reads it back, and is
// dropped. A cluster that cannot be reached fails these tests; nothing is skipped.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../helpers/db.js';
import { createPgDatabase, dropPgDatabase, pgDatabaseExists, pgDatabaseUrl, postgresUrl, psqlRows, psqlValue, runPsql } from '../helpers/postgres.js';

interface PgServices {
  postgresInstance(prefix: string, portBase: number): { name: string; port: number };
  startPostgres(inst: { name: string; port: number }): Promise<{ url: string; already: boolean }>;
}

describe('PostgreSQL test service', () => {
  it('answers on its own port as the superuser cutover, with the password only', async () => {
    const url = postgresUrl();
    const [row] = await psqlRows(url, "SELECT version(), current_user, inet_server_port(), current_setting('is_superuser'), current_setting('server_encoding')");
    assert.ok(row, 'no row from the server');
    const [version, user, port, superuser, encoding] = row;
    assert.match(version ?? '', /^PostgreSQL \d+/);
    assert.equal(user, 'cutover');
    assert.equal(port, new URL(url).port);
    assert.equal(superuser, 'on');
    assert.equal(encoding, 'UTF8');

    const wrong = new URL(url);
    wrong.password = 'not-the-password';
    const r = await runPsql(wrong.toString(), 'SELECT 1', ['-A', '-t']);
    assert.notEqual(r.code, 0, `a wrong password was accepted over TCP: ${r.stdout}`);
    assert.match(r.stderr, /password authentication failed for user "cutover"/);
  });

  it('is the instance CUTOVER_TEST_SERVICES names, and starting it again leaves it running', async () => {
    const spec = process.env.CUTOVER_TEST_SERVICES;
    assert.ok(spec, 'CUTOVER_TEST_SERVICES is not set: run this test with `npm test`');
    const { prefix, portBase } = JSON.parse(spec) as { prefix: string; portBase: number };
    const services = (await import(pathToFileURL(join(ROOT, 'scripts/test-services.mjs')).href)) as PgServices;
    const inst = services.postgresInstance(prefix, portBase);
    assert.equal(String(inst.port), new URL(postgresUrl()).port, `CUTOVER_TEST_SERVICES (${spec}) does not name the cluster of CUTOVER_TEST_POSTGRES_URL`);
    const before = await psqlValue(postgresUrl(), 'SELECT pg_postmaster_start_time()');
    const again = await services.startPostgres(inst);
    assert.equal(again.already, true);
    assert.equal(again.url, postgresUrl());
    assert.equal(await psqlValue(postgresUrl(), 'SELECT pg_postmaster_start_time()'), before, 'the server was restarted');
  });

  it("gives a test a database of its own, which holds what is written and is dropped afterwards", async () => {
    const db = await createPgDatabase('pg_service');
    try {
      assert.match(db.name, /^pg_service_\d+_\d+$/);
      assert.equal(db.url, pgDatabaseUrl(db.name));
      assert.equal(await pgDatabaseExists(db.name), true);
      assert.equal(await db.value('SELECT current_database()'), db.name);
      const rows = await db.rows(
        `CREATE TABLE "Mixed Case" (id int PRIMARY KEY, t text);
         INSERT INTO "Mixed Case" VALUES (1, 'two' || chr(10) || 'lines'), (2, NULL), (3, ''), (4, 'ünïcødé ✓ 𝄞'), (5, 'a|b,c"d');
         SELECT id, t FROM "Mixed Case" ORDER BY id`,
      );
      assert.deepEqual(rows, [
        ['1', 'two\nlines'],
        ['2', null],
        ['3', ''],
        ['4', 'ünïcødé ✓ 𝄞'],
        ['5', 'a|b,c"d'],
      ]);
      assert.deepEqual(await db.rows('SELECT 1 WHERE false'), []);
      await assert.rejects(db.rows('SELECT * FROM no_such_table'), /relation "no_such_table" does not exist/);
    } finally {
      await db.drop();
    }
    assert.equal(await pgDatabaseExists(db.name), false);
    await dropPgDatabase(db.name); // a second drop is harmless
    await assert.rejects(psqlValue(db.url, 'SELECT 1'), new RegExp(`database "${db.name}" does not exist`));
  });
});
