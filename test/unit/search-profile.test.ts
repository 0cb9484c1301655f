// Search cluster connection profiles without a cluster: saved with the password or API key encrypted, resolved
// into the sink (URL, basic auth or API key, CA file) by the search driver's descriptor, exported for another
// machine without the secret, the wrong kind refused; resolve.ts asks each driver and names no kind itself.
// (The Test against real clusters: test/integration/search-copy.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseJobConfig, type JobFile } from '../../shared/job-config.js';
import { toJobFileEndpoint } from '../../engine/connections/job-file-endpoint.js';
import { Profile, type SearchProfile } from '../../shared/profiles.js';
import { StateStore } from '../../engine/state/store.js';
import { ProfileStore } from '../../engine/connections/profile-store.js';
import { SecretBox } from '../../engine/connections/secret-box.js';
import { resolveJob, topicConnection } from '../../engine/connections/resolve.js';
import { testProfile } from '../../engine/connections/connection-test.js';
import { errorOf } from '../helpers/errors.js';
import { ROOT } from '../helpers/db.js';

const es = (over: Partial<SearchProfile> = {}): SearchProfile => Profile.parse({ kind: 'elasticsearch', name: 'search', url: 'https://search.internal:9200', ...over }) as SearchProfile;

function open(): { store: StateStore; profiles: ProfileStore; env: NodeJS.ProcessEnv } {
  const store = new StateStore(join(mkdtempSync(join(tmpdir(), 'search-profiles-')), 'state.db'));
  const env = { CUTOVER_SECRET_KEY: randomBytes(32).toString('base64') };
  return { store, profiles: new ProfileStore(store, SecretBox.forStatePath(store.path, env)), env };
}

const base = { name: 'j', tables: { include: ['shop.*'] }, mode: 'snapshot' };
const file = (sink: unknown): JobFile => parseJobConfig({ ...base, source: { url: 'mysql://u:p@h' }, sink });

test('a search profile: basic auth needs a user, a CA file needs https, the secret kept encrypted and dropped when unused', () => {
  assert.equal(es().auth, 'none');
  assert.equal(Profile.safeParse({ kind: 'elasticsearch', name: 'x', url: 'http://h:9200', auth: 'basic' }).success, false, 'no user name');
  assert.equal(Profile.safeParse({ kind: 'elasticsearch', name: 'x', url: 'http://h:9200', caFile: '/ca.pem' }).success, false, 'a CA file on http');
  assert.equal(Profile.safeParse({ kind: 'elasticsearch', name: 'x', url: 'http://u:p@h:9200' }).success, false, 'credentials in the URL');
  const { store, profiles } = open();
  const s = profiles.save({ profile: es({ auth: 'basic', username: 'elastic', caFile: '/etc/es/ca.pem' }), secrets: { password: 'es-secret-7', sshPassword: 'unused' } });
  assert.deepEqual(s.has, { password: true, sshPassword: false, sshPassphrase: false });
  assert.equal(s.description, 'https://search.internal:9200 as elastic, CA file');
  const row = store.db.prepare('SELECT settings, secrets FROM profiles').get() as { settings: string; secrets: string };
  assert.ok(!row.settings.includes('es-secret-7') && !row.secrets.includes('es-secret-7'), 'never in clear');
  assert.throws(() => profiles.save({ profile: es({ name: 'k', auth: 'apiKey' }), secrets: {} }), /the API key is missing/);
  assert.deepEqual(profiles.save({ profile: es({ name: 'open' }), secrets: { password: 'x' } }).has.password, false, 'no auth: no secret kept');
});

test('a job file naming a search profile resolves to its URL, credentials and CA file; the job options are kept', async () => {
  const { store, profiles, env } = open();
  profiles.save({ profile: es({ auth: 'basic', username: 'elastic', caFile: '/etc/es/ca.pem' }), secrets: { password: 'pw' } });
  profiles.save({ profile: es({ name: 'keyed', url: 'http://h:9200', auth: 'apiKey' }), secrets: { password: 'id:key' } });
  const r = await resolveJob(file({ type: 'elasticsearch', profile: 'search', index: 'x-{table}' }), { store, env });
  assert.deepEqual(r.config.sink, { type: 'elasticsearch', index: 'x-{table}', settings: {}, mappings: {}, columns: {}, documents: {}, url: 'https://search.internal:9200', auth: { username: 'elastic', password: 'pw' }, caFile: '/etc/es/ca.pem' });
  const k = await resolveJob(file({ type: 'elasticsearch', profile: 'keyed' }), { store, env });
  assert.deepEqual(k.config.sink.type === 'elasticsearch' && k.config.sink.auth, { apiKey: 'id:key' });
  // The URL form still takes its secrets from the environment.
  const u = await resolveJob(file({ type: 'elasticsearch', url: 'http://h:9200', username: 'a', passwordEnv: 'ES_PW' }), { store, env: { ...env, ES_PW: 'p' } });
  assert.deepEqual(u.config.sink.type === 'elasticsearch' && u.config.sink.auth, { username: 'a', password: 'p' });
});

test('a search sink takes a search profile only; "url" or "profile"; a profile carries its own credentials', async () => {
  const { store, profiles, env } = open();
  profiles.save({ profile: { kind: 'kafka', name: 'events', brokers: ['b:9092'] }, secrets: {} });
  profiles.save({ profile: es(), secrets: {} });
  const wrong = await resolveJob(file({ type: 'elasticsearch', profile: 'events' }), { store, env }).catch((e: Error) => e);
  assert.match(String((wrong as Error).message), /"events" is not a search cluster profile; a search sink needs an Elasticsearch\/OpenSearch one/);
  const mysqlWrong = await resolveJob(file({ type: 'mysql', profile: 'search' }), { store, env }).catch((e: Error) => e);
  assert.match(String((mysqlWrong as Error).message), /"search" is not a MySQL\/MariaDB profile/);
  const src = { ...base, source: { url: 'mysql://u@h' } };
  assert.match(errorOf(() => parseJobConfig({ ...src, sink: { type: 'elasticsearch', url: 'http://h:9200', profile: 'x' } })).message, /has both "url" and "profile"/);
  assert.match(errorOf(() => parseJobConfig({ ...src, sink: { type: 'elasticsearch' } })).message, /needs "url" or "profile"/);
  assert.match(errorOf(() => parseJobConfig({ ...src, sink: { type: 'elasticsearch', profile: 'x', apiKeyEnv: 'K' } })).message, /a profile carries its own credentials/);
  assert.equal(topicConnection(es(), {}), null, 'a search cluster has no topics');
  assert.deepEqual(topicConnection({ kind: 'kafka', name: 'k', brokers: ['b:1'], tls: { mode: 'disabled' } }, {}), { brokers: ['b:1'] });
});

test('exported for another machine: the URL, the user, and the secret as an environment variable', () => {
  assert.deepEqual(toJobFileEndpoint(es({ auth: 'basic', username: 'elastic', caFile: '/ca.pem' }), 'env', 'ES'), { url: 'https://search.internal:9200', username: 'elastic', passwordEnv: 'ES_PASSWORD', caFile: '/ca.pem' });
  assert.deepEqual(toJobFileEndpoint(es({ auth: 'apiKey' }), 'env', 'ES'), { url: 'https://search.internal:9200', apiKeyEnv: 'ES_API_KEY' });
  assert.deepEqual(toJobFileEndpoint(es(), 'profile'), { profile: 'search' });
});

test('resolve.ts names no endpoint kind: each driver descriptor resolves its own', () => {
  const text = readFileSync(join(ROOT, 'engine/connections/resolve.ts'), 'utf8');
  assert.doesNotMatch(text, /'(mysql|kafka|postgres|elasticsearch)'/);
});

test('the Test of a search profile nobody answers says so, with the address', async () => {
  const r = await testProfile(es({ url: 'http://127.0.0.1:9' }), {}, { timeoutMs: 10_000 });
  assert.equal(r.ok, false);
  assert.equal(r.stage, 'network');
  assert.match(r.message, /127\.0\.0\.1:9/);
});
