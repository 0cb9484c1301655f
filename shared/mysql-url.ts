// MySQL/MariaDB URLs: the TLS query parameters (named as the mysql client names its options) and how a
// URL is built from its parts. Shared by the job-file validation (an error with its JSON path), the
// engine's connection code (engine/mysql/connection.ts) and the renderer's export of a job file,
// so a URL means the same thing everywhere. No Node APIs here: the renderer compiles it too.
import type { TlsMode, TlsSettings } from './profiles.js';

/** `ssl-mode` values, as `mysql --ssl-mode` takes them. */
export const SSL_MODES = ['DISABLED', 'REQUIRED', 'VERIFY_CA', 'VERIFY_IDENTITY'] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** TLS as a URL asks for it: file paths (read when connecting) and the name to verify. */
export interface UrlTls {
  mode: Exclude<SslMode, 'DISABLED'>;
  ca?: string;
  cert?: string;
  key?: string;
  /** The host name the certificate must carry (VERIFY_IDENTITY), when the URL's host is not it (an SSH tunnel's 127.0.0.1). */
  servername?: string;
}

/** The TLS query parameters a URL may carry. */
export const TLS_PARAMS = ['ssl-mode', 'ssl-ca', 'ssl-cert', 'ssl-key', 'ssl-servername'] as const;

const MODE_OF: Record<TlsMode, SslMode> = { disabled: 'DISABLED', required: 'REQUIRED', 'verify-ca': 'VERIFY_CA', 'verify-identity': 'VERIFY_IDENTITY' };

/** A profile's TLS mode as the URL's ssl-mode. */
export function sslModeOf(mode: TlsMode): SslMode {
  return MODE_OF[mode];
}

export class UrlTlsError extends Error {
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message);
  }
}

const URL_FIX = 'e.g. mysql://user@db.example.com:3306?ssl-mode=VERIFY_IDENTITY&ssl-ca=/etc/mysql/ca.pem';

/**
 * The TLS a URL's query asks for, or null for plain TCP. Like the mysql client: `ssl-mode` is
 * case-insensitive; a CA without a mode means VERIFY_CA; DISABLED is the default. Throws UrlTlsError.
 */
export function readTlsParams(params: URLSearchParams): UrlTls | null {
  for (const k of new Set(params.keys())) {
    if (k.startsWith('ssl') && !(TLS_PARAMS as readonly string[]).includes(k))
      throw new UrlTlsError(`unknown TLS parameter "${k}"`, `Use ${TLS_PARAMS.join(', ')}; ${URL_FIX}`);
    if ((TLS_PARAMS as readonly string[]).includes(k) && params.getAll(k).length > 1) throw new UrlTlsError(`"${k}" is given twice`, 'Give each parameter once.');
  }
  const file = (k: string): string | undefined => {
    const v = params.get(k);
    if (v === null) return undefined;
    if (!v.trim()) throw new UrlTlsError(`"${k}" is empty`, `Give the path of the file, e.g. ${k}=/etc/mysql/${k.slice(4)}.pem`);
    return v;
  };
  const ca = file('ssl-ca');
  const cert = file('ssl-cert');
  const key = file('ssl-key');
  const servername = params.get('ssl-servername') || undefined;
  const raw = params.get('ssl-mode');
  let mode: SslMode;
  if (raw === null) mode = ca ? 'VERIFY_CA' : cert || key ? 'REQUIRED' : 'DISABLED';
  else {
    const m = raw.toUpperCase().replace(/-/g, '_');
    if (m === 'PREFERRED')
      throw new UrlTlsError('"ssl-mode=PREFERRED" is not supported: Cutover does not fall back to plain TCP silently', 'Use ssl-mode=REQUIRED (or VERIFY_CA / VERIFY_IDENTITY), or DISABLED.');
    if (!(SSL_MODES as readonly string[]).includes(m)) throw new UrlTlsError(`"ssl-mode=${raw}" is not a TLS mode`, `Use ssl-mode=${SSL_MODES.join(', ')}.`);
    mode = m as SslMode;
  }
  if (mode === 'DISABLED') {
    if (ca || cert || key || servername) throw new UrlTlsError('"ssl-mode=DISABLED" together with TLS files', 'Remove the ssl-* files, or set ssl-mode=REQUIRED, VERIFY_CA or VERIFY_IDENTITY.');
    return null;
  }
  if (!cert !== !key) throw new UrlTlsError('"ssl-cert" and "ssl-key" go together (a client certificate and its private key)', 'Give both, or neither.');
  if (servername && mode !== 'VERIFY_IDENTITY') throw new UrlTlsError('"ssl-servername" is only used with ssl-mode=VERIFY_IDENTITY', 'Remove it, or set ssl-mode=VERIFY_IDENTITY.');
  return { mode, ca, cert, key, servername };
}

/** The query parameters of a profile's TLS settings (none when disabled). */
export function tlsParamsOf(tls: TlsSettings, servername?: string): [string, string][] {
  if (tls.mode === 'disabled') return [];
  const out: [string, string][] = [['ssl-mode', sslModeOf(tls.mode)]];
  if (tls.caFile) out.push(['ssl-ca', tls.caFile]);
  if (tls.certFile) out.push(['ssl-cert', tls.certFile]);
  if (tls.keyFile) out.push(['ssl-key', tls.keyFile]);
  if (servername && tls.mode === 'verify-identity') out.push(['ssl-servername', servername]);
  return out;
}

export interface MysqlUrlParts {
  user: string;
  /** Omitted: a URL without a password (for exports). */
  password?: string;
  host: string;
  port: number;
  database?: string;
  /** Query parameters (socket, ssl-*), in order. */
  params?: [string, string][];
}

/** mysql://user:password@host:port/db?params, every part percent-encoded (IPv6 hosts bracketed). */
export function buildMysqlUrl(p: MysqlUrlParts): string {
  const auth = encodeURIComponent(p.user) + (p.password !== undefined && p.password !== '' ? `:${encodeURIComponent(p.password)}` : '');
  const host = p.host.includes(':') && !p.host.startsWith('[') ? `[${p.host}]` : p.host;
  const db = p.database ? `/${encodeURIComponent(p.database)}` : '';
  const query = p.params?.length ? `?${new URLSearchParams(p.params).toString()}` : '';
  return `mysql://${auth}@${host}:${p.port}${db}${query}`;
}

/** A URL's parts, decoded. Throws on a URL that is not mysql:// or mariadb://. */
export function mysqlUrlParts(url: string): MysqlUrlParts & { params: [string, string][] } {
  const u = new URL(url);
  if (u.protocol !== 'mysql:' && u.protocol !== 'mariadb:') throw new Error('not a mysql:// URL');
  const host = decodeURIComponent(u.hostname || '127.0.0.1').replace(/^\[(.*)\]$/, '$1');
  return {
    user: decodeURIComponent(u.username || 'root'),
    password: u.password ? decodeURIComponent(u.password) : undefined,
    host,
    port: u.port ? Number(u.port) : 3306,
    database: u.pathname.length > 1 ? decodeURIComponent(u.pathname.slice(1)) : undefined,
    params: [...u.searchParams.entries()],
  };
}
