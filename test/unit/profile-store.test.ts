// Saved profiles: secrets kept, replaced or cleared on save, encrypted in the state file (never in
// clear, never in list()), renames that refuse a taken name, delete, test results; and every validation
// of shared/profiles.ts, with messages that never quote a secret.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Profile, ProfileInput } from '../../shared/profiles.js';
import { issueLines } from '../../shared/validation-errors.js';
import { StateStore } from '../../engine/state/store.js';
import { describeProfile, ProfileStore } from '../../engine/connections/profile-store.js';
import { sinkKind } from '../../engine/sink/registry.js';
import { SecretBox } from '../../engine/connections/secret-box.js';
import { errorOf } from '../helpers/errors.js';

const FP = 'SHA256:J9xCU2zKv2nrUdfMpaWTvqg6GhhQSgD1+UyY3Ro6d9E';

const mysql = (over: Record<string, unknown> = {}): Record<string, unknown> => ({ kind: 'mysql', name: 'prod-db', host: 'db.internal', user: 'cutover', ...over });

function open(): { store: StateStore; profiles: ProfileStore; path: string } {
  const path = join(mkdtempSync(join(tmpdir(), 'profiles-')), 'state.db');
  const store = new StateStore(path);
  return { store, profiles: new ProfileStore(store, SecretBox.fromKey(randomBytes(32))), path };
}


test('save and get: defaults filled, secrets decrypted; list() shows which secrets exist, never their values', () => {
  const { profiles, store, path } = open();
  const s = profiles.save({ profile: mysql({ ssh: { host: 'bastion', user: 'ops', auth: 'password' } }), secrets: { password: 'db-secret-1', sshPassword: 'ssh-secret-2' } });
  assert.deepEqual(s.has, { password: true, sshPassword: true, sshPassphrase: false });
  assert.equal(s.lastTest, null);
  const got = profiles.get('prod-db');
  assert.equal(got.profile.kind === 'mysql' && got.profile.port, 3306);
  assert.equal(got.profile.kind === 'mysql' && got.profile.ssh?.port, 22);
  assert.deepEqual(got.secrets, { password: 'db-secret-1', sshPassword: 'ssh-secret-2' });
  const listed = JSON.stringify(profiles.list());
  assert.ok(!listed.includes('db-secret-1') && !listed.includes('ssh-secret-2'));
  const row = store.db.prepare('SELECT settings, secrets FROM profiles').get() as { settings: string; secrets: string };
  assert.ok(!row.settings.includes('secret'), 'settings hold no secret');
  assert.match(row.secrets, /"password":"v1:/);
  store.close();
  const bytes = readFileSync(path).toString('latin1') + readFileSync(`${path}-wal`, { flag: 'a+' }).toString('latin1');
  assert.ok(!bytes.includes('db-secret-1') && !bytes.includes('ssh-secret-2'), 'no secret in clear in the state file');
});

test('an undefined secret keeps the stored one, a new value replaces it, "" clears it', () => {
  const { profiles } = open();
  profiles.save({ profile: mysql(), secrets: { password: 'first' } });
  profiles.save({ profile: mysql({ port: 3307 }) });
  assert.equal(profiles.get('prod-db').secrets.password, 'first');
  const p = profiles.get('prod-db').profile;
  assert.equal(p.kind === 'mysql' && p.port, 3307);
  profiles.save({ profile: mysql(), secrets: { password: 'second' } });
  assert.equal(profiles.get('prod-db').secrets.password, 'second');
  profiles.save({ profile: mysql(), secrets: { password: '' } });
  assert.equal(profiles.get('prod-db').secrets.password, undefined);
  assert.equal(profiles.summary('prod-db')?.has.password, false);
});

test('secrets the settings no longer use are dropped (SSH password after switching to a key)', () => {
  const { profiles } = open();
  profiles.save({ profile: mysql({ ssh: { host: 'b', user: 'ops', auth: 'password' } }), secrets: { password: 'p', sshPassword: 'sp' } });
  profiles.save({ profile: mysql({ ssh: { host: 'b', user: 'ops', auth: 'key', privateKeyFile: '/k' } }), secrets: { sshPassphrase: 'pp' } });
  assert.deepEqual(profiles.get('prod-db').secrets, { password: 'p', sshPassphrase: 'pp' });
  profiles.save({ profile: mysql() });
  assert.deepEqual(profiles.get('prod-db').secrets, { password: 'p' });
});

test('rename keeps the secrets and the last test; a name already taken is refused; a missing previous name too', () => {
  const { profiles } = open();
  profiles.save({ profile: mysql(), secrets: { password: 'pw' } });
  profiles.recordTest('prod-db', true, 1234);
  profiles.save({ profile: mysql({ name: 'other' }), secrets: { password: 'x' } });
  const e = errorOf(() => profiles.save({ profile: mysql({ name: 'other' }), previousName: 'prod-db' }));
  assert.equal(e.code, 'CONFLICT');
  assert.match(e.message, /named "other" already exists/);
  const s = profiles.save({ profile: mysql({ name: 'prod (old)' }), previousName: 'prod-db' });
  assert.deepEqual(s.lastTest, { at: 1234, ok: true });
  assert.equal(profiles.get('prod (old)').secrets.password, 'pw');
  assert.equal(profiles.summary('prod-db'), null);
  assert.equal(errorOf(() => profiles.save({ profile: mysql({ name: 'x' }), previousName: 'nope' })).code, 'NOT_FOUND');
  assert.deepEqual(profiles.list().map((p) => p.profile.name), ['other', 'prod (old)']);
});

test('delete, recordTest, and a missing profile named with the ones that exist', () => {
  const { profiles, store } = open();
  profiles.save({ profile: { kind: 'kafka', name: 'events', brokers: ['k1:9092'] } });
  profiles.recordTest('events', false, 99);
  assert.deepEqual(profiles.summary('events')?.lastTest, { at: 99, ok: false });
  const e = errorOf(() => profiles.get('prod'));
  assert.equal(e.code, 'NOT_FOUND');
  assert.match(e.message, /no saved connection profile named "prod" in the state file/);
  assert.match(e.fix ?? '', /"events"/);
  // Which state file was read, and how to read another one.
  assert.ok(e.message.includes(`in the state file ${store.path} (the one this command read)`), e.message);
  assert.match(e.fix ?? '', /another state file, name that file with --state FILE/);
  profiles.delete('events');
  assert.equal(profiles.list().length, 0);
  assert.match(errorOf(() => profiles.get('prod')).fix ?? '', /--state FILE \(or CUTOVER_STATE=FILE\)/);
  assert.equal(errorOf(() => profiles.delete('events')).code, 'NOT_FOUND');
  assert.equal(errorOf(() => profiles.recordTest('events', true)).code, 'NOT_FOUND');
});

test('a profile saved with another key cannot be read, and says so; retyping the secret works without the old key', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'profiles-')), 'state.db');
  const store = new StateStore(path);
  new ProfileStore(store, SecretBox.fromKey(randomBytes(32), 'key A')).save({ profile: mysql(), secrets: { password: 'pw' } });
  const other = new ProfileStore(store, SecretBox.fromKey(randomBytes(32), 'key B'));
  assert.equal(other.list().length, 1, 'listing needs no key');
  const e = errorOf(() => other.get('prod-db'));
  assert.match(e.message, /The password of the profile "prod-db" cannot be decrypted: it was encrypted with another key than this one \(key B\)/);
  other.save({ profile: mysql(), secrets: { password: 'new' } });
  assert.equal(other.get('prod-db').secrets.password, 'new');
});

test('resolveInput merges typed and stored secrets for a Test of an unsaved form', () => {
  const { profiles } = open();
  profiles.save({ profile: mysql(), secrets: { password: 'stored' } });
  assert.deepEqual(profiles.resolveInput({ profile: mysql({ host: 'elsewhere' }) }).secrets, { password: 'stored' });
  assert.deepEqual(profiles.resolveInput({ profile: mysql({ name: 'renamed' }), previousName: 'prod-db', secrets: {} }).secrets, { password: 'stored' });
  assert.deepEqual(profiles.resolveInput({ profile: mysql(), secrets: { password: 'typed' } }).secrets, { password: 'typed' });
  assert.deepEqual(profiles.resolveInput({ profile: mysql({ name: 'new' }) }).secrets, {});
});

test('secrets a profile cannot work without are required on save', () => {
  const { profiles } = open();
  const e = errorOf(() => profiles.save({ profile: mysql({ ssh: { host: 'b', user: 'ops', auth: 'password' } }), secrets: { password: 'p' } }));
  assert.match(e.message, /\$\.secrets\.sshPassword: the SSH tunnel logs in with a password/);
  const k = errorOf(() => profiles.save({ profile: { kind: 'kafka', name: 'k', brokers: ['a:1'], sasl: { mechanism: 'scram-sha-512', username: 'u' } } }));
  assert.match(k.message, /\$\.secrets\.password: SASL scram-sha-512 needs the password of u/);
});

test('the descriptor of each kind says which secrets its profiles keep; a profile of another kind is refused by its rules', () => {
  const { profiles } = open();
  const all = { password: 'p', sshPassword: 's', sshPassphrase: 'k' };
  const kept = (profile: Record<string, unknown>): string[] => Object.keys(profiles.resolveInput({ profile, secrets: all }).secrets).sort();
  assert.deepEqual(kept(mysql({ ssh: { host: 'b', user: 'ops', auth: 'key', privateKeyFile: '/k' } })), ['password', 'sshPassphrase']);
  assert.deepEqual(kept({ kind: 'postgres', name: 'pg', host: 'h', user: 'u', database: 'd' }), ['password']);
  assert.deepEqual(kept({ kind: 'kafka', name: 'k', brokers: ['a:1'] }), [], 'no SASL: no password');
  assert.deepEqual(kept({ kind: 'kafka', name: 'k', brokers: ['a:1'], sasl: { mechanism: 'plain', username: 'u' } }), ['password']);
  assert.deepEqual(kept({ kind: 'elasticsearch', name: 'es', url: 'http://h:9200' }), [], 'no authentication: no secret');
  assert.deepEqual(kept({ kind: 'elasticsearch', name: 'es', url: 'http://h:9200', auth: 'apiKey' }), ['password']);
  const pg = Profile.parse({ kind: 'postgres', name: 'pg', host: 'h', user: 'u', database: 'd' });
  assert.throws(() => sinkKind('kafka').profile.usedSecrets(pg), /"pg" \(postgres\) was handed to the rules of kafka profiles/);
});

/** The validation message of an invalid profile input (issue lines), asserting it never quotes `secret`. */
function invalid(input: unknown, secret = 'TOPSECRET'): string {
  const r = ProfileInput.safeParse(input);
  assert.ok(!r.success, `expected invalid: ${JSON.stringify(input)}`);
  const text = issueLines(r.error.issues).join('\n');
  assert.ok(!text.includes(secret), 'a message never quotes a secret');
  return text;
}

test('every rule of shared/profiles.ts, each with its JSON path', () => {
  assert.match(invalid({ profile: mysql({ name: 'a/b' }) }), /\$\.profile\.name: use 1–64 letters/);
  assert.match(invalid({ profile: mysql({ name: 'x'.repeat(65) }) }), /\$\.profile\.name/);
  assert.match(invalid({ profile: mysql({ port: 70000 }) }), /\$\.profile\.port/);
  assert.match(invalid({ profile: mysql({ host: '' }) }), /\$\.profile\.host/);
  assert.match(invalid({ profile: mysql({ user: '' }) }), /\$\.profile\.user/);
  assert.match(invalid({ profile: mysql({ kind: 'oracle' }) }), /\$\.profile\.kind/);
  assert.match(invalid({ profile: mysql({ tls: { mode: 'verify' } }) }), /\$\.profile\.tls\.mode/);
  assert.match(invalid({ profile: mysql({ tls: { mode: 'required', certFile: '/c.pem' } }) }), /\$\.profile\.tls\.keyFile: a client certificate and its key go together/);
  assert.match(invalid({ profile: mysql({ tls: { mode: 'required', keyFile: '/k.pem' } }) }), /\$\.profile\.tls\.certFile: a client certificate and its key go together/);
  assert.match(invalid({ profile: mysql({ tls: { mode: 'disabled', caFile: '/ca.pem' } }) }), /\$\.profile\.tls\.mode: TLS is disabled but files are given/);
  assert.match(invalid({ profile: mysql({ socket: '/run/mysqld.sock', tls: { mode: 'required' } }) }), /\$\.profile\.tls\.mode: a Unix socket is a local connection/);
  assert.match(invalid({ profile: mysql({ socket: '/run/mysqld.sock', ssh: { host: 'b', user: 'u', auth: 'password' } }) }), /\$\.profile\.ssh: a Unix socket .* SSH tunnel/);
  assert.match(invalid({ profile: mysql({ ssh: { host: 'b', user: 'u', auth: 'key' } }) }), /\$\.profile\.ssh\.privateKeyFile: key authentication needs the private key file/);
  assert.match(invalid({ profile: mysql({ ssh: { host: 'b', user: 'u', auth: 'password', privateKeyFile: '/k' } }) }), /\$\.profile\.ssh\.privateKeyFile: password authentication uses no key file/);
  assert.match(invalid({ profile: mysql({ ssh: { host: 'b', user: 'u', auth: 'agent' } }) }), /\$\.profile\.ssh\.auth/);
  assert.match(invalid({ profile: mysql({ ssh: { host: 'b', user: 'u', auth: 'password', hostKey: 'MD5:aa:bb' } }) }), /\$\.profile\.ssh\.hostKey: must be a fingerprint "SHA256:…"/);
  assert.match(invalid({ profile: mysql({ ssh: { host: 'b', user: 'u', auth: 'password', port: 0 } }) }), /\$\.profile\.ssh\.port/);
  assert.match(invalid({ profile: mysql({ ssh: { host: '', user: 'u', auth: 'password' } }) }), /\$\.profile\.ssh\.host/);
  assert.match(invalid({ profile: mysql({ password: 'TOPSECRET' }) }), /\$\.profile: unknown field\(s\) "password"/);
  assert.match(invalid({ profile: mysql(), secrets: { password: 'TOPSECRET'.repeat(200) } }), /\$\.secrets\.password/);
  assert.match(invalid({ profile: mysql(), secrets: { token: 'TOPSECRET' } }), /\$\.secrets: unknown field\(s\) "token"/);
  assert.match(invalid({ profile: { kind: 'kafka', name: 'k', brokers: [] } }), /\$\.profile\.brokers/);
  assert.match(invalid({ profile: { kind: 'kafka', name: 'k', brokers: ['localhost'] } }), /\$\.profile\.brokers\[0\]: must be "host:port"/);
  assert.match(invalid({ profile: { kind: 'kafka', name: 'k', brokers: ['a:1'], sasl: { mechanism: 'gssapi', username: 'u' } } }), /\$\.profile\.sasl\.mechanism/);
  assert.match(invalid({ profile: { kind: 'kafka', name: 'k', brokers: ['a:1'], ssh: {} } }), /\$\.profile: unknown field\(s\) "ssh"/);
  assert.match(invalid({ profile: mysql(), previousName: 'x'.repeat(65) }), /\$\.previousName/);
  // valid forms
  assert.ok(ProfileInput.safeParse({ profile: mysql({ ssh: { host: 'b', user: 'u', auth: 'key', privateKeyFile: '/k', hostKey: FP }, tls: { mode: 'verify-identity', caFile: '/ca.pem', certFile: '/c.pem', keyFile: '/k.pem' } }) }).success);
  assert.ok(ProfileInput.safeParse({ profile: { kind: 'kafka', name: 'k', brokers: ['[::1]:9093', 'k.example.com:9092'], tls: { mode: 'verify-ca', caFile: '/ca.pem' }, sasl: { mechanism: 'plain', username: 'u' } } }).success);
});

test('save refuses an invalid profile with every bad field and no secret in the message', () => {
  const { profiles } = open();
  const e = errorOf(() => profiles.save({ profile: mysql({ port: 0, ssh: { host: 'b', user: 'u', auth: 'key' } }), secrets: { password: 'TOPSECRET' } }));
  assert.match(e.message, /The connection profile is not valid:\n {2}\$\.profile\.port.*\n {2}\$\.profile\.ssh\.privateKeyFile/);
  assert.ok(!e.message.includes('TOPSECRET'));
  assert.equal(profiles.list().length, 0);
});

test('describeProfile (the kind\'s descriptor) says where a profile points, without secrets', () => {
  const p = Profile.parse(mysql({ ssh: { host: 'bastion', user: 'ops', auth: 'password' }, tls: { mode: 'verify-identity' } }));
  assert.equal(describeProfile(p), 'cutover@db.internal:3306 via ssh ops@bastion:22, TLS verify-identity');
});
