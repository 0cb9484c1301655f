// The job file's endpoint forms (shared/job-endpoints.ts): a URL (today's form), a saved profile, a URL
// with its password from an environment variable and an SSH tunnel, a Kafka sink by brokers (TLS,
// SASL from the environment) or by profile; every rule with its JSON path and fix; and exports of a
// profile (toJobFileEndpoint) that never hold a secret.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JobConfig, parseJobConfig, type SourceEndpoint } from '../../shared/job-config.js';
import { toJobFileEndpoint } from '../../engine/connections/job-file-endpoint.js';
import { MysqlProfile, Profile } from '../../shared/profiles.js';
import { errorOf } from '../helpers/errors.js';

const FP = 'SHA256:J9xCU2zKv2nrUdfMpaWTvqg6GhhQSgD1+UyY3Ro6d9E';
const base = { name: 'j', tables: { include: ['shop.*'] }, mode: 'snapshot' };
const job = (source: unknown, sink: unknown = { type: 'mysql', url: 'mysql://u:p@127.0.0.1:3308' }): Record<string, unknown> => ({ ...base, source, sink });

const problem = (raw: unknown): string => errorOf(() => parseJobConfig(raw)).message;

test('the endpoint forms of a job file', () => {
  assert.equal((parseJobConfig(job({ url: 'mysql://u:p@h:3306' })).source as { url?: string }).url, 'mysql://u:p@h:3306');
  assert.deepEqual(parseJobConfig(job({ profile: 'prod-db' }, { type: 'mysql', profile: 'new db (2)' })).sink, { type: 'mysql', profile: 'new db (2)' });
  const env = parseJobConfig(
    job(
      {
        url: 'mysql://u@db.internal:3306?ssl-mode=VERIFY_IDENTITY&ssl-ca=/etc/ca.pem',
        passwordEnv: 'CUTOVER_SOURCE_PASSWORD',
        ssh: { host: 'bastion', user: 'ops', privateKeyFile: '/home/ops/.ssh/id_ed25519', passphraseEnv: 'KEY_PASS', hostKey: FP },
      },
      { type: 'mysql', url: 'mysql://w@sink:3306', passwordEnv: 'SINK_PW', ssh: { host: 'b2', port: 2222, user: 'ops', passwordEnv: 'SSH_PW' }, batchBytes: 65536 },
    ),
  );
  const envSource = env.source as SourceEndpoint;
  assert.equal(envSource.ssh?.port, 22, 'the SSH port defaults to 22');
  assert.equal(envSource.ssh?.hostKey, FP);
  assert.equal(env.sink.type === 'mysql' && env.sink.batchBytes, 65536);
  const k = parseJobConfig(job({ profile: 'p' }, { type: 'kafka', brokers: ['k:9093'], tls: { mode: 'verify-ca', caFile: '/ca.pem' }, sasl: { mechanism: 'scram-sha-256', username: 'cutover', passwordEnv: 'KAFKA_PW' } }));
  assert.equal(k.sink.type === 'kafka' && k.sink.sasl?.passwordEnv, 'KAFKA_PW');
  assert.equal(k.sink.type === 'kafka' && k.sink.topic, 'cutover.{db}.{table}', 'Kafka defaults still apply');
  assert.deepEqual(parseJobConfig(job({ profile: 'p' }, { type: 'kafka', profile: 'events' })).sink.type, 'kafka');
});

test('a MySQL endpoint needs exactly one of url and profile; a profile takes no passwordEnv or ssh', () => {
  assert.match(problem(job({})), /\$\.source: needs "url" or "profile" — Give "url"/);
  assert.match(problem(job({ url: 'mysql://u@h', profile: 'p' })), /\$\.source: has both "url" and "profile" — Keep one of them/);
  assert.match(problem(job({ profile: 'p', passwordEnv: 'X' })), /\$\.source\.passwordEnv: a profile carries its own password and SSH tunnel/);
  assert.match(problem(job({ profile: 'p', ssh: { host: 'b', user: 'u', passwordEnv: 'X' } })), /\$\.source\.ssh: a profile carries its own/);
  assert.match(problem(job({ profile: 'p' }, { type: 'mysql' })), /\$\.sink: needs "url" or "profile"/);
  assert.match(problem(job({ profile: 'bad/name' })), /\$\.source\.profile: must be the name of a saved profile/);
});

test('passwordEnv: a variable name, and not beside a password in the URL', () => {
  assert.match(problem(job({ url: 'mysql://u:inline@h', passwordEnv: 'PW' })), /\$\.source\.passwordEnv: the URL already holds a password — Remove the password from the URL/);
  assert.match(problem(job({ url: 'mysql://u@h', passwordEnv: 'MY-PW' })), /\$\.source\.passwordEnv: must be an environment variable name/);
  assert.match(problem(job({ url: 'mysql://u@h', passwordEnv: '1PW' })), /\$\.source\.passwordEnv/);
});

test('the ssh block: a way to log in, a passphrase only with a key, a fingerprint, a port, no socket', () => {
  assert.match(problem(job({ url: 'mysql://u@h', ssh: { host: 'b', user: 'u' } })), /\$\.source\.ssh: needs "privateKeyFile" or "passwordEnv" to log in to the bastion/);
  assert.match(problem(job({ url: 'mysql://u@h', ssh: { host: 'b', user: 'u', passwordEnv: 'P', passphraseEnv: 'Q' } })), /\$\.source\.ssh\.passphraseEnv: a passphrase belongs to a private key/);
  assert.match(problem(job({ url: 'mysql://u@h', ssh: { host: 'b', user: 'u', passwordEnv: 'P', hostKey: 'ab:cd' } })), /\$\.source\.ssh\.hostKey: must be a fingerprint .* — Copy the fingerprint from `ssh-keygen -lf/);
  assert.match(problem(job({ url: 'mysql://u@h', ssh: { host: 'b', user: 'u', passwordEnv: 'P', port: 0 } })), /\$\.source\.ssh\.port/);
  assert.match(problem(job({ url: 'mysql://u@h', ssh: { host: 'b', user: 'u', password: 'x' } })), /\$\.source\.ssh: unknown field\(s\) "password"/);
  assert.match(problem(job({ url: 'mysql://u@localhost?socket=/run/mysqld.sock', ssh: { host: 'b', user: 'u', passwordEnv: 'P' } })), /\$\.source\.ssh: a Unix socket/);
});

test('TLS parameters in a URL are checked where the job file is read', () => {
  assert.match(problem(job({ url: 'mysql://u@h?ssl-mode=VERIFY' })), /\$\.source\.url: "ssl-mode=VERIFY" is not a TLS mode — Use ssl-mode=DISABLED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY/);
  assert.match(problem(job({ url: 'mysql://u@h?ssl-capath=/etc/ssl' })), /\$\.source\.url: unknown TLS parameter "ssl-capath"/);
  assert.match(problem(job({ url: 'mysql://u@h?ssl-mode=REQUIRED&ssl-cert=/c.pem' })), /"ssl-cert" and "ssl-key" go together/);
  assert.match(problem(job({ url: 'mysql://u@localhost?socket=/s&ssl-mode=REQUIRED' })), /\$\.source\.url: a Unix socket \(socket=…\) takes no TLS/);
  assert.match(problem(job({ url: 'mysql://u@h' }, { type: 'mysql', url: 'mysql://u@h?ssl-mode=preferred' })), /\$\.sink\.url: "ssl-mode=PREFERRED" is not supported/);
  assert.doesNotThrow(() => parseJobConfig(job({ url: 'mysql://u@h?ssl-mode=verify_identity&ssl-ca=/ca.pem&ssl-cert=/c.pem&ssl-key=/k.pem' })));
});

test('a Kafka sink: brokers or a profile (exactly one); tls and sasl only with brokers; their own rules', () => {
  const sink = (s: Record<string, unknown>): Record<string, unknown> => job({ profile: 'p' }, { type: 'kafka', ...s });
  assert.match(problem(sink({})), /\$\.sink\.brokers: is required \(or "profile"\)/);
  assert.match(problem(sink({ brokers: ['a:1'], profile: 'k' })), /\$\.sink: has both "brokers" and "profile"/);
  assert.match(problem(sink({ profile: 'k', sasl: { mechanism: 'plain', username: 'u', passwordEnv: 'P' } })), /\$\.sink\.sasl: a profile carries its own TLS and SASL settings/);
  assert.match(problem(sink({ brokers: ['a:1'], sasl: { mechanism: 'plain', username: 'u', password: 'inline' } })), /\$\.sink\.sasl: unknown field\(s\) "password"/);
  assert.match(problem(sink({ brokers: ['a:1'], sasl: { mechanism: 'plain', username: 'u' } })), /\$\.sink\.sasl\.passwordEnv: is required/);
  assert.match(problem(sink({ brokers: ['a:1'], sasl: { mechanism: 'oauth', username: 'u', passwordEnv: 'P' } })), /\$\.sink\.sasl\.mechanism: .* — Use "plain", "scram-sha-256" or "scram-sha-512"/);
  assert.match(problem(sink({ brokers: ['a:1'], tls: { mode: 'strict' } })), /\$\.sink\.tls\.mode: .* — Use "disabled", "required", "verify-ca" or "verify-identity"/);
  assert.match(problem(sink({ brokers: ['a:1'], tls: { mode: 'required', certFile: '/c.pem' } })), /\$\.sink\.tls\.keyFile: a client certificate and its key go together/);
});

test('the resolved form (JobConfig) keeps URL-only endpoints and concrete brokers', () => {
  assert.ok(!JobConfig.safeParse(job({ profile: 'p' })).success, 'the engine never sees a profile name');
  assert.ok(JobConfig.safeParse(job({ url: 'mysql://u:p@h' }, { type: 'kafka', brokers: ['a:1'], sasl: { mechanism: 'plain', username: 'u', password: 'p' } })).success);
  assert.ok(!JobConfig.safeParse(job({ url: 'mysql://u:p@h' }, { type: 'kafka', profile: 'k' })).success);
});

const SECRETS = ['db-pass', 'ssh-pass', 'key-pass', 'kafka-pass'];
const noSecret = (x: unknown): void => {
  const text = JSON.stringify(x);
  for (const s of SECRETS) assert.ok(!text.includes(s), `the export holds no secret: ${text}`);
};

test('toJobFileEndpoint: by profile name, or spelled out with *Env names, never a secret, and valid in a job file', () => {
  const db = Profile.parse({
    kind: 'mysql',
    name: 'prod-db',
    host: 'db.internal',
    port: 3307,
    user: 'cut@over',
    tls: { mode: 'verify-identity', caFile: '/etc/ssl/ca.pem' },
    ssh: { host: 'bastion', user: 'ops', auth: 'key', privateKeyFile: '/home/ops/.ssh/id', hostKey: FP },
  });
  assert.deepEqual(toJobFileEndpoint(db, 'profile'), { profile: 'prod-db' });
  const env = toJobFileEndpoint(db, 'env', 'CUTOVER_SOURCE', { password: true, sshPassword: false, sshPassphrase: true });
  assert.deepEqual(env, {
    url: 'mysql://cut%40over@db.internal:3307?ssl-mode=VERIFY_IDENTITY&ssl-ca=%2Fetc%2Fssl%2Fca.pem',
    passwordEnv: 'CUTOVER_SOURCE_PASSWORD',
    ssh: { host: 'bastion', port: 22, user: 'ops', privateKeyFile: '/home/ops/.ssh/id', passphraseEnv: 'CUTOVER_SOURCE_SSH_PASSPHRASE', hostKey: FP },
  });
  noSecret(env);
  assert.doesNotThrow(() => parseJobConfig(job(env)));
  const pw = MysqlProfile.parse({ kind: 'mysql', name: 'x', host: 'h', user: 'u', ssh: { host: 'b', user: 'o', auth: 'password' } });
  const pwEnv = toJobFileEndpoint(pw, 'env', 'sink-1');
  assert.deepEqual(pwEnv.ssh, { host: 'b', port: 22, user: 'o', passwordEnv: 'SINK_1_SSH_PASSWORD' });
  assert.doesNotThrow(() => parseJobConfig(job({ profile: 'p' }, { type: 'mysql', ...pwEnv })));
  assert.equal(toJobFileEndpoint(pw, 'env', 'X', { password: false, sshPassword: true, sshPassphrase: false }).passwordEnv, undefined, 'no variable for a password the profile does not have');
  const kafka = Profile.parse({ kind: 'kafka', name: 'events', brokers: ['k1:9093'], tls: { mode: 'verify-ca', caFile: '/ca.pem' }, sasl: { mechanism: 'scram-sha-512', username: 'cutover' } });
  const k = toJobFileEndpoint(kafka, 'env', 'CUTOVER_KAFKA');
  assert.deepEqual(k, { brokers: ['k1:9093'], tls: { mode: 'verify-ca', caFile: '/ca.pem' }, sasl: { mechanism: 'scram-sha-512', username: 'cutover', passwordEnv: 'CUTOVER_KAFKA_PASSWORD' } });
  noSecret(k);
  assert.doesNotThrow(() => parseJobConfig(job({ profile: 'p' }, { type: 'kafka', ...k })));
  const sock = MysqlProfile.parse({ kind: 'mysql', name: 's', host: 'ignored', user: 'root', socket: '/run/mysqld/mysqld.sock' });
  assert.equal(toJobFileEndpoint(sock, 'env').url, 'mysql://root@localhost:3306?socket=%2Frun%2Fmysqld%2Fmysqld.sock');
});
