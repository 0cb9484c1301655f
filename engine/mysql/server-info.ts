// What server we are talking to (MySQL or MariaDB, which version), the statements and privilege names
// that differ between them, and a parser for SHOW GRANTS output. Everything but readServerInfo is pure.
import type { Connection } from 'mysql2/promise';
import { queryRows } from './connection.js';

export type ServerFlavor = 'mariadb' | 'mysql';

export interface ServerInfo {
  flavor: ServerFlavor;
  /** VERSION() as the server reports it, e.g. "10.11.6-MariaDB-log" or "8.4.0". */
  version: string;
  major: number;
  minor: number;
  patch: number;
}

/**
 * Parses VERSION() and @@version_comment. MariaDB says so in VERSION() (the comment may be just
 * "Debian 12"); replication-compatible handshakes prefix "5.5.5-", which VERSION() does not, but strip it anyway.
 */
export function parseServerVersion(version: string, comment = ''): ServerInfo {
  const v = String(version).trim();
  const flavor: ServerFlavor = /mariadb/i.test(v) || /mariadb/i.test(comment) ? 'mariadb' : 'mysql';
  const numeric = v.replace(/^5\.5\.5-(?=\d+\.\d+)/, '');
  const m = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(numeric);
  return {
    flavor,
    version: v,
    major: m ? Number(m[1]) : 0,
    minor: m?.[2] ? Number(m[2]) : 0,
    patch: m?.[3] ? Number(m[3]) : 0,
  };
}

export async function readServerInfo(conn: Connection): Promise<ServerInfo> {
  const rows = await queryRows<{ v: string; c: string | null }>(conn, 'SELECT VERSION() AS v, @@version_comment AS c');
  const row = rows[0];
  return parseServerVersion(String(row?.v ?? ''), String(row?.c ?? ''));
}

/** True when the server version is at least major.minor.patch (flavour not considered). */
export function versionAtLeast(info: ServerInfo, major: number, minor = 0, patch = 0): boolean {
  if (info.major !== major) return info.major > major;
  if (info.minor !== minor) return info.minor > minor;
  return info.patch >= patch;
}

/** "MariaDB 10.11.6" / "MySQL 8.4.0" for messages. */
export function describeServer(info: ServerInfo): string {
  return `${info.flavor === 'mariadb' ? 'MariaDB' : 'MySQL'} ${info.major}.${info.minor}.${info.patch}`;
}

/**
 * The statement that returns the current binlog file and position.
 * MySQL 8.2 added SHOW BINARY LOG STATUS and 8.4 removed SHOW MASTER STATUS. MariaDB keeps
 * SHOW MASTER STATUS as a permanent alias (SHOW BINLOG STATUS only from 10.5.2), so it works on every MariaDB.
 */
export function binlogStatusSql(info: ServerInfo): string {
  if (info.flavor === 'mysql' && versionAtLeast(info, 8, 2)) return 'SHOW BINARY LOG STATUS';
  return 'SHOW MASTER STATUS';
}

export interface PrivilegeNeed {
  /** The name to put in a GRANT statement on this server. */
  grant: string;
  /** Every name in SHOW GRANTS output that satisfies the need (ALL PRIVILEGES always does). */
  accepts: string[];
}

/**
 * The privileges binlog streaming needs: `client` reads binlog positions (SHOW MASTER/BINARY LOG STATUS,
 * SHOW BINARY LOGS), `replica` reads the binlog itself (COM_BINLOG_DUMP).
 * MariaDB 10.5.2 renamed REPLICATION CLIENT to BINLOG MONITOR (the old name is an alias and SHOW GRANTS
 * prints the new one) and took it out of SUPER; REPLICATION REPLICA is MariaDB's alias of REPLICATION SLAVE.
 */
export function replicaPrivilegeNames(info: ServerInfo): { client: PrivilegeNeed; replica: PrivilegeNeed } {
  const replica: PrivilegeNeed = { grant: 'REPLICATION SLAVE', accepts: ['REPLICATION SLAVE', 'REPLICATION REPLICA'] };
  if (info.flavor === 'mariadb' && versionAtLeast(info, 10, 5, 2)) {
    return { client: { grant: 'BINLOG MONITOR', accepts: ['BINLOG MONITOR', 'REPLICATION CLIENT'] }, replica };
  }
  return { client: { grant: 'REPLICATION CLIENT', accepts: ['REPLICATION CLIENT', 'SUPER'] }, replica };
}

// ---------------------------------------------------------------------------------------------------
// SHOW GRANTS parsing

export interface DatabaseGrant {
  /** The database name as granted: may hold LIKE wildcards (% and _), with \_ and \% for literals. */
  pattern: string;
  privileges: Set<string>;
}

export interface TableGrant {
  db: string;
  table: string;
  privileges: Set<string>;
}

export interface GrantSet {
  /** Privileges ON *.* ("ALL" for ALL PRIVILEGES). */
  global: Set<string>;
  databases: DatabaseGrant[];
  tables: TableGrant[];
  /** Roles granted to the account (GRANT `r` TO ...), as written. */
  roles: string[];
  /** Database-level partial revokes (MySQL 8 with partial_revokes=ON). */
  revoked: DatabaseGrant[];
}

/** Splits on a separator that is outside backticks, quotes and parentheses. */
function splitTopLevel(s: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (quote) {
      if (ch === quote) {
        if (s[i + 1] === quote) i++;
        else quote = null;
      } else if (ch === '\\' && quote !== '`') i++;
      continue;
    }
    if (ch === '`' || ch === "'" || ch === '"') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (depth === 0 && s.startsWith(sep, i)) {
      out.push(s.slice(start, i));
      start = i + sep.length;
      i += sep.length - 1;
    }
  }
  out.push(s.slice(start));
  return out;
}

/** Reads one identifier (`quoted`, 'quoted' or bare) at the start of s; returns it and the rest. */
function readIdent(s: string): [string, string] {
  const q = s[0];
  if (q === '`' || q === "'" || q === '"') {
    let out = '';
    for (let i = 1; i < s.length; i++) {
      const ch = s[i]!;
      if (ch === q) {
        if (s[i + 1] === q) {
          out += q;
          i++;
          continue;
        }
        return [out, s.slice(i + 1)];
      }
      out += ch;
    }
    return [out, ''];
  }
  const m = /^[^.\s]*/.exec(s)!;
  return [m[0], s.slice(m[0].length)];
}

function normalizePrivilege(p: string): string | null {
  const name = p.replace(/\s+/g, ' ').trim().toUpperCase();
  if (!name) return null;
  if (name.includes('(')) return null; // column-level: not enough to read or write whole rows
  if (name === 'ALL' || name === 'ALL PRIVILEGES') return 'ALL';
  return name;
}

/** Parses the lines of SHOW GRANTS (any account or role, MySQL 5.7/8.x or MariaDB) into privileges per scope. */
export function parseGrants(lines: string[]): GrantSet {
  const g: GrantSet = { global: new Set(), databases: [], tables: [], roles: [], revoked: [] };
  for (const raw of lines) {
    const line = String(raw).trim();
    const m = /^(GRANT|REVOKE)\s+([\s\S]*)$/i.exec(line);
    if (!m) continue; // SET DEFAULT ROLE, comments
    const revoke = m[1]!.toUpperCase() === 'REVOKE';
    const body = m[2]!;
    const onParts = splitTopLevel(body, ' ON ');
    if (onParts.length < 2) {
      // GRANT `role`[@`host`], ... TO ...
      if (!revoke) {
        const [roleList] = splitTopLevel(body, ' TO ');
        for (const r of splitTopLevel(roleList ?? '', ',')) if (r.trim()) g.roles.push(r.trim());
      }
      continue;
    }
    const privs = splitTopLevel(onParts[0]!, ',')
      .map(normalizePrivilege)
      .filter((p): p is string => p !== null);
    if (privs.includes('PROXY')) continue;
    let target = (splitTopLevel(onParts.slice(1).join(' ON '), revoke ? ' FROM ' : ' TO ')[0] ?? '').trim();
    const kind = /^(TABLE|FUNCTION|PROCEDURE|PACKAGE BODY|PACKAGE)\s+/i.exec(target);
    if (kind) {
      if (kind[1]!.toUpperCase() !== 'TABLE') continue; // EXECUTE on a routine: not relevant here
      target = target.slice(kind[0].length);
    }
    const [db, rest] = readIdent(target);
    const [table] = rest.startsWith('.') ? readIdent(rest.slice(1)) : ['*'];
    const set = new Set(privs);
    if (revoke) {
      if (table === '*' && db !== '*') g.revoked.push({ pattern: db, privileges: set });
      continue;
    }
    if (db === '*' && table === '*') for (const p of set) g.global.add(p);
    else if (table === '*') g.databases.push({ pattern: db, privileges: set });
    else g.tables.push({ db, table, privileges: set });
  }
  return g;
}

/** Whether a granted database name (with LIKE wildcards and \-escapes) matches a real database name. */
export function databasePatternMatches(pattern: string, db: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\' && i + 1 < pattern.length) re += escapeRegex(pattern[++i]!);
    else if (ch === '%') re += '[\\s\\S]*';
    else if (ch === '_') re += '[\\s\\S]';
    else re += escapeRegex(ch);
  }
  return new RegExp(re + '$').test(db);
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const has = (set: Set<string>, names: string[]): boolean => set.has('ALL') || names.some((n) => set.has(n));

/**
 * Whether the grants give one of `names` (aliases of one privilege) at the global level, on the database
 * `db`, or on the table `db.table`. Without db only global grants count.
 */
export function hasPrivilege(g: GrantSet, names: string | string[], db?: string, table?: string): boolean {
  const list = (Array.isArray(names) ? names : [names]).map((n) => n.toUpperCase());
  if (db !== undefined && g.revoked.some((r) => databasePatternMatches(r.pattern, db) && has(r.privileges, list))) return false;
  if (has(g.global, list)) return true;
  if (db === undefined) return false;
  if (g.databases.some((d) => databasePatternMatches(d.pattern, db) && has(d.privileges, list))) return true;
  if (table === undefined) return false;
  return g.tables.some((t) => t.db === db && t.table === table && has(t.privileges, list));
}
