// Binlog retention: how long the source keeps its binlogs, and whether a stored position can still be read.
//
// Availability (checkPositionAvailable, code BINLOG_PURGED otherwise):
// - file positions: the file must be in SHOW BINARY LOGS and the offset within its size;
// - MariaDB GTID positions: the Gtid_list event at the start of the oldest binlog file lists, per domain,
//   the last GTIDs written before that file. The position is readable when it has every domain of that
//   list with a seq_no >= the highest one listed for the domain (verified on MariaDB 10.11 against a real
//   replica: a missing domain or a lower seq_no gives error 1236 "...required binlog files have been
//   purged"; domains the binlog never had are ignored by the server and here);
// - MySQL GTID sets: @@gtid_purged must be a subset of the requested set (pure interval arithmetic below).
//
// Expiry (readRetention): MariaDB and MySQL purge, at each binlog rotation and at startup, the files whose
// modification time (whole seconds) is before now - binlog_expire_logs_seconds (MariaDB 10.6+ keeps
// expire_logs_days in step; MySQL 8 also has binlog_expire_logs_auto_purge). A file still read by a replica,
// or still needed for crash recovery (MariaDB's binlog checkpoint), is kept past that. SQL cannot stat a
// file and SHOW BINLOG EVENTS has no time column (nor has BINLOG_GTID_POS, which maps positions to GTIDs
// only, or any information_schema table), so a file's last write is ESTIMATED as the header timestamp of
// the Format_description event that opens the NEXT file, read over the replication protocol
// (COM_BINLOG_DUMP from offset 4, non-blocking, server id 0 so no replica's dump thread is replaced; needs
// REPLICATION SLAVE). Exact to the second when the file was closed by rotation (FLUSH BINARY LOGS,
// max_binlog_size, PURGE); too late by the downtime when the server was stopped between the two files.
import type { MysqlBinlogPosition } from '../../core/position.js';
import type { GtidPosition } from '../../../shared/positions.js';
import { formatPosition } from '../../core/position.js';
import { fileSequence } from '../../../shared/positions.js';
import { CutoverError } from '../../../shared/errors.js';
import { addressOfConnection, connect, queryRows, type Connection, type ServerAddress } from '../../mysql/connection.js';
import { listBinlogFiles, type BinlogFile } from './binlog-status.js';
import { readServerInfo, versionAtLeast, type ServerInfo } from '../../mysql/server-info.js';

export interface RetentionInfo {
  /** e.g. "binlog_expire_logs_seconds = 864000 (10 days)" or "expire_logs_days = 0 (binlogs are never expired)" */
  settings: string;
  expireSeconds: number | null; // null = never expires
  /** Seconds until the file holding `position` may be purged by expiry; null when it is the current file or expiry is off. */
  secondsLeft: number | null;
  oldestFile: string;
  /** The estimated last write of the position's file (unix seconds), when it was needed and found. */
  lastWriteEstimate?: number;
}

type Settings = { text: string; seconds: number | null };

function human(s: number): string {
  const [n, unit] = s >= 86400 ? [s / 86400, 'day'] : s >= 3600 ? [s / 3600, 'hour'] : s >= 60 ? [s / 60, 'minute'] : [s, 'second'];
  const v = Math.round(n * 100) / 100;
  return `${v} ${unit}${v === 1 ? '' : 's'}`;
}

async function readSettings(conn: Connection, info: ServerInfo): Promise<Settings> {
  const rows = await queryRows<{ Variable_name: string; Value: string }>(
    conn,
    "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('binlog_expire_logs_seconds', 'expire_logs_days', 'binlog_expire_logs_auto_purge', 'max_binlog_total_size')",
  );
  const v = new Map(rows.map((r) => [String(r.Variable_name).toLowerCase(), String(r.Value)]));
  const size = Number(v.get('max_binlog_total_size') ?? 0); // MariaDB 11.4+
  const bySize = size > 0 ? `; also purged when all binlogs exceed max_binlog_total_size = ${size} bytes` : '';
  if (info.flavor === 'mysql' && v.get('binlog_expire_logs_auto_purge')?.toUpperCase() === 'OFF') {
    return { text: 'binlog_expire_logs_auto_purge = OFF (binlogs are never expired)', seconds: null };
  }
  const secs = Number(v.get('binlog_expire_logs_seconds') ?? 0);
  const days = Number(v.get('expire_logs_days') ?? 0);
  if (secs > 0) return { text: `binlog_expire_logs_seconds = ${secs} (${human(secs)})${bySize}`, seconds: secs };
  if (days > 0) return { text: `expire_logs_days = ${days} (${human(days * 86400)})${bySize}`, seconds: Math.round(days * 86400) };
  const name = v.has('binlog_expire_logs_seconds') ? 'binlog_expire_logs_seconds' : 'expire_logs_days';
  return { text: `${name} = 0 (binlogs are never expired)${bySize}`, seconds: null };
}

/** The SQL that keeps binlogs for `days` days on this server. */
function keepLongerSql(info: ServerInfo, days = 7): string {
  const secs = versionAtLeast(info, info.flavor === 'mariadb' ? 10 : 8, info.flavor === 'mariadb' ? 6 : 0);
  const set = secs ? `SET GLOBAL binlog_expire_logs_seconds = ${days * 86400};` : `SET GLOBAL expire_logs_days = ${days};`;
  const name = secs ? `binlog_expire_logs_seconds = ${days * 86400}` : `expire_logs_days = ${days}`;
  return `${set} (${days} days; also put ${name} in my.cnf under [mysqld] so it survives a restart)`;
}

/** Where a connection goes, for a second connection to the same server (with its TLS: the address it was made from). */
function addressOf(conn: Connection): ServerAddress {
  const known = addressOfConnection(conn);
  if (known) return known;
  const c = (conn as unknown as { connection?: { config?: Partial<ServerAddress> } }).connection?.config ?? {};
  return { host: c.host ?? '127.0.0.1', port: c.port ?? 3306, user: c.user ?? '', password: c.password ?? '', socketPath: c.socketPath };
}

// The parts of mysql2's core connection and packets the probe uses (mysql2 3.x).
type CorePacket = { buffer: Buffer; start: number; end: number; isEOF(): boolean; isError(): boolean; asError(enc?: string): Error };
type CoreConnection = {
  addCommand(cmd: object): void;
  writePacket(p: object): void;
  _resetSequenceId(): void;
  destroy(): void;
  on(event: 'error', f: (e: Error) => void): void;
  clientEncoding?: string;
};

/**
 * The header timestamp (unix seconds) of the Format_description event that opens `file`, i.e. when the
 * server created it. A mysql2 command that sends COM_BINLOG_DUMP (mysql2's own BinlogDump packet is broken).
 */
export async function binlogFileStartTime(address: ServerAddress, file: string): Promise<number> {
  const conn = await connect(address, ['SET @master_binlog_checksum = @@global.binlog_checksum']);
  const core = (conn as unknown as { connection: CoreConnection }).connection;
  const name = Buffer.from(file, 'utf8');
  const out = Buffer.alloc(4 + 11 + name.length);
  out.writeUInt8(0x12, 4); // COM_BINLOG_DUMP
  out.writeUInt32LE(4, 5); // offset 4: the first event
  out.writeUInt16LE(1, 9); // BINLOG_DUMP_NON_BLOCK: EOF at the end instead of waiting
  out.writeUInt32LE(0, 11); // server id 0: replaces no other dump thread
  name.copy(out, 15);
  const packet = {
    buffer: out,
    length: () => out.length,
    writeHeader: (seq: number) => {
      out.writeUIntLE(out.length - 4, 0, 3);
      out.writeUInt8(seq, 3);
    },
  };
  return new Promise<number>((resolve, reject) => {
    let settled = false;
    const finish = (e: Error | null, t?: number): void => {
      if (settled) return;
      settled = true;
      core.destroy();
      if (e) reject(e);
      else resolve(t!);
    };
    core.on('error', (e) => finish(e));
    let started = false;
    core.addCommand({
      stateName: () => (started ? 'events' : 'start'),
      execute(p: CorePacket | undefined, c: CoreConnection): boolean {
        if (!started) {
          started = true;
          c._resetSequenceId();
          c.writePacket(packet);
          return false;
        }
        if (!p || settled) return false;
        if (p.isError()) finish(p.asError(c.clientEncoding));
        else if (p.isEOF()) finish(new Error(`no Format_description event in ${file}`));
        else {
          const body = p.buffer.subarray(p.start + 4, p.end); // 0x00, then the 19-byte event header
          if (body.length >= 20 && body[5] === 15) finish(null, body.readUInt32LE(1));
        }
        return false; // the connection is closed by finish(); never hand it back to the queue
      },
    });
  });
}

/** How long the source keeps binlogs, and when the file holding `position` may expire. */
export async function readRetention(conn: Connection, position: MysqlBinlogPosition, address?: ServerAddress): Promise<RetentionInfo> {
  const info = await readServerInfo(conn);
  const files = await listBinlogFiles(conn);
  const settings = await readSettings(conn, info);
  const base = { settings: settings.text, expireSeconds: settings.seconds, oldestFile: files[0]?.name ?? '' };
  const i = files.findIndex((f) => f.name === position.file);
  if (settings.seconds === null || i === files.length - 1) return { ...base, secondsLeft: null };
  if (i < 0) return { ...base, secondsLeft: fileSequence(position.file) < fileSequence(base.oldestFile) ? 0 : null };
  const written = await binlogFileStartTime(address ?? addressOf(conn), files[i + 1]!.name);
  const [now] = await queryRows<{ t: string | number }>(conn, 'SELECT UNIX_TIMESTAMP() AS t');
  // the server purges a file when its mtime (whole seconds) < now - expire: one second after mtime + expire
  const left = written + settings.seconds + 1 - Number(now?.t);
  return { ...base, secondsLeft: Math.max(0, left), lastWriteEstimate: written };
}

/** Throws a CutoverError when the position can no longer be read from the source's binlogs. */
export async function checkPositionAvailable(
  conn: Connection,
  position: MysqlBinlogPosition | GtidPosition,
): Promise<void> {
  const info = await readServerInfo(conn);
  let files: BinlogFile[];
  try {
    files = await listBinlogFiles(conn);
  } catch (e) {
    if ((e as { errno?: number }).errno !== 1381) throw e; // ER_NO_BINARY_LOGGING
    throw new CutoverError('The binary log is off on the source (log_bin = OFF): no position can be read.', 'Turn on log_bin in my.cnf and restart the server.');
  }
  const oldest = files[0]?.name ?? '(none)';
  let missing: string | null = null;
  if (position.kind === 'mysql-binlog') {
    const f = files.find((x) => x.name === position.file);
    if (!f) {
      const newest = files.at(-1)?.name ?? '';
      const reset = fileSequence(position.file) > fileSequence(newest) ? ` (newer than the newest, ${newest}: the binlog was reset?)` : '';
      missing = `binlog file ${position.file}${reset}`;
    } else if (position.pos > f.bytes) missing = `position ${formatPosition(position)}: ${f.name} has only ${f.bytes} bytes`;
  } else if (position.kind === 'mariadb-gtid') {
    const rows = await queryRows<{ Event_type: string; Info: string }>(conn, `SHOW BINLOG EVENTS IN ${quote(oldest)} LIMIT 5`);
    const list = rows.find((r) => r.Event_type === 'Gtid_list')?.Info ?? '[]';
    const lacking = mariadbGtidsMissing(position.gtidPos, list.replace(/^\[|\]$/g, ''));
    if (lacking.length) missing = `the binlogs after GTID position ${position.gtidPos} (${lacking.join('; ')})`;
  } else {
    const [row] = await queryRows<{ p: string | null }>(conn, 'SELECT @@GLOBAL.gtid_purged AS p');
    const lost = gtidSetSubtract(String(row?.p ?? ''), position.gtidSet);
    if (lost) missing = `the GTIDs ${lost} of the requested set ${position.gtidSet} (they are in gtid_purged)`;
  }
  if (!missing) return;
  const settings = await readSettings(conn, info);
  throw new CutoverError(
    `The source no longer has ${missing}. The oldest binlog file it still has is ${oldest}; binlog retention: ${settings.text}.`,
    `Run again with --resnapshot to copy the tables again and stream from a new position. ` +
      `To keep binlogs longer next time: ${keepLongerSql(info)}.`,
    'BINLOG_PURGED',
  );
}

const quote = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

/**
 * Which domains of a MariaDB Gtid_list (the GTIDs before the oldest binlog file) a GTID position has not
 * reached: pure; one line per domain, empty when the position is still in the binlogs.
 */
export function mariadbGtidsMissing(gtidPos: string, gtidList: string): string[] {
  const parse = (s: string): { d: number; seq: bigint; text: string }[] =>
    s.split(',').map((x) => x.trim()).filter(Boolean).map((text) => {
      const [d, , seq] = text.split('-');
      return { d: Number(d), seq: BigInt(seq ?? 0), text };
    });
  const have = new Map(parse(gtidPos).map((g) => [g.d, g]));
  const highest = new Map<number, { seq: bigint; text: string }>();
  for (const g of parse(gtidList)) if (!highest.has(g.d) || g.seq > highest.get(g.d)!.seq) highest.set(g.d, g);
  const out: string[] = [];
  for (const [d, top] of highest) {
    const h = have.get(d);
    if (!h) out.push(`no GTID of domain ${d}, whose purged binlogs end at ${top.text}`);
    else if (h.seq < top.seq) out.push(`${h.text} is before ${top.text}, the last GTID of domain ${d} in purged binlogs`);
  }
  return out;
}

/** A MySQL GTID set as sorted, merged, inclusive intervals per "uuid" or "uuid:tag". */
export function parseGtidSet(text: string): Map<string, [bigint, bigint][]> {
  const sets = new Map<string, [bigint, bigint][]>();
  for (const item of text.replace(/\s+/g, '').split(',').filter(Boolean)) {
    const [uuid, ...rest] = item.split(':');
    let key = uuid!.toLowerCase();
    for (const part of rest) {
      const m = /^(\d+)(?:-(\d+))?$/.exec(part);
      if (!m) {
        key = `${uuid!.toLowerCase()}:${part.toLowerCase()}`; // a tag (MySQL 8.3+) for the intervals after it
        continue;
      }
      const list = sets.get(key) ?? [];
      list.push([BigInt(m[1]!), BigInt(m[2] ?? m[1]!)]);
      sets.set(key, list);
    }
  }
  for (const [key, list] of sets) {
    list.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const merged: [bigint, bigint][] = [];
    for (const [s, e] of list) {
      const last = merged.at(-1);
      if (last && s <= last[1] + 1n) last[1] = e > last[1] ? e : last[1];
      else merged.push([s, e]);
    }
    sets.set(key, merged);
  }
  return sets;
}

/** The GTIDs of set `a` that are not in set `b`, as GTID set text ('' when `a` is a subset of `b`). */
export function gtidSetSubtract(a: string, b: string): string {
  const bs = parseGtidSet(b);
  const out: string[] = [];
  for (const [key, intervals] of parseGtidSet(a)) {
    const parts: string[] = [];
    for (const [s0, e] of intervals) {
      let s = s0;
      for (const [bs0, be] of bs.get(key) ?? []) {
        if (be < s || bs0 > e) continue;
        if (bs0 > s) parts.push(bs0 - 1n === s ? `${s}` : `${s}-${bs0 - 1n}`);
        s = be + 1n;
        if (s > e) break;
      }
      if (s <= e) parts.push(s === e ? `${s}` : `${s}-${e}`);
    }
    if (parts.length) out.push(`${key}:${parts.join(':')}`);
  }
  return out.join(',');
}

/** Whether every GTID of set `a` is in set `b`. */
export const gtidSetIsSubset = (a: string, b: string): boolean => gtidSetSubtract(a, b) === '';
