// testProfile without a server to reach: it never throws, names the leg that failed (an invalid
// profile, a port nothing listens on for MySQL and for Kafka, a missing key file), and gives a fix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { testProfile } from '../../engine/connections/connection-test.js';
import type { Profile } from '../../shared/profiles.js';

test('an invalid profile fails at stage "config" with every bad field', async () => {
  const r = await testProfile({ kind: 'mysql', name: 'x', host: '', port: 0, user: 'u', tls: { mode: 'disabled' } } as Profile, {});
  assert.equal(r.ok, false);
  assert.equal(r.stage, 'config');
  assert.match(r.message, /\$\.host[\s\S]*\$\.port/);
});

test('MySQL: nothing listening is the network leg, with a fix', async () => {
  const r = await testProfile({ kind: 'mysql', name: 'x', host: '127.0.0.1', port: 1, user: 'u', tls: { mode: 'disabled' } }, { password: 'pw' });
  assert.equal(r.ok, false);
  assert.equal(r.stage, 'network');
  assert.match(r.message, /Nothing is listening at 127\.0\.0\.1:1/);
  assert.ok(r.fix);
});

test('MySQL over SSH: a missing private key file is named before any connection', async () => {
  const r = await testProfile(
    { kind: 'mysql', name: 'x', host: 'db', port: 3306, user: 'u', tls: { mode: 'disabled' }, ssh: { host: '127.0.0.1', port: 1, user: 'ops', auth: 'key', privateKeyFile: '/nonexistent/id_ed25519' } },
    {},
  );
  assert.equal(r.ok, false);
  assert.equal(r.stage, 'ssh');
  assert.match(r.message, /The SSH private key file \/nonexistent\/id_ed25519 does not exist/);
});

test('Kafka: no broker answering is the network leg, naming the brokers', async () => {
  const r = await testProfile({ kind: 'kafka', name: 'k', brokers: ['127.0.0.1:1'], tls: { mode: 'disabled' } }, {});
  assert.equal(r.ok, false);
  assert.equal(r.stage, 'network');
  assert.match(r.message, /No broker of 127\.0\.0\.1:1 answered/);
  assert.match(r.fix ?? '', /kcat -b 127\.0\.0\.1:1 -L/);
});

test('Kafka: a missing CA file is the config leg', async () => {
  const r = await testProfile({ kind: 'kafka', name: 'k', brokers: ['127.0.0.1:1'], tls: { mode: 'verify-ca', caFile: '/nonexistent/ca.pem' } }, {});
  assert.equal(r.stage, 'config');
  assert.match(r.message, /\/nonexistent\/ca\.pem \(tls\.caFile\) does not exist/);
});

test('a test that gets no answer ends at the timeout', async () => {
  // A local listener that accepts and never speaks: the MySQL greeting never comes.
  const sockets: Socket[] = [];
  const silent = createServer((s) => void sockets.push(s));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
  const port = (silent.address() as { port: number }).port;
  try {
    const r = await testProfile({ kind: 'mysql', name: 'x', host: '127.0.0.1', port, user: 'u', tls: { mode: 'disabled' } }, {}, { timeoutMs: 300 });
    assert.equal(r.ok, false);
    assert.equal(r.stage, 'network');
    assert.match(r.message, /No answer within 0\.3 s/);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise((r) => silent.close(r));
  }
});
