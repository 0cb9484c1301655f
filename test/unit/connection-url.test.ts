// MySQL URLs with TLS: ssl-mode (case-insensitive, as the mysql client names the modes), ssl-ca /
// ssl-cert / ssl-key / ssl-servername, what mysql2 gets for each mode, files read at connect time,
// URLs built from parts (percent-encoding), redaction, and the explanation of TLS failures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CutoverError } from '../../shared/errors.js';
import { buildMysqlUrl, mysqlUrlParts, readTlsParams } from '../../shared/mysql-url.js';
import { explainConnectError, parseMysqlUrl, redactUrl, targetOptions } from '../../engine/mysql/connection.js';
import { explainTlsError } from '../../engine/mysql/connection-tls.js';
import { registerEndpoint } from '../../engine/core/endpoint-problems.js';
import { tlsConnectionOptions } from '../../engine/core/tls-files.js';
import { errorOf } from '../helpers/errors.js';


test('ssl-mode: DISABLED by default, case-insensitive, VERIFY_CA when only a CA is given', () => {
  assert.equal(parseMysqlUrl('mysql://u:p@h:3306').ssl, undefined);
  assert.equal(parseMysqlUrl('mysql://u:p@h?ssl-mode=disabled').ssl, undefined);
  assert.deepEqual(parseMysqlUrl('mysql://u:p@h?ssl-mode=required').ssl, { mode: 'REQUIRED', ca: undefined, cert: undefined, key: undefined, servername: undefined });
  assert.equal(parseMysqlUrl('mysql://u:p@h?ssl-mode=Verify_Ca&ssl-ca=/ca.pem').ssl?.mode, 'VERIFY_CA');
  assert.equal(parseMysqlUrl('mysql://u:p@h?ssl-mode=verify-identity').ssl?.mode, 'VERIFY_IDENTITY');
  assert.equal(parseMysqlUrl('mysql://u:p@h?ssl-ca=/ca.pem').ssl?.mode, 'VERIFY_CA');
  const a = parseMysqlUrl('mysql://u:p@127.0.0.1:4000/shop?ssl-mode=VERIFY_IDENTITY&ssl-ca=%2Fetc%2Fca.pem&ssl-cert=/c.pem&ssl-key=/k.pem&ssl-servername=db.internal');
  assert.deepEqual(a.ssl, { mode: 'VERIFY_IDENTITY', ca: '/etc/ca.pem', cert: '/c.pem', key: '/k.pem', servername: 'db.internal' });
  assert.equal(a.database, 'shop');
});

test('bad TLS parameters are refused with the URL redacted and a fix', () => {
  const cases: [string, RegExp][] = [
    ['ssl-mode=ON', /"ssl-mode=ON" is not a TLS mode/],
    ['ssl-mode=PREFERRED', /PREFERRED" is not supported/],
    ['ssl-mode=DISABLED&ssl-ca=/ca.pem', /DISABLED" together with TLS files/],
    ['ssl-mode=REQUIRED&ssl-key=/k.pem', /"ssl-cert" and "ssl-key" go together/],
    ['ssl-mode=VERIFY_CA&ssl-servername=x', /"ssl-servername" is only used with ssl-mode=VERIFY_IDENTITY/],
    ['ssl-ca=', /"ssl-ca" is empty/],
    ['ssl-cipher=AES', /unknown TLS parameter "ssl-cipher"/],
    ['ssl-mode=REQUIRED&ssl-mode=DISABLED', /"ssl-mode" is given twice/],
    ['socket=/s.sock&ssl-mode=REQUIRED', /a Unix socket \(socket=…\) takes no TLS/],
  ];
  for (const [q, re] of cases) {
    const e = errorOf(() => parseMysqlUrl(`mysql://u:hunter2@h:3306?${q}`));
    assert.match(e.message, re, q);
    assert.ok(!e.message.includes('hunter2'), 'the password is redacted');
    assert.ok(e.fix, `a fix for ${q}`);
    assert.equal(e.code, 'CONFIG');
  }
  assert.match(errorOf(() => parseMysqlUrl('mysql://u:50%zz@h')).message, /not correctly percent-encoded/);
});

test('what mysql2 gets per mode: REQUIRED does not verify, VERIFY_CA checks the chain only, VERIFY_IDENTITY both', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tls-url-'));
  for (const f of ['ca.pem', 'c.pem', 'k.pem']) writeFileSync(join(dir, f), `-----${f}-----`);
  const ssl = (q: string): Record<string, unknown> => targetOptions(parseMysqlUrl(`mysql://u:p@db.example.com:3306?${q}`)).ssl as Record<string, unknown>;
  assert.deepEqual(ssl('ssl-mode=REQUIRED'), { rejectUnauthorized: false, verifyIdentity: false });
  const ca = ssl(`ssl-mode=VERIFY_CA&ssl-ca=${dir}/ca.pem`);
  assert.equal(ca.rejectUnauthorized, true);
  assert.equal(ca.verifyIdentity, false);
  assert.equal(String(ca.ca), '-----ca.pem-----', 'the CA file is read when connecting');
  const id = ssl(`ssl-mode=VERIFY_IDENTITY&ssl-ca=${dir}/ca.pem&ssl-cert=${dir}/c.pem&ssl-key=${dir}/k.pem`);
  assert.deepEqual([id.rejectUnauthorized, id.verifyIdentity, String(id.cert), String(id.key)], [true, true, '-----c.pem-----', '-----k.pem-----']);
  assert.equal(targetOptions(parseMysqlUrl('mysql://u:p@h')).ssl, undefined, 'no TLS: no ssl option (plain clients keep working)');
  // Through a tunnel: mysql2 verifies the name it is told (its host), the socket goes to 127.0.0.1.
  const t = targetOptions(parseMysqlUrl(`mysql://u:p@127.0.0.1:40000?ssl-mode=VERIFY_IDENTITY&ssl-ca=${dir}/ca.pem&ssl-servername=db.internal`));
  assert.equal(t.host, 'db.internal');
  assert.equal(typeof t.stream, 'function');
  const plain = targetOptions(parseMysqlUrl(`mysql://u:p@db.internal:3306?ssl-mode=VERIFY_IDENTITY&ssl-servername=db.internal`));
  assert.equal(plain.stream, undefined, 'no stream when the name is the host');
});

test('a missing TLS file is named with its parameter, when connecting', () => {
  const a = parseMysqlUrl('mysql://u:p@h?ssl-mode=VERIFY_CA&ssl-ca=/nonexistent/ca.pem');
  const e = errorOf(() => targetOptions(a));
  assert.match(e.message, /The TLS CA certificate file \/nonexistent\/ca\.pem \(ssl-ca\) does not exist/);
  assert.match(errorOf(() => tlsConnectionOptions({ mode: 'verify-identity', certFile: '/nope.pem', keyFile: '/nope.key' }, 'sink.tls')).message, /client certificate file \/nope\.pem \(sink\.tls\.certFile\)/);
  assert.equal(tlsConnectionOptions({ mode: 'disabled' }), undefined);
  assert.equal(tlsConnectionOptions({ mode: 'required' })?.rejectUnauthorized, false);
  assert.equal(typeof tlsConnectionOptions({ mode: 'verify-ca' })?.checkServerIdentity, 'function');
});

test('URLs built from parts percent-encode user and password and parse back; redaction keeps hiding the password', () => {
  const pw = 'p@ss:w/rd%?#&=';
  const url = buildMysqlUrl({ user: 'üser@x', password: pw, host: 'db.example.com', port: 3307, database: 'shop', params: [['ssl-mode', 'VERIFY_CA'], ['ssl-ca', '/a b/ca.pem']] });
  const a = parseMysqlUrl(url);
  assert.deepEqual([a.user, a.password, a.host, a.port, a.database, a.ssl?.ca], ['üser@x', pw, 'db.example.com', 3307, 'shop', '/a b/ca.pem']);
  assert.ok(!redactUrl(url).includes(encodeURIComponent(pw)) && redactUrl(url).includes(':***@'));
  assert.equal(redactUrl('mysql://u@h:1?ssl-ca=/x:y@z'), 'mysql://u@h:1?ssl-ca=/x:y@z', 'nothing to hide, nothing changed');
  assert.equal(parseMysqlUrl(buildMysqlUrl({ user: 'u', host: '::1', port: 3306 })).host, '::1', 'IPv6 hosts are bracketed and unbracketed');
  assert.equal(buildMysqlUrl({ user: 'u', password: '', host: 'h', port: 1 }), 'mysql://u@h:1');
  assert.deepEqual(mysqlUrlParts('mariadb://u@h').params, []);
  assert.equal(readTlsParams(new URLSearchParams('socket=/x')), null);
});

test('TLS failures: each explained with what to change', () => {
  const a = { host: 'db', port: 3306, ssl: { mode: 'VERIFY_IDENTITY' as const, ca: '/ca.pem' } };
  const self = explainTlsError({ code: 'HANDSHAKE_SSL_ERROR', message: 'self-signed certificate in certificate chain' }, a, 'db:3306');
  assert.match(self?.message ?? '', /could not be verified \(self-signed certificate in certificate chain\)/);
  assert.match(self?.fix ?? '', /openssl verify -CAfile \/ca\.pem/);
  const name = explainTlsError({ code: 'HANDSHAKE_SSL_ERROR', message: "Hostname/IP does not match certificate's altnames: Host: db. is not in the cert's altnames: DNS:other" }, a, 'db:3306');
  assert.match(name?.message ?? '', /not for this host name/);
  assert.match(name?.fix ?? '', /VERIFY_CA/);
  const noTls = explainTlsError({ code: 'HANDSHAKE_NO_SSL_SUPPORT', message: 'Server does not support secure connection' }, a, 'db:3306');
  assert.match(noTls?.message ?? '', /does not offer TLS, but ssl-mode=VERIFY_IDENTITY asks for it/);
  assert.match(noTls?.fix ?? '', /have_ssl/);
  for (const m of ['Connections using insecure transport are prohibited while --require_secure_transport=ON.', 'SSL connection is required. Please specify SSL options and retry.']) {
    const req = explainTlsError({ code: 'ER_SECURE_TRANSPORT_REQUIRED', message: m, sqlMessage: m }, { host: 'db', port: 3306 }, 'db:3306');
    assert.match(req?.message ?? '', /refuses connections without TLS/);
    assert.match(req?.fix ?? '', /ssl-mode=VERIFY_IDENTITY/);
    assert.equal(req?.code, 'TLS');
  }
  assert.equal(explainTlsError({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }, a, 'db:3306'), null);
  // through explainConnectError
  assert.match(explainConnectError({ code: 'HANDSHAKE_SSL_ERROR', message: 'unable to verify the first certificate' }, { ...a, user: 'u', password: 'p' }).message, /could not be verified/);
});

test('a tunnel endpoint reports its own problem instead of the driver\'s', () => {
  const addr = { host: '127.0.0.1', port: 45678, user: 'u', password: 'p' };
  const problem = new CutoverError('The SSH tunnel through ops@b:22 to db:3306 is down (connection closed)', 'Check the bastion', 'UNREACHABLE');
  const off = registerEndpoint('127.0.0.1', 45678, () => problem);
  assert.equal(explainConnectError({ code: 'PROTOCOL_CONNECTION_LOST', message: 'Connection lost' }, addr), problem);
  assert.match(explainConnectError({ code: 'ER_ACCESS_DENIED_ERROR', errno: 1045, message: 'Access denied' }, addr).message, /Access denied/, 'a server error is the server\'s');
  off();
  assert.match(explainConnectError({ code: 'PROTOCOL_CONNECTION_LOST', message: 'Connection lost' }, addr).message, /Cannot connect/);
});
