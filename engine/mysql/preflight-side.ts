// The MySQL/MariaDB side of a preflight: opening and identifying a server (connection, version, account,
// grants) and the helpers the source checks (source/mysql/preflight-source.ts) and the sink checks
// (sink/mysql/preflight.ts) both use. Never throws for a failed check: a failure is an item.
import type { Connection } from 'mysql2/promise';
import { CutoverError } from '../../shared/errors.js';
import type { CheckItem } from '../../shared/preflight.js';
import { connect, explainConnectError, parseMysqlUrl, queryRows, redactUrl, type ServerAddress } from './connection.js';
import { describeServer, parseGrants, readServerInfo, type GrantSet, type ServerInfo } from './server-info.js';

export function errorText(e: unknown): string {
  const err = e as { code?: string; sqlMessage?: string; message?: string };
  if (err?.sqlMessage) return `${err.code ?? 'SQL error'}: ${err.sqlMessage}`;
  return err?.message ?? String(e);
}

/** "user@host" from CURRENT_USER() → 'user'@'host', ready for GRANT. */
export function accountLiteral(currentUser: string): string {
  const at = currentUser.lastIndexOf('@');
  const user = at >= 0 ? currentUser.slice(0, at) : currentUser;
  const host = at >= 0 ? currentUser.slice(at + 1) : '%';
  const q = (s: string): string => "'" + s.replace(/\\/g, '\\\\').replace(/'/g, "''") + "'";
  return `${q(user)}@${q(host)}`;
}

/** Runs one check; if its queries fail, the check becomes a warning saying what could not be read. */
export async function guarded(items: CheckItem[], base: Omit<CheckItem, 'status' | 'detail'>, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    items.push({ ...base, status: 'warn', detail: `Could not be checked: ${errorText(e)}` });
  }
}

/** Global variables by lower-case name; a variable this server does not have is absent. */
export async function readVariables(conn: Connection, names: string[]): Promise<Map<string, string>> {
  const rows = await queryRows<{ Variable_name: string; Value: string | null }>(
    conn,
    'SHOW GLOBAL VARIABLES WHERE Variable_name IN (?)',
    [names],
  );
  return new Map(rows.map((r) => [String(r.Variable_name).toLowerCase(), String(r.Value ?? '')]));
}

/** A ready-to-run statement that sets a variable now and keeps it across restarts where the server can. */
export function persistSql(info: ServerInfo, name: string, value: string): string {
  if (info.flavor === 'mysql' && info.major >= 8) return `SET PERSIST ${name} = ${value};`;
  return `SET GLOBAL ${name} = ${value}; and in my.cnf under [mysqld]: ${name} = ${value.replace(/'/g, '')}`;
}

/** An open, identified connection to one side, shared by that side's checks. */
export interface Side {
  side: 'source' | 'sink';
  conn: Connection;
  address: ServerAddress;
  info: ServerInfo;
  /** CURRENT_USER() as 'user'@'host', ready to paste into a GRANT. */
  account: string;
  /** The grants of the account and of its active roles; undefined when SHOW GRANTS failed. */
  grants?: GrantSet;
  grantsError?: string;
}

export async function openSide(side: 'source' | 'sink', url: string, items: CheckItem[]): Promise<Side | undefined> {
  const title = side === 'source' ? 'Source connection' : 'Sink connection';
  let address: ServerAddress;
  let conn: Connection;
  try {
    address = parseMysqlUrl(url);
    try {
      conn = await connect(address);
    } catch (e) {
      throw e instanceof CutoverError ? e : explainConnectError(e, address);
    }
  } catch (e) {
    const err = e instanceof CutoverError ? e : new CutoverError((e as Error)?.message ?? String(e));
    items.push({ id: `${side}.connect`, side, title, status: 'fail', detail: err.message, fix: err.fix });
    return undefined;
  }
  try {
    const info = await readServerInfo(conn);
    const who = await queryRows<{ u: string }>(conn, 'SELECT CURRENT_USER() AS u');
    const account = accountLiteral(String(who[0]?.u ?? address.user));
    const anonymous = account.startsWith("''@") && address.user !== '';
    items.push({
      id: `${side}.connect`,
      side,
      title,
      status: anonymous ? 'warn' : 'pass',
      detail: anonymous
        ? `Connected, but the server authenticated ${address.user} as the anonymous account ${account}, which has almost no privileges.`
        : `Connected to ${redactUrl(url)} as ${account}.`,
      fix: anonymous
        ? `DROP USER ${account}; (the anonymous user matches before '${address.user}'@'%' for connections from its host)`
        : undefined,
    });
    items.push({
      id: `${side}.server`,
      side,
      title: side === 'source' ? 'Source server' : 'Sink server',
      status: 'pass',
      detail: `${describeServer(info)} (VERSION() = ${info.version}).`,
    });
    const s: Side = { side, conn, address, info, account };
    try {
      s.grants = parseGrants(await grantLines(conn, info));
    } catch (e) {
      s.grantsError = errorText(e);
    }
    return s;
  } catch (e) {
    items.push({ id: `${side}.connect`, side, title, status: 'fail', detail: `Connected, but the server did not answer: ${errorText(e)}` });
    await conn.end().catch(() => undefined);
    return undefined;
  }
}

/** SHOW GRANTS for the account, plus the grants of its active roles (which SHOW GRANTS FOR CURRENT_USER() omits). */
async function grantLines(conn: Connection, info: ServerInfo): Promise<string[]> {
  const lines = await showGrants(conn, 'SHOW GRANTS FOR CURRENT_USER()');
  let role: string | null = null;
  try {
    const r = await queryRows<{ r: string | null }>(conn, 'SELECT CURRENT_ROLE() AS r');
    role = r[0]?.r ?? null;
  } catch {
    return lines; // MySQL 5.7: no roles
  }
  if (!role || role === 'NONE') return lines;
  try {
    // MariaDB: one active role, expanded recursively. MySQL 8: CURRENT_ROLE() is already a quoted list.
    const sql = info.flavor === 'mariadb' ? 'SHOW GRANTS FOR CURRENT_ROLE' : `SHOW GRANTS FOR CURRENT_USER() USING ${role}`;
    lines.push(...(await showGrants(conn, sql)));
  } catch {
    /* roles not readable: judge by the account's own grants */
  }
  return lines;
}

async function showGrants(conn: Connection, sql: string): Promise<string[]> {
  const rows = await queryRows<Record<string, unknown>>(conn, sql);
  return rows.map((r) => String(Object.values(r)[0] ?? ''));
}
