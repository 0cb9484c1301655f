// A Kafka connection's fields: the bootstrap brokers, SASL and TLS.
import { SASL_MECHANISMS } from '../../../../shared/profiles';
import { Field } from '../../components/Field';
import { TextField, TlsFields, type FieldsProps } from '../../views/connections/ProfileFields';
import type { ProfileForm, SaslMechanism } from '../../views/connections/profile-form-state';
import { SecretField } from '../../views/connections/SecretField';

export function KafkaProfileFields(props: FieldsProps) {
  return (
    <>
      <KafkaFields {...props} />
      <TlsFields {...props} />
    </>
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
