// The reverse preflight (checklist step 'reverse-check', before the freeze): can the way back work? One
// line per check, each with the SQL that fixes it:
//   - the job: its sink is a server a reverse job can read (capability `reverse`), and its configuration
//     reverses exactly (reverse-config.ts: no `columns`/`where` filters, no two tables into one);
//   - the new server (the sink, through the sink URL's account, which the reverse job reads it with): binary
//     log on, binlog_format ROW, binlog_row_image FULL, a server_id other than the old server's,
//     REPLICATION SLAVE and REPLICATION CLIENT (MariaDB: BINLOG MONITOR), and the right to write while it is
//     read-only (the rollback freezes it and writes its fence there);
//   - the old server (the source, through the source URL's account, which the reverse job writes with): the
//     right to write while it is read-only. MariaDB 10.11: READ_ONLY ADMIN (SUPER no longer includes it);
//     10.5.2–10.10: SUPER or READ_ONLY ADMIN; MySQL: SUPER or CONNECTION_ADMIN against read_only — but
//     super_read_only stops every account, so on MySQL the switch lowers the freeze to read_only (super_read_only
//     OFF) while the reverse job runs (reverse-job.ts), and the rollback's final step lifts read_only too.
//   Its binlog retention does not matter (the old server is a sink now); its server_id is reported.
import type { JobConfig } from '../../shared/job-config.js';
import { mysqlSinkUrl, mysqlSourceUrl } from '../../shared/job-config.js';
import { connect, parseMysqlUrl, queryRows, type Connection } from '../mysql/connection.js';
import { readServerInfo, type ServerInfo } from '../mysql/server-info.js';
import type { StepResult } from '../state/cutover-store.js';
import { reverseRefusals } from './reverse-config.js';

export interface ReverseCheckLine {
  check: string;
  ok: boolean;
  detail: string;
  /** The statement or setting that fixes it. */
  fix: string | null;
}

/** The global privileges that let an account write while the server is read_only (without super_read_only). */
export function readOnlyBypassPrivileges(s: ServerInfo): string[] {
  if (s.flavor === 'mysql') return ['SUPER', 'CONNECTION_ADMIN'];
  const v = s.major * 10_000 + s.minor * 100 + s.patch;
  if (v >= 101100) return ['READ_ONLY ADMIN'];
  if (v >= 100502) return ['SUPER', 'READ_ONLY ADMIN'];
  return ['SUPER'];
}

/** The account's global privileges (ALL PRIVILEGES expanded by the server's USER_PRIVILEGES view). */
async function globalPrivileges(conn: Connection): Promise<{ account: string; privileges: Set<string> }> {
  const [me] = await queryRows<{ u: string }>(conn, 'SELECT CURRENT_USER() AS u');
  const u = String(me?.u ?? '');
  const at = u.lastIndexOf('@');
  const account = `'${u.slice(0, at).replace(/'/g, "''")}'@'${u.slice(at + 1).replace(/'/g, "''")}'`;
  const rows = await queryRows<{ p: string }>(conn, 'SELECT PRIVILEGE_TYPE AS p FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = ?', [account]);
  return { account, privileges: new Set(rows.map((r) => String(r.p).toUpperCase())) };
}

async function variables(conn: Connection): Promise<Record<string, string>> {
  const rows = await queryRows<{ Variable_name: string; Value: string }>(
    conn,
    "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('log_bin', 'binlog_format', 'binlog_row_image', 'binlog_row_metadata', 'server_id', 'read_only', 'super_read_only')",
  );
  return Object.fromEntries(rows.map((r) => [String(r.Variable_name), String(r.Value)]));
}

/** The server's side of the checks, pure (unit-tested). `other`: the old server's server_id. */
export function newServerLines(server: ServerInfo, v: Record<string, string>, account: string, privileges: Set<string>, otherServerId: string): ReverseCheckLine[] {
  const on = (x: string | undefined): boolean => x === '1' || x?.toUpperCase() === 'ON';
  const lines: ReverseCheckLine[] = [];
  lines.push(
    on(v['log_bin'])
      ? { check: 'New server: binary log', ok: true, detail: 'log_bin is ON.', fix: null }
      : { check: 'New server: binary log', ok: false, detail: 'The new server writes no binary log: the reverse job has nothing to read.', fix: 'Start the new server with --log-bin (and --binlog-format=ROW --binlog-row-image=FULL), then run this check again.' },
  );
  const fmt = (v['binlog_format'] ?? '').toUpperCase();
  lines.push({ check: 'New server: binlog_format', ok: fmt === 'ROW', detail: `binlog_format is ${fmt || 'unknown'}.`, fix: fmt === 'ROW' ? null : 'SET GLOBAL binlog_format = ROW; (and binlog_format = ROW in its configuration file)' });
  const image = (v['binlog_row_image'] ?? '').toUpperCase();
  lines.push({ check: 'New server: binlog_row_image', ok: image === 'FULL', detail: `binlog_row_image is ${image || 'unknown'}.`, fix: image === 'FULL' ? null : 'SET GLOBAL binlog_row_image = FULL; (and binlog_row_image = FULL in its configuration file)' });
  // MySQL 8.0+ and MariaDB 10.5+ have binlog_row_metadata; the stream needs MINIMAL or FULL (MariaDB's default is NO_LOG).
  const meta = v['binlog_row_metadata']?.toUpperCase();
  if (meta !== undefined)
    lines.push({ check: 'New server: binlog_row_metadata', ok: meta === 'FULL' || meta === 'MINIMAL', detail: `binlog_row_metadata is ${meta}.`, fix: meta === 'FULL' || meta === 'MINIMAL' ? null : 'SET GLOBAL binlog_row_metadata = FULL; (and binlog_row_metadata = FULL in its configuration file)' });
  const id = v['server_id'] ?? '';
  lines.push(
    id && id !== otherServerId
      ? { check: 'New server: server_id', ok: true, detail: `server_id ${id} (the old server's is ${otherServerId}).`, fix: null }
      : { check: 'New server: server_id', ok: false, detail: `The new server's server_id (${id || 'unknown'}) is the old server's: the reverse job could not tell their events apart.`, fix: `Give the new server another server_id: SET GLOBAL server_id = ${Number(otherServerId) + 1}; (and server_id in its configuration file).` },
  );
  const all = (p: string[]): boolean => p.every((x) => privileges.has(x));
  const client = server.flavor === 'mariadb' && (server.major > 10 || (server.major === 10 && server.minor >= 5)) ? 'BINLOG MONITOR' : 'REPLICATION CLIENT';
  const repl = ['REPLICATION SLAVE', client];
  lines.push(
    all(repl)
      ? { check: 'New server: replication account', ok: true, detail: `${account} has ${repl.join(' and ')}.`, fix: null }
      : { check: 'New server: replication account', ok: false, detail: `${account} (the sink URL's account, which the reverse job reads the new server with) lacks ${repl.filter((p) => !privileges.has(p)).join(' and ')}.`, fix: `GRANT REPLICATION SLAVE, ${client} ON *.* TO ${account};` },
  );
  const bypass = readOnlyBypassPrivileges(server);
  lines.push(
    bypass.some((p) => privileges.has(p))
      ? { check: 'New server: writes while read-only', ok: true, detail: `${account} has ${bypass.filter((p) => privileges.has(p)).join(', ')}: the rollback can write its fence once the new server is frozen.`, fix: null }
      : { check: 'New server: writes while read-only', ok: false, detail: `${account} cannot write while the new server is read-only: the rollback could not write its fence.`, fix: `GRANT ${bypass[bypass.length - 1]} ON *.* TO ${account};` },
  );
  return lines;
}

/** The old server's side, pure (unit-tested). */
export function oldServerLines(server: ServerInfo, v: Record<string, string>, account: string, privileges: Set<string>): ReverseCheckLine[] {
  const bypass = readOnlyBypassPrivileges(server);
  const has = bypass.filter((p) => privileges.has(p));
  const mysqlNote = server.flavor === 'mysql' ? ' MySQL’s super_read_only stops even SUPER: while the reverse job runs the old server is kept at read_only (super_read_only OFF), and the rollback lifts it.' : '';
  return [
    has.length
      ? { check: 'Old server: writes while read-only', ok: true, detail: `${account} has ${has.join(', ')}: the reverse job can write to the old server while the application cannot.${mysqlNote}`, fix: null }
      : {
          check: 'Old server: writes while read-only',
          ok: false,
          detail: `${account} (the source URL's account, which the reverse job writes the old server with) cannot write while it is read-only (it needs ${bypass.join(' or ')}).${mysqlNote}`,
          fix: `GRANT ${bypass[bypass.length - 1]} ON *.* TO ${account};`,
        },
    { check: 'Old server: server_id', ok: true, detail: `server_id ${v['server_id'] ?? 'unknown'}; its binlog retention does not matter for the way back (it becomes the reverse job's sink).`, fix: null },
  ];
}

/** The step: every line, failed when any line failed. */
export async function reverseCheckStep(config: JobConfig, sink: { reverse: boolean; title: string }, tables: { db: string; table: string }[]): Promise<{ state: 'done' | 'failed'; result: StepResult }> {
  const refusals = reverseRefusals(config, sink, tables);
  const lines: ReverseCheckLine[] = refusals.map((r) => ({ check: 'The job reverses exactly', ok: false, detail: r, fix: null }));
  if (sink.reverse) {
    if (!refusals.length) lines.push({ check: 'The job reverses exactly', ok: true, detail: `${tables.length} table(s), renames inverted.`, fix: null });
    const oldConn = await connect(parseMysqlUrl(mysqlSourceUrl(config, 'The way back')));
    try {
      const newConn = await connect(parseMysqlUrl(mysqlSinkUrl(config, 'A reverse job')));
      try {
        const oldVars = await variables(oldConn);
        const n = await globalPrivileges(newConn);
        lines.push(...newServerLines(await readServerInfo(newConn), await variables(newConn), n.account, n.privileges, oldVars['server_id'] ?? ''));
        const o = await globalPrivileges(oldConn);
        lines.push(...oldServerLines(await readServerInfo(oldConn), oldVars, o.account, o.privileges));
      } finally {
        await newConn.end().catch(() => undefined);
      }
    } finally {
      await oldConn.end().catch(() => undefined);
    }
  }
  const failed = lines.filter((l) => !l.ok);
  return {
    state: failed.length ? 'failed' : 'done',
    result: {
      detail: failed.length ? `No way back yet: ${failed.map((l) => `${l.check}: ${l.detail}`).join(' ')}` : `The way back is ready: ${lines.length} check(s) passed.`,
      fix: failed.length ? [...failed.map((l) => l.fix).filter(Boolean), 'Then run this check again, or skip it to switch without a way back (--no-reverse).'].join(' ') : null,
      facts: { checks: lines.length, failed: failed.length },
      data: lines,
    },
  };
}
