// PostgreSQL connection profiles without a server: saved with the password encrypted, resolved into the
// sink's URL (password, libpq sslmode and CA file in it), exported for another machine without the
// password, the wrong kind of profile refused; and the Test's verdicts, leg by leg, from the errors and
// answers a server gives (the real cluster's are checked in test/integration/pg-connection-test.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseJobConfig, type JobFile } from '../../shared/job-config.js';
import { toJobFileEndpoint } from '../../engine/connections/job-file-endpoint.js';
import { Profile, type PostgresProfile } from '../../shared/profiles.js';
import { StateStore } from '../../engine/state/store.js';
import { ProfileStore } from '../../engine/connections/profile-store.js';
import { SecretBox } from '../../engine/connections/secret-box.js';
import { resolveJob } from '../../engine/connections/resolve.js';
import { testProfile } from '../../engine/connections/connection-test.js';
import { classifyPgError, judgeServer, type PgTestTarget } from '../../engine/sink/postgres/connection-test.js';
import { errorOf } from '../helpers/errors.js';

const pg = (over: Partial<PostgresProfile> = {}): PostgresProfile => Profile.parse({ kind: 'postgres', name: 'warehouse', host: 'pg.internal', user: 'loader', database: 'dw', ...over }) as PostgresProfile;

function open(): { store: StateStore; profiles: ProfileStore; env: NodeJS.ProcessEnv } {
  const store = new StateStore(join(mkdtempSync(join(tmpdir(), 'pg-profiles-')), 'state.db'));
  const env = { CUTOVER_SECRET_KEY: randomBytes(32).toString('base64') };
  return { store, profiles: new ProfileStore(store, SecretBox.forStatePath(store.path, env)), env };
}

test('a PostgreSQL profile: port 5432 by default, the database required, the password kept encrypted', () => {
  assert.equal(pg().port, 5432);
  assert.equal(Profile.safeParse({ kind: 'postgres', name: 'x', host: 'h', user: 'u' }).success, false, 'no database');
  assert.equal(Profile.safeParse({ kind: 'postgres', name: 'x', host: 'h', user: 'u', database: 'd', ssh: {} }).success, false, 'no SSH tunnel field');
  const { store, profiles } = open();
  const s = profiles.save({ profile: pg({ tls: { mode: 'verify-identity', caFile: '/etc/pg/ca.pem' } }), secrets: { password: 'pg-secret-9', sshPassword: 'unused' } });
  assert.deepEqual(s.has, { password: true, sshPassword: false, sshPassphrase: false }, 'a secret the kind does not use is dropped');
  assert.equal(s.description, 'loader@pg.internal:5432/dw, TLS verify-identity');
  const row = store.db.prepare('SELECT settings, secrets FROM profiles').get() as { settings: string; secrets: string };
  assert.ok(!row.settings.includes('pg-secret-9') && !row.secrets.includes('pg-secret-9'), 'never in clear');
  assert.deepEqual(profiles.get('warehouse').secrets, { password: 'pg-secret-9' });
});

const base = { name: 'j', tables: { include: ['shop.*'] }, mode: 'snapshot' };
const file = (sink: unknown): JobFile => parseJobConfig({ ...base, source: { url: 'mysql://u:p@h' }, sink });

test('a job file naming a PostgreSQL profile resolves to a URL with the password, sslmode=verify-full and the CA file', async () => {
  const { store, profiles, env } = open();
  profiles.save({ profile: pg({ tls: { mode: 'verify-identity', caFile: '/etc/pg/ca root.pem' } }), secrets: { password: 'p@ss:w/rd' } });
  const r = await resolveJob(file({ type: 'postgres', profile: 'warehouse', unholdable: 'null' }), { store, env });
  assert.equal(r.config.sink.type, 'postgres');
  const sink = r.config.sink.type === 'postgres' ? r.config.sink : null;
  const u = new URL(sink!.url);
  assert.deepEqual(
    [u.username, decodeURIComponent(u.password), u.host, u.pathname, u.searchParams.get('sslmode'), u.searchParams.get('sslrootcert'), u.searchParams.get('uselibpqcompat')],
    ['loader', 'p@ss:w/rd', 'pg.internal:5432', '/dw', 'verify-full', '/etc/pg/ca root.pem', 'true'],
  );
  assert.equal(sink!.unholdable, 'null', "the job's options are kept");
  assert.equal('profile' in sink!, false);
  await r.close();
});

test('a PostgreSQL sink takes a PostgreSQL profile only, and "url" or "profile", not both', async () => {
  const { store, profiles, env } = open();
  profiles.save({ profile: { kind: 'mysql', name: 'db', host: 'h', user: 'u' }, secrets: {} });
  const wrong = await resolveJob(file({ type: 'postgres', profile: 'db' }), { store, env }).catch((e: Error) => e);
  assert.match(String((wrong as Error).message), /"db" is not a PostgreSQL profile/);
  assert.match(errorOf(() => parseJobConfig({ ...base, source: { url: 'mysql://u@h' }, sink: { type: 'postgres', url: 'postgres://u@h:5432/d', profile: 'x' } })).message, /has both "url" and "profile"/);
  assert.match(errorOf(() => parseJobConfig({ ...base, source: { url: 'mysql://u@h' }, sink: { type: 'postgres' } })).message, /needs "url" or "profile"/);
  assert.match(errorOf(() => parseJobConfig({ ...base, source: { url: 'mysql://u@h' }, sink: { type: 'postgres', profile: 'x', passwordEnv: 'PW' } })).message, /a profile carries its own password/);
});

test('exported for another machine: the URL with sslmode and no password, the password named as an environment variable', async () => {
  const p = pg({ tls: { mode: 'required' } });
  assert.deepEqual(toJobFileEndpoint(p, 'profile'), { profile: 'warehouse' });
  const env = toJobFileEndpoint(p, 'env', 'CUTOVER_SINK', { password: true, sshPassword: false, sshPassphrase: false });
  assert.deepEqual(env, { url: 'postgres://loader@pg.internal:5432/dw?uselibpqcompat=true&sslmode=require', passwordEnv: 'CUTOVER_SINK_PASSWORD' });
  const r = await resolveJob(file({ type: 'postgres', ...env }), { env: { CUTOVER_SINK_PASSWORD: 's3cret' } });
  assert.equal(new URL(r.config.sink.type === 'postgres' ? r.config.sink.url : '').password, 's3cret');
  await r.close();
});

const target: PgTestTarget = { url: 'postgres://loader@pg.internal:5432/dw', host: 'pg.internal', port: 5432, user: 'loader', database: 'dw', tlsMode: 'disabled', hasPassword: true };

test('the Test names the failing leg and its fix: DNS, TCP, TLS refused and required, pg_hba, password, database', () => {
  const leg = (e: { code?: string; message?: string }, t: Partial<PgTestTarget> = {}) => classifyPgError(e, { ...target, ...t });
  const dns = leg({ code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND pg.internal' });
  assert.deepEqual([dns.ok, dns.stage], [false, 'network']);
  assert.match(dns.message, /pg\.internal cannot be resolved/);
  const tcp = leg({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' });
  assert.equal(tcp.stage, 'network');
  assert.match(tcp.fix ?? '', /listen_addresses/);
  const noSsl = leg({ message: 'The server does not support SSL connections' }, { tlsMode: 'required' });
  assert.equal(noSsl.stage, 'tls');
  assert.match(noSsl.fix ?? '', /ssl = on/);
  const cert = leg({ code: 'ERR_TLS_CERT_ALTNAME_INVALID', message: "Hostname/IP does not match certificate's altnames" }, { tlsMode: 'verify-identity' });
  assert.equal(cert.stage, 'tls');
  assert.match(cert.fix ?? '', /name the host pg\.internal \(verify-full\)/);
  const hostssl = leg({ code: '28000', message: 'no pg_hba.conf entry for host "10.0.0.9", user "loader", database "dw", no encryption' });
  assert.equal(hostssl.stage, 'tls');
  assert.match(hostssl.fix ?? '', /Required/);
  const hba = leg({ code: '28000', message: 'no pg_hba.conf entry for host "10.0.0.9", user "loader", database "dw", SSL encryption' }, { tlsMode: 'required' });
  assert.equal(hba.stage, 'auth');
  assert.match(hba.fix ?? '', /host dw loader <this machine's address>\/32 scram-sha-256[\s\S]*pg_reload_conf/);
  const pw = leg({ code: '28P01', message: 'password authentication failed for user "loader"' });
  assert.equal(pw.stage, 'auth');
  assert.match(pw.fix ?? '', /ALTER ROLE "loader" PASSWORD/);
  const noPw = leg({ message: 'SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string' }, { hasPassword: false });
  assert.equal(noPw.stage, 'auth');
  assert.match(noPw.message, /none is saved/);
  const db = leg({ code: '3D000', message: 'database "dw" does not exist' });
  assert.equal(db.stage, 'database');
  assert.match(db.fix ?? '', /CREATE DATABASE "dw" OWNER "loader";/);
});

test('the Test after the login: an old server, missing privileges (with the GRANT), and what a working connection reached', () => {
  const server = { versionNum: 150004, version: '15.4', user: 'loader', canCreate: true, canTemp: true, tls: 'TLSv1.3' };
  const old = judgeServer({ ...server, versionNum: 110020, version: '11.20' }, target);
  assert.deepEqual([old.ok, old.stage], [false, 'server']);
  assert.match(old.message, /needs 12 or later/);
  const priv = judgeServer({ ...server, canCreate: false, canTemp: false }, target);
  assert.equal(priv.stage, 'privileges');
  assert.match(priv.fix ?? '', /GRANT CREATE, TEMPORARY ON DATABASE "dw" TO "loader";/);
  const temp = judgeServer({ ...server, canTemp: false }, target);
  assert.match(temp.fix ?? '', /GRANT TEMPORARY ON DATABASE "dw" TO "loader";/);
  const ok = judgeServer(server, target);
  assert.equal(ok.ok, true);
  assert.deepEqual(ok.server, { flavor: 'postgres', version: '15.4' });
  assert.equal(ok.tlsVersion, 'TLSv1.3');
  assert.match(ok.message, /Connected to PostgreSQL 15\.4 as loader, database "dw" over TLS \(TLSv1\.3\)/);
});

test('testProfile on a PostgreSQL profile with nothing listening: the network leg, never a throw', async () => {
  const r = await testProfile(pg({ host: '127.0.0.1', port: 1 }), { password: 'x' });
  assert.deepEqual([r.ok, r.stage], [false, 'network']);
  assert.match(r.message, /Nothing accepts connections at 127\.0\.0\.1:1/);
});
