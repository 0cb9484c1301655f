// The Test of a saved PostgreSQL connection: each leg in order, the first that fails named with its fix.
// The network (DNS, TCP), TLS (refused by the server, required by it, or a certificate that does not
// verify), the login (pg_hba.conf, the password), the database (missing: CREATE DATABASE), the server
// version, and the privileges the sink needs on the database (CREATE for its schemas, TEMPORARY for
// resumed batches). The result says what was reached: the version, the user and the TLS protocol.
import pg from 'pg';
import type { ConnectionTestResult } from '../../../shared/profiles.js';
import { pgId } from './connection.js';

/** The oldest server the sink is tested with and needs (identity columns, ON CONFLICT, jsonb). */
export const MIN_SERVER_VERSION = 120000;

type Stage = NonNullable<ConnectionTestResult['stage']>;

export interface PgTestTarget {
  /** The URL connected with (password and sslmode in it). */
  url: string;
  host: string;
  port: number;
  user: string;
  database: string;
  /** The profile's TLS mode, for the messages. */
  tlsMode: 'disabled' | 'required' | 'verify-ca' | 'verify-identity';
  hasPassword: boolean;
}

function failed(stage: Stage, message: string, fix: string | null): ConnectionTestResult {
  return { ok: false, stage, message, fix };
}

/** The leg a connection error belongs to, with the message and fix the operator sees. Pure: unit-tested. */
export function classifyPgError(e: { code?: string; message?: string }, t: PgTestTarget): ConnectionTestResult {
  const code = e.code ?? '';
  const text = e.message ?? String(e);
  const at = `${t.host}:${t.port}`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return failed('network', `The host name ${t.host} cannot be resolved (${code}).`, 'Check the host name (a typo, or a name only another network knows), or use the IP address.');
  if (code === 'ECONNREFUSED')
    return failed('network', `Nothing accepts connections at ${at} (connection refused).`, `Check the port (PostgreSQL listens on 5432 by default) and that the server runs; a remote server must listen on this address (listen_addresses in postgresql.conf).`);
  if (code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || /timeout/i.test(text))
    return failed('network', `No answer from ${at} (${code || text}).`, 'Check the host and port, and the firewalls between this machine and the server.');
  if (/does not support SSL/i.test(text))
    return failed('tls', `The server at ${at} does not accept TLS connections, and the profile's TLS mode is ${t.tlsMode}.`, "Turn TLS on at the server (ssl = on in postgresql.conf, with ssl_cert_file and ssl_key_file), or set the profile's TLS mode to Disabled.");
  if (/self[- ]signed|unable to (get|verify)|certificate|altname|Hostname\/IP does not match|ERR_TLS|EPROTO|wrong version number/i.test(`${code} ${text}`))
    return failed(
      'tls',
      `TLS with ${at} failed: ${text}`,
      t.tlsMode === 'verify-identity'
        ? `The certificate must be signed by the CA file and name the host ${t.host} (verify-full). Give the CA file that signed it, connect by the name the certificate lists, or choose verify-ca.`
        : 'Give the CA file that signed the server certificate, or choose Required (encrypted, not verified).',
    );
  if (code === '28000' && /no encryption|SSL off/i.test(text) && t.tlsMode === 'disabled')
    return failed('tls', `The server requires TLS for ${t.user} (${text}).`, "Set the profile's TLS mode to Required or a Verify mode (pg_hba.conf has only a hostssl line for this user).");
  if (code === '28000')
    return failed(
      'auth',
      `The server refuses ${t.user} from this machine: ${text}`,
      `Add a line to pg_hba.conf on the server, e.g. "host ${t.database} ${t.user} <this machine's address>/32 scram-sha-256", then reload it: SELECT pg_reload_conf();`,
    );
  if (code === '28P01')
    return failed('auth', `Password authentication failed for user ${t.user}.`, `Check the password; a superuser can set it: ALTER ROLE ${pgId(t.user)} PASSWORD '…';`);
  if (/password must be a string|no password was provided|password authentication/i.test(text) && !t.hasPassword)
    return failed('auth', `The server asks for a password for ${t.user}, and none is saved.`, 'Enter the password and test again.');
  if (code === '3D000')
    return failed(
      'database',
      `The database "${t.database}" does not exist on ${at}.`,
      `Create it as a superuser (psql -d postgres): CREATE DATABASE ${pgId(t.database)} OWNER ${pgId(t.user)}; or name an existing database.`,
    );
  if (code === '53300') return failed('server', `The server at ${at} has no free connection slot: ${text}`, 'Close idle connections, or raise max_connections.');
  if (code === '57P03') return failed('server', `The server at ${at} is starting up or shutting down: ${text}`, 'Wait until it accepts connections and test again.');
  return failed('network', `Cannot connect to ${at}: ${text}`, 'Check the host, port and TLS settings.');
}

/** What the server said once logged in: its version and the user's privileges. Pure: unit-tested. */
export function judgeServer(
  s: { versionNum: number; version: string; user: string; canCreate: boolean; canTemp: boolean; tls: string | null },
  t: PgTestTarget,
): ConnectionTestResult {
  if (s.versionNum < MIN_SERVER_VERSION)
    return failed('server', `The server runs PostgreSQL ${s.version}; the PostgreSQL sink needs 12 or later.`, 'Upgrade the server, or choose a PostgreSQL 12+ server.');
  const missing = [!s.canCreate ? 'CREATE' : null, !s.canTemp ? 'TEMPORARY' : null].filter((x): x is string => x !== null);
  if (missing.length)
    return failed(
      'privileges',
      `${s.user} lacks the ${missing.join(' and ')} privilege${missing.length > 1 ? 's' : ''} on the database "${t.database}": the sink creates a schema per source database and its checkpoint schema (CREATE), and writes resumed batches through temporary tables (TEMPORARY).`,
      `Grant ${missing.length > 1 ? 'them' : 'it'} as the database owner or a superuser: GRANT ${missing.join(', ')} ON DATABASE ${pgId(t.database)} TO ${pgId(s.user)};`,
    );
  return {
    ok: true,
    message: `Connected to PostgreSQL ${s.version} as ${s.user}, database "${t.database}"${s.tls ? ` over TLS (${s.tls})` : ' without TLS'}; ${s.user} may create schemas there.`,
    server: { flavor: 'postgres', version: s.version },
    ...(s.tls ? { tlsVersion: s.tls } : {}),
  };
}

/** Tests a PostgreSQL connection; never throws; `cleanup` gets what closes the connection. */
export async function testPostgres(t: PgTestTarget, cleanup: (() => Promise<void>)[], timeoutMs: number): Promise<ConnectionTestResult> {
  const c = new pg.Client({ connectionString: t.url, application_name: 'cutover-test', connectionTimeoutMillis: timeoutMs });
  c.on('error', () => undefined);
  cleanup.push(() => c.end().catch(() => undefined));
  try {
    await c.connect();
  } catch (e) {
    return classifyPgError(e as { code?: string; message?: string }, t);
  }
  try {
    const r = await c.query<{ num: string; version: string; who: string; can_create: boolean; can_temp: boolean; tls: string | null }>(
      `SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS version, current_user AS who,
              has_database_privilege(current_database(), 'CREATE') AS can_create, has_database_privilege(current_database(), 'TEMPORARY') AS can_temp,
              (SELECT version FROM pg_stat_ssl WHERE pid = pg_backend_pid() AND ssl) AS tls`,
    );
    const row = r.rows[0]!;
    return judgeServer({ versionNum: Number(row.num), version: row.version.split(' ')[0]!, user: row.who, canCreate: row.can_create, canTemp: row.can_temp, tls: row.tls }, t);
  } catch (e) {
    return failed('server', `Connected, but reading the server's version and privileges failed: ${(e as Error).message}`, `Check that ${t.user} may read pg_settings and pg_stat_ssl.`);
  }
}
