// PostgreSQL connection URLs built from a saved profile's fields: postgres://user:password@host:port/db with
// the TLS settings as libpq's sslmode parameters. `uselibpqcompat=true` makes the pg driver read sslmode as
// libpq does (require: encrypted, not verified; verify-ca: the chain; verify-full: chain and host name).
import type { TlsSettings } from './profiles.js';

/** The profile's TLS mode as libpq's sslmode. */
export const PG_SSLMODE: Record<TlsSettings['mode'], string> = {
  disabled: 'disable',
  required: 'require',
  'verify-ca': 'verify-ca',
  'verify-identity': 'verify-full',
};

/** The query parameters of a profile's TLS settings (sslmode, sslrootcert, sslcert, sslkey). */
export function pgTlsParams(tls: TlsSettings): [string, string][] {
  const out: [string, string][] = [['sslmode', PG_SSLMODE[tls.mode]]];
  if (tls.mode === 'disabled') return out;
  out.unshift(['uselibpqcompat', 'true']);
  if (tls.caFile) out.push(['sslrootcert', tls.caFile]);
  if (tls.certFile) out.push(['sslcert', tls.certFile]);
  if (tls.keyFile) out.push(['sslkey', tls.keyFile]);
  return out;
}

export interface PgUrlParts {
  user: string;
  password?: string;
  host: string;
  port: number;
  database: string;
  params?: [string, string][];
}

/** postgres://user[:password]@host:port/database?params, every part percent-encoded. */
export function buildPostgresUrl(p: PgUrlParts): string {
  const auth = encodeURIComponent(p.user) + (p.password !== undefined && p.password !== '' ? `:${encodeURIComponent(p.password)}` : '');
  const host = p.host.includes(':') && !p.host.startsWith('[') ? `[${p.host}]` : p.host;
  const query = (p.params ?? []).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  return `postgres://${auth}@${host}:${p.port}/${encodeURIComponent(p.database)}${query ? `?${query}` : ''}`;
}
