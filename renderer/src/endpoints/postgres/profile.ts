// A PostgreSQL profile in the connection form: from a saved profile, to the profile saved, its checks and
// its secret (the password). TLS is the form's shared TLS section, saved as libpq's sslmode.
import type { Profile, ProfileInput } from '../../../../shared/profiles';
import type { FieldError } from '../../components/field-errors';
import { dropped, parsePort, secretInput, type ProfileForm } from '../../views/connections/profile-form-state';

export function postgresFromProfile(base: ProfileForm, p: Profile): ProfileForm {
  if (p.kind !== 'postgres') return base;
  return { ...base, host: p.host, port: String(p.port), user: p.user, database: p.database };
}

export function postgresProfile(f: ProfileForm, tls: Record<string, string>): unknown {
  return { kind: 'postgres', name: f.name.trim(), host: f.host.trim(), port: parsePort(f.port) ?? Number(f.port), user: f.user.trim(), database: f.database.trim(), tls };
}

export function validatePostgres(f: ProfileForm): FieldError[] {
  const errors: FieldError[] = [];
  const err = (field: string, message: string) => void errors.push({ field, message });
  const host = f.host.trim();
  if (!host) err('host', "Enter the server's host name or IP address (e.g. pg.example.com or 10.0.0.7).");
  else if (/:\/\/|[@/?]/.test(host)) err('host', 'Enter only the host name or IP address (e.g. pg.example.com): a host has no "://", "@", "/" or "?".');
  if (parsePort(f.port) === null) err('port', 'Port: a whole number from 1 to 65535 (PostgreSQL listens on 5432 by default).');
  if (!f.user.trim()) err('user', 'Enter the user Cutover connects as.');
  const db = f.database.trim();
  if (!db) err('database', 'Enter the database the tables go into (each source database becomes a schema in it).');
  else if (new TextEncoder().encode(db).length > 63) err('database', 'A PostgreSQL database name has at most 63 bytes.');
  if (f.tls.mode === 'verify-identity' && !f.tls.caFile.trim())
    errors.push({ field: 'tls.caFile', message: 'Verify identity (sslmode=verify-full) checks the certificate against a CA: enter the CA certificate file that signed the server certificate.' });
  if (f.tls.mode === 'verify-ca' && !f.tls.caFile.trim())
    errors.push({ field: 'tls.caFile', message: 'Verify CA (sslmode=verify-ca) needs the CA certificate file that signed the server certificate.' });
  return errors;
}

export function postgresSecrets(f: ProfileForm): Partial<ProfileInput['secrets']> {
  return { password: secretInput(f.password), sshPassword: dropped(f.sshPassword), sshPassphrase: dropped(f.sshPassphrase) };
}
