// The connection form's state and its translation into a ProfileInput, with field-level validation
// (our own messages first, then shared/profiles.ts's zod schema as the backstop). Secrets are
// write-only: the form knows whether one is stored, never its value.
import { Profile, PROFILE_NAME, type ConnectionTestResult, type ProfileInput, type ProfileSummary, type SASL_MECHANISMS, type TlsMode } from '../../../../shared/profiles';
import { mysqlUrlParts, readTlsParams } from '../../../../shared/mysql-url';
import type { FieldError } from '../../components/field-errors';

/** A secret as the form holds it: typed anew (value), kept (stored and left empty) or cleared. */
export interface SecretState {
  stored: boolean;
  value: string;
  clear: boolean;
}

export type ProfileKind = 'mysql' | 'kafka';
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

export interface ProfileForm {
  kind: ProfileKind;
  name: string;
  /** The stored name when editing (a changed name renames). */
  previousName: string | null;
  host: string;
  port: string;
  user: string;
  socket: string;
  password: SecretState;
  tls: { mode: TlsMode; caFile: string; certFile: string; keyFile: string };
  ssh: { enabled: boolean; host: string; port: string; user: string; auth: 'password' | 'key'; privateKeyFile: string; hostKey: string };
  sshPassword: SecretState;
  sshPassphrase: SecretState;
  /** Kafka: "host:port" separated by commas or new lines. */
  brokers: string;
  sasl: { mechanism: SaslMechanism | ''; username: string };
}

const noSecret = (stored = false): SecretState => ({ stored, value: '', clear: false });

export function emptyForm(kind: ProfileKind = 'mysql'): ProfileForm {
  return {
    kind,
    name: '',
    previousName: null,
    host: '',
    port: '3306',
    user: '',
    socket: '',
    password: noSecret(),
    tls: { mode: 'disabled', caFile: '', certFile: '', keyFile: '' },
    ssh: { enabled: false, host: '', port: '22', user: '', auth: 'key', privateKeyFile: '', hostKey: '' },
    sshPassword: noSecret(),
    sshPassphrase: noSecret(),
    brokers: '',
    sasl: { mechanism: '', username: '' },
  };
}

export function formFromSummary(s: ProfileSummary): ProfileForm {
  const f = emptyForm(s.profile.kind);
  const p = s.profile;
  const base: ProfileForm = {
    ...f,
    name: p.name,
    previousName: p.name,
    password: noSecret(s.has.password),
    sshPassword: noSecret(s.has.sshPassword),
    sshPassphrase: noSecret(s.has.sshPassphrase),
    tls: { mode: p.tls.mode, caFile: p.tls.caFile ?? '', certFile: p.tls.certFile ?? '', keyFile: p.tls.keyFile ?? '' },
  };
  if (p.kind === 'kafka') return { ...base, brokers: p.brokers.join('\n'), sasl: { mechanism: p.sasl?.mechanism ?? '', username: p.sasl?.username ?? '' } };
  return {
    ...base,
    host: p.host,
    port: String(p.port),
    user: p.user,
    socket: p.socket ?? '',
    ssh: p.ssh
      ? { enabled: true, host: p.ssh.host, port: String(p.ssh.port), user: p.ssh.user, auth: p.ssh.auth, privateKeyFile: p.ssh.privateKeyFile ?? '', hostKey: p.ssh.hostKey ?? '' }
      : f.ssh,
  };
}

/** What a secret sends: a typed value; '' to clear a stored one; undefined keeps what is stored. */
export function secretInput(s: SecretState): string | undefined {
  if (s.value) return s.value;
  if (s.clear && s.stored) return '';
  return undefined;
}

/** Whether the secret will be there after saving (typed, or stored and kept). */
export const secretPresent = (s: SecretState): boolean => s.value !== '' || (s.stored && !s.clear);

/** A secret that is no longer used: cleared if one is stored. */
const dropped = (s: SecretState): string | undefined => (s.stored ? '' : undefined);

export function splitBrokers(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((b) => b.trim())
    .filter(Boolean);
}

const BROKER = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):\d{1,5}$/;
const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{20,}=*$/;

/** A port typed as text: a whole number 1–65535, else null. */
export function parsePort(text: string): number | null {
  if (!/^\d{1,5}$/.test(text.trim())) return null;
  const n = Number(text.trim());
  return n >= 1 && n <= 65535 ? n : null;
}

function buildProfile(f: ProfileForm): unknown {
  const tls = { mode: f.tls.mode, ...(f.tls.caFile.trim() ? { caFile: f.tls.caFile.trim() } : {}), ...(f.tls.certFile.trim() ? { certFile: f.tls.certFile.trim() } : {}), ...(f.tls.keyFile.trim() ? { keyFile: f.tls.keyFile.trim() } : {}) };
  if (f.kind === 'kafka') {
    return {
      kind: 'kafka',
      name: f.name.trim(),
      brokers: splitBrokers(f.brokers),
      tls,
      ...(f.sasl.mechanism ? { sasl: { mechanism: f.sasl.mechanism, username: f.sasl.username.trim() } } : {}),
    };
  }
  return {
    kind: 'mysql',
    name: f.name.trim(),
    host: f.host.trim(),
    port: parsePort(f.port) ?? Number(f.port),
    user: f.user.trim(),
    ...(f.socket.trim() ? { socket: f.socket.trim() } : {}),
    tls,
    ...(f.ssh.enabled
      ? {
          ssh: {
            host: f.ssh.host.trim(),
            port: parsePort(f.ssh.port) ?? Number(f.ssh.port),
            user: f.ssh.user.trim(),
            auth: f.ssh.auth,
            ...(f.ssh.auth === 'key' && f.ssh.privateKeyFile.trim() ? { privateKeyFile: f.ssh.privateKeyFile.trim() } : {}),
            ...(f.ssh.hostKey.trim() ? { hostKey: f.ssh.hostKey.trim() } : {}),
          },
        }
      : {}),
  };
}

/** Problems of the form, with messages that say what to enter. */
export function validateForm(f: ProfileForm): FieldError[] {
  const errors: FieldError[] = [];
  const err = (field: string, message: string) => void errors.push({ field, message });
  const name = f.name.trim();
  if (!name) err('name', 'Name this connection, e.g. "prod-db" (jobs refer to it by this name).');
  else if (!PROFILE_NAME.test(name)) err('name', 'Use 1–64 letters, digits, spaces and _ . @ ( ) - in the name.');
  const tlsFiles = () => {
    if (f.tls.certFile.trim() && !f.tls.keyFile.trim()) err('tls.keyFile', 'A client certificate needs its private key file too.');
    if (f.tls.keyFile.trim() && !f.tls.certFile.trim()) err('tls.certFile', 'A client key needs its certificate file too.');
  };
  if (f.kind === 'kafka') {
    const brokers = splitBrokers(f.brokers);
    if (!brokers.length) err('brokers', 'Enter at least one broker as host:port, e.g. kafka1:9092.');
    const bad = brokers.filter((b) => !BROKER.test(b));
    if (bad.length) err('brokers', `${bad.map((b) => `"${b}"`).join(', ')} ${bad.length === 1 ? 'is' : 'are'} not host:port (e.g. kafka1:9092).`);
    tlsFiles();
    if (f.sasl.mechanism) {
      if (!f.sasl.username.trim()) err('sasl.username', 'Enter the SASL user name.');
      if (!secretPresent(f.password)) err('password', 'Enter the SASL password.');
    }
  } else {
    if (!f.host.trim()) err('host', "Enter the server's host name or IP address (e.g. db.example.com or 10.0.0.5).");
    else if (looksLikeUrl(f.host))
      err(
        'host',
        urlFields(f.host)
          ? 'This is a connection URL, not a host name: choose "Fill in the fields from this URL" beside it, or enter only the host name (e.g. db.example.com).'
          : 'Enter only the host name or IP address (e.g. db.example.com): a host has no "://", "@", "/" or "?". A URL such as mysql://user@db.example.com:3306 can be pasted here and split into the fields.',
      );
    if (parsePort(f.port) === null) err('port', 'Port: a whole number from 1 to 65535 (MySQL and MariaDB listen on 3306 by default).');
    if (!f.user.trim()) err('user', 'Enter the user Cutover connects as.');
    tlsFiles();
    if (f.ssh.enabled) {
      if (!f.ssh.host.trim()) err('ssh.host', 'Enter the bastion host that Cutover tunnels through.');
      if (parsePort(f.ssh.port) === null) err('ssh.port', 'SSH port: a whole number from 1 to 65535 (usually 22).');
      if (!f.ssh.user.trim()) err('ssh.user', 'Enter the user to log in to the bastion as.');
      if (f.ssh.auth === 'key' && !f.ssh.privateKeyFile.trim()) err('ssh.privateKeyFile', 'Enter the path of the private key file on this machine, e.g. ~/.ssh/id_ed25519.');
      if (f.ssh.auth === 'password' && !secretPresent(f.sshPassword)) err('sshPassword', 'Enter the SSH password of the bastion user.');
      if (f.ssh.hostKey.trim() && !FINGERPRINT.test(f.ssh.hostKey.trim()))
        err('ssh.hostKey', 'A host key fingerprint looks like SHA256:… (as `ssh-keygen -lf` prints it); leave it empty to pin it after a test.');
    }
  }
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

/** Host text that is a URL or "user@host:port" rather than a host name (IPv6 "[::1]" and "::1" are host names). */
export function looksLikeUrl(host: string): boolean {
  return /:\/\/|[@/?]/.test(host.trim());
}

/** The form's MySQL fields read from a pasted URL ("mysql://user:password@host:port?ssl-mode=…", or "user@host:port"); null when it is not one. */
export function urlFields(text: string): Pick<ProfileForm, 'host' | 'port' | 'user'> & { password: string | null; tls: ProfileForm['tls'] | null } | null {
  const t = text.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(t) ? t : `mysql://${t}`;
  try {
    const u = mysqlUrlParts(withScheme);
    if (!u.host) return null;
    const tls = readTlsParams(new URLSearchParams(u.params));
    const mode = tls ? ({ REQUIRED: 'required', VERIFY_CA: 'verify-ca', VERIFY_IDENTITY: 'verify-identity' } as const)[tls.mode] : null;
    return {
      host: u.host,
      port: String(u.port),
      user: new URL(withScheme).username ? u.user : '',
      password: u.password ?? null,
      tls: mode ? { mode, caFile: tls?.ca ?? '', certFile: tls?.cert ?? '', keyFile: tls?.key ?? '' } : null,
    };
  } catch {
    return null;
  }
}

/** The form with the fields a pasted URL in Host gives (a password in it becomes the typed password; TLS only when it asks for it). */
export function fillFromUrl(f: ProfileForm): ProfileForm {
  const u = urlFields(f.host);
  if (!u) return f;
  return {
    ...f,
    host: u.host,
    port: u.port,
    user: u.user || f.user,
    password: u.password !== null ? { ...f.password, value: u.password, clear: false } : f.password,
    tls: u.tls ?? f.tls,
  };
}

/** Field labels for schema messages. */
const LABELS: Record<string, string> = {
  name: 'Name',
  host: 'Host',
  port: 'Port',
  user: 'User',
  socket: 'Socket',
  brokers: 'Brokers',
  'tls.caFile': 'CA file',
  'tls.certFile': 'Client certificate',
  'tls.keyFile': 'Client key',
  'ssh.host': 'Bastion host',
  'ssh.user': 'Bastion user',
  'ssh.privateKeyFile': 'Private key file',
  'ssh.hostKey': 'Host key',
  'sasl.username': 'SASL user',
};

/** The form as a ProfileInput, or its problems. */
export function formToInput(f: ProfileForm): { input: ProfileInput; errors: [] } | { input: null; errors: FieldError[] } {
  const errors = validateForm(f);
  if (errors.length) return { input: null, errors };
  const profile = Profile.parse(buildProfile(f));
  const usesSsh = f.kind === 'mysql' && f.ssh.enabled;
  const secrets: ProfileInput['secrets'] = {};
  const set = (key: keyof ProfileInput['secrets'], v: string | undefined) => {
    if (v !== undefined) secrets[key] = v;
  };
  set('password', f.kind === 'kafka' && !f.sasl.mechanism ? dropped(f.password) : secretInput(f.password));
  set('sshPassword', usesSsh && f.ssh.auth === 'password' ? secretInput(f.sshPassword) : dropped(f.sshPassword));
  set('sshPassphrase', usesSsh && f.ssh.auth === 'key' ? secretInput(f.sshPassphrase) : dropped(f.sshPassphrase));
  return { input: { profile, secrets, ...(f.previousName ? { previousName: f.previousName } : {}) }, errors: [] };
}

export const STAGE_LABELS: Record<NonNullable<ConnectionTestResult['stage']>, string> = {
  config: 'Settings',
  ssh: 'SSH tunnel',
  network: 'Network',
  tls: 'TLS',
  auth: 'Authentication',
  server: 'Server',
};
