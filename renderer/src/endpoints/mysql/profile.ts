// A MySQL/MariaDB profile in the connection form: from a saved profile, to the profile saved, its
// checks and its secrets (password, and the SSH tunnel's password or key passphrase).
import type { Profile, ProfileInput } from '../../../../shared/profiles';
import type { FieldError } from '../../components/field-errors';
import { dropped, parsePort, secretInput, secretPresent, type ProfileForm } from '../../views/connections/profile-form-state';
import { looksLikeUrl, urlFields } from './url-fields';

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{20,}=*$/;

export function mysqlFromProfile(base: ProfileForm, p: Profile): ProfileForm {
  if (p.kind !== 'mysql') return base;
  return {
    ...base,
    host: p.host,
    port: String(p.port),
    user: p.user,
    socket: p.socket ?? '',
    ssh: p.ssh
      ? { enabled: true, host: p.ssh.host, port: String(p.ssh.port), user: p.ssh.user, auth: p.ssh.auth, privateKeyFile: p.ssh.privateKeyFile ?? '', hostKey: p.ssh.hostKey ?? '' }
      : base.ssh,
  };
}

export function mysqlProfile(f: ProfileForm, tls: Record<string, string>): unknown {
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

export function validateMysql(f: ProfileForm): FieldError[] {
  const errors: FieldError[] = [];
  const err = (field: string, message: string) => void errors.push({ field, message });
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
  return errors;
}

/** The SSH tunnel's checks (after the TLS ones, as the form shows them). */
export function validateSsh(f: ProfileForm): FieldError[] {
  const errors: FieldError[] = [];
  const err = (field: string, message: string) => void errors.push({ field, message });
  if (f.ssh.enabled) {
    if (!f.ssh.host.trim()) err('ssh.host', 'Enter the bastion host that Cutover tunnels through.');
    if (parsePort(f.ssh.port) === null) err('ssh.port', 'SSH port: a whole number from 1 to 65535 (usually 22).');
    if (!f.ssh.user.trim()) err('ssh.user', 'Enter the user to log in to the bastion as.');
    if (f.ssh.auth === 'key' && !f.ssh.privateKeyFile.trim()) err('ssh.privateKeyFile', 'Enter the path of the private key file on this machine, e.g. ~/.ssh/id_ed25519.');
    if (f.ssh.auth === 'password' && !secretPresent(f.sshPassword)) err('sshPassword', 'Enter the SSH password of the bastion user.');
    if (f.ssh.hostKey.trim() && !FINGERPRINT.test(f.ssh.hostKey.trim()))
      err('ssh.hostKey', 'A host key fingerprint looks like SHA256:… (as `ssh-keygen -lf` prints it); leave it empty to pin it after a test.');
  }
  return errors;
}

export function mysqlSecrets(f: ProfileForm): Partial<ProfileInput['secrets']> {
  const ssh = f.ssh.enabled;
  return {
    password: secretInput(f.password),
    sshPassword: ssh && f.ssh.auth === 'password' ? secretInput(f.sshPassword) : dropped(f.sshPassword),
    sshPassphrase: ssh && f.ssh.auth === 'key' ? secretInput(f.sshPassphrase) : dropped(f.sshPassphrase),
  };
}
