// An Elasticsearch/OpenSearch connection's fields: the cluster's address, how it logs in (none, basic
// authentication, an API key) and the CA file of an https address. The Test shows the flavour and version.
import { Field } from '../../components/Field';
import { TextField, type FieldsProps } from '../../views/connections/ProfileFields';
import type { ProfileForm, SearchAuth } from '../../views/connections/profile-form-state';
import { SecretField } from '../../views/connections/SecretField';

const AUTH_TEXT: Record<SearchAuth, string> = { none: 'None', basic: 'User and password', apiKey: 'API key' };

export function SearchProfileFields({ form, update, errors }: FieldsProps) {
  const set = (patch: Partial<ProfileForm>) => update((f) => ({ ...f, ...patch }));
  return (
    <fieldset className="form-section">
      <legend>Cluster</legend>
      <div className="form-grid">
        <TextField name="url" label="Address" value={form.url} onChange={(url) => set({ url })} errors={errors} placeholder="https://search.example.com:9200" hint="Elasticsearch 7–8 or OpenSearch 1–2; the Test shows which." />
        <Field name="searchAuth" label="Authentication" error={errors.get('searchAuth')}>
          {(p) => (
            <select {...p} value={form.searchAuth} onChange={(e) => set({ searchAuth: e.target.value as SearchAuth })}>
              {(Object.keys(AUTH_TEXT) as SearchAuth[]).map((a) => (
                <option key={a} value={a}>
                  {AUTH_TEXT[a]}
                </option>
              ))}
            </select>
          )}
        </Field>
        {form.searchAuth === 'basic' && <TextField name="user" label="User" value={form.user} onChange={(user) => set({ user })} errors={errors} placeholder="elastic" />}
        {form.searchAuth !== 'none' && (
          <SecretField name="password" label={form.searchAuth === 'basic' ? 'Password' : 'API key'} secret={form.password} onChange={(password) => set({ password })} error={errors.get('password')} />
        )}
        {form.url.trim().startsWith('https://') && (
          <TextField name="tls.caFile" label="CA file" value={form.tls.caFile} onChange={(caFile) => update((f) => ({ ...f, tls: { ...f.tls, caFile } }))} errors={errors} placeholder="/etc/ssl/search-ca.pem" hint="The PEM file of the CA that signed the cluster's certificate (leave empty for a publicly trusted one)." />
        )}
      </div>
    </fieldset>
  );
}
