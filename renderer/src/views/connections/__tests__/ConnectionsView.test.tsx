import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { ApiError } from '../../../../../shared/api';
import type { ProfileSummary } from '../../../../../shared/profiles';
import { axeViolations } from '../../../widgets/axe';
import { fakeApi } from '../../__tests__/fake-api';
import { kafkaProfile, mysqlProfile, profileSummary } from '../../__tests__/fixtures';
import { ConnectionsView } from '../ConnectionsView';

afterEach(cleanup);

describe('ConnectionsView', () => {
  it('lists the profiles with where they point and their last test; passes an axe check', async () => {
    const list = [
      profileSummary(mysqlProfile('prod', { ssh: { host: 'bastion', port: 22, user: 'ops', auth: 'key' }, tls: { mode: 'verify-identity' } }), { lastTest: { at: Date.now() - 120_000, ok: true } }),
      profileSummary(kafkaProfile('bus'), { lastTest: { at: Date.now(), ok: false } }),
    ];
    const fake = fakeApi({ listProfiles: () => list });
    const { container } = render(<ConnectionsView api={fake.api} />);
    const prod = await screen.findByTestId('profile-row-prod');
    expect(prod.textContent).toContain('cutover@prod.example.com:3306 via ssh ops@bastion:22, TLS verify-identity');
    expect(prod.textContent).toContain('passed');
    expect(screen.getByTestId('profile-row-bus').textContent).toContain('Kafka');
    expect(screen.getByTestId('profile-row-bus').textContent).toContain('failed');
    expect(await axeViolations(container)).toEqual([]);
  });

  it('says what to do when there is none, and saves a new one', async () => {
    let saved: ProfileSummary[] = [];
    const fake = fakeApi({
      listProfiles: () => saved,
      saveProfile: (input) => {
        const s = profileSummary(input.profile);
        saved = [s];
        return s;
      },
    });
    render(<ConnectionsView api={fake.api} />);
    expect((await screen.findByTestId('profiles-empty')).textContent).toContain('New connection');
    fireEvent.click(screen.getByTestId('btn-new-profile'));
    fireEvent.change(screen.getByTestId('field-name'), { target: { value: 'src' } });
    fireEvent.change(screen.getByTestId('field-host'), { target: { value: 'db' } });
    fireEvent.change(screen.getByTestId('field-user'), { target: { value: 'u' } });
    fireEvent.click(screen.getByTestId('profile-save'));
    await screen.findByTestId('profile-row-src');
    expect(screen.queryByTestId('profile-form')).toBeNull();
    expect(screen.getByTestId('connections-notice').textContent).toContain('Saved the connection "src"');
  });

  it('deletes only after confirming, and shows the engine refusing to delete a profile a job uses', async () => {
    const fake = fakeApi({
      listProfiles: () => [profileSummary(mysqlProfile('prod'))],
      deleteProfile: () => {
        throw new ApiError('The connection "prod" is used by the job "shop-move".', 'Delete the job first, or point it at another connection.', 'IN_USE');
      },
    });
    render(<ConnectionsView api={fake.api} />);
    fireEvent.click(await screen.findByTestId('profile-delete-prod'));
    const dialog = screen.getByRole('dialog');
    expect(dialog.textContent).toContain('Delete the connection "prod"?');
    // It says what is true: a connection a job uses is refused until the job is removed.
    expect(dialog.textContent).not.toContain('cannot be run until it has a connection again');
    expect(within(dialog).getByTestId('delete-profile-in-use').textContent).toContain('remove that job first (Remove… in the job’s view, or cutover remove JOB)'.replace('’', "'"));
    fireEvent.click(within(dialog).getByTestId('confirm-cancel'));
    expect(fake.callsOf('deleteProfile')).toEqual([]);
    fireEvent.click(screen.getByTestId('profile-delete-prod'));
    fireEvent.click(screen.getByTestId('confirm-ok'));
    await waitFor(() => expect(fake.callsOf('deleteProfile')).toEqual([['prod']]));
    const banner = await screen.findByTestId('error-banner');
    expect(banner.textContent).toContain('used by the job "shop-move"');
    expect(banner.textContent).toContain('What to do: Delete the job first');
  });

  it('edits a profile with the same form', async () => {
    const fake = fakeApi({ listProfiles: () => [profileSummary(mysqlProfile('prod'))] });
    render(<ConnectionsView api={fake.api} />);
    fireEvent.click(await screen.findByTestId('profile-edit-prod'));
    expect((screen.getByTestId('field-host') as HTMLInputElement).value).toBe('prod.example.com');
    expect(screen.getByTestId('profile-form').textContent).toContain('Edit connection "prod"');
    fireEvent.click(screen.getByTestId('profile-cancel'));
    expect(screen.queryByTestId('profile-form')).toBeNull();
  });
});
