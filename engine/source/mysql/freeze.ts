// The write freeze of a MySQL/MariaDB source at cutover: read-only on (super_read_only on MySQL, which
// stops SUPER accounts too), the accounts that still bypass it (MariaDB has no super_read_only: accounts
// with READ_ONLY ADMIN — and SUPER before 10.11 — write on), their sessions from the processlist, the
// transactions open on the source (they would commit after the freeze), and killing named sessions.
// The rules per server are pure (unit-tested: there is no MySQL server here); the queries are below.
import type { FreezeReport, SourceSessionInfo, WriteBypass } from '../../../shared/cutover.js';
import { queryRows, type Connection } from '../../mysql/connection.js';
import { readServerInfo, type ServerInfo } from '../../mysql/server-info.js';

/** The statement that freezes writes: MySQL's super_read_only (it turns read_only on too) stops every account. */
export function freezeStatement(s: ServerInfo): string {
  return s.flavor === 'mysql' && (s.major > 5 || (s.major === 5 && s.minor >= 7)) ? 'SET GLOBAL super_read_only = ON' : 'SET GLOBAL read_only = ON';
}

/** The statement that sets the freeze back to what it was. */
export function thawStatement(s: ServerInfo, previous: { readOnly: boolean; superReadOnly: boolean }): string[] {
  if (freezeStatement(s).includes('super_read_only'))
    return previous.superReadOnly ? [] : [`SET GLOBAL super_read_only = OFF`, ...(previous.readOnly ? [] : ['SET GLOBAL read_only = OFF'])];
  return previous.readOnly ? [] : ['SET GLOBAL read_only = OFF'];
}

/**
 * The global privileges whose holders may still write once the freeze statement ran. MySQL with
 * super_read_only: none. MariaDB 10.11+: READ_ONLY ADMIN (SUPER no longer includes it); 10.5.2–10.10:
 * SUPER or READ_ONLY ADMIN; older MariaDB and MySQL 5.6: SUPER.
 */
export function bypassPrivileges(s: ServerInfo): string[] {
  if (freezeStatement(s).includes('super_read_only')) return [];
  if (s.flavor === 'mysql') return ['SUPER'];
  const v = s.major * 10_000 + s.minor * 100 + s.patch;
  if (v >= 101100) return ['READ_ONLY ADMIN'];
  if (v >= 100502) return ['SUPER', 'READ_ONLY ADMIN'];
  return ['SUPER'];
}

/** The REVOKE that takes a bypassing privilege from an account ("'app'@'%'"). */
export function revokeStatement(account: string, privilege: string): string {
  return `REVOKE ${privilege} ON *.* FROM ${account}`;
}

/** Does a processlist host ("10.0.0.5:51234", "localhost") match an account's host pattern ("%", "10.0.%")? */
export function hostMatches(pattern: string, host: string): boolean {
  const h = host.replace(/:\d+$/, '');
  const re = new RegExp(`^${pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.')}$`, 'i');
  return re.test(h) || (pattern === 'localhost' && (h === '127.0.0.1' || h === '::1'));
}

/** "'app'@'%'" → ["app", "%"]. */
export function splitGrantee(grantee: string): [string, string] {
  const m = /^'((?:[^']|'')*)'@'((?:[^']|'')*)'$/.exec(grantee.trim());
  return m ? [m[1]!.replace(/''/g, "'"), m[2]!.replace(/''/g, "'")] : [grantee, '%'];
}

/** Processlist commands of server threads and replicas, never the application's writes. */
const NOT_WRITERS = new Set(['binlog dump', 'binlog dump gtid', 'daemon', 'slave_sql', 'slave_io', 'slave_worker']);

async function bypasses(conn: Connection, server: ServerInfo): Promise<WriteBypass> {
  const privileges = bypassPrivileges(server);
  if (!privileges.length) return { accounts: [], sessions: [] };
  const grants = await queryRows<{ grantee: string; priv: string }>(
    conn,
    'SELECT GRANTEE AS grantee, PRIVILEGE_TYPE AS priv FROM information_schema.USER_PRIVILEGES WHERE PRIVILEGE_TYPE IN (?) ORDER BY 1, 2',
    [privileges],
  );
  const [me] = await queryRows<{ id: number; u: string }>(conn, 'SELECT CONNECTION_ID() AS id, CURRENT_USER() AS u');
  // Cutover's own sessions (its stream, heartbeat, this one) use its account: never named, never killed.
  const ownUser = String(me?.u ?? '').replace(/@[^@]*$/, '');
  const byAccount = new Map<string, string[]>();
  for (const g of grants) byAccount.set(String(g.grantee), [...(byAccount.get(String(g.grantee)) ?? []), String(g.priv)]);
  const accounts = [...byAccount].map(([account, privs]) => {
    const [user] = splitGrantee(account);
    const own = user === ownUser;
    return { account, privileges: privs, revoke: privs.map((p) => revokeStatement(account, p)), cutover: own };
  });
  const sessions: SourceSessionInfo[] = [];
  for (const p of await processlist(conn)) {
    if (p.id === Number(me?.id) || p.user === ownUser || NOT_WRITERS.has(p.command.toLowerCase())) continue;
    const acc = accounts.find((a) => {
      const [user, host] = splitGrantee(a.account);
      return user === p.user && hostMatches(host, p.host);
    });
    if (acc && !acc.cutover) sessions.push({ ...p, account: acc.account, privilege: acc.privileges.join(', ') });
  }
  return { accounts, sessions };
}

async function processlist(conn: Connection): Promise<SourceSessionInfo[]> {
  const rows = await queryRows<{ id: number; user: string; host: string; db: string | null; command: string; time: number; state: string | null; info: string | null }>(
    conn,
    'SELECT ID AS id, USER AS user, HOST AS host, DB AS db, COMMAND AS command, TIME AS time, STATE AS state, LEFT(INFO, 200) AS info FROM information_schema.PROCESSLIST ORDER BY ID',
  );
  return rows.map((r) => ({ id: Number(r.id), user: String(r.user), host: String(r.host ?? ''), db: r.db, command: String(r.command), timeSeconds: Number(r.time), state: r.state || null, info: r.info || null, account: null, privilege: null, transactionSeconds: null }));
}

/** Transactions open on the source (InnoDB), oldest first, with their sessions: they would commit after the freeze. */
export async function openTransactions(conn: Connection): Promise<SourceSessionInfo[]> {
  const rows = await queryRows<{ id: number; secs: number; rows_modified: number }>(
    conn,
    `SELECT trx_mysql_thread_id AS id, GREATEST(0, TIMESTAMPDIFF(SECOND, trx_started, NOW())) AS secs, trx_rows_modified AS rows_modified
       FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id <> CONNECTION_ID() ORDER BY trx_started`,
  );
  if (!rows.length) return [];
  const sessions = new Map((await processlist(conn)).map((p) => [p.id, p]));
  return rows.map((r) => {
    const p = sessions.get(Number(r.id));
    return { ...(p ?? { id: Number(r.id), user: '?', host: '?', db: null, command: '?', timeSeconds: 0, state: null, info: null, account: null, privilege: null }), transactionSeconds: Number(r.secs) };
  });
}

/** The source's read_only (and, on MySQL, super_read_only) settings now. */
export async function readOnlyState(conn: Connection, server?: ServerInfo): Promise<FreezeReport['previous']> {
  const s = server ?? (await readServerInfo(conn));
  const [now] = await queryRows<{ ro: number | string; sro: number | string | null }>(
    conn,
    s.flavor === 'mysql' ? 'SELECT @@GLOBAL.read_only AS ro, @@GLOBAL.super_read_only AS sro' : 'SELECT @@GLOBAL.read_only AS ro, NULL AS sro',
  );
  return { readOnly: Number(now?.ro) === 1, superReadOnly: Number(now?.sro ?? 0) === 1 };
}

/** Turns the freeze on (idempotent) and says what stays able to write. */
export async function freezeWrites(conn: Connection): Promise<FreezeReport> {
  const server = await readServerInfo(conn);
  const previous = await readOnlyState(conn, server);
  const statement = freezeStatement(server);
  const already = statement.includes('super_read_only') ? previous.superReadOnly : previous.readOnly;
  if (!already) await conn.query(statement);
  return { server: server.version, statement, previous, bypass: await bypasses(conn, server) };
}

/** Sets the freeze back to what it was before freezeWrites(). */
export async function thawWrites(conn: Connection, previous: { readOnly: boolean; superReadOnly: boolean }): Promise<string[]> {
  const server = await readServerInfo(conn);
  const statements = thawStatement(server, previous);
  for (const s of statements) await conn.query(s);
  return statements;
}

/** The sessions of accounts that still write while the source is frozen. */
export async function writeBypass(conn: Connection): Promise<WriteBypass> {
  return bypasses(conn, await readServerInfo(conn));
}

/** Kills sessions by id (KILL CONNECTION); returns the ids that were gone already. */
export async function killSessions(conn: Connection, ids: number[]): Promise<{ killed: number[]; gone: number[] }> {
  const killed: number[] = [];
  const gone: number[] = [];
  for (const id of ids) {
    try {
      await conn.query(`KILL CONNECTION ${Math.trunc(id)}`);
      killed.push(id);
    } catch (e) {
      if ((e as { errno?: number }).errno === 1094) gone.push(id);
      else throw e;
    }
  }
  return { killed, gone };
}
