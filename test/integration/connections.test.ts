// Connections against real servers: TLS to the test source (its CA from test-services.mjs), accounts
// that require TLS or a client certificate, and SSH tunnels through a real sshd run by this test on a
// loopback port (host key pinning, a wrong key, refused forwarding, an unreachable target, a bastion
// restart). Then `cutover run` of a job file that names a saved profile going through the tunnel with
// TLS verify-identity, as an account that requires TLS (so every connection, the binlog reader's too,
// must carry it): the rows arrive, and the state file holds no password in clear.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describeRun, dumpDiff, exec, q, query, rowDump, runCliWithTimeout, sinkUrl, sourceUrl, tempDir, uniqueName, writeJob } from '../helpers/db.js';
import { startSshd, type TestSshd } from '../helpers/sshd.js';
import { testProfile } from '../../engine/connections/connection-test.js';
import { openTunnel } from '../../engine/connections/ssh-tunnel.js';
import { ProfileStore } from '../../engine/connections/profile-store.js';
import { connect, parseMysqlUrl } from '../../engine/mysql/connection.js';
import { isTransient } from '../../engine/pipeline/stream-runner.js';
import { StateStore } from '../../engine/state/store.js';
import { CHECKPOINT_DB, CHECKPOINT_TABLE } from '../../engine/sink/mysql/change-applier.js';
import type { MysqlProfile } from '../../shared/profiles.js';

const tlsDir = (): string => {
  const d = process.env.CUTOVER_TEST_SOURCE_TLS_DIR;
  if (!d) throw new Error('CUTOVER_TEST_SOURCE_TLS_DIR is not set: run integration tests with `npm test`, which starts the servers with TLS.');
  return d;
};

describe('connections: TLS, SSH tunnels, profiles in a job', { timeout: 4 * 60_000 }, () => {
  const src = new URL(sourceUrl());
  const port = Number(src.port);
  const base = uniqueName('conn');
  const db = `${base}_src`;
  const sinkDb = `${base}_sink`;
  const tlsUser = `${base}_tls`.slice(0, 32);
  const x509User = `${base}_x509`.slice(0, 32);
  const TLS_PW = 'Tls-Only-Pw-4711!';
  const dir = tempDir('cutover-conn-');
  let sshd: TestSshd;
  let wrongCa: string;

  const profile = (over: Partial<MysqlProfile> = {}): MysqlProfile => ({
    kind: 'mysql',
    name: 'test-source',
    host: '127.0.0.1',
    port,
    user: 'cutover',
    tls: { mode: 'disabled' },
    ...over,
  });

  before(async () => {
    await exec(
      sourceUrl(),
      `CREATE DATABASE ${q(db)}; USE ${q(db)};
       CREATE TABLE items (id INT NOT NULL PRIMARY KEY, name VARCHAR(40) NOT NULL, price DECIMAL(10,2)) ENGINE=InnoDB;
       INSERT INTO items SELECT seq, CONCAT('item ', seq), seq / 7 FROM seq_1_to_2000;
       CREATE USER '${tlsUser}'@'%' IDENTIFIED BY '${TLS_PW}' REQUIRE SSL;
       GRANT ALL ON *.* TO '${tlsUser}'@'%';
       CREATE USER '${x509User}'@'%' IDENTIFIED BY 'x509-pw' REQUIRE X509;
       GRANT SELECT ON *.* TO '${x509User}'@'%';`,
    );
    // Another CA, which did not sign the server's certificate.
    wrongCa = join(dir, 'wrong-ca.pem');
    const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'wrong-ca-key.pem'), '-out', wrongCa, '-days', '1', '-subj', '/CN=Not the test CA'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    sshd = await startSshd();
  });

  after(async () => {
    await sshd?.stop();
    await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(db)}; DROP USER IF EXISTS '${tlsUser}'@'%'; DROP USER IF EXISTS '${x509User}'@'%';`);
    await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${q(sinkDb)}`);
    await exec(sinkUrl(), `DELETE FROM ${q(CHECKPOINT_DB)}.${q(CHECKPOINT_TABLE)} WHERE job = '${base}-job'`).catch(() => undefined);
  });

  it('TLS verify-identity with the right CA connects and reports the TLS version', async () => {
    const r = await testProfile(profile({ tls: { mode: 'verify-identity', caFile: join(tlsDir(), 'ca.pem') } }), { password: 'cutover' });
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.match(r.tlsVersion ?? '', /^TLSv1\.[23]$/);
    assert.match(r.message, /^Connected to MariaDB .* as 'cutover'@'%' over TLS \(TLSv1\.[23]\)\.$/);
    assert.equal(r.server?.flavor, 'mariadb');
    const plain = await testProfile(profile(), { password: 'cutover' });
    assert.equal(plain.ok, true);
    assert.equal(plain.tlsVersion, undefined, 'a client without TLS still connects');
    assert.match(plain.message, /without TLS/);
  });

  it('a CA that did not sign the server certificate fails at stage "tls" with a fix', async () => {
    const r = await testProfile(profile({ tls: { mode: 'verify-ca', caFile: wrongCa } }), { password: 'cutover' });
    assert.equal(r.ok, false);
    assert.equal(r.stage, 'tls', JSON.stringify(r));
    assert.match(r.message, /the server's TLS certificate could not be verified/);
    assert.match(r.fix ?? '', /openssl verify -CAfile .*wrong-ca\.pem/);
    const missing = await testProfile(profile({ tls: { mode: 'verify-ca', caFile: join(dir, 'nope.pem') } }), { password: 'cutover' });
    assert.equal(missing.stage, 'config');
    assert.match(missing.message, /nope\.pem \(ssl-ca\) does not exist/);
  });

  it('an account created with REQUIRE SSL is refused without TLS with a specific message, and accepted with it', async () => {
    const r = await testProfile(profile({ user: tlsUser }), { password: TLS_PW });
    assert.equal(r.ok, false);
    assert.equal(r.stage, 'tls', JSON.stringify(r));
    assert.match(r.message, new RegExp(`The account ${tlsUser} on 127\\.0\\.0\\.1:${port} must connect over TLS \\(it was created with REQUIRE SSL`));
    assert.match(r.fix ?? '', /ssl-mode=VERIFY_IDENTITY/);
    assert.ok(!r.message.includes(TLS_PW) && !(r.fix ?? '').includes(TLS_PW));
    const wrong = await testProfile(profile({ user: tlsUser }), { password: 'not-it' });
    assert.equal(wrong.stage, 'auth', 'a wrong password stays a wrong password');
    const ok = await testProfile(profile({ user: tlsUser, tls: { mode: 'required' } }), { password: TLS_PW });
    assert.equal(ok.ok, true, JSON.stringify(ok));
  });

  it('an account that requires a client certificate connects with ssl-cert and ssl-key', async () => {
    const d = tlsDir();
    const tls = { mode: 'verify-identity' as const, caFile: join(d, 'ca.pem') };
    const ok = await testProfile(profile({ user: x509User, tls: { ...tls, certFile: join(d, 'client-cert.pem'), keyFile: join(d, 'client-key.pem') } }), { password: 'x509-pw' });
    assert.equal(ok.ok, true, JSON.stringify(ok));
    const without = await testProfile(profile({ user: x509User, tls }), { password: 'x509-pw' });
    assert.equal(without.ok, false);
  });

  // The server as the bastion reaches it: "localhost", so verify-identity checks that name (through the
  // tunnel's 127.0.0.1) against the certificate (DNS:localhost).
  const viaSsh = (over: Partial<NonNullable<MysqlProfile['ssh']>> = {}): MysqlProfile =>
    profile({
      host: 'localhost',
      tls: { mode: 'verify-identity', caFile: join(tlsDir(), 'ca.pem') },
      ssh: { host: sshd.host, port: sshd.port, user: sshd.user, auth: 'key', privateKeyFile: sshd.clientKey, ...over },
    });

  it('through an SSH tunnel: connects (TLS verified against the real host) and reports the bastion host key', async () => {
    const r = await testProfile(viaSsh(), { password: 'cutover' });
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.equal(r.sshHostKey, sshd.hostKey);
    assert.match(r.message, new RegExp(`over TLS \\(TLSv1\\.[23]\\) through ssh ${sshd.user}@127\\.0\\.0\\.1:${sshd.port}\\.$`));
    const pinned = await testProfile(viaSsh({ hostKey: sshd.hostKey }), { password: 'cutover' });
    assert.equal(pinned.ok, true, JSON.stringify(pinned));
    const enc = await testProfile(viaSsh({ privateKeyFile: sshd.encryptedClientKey }), { password: 'cutover', sshPassphrase: sshd.passphrase });
    assert.equal(enc.ok, true, JSON.stringify(enc));
  });

  it('a pinned fingerprint that is not the bastion\'s is refused, naming both', async () => {
    const other = 'SHA256:' + 'Q'.repeat(43);
    const r = await testProfile(viaSsh({ hostKey: other }), { password: 'cutover' });
    assert.equal(r.ok, false);
    assert.equal(r.stage, 'ssh');
    assert.ok(r.message.includes(sshd.hostKey) && r.message.includes(other), r.message);
    assert.match(r.fix ?? '', /ssh-keygen -lf/);
  });

  it('a key the bastion does not know, or a wrong passphrase, fails at stage "ssh"', async () => {
    const r = await testProfile(viaSsh({ privateKeyFile: sshd.strangerKey }), { password: 'cutover' });
    assert.equal(r.stage, 'ssh', JSON.stringify(r));
    assert.match(r.message, new RegExp(`refused the SSH login of ${sshd.user}: the key .*stranger_key was not accepted`));
    assert.match(r.fix ?? '', /authorized_keys/);
    const pass = await testProfile(viaSsh({ privateKeyFile: sshd.encryptedClientKey }), { password: 'cutover', sshPassphrase: 'wrong' });
    assert.equal(pass.stage, 'ssh');
    assert.match(pass.message, /passphrase of the SSH private key .* is wrong/);
  });

  it('a bastion that refuses forwarding, and a target it cannot reach, are told apart', async () => {
    const noForward = await startSshd(['AllowTcpForwarding no']);
    try {
      const r = await testProfile(viaSsh({ port: noForward.port, privateKeyFile: noForward.clientKey }), { password: 'cutover' });
      assert.equal(r.stage, 'ssh', JSON.stringify(r));
      assert.match(r.message, /refused to forward .* TCP forwarding is not allowed/);
      assert.match(r.fix ?? '', /AllowTcpForwarding yes/);
    } finally {
      await noForward.stop();
    }
    const target = await testProfile({ ...viaSsh(), port: 1 }, { password: 'cutover' });
    assert.equal(target.stage, 'network', JSON.stringify(target));
    assert.match(target.message, /could not reach localhost:1/);
    const bastion = await testProfile(viaSsh({ port: 1 }), { password: 'cutover' });
    assert.equal(bastion.stage, 'ssh');
    assert.match(bastion.message, /The bastion 127\.0\.0\.1:1 cannot be reached/);
  });

  it('while the bastion is down new connections fail fast and retryably; after its restart they work again', async () => {
    const t = await openTunnel({ ssh: { host: sshd.host, port: sshd.port, user: sshd.user, privateKeyFile: sshd.clientKey }, targetHost: '127.0.0.1', targetPort: port });
    const url = `mysql://cutover:cutover@127.0.0.1:${t.localPort}`;
    try {
      const c = await connect(parseMysqlUrl(url));
      c.on('error', () => undefined);
      assert.deepEqual(await query(url, 'SELECT 1 AS x'), [{ x: 1 }]);
      await sshd.stop();
      const e = await connect(parseMysqlUrl(url)).then(
        () => assert.fail('connected through a tunnel whose bastion is down'),
        (err: unknown) => err,
      );
      // It fails on the refused bastion, not by running into a timeout (no duration is asserted: a loaded machine is slow).
      assert.doesNotMatch((e as Error).message, /timed? ?out|ETIMEDOUT/i, 'failed by a timeout, not on the refused bastion');
      assert.ok(isTransient(e), `the stream retries it: ${String(e)}`);
      assert.match((e as Error).message, /bastion 127\.0\.0\.1:\d+ cannot be reached|SSH tunnel .* is down/);
      await c.end().catch(() => undefined);
    } finally {
      await sshd.restart();
    }
    try {
      assert.deepEqual(await query(url, 'SELECT 2 AS x'), [{ x: 2 }], 'the tunnel reconnected');
    } finally {
      await t.close();
    }
  });

  it('cutover run of a job file that names a profile (tunnel, TLS, encrypted password) copies and streams; no password in the state file', async () => {
    const state = join(dir, 'state.db');
    const store = new StateStore(state);
    const profiles = new ProfileStore(store); // the installation's key file beside the state file
    profiles.save({ profile: { ...viaSsh({ hostKey: sshd.hostKey }), name: 'tunnel-src', user: tlsUser }, secrets: { password: TLS_PW } });
    store.close();
    const job = { name: `${base}-job`, source: { profile: 'tunnel-src' }, sink: { type: 'mysql', url: sinkUrl() }, tables: { include: [`${db}.*`] }, rename: { [db]: sinkDb }, mode: 'snapshot+stream' };
    const jobPath = writeJob(dir, job);
    await exec(sourceUrl(), `INSERT INTO ${q(db)}.items VALUES (5001, 'before the run', 1.5)`);
    const r = await runCliWithTimeout(['run', jobPath, '--state', state, '--exit-when-caught-up'], 120_000);
    assert.equal(r.code, 0, describeRun(r));
    const diff = dumpDiff(await rowDump(sourceUrl(), db, 'items'), await rowDump(sinkUrl(), sinkDb, 'items'));
    assert.equal(diff, null, diff ?? '');
    const check = new StateStore(state);
    const row = check.job(job.name)!;
    assert.deepEqual(JSON.parse(row.config).source, { profile: 'tunnel-src' }, 'the job file as written is stored, not the resolved URL');
    assert.ok(check.logs({}).some((l) => l.message.includes(`SSH tunnel through ${sshd.user}@127.0.0.1:${sshd.port} (host key ${sshd.hostKey})`)));
    check.close();
    for (const f of readdirSync(dir).filter((n) => n.startsWith('state.db'))) {
      const bytes = readFileSync(join(dir, f)).toString('latin1');
      assert.ok(!bytes.includes(TLS_PW) && !bytes.includes(encodeURIComponent(TLS_PW)), `${f} holds the password in clear`);
    }
    assert.ok(!r.stderr.includes(TLS_PW));
  });
});
