// The Test of a saved PostgreSQL connection against the test cluster: a working profile, then each leg
// failing for real (a port nothing listens on, TLS the server does not offer, a wrong password, a missing
// database, a user without CREATE on the database) with its fix; the GRANT the privilege fix names is run
// as written, and the Test then passes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { testProfile } from '../../engine/connections/connection-test.js';
import type { PostgresProfile } from '../../shared/profiles.js';
import { createPgDatabase, pgIdent, postgresUrl, psqlRows, type PgTestDatabase } from '../helpers/postgres.js';
import { uniqueName } from '../helpers/db.js';

describe('PostgreSQL connection Test against a real cluster', { timeout: 2 * 60_000 }, () => {
  const admin = new URL(postgresUrl());
  const role = uniqueName('pgt_role').slice(0, 40);
  const ROLE_PW = 'Role-Pw-815!';
  let db: PgTestDatabase;
  const profile = (over: Partial<PostgresProfile> = {}): PostgresProfile => ({
    kind: 'postgres',
    name: 'pg',
    host: admin.hostname,
    port: Number(admin.port),
    user: decodeURIComponent(admin.username),
    database: db.name,
    tls: { mode: 'disabled' },
    ...over,
  });
  const password = decodeURIComponent(admin.password);

  before(async () => {
    db = await createPgDatabase('pgt');
    await psqlRows(postgresUrl(), `CREATE ROLE ${pgIdent(role)} LOGIN PASSWORD '${ROLE_PW}'`);
  });
  after(async () => {
    await db?.drop();
    await psqlRows(postgresUrl(), `DROP ROLE IF EXISTS ${pgIdent(role)}`);
  });

  it('a working profile: the server, its version, the user and no TLS', async () => {
    const r = await testProfile(profile(), { password });
    assert.equal(r.ok, true, r.message);
    assert.equal(r.server?.flavor, 'postgres');
    assert.match(r.server?.version ?? '', /^\d+\.\d+/);
    assert.match(r.message, new RegExp(`as ${profile().user}, database "${db.name}" without TLS`));
  });

  it('a port nothing listens on: the network leg', async () => {
    const r = await testProfile(profile({ port: 1 }), { password });
    assert.deepEqual([r.ok, r.stage], [false, 'network']);
    assert.match(r.message, /Nothing accepts connections at .*:1 \(connection refused\)/);
  });

  it('TLS asked of a server that has none: the TLS leg, with both fixes', async () => {
    const r = await testProfile(profile({ tls: { mode: 'required' } }), { password });
    assert.deepEqual([r.ok, r.stage], [false, 'tls']);
    assert.match(r.message, /does not accept TLS connections/);
    assert.match(r.fix ?? '', /ssl = on[\s\S]*Disabled/);
  });

  it('a wrong password: the authentication leg', async () => {
    const r = await testProfile(profile(), { password: 'not-the-password' });
    assert.deepEqual([r.ok, r.stage], [false, 'auth']);
    assert.match(r.message, /Password authentication failed for user/);
    assert.match(r.fix ?? '', /ALTER ROLE/);
  });

  it('a missing database: named, with the CREATE DATABASE that makes it', async () => {
    const r = await testProfile(profile({ database: `${db.name}_missing` }), { password });
    assert.deepEqual([r.ok, r.stage], [false, 'database']);
    assert.match(r.message, new RegExp(`The database "${db.name}_missing" does not exist`));
    assert.match(r.fix ?? '', new RegExp(`CREATE DATABASE "${db.name}_missing" OWNER`));
  });

  it('a user without CREATE on the database: the privileges leg; the GRANT it names, run as written, fixes it', async () => {
    const r = await testProfile(profile({ user: role }), { password: ROLE_PW });
    assert.deepEqual([r.ok, r.stage], [false, 'privileges']);
    assert.match(r.message, /lacks the CREATE privilege/);
    const grant = /GRANT .*;/.exec(r.fix ?? '')?.[0];
    assert.ok(grant, `a GRANT in the fix: ${r.fix}`);
    await psqlRows(db.url, grant);
    const again = await testProfile(profile({ user: role }), { password: ROLE_PW });
    assert.equal(again.ok, true, again.message);
    await psqlRows(db.url, `REVOKE ALL ON DATABASE ${pgIdent(db.name)} FROM ${pgIdent(role)}`);
  });
});
