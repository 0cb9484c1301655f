// A PostgreSQL connection's fields: the server, the login, the database the schemas go into, and TLS
// (saved as libpq's sslmode: Required → require, Verify CA → verify-ca, Verify identity → verify-full).
import { TextField, TlsFields, type FieldsProps } from '../../views/connections/ProfileFields';
import type { ProfileForm } from '../../views/connections/profile-form-state';
import { SecretField } from '../../views/connections/SecretField';
import { PG_SSLMODE } from '../../../../shared/postgres-url';

export function PostgresProfileFields(props: FieldsProps) {
  return (
    <>
      <PostgresFields {...props} />
      <TlsFields {...props} />
      {props.form.tls.mode !== 'disabled' && (
        <p className="small muted" data-testid="pg-sslmode">
          Connects with <code>sslmode={PG_SSLMODE[props.form.tls.mode]}</code>.
        </p>
      )}
    </>
  );
}

export function PostgresFields({ form, update, errors }: FieldsProps) {
  const set = (patch: Partial<ProfileForm>) => update((f) => ({ ...f, ...patch }));
  return (
    <fieldset className="form-section">
      <legend>Server</legend>
      <div className="form-grid">
        <TextField name="host" label="Host" value={form.host} onChange={(host) => set({ host })} errors={errors} placeholder="pg.example.com" />
        <TextField name="port" label="Port" value={form.port} onChange={(port) => set({ port })} errors={errors} inputMode="numeric" />
        <TextField name="user" label="User" value={form.user} onChange={(user) => set({ user })} errors={errors} placeholder="cutover" />
        <SecretField name="password" label="Password" secret={form.password} onChange={(password) => set({ password })} error={errors.get('password')} />
        <TextField name="database" label="Database" value={form.database} onChange={(database) => set({ database })} errors={errors} placeholder="app" hint="Each source database becomes a schema of the same name in it." />
      </div>
    </fieldset>
  );
}
