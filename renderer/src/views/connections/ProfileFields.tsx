// The connection form's shared fields: a text field and TLS. Each kind's own fields are in
// renderer/src/endpoints/<kind>/. File paths are text: the engine reads the files on this machine.
import { TLS_MODES, type TlsMode } from '../../../../shared/profiles';
import { Field } from '../../components/Field';
import type { ProfileForm } from './profile-form-state';

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
