import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { ProfileInput } from '../../../../../shared/profiles';
import { axeViolations } from '../../../widgets/axe';
import { fakeApi } from '../../__tests__/fake-api';
import { mysqlProfile, profileSummary } from '../../__tests__/fixtures';
import { ProfileForm } from '../ProfileForm';

afterEach(cleanup);

const field = (name: string) => screen.getByTestId(`field-${name}`) as HTMLInputElement;
const type = (name: string, value: string) => fireEvent.change(field(name), { target: { value } });

const stored = profileSummary(mysqlProfile('prod', { ssh: { host: 'bastion', port: 22, user: 'ops', auth: 'password' } }), {
  has: { password: true, sshPassword: true, sshPassphrase: false },
});

describe('ProfileForm', () => {
  it('a URL pasted into Host: says so and fills the fields from it', async () => {
    const fake = fakeApi({ saveProfile: (input) => profileSummary(input.profile) });
    const view = render(<ProfileForm api={fake.api} editing={null} onSaved={() => undefined} onCancel={() => undefined} />);
    type('name', 'prod');
    type('host', 'mysql://app:pw@db.example.com:3307');
    fireEvent.click(screen.getByTestId('profile-save'));
    expect((await screen.findByTestId('field-error-host')).textContent).toContain('This is a connection URL, not a host name');
    expect(fake.callsOf('saveProfile')).toEqual([]);
    expect(await axeViolations(view.container)).toEqual([]);
    fireEvent.click(screen.getByTestId('btn-fill-from-url'));
    expect([field('host').value, field('port').value, field('user').value, field('password').value]).toEqual(['db.example.com', '3307', 'app', 'pw']);
    expect(screen.queryByTestId('host-is-url')).toBeNull();
    fireEvent.click(screen.getByTestId('profile-save'));
    await waitFor(() => expect(fake.callsOf('saveProfile')).toHaveLength(1));
    const input = fake.callsOf('saveProfile')[0]![0] as ProfileInput;
    expect(input.profile).toMatchObject({ host: 'db.example.com', port: 3307, user: 'app' });
    expect(input.secrets).toEqual({ password: 'pw' });
  }, 20_000);

  it('never shows a stored secret: "saved — leave empty to keep" keeps it, Clear removes it', async () => {
    const fake = fakeApi({ saveProfile: (input) => profileSummary(input.profile) });
    const onSaved = vi.fn();
    render(<ProfileForm api={fake.api} editing={stored} onSaved={onSaved} onCancel={() => undefined} />);
    const pw = field('password');
    expect(pw.type).toBe('password');
    expect(pw.value).toBe('');
    expect(pw.placeholder).toBe('saved — leave empty to keep');
    expect(screen.getByTestId('profile-form').textContent).toContain('saved — leave empty to keep');
    expect(field('sshPassword').value).toBe('');

    fireEvent.click(screen.getByTestId('secret-clear-sshPassword'));
    expect(screen.getByTestId('profile-form').textContent).toContain('removed when you save');
    // Clearing the SSH password of a password-authenticated tunnel leaves it without one.
    fireEvent.click(screen.getByTestId('profile-save'));
    expect(await screen.findByTestId('field-error-sshPassword')).toBeTruthy();
    expect(fake.callsOf('saveProfile')).toEqual([]);
    fireEvent.click(screen.getByTestId('secret-undo-clear-sshPassword'));
    fireEvent.click(screen.getByTestId('secret-clear-password'));
    fireEvent.click(screen.getByTestId('profile-save'));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    const input = fake.callsOf('saveProfile')[0]![0] as ProfileInput;
    expect(input.secrets).toEqual({ password: '' });
    expect(input.previousName).toBe('prod');
  });

  it('validates the fields before Test and Save, with the problems beside the fields and in a focused summary', async () => {
    const fake = fakeApi({});
    render(<ProfileForm api={fake.api} editing={null} onSaved={() => undefined} onCancel={() => undefined} />);
    type('port', 'abc');
    fireEvent.click(screen.getByTestId('profile-test'));
    const summary = await screen.findByTestId('profile-errors');
    expect(document.activeElement).toBe(summary);
    expect(summary.getAttribute('role')).toBe('alert');
    expect(field('host').getAttribute('aria-invalid')).toBe('true');
    expect(field('host').getAttribute('aria-describedby')).toContain(screen.getByTestId('field-error-host').id);
    expect(screen.getByTestId('field-error-port').textContent).toContain('1 to 65535');
    expect(fake.calls.filter((c) => c.method !== 'sinkKinds')).toEqual([]); // nothing tested or saved (the kinds' titles are asked once)
    // A summary entry moves the focus to its field.
    fireEvent.click(screen.getByRole('button', { name: /Enter the user/ }));
    expect(document.activeElement).toBe(field('user'));
  });

  it('shows a failed test prominently with its stage, message and fix', async () => {
    const fake = fakeApi({
      testProfile: () => ({ ok: false, stage: 'auth', message: "Access denied for user 'cutover'@'10.0.0.9'", fix: 'Check the password, or GRANT access from this host.' }),
    });
    render(<ProfileForm api={fake.api} editing={null} onSaved={() => undefined} onCancel={() => undefined} />);
    type('name', 'src');
    type('host', 'db.example.com');
    type('user', 'cutover');
    type('password', 'wrong');
    fireEvent.click(screen.getByTestId('profile-test'));
    const result = await screen.findByTestId('profile-test-result');
    expect(result.dataset.ok).toBe('false');
    expect(result.getAttribute('role')).toBe('alert');
    expect(result.textContent).toContain('Failed at the authentication stage');
    expect(result.textContent).toContain("Access denied for user 'cutover'@'10.0.0.9'");
    expect(result.textContent).toContain('What to do: Check the password, or GRANT access from this host.');
    const sent = fake.callsOf('testProfile')[0]![0] as ProfileInput;
    expect(sent.profile).toMatchObject({ kind: 'mysql', name: 'src', host: 'db.example.com', port: 3306, user: 'cutover' });
    expect(sent.secrets).toEqual({ password: 'wrong' });
  });

  it('after a successful test through SSH, offers to pin the host key', async () => {
    const key = 'SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
    const fake = fakeApi({
      testProfile: () => ({ ok: true, message: 'Connected to MariaDB 10.11.9 through ssh bastion:22', server: { flavor: 'mariadb', version: '10.11.9' }, sshHostKey: key }),
    });
    const { container } = render(<ProfileForm api={fake.api} editing={stored} onSaved={() => undefined} onCancel={() => undefined} />);
    fireEvent.click(screen.getByTestId('profile-test'));
    const result = await screen.findByTestId('profile-test-result');
    expect(result.dataset.ok).toBe('true');
    expect(result.textContent).toContain('MariaDB 10.11.9');
    expect(result.textContent).toContain(key);
    fireEvent.click(screen.getByTestId('btn-pin-host-key'));
    expect(field('ssh.hostKey').value).toBe(key);
    expect(screen.queryByTestId('btn-pin-host-key')).toBeNull();
    expect(screen.getByTestId('host-key-pinned')).toBeTruthy();
    expect(await axeViolations(container)).toEqual([]);
  });

  it('Kafka: brokers, TLS files and SASL; passes an axe check', async () => {
    const fake = fakeApi({ testProfile: () => ({ ok: true, message: 'Connected', kafka: { clusterId: 'abc', brokers: ['k1:9092'] } }) });
    const { container } = render(<ProfileForm api={fake.api} editing={null} onSaved={() => undefined} onCancel={() => undefined} />);
    fireEvent.click(screen.getByTestId('field-kind-kafka'));
    type('name', 'bus');
    type('brokers', 'k1:9092,\nk2:9092');
    fireEvent.change(field('tls.mode'), { target: { value: 'verify-identity' } });
    type('tls.caFile', '/etc/ca.pem');
    fireEvent.change(field('sasl.mechanism'), { target: { value: 'scram-sha-512' } });
    type('sasl.username', 'app');
    type('password', 'pw');
    fireEvent.click(screen.getByTestId('profile-test'));
    expect((await screen.findByTestId('profile-test-result')).textContent).toContain('abc');
    expect((fake.callsOf('testProfile')[0]![0] as ProfileInput).profile).toEqual({
      kind: 'kafka',
      name: 'bus',
      brokers: ['k1:9092', 'k2:9092'],
      tls: { mode: 'verify-identity', caFile: '/etc/ca.pem' },
      sasl: { mechanism: 'scram-sha-512', username: 'app' },
    });
    expect(await axeViolations(container)).toEqual([]);
  });
});
