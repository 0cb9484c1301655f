// The PostgreSQL connection form: its fields (port 5432 by default, the database), the checks before Test
// and Save (a database, a CA file for the verify modes), the profile and secret it sends, the sslmode it
// connects with, and a failed Test showing its leg and fix.
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { ProfileInput } from '../../../../../shared/profiles';
import { axeViolations } from '../../../widgets/axe';
import { fakeApi } from '../../../views/__tests__/fake-api';
import { profileSummary, SINK_KINDS } from '../../../views/__tests__/fixtures';
import { ProfileForm } from '../../../views/connections/ProfileForm';

afterEach(cleanup);

const field = (name: string) => screen.getByTestId(`field-${name}`) as HTMLInputElement;
const type = (name: string, value: string) => fireEvent.change(field(name), { target: { value } });
const withPostgres = [...SINK_KINDS, { ...SINK_KINDS[0]!, kind: 'postgres', title: 'PostgreSQL' }];

describe('PostgreSQL connection fields', () => {
  it('chosen as the kind: port 5432, database required, verify-full needs its CA file; sends the profile and password', async () => {
    const fake = fakeApi({ sinkKinds: () => withPostgres, saveProfile: (input) => profileSummary(input.profile) });
    const { container } = render(<ProfileForm api={fake.api} editing={null} onSaved={() => undefined} onCancel={() => undefined} />);
    fireEvent.click(await screen.findByTestId('field-kind-postgres'));
    expect(field('port').value).toBe('5432');
    type('name', 'warehouse');
    type('host', 'pg.example.com');
    type('user', 'loader');
    type('password', 'pw');
    fireEvent.change(field('tls.mode'), { target: { value: 'verify-identity' } });
    expect(screen.getByTestId('pg-sslmode').textContent).toContain('sslmode=verify-full');
    fireEvent.click(screen.getByTestId('profile-save'));
    expect((await screen.findByTestId('field-error-database')).textContent).toContain('each source database becomes a schema');
    expect(screen.getByTestId('field-error-tls.caFile').textContent).toContain('verify-full');
    expect(fake.callsOf('saveProfile')).toEqual([]);
    type('database', 'dw');
    type('tls.caFile', '/etc/pg/ca.pem');
    fireEvent.click(screen.getByTestId('profile-save'));
    await waitFor(() => expect(fake.callsOf('saveProfile')).toHaveLength(1));
    const input = fake.callsOf('saveProfile')[0]![0] as ProfileInput;
    expect(input.profile).toEqual({ kind: 'postgres', name: 'warehouse', host: 'pg.example.com', port: 5432, user: 'loader', database: 'dw', tls: { mode: 'verify-identity', caFile: '/etc/pg/ca.pem' } });
    expect(input.secrets).toEqual({ password: 'pw' });
    expect(await axeViolations(container)).toEqual([]);
  });

  it('edits a saved profile (the password kept), and a failed Test names its leg and the fix', async () => {
    const fake = fakeApi({
      sinkKinds: () => withPostgres,
      testProfile: () => ({
        ok: false,
        stage: 'privileges',
        message: 'loader lacks the CREATE privilege on the database "dw".',
        fix: 'GRANT CREATE ON DATABASE "dw" TO "loader";',
      }),
    });
    const saved = profileSummary({ kind: 'postgres', name: 'warehouse', host: 'pg', port: 6543, user: 'loader', database: 'dw', tls: { mode: 'disabled' } }, { has: { password: true, sshPassword: false, sshPassphrase: false } });
    render(<ProfileForm api={fake.api} editing={saved} onSaved={() => undefined} onCancel={() => undefined} />);
    expect([field('host').value, field('port').value, field('database').value, field('password').value]).toEqual(['pg', '6543', 'dw', '']);
    fireEvent.click(screen.getByTestId('profile-test'));
    const result = await screen.findByTestId('profile-test-result');
    expect(result.textContent).toContain('Privileges');
    expect(result.textContent).toContain('GRANT CREATE ON DATABASE "dw" TO "loader";');
    const input = fake.callsOf('testProfile')[0]![0] as ProfileInput;
    expect(input.secrets).toEqual({});
    expect(input.previousName).toBe('warehouse');
  });
});
