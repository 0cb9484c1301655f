// The Elasticsearch/OpenSearch connection form: its fields (address, authentication, the secret by kind of
// login, a CA file for https), the checks before Save, the profile and secret it sends, and a Test that shows
// the flavour and version the cluster answered with.
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
const withSearch = [...SINK_KINDS, { ...SINK_KINDS[0]!, kind: 'elasticsearch', title: 'Elasticsearch/OpenSearch' }];

describe('Elasticsearch/OpenSearch connection fields', () => {
  it('chosen as the kind: the address checked, basic authentication needs a user and password, a CA file on https; sends the profile and password', async () => {
    const fake = fakeApi({ sinkKinds: () => withSearch, saveProfile: (input) => profileSummary(input.profile) });
    const { container } = render(<ProfileForm api={fake.api} editing={null} onSaved={() => undefined} onCancel={() => undefined} />);
    fireEvent.click(await screen.findByTestId('field-kind-elasticsearch'));
    type('name', 'search');
    type('url', 'https://elastic:pw@search.example.com:9200');
    fireEvent.change(field('searchAuth'), { target: { value: 'basic' } });
    fireEvent.click(screen.getByTestId('profile-save'));
    expect((await screen.findByTestId('field-error-url')).textContent).toContain('without a user or password');
    expect(screen.getByTestId('field-error-user').textContent).toContain('user name');
    expect(screen.getByTestId('field-error-password').textContent).toContain('password');
    expect(fake.callsOf('saveProfile')).toEqual([]);
    type('url', 'https://search.example.com:9200/');
    type('user', 'elastic');
    type('password', 'pw');
    type('tls.caFile', '/etc/ssl/search-ca.pem');
    fireEvent.click(screen.getByTestId('profile-save'));
    await waitFor(() => expect(fake.callsOf('saveProfile')).toHaveLength(1));
    const input = fake.callsOf('saveProfile')[0]![0] as ProfileInput;
    expect(input.profile).toEqual({ kind: 'elasticsearch', name: 'search', url: 'https://search.example.com:9200', auth: 'basic', username: 'elastic', caFile: '/etc/ssl/search-ca.pem' });
    expect(input.secrets.password).toBe('pw');
    expect(await axeViolations(container)).toEqual([]);
  });

  it('an API key is the secret; a saved profile edits with the key kept; the Test shows the flavour and version', async () => {
    const fake = fakeApi({
      sinkKinds: () => withSearch,
      testProfile: () => ({ ok: true, message: 'Connected to OpenSearch 2.19.1 at search:9200 with an API key.', search: { flavour: 'opensearch', version: '2.19.1' } }),
    });
    const saved = profileSummary({ kind: 'elasticsearch', name: 'search', url: 'http://search:9200', auth: 'apiKey' }, { has: { password: true, sshPassword: false, sshPassphrase: false } });
    render(<ProfileForm api={fake.api} editing={saved} onSaved={() => undefined} onCancel={() => undefined} />);
    expect([field('url').value, field('searchAuth').value, field('password').value]).toEqual(['http://search:9200', 'apiKey', '']);
    expect(screen.queryByTestId('field-user')).toBeNull();
    expect(screen.queryByTestId('field-tls.caFile')).toBeNull();
    fireEvent.click(screen.getByTestId('profile-test'));
    expect((await screen.findByTestId('test-search-flavour')).textContent).toBe('OpenSearch 2.19.1');
    const input = fake.callsOf('testProfile')[0]![0] as ProfileInput;
    expect(input.profile).toEqual({ kind: 'elasticsearch', name: 'search', url: 'http://search:9200', auth: 'apiKey' });
    expect(input.secrets.password).toBeUndefined();
  });
});
