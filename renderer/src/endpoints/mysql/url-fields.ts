// A MySQL URL pasted where the host goes ("mysql://user:password@host:port?ssl-mode=…", or
// "user@host:port"): recognised, and split into the form's fields.
import { mysqlUrlParts, readTlsParams } from '../../../../shared/mysql-url';
import type { ProfileForm } from '../../views/connections/profile-form-state';

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
