// The connection form's fields: MySQL/MariaDB (host, port, user, password, socket), Kafka (brokers,
// SASL), and TLS for both. File paths are text: the engine reads the files on this machine.
import { SASL_MECHANISMS, TLS_MODES, type TlsMode } from '../../../../shared/profiles';
import { Field } from '../../components/Field';
import { Button } from '../../components/Button';
import { fillFromUrl, looksLikeUrl, urlFields, type ProfileForm, type SaslMechanism } from './profile-form-model';
import { SecretField } from './SecretField';

export interface FieldsProps {
  form: ProfileForm;
  update(fn: (f: ProfileForm) => ProfileForm): void;
  errors: ReadonlyMap<string, string>;
}

/** A one-line text input bound to a string of the form. */
export function TextField({
  name,
  label,
  value,
  onChange,
  errors,
  hint,
  placeholder,
  inputMode,
}: {
  name: string;
  label: string;
  value: string;
  onChange(v: string): void;
  errors: ReadonlyMap<string, string>;
  hint?: string;
  placeholder?: string;
  inputMode?: 'numeric';
}) {
  return (
    <Field name={name} label={label} error={errors.get(name)} hint={hint}>
      {(p) => <input {...p} type="text" spellCheck={false} autoComplete="off" inputMode={inputMode} value={value} placeholder={placeholder} onChange={(e) => onChange(e.target.value)} />}
    </Field>
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

export function KafkaFields({ form, update, errors }: FieldsProps) {
  const set = (patch: Partial<ProfileForm>) => update((f) => ({ ...f, ...patch }));
  return (
    <>
      <fieldset className="form-section">
        <legend>Brokers</legend>
        <Field name="brokers" label="Bootstrap brokers" error={errors.get('brokers')} hint="host:port, separated by commas or new lines.">
          {(p) => <textarea {...p} rows={3} spellCheck={false} value={form.brokers} placeholder={'kafka1:9092\nkafka2:9092'} onChange={(e) => set({ brokers: e.target.value })} />}
        </Field>
      </fieldset>
      <fieldset className="form-section">
        <legend>SASL authentication</legend>
        <div className="form-grid">
          <Field name="sasl.mechanism" label="Mechanism" error={errors.get('sasl.mechanism')}>
            {(p) => (
              <select {...p} value={form.sasl.mechanism} onChange={(e) => set({ sasl: { ...form.sasl, mechanism: e.target.value as SaslMechanism | '' } })}>
                <option value="">None</option>
                {SASL_MECHANISMS.map((m) => (
                  <option key={m} value={m}>
                    {m.toUpperCase()}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {form.sasl.mechanism && (
            <>
              <TextField name="sasl.username" label="SASL user" value={form.sasl.username} onChange={(username) => set({ sasl: { ...form.sasl, username } })} errors={errors} />
              <SecretField name="password" label="SASL password" secret={form.password} onChange={(password) => set({ password })} error={errors.get('password')} />
            </>
          )}
        </div>
      </fieldset>
    </>
  );
}

const TLS_TEXT: Record<TlsMode, string> = {
  disabled: 'Disabled — plain TCP',
  required: 'Required — encrypted, server not verified',
  'verify-ca': 'Verify CA — encrypted, certificate chain checked',
  'verify-identity': 'Verify identity — chain and host name checked',
};

export function TlsFields({ form, update, errors }: FieldsProps) {
  const setTls = (patch: Partial<ProfileForm['tls']>) => update((f) => ({ ...f, tls: { ...f.tls, ...patch } }));
  const on = form.tls.mode !== 'disabled';
  return (
    <fieldset className="form-section">
      <legend>TLS</legend>
      <div className="form-grid">
        <Field name="tls.mode" label="Mode" error={errors.get('tls.mode')}>
          {(p) => (
            <select {...p} value={form.tls.mode} onChange={(e) => setTls({ mode: e.target.value as TlsMode })}>
              {TLS_MODES.map((m) => (
                <option key={m} value={m}>
                  {TLS_TEXT[m]}
                </option>
              ))}
            </select>
          )}
        </Field>
        {on && (
          <>
            <TextField name="tls.caFile" label="CA certificate file" value={form.tls.caFile} onChange={(caFile) => setTls({ caFile })} errors={errors} placeholder="/etc/ssl/certs/db-ca.pem" hint={form.tls.mode.startsWith('verify') ? 'Empty: the system’s trusted CAs.' : 'A path on this machine.'} />
            <TextField name="tls.certFile" label="Client certificate file (optional)" value={form.tls.certFile} onChange={(certFile) => setTls({ certFile })} errors={errors} />
            <TextField name="tls.keyFile" label="Client key file (optional)" value={form.tls.keyFile} onChange={(keyFile) => setTls({ keyFile })} errors={errors} />
          </>
        )}
      </div>
    </fieldset>
  );
}
