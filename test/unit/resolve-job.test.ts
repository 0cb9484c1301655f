// resolveJob without a network: secrets from environment variables (a missing one named, with the
// export that fixes it), saved profiles decrypted from the state file into URLs with their TLS
// parameters, passwords percent-encoded, Kafka TLS and SASL, and the wrong kind of profile refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CutoverError } from '../../shared/errors.js';
import { mysqlSourceUrl, parseJobConfig, type JobFile } from '../../shared/job-config.js';
import { parseMysqlUrl } from '../../engine/mysql/connection.js';
import { StateStore } from '../../engine/state/store.js';
import { ProfileStore } from '../../engine/connections/profile-store.js';
import { SecretBox } from '../../engine/connections/secret-box.js';
import { resolveJob, resolveMysqlEndpoint } from '../../engine/connections/resolve.js';

const base = { name: 'j', tables: { include: ['shop.*'] }, mode: 'snapshot' };
const file = (source: unknown, sink: unknown): JobFile => parseJobConfig({ ...base, source, sink });

async function rejection(p: Promise<unknown>): Promise<CutoverError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof CutoverError, `expected a CutoverError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected an error');
}

function stateWithProfiles(): { store: StateStore; env: NodeJS.ProcessEnv } {
  const env = { CUTOVER_SECRET_KEY: randomBytes(32).toString('base64') };
  const store = new StateStore(join(mkdtempSync(join(tmpdir(), 'resolve-')), 'state.db'));
  const profiles = new ProfileStore(store, SecretBox.forStatePath(store.path, env));
  profiles.save({ profile: { kind: 'mysql', name: 'src', host: 'db.internal', port: 3307, user: 'reader', tls: { mode: 'verify-identity', caFile: '/etc/ca.pem' } }, secrets: { password: 'p@ss/w:rd%' } });
  profiles.save({ profile: { kind: 'kafka', name: 'events', brokers: ['k1:9093'], tls: { mode: 'verify-ca', caFile: '/ca.pem' }, sasl: { mechanism: 'scram-sha-256', username: 'cutover' } }, secrets: { password: 'kafka-pw' } });
  return { store, env };
}

test('URLs and today\'s form pass through; passwordEnv puts the percent-encoded password into the URL', async () => {
  const r = await resolveJob(file({ url: 'mysql://u:inline@h:1/db?ssl-mode=REQUIRED' }, { type: 'mysql', url: 'mysql://w@sink:3306', passwordEnv: 'SINK_PW', batchBytes: 8192 }), {
    env: { SINK_PW: 'a%b@c:d/e' },
  });
  const src = parseMysqlUrl(mysqlSourceUrl(r.config, 'test'));
  assert.deepEqual([src.user, src.password, src.host, src.port, src.database, src.ssl?.mode], ['u', 'inline', 'h', 1, 'db', 'REQUIRED']);
  assert.equal(r.config.sink.type, 'mysql');
  const sink = parseMysqlUrl(r.config.sink.type === 'mysql' ? r.config.sink.url : '');
  assert.equal(sink.password, 'a%b@c:d/e');
  assert.equal(r.config.sink.type === 'mysql' && r.config.sink.batchBytes, 8192);
  assert.deepEqual(r.tunnels, []);
  assert.equal(r.config.name, 'j');
  assert.equal(r.config.snapshot.chunkRows, 20_000, 'the rest of the job is kept');
  await r.close();
});

test('a PostgreSQL sink: passwordEnv puts the percent-encoded password into its URL, parameters kept', async () => {
  const r = await resolveJob(file({ url: 'mysql://u:p@h' }, { type: 'postgres', url: 'postgres://w@pg:5432/target?sslmode=require', passwordEnv: 'PG_PW' }), { env: { PG_PW: 'a%b@c:d/e' } });
  assert.equal(r.config.sink.type, 'postgres');
  const u = new URL(r.config.sink.type === 'postgres' ? r.config.sink.url : '');
  assert.deepEqual([decodeURIComponent(u.password), u.username, u.host, u.pathname, u.searchParams.get('sslmode')], ['a%b@c:d/e', 'w', 'pg:5432', '/target', 'require']);
  assert.equal('passwordEnv' in r.config.sink, false);
  await r.close();
});

test('a missing environment variable is named, with the export that fixes it', async () => {
  const e = await rejection(resolveJob(file({ url: 'mysql://u@h', passwordEnv: 'CUTOVER_SOURCE_PASSWORD' }, { type: 'mysql', url: 'mysql://u:p@s' }), { env: {} }));
  assert.match(e.message, /The environment variable CUTOVER_SOURCE_PASSWORD is not set; the job file takes the source's password from it \(\$\.source\.passwordEnv\)/);
  assert.match(e.fix ?? '', /^export CUTOVER_SOURCE_PASSWORD='…'/);
  const ssh = await rejection(
    resolveJob(file({ url: 'mysql://u@h', ssh: { host: 'b', user: 'o', privateKeyFile: '/k', passphraseEnv: 'KEY_PASS' } }, { type: 'mysql', url: 'mysql://u:p@s' }), { env: {} }),
  );
  assert.match(ssh.message, /KEY_PASS is not set; the job file takes the passphrase of \/k from it \(\$\.source\.ssh\.passphraseEnv\)/);
  const sasl = await rejection(
    resolveJob(file({ url: 'mysql://u@h' }, { type: 'kafka', brokers: ['k:9092'], sasl: { mechanism: 'plain', username: 'me', passwordEnv: 'KAFKA_PW' } }), { env: { KAFKA_PW: '' } }),
  );
  assert.match(sasl.message, /KAFKA_PW is not set; the job file takes the SASL password of me from it \(\$\.sink\.sasl\.passwordEnv\)/);
});

test('profiles: decrypted from the state file into a URL with TLS parameters, and a Kafka sink with TLS and SASL', async () => {
  const { store, env } = stateWithProfiles();
  const r = await resolveJob(file({ profile: 'src' }, { type: 'kafka', profile: 'events', format: 'canal' }), { store, env });
  const src = parseMysqlUrl(mysqlSourceUrl(r.config, 'test'));
  assert.deepEqual([src.user, src.password, src.host, src.port], ['reader', 'p@ss/w:rd%', 'db.internal', 3307]);
  assert.deepEqual(src.ssl, { mode: 'VERIFY_IDENTITY', ca: '/etc/ca.pem', cert: undefined, key: undefined, servername: undefined });
  assert.deepEqual(r.config.sink, {
    type: 'kafka',
    format: 'canal',
    topic: 'cutover.{db}.{table}',
    key: 'pk',
    partitions: 6,
    replicationFactor: 1,
    exactlyOnce: false,
    tombstones: false,
    schemaTopic: 'cutover.{job}.schema-changes',
    brokers: ['k1:9093'],
    tls: { mode: 'verify-ca', caFile: '/ca.pem' },
    sasl: { mechanism: 'scram-sha-256', username: 'cutover', password: 'kafka-pw' },
  });
  const only = await resolveMysqlEndpoint({ profile: 'src' }, 'sink', { store, env });
  assert.equal(parseMysqlUrl(only.url).password, 'p@ss/w:rd%');
  await only.close();
  store.close();
});

test('a missing profile, the wrong kind of profile, and another key are refused clearly', async () => {
  const { store, env } = stateWithProfiles();
  const missing = await rejection(resolveJob(file({ profile: 'nope' }, { type: 'mysql', url: 'mysql://u:p@s' }), { store, env }));
  assert.equal(missing.code, 'NOT_FOUND');
  assert.match(missing.fix ?? '', /"events", "src"/);
  assert.match((await rejection(resolveJob(file({ profile: 'events' }, { type: 'mysql', url: 'mysql://u:p@s' }), { store, env }))).message, /"events" is not a MySQL\/MariaDB profile; the source needs a MySQL or MariaDB one/);
  assert.match((await rejection(resolveJob(file({ url: 'mysql://u:p@s' }, { type: 'kafka', profile: 'src' }), { store, env }))).message, /"src" is not a Kafka profile; a Kafka sink needs a Kafka one/);
  const wrongKey = await rejection(resolveJob(file({ profile: 'src' }, { type: 'mysql', url: 'mysql://u:p@s' }), { store, env: { CUTOVER_SECRET_KEY: randomBytes(32).toString('base64') } }));
  assert.match(wrongKey.message, /The password of the profile "src" cannot be decrypted: it was encrypted with another key/);
  assert.ok(!wrongKey.message.includes('p@ss'));
  store.close();
});

test('the state file named by statePath is opened for profiles and closed again', async () => {
  const { store, env } = stateWithProfiles();
  const path = store.path;
  store.close();
  const r = await resolveJob(file({ profile: 'src' }, { type: 'mysql', url: 'mysql://u:p@s' }), { statePath: path, env });
  assert.equal(parseMysqlUrl(mysqlSourceUrl(r.config, 'test')).user, 'reader');
  await r.close();
});
