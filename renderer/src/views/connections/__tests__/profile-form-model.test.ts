// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { emptyForm, fillFromUrl, formFromSummary, formToInput, looksLikeUrl, parsePort, secretInput, splitBrokers, validateForm, type ProfileForm } from '../profile-form-model';
import { mysqlProfile, profileSummary } from '../../__tests__/fixtures';

const mysql = (over: Partial<ProfileForm> = {}): ProfileForm => ({ ...emptyForm('mysql'), name: 'prod', host: 'db', user: 'cutover', ...over });
const fields = (f: ProfileForm) => validateForm(f).map((e) => e.field);

describe('profile form model', () => {
  it('a URL pasted into Host is refused as a host name and can fill the fields', () => {
    const pasted = mysql({ host: 'mysql://app:s%40cret@db.example.com:3307/shop?ssl-mode=VERIFY_IDENTITY&ssl-ca=/etc/ca.pem', user: '' });
    const err = validateForm(pasted).find((e) => e.field === 'host');
    expect(err?.message).toContain('This is a connection URL, not a host name: choose "Fill in the fields from this URL"');
    const filled = fillFromUrl(pasted);
    expect({ host: filled.host, port: filled.port, user: filled.user, password: filled.password.value, tls: filled.tls }).toEqual({
      host: 'db.example.com',
      port: '3307',
      user: 'app',
      password: 's@cret',
      tls: { mode: 'verify-identity', caFile: '/etc/ca.pem', certFile: '', keyFile: '' },
    });
    expect(validateForm(filled).filter((e) => e.field === 'host')).toEqual([]);
    const short = fillFromUrl(mysql({ host: 'ops@10.0.0.5:3306', user: '' }));
    expect([short.host, short.port, short.user]).toEqual(['10.0.0.5', '3306', 'ops']);
    expect(fillFromUrl(mysql({ host: 'db.example.com:3306', user: 'kept' })).user).toBe('kept');
    expect(looksLikeUrl('db.example.com')).toBe(false);
    expect(looksLikeUrl('::1')).toBe(false);
    expect(validateForm(mysql({ host: 'https://db.example.com/' })).find((e) => e.field === 'host')?.message).toContain('Enter only the host name');
  });

  it('sends a typed secret, keeps a stored one left empty, clears one on request', () => {
    expect(secretInput({ stored: true, value: '', clear: false })).toBeUndefined();
    expect(secretInput({ stored: true, value: 'new', clear: false })).toBe('new');
    expect(secretInput({ stored: true, value: '', clear: true })).toBe('');
    expect(secretInput({ stored: false, value: '', clear: true })).toBeUndefined();
  });

  it('builds a MySQL ProfileInput with TLS and SSH, renaming from the stored name', () => {
    const f = mysql({
      previousName: 'old',
      port: '3307',
      password: { stored: false, value: 'pw', clear: false },
      tls: { mode: 'verify-ca', caFile: '/ca.pem', certFile: '', keyFile: '' },
      ssh: { enabled: true, host: 'bastion', port: '22', user: 'ops', auth: 'key', privateKeyFile: '~/.ssh/id', hostKey: '' },
      sshPassphrase: { stored: false, value: 'pp', clear: false },
    });
    const r = formToInput(f);
    expect(r.errors).toEqual([]);
    expect(r.input).toEqual({
      profile: {
        kind: 'mysql',
        name: 'prod',
        host: 'db',
        port: 3307,
        user: 'cutover',
        tls: { mode: 'verify-ca', caFile: '/ca.pem' },
        ssh: { host: 'bastion', port: 22, user: 'ops', auth: 'key', privateKeyFile: '~/.ssh/id' },
      },
      secrets: { password: 'pw', sshPassphrase: 'pp' },
      previousName: 'old',
    });
  });

  it('clears stored secrets that are no longer used (SSH turned off)', () => {
    const f = formFromSummary(profileSummary(mysqlProfile('p', { ssh: { host: 'b', port: 22, user: 'u', auth: 'password' } }), { has: { password: true, sshPassword: true, sshPassphrase: false } }));
    expect(formToInput(f).input?.secrets).toEqual({});
    expect(formToInput({ ...f, ssh: { ...f.ssh, enabled: false } }).input?.secrets).toEqual({ sshPassword: '' });
  });

  it('names each missing or malformed field with what to enter', () => {
    expect(fields({ ...emptyForm('mysql'), port: 'x' })).toEqual(['name', 'host', 'port', 'user']);
    expect(validateForm(mysql({ port: '70000' }))[0]?.message).toContain('1 to 65535');
    expect(fields(mysql({ name: 'bad/name' }))).toEqual(['name']);
    expect(fields(mysql({ tls: { mode: 'required', caFile: '', certFile: '/c.pem', keyFile: '' } }))).toEqual(['tls.keyFile']);
    const ssh = { enabled: true, host: '', port: '22', user: '', auth: 'password' as const, privateKeyFile: '', hostKey: 'abc' };
    expect(fields(mysql({ ssh }))).toEqual(['ssh.host', 'ssh.user', 'sshPassword', 'ssh.hostKey']);
    expect(fields(mysql({ ssh: { ...ssh, host: 'b', user: 'u', auth: 'key', hostKey: '' } }))).toEqual(['ssh.privateKeyFile']);
  });

  it('accepts a stored SSH password without retyping it', () => {
    const ssh = { enabled: true, host: 'b', port: '22', user: 'u', auth: 'password' as const, privateKeyFile: '', hostKey: 'SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' };
    expect(fields(mysql({ ssh, sshPassword: { stored: true, value: '', clear: false } }))).toEqual([]);
    expect(fields(mysql({ ssh, sshPassword: { stored: true, value: '', clear: true } }))).toEqual(['sshPassword']);
  });

  it('Kafka: brokers by comma or new line, each host:port; SASL needs a user and a password', () => {
    expect(splitBrokers('a:1, b:2\n c:3\n\n')).toEqual(['a:1', 'b:2', 'c:3']);
    const k = { ...emptyForm('kafka'), name: 'bus' };
    expect(fields(k)).toEqual(['brokers']);
    expect(validateForm({ ...k, brokers: 'kafka1:9092, nope' })[0]?.message).toContain('"nope" is not host:port');
    expect(fields({ ...k, brokers: 'k:9092', sasl: { mechanism: 'plain', username: '' } })).toEqual(['sasl.username', 'password']);
    const r = formToInput({ ...k, brokers: 'k1:9092\nk2:9092', sasl: { mechanism: 'scram-sha-256', username: 'app' }, password: { stored: false, value: 's', clear: false } });
    expect(r.input?.profile).toEqual({ kind: 'kafka', name: 'bus', brokers: ['k1:9092', 'k2:9092'], tls: { mode: 'disabled' }, sasl: { mechanism: 'scram-sha-256', username: 'app' } });
    expect(r.input?.secrets).toEqual({ password: 's' });
  });

  it('parses ports strictly', () => {
    expect(['1', '65535', ' 22 ', '0', '65536', '2.5', '', '1e3'].map(parsePort)).toEqual([1, 65535, 22, null, null, null, null, null]);
  });
});
