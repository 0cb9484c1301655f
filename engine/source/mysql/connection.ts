// Connections to MySQL/MariaDB with the settings that keep every value exact:
// big numbers as strings, dates as strings, session time zone UTC, utf8mb4 for statements.
import mysql from 'mysql2/promise';
import type { Connection, ConnectionOptions, FieldPacket, Pool } from 'mysql2/promise';
import { CutoverError } from '../../../shared/errors.js';

export interface ServerAddress {
  host: string;
  port: number;
  user: string;
  password: string;
  database?: string;
  socketPath?: string;
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
  return {
    host: decodeURIComponent(u.hostname || '127.0.0.1'),
    port: u.port ? Number(u.port) : 3306,
    user: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password),
    database: u.pathname.length > 1 ? decodeURIComponent(u.pathname.slice(1)) : undefined,
    socketPath: socket,
  };
}

/** The URL with the password replaced, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
}

export function describeAddress(a: ServerAddress): string {
  return a.socketPath ? `${a.user}@${a.socketPath}` : `${a.user}@${a.host}:${a.port}`;
}

function baseOptions(a: ServerAddress): ConnectionOptions {
  return {
    host: a.host,
    port: a.port,
    user: a.user,
    password: a.password,
    socketPath: a.socketPath,
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

export async function connect(a: ServerAddress, extraSession: string[] = [], options: { multipleStatements?: boolean } = {}): Promise<Connection> {
  let conn: Connection;
  try {
    conn = await mysql.createConnection({ ...baseOptions(a), ...options });
  } catch (e) {
    throw explainConnectError(e, a);
  }
  await conn.query(SESSION_SQL);
  for (const s of extraSession) await conn.query(s);
  return conn;
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
  const err = e as { code?: string; errno?: number; message?: string };
  const where = describeAddress(a);
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
