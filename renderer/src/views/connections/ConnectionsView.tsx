// Saved connections (#/connections): the profiles with where they point and their last test; New,
// Edit and Delete (confirmed; the engine refuses to delete a profile a job uses and says which).
import { useState } from 'react';
import type { CutoverApi } from '../../../../shared/api';
import type { ProfileSummary } from '../../../../shared/profiles';
import { Button } from '../../components/Button';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Time } from '../../components/Time';
import { useAction } from '../../components/useAction';
import { useLoad } from '../../components/useLoad';
import { useSinkKinds } from '../../sink-kinds';
import { ProfileForm } from './ProfileForm';
import { endpointUi } from '../../endpoints/registry';
import { TopicBrowser } from '../kafka/TopicBrowser';
import { routeHash } from '../route';

export function ConnectionsView({ api }: { api: CutoverApi }) {
  const profiles = useLoad('profiles', () => api.call('listProfiles'));
  const sinkKinds = useSinkKinds(api);
  const [editing, setEditing] = useState<ProfileSummary | 'new' | null>(null);
  const [deleting, setDeleting] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [browsing, setBrowsing] = useState<string | null>(null);
  const action = useAction();

  const remove = async (name: string) => {
    setDeleting(null);
    const ok = await action.run(`delete:${name}`, async () => {
      await api.call('deleteProfile', name);
      return true;
    });
    if (ok) {
      setNotice(`Deleted the connection "${name}".`);
      profiles.reload();
    }
  };

  return (
    <section className="connections-view view" aria-labelledby="connections-title" data-testid="connections-view">
      <div className="view-header">
        <h1 id="connections-title" className="job-title">
          Connections
        </h1>
        <Button variant="primary" onClick={() => setEditing('new')} disabled={editing !== null} data-testid="btn-new-profile">
          New connection
        </Button>
      </div>
      <p className="muted">
        Saved MySQL/MariaDB servers, PostgreSQL databases and Kafka clusters (a Kafka cluster&apos;s topics can be listed, sampled and consumed into a database). Passwords are stored encrypted in the state file and never shown again; jobs refer to a connection by its
        name.
      </p>
      <ErrorBanner error={profiles.error} title="Cannot list the saved connections" />
      <ErrorBanner error={action.error} onDismiss={action.clearError} />
      {notice && (
        <p className="small" role="status" data-testid="connections-notice">
          {notice}
        </p>
      )}

      {editing !== null && (
        <ProfileForm
          key={editing === 'new' ? 'new' : editing.profile.name}
          api={api}
          editing={editing === 'new' ? null : editing}
          onCancel={() => setEditing(null)}
          onSaved={(saved) => {
            setEditing(null);
            setNotice(`Saved the connection "${saved.profile.name}".`);
            profiles.reload();
          }}
        />
      )}

      {profiles.data === undefined ? (
        profiles.loading && (
          <p className="muted" role="status">
            Loading…
          </p>
        )
      ) : profiles.data.length === 0 ? (
        <p className="widget-empty panel" data-testid="profiles-empty">
          No saved connections yet. Choose <strong>New connection</strong> to add the server you migrate from.
        </p>
      ) : (
        <ProfileTable profiles={profiles.data} kindTitle={sinkKinds.title} busy={action.busy} browsing={browsing} onBrowse={(name) => setBrowsing(browsing === name ? null : name)} onEdit={(p) => setEditing(p)} onDelete={(name) => setDeleting(name)} />
      )}

      {browsing && profiles.data?.some((p) => p.profile.name === browsing) && (
        <section className="panel stack-small" aria-labelledby="topics-title" data-testid="connection-topics">
          <div className="view-header">
            <h2 id="topics-title" className="panel-title">
              Topics of {browsing}
            </h2>
            <a className="btn btn-primary" href={routeHash({ view: 'consume', profile: browsing })} data-testid="btn-consume">
              Consume topics…
            </a>
          </div>
          <TopicBrowser key={browsing} api={api} profile={browsing} />
        </section>
      )}

      {deleting && (
        <ConfirmDialog title={`Delete the connection "${deleting}"?`} confirmLabel="Delete" danger onCancel={() => setDeleting(null)} onConfirm={() => void remove(deleting)}>
          <p>Its settings and saved passwords are removed from this machine.</p>
          <p data-testid="delete-profile-in-use">
            A connection that a job uses cannot be deleted: remove that job first (<strong>Remove…</strong> in the job&apos;s view, or <code>cutover remove JOB</code>).
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}

interface ProfileTableProps {
  profiles: ProfileSummary[];
  kindTitle(kind: string): string;
  busy: string | null;
  /** The connection whose topics are shown. */
  browsing: string | null;
  onBrowse(name: string): void;
  onEdit(p: ProfileSummary): void;
  onDelete(name: string): void;
}

function ProfileTable({ profiles, kindTitle, busy, browsing, onBrowse, onEdit, onDelete }: ProfileTableProps) {
  return (
    <table className="data-table" data-testid="profile-list">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Kind</th>
          <th scope="col">Where</th>
          <th scope="col">Last test</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {profiles.map((s) => {
          const name = s.profile.name;
          return (
            <tr key={name} data-testid={`profile-row-${name}`}>
              <td>
                <strong>{name}</strong>
              </td>
              <td>{kindTitle(s.profile.kind)}</td>
              <td>
                <code>{s.description}</code>
              </td>
              <td>
                {s.lastTest ? (
                  <span className={`badge ${s.lastTest.ok ? 'badge-ok' : 'badge-error'}`}>
                    {s.lastTest.ok ? '✓ passed' : '✕ failed'} <Time ms={s.lastTest.at} relative />
                  </span>
                ) : (
                  <span className="muted">never tested</span>
                )}
              </td>
              <td className="row-actions">
                {endpointUi(s.profile.kind)?.topics && (
                  <Button variant="quiet" onClick={() => onBrowse(name)} aria-expanded={browsing === name} aria-label={`Topics of ${name}`} data-testid={`profile-topics-${name}`}>
                    Topics
                  </Button>
                )}
                <Button variant="quiet" onClick={() => onEdit(s)} aria-label={`Edit ${name}`} data-testid={`profile-edit-${name}`}>
                  Edit
                </Button>
                <Button variant="quiet" onClick={() => onDelete(name)} busy={busy === `delete:${name}`} aria-label={`Delete ${name}`} data-testid={`profile-delete-${name}`}>
                  Delete
                </Button>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
