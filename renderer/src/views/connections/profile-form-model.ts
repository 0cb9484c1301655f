// The connection form's translation into a ProfileInput, with field-level validation (our own messages
// first, then shared/profiles.ts's zod schema as the backstop). What differs by kind is in the kind's
// module (renderer/src/endpoints/<kind>/); the form's state is in profile-form-state.ts.
import { Profile, PROFILE_NAME, type ConnectionTestResult, type ProfileInput, type ProfileSummary } from '../../../../shared/profiles';
import type { FieldError } from '../../components/field-errors';
import { endpointUi } from '../../endpoints/registry';
import type { EndpointUi } from '../../endpoints/types';
import { emptyForm, type ProfileForm } from './profile-form-state';

export { emptyForm, parsePort, secretInput, secretPresent, type ProfileForm, type ProfileKind, type SaslMechanism, type SecretState } from './profile-form-state';
export { fillFromUrl, looksLikeUrl, urlFields } from '../../endpoints/mysql/url-fields';
export { splitBrokers } from '../../endpoints/kafka/profile';

/** The module of the form's kind (a kind without one is a bug of the caller: the kinds offered come from the registry). */
function uiOf(kind: string): EndpointUi {
  const ui = endpointUi(kind);
  if (!ui) throw new Error(`No connection form for the kind "${kind}".`);
  return ui;
}

export function formFromSummary(s: ProfileSummary): ProfileForm {
  const f = emptyForm(s.profile.kind);
  const p = s.profile;
  const base: ProfileForm = {
    ...f,
    name: p.name,
    previousName: p.name,
    password: { stored: s.has.password, value: '', clear: false },
    sshPassword: { stored: s.has.sshPassword, value: '', clear: false },
    sshPassphrase: { stored: s.has.sshPassphrase, value: '', clear: false },
    tls: 'tls' in p ? { mode: p.tls.mode, caFile: p.tls.caFile ?? '', certFile: p.tls.certFile ?? '', keyFile: p.tls.keyFile ?? '' } : f.tls,
  };
  return uiOf(p.kind).fromProfile(base, p);
}

function buildProfile(f: ProfileForm): unknown {
  const tls = { mode: f.tls.mode, ...(f.tls.caFile.trim() ? { caFile: f.tls.caFile.trim() } : {}), ...(f.tls.certFile.trim() ? { certFile: f.tls.certFile.trim() } : {}), ...(f.tls.keyFile.trim() ? { keyFile: f.tls.keyFile.trim() } : {}) };
  return uiOf(f.kind).buildProfile(f, tls);
}

/** Problems of the form, with messages that say what to enter. */
export function validateForm(f: ProfileForm): FieldError[] {
  const errors: FieldError[] = [];
  const err = (field: string, message: string) => void errors.push({ field, message });
  const name = f.name.trim();
  if (!name) err('name', 'Name this connection, e.g. "prod-db" (jobs refer to it by this name).');
  else if (!PROFILE_NAME.test(name)) err('name', 'Use 1–64 letters, digits, spaces and _ . @ ( ) - in the name.');
  const tls: FieldError[] = [];
  if (f.tls.certFile.trim() && !f.tls.keyFile.trim()) tls.push({ field: 'tls.keyFile', message: 'A client certificate needs its private key file too.' });
  if (f.tls.keyFile.trim() && !f.tls.certFile.trim()) tls.push({ field: 'tls.certFile', message: 'A client key needs its certificate file too.' });
  errors.push(...uiOf(f.kind).validate(f, tls));
  // The schema the engine validates with catches what the rules above do not.
  const parsed = Profile.safeParse(buildProfile(f));
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = issue.path.filter((p) => typeof p === 'string').join('.') || 'name';
      if (!errors.some((e) => e.field === field)) err(field, `${LABELS[field] ?? field}: ${issue.message}.`);
    }
  }
  return errors;
}

/** Field labels for schema messages. */
const LABELS: Record<string, string> = {
  name: 'Name',
  host: 'Host',
  port: 'Port',
  user: 'User',
  socket: 'Socket',
  database: 'Database',
  brokers: 'Brokers',
  'tls.caFile': 'CA file',
  'tls.certFile': 'Client certificate',
  'tls.keyFile': 'Client key',
  'ssh.host': 'Bastion host',
  'ssh.user': 'Bastion user',
  'ssh.privateKeyFile': 'Private key file',
  'ssh.hostKey': 'Host key',
  'sasl.username': 'SASL user',
  url: 'Address',
  username: 'User',
  caFile: 'CA file',
};

/** The form as a ProfileInput, or its problems. */
export function formToInput(f: ProfileForm): { input: ProfileInput; errors: [] } | { input: null; errors: FieldError[] } {
  const errors = validateForm(f);
  if (errors.length) return { input: null, errors };
  const profile = Profile.parse(buildProfile(f));
  const secrets: ProfileInput['secrets'] = {};
  for (const [key, v] of Object.entries(uiOf(f.kind).secrets(f)) as [keyof ProfileInput['secrets'], string | undefined][]) if (v !== undefined) secrets[key] = v;
  return { input: { profile, secrets, ...(f.previousName ? { previousName: f.previousName } : {}) }, errors: [] };
}

export const STAGE_LABELS: Record<NonNullable<ConnectionTestResult['stage']>, string> = {
  config: 'Settings',
  ssh: 'SSH tunnel',
  network: 'Network',
  tls: 'TLS',
  auth: 'Authentication',
  database: 'Database',
  privileges: 'Privileges',
  server: 'Server',
};
