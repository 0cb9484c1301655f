// A MySQL/MariaDB connection's fields: the server (a pasted URL can fill them in), TLS and the SSH tunnel.
import { Button } from '../../components/Button';
import { TextField, TlsFields, type FieldsProps } from '../../views/connections/ProfileFields';
import type { ProfileForm } from '../../views/connections/profile-form-state';
import { SecretField } from '../../views/connections/SecretField';
import { SshFields } from '../../views/connections/SshFields';
import { fillFromUrl, looksLikeUrl, urlFields } from './url-fields';

export function MysqlProfileFields(props: FieldsProps) {
  return (
    <>
      <MysqlFields {...props} />
      <TlsFields {...props} />
      <SshFields {...props} />
    </>
  );
}

export function MysqlFields({ form, update, errors }: FieldsProps) {
  const set = (patch: Partial<ProfileForm>) => update((f) => ({ ...f, ...patch }));
  return (
    <fieldset className="form-section">
      <legend>Server</legend>
      <div className="form-grid">
        <TextField name="host" label="Host" value={form.host} onChange={(host) => set({ host })} errors={errors} placeholder="db.example.com" hint={form.ssh.enabled ? 'As the bastion reaches it.' : undefined} />
        {looksLikeUrl(form.host) && urlFields(form.host) && (
          <p className="small" data-testid="host-is-url">
            That is a connection URL.{' '}
            <Button onClick={() => update(fillFromUrl)} data-testid="btn-fill-from-url">
              Fill in the fields from this URL
            </Button>
          </p>
        )}
        <TextField name="port" label="Port" value={form.port} onChange={(port) => set({ port })} errors={errors} inputMode="numeric" />
        <TextField name="user" label="User" value={form.user} onChange={(user) => set({ user })} errors={errors} placeholder="cutover" />
        <SecretField name="password" label="Password" secret={form.password} onChange={(password) => set({ password })} error={errors.get('password')} />
        <TextField name="socket" label="Unix socket (optional)" value={form.socket} onChange={(socket) => set({ socket })} errors={errors} hint="Local servers only; used instead of host and port." />
      </div>
    </fieldset>
  );
}
