// A Kafka profile in the connection form: from a saved profile, to the profile saved, its checks and
// its secret (the SASL password; no SSH tunnel).
import type { Profile, ProfileInput } from '../../../../shared/profiles';
import type { FieldError } from '../../components/field-errors';
import { dropped, secretInput, secretPresent, type ProfileForm } from '../../views/connections/profile-form-state';

export function splitBrokers(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((b) => b.trim())
    .filter(Boolean);
}

const BROKER = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):\d{1,5}$/;

export function kafkaFromProfile(base: ProfileForm, p: Profile): ProfileForm {
  if (p.kind !== 'kafka') return base;
  return { ...base, brokers: p.brokers.join('\n'), sasl: { mechanism: p.sasl?.mechanism ?? '', username: p.sasl?.username ?? '' } };
}

export function kafkaProfile(f: ProfileForm, tls: Record<string, string>): unknown {
  return {
    kind: 'kafka',
    name: f.name.trim(),
    brokers: splitBrokers(f.brokers),
    tls,
    ...(f.sasl.mechanism ? { sasl: { mechanism: f.sasl.mechanism, username: f.sasl.username.trim() } } : {}),
  };
}

export function validateKafka(f: ProfileForm): FieldError[] {
  const errors: FieldError[] = [];
  const err = (field: string, message: string) => void errors.push({ field, message });
  const brokers = splitBrokers(f.brokers);
  if (!brokers.length) err('brokers', 'Enter at least one broker as host:port, e.g. kafka1:9092.');
  const bad = brokers.filter((b) => !BROKER.test(b));
  if (bad.length) err('brokers', `${bad.map((b) => `"${b}"`).join(', ')} ${bad.length === 1 ? 'is' : 'are'} not host:port (e.g. kafka1:9092).`);
  return errors;
}

/** SASL's checks (after the TLS ones, as the form shows them). */
export function validateSasl(f: ProfileForm): FieldError[] {
  const errors: FieldError[] = [];
  if (f.sasl.mechanism) {
    if (!f.sasl.username.trim()) errors.push({ field: 'sasl.username', message: 'Enter the SASL user name.' });
    if (!secretPresent(f.password)) errors.push({ field: 'password', message: 'Enter the SASL password.' });
  }
  return errors;
}

export function kafkaSecrets(f: ProfileForm): Partial<ProfileInput['secrets']> {
  return { password: f.sasl.mechanism ? secretInput(f.password) : dropped(f.password), sshPassword: dropped(f.sshPassword), sshPassphrase: dropped(f.sshPassphrase) };
}
