// Connections to MySQL/MariaDB with the settings that keep every value exact:
// big numbers as strings, dates as strings, session time zone UTC, utf8mb4 for statements.
// Every connection (data, metadata, pools, the binlog reader's) is made from a ServerAddress parsed
// from a URL, so the URL's TLS parameters (ssl-mode, ssl-ca, …; connection-tls.ts) apply to all of them.
import mysql from 'mysql2/promise';
import type { Connection, ConnectionOptions, FieldPacket, Pool } from 'mysql2/promise';
import { CutoverError } from '../../shared/errors.js';
import { readTlsParams, UrlTlsError, type UrlTls } from '../../shared/mysql-url.js';
import { endpointProblem } from '../core/endpoint-problems.js';
import { explainTlsError, tlsDriverOptions } from './connection-tls.js';

export interface ServerAddress {
  host: string;
  port: number;
  user: string;
  password: string;
  database?: string;
  socketPath?: string;
  /** TLS (from the URL's ssl-* parameters); absent: plain TCP. */
  ssl?: UrlTls;
}

export function parseMysqlUrl(url: string): ServerAddress {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new CutoverError(`"${redactUrl(url)}" is not a valid URL`, 'Use the form mysql://user:password@host:3306');
  }
  if (u.protocol !== 'mysql:' && u.protocol !== 'mariadb:') {
    throw new CutoverError(`"${redactUrl(url)}" must start with mysql://`, 'Use the form mysql://user:password@host:3306');
  }
  const socket = u.searchParams.get('socket') ?? undefined;
  let ssl: UrlTls | null;
  try {
    ssl = readTlsParams(u.searchParams);
  } catch (e) {
    if (!(e instanceof UrlTlsError)) throw e;
    throw new CutoverError(`"${redactUrl(url)}": ${e.message}`, e.fix, 'CONFIG');
  }
  if (ssl && socket) throw new CutoverError(`"${redactUrl(url)}": a Unix socket (socket=…) takes no TLS`, 'Remove the ssl-* parameters, or connect over TCP.', 'CONFIG');
  let password: string;
  try {
    password = decodeURIComponent(u.password);
  } catch {
    throw new CutoverError(`The password in "${redactUrl(url)}" is not correctly percent-encoded`, 'Percent-encode special characters in the password (% as %25, @ as %40, : as %3A, / as %2F).', 'CONFIG');
  }
  return {
    host: decodeURIComponent(u.hostname || '127.0.0.1').replace(/^\[(.*)\]$/, '$1'),
    port: u.port ? Number(u.port) : 3306,
    user: decodeURIComponent(u.username || 'root'),
    password,
    database: u.pathname.length > 1 ? decodeURIComponent(u.pathname.slice(1)) : undefined,
    socketPath: socket,
    ...(ssl ? { ssl } : {}),
  };
}

/** The URL with the password replaced, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
}

export function describeAddress(a: ServerAddress): string {
  return a.socketPath ? `${a.user}@${a.socketPath}` : `${a.user}@${a.host}:${a.port}`;
}

/** Where and how to connect, as mysql2 (and zongji, which passes these on to mysql2) take it: address, account, TLS. */
export function targetOptions(a: ServerAddress): Pick<ConnectionOptions, 'host' | 'port' | 'user' | 'password' | 'socketPath' | 'ssl' | 'stream'> {
  return {
    host: a.host,
    port: a.port,
    user: a.user,
    password: a.password,
    socketPath: a.socketPath,
    ...tlsDriverOptions(a),
  };
}

/**
 * A query with values is formatted exactly as mysql2 does; one without values is sent as written (mysql2
 * would scan all its text for placeholders first: megabytes per statement group of a stream apply).
 */
function queryFormat(this: { config: { stringifyObjects?: boolean; timezone?: string } }, sql: string, values: unknown): string {
  if (values === undefined || values === null || (Array.isArray(values) && values.length === 0)) return sql;
  return mysql.format(sql, values as Parameters<typeof mysql.format>[1], this.config.stringifyObjects, this.config.timezone);
}

function baseOptions(a: ServerAddress): ConnectionOptions {
  return {
    ...targetOptions(a),
    queryFormat,
    charset: 'utf8mb4',
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    multipleStatements: false,
    connectTimeout: 10_000,
    timezone: 'Z',
  };
}

/** Session settings every Cutover connection runs first. */
const SESSION_SQL = "SET time_zone = '+00:00'";

/** The address each open connection was made from (a second connection to the same server needs its TLS too). */
const addresses = new WeakMap<Connection, ServerAddress>();

export function addressOfConnection(conn: Connection): ServerAddress | undefined {
  return addresses.get(conn);
}

export async function connect(a: ServerAddress, extraSession: string[] = [], options: { multipleStatements?: boolean } = {}): Promise<Connection> {
  let conn: Connection;
  try {
    conn = await mysql.createConnection({ ...baseOptions(a), ...options });
  } catch (e) {
    if ((e as { code?: string }).code === 'ER_ACCESS_DENIED_ERROR' && !a.ssl && !a.socketPath && (await acceptsOverTls(a))) throw requiresTls(a);
    throw explainConnectError(e, a);
  }
  addresses.set(conn, a);
  await conn.query(SESSION_SQL);
  for (const s of extraSession) await conn.query(s);
  return conn;
}

/**
 * An account created with REQUIRE SSL (or X509) is refused without TLS with the very error of a wrong
 * password. After such a refusal, one attempt over TLS (certificate not checked: it only tells the
 * two apart) that succeeds means the account needs TLS.
 */
async function acceptsOverTls(a: ServerAddress): Promise<boolean> {
  try {
    const c = await mysql.createConnection({ ...baseOptions({ ...a, ssl: { mode: 'REQUIRED' } }), connectTimeout: 5000 });
    await c.end().catch(() => undefined);
    return true;
  } catch {
    return false;
  }
}

function requiresTls(a: ServerAddress): CutoverError {
  return new CutoverError(
    `The account ${a.user} on ${a.host}:${a.port} must connect over TLS (it was created with REQUIRE SSL or similar); this connection was not encrypted, so the server refused it.`,
    'Connect over TLS: add ?ssl-mode=VERIFY_IDENTITY&ssl-ca=/path/to/ca.pem to the URL (or choose a TLS mode in the profile); ssl-mode=REQUIRED encrypts without checking the certificate.',
    'TLS',
  );
}

export function createPool(a: ServerAddress, size: number, extraSession: string[] = []): Pool {
  const pool = mysql.createPool({ ...baseOptions(a), connectionLimit: size, waitForConnections: true, maxIdle: size });
  pool.on('connection', (c) => {
    // Raw (callback) connection: queue the session settings before any user query.
    c.query(SESSION_SQL);
    for (const s of extraSession) c.query(s);
  });
  return pool;
}

/** A rows-as-objects query returning plain records (metadata queries only). */
export async function queryRows<T = Record<string, unknown>>(
  conn: Connection | Pool,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const [rows] = await conn.query(sql, params);
  return rows as T[];
}

export type { Connection, Pool, FieldPacket };

/** Turns a driver error into what is wrong and how to fix it. */
export function explainConnectError(e: unknown, a: ServerAddress): CutoverError {
  if (e instanceof CutoverError) return e;
  const err = e as { code?: string; errno?: number; message?: string; sqlMessage?: string };
  const where = describeAddress(a);
  // A tunnel's local port: its own error says what is wrong (the SSH connection), not the driver's.
  if (!err.errno || err.errno < 1000) {
    const problem = a.socketPath ? null : endpointProblem(a.host, a.port);
    if (problem) return problem;
  }
  const tls = explainTlsError(err, a, `${a.host}:${a.port}`);
  if (tls) return tls;
  switch (err.code) {
    case 'ECONNREFUSED':
      return new CutoverError(
        `Nothing is listening at ${a.host}:${a.port} (connection refused).`,
        'Check that the server is running and the host and port are right; for a local server, `ss -ltnp | grep mysqld` shows its port.',
        'UNREACHABLE',
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new CutoverError(`The host name "${a.host}" cannot be resolved.`, 'Check the host name in the URL, or use an IP address.');
    case 'ETIMEDOUT':
      return new CutoverError(
        `Timed out connecting to ${a.host}:${a.port}.`,
        'Check firewalls and security groups between this machine and the server, and the bind-address setting of the server.',
        'UNREACHABLE',
      );
    case 'ER_ACCESS_DENIED_ERROR':
      return new CutoverError(
        `Access denied for ${where}: ${err.message ?? ''}`.trim(),
        `Check the user name and password. If the user exists as '${a.user}'@'%' but the server also has an anonymous user ''@'localhost', ` +
          `MySQL matches the anonymous user first for local connections: drop it with DROP USER ''@'localhost'; ` +
          `or create the user for this host: CREATE USER '${a.user}'@'<this host>' IDENTIFIED BY '…'.`,
      );
    case 'ER_DBACCESS_DENIED_ERROR':
      return new CutoverError(`Access denied to the database for ${where}: ${err.message}`, `GRANT SELECT ON <db>.* TO '${a.user}'@'%';`);
    case 'ER_HOST_NOT_PRIVILEGED':
      return new CutoverError(
        `The server does not allow ${a.user} to connect from this host: ${err.message}`,
        `CREATE USER '${a.user}'@'<this host>' IDENTIFIED BY '…'; and grant it the privileges it needs.`,
      );
    default:
      return new CutoverError(`Cannot connect to ${where}: ${err.message ?? String(e)}`, 'Check the URL, the server and the network.');
  }
}
