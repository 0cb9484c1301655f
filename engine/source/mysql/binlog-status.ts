// Where the source's binlog stands now, which binlog files it still has (retention), and how many bytes
// of binlog lie between a position and the head (the stream's backlog metric).
import type { SourcePosition } from '../../core/position.js';
import { comparePositions } from '../../core/position.js';
import { fileSequence } from '../../../shared/positions.js';
import type { Connection } from '../../mysql/connection.js';
import { queryRows } from '../../mysql/connection.js';
import { binlogStatusSql, readServerInfo, type ServerInfo } from '../../mysql/server-info.js';
import type { BinlogStatus } from '../../core/changes.js';

export async function readBinlogStatus(conn: Connection, info?: ServerInfo): Promise<BinlogStatus> {
  const server = info ?? (await readServerInfo(conn));
  const [row] = await queryRows<Record<string, string | number>>(conn, binlogStatusSql(server));
  if (!row) throw new Error('the binary log is off on the source (log_bin = OFF)');
  const file: SourcePosition = { kind: 'mysql-binlog', file: String(row.File), pos: Number(row.Position) };
  let gtid: BinlogStatus['gtid'] = null;
  if (server.flavor === 'mariadb') {
    const [g] = await queryRows<{ g: string | null }>(conn, 'SELECT @@gtid_binlog_pos AS g');
    if (g?.g) gtid = { kind: 'mariadb-gtid', gtidPos: String(g.g) };
  } else {
    const set = String(row.Executed_Gtid_Set ?? '').replace(/\s+/g, '');
    if (set) gtid = { kind: 'mysql-gtid', gtidSet: set };
  }
  return { file, gtid };
}

export interface BinlogFile {
  name: string;
  bytes: number;
}

/** The binlog files the source still has, oldest first (SHOW BINARY LOGS). */
export async function listBinlogFiles(conn: Connection): Promise<BinlogFile[]> {
  const rows = await queryRows<{ Log_name: string; File_size: number | string }>(conn, 'SHOW BINARY LOGS');
  return rows.map((r) => ({ name: String(r.Log_name), bytes: Number(r.File_size) }));
}

/** Bytes from position a to position b over the source's binlog files (b after a); null when unknown. */
export function bytesBetween(a: SourcePosition, b: SourcePosition, files: BinlogFile[]): number | null {
  if (comparePositions(a, b) >= 0) return 0;
  if (a.file === b.file) return b.pos - a.pos;
  const size = new Map(files.map((f) => [f.name, f.bytes]));
  const first = size.get(a.file);
  if (first === undefined) return null;
  let total = first - a.pos;
  for (const f of files) {
    const seq = fileSequence(f.name);
    if (seq > fileSequence(a.file) && seq < fileSequence(b.file)) total += f.bytes;
  }
  return total + b.pos;
}

/** Where the binlog stands now and the bytes of binlog from `from` to there (the files are listed only when they differ). */
export async function readBinlogBacklog(conn: Connection, from: SourcePosition): Promise<{ head: BinlogStatus; bytesBehind: number | null }> {
  const head = await readBinlogStatus(conn);
  const bytesBehind = bytesBetween(from, head.file, from.file === head.file.file ? [] : await listBinlogFiles(conn));
  return { head, bytesBehind };
}
